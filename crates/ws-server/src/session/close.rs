//! The end of a session: the close frame and handshake, sent briefly (the peer may be gone
//! or stuck), without corrupting a half-written frame, and the socket shut down cleanly so
//! the client does not lose its close frame to a reset.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::Session;
use crate::conn::End;

impl Session {
    /// Waits (at most `limit`) until everything queued is written; false if it was not.
    pub(super) async fn flush_within(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            {
                let mut link = self.conn.lock();
                match self.conn.flush(&mut link, &self.hub.stats) {
                    Ok(_) if link.out.is_empty() => return true,
                    Ok(_) => {}
                    Err(_) => return false,
                }
            }
            match tokio::time::timeout_at(deadline, self.conn.writable()).await {
                Ok(Ok(())) => {}
                _ => return false,
            }
        }
    }

    /// Sends the close frame (briefly: the peer may be gone or stuck) and, if it went out,
    /// gives the client a moment to answer the close handshake before the socket drops.
    pub(super) async fn finish(&mut self, end: End) {
        let queued = self.conn.close();
        let partial = {
            let mut guard = self.conn.lock();
            let link = &mut *guard;
            // A faulted stall ends with the session: the close frame must get out.
            link.hold = false;
            if end == End::Slow {
                // Every tick queued behind the stuck write is lost to this client.
                link.stream.lagged(queued, &self.hub.stats);
            }
            link.out.cut()
        };
        if end == End::Gone {
            return;
        }
        if partial {
            // A frame is half written. A client that is still reading (shutdown caught the
            // write mid-way) gets the rest of that frame, then its close frame; a stuck one gets
            // nothing more, since a close frame spliced into a partial frame would corrupt its
            // stream. Frames queued after it are dropped: the client can resume with `since`.
            if end == End::Slow || !self.flush_within(Duration::from_millis(500)).await {
                return;
            }
        }
        let (code, reason, wait) = match end {
            End::Gone => return,
            End::Slow => (
                CloseCode::Policy,
                "consumer too slow",
                Duration::from_millis(100),
            ),
            End::Close(code, reason) => (code, reason, Duration::from_secs(1)),
        };
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let sent = tokio::time::timeout(wait, self.ws.send(Message::Close(Some(frame)))).await;
        if !matches!(sent, Ok(Ok(()))) || !self.flush_within(wait).await {
            return;
        }
        let _ = tokio::time::timeout(wait, async {
            while let Some(Ok(m)) = self.ws.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
        // End the write side (FIN after the close frame), then read what the client still
        // sends (such as the rest of an oversize frame) until it closes too. Dropping the
        // socket with input unread makes the kernel reset the connection, and a reset can
        // discard output not yet transmitted: the client would lose its close frame.
        if self.conn.shutdown_write().is_err() {
            return;
        }
        let io = self.ws.get_mut();
        let _ = tokio::time::timeout(wait, async {
            let mut sink = [0u8; 1024];
            while io.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    }
}
