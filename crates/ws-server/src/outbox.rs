//! Writing frames to one socket without waiting: the byte-level half of the write path.
//!
//! Every write to a client is non-blocking. Frames that are the same for every client go to
//! the kernel with one `send` per client per wake-up ([`write_now`]): straight from the shared
//! tick when it is one frame, else gathered into the writer's reused scratch buffer (a copy of
//! a kilobyte costs less than `writev`'s trip through the VFS layer). Only what the socket does
//! not take at once is kept in the connection's [`Outbox`], which then holds the connection's
//! ordered, not-yet-written bytes. Frames built
//! for one connection (acks, errors, replays, `dropped` copies, tungstenite's pongs and close
//! frames) are appended to the outbox and flushed from it. Anything in the outbox goes out
//! before anything written after it, so the two kinds never interleave.
//!
//! The outbox always starts at a frame boundary, which lets a close frame be placed safely
//! after a partly written frame ([`Outbox::cut`]).

use std::io;

use tokio::net::TcpStream;

use crate::wire::{encode_text, frame_end_after};

/// An empty ping frame.
pub const PING: [u8; 2] = [0x89, 0];

/// A socket that can be written without waiting (a TCP stream; tests use fakes).
pub trait Wire {
    /// Writes what the socket takes now; `WouldBlock` if nothing.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
}

impl Wire for TcpStream {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        TcpStream::try_write(self, buf)
    }
}

/// The shard's fast path to a socket: `send` on the descriptor itself, without tokio's
/// readiness bookkeeping (a lookup in a separate allocation per client per tick, a cache miss
/// at ten thousand clients). Only for the one write a live tick gets: a `WouldBlock` here
/// leaves tokio's readiness stale, which is safe because the connection then goes to its task,
/// whose next write goes through tokio ([`Outbox::flush`]), sees the `WouldBlock` itself and
/// re-arms the readiness before the task waits on it.
pub struct Direct<'s>(pub &'s TcpStream);

impl Wire for Direct<'_> {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        socket2::SockRef::from(self.0).send(buf)
    }
}

/// Writes `bytes` (whole frames) with one non-blocking `send` and returns how many bytes the
/// socket took; `WouldBlock` counts as zero.
pub fn write_now(wire: &impl Wire, bytes: &[u8]) -> io::Result<usize> {
    if bytes.is_empty() {
        return Ok(0);
    }
    match wire.try_write(bytes) {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
        Err(e) => Err(e),
    }
}

/// Result of writing from an outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    /// Bytes the socket took.
    pub wrote: usize,
    /// Data frames that finished going out (counted when the outbox empties).
    pub frames: u64,
    /// Nothing is left.
    pub done: bool,
}

/// One connection's bytes that are not written yet (see the module docs).
#[derive(Debug, Default)]
pub struct Outbox {
    /// Whole frames, back to back; `buf[..sent]` is already written.
    buf: Vec<u8>,
    sent: usize,
    /// Data frames in `buf` (counted as sent once the outbox empties).
    frames: u64,
}

impl Outbox {
    /// Appends an already encoded frame.
    pub fn frame(&mut self, frame: &[u8]) {
        self.buf.extend_from_slice(frame);
        self.frames += 1;
    }

    /// Appends `count` already encoded frames, back to back.
    pub fn frames(&mut self, frames: &[u8], count: u64) {
        self.buf.extend_from_slice(frames);
        self.frames += count;
    }

    /// Encodes and appends a text frame.
    pub fn text(&mut self, payload: &str) {
        encode_text(payload.as_bytes(), &mut self.buf);
        self.frames += 1;
    }

    /// Takes the unwritten bytes and the data frames among them, leaving the outbox empty (a
    /// scratch outbox that collected one tick's frames hands them on this way).
    pub fn take(&mut self) -> (Vec<u8>, u64) {
        let mut buf = std::mem::take(&mut self.buf);
        buf.drain(..self.sent.min(buf.len()));
        self.sent = 0;
        (buf, std::mem::take(&mut self.frames))
    }

    /// Appends whole frames encoded elsewhere (tungstenite's pongs and close frames); they are
    /// not counted as data frames.
    pub fn raw(&mut self, frames: &[u8]) {
        self.buf.extend_from_slice(frames);
    }

    /// Unwritten bytes.
    pub fn len(&self) -> usize {
        self.buf.len() - self.sent
    }

    /// Whether everything is written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps what a direct write of `bytes` (`frames` whole frames) left unwritten: `wrote`
    /// bytes went out. Direct writes happen only when the outbox is empty, or they would
    /// overtake it; the written head is kept too (as sent), so the outbox still starts at a
    /// frame boundary.
    pub fn keep(&mut self, bytes: &[u8], frames: u64, wrote: usize) {
        debug_assert!(self.is_empty(), "a direct write overtook queued bytes");
        self.buf.clear();
        self.buf.extend_from_slice(bytes);
        self.sent = wrote.min(bytes.len());
        self.frames = frames;
    }

