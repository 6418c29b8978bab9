//! [`GuardedIo`]: the socket as hyper sees it, with every request head vetted first.
//!
//! The guard sits between the TCP stream and hyper. It buffers each request head, checks it
//! with [`scan_head`](crate::head::scan_head) and only then hands the exact bytes to hyper.
//! It also owns the connection's clocks:
//!
//! * **header timeout** (slowloris): a head must arrive whole within this time of its first
//!   byte (of the accept, for the first request); a late one is answered 408;
//! * **idle timeout**: a keep-alive connection with no new request for this long after its
//!   last response is closed;
//! * **write stall timeout**: a peer that accepts no response bytes for this long is dropped.
//!
//! A rejected head is replaced by a synthetic request for [`REJECTED_PATH`] (keeping the
//! client's `Origin`, for CORS, and its `HEAD` method, so that no body follows; see
//! [`crate::rejected`]), and the error is left in the connection's [`RejectSlot`]; the
//! service answers it like any other request, so the JSON error, CORS headers and metrics come
//! from one place and pipelined responses stay in order. Nothing after a rejected head is read.
//!
//! Once a head announces a body or a protocol switch, the guard stops parsing and passes bytes
//! through: the service must then close the connection after its response (it sends
//! `connection: close`), so an unvetted head can never reach hyper.
//!
//! Here: the guard's state and its shared steps; `config.rs`: what it enforces and where a
//! rejection goes; `pending.rs`: the head buffer; `read.rs`: the vetting and the read clocks;
//! `write.rs`: the write stall timeout.
//!
//! [`REJECTED_PATH`]: crate::REJECTED_PATH

mod config;
mod pending;
mod read;
mod write;

use std::pin::Pin;

use tokio::io::ReadBuf;
use tokio::time::{sleep, Instant, Sleep};

pub use self::config::{GuardConfig, RejectSlot};
use self::pending::Pending;
use crate::error::ApiError;
use crate::rejected::stand_in;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Vetting request heads.
    Heads,
    /// Everything from here on goes straight through.
    Pass,
    /// Handing out the synthetic request, then end of stream.
    Rejected { sent: usize },
    /// End of stream.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// A head was handed to hyper and its response is being produced: no timer runs (hyper
    /// reads again only once the response is out, and that read starts the idle timeout).
    Serving,
    /// Between requests: the idle timeout runs.
    Idle,
    /// Inside a head: the header timeout runs.
    Head,
}

/// An IO stream whose reads yield only vetted request heads (see the module docs).
pub struct GuardedIo<T> {
    inner: T,
    config: GuardConfig,
    mode: Mode,
    /// Bytes read from `inner` that hyper has not been given yet.
    buf: Pending,
    /// `buf[..released]` is vetted and may be handed to hyper.
    released: usize,
    slot: RejectSlot,
    /// The request handed to hyper in place of a rejected head.
    synthetic: Vec<u8>,
    /// A protocol switch was asked for: a `101` written from now on is the switch.
    upgrade_asked: bool,
    /// The connection switched protocols (writes are no longer the guard's business).
    upgraded: bool,
    waiting: Waiting,
    read_deadline: Pin<Box<Sleep>>,
    write_deadline: Option<Pin<Box<Sleep>>>,
}

impl<T> GuardedIo<T> {
    /// Guards `inner`; the first request's head must arrive within the header timeout.
    pub fn new(inner: T, config: GuardConfig, slot: RejectSlot) -> Self {
        Self {
            inner,
            config,
            mode: Mode::Heads,
            buf: Pending::default(),
            released: 0,
            slot,
            synthetic: Vec::new(),
            upgrade_asked: false,
            upgraded: false,
            waiting: Waiting::Head,
            read_deadline: Box::pin(sleep(config.header_timeout)),
            write_deadline: None,
        }
    }

    /// The stream back, with the bytes read from it but not yet handed out (after an upgrade,
    /// the first bytes of the new protocol), so a server can drive the socket itself.
    pub fn into_parts(self) -> (T, Vec<u8>) {
        let unread = match self.mode {
            Mode::Pass | Mode::Heads => self.buf.bytes().to_vec(),
            Mode::Rejected { .. } | Mode::Closed => Vec::new(),
        };
        (self.inner, unread)
    }

    fn arm(&mut self, waiting: Waiting) {
        self.waiting = waiting;
        let after = match waiting {
            Waiting::Serving => return,
            Waiting::Idle => self.config.idle_timeout,
            Waiting::Head => self.config.header_timeout,
        };
        self.read_deadline.as_mut().reset(Instant::now() + after);
    }

    fn reject(&mut self, error: ApiError) {
        tracing::debug!(
            status = error.status.as_u16(),
            code = error.code,
            "request head rejected"
        );
        self.slot.put(error);
        self.synthetic = stand_in(self.buf.bytes());
        self.buf.free();
        self.released = 0;
        self.mode = Mode::Rejected { sent: 0 };
    }

    /// Copies up to `out.remaining()` bytes from the front of `buf`.
    fn drain_into(&mut self, limit: usize, out: &mut ReadBuf<'_>) {
        let n = limit.min(out.remaining()).min(self.buf.len());
        out.put_slice(self.buf.bytes().get(..n).unwrap_or_default());
        self.buf.consume(n);
        if self.buf.is_empty() && self.mode == Mode::Pass {
            // Release the head buffer's memory on long-lived (e.g. upgraded) connections.
            self.buf.free();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::head::HeadLimits;

    pub(super) fn config() -> GuardConfig {
        GuardConfig {
            limits: HeadLimits::default(),
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            write_timeout: Some(Duration::from_secs(5)),
            upgrades: false,
        }
    }

    pub(super) async fn read_all(io: &mut GuardedIo<tokio::io::DuplexStream>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunk = [0u8; 7]; // small reads exercise partial hand-outs
        loop {
            let n = io.read(&mut chunk).await.unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }

    #[tokio::test]
    async fn after_an_upgrade_the_stream_comes_back_with_the_bytes_not_yet_handed_out() {
        let (mut client, server) = duplex(1 << 16);
        let config = GuardConfig {
            upgrades: true,
            ..config()
        };
        let mut io = GuardedIo::new(server, config, RejectSlot::default());
        let head =
            b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
        // A client may send its first frame right behind the request.
        client.write_all(head).await.unwrap();
        client.write_all(b"\x81\x85first").await.unwrap();
        let mut got = vec![0u8; head.len()];
        io.read_exact(&mut got).await.unwrap();
        assert_eq!(&got[..], &head[..]);
        let (mut inner, unread) = io.into_parts();
        assert_eq!(unread, b"\x81\x85first");
        client.write_all(b"more").await.unwrap();
        let mut more = [0u8; 4];
        inner.read_exact(&mut more).await.unwrap();
        assert_eq!(&more, b"more");
    }
}
