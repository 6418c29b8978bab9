//! Writing frames to one socket without waiting: the byte-level half of the write path.
//!
//! Every write to a client is non-blocking. Frames that are the same for every client go
//! straight from the shared tick to the kernel with [`write_parts`] (one `write`/`writev`, no
//! copy); only what the socket does not take at once is copied into the connection's
//! [`Outbox`], which then holds the connection's ordered, not-yet-written bytes. Frames built
//! for one connection (acks, errors, replays, `dropped` copies, tungstenite's pongs and close
//! frames) are appended to the outbox and flushed from it. Anything in the outbox goes out
//! before anything written after it, so the two kinds never interleave.
//!
//! The outbox always starts at a frame boundary, which lets a close frame be placed safely
//! after a partly written frame ([`Outbox::cut`]).

use std::io::{self, IoSlice};

use tokio::net::tcp::OwnedWriteHalf;

use crate::wire::{encode_text, frame_end_after};

/// Most frames written with one `writev`; more go out in several.
pub const MAX_PARTS: usize = 64;
/// An empty ping frame.
pub const PING: [u8; 2] = [0x89, 0];

/// A socket that can be written without waiting (the write half of a TCP stream; tests use
/// fakes).
pub trait Wire {
    /// Writes what the socket takes now; `WouldBlock` if nothing.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Gathers several buffers into one write.
    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize>;
}

impl Wire for OwnedWriteHalf {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        OwnedWriteHalf::try_write(self, buf)
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        OwnedWriteHalf::try_write_vectored(self, bufs)
    }
}

/// Up to [`MAX_PARTS`] borrowed frames to write together.
pub struct Parts<'a> {
    items: [&'a [u8]; MAX_PARTS],
    len: usize,
}

impl Default for Parts<'_> {
    fn default() -> Self {
        Self {
            items: [&[]; MAX_PARTS],
            len: 0,
        }
    }
}

impl<'a> Parts<'a> {
    /// Adds a frame; false when full.
    pub fn push(&mut self, frame: &'a [u8]) -> bool {
        let Some(slot) = self.items.get_mut(self.len) else {
            return false;
        };
        *slot = frame;
        self.len += 1;
        true
    }

    /// The frames.
    pub fn as_slice(&self) -> &[&'a [u8]] {
        self.items.get(..self.len).unwrap_or_default()
    }

    /// Total bytes.
    pub fn bytes(&self) -> usize {
        self.as_slice().iter().map(|p| p.len()).sum()
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Writes `parts` with one non-blocking syscall (`write` for one, `writev` for several) and
/// returns how many bytes the socket took; `WouldBlock` counts as zero.
pub fn write_parts(wire: &impl Wire, parts: &[&[u8]]) -> io::Result<usize> {
    let wrote = match parts {
        [] => return Ok(0),
        [one] => wire.try_write(one),
        many => {
            let mut slices = [IoSlice::new(&[]); MAX_PARTS];
            let mut n = 0;
            for (slot, part) in slices.iter_mut().zip(many) {
                *slot = IoSlice::new(part);
                n += 1;
            }
            wire.try_write_vectored(slices.get(..n).unwrap_or_default())
        }
    };
    match wrote {
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

    /// Encodes and appends a text frame.
    pub fn text(&mut self, payload: &str) {
        encode_text(payload.as_bytes(), &mut self.buf);
        self.frames += 1;
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

    /// Keeps what a direct write of `parts` left unwritten (`wrote` bytes went out). Direct
    /// writes happen only when the outbox is empty, or they would overtake it.
    pub fn keep(&mut self, parts: &[&[u8]], wrote: usize) {
        debug_assert!(self.is_empty(), "a direct write overtook queued bytes");
        let mut skip = wrote;
        for part in parts {
            if skip >= part.len() {
                skip -= part.len();
                continue;
            }
            // Only the first kept part can be partial: its written head is kept too (and
            // marked sent), so the outbox still starts at a frame boundary.
            if skip > 0 {
                self.sent = self.buf.len() + skip;
                skip = 0;
            }
            self.frame(part);
        }
    }

    /// Writes as much as the socket takes now.
    pub fn flush(&mut self, wire: &impl Wire) -> io::Result<Flushed> {
        let mut wrote = 0;
        while let Some(rest) = self.buf.get(self.sent..).filter(|r| !r.is_empty()) {
            let n = write_parts(wire, &[rest])?;
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
        calls: Cell<usize>,
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
            self.try_write_vectored(&[IoSlice::new(buf)])
        }

        fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.calls.set(self.calls.get() + 1);
            if self.room.get() == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.room.get());
                self.got.borrow_mut().extend_from_slice(&b[..take]);
                self.room.set(self.room.get() - take);
                n += take;
            }
            Ok(n)
        }
    }

    #[test]
    fn a_direct_write_is_one_syscall_and_its_tail_is_kept_in_order() {
        let (a, b, c) = (
            text_frame(b"aaaa"),
            text_frame(b"bbbb"),
            text_frame(b"cccc"),
        );
        let parts = [&a[..], &b[..], &c[..]];
        let wire = Fake::with_room(8);
        let wrote = write_parts(&wire, &parts).unwrap();
        assert_eq!((wrote, wire.calls.get()), (8, 1));
        let mut out = Outbox::default();
        out.keep(&parts, wrote);
        out.text("dddd");
        assert_eq!(out.len(), 6 + 6 + 6 + 6 - 8);
        wire.room.set(1000);
        let f = out.flush(&wire).unwrap();
        assert!(f.done);
        let mut want = Vec::new();
        for p in [&a[..], &b[..], &c[..], &text_frame(b"dddd")[..]] {
            want.extend_from_slice(p);
        }
        assert_eq!(*wire.got.borrow(), want);
        // b, c and d were queued; a finished in the direct write.
        assert_eq!(f.frames, 3);
    }

    #[test]
    fn a_would_block_write_keeps_everything() {
        let frame = text_frame(b"x");
        let wire = Fake::with_room(0);
        assert_eq!(write_parts(&wire, &[&frame]).unwrap(), 0);
        let mut out = Outbox::default();
        out.keep(&[&frame], 0);
        assert_eq!(out.len(), frame.len());
        assert!(!out.flush(&wire).unwrap().done);
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
