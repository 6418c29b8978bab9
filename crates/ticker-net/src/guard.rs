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
//! [`REJECTED_PATH`]: crate::REJECTED_PATH

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep, Instant, Sleep};

use crate::error::ApiError;
use crate::head::{scan_head, Framing, HeadLimits, Scan};
use crate::rejected::stand_in;

/// Everything the guard enforces on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardConfig {
    /// Size limits of a head.
    pub limits: HeadLimits,
    /// Time allowed for a whole head to arrive.
    pub header_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Time a response write may make no progress (until the connection upgrades); `None`
    /// leaves it to the service.
    pub write_timeout: Option<Duration>,
    /// Whether `Upgrade` requests switch the guard to pass-through (the WebSocket server).
    pub upgrades: bool,
}

/// Where the guard leaves the error of a rejected head for the service.
#[derive(Debug, Clone, Default)]
pub struct RejectSlot(Arc<Mutex<Option<ApiError>>>);

impl RejectSlot {
    /// The rejection for a request to [`REJECTED_PATH`](crate::REJECTED_PATH), if the guard
    /// produced it.
    pub fn take(&self) -> Option<ApiError> {
        self.0.lock().map(|mut slot| slot.take()).unwrap_or(None)
    }

    fn put(&self, error: ApiError) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error);
        }
    }
}

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

