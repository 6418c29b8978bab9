//! The read side of [`GuardedIo`]: vetting each request head before hyper sees it, and the
//! header and idle timeouts.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

use super::{GuardedIo, Mode, Waiting};
use crate::error::ApiError;
use crate::head::{scan_head, Framing, Scan};

impl<T: AsyncRead + Unpin> GuardedIo<T> {
    /// Reads more bytes into `buf`, at most enough to exceed the head limit by one byte.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let cap = self.config.limits.max_header_bytes + 1;
        let want = cap.saturating_sub(self.buf.len()).clamp(1, 4096);
        let mut rb = ReadBuf::new(self.buf.spare(want));
        let polled = Pin::new(&mut self.inner).poll_read(cx, &mut rb);
        let got = rb.filled().len();
        self.buf.commit(got);
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

#[cfg(test)]
mod tests {
    use tokio::io::{duplex, AsyncWriteExt};

    use super::super::tests::{config, read_all};
    use super::super::{GuardedIo, RejectSlot};
    use crate::rejected::synthetic_request;

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
        assert!(io.buf.allocated() <= config().limits.max_header_bytes + 4096);
    }
}
