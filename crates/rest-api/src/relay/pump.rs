//! The bytes of one relayed connection, after both handshakes: copied as they come, both ways,
//! until the ws-server closes its side (a client that closes first has its FIN passed on, and
//! the ws-server then closes).
//!
//! Server-to-client bytes (the price stream) are copied blind. Client-to-server bytes are
//! copied too, but their frame headers are followed ([`FrameTracker`]) for one reason: when
//! the rest-api shuts down it adds a close frame (1001, "rest-api shutting down") to the
//! client's stream at a frame boundary, so the ws-server ends the session properly and its
//! close reply reaches the client through the relay: a clean close rather than a cut socket.
//!
//! A connection on which no byte moves either way for the idle timeout is closed: a client
//! that vanished without a FIN would otherwise hold two sockets forever (the ws-server pings
//! every `--ping-interval-ms`, so a live connection is never that quiet). When the grace
//! period of a shutdown is over, whatever is left is closed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::Instant;

use super::frames::{close_frame, FrameTracker};
use super::stats::RelayStats;

/// Read size towards the client: several ticks' worth of frames.
const DOWN_BUFFER: usize = 8 * 1024;
/// Read size towards the ws-server: client messages are small.
const UP_BUFFER: usize = 2 * 1024;
/// How long a client may take to close once the ws-server has.
const LINGER: Duration = Duration::from_secs(1);
/// The reason in the close frame the relay sends for the client at shutdown.
pub(crate) const SHUTDOWN_REASON: &str = "rest-api shutting down";

/// What a pump needs besides the two streams.
pub(crate) struct Pump<'a> {
    /// No byte either way for this long closes the connection.
    pub(crate) idle: Duration,
    /// Becomes true when the rest-api starts shutting down.
    pub(crate) stop: watch::Receiver<bool>,
    /// Becomes true when the shutdown's grace period is over.
    pub(crate) kill: watch::Receiver<bool>,
    /// Counters.
    pub(crate) stats: &'a RelayStats,
}

/// How a relayed connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Both sides closed (or one failed).
    Closed,
    /// Nothing moved for the idle timeout.
    Idle,
    /// The shutdown's grace period ran out.
    Killed,
}

/// When bytes last moved, as milliseconds since the pump started.
struct LastActivity {
    start: Instant,
    ms: AtomicU64,
}

impl LastActivity {
    fn touch(&self) {
        self.ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Resolves once nothing has moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.ms.load(Ordering::Relaxed));
            let quiet = self.start.elapsed().saturating_sub(last);
            if quiet >= idle {
                return;
            }
            tokio::time::sleep(idle - quiet).await;
        }
    }
}

/// Resolves once `flag` is true, or its sender is gone (the server is gone: stop as well).
async fn turned_true(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|on| *on).await;
}