    /// Writes as much as the socket takes now.
    pub fn flush(&mut self, wire: &impl Wire) -> io::Result<Flushed> {
        let mut wrote = 0;
        while let Some(rest) = self.buf.get(self.sent..).filter(|r| !r.is_empty()) {
            let n = write_now(wire, rest)?;
            if n == 0 {
                break;
            }
            self.sent += n;
            wrote += n;
        }
        let frames = self.settle();
        Ok(Flushed {
            wrote,
            frames,
            done: self.is_empty(),
        })
    }

    /// Once everything is written: resets the buffer and returns the data frames it held.
    fn settle(&mut self) -> u64 {
        if !self.is_empty() {
            return 0;
        }
        let data = std::mem::take(&mut self.frames);
        self.sent = 0;
        // Most connections never need their outbox after the welcome: give the memory back
        // (the rare slow path allocates again).
        self.buf = Vec::new();
        data
    }

    /// Drops every frame that has not started going out, keeping the rest of one that is half
    /// written; returns whether such a partial frame remains. A close frame may be appended
    /// afterwards without splicing it into a frame.
    pub fn cut(&mut self) -> bool {
        if self.is_empty() {
            return false;
        }
        let at_boundary = self.sent == 0 || frame_end_after(&self.buf, self.sent - 1) == self.sent;
        let end = if at_boundary {
            self.sent
        } else {
            frame_end_after(&self.buf, self.sent)
        };
        self.buf.truncate(end);
        self.frames = 0;
        !at_boundary
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::wire::text_frame;

    /// A socket that takes `room` more bytes, then blocks.
    #[derive(Default)]
    struct Fake {
        room: Cell<usize>,
        got: RefCell<Vec<u8>>,
    }

    impl Fake {
        fn with_room(room: usize) -> Self {
            let f = Self::default();
            f.room.set(room);
            f
        }
    }

    impl Wire for Fake {
        fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
            if self.room.get() == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let take = buf.len().min(self.room.get());
            self.got.borrow_mut().extend_from_slice(&buf[..take]);
            self.room.set(self.room.get() - take);
            Ok(take)
        }
    }

    #[test]
    fn the_tail_of_a_direct_write_is_kept_in_order_before_later_frames() {
        let mut gathered = Vec::new();
        for p in [b"aaaa", b"bbbb", b"cccc"] {
            gathered.extend_from_slice(&text_frame(p));
        }
        let wire = Fake::with_room(8);
        let wrote = write_now(&wire, &gathered).unwrap();
        assert_eq!(wrote, 8);
        let mut out = Outbox::default();
        out.keep(&gathered, 3, wrote);
        out.text("dddd");
        assert_eq!(out.len(), 6 + 6 + 6 + 6 - 8);
        wire.room.set(1000);
        let f = out.flush(&wire).unwrap();
        assert!(f.done);
        let mut want = gathered.clone();
        want.extend_from_slice(&text_frame(b"dddd"));
        assert_eq!(*wire.got.borrow(), want);
        assert_eq!(f.frames, 4);
        // Cut right after a partial direct write keeps only the rest of its frame.
        let mut out = Outbox::default();
        out.keep(&gathered, 3, 8);
        assert!(out.cut(), "the second frame is half written");
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn a_would_block_write_keeps_everything() {
        let frame = text_frame(b"x");
        let wire = Fake::with_room(0);
        assert_eq!(write_now(&wire, &frame).unwrap(), 0);
        let mut out = Outbox::default();
        out.keep(&frame, 1, 0);
        assert_eq!(out.len(), frame.len());
        assert!(!out.cut(), "nothing of it went out");
        assert!(out.is_empty());
    }

    #[test]
    fn cut_keeps_a_half_written_frame_and_drops_the_rest() {
        let mut out = Outbox::default();
        out.frame(&text_frame(b"0123456789"));
        out.frame(&text_frame(b"abc"));
        let wire = Fake::with_room(5);
        out.flush(&wire).unwrap();
        assert!(out.cut(), "the first frame is half written");
        assert_eq!(out.len(), 12 - 5);
        wire.room.set(100);
        assert!(out.flush(&wire).unwrap().done);
        assert_eq!(*wire.got.borrow(), text_frame(b"0123456789").to_vec());

        // At a frame boundary nothing is partial and the unstarted frames go.
        let mut out = Outbox::default();
        out.frame(&text_frame(b"01"));
        out.frame(&text_frame(b"ab"));
        out.flush(&Fake::with_room(4)).unwrap();
        assert!(!out.cut());
        assert!(out.is_empty());
    }

    #[test]
    fn an_empty_outbox_holds_no_memory() {
        let mut out = Outbox::default();
        out.frame(&vec![b'x'; 200_000]);
        out.flush(&Fake::with_room(usize::MAX)).unwrap();
        assert_eq!(out.buf.capacity(), 0);
    }
}
