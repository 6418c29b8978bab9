//! [`Duplex`]: the connection as tungstenite sees it. Reads come from the socket; writes (its
//! pongs and close frames) go into the connection's outbox, so they keep their place among the
//! server's frames.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{Conn, CONTROL_BACKLOG};
use crate::stats::Stats;

/// The socket as tungstenite sees it: reads from the socket, writes into the connection's
/// outbox, so tungstenite's pongs and close frames keep their place among ours.
pub struct Duplex {
    conn: Arc<Conn>,
    stats: Arc<Stats>,
}

impl Duplex {
    /// tungstenite's view of a connection.
    pub fn new(conn: Arc<Conn>, stats: Arc<Stats>) -> Self {
        Self { conn, stats }
    }
}

impl AsyncRead for Duplex {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Reads share the socket with the writers (through `&TcpStream`), so they go through
        // readiness and `try_read` rather than a split-off read half.
        let socket = &self.conn.socket;
        loop {
            ready!(socket.poll_read_ready(cx))?;
            match socket.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for Duplex {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut guard = this.conn.lock();
        let link = &mut *guard;
        if link.out.len() > CONTROL_BACKLOG {
            link.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        link.out.raw(data);
        // Whoever holds the lock may write the outbox's front: its order is the stream's.
        this.conn.flush(link, &this.stats)?;
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // What is queued is the session's to drain (with its stall timer).
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