/// Bytes read but not yet handed to hyper: `data[start..end]`. The allocation is zeroed once and
/// reused by every head of a keep-alive connection (no per-read zeroing or reallocation).
#[derive(Default)]
struct Pending {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl Pending {
    fn bytes(&self) -> &[u8] {
        self.data.get(self.start..self.end).unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Gives the memory back (long-lived upgraded connections need none).
    fn free(&mut self) {
        *self = Self::default();
    }

    /// Room for `want` more bytes after the pending ones.
    fn spare(&mut self, want: usize) -> &mut [u8] {
        if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.data.len() < self.end + want {
            self.data.resize(self.end + want, 0);
        }
        self.data
            .get_mut(self.end..self.end + want)
            .unwrap_or_default()
    }
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

impl<T: AsyncRead + Unpin> GuardedIo<T> {
    /// Reads more bytes into `buf`, at most enough to exceed the head limit by one byte.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let cap = self.config.limits.max_header_bytes + 1;
        let want = cap.saturating_sub(self.buf.len()).clamp(1, 4096);
        let mut rb = ReadBuf::new(self.buf.spare(want));
        let polled = Pin::new(&mut self.inner).poll_read(cx, &mut rb);
        let got = rb.filled().len();
        self.buf.end += got;
        match polled {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(got)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.mode {
                Mode::Closed => return Poll::Ready(Ok(())),
                Mode::Rejected { sent } => {
                    let rest = this.synthetic.get(sent..).unwrap_or_default();
                    let n = rest.len().min(out.remaining());
                    out.put_slice(rest.get(..n).unwrap_or_default());
                    this.mode = if sent + n >= this.synthetic.len() {
                        Mode::Closed
                    } else {
                        Mode::Rejected { sent: sent + n }
                    };
                    return Poll::Ready(Ok(()));
                }
                Mode::Pass => {
                    if !this.buf.is_empty() {
                        this.drain_into(usize::MAX, out);
                        return Poll::Ready(Ok(()));
                    }
                    this.buf.free();
                    return Pin::new(&mut this.inner).poll_read(cx, out);
                }
                Mode::Heads => {}
            }
            if this.released > 0 {
                let before = this.buf.len();
                this.drain_into(this.released, out);
                this.released -= before - this.buf.len();
                return Poll::Ready(Ok(()));
            }
            if !this.buf.is_empty() {
                match scan_head(this.buf.bytes(), &this.config.limits) {
                    Scan::Complete(head) => {
                        let switch = this.config.upgrades && head.upgrade;
                        if head.framing != Framing::None || switch {
                            this.mode = Mode::Pass;
                            this.upgrade_asked = switch;
                        } else {
                            this.released = head.len;
                            // No timer while the response is produced: the deadline is only
                            // polled by reads, and the next read re-arms it (idle or head).
                            this.waiting = Waiting::Serving;
                        }
                        continue;
                    }
                    Scan::Rejected(error) => {
                        this.reject(error);
                        continue;
                    }
                    Scan::Partial => {
                        if this.waiting != Waiting::Head {
                            this.arm(Waiting::Head);
                        }
                    }
                }
            } else if this.waiting == Waiting::Serving {
                // hyper asks for the next request: the previous response is out.
                this.arm(Waiting::Idle);
            }
            match this.fill(cx) {
                Poll::Ready(Ok(0)) => {
                    // The peer closed; a partial head cannot be answered usefully.
                    this.mode = Mode::Closed;
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Ok(_)) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {
                    if this.read_deadline.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    if this.buf.is_empty() {
                        // Idle (or never spoke): close quietly.
                        this.mode = Mode::Closed;
                        return Poll::Ready(Ok(()));
                    }
                    let secs = this.config.header_timeout.as_secs_f64();
                    this.reject(ApiError::new(
                        http::StatusCode::REQUEST_TIMEOUT,
                        "request_timeout",
                        format!("the request head did not arrive within {secs} s"),
                    ));
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> GuardedIo<T> {
    /// Notes the switch when the service answers an upgrade request with `101`: only then do
    /// writes stop being timed (a refusal, however large, is still an HTTP response).
    fn note_switch(&mut self, data: &[u8]) {
        if self.upgrade_asked && !self.upgraded && data.starts_with(b"HTTP/1.1 101 ") {
            self.upgraded = true;
        }
    }

    /// Maps a write result through the stall timer.
    fn stall<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        // An upgraded connection's protocol bounds its own writes (the ws-server's stall
        // timeout); the guard's write timeout covers HTTP responses.
        let Some(limit) = self.config.write_timeout.filter(|_| !self.upgraded) else {
            return polled;
        };
        match polled {
            Poll::Pending => {
                let deadline = self
                    .write_deadline
                    .get_or_insert_with(|| Box::pin(sleep(limit)));
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "peer stopped reading the response",
                    )));
                }
                Poll::Pending
            }
            ready => {
                self.write_deadline = None;
                ready
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.note_switch(data);
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        this.stall(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            this.note_switch(first);
        }
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.stall(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.stall(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::rejected::synthetic_request;

    fn config() -> GuardConfig {
        GuardConfig {
            limits: HeadLimits::default(),
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            write_timeout: Some(Duration::from_secs(5)),
            upgrades: false,
        }
    }

    async fn read_all(io: &mut GuardedIo<tokio::io::DuplexStream>) -> Vec<u8> {
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
    async fn passes_valid_pipelined_heads_verbatim() {
        let (mut client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        let reqs = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        client.write_all(reqs).await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(read_all(&mut io).await, reqs);
        assert!(slot.take().is_none());
    }

    #[tokio::test]
    async fn replaces_a_bad_head_after_good_ones_and_stops_reading() {
        let (mut client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        client
            .write_all(b"GET /ok HTTP/1.1\r\n\r\nGET / HTTP/9.9\r\n\r\nGET /never HTTP/1.1\r\n\r\n")
            .await
            .unwrap();
        let got = read_all(&mut io).await;
        let mut want = b"GET /ok HTTP/1.1\r\n\r\n".to_vec();
        want.extend_from_slice(&synthetic_request(false, None));
        assert_eq!(got, want);
        assert_eq!(slot.take().unwrap().code, "bad_request");
    }

    #[tokio::test]
    async fn a_rejected_head_keeps_its_origin_for_cors() {
        let (mut client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        client
            .write_all(b"GET / HTTP/7.0\r\nOrigin: http://localhost:5173\r\n\r\n")
            .await
            .unwrap();
        let got = read_all(&mut io).await;
        assert_eq!(got, synthetic_request(false, Some("http://localhost:5173")));
        assert!(String::from_utf8(got)
            .unwrap()
            .contains("\r\norigin: http://localhost:5173\r\n"));
    }

    #[tokio::test]
    async fn a_rejected_head_request_stays_a_head_request() {
        let (mut client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        client.write_all(b"HEAD / HTTP/7.0\r\n\r\n").await.unwrap();
        // hyper then knows the answer is to HEAD, and sends the error's head without a body.
        assert_eq!(read_all(&mut io).await, synthetic_request(true, None));
        assert_eq!(slot.take().unwrap().code, "bad_request");
    }

    #[tokio::test]
    async fn bodies_switch_to_pass_through() {
        let (mut client, server) = duplex(1 << 16);
        let mut io = GuardedIo::new(server, config(), RejectSlot::default());
        let reqs = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGARBAGE \x00\x01";
        client.write_all(reqs).await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(read_all(&mut io).await, reqs);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dripping_head_times_out_with_408() {
        let (mut client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        client
            .write_all(b"GET / HTTP/1.1\r\nX-Slow: ")
            .await
            .unwrap();
        let got = read_all(&mut io).await; // time auto-advances while nothing else can run
        assert_eq!(got, synthetic_request(false, None));
        assert_eq!(slot.take().unwrap().status.as_u16(), 408);
    }

    #[tokio::test(start_paused = true)]
    async fn only_a_101_lifts_the_write_timeout_of_an_upgrade_request() {
        let upgrades = GuardConfig {
            upgrades: true,
            ..config()
        };
        for (status, stalls) in [
            ("400 Bad Request", true),
            ("101 Switching Protocols", false),
        ] {
            let (mut client, server) = duplex(1024);
            let mut io = GuardedIo::new(server, upgrades, RejectSlot::default());
            let request = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
            client.write_all(request).await.unwrap();
            let mut head = vec![0u8; request.len()];
            io.read_exact(&mut head).await.unwrap();
            // The client reads nothing: a long answer fills the pipe and the write stalls.
            let answer = format!("HTTP/1.1 {status}\r\n\r\n{}", "x".repeat(4096));
            let write =
                tokio::time::timeout(Duration::from_secs(60), io.write_all(answer.as_bytes()));
            match write.await {
                Ok(Err(e)) => {
                    assert!(stalls, "{status}: {e}");
                    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
                }
                Err(_) => assert!(!stalls, "{status}: the write was not timed out"),
                Ok(Ok(())) => panic!("{status}: 4 KiB went into a 1 KiB pipe"),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_closed_quietly() {
        let (_client, server) = duplex(1 << 16);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        assert!(read_all(&mut io).await.is_empty());
        assert!(slot.take().is_none());
    }

    #[tokio::test]
    async fn an_oversize_head_is_rejected_without_buffering_it_all() {
        let (mut client, server) = duplex(1 << 20);
        let slot = RejectSlot::default();
        let mut io = GuardedIo::new(server, config(), slot.clone());
        let mut big = b"GET / HTTP/1.1\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'a', 100_000));
        client.write_all(&big).await.unwrap();
        assert_eq!(read_all(&mut io).await, synthetic_request(false, None));
        assert_eq!(slot.take().unwrap().status.as_u16(), 431);
        assert!(io.buf.data.len() <= config().limits.max_header_bytes + 4096);
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
