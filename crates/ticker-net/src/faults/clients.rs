//! Bounded state of fault injection: client ids and their attempts, and per-kind counters.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// One tracked client.
#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    last: Instant,
}

/// Attempts per client id: at most `max` ids, each forgotten `ttl` after its last attempt.
/// When full, expired ids go first, then the one seen longest ago, so memory stays bounded
/// whatever clients send.
#[derive(Debug)]
pub struct Clients {
    max: usize,
    ttl: Duration,
    table: Mutex<HashMap<u64, Seen>>,
    evicted: AtomicU64,
}

impl Clients {
    /// A table of at most `max` ids that lives `ttl` past each id's last attempt.
    pub fn new(max: usize, ttl: Duration) -> Self {
        Self {
            max: max.max(1),
            ttl,
            table: Mutex::new(HashMap::new()),
            evicted: AtomicU64::new(0),
        }
    }

    /// Counts one attempt of `key` at `now` and returns how many came before it (0 for a new
    /// or forgotten id).
    pub fn attempt(&self, key: u64, now: Instant) -> u64 {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let ttl = self.ttl;
        let alive = |s: &Seen| now.saturating_duration_since(s.last) <= ttl;
        if let Some(seen) = table.get_mut(&key) {
            let before = if alive(seen) { seen.count } else { 0 };
            *seen = Seen {
                count: before + 1,
                last: now,
            };
            return before;
        }
        if table.len() >= self.max {
            table.retain(|_, s| alive(s));
        }
        if table.len() >= self.max {
            if let Some(oldest) = table.iter().min_by_key(|(_, s)| s.last).map(|(k, _)| *k) {
                table.remove(&oldest);
                self.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
        table.insert(
            key,
            Seen {
                count: 1,
                last: now,
            },
        );
        0
    }

    /// Ids tracked now (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no id is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live ids evicted because the table was full.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }
}

/// Injected faults by kind, rendered as one labelled Prometheus counter.
#[derive(Debug)]
pub struct FaultCounts {
    kinds: &'static [&'static str],
    counts: Box<[AtomicU64]>,
}

impl FaultCounts {
    /// Counters for these kinds (indexed by position).
    pub fn new(kinds: &'static [&'static str]) -> Self {
        Self {
            kinds,
            counts: kinds.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Adds `n` to a kind.
    pub fn add(&self, kind: usize, n: u64) {
        if let Some(c) = self.counts.get(kind) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// A kind's count.
    pub fn get(&self, kind: usize) -> u64 {
        self.counts
            .get(kind)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Appends `name{kind="…"}` for every kind, zeros included (so the series exist from the
    /// start).
    pub fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        for (kind, count) in self.kinds.iter().zip(self.counts.iter()) {
            let _ = writeln!(
                out,
                "{name}{{kind=\"{kind}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_count_attempts_expire_and_stay_bounded() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let clients = Clients::new(2, ms(100));
        assert_eq!(clients.attempt(1, t0), 0);
        assert_eq!(clients.attempt(1, t0 + ms(10)), 1);
        assert_eq!(clients.attempt(1, t0 + ms(20)), 2);
        // Forgotten 100 ms after its last attempt.
        assert_eq!(clients.attempt(1, t0 + ms(121)), 0);
        assert_eq!(clients.attempt(2, t0 + ms(130)), 0);
        // Full: the id seen longest ago (1) makes room.
        assert_eq!(clients.attempt(3, t0 + ms(140)), 0);
        assert_eq!(clients.len(), 2);
        assert_eq!(clients.evicted(), 1);
        assert_eq!(clients.attempt(2, t0 + ms(150)), 1);
        assert_eq!(clients.attempt(1, t0 + ms(160)), 0, "1 was evicted");
        assert_eq!(clients.evicted(), 2, "3 made room for it");
        // Expired ids are swept before anything alive is evicted.
        assert_eq!(clients.attempt(4, t0 + ms(400)), 0);
        assert_eq!(clients.evicted(), 2);
        assert_eq!(clients.len(), 1);
    }

    #[test]
    fn counts_render_every_kind() {
        let c = FaultCounts::new(&["drop", "delay"]);
        c.add(1, 3);
        c.add(9, 1);
        let mut out = String::new();
        c.render("ticker_ws_faults_total", "Faults injected.", &mut out);
        assert!(out.contains("ticker_ws_faults_total{kind=\"drop\"} 0\n"));
        assert!(out.contains("ticker_ws_faults_total{kind=\"delay\"} 3\n"));
        assert_eq!(c.get(1), 3);
    }
}
