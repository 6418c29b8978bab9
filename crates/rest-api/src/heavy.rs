//! Heavy requests: the ones that aggregate many ticks (history, bars, vendor candles and
//! snapshots, quotes at a past tick) and so take milliseconds to seconds of CPU.
//!
//! Small ones run inline on the async threads. The rest run on the blocking pool, at most
//! `--max-heavy-requests` at once: a flood of long history requests then queues behind that
//! many threads (a waiting request holds no thread, only its connection) instead of
//! starting hundreds of threads that all share the same cores. Each request's own size is
//! bounded by `--max-history-ticks`; this bounds how many run together.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http::StatusCode;
use tokio::sync::Semaphore;

use ticker_net::metrics::{write_metric, Kind};
use ticker_net::ApiError;

/// Requests visiting more ticks than this leave the async threads.
pub const BLOCKING_TICKS: u64 = 50_000;

/// The limiter of heavy requests (see the module docs).
#[derive(Debug)]
pub struct Heavy {
    slots: Arc<Semaphore>,
    limit: usize,
    /// Requests that found every slot taken and waited for one.
    waited: AtomicU64,
    /// Requests that ran on the blocking pool.
    ran: AtomicU64,
}

impl Heavy {
    /// A limiter letting `limit` (at least one) heavy requests run at once.
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            slots: Arc::new(Semaphore::new(limit)),
            limit,
            waited: AtomicU64::new(0),
            ran: AtomicU64::new(0),
        }
    }

    /// Runs `work`, which visits about `ticks` ticks: inline when that is small, else on the
    /// blocking pool once a slot is free. The slot is held until `work` returns, even if the
    /// client has gone, so the limit counts the work actually running.
    pub async fn run<T: Send + 'static>(
        &self,
        ticks: u64,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if ticks <= BLOCKING_TICKS {
            return Ok(work());
        }
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                self.waited.fetch_add(1, Ordering::Relaxed);
                self.slots
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| internal(&e))?
            }
        };
        self.ran.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await
        .map_err(|e| internal(&e))
    }

    /// Heavy requests running now.
    pub fn running(&self) -> usize {
        self.limit - self.slots.available_permits()
    }

    /// Appends the limiter's metrics in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        write_metric(
            out,
            "ticker_rest_heavy_limit",
            Kind::Gauge,
            "Most heavy requests that run at once (--max-heavy-requests).",
            self.limit as u64,
        );
        write_metric(
            out,
            "ticker_rest_heavy_running",
            Kind::Gauge,
            "Heavy requests running on the blocking pool now.",
            self.running() as u64,
        );
        write_metric(
            out,
            "ticker_rest_heavy_requests_total",
            Kind::Counter,
            "Heavy requests run on the blocking pool.",
            self.ran.load(Ordering::Relaxed),
        );
        write_metric(
            out,
            "ticker_rest_heavy_waited_total",
            Kind::Counter,
            "Heavy requests that waited for a free slot.",
            self.waited.load(Ordering::Relaxed),
        );
    }
}

/// The computation panicked (or the runtime is going away): the error the blocking pool's
/// failures have always answered with.
fn internal(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        e.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_limit_runs_at_once_and_the_rest_wait() {
        let heavy = Arc::new(Heavy::new(2));
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let (heavy, now, most) = (heavy.clone(), now.clone(), most.clone());
                tokio::spawn(async move {
                    heavy
                        .run(BLOCKING_TICKS + 1, move || {
                            let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(running, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            now.fetch_sub(1, Ordering::SeqCst);
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap().unwrap());
        }
        done.sort_unstable();
        assert_eq!(done, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(most.load(Ordering::SeqCst), 2, "ran beside each other");
        assert!(heavy.waited.load(Ordering::Relaxed) >= 4);
        assert_eq!(heavy.ran.load(Ordering::Relaxed), 6);
        assert_eq!(heavy.running(), 0);
    }

    #[tokio::test]
    async fn small_work_runs_inline_without_a_slot() {
        let heavy = Heavy::new(1);
        let slot = heavy.slots.clone().try_acquire_owned().unwrap();
        // Every slot is taken, yet a small request is not held up.
        assert_eq!(heavy.run(10, || 7).await.unwrap(), 7);
        drop(slot);
        assert_eq!(heavy.ran.load(Ordering::Relaxed), 0);
    }
}
