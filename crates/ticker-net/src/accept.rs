//! The accept loop both services share: a connection limit with an explicit 503 beyond it,
//! back-off when accepting fails (e.g. out of file descriptors), and a clean stop on shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most connections being turned away at once; beyond this they are simply closed, so that
/// refusing load can never itself exhaust file descriptors.
const MAX_REFUSING: usize = 64;

/// How long a refusal waits for the first bytes of the request, to tell `HEAD` (answered
/// without a body) from everything else. Clients send their request right after connecting;
/// a silent one gets the full answer after this.
const METHOD_WAIT: Duration = Duration::from_millis(100);

/// Counters of the accept loop, for `/metrics`.
#[derive(Debug, Default)]
pub struct AcceptStats {
    /// Connections admitted.
    pub accepted: AtomicU64,
    /// Connections answered 503 (or closed) because the limit was reached.
    pub refused: AtomicU64,
    /// Failed `accept` calls (each followed by a back-off).
    pub errors: AtomicU64,
}

/// Admission control: at most `max` connections at once.
#[derive(Debug, Clone)]
pub struct Admission {
    slots: Arc<Semaphore>,
    refusing: Arc<Semaphore>,
    max: usize,
    refusal: Bytes,
    /// `refusal` without its body, the answer to a `HEAD` request.
    refusal_head: Bytes,
    /// Shared counters.
    pub stats: Arc<AcceptStats>,
}

impl Admission {
    /// At most `max` connections; `refusal` is the complete HTTP response sent beyond that
    /// (its head alone answers a `HEAD` request).
    pub fn new(max: usize, refusal: Bytes) -> Self {
        let head_len = refusal
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(refusal.len(), |at| at + 4);
        Self {
            slots: Arc::new(Semaphore::new(max)),
            refusing: Arc::new(Semaphore::new(MAX_REFUSING)),
            max,
            refusal_head: refusal.slice(..head_len),
            refusal,
            stats: Arc::new(AcceptStats::default()),
        }
    }

    /// The configured limit.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Connections currently admitted.
    pub fn open(&self) -> usize {
        self.max - self.slots.available_permits()
    }

    fn refuse(&self, mut stream: TcpStream) {
        self.stats.refused.fetch_add(1, Ordering::Relaxed);
        let Ok(permit) = self.refusing.clone().try_acquire_owned() else {
            return; // dropping closes it
        };
        let (full, head_only) = (self.refusal.clone(), self.refusal_head.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let head = asks_head_within(&mut stream, METHOD_WAIT).await;
            let refusal = if head { head_only } else { full };
            // An empty socket buffer takes a small response in one non-blocking write.
            let _ = stream.try_write(&refusal);
            let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
            // Read what the client sent before closing: closing with unread input makes the
            // kernel send RST, which can destroy the 503 before the client reads it.
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            })
            .await;
        });
    }
}

/// Reads the first bytes of a request (at most `wait` for them) and says whether it is `HEAD`.
async fn asks_head_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut start = Vec::with_capacity(8);
    let _ = tokio::time::timeout(wait, async {
        while start.len() < 8 && !crate::rejected::asks_head(&start) {
            let mut chunk = [0u8; 8];
            let room = 8 - start.len();
            match stream.read(chunk.get_mut(..room).unwrap_or_default()).await {
                Ok(0) | Err(_) => break,
                Ok(n) => start.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            }
        }
    })
    .await;
    crate::rejected::asks_head(&start)
}

/// Accepts until `shutdown` resolves, handing each admitted connection and its permit to
/// `serve` (which must spawn; it is called on the accept task). Returns with the listener
/// closed, so new connections are refused from then on.
pub async fn accept_until<F>(
    listener: TcpListener,
    admission: &Admission,
    shutdown: impl Future<Output = ()>,
    serve: F,
) where
    F: FnMut(TcpStream, SocketAddr, OwnedSemaphorePermit),
{
    tokio::select! {
        () = accept_forever(&listener, admission, serve) => {}
        () = shutdown => {}
    }
    drop(listener);
}

async fn accept_forever<F>(listener: &TcpListener, admission: &Admission, mut serve: F)
where
    F: FnMut(TcpStream, SocketAddr, OwnedSemaphorePermit),
{
    let mut backoff = Duration::from_millis(5);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                backoff = Duration::from_millis(5);
                let _ = stream.set_nodelay(true);
                match admission.slots.clone().try_acquire_owned() {
                    Ok(permit) => {
                        admission.stats.accepted.fetch_add(1, Ordering::Relaxed);
                        serve(stream, peer, permit);
                    }
                    Err(_) => admission.refuse(stream),
                }
            }
            Err(e) => {
                // EMFILE/ENFILE/ENOBUFS: wait for connections to close rather than spin.
                admission.stats.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, ?backoff, "accept failed; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}
