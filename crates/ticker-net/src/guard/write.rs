//! The write side of [`GuardedIo`]: the write stall timeout of HTTP responses, lifted once an
//! upgrade request is answered `101`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use tokio::time::sleep;

use super::GuardedIo;

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
    use std::io;
    use std::time::Duration;

    use tokio::io::{duplex, AsyncReadExt, AsyncWriteExt};

    use super::super::tests::config;
    use super::super::{GuardConfig, GuardedIo, RejectSlot};

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
}