/// Copies bytes between `client` and `server` until the connection ends.
pub(crate) async fn run<C, S>(client: C, server: S, mut pump: Pump<'_>) -> End
where
    C: AsyncRead + AsyncWrite,
    S: AsyncRead + AsyncWrite,
{
    let (mut from_client, mut to_client) = tokio::io::split(client);
    let (mut from_server, mut to_server) = tokio::io::split(server);
    let activity = LastActivity {
        start: Instant::now(),
        ms: AtomicU64::new(0),
    };
    let stats = pump.stats;
    let down = async {
        let mut buf = vec![0u8; DOWN_BUFFER];
        loop {
            let n = from_server.read(&mut buf).await?;
            if n == 0 {
                // The ws-server closed: pass the FIN on.
                return to_client.shutdown().await;
            }
            to_client
                .write_all(buf.get(..n).unwrap_or_default())
                .await?;
            stats.bytes_to_client.fetch_add(n as u64, Ordering::Relaxed);
            activity.touch();
        }
    };
    let up = async {
        let mut buf = vec![0u8; UP_BUFFER];
        let mut frames = FrameTracker::default();
        let mut stop = pump.stop.clone();
        let mut stopping = false;
        let mut closed = false;
        loop {
            if stopping && !closed && frames.at_boundary() && !frames.client_closed() {
                to_server.write_all(&close_frame(SHUTDOWN_REASON)).await?;
                closed = true;
            }
            tokio::select! {
                read = from_client.read(&mut buf) => {
                    let n = read?;
                    if n == 0 {
                        return to_server.shutdown().await;
                    }
                    let data = buf.get(..n).unwrap_or_default();
                    frames.feed(data);
                    to_server.write_all(data).await?;
                    stats.bytes_to_server.fetch_add(n as u64, Ordering::Relaxed);
                    activity.touch();
                }
                () = turned_true(&mut stop), if !stopping => stopping = true,
            }
        }
    };
    let (mut down, mut up) = (std::pin::pin!(down), std::pin::pin!(up));
    let mut up_done = false;
    loop {
        tokio::select! {
            // The ws-server closed (its FIN is passed on) or failed: what the client still
            // sends has nowhere to go, so the connection ends. Its last words (the reply to a
            // close) are read first, briefly: closing on unread input would make the kernel
            // send a reset, which can destroy the close frame before the client reads it.
            _ = &mut down => {
                if !up_done {
                    let _ = tokio::time::timeout(LINGER, &mut up).await;
                }
                return End::Closed;
            }
            // The client closed its side: the ws-server may still answer (a close reply) and
            // then closes, which ends the connection above.
            result = &mut up, if !up_done => {
                if result.is_err() {
                    return End::Closed;
                }
                up_done = true;
            }
            () = activity.idle_for(pump.idle) => return End::Idle,
            () = turned_true(&mut pump.kill) => return End::Killed,
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::duplex;

    use super::*;

    fn channels() -> (watch::Sender<bool>, watch::Sender<bool>) {
        (watch::channel(false).0, watch::channel(false).0)
    }

    #[tokio::test]
    async fn bytes_pass_both_ways_unchanged_and_eof_ends_it() {
        let (client, mut client_peer) = duplex(1 << 16);
        let (server, mut server_peer) = duplex(1 << 16);
        let (stop, kill) = channels();
        let stats = RelayStats::default();
        let pump = Pump {
            idle: Duration::from_secs(10),
            stop: stop.subscribe(),
            kill: kill.subscribe(),
            stats: &stats,
        };
        let test = async {
            // A masked text frame "hi" from the client; arbitrary bytes from the server.
            let up = [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];
            client_peer.write_all(&up).await.unwrap();
            let mut got = [0u8; 8];
            server_peer.read_exact(&mut got).await.unwrap();
            assert_eq!(got, up);
            let down: Vec<u8> = (0..=255).cycle().take(20_000).collect();
            server_peer.write_all(&down).await.unwrap();
            let mut got = vec![0u8; down.len()];
            client_peer.read_exact(&mut got).await.unwrap();
            assert_eq!(got, down);
            server_peer.shutdown().await.unwrap();
            assert_eq!(
                client_peer.read(&mut [0u8; 1]).await.unwrap(),
                0,
                "FIN passed on"
            );
        };
        let (end, ()) = tokio::join!(run(client, server, pump), test);
        assert_eq!(end, End::Closed);
        assert_eq!(stats.bytes_to_server.load(Ordering::Relaxed), 8);
        assert_eq!(stats.bytes_to_client.load(Ordering::Relaxed), 20_000);
    }

    #[tokio::test]
    async fn shutdown_sends_a_close_after_the_clients_partial_frame_completes() {
        let (client, mut client_peer) = duplex(1 << 16);
        let (server, mut server_peer) = duplex(1 << 16);
        let (stop, kill) = channels();
        let stats = RelayStats::default();
        let pump = Pump {
            idle: Duration::from_secs(10),
            stop: stop.subscribe(),
            kill: kill.subscribe(),
            stats: &stats,
        };
        let test = async {
            let frame = [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];
            client_peer.write_all(&frame[..5]).await.unwrap();
            let mut got = [0u8; 5];
            server_peer.read_exact(&mut got).await.unwrap();
            stop.send_replace(true);
            // Nothing may come between the halves of the client's frame.
            client_peer.write_all(&frame[5..]).await.unwrap();
            let close = close_frame(SHUTDOWN_REASON);
            let mut got = vec![0u8; 3 + close.len()];
            server_peer.read_exact(&mut got).await.unwrap();
            assert_eq!(&got[..3], &frame[5..]);
            assert_eq!(&got[3..], &close[..]);
            kill.send_replace(true);
        };
        let (end, ()) = tokio::join!(run(client, server, pump), test);
        assert_eq!(end, End::Killed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_closed_after_the_idle_timeout() {
        let (client, _client_peer) = duplex(1024);
        let (server, _server_peer) = duplex(1024);
        let (stop, kill) = channels();
        let stats = RelayStats::default();
        let pump = Pump {
            idle: Duration::from_secs(30),
            stop: stop.subscribe(),
            kill: kill.subscribe(),
            stats: &stats,
        };
        let started = Instant::now();
        assert_eq!(run(client, server, pump).await, End::Idle);
        assert!(started.elapsed() >= Duration::from_secs(30));
    }
}
