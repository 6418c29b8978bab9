//! The tick loop and fan-out. One task, driven by the market clock: at each tick boundary it
//! computes every symbol's quote once, serialises each once, and publishes the resulting
//! [`Tick`] on a broadcast channel that every connection reads. Each frame is stored as a
//! complete WebSocket frame ([`crate::wire`]): connections never serialise or frame quotes,
//! they copy shared bytes into one write.
//!
//! Ticks are aligned to `epoch + n × interval`, so two servers with the same configuration
//! publish the same `seq` with the same bytes at the same moment. The last `--replay-ticks`
//! ticks are kept for `since` resume; at start-up they are computed from the model, so a
//! client can resume across a server restart.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use ticker_core::{Clock, Market, Seq, SessionTracker, SymbolId, SymbolSet};
use tokio::sync::{broadcast, watch};

use crate::stats::Stats;
use crate::wire::{payload, text_frame};

/// What every quote frame starts with; the quote's fields follow.
const QUOTE_PREFIX: &[u8] = b"{\"type\":\"quote\",";
/// Most missed ticks the loop publishes after a stall before it skips ahead.
const MAX_CATCH_UP: u64 = 1000;
/// Most distinct subscription sets whose batch/array frame one tick caches; more are built
/// per request. Bounds memory whatever clients subscribe to.
const MAX_CACHED_SETS: usize = 64;
/// Longest sleep of the loop, so a clock that jumps (or a test clock) is noticed quickly.
const MAX_NAP: Duration = Duration::from_millis(50);

/// One tick of every symbol, serialised once and shared by all connections.
#[derive(Debug)]
pub struct Tick {
    /// The tick number.
    pub seq: Seq,
    /// Time of the tick, Unix ms.
    pub timestamp: i64,
    /// Per symbol, in market order: the encoded frame of `{"type":"quote",…}`.
    frames: Box<[Bytes]>,
    /// `format=batch` frames, built at most once per distinct subscription set.
    batches: Mutex<HashMap<SymbolSet, Bytes>>,
    /// `format=array` frames, likewise.
    arrays: Mutex<HashMap<SymbolSet, Bytes>>,
    /// Still within the broadcast queue: only live ticks cache frames.
    live: AtomicBool,
}

impl Tick {
    /// Computes and serialises tick `seq` for every symbol.
    pub fn build(market: &Market, trackers: &mut [SessionTracker], seq: Seq) -> Self {
        let mut frames = Vec::with_capacity(trackers.len());
        let mut buf = Vec::with_capacity(320);
        // The market factor advances once per tick for all symbols.
        ticker_core::quote_all(market, trackers, seq, |_, quote| {
            buf.clear();
            buf.extend_from_slice(QUOTE_PREFIX);
            quote.write_fields(&mut buf);
            buf.push(b'}');
            frames.push(text_frame(&buf));
        });
        Self {
            seq,
            timestamp: market.schedule().time_of(seq),
            frames: frames.into_boxed_slice(),
            batches: Mutex::new(HashMap::new()),
            arrays: Mutex::new(HashMap::new()),
            live: AtomicBool::new(true),
        }
    }

    /// The encoded quote frame of one symbol.
    pub fn frame(&self, id: SymbolId) -> Option<&Bytes> {
        self.frames.get(id.index())
    }

    /// The quote's fields, without braces, for embedding in other messages.
    fn fields(&self, id: SymbolId) -> &[u8] {
        self.frame(id)
            .map(|f| payload(f))
            .and_then(|p| p.get(QUOTE_PREFIX.len()..p.len().saturating_sub(1)))
            .unwrap_or_default()
    }

    /// Appends `{fields}` objects of a set, comma-separated.
    fn write_quotes(&self, set: &SymbolSet, classic: bool, market: &Market, out: &mut Vec<u8>) {
        for (i, id) in set.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if classic {
                // The classic element's `change` is since the previous tick (see
                // ticker_core::write_classic): computed only for array frames.
                let tick = market.tick_change(id, self.seq);
                ticker_core::write_classic(market.symbol(id), self.fields(id), tick, out);
            } else {
                out.push(b'{');
                out.extend_from_slice(self.fields(id));
                out.push(b'}');
            }
        }
    }

    /// `{"type":"quotes","seq":…,"timestamp":…,"quotes":[…]}` for a set, built once per set.
    pub fn batch(&self, set: &SymbolSet, market: &Market) -> Bytes {
        let mut cache = self.batches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(frame) = cache.get(set) {
            return frame.clone();
        }
        let mut out = Vec::with_capacity(64 + 300 * set.len());
        out.extend_from_slice(
            format!(
                "{{\"type\":\"quotes\",\"seq\":{},\"timestamp\":{},\"quotes\":[",
                self.seq, self.timestamp
            )
            .as_bytes(),
        );
        self.write_quotes(set, false, market, &mut out);
        out.extend_from_slice(b"]}");
        let frame = text_frame(&out);
        if cache.len() < MAX_CACHED_SETS && self.live.load(Ordering::Relaxed) {
            cache.insert(set.clone(), frame.clone());
        }
        frame
    }

    /// `[{"stock":…,…},…]` for a set, built once per set; `change` is since the previous tick.
    pub fn array(&self, set: &SymbolSet, market: &Market) -> Bytes {
        let mut cache = self.arrays.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(frame) = cache.get(set) {
            return frame.clone();
        }
        let mut out = Vec::with_capacity(2 + 310 * set.len());
        out.push(b'[');
        self.write_quotes(set, true, market, &mut out);
        out.push(b']');
        let frame = text_frame(&out);
        if cache.len() < MAX_CACHED_SETS && self.live.load(Ordering::Relaxed) {
            cache.insert(set.clone(), frame.clone());
        }
        frame
    }

    /// Forgets the cached batch/array frames once the tick is only kept for replay.
    fn drop_caches(&self) {
        self.live.store(false, Ordering::Relaxed);
        self.batches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.arrays
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// `{"type":"snapshot","seq":…,"quotes":[…]}` for a set (per request, not cached).
    pub fn snapshot(&self, set: &SymbolSet, market: &Market) -> Bytes {
        let mut out = Vec::with_capacity(64 + 300 * set.len());
        out.extend_from_slice(
            format!(
                "{{\"type\":\"snapshot\",\"seq\":{},\"timestamp\":{},\"quotes\":[",
                self.seq, self.timestamp
            )
            .as_bytes(),
        );
        self.write_quotes(set, false, market, &mut out);
        out.extend_from_slice(b"]}");
        text_frame(&out)
    }
}

/// A copy of an object frame with `"dropped":k` added: the rare per-connection frame.
pub fn with_dropped(frame: &Bytes, dropped: u64) -> Bytes {
    let body = payload(frame);
    let Some(open) = body.strip_suffix(b"}") else {
        return frame.clone();
    };
    let mut out = Vec::with_capacity(body.len() + 24);
    out.extend_from_slice(open);
    out.extend_from_slice(format!(",\"dropped\":{dropped}}}").as_bytes());
    text_frame(&out)
}

/// The shared side of the stream: the latest ticks and the channel that carries new ones.
pub struct Hub {
    /// The market model.
    pub market: Arc<Market>,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
    tx: broadcast::Sender<Arc<Tick>>,
    ring: RwLock<VecDeque<Arc<Tick>>>,
    replay_ticks: usize,
    queue_ticks: usize,
    /// Counters for `/metrics`.
    pub stats: Arc<Stats>,
}

impl Hub {
    /// Computes the replay window up to the current tick (blocking work: run it off the
    /// async threads) and returns the hub plus the trackers the loop continues with.
    pub fn warm_up(
        market: Arc<Market>,
        clock: Arc<dyn Clock>,
        queue_ticks: usize,
        replay_ticks: usize,
        stats: Arc<Stats>,
    ) -> (Self, Vec<SessionTracker>) {
        let now = market.schedule().tick_at(clock.now_ms());
        let mut trackers: Vec<SessionTracker> = market.ids().map(SessionTracker::new).collect();
        let first = now.0.saturating_sub(replay_ticks as u64 - 1);
        // The expensive part (the session's history) runs on every core.
        ticker_core::warm_up(&market, &mut trackers, Seq(first));
        let mut ring = VecDeque::with_capacity(replay_ticks + 1);
        for seq in first..=now.0 {
            ring.push_back(Arc::new(Tick::build(&market, &mut trackers, Seq(seq))));
        }
        // Ticks that fell due during the warm-up (many, at millisecond intervals) are cheap now
        // that the trackers are warm: add them, so the loop starts current instead of skipping.
        let mut last = now;
        loop {
            let due = market.schedule().tick_at(clock.now_ms());
            if due <= last {
                break;
            }
            for seq in last.0 + 1..=due.0 {
                ring.push_back(Arc::new(Tick::build(&market, &mut trackers, Seq(seq))));
            }
            while ring.len() > replay_ticks {
                ring.pop_front();
            }
            last = due;
        }
        let (tx, _) = broadcast::channel(queue_ticks.max(1));
        let hub = Self {
            market,
            clock,
            tx,
            ring: RwLock::new(ring),
            replay_ticks,
            queue_ticks,
            stats,
        };
        (hub, trackers)
    }

    /// The newest published tick.
    pub fn latest(&self) -> Arc<Tick> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        match ring.back() {
            Some(t) => t.clone(),
            // The ring is never empty after warm-up; this only keeps the type total.
            None => Arc::new(Tick::build(&self.market, &mut [], Seq(0))),
        }
    }

    /// A receiver of every tick published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Tick>> {
        self.tx.subscribe()
    }

    /// The kept tick `seq`, if it is still in the replay window.
    pub fn tick(&self, seq: Seq) -> Option<Arc<Tick>> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        // Searched, not indexed: after the loop skips ahead the window has a hole in it.
        let at = ring.binary_search_by_key(&seq, |t| t.seq).ok()?;
        ring.get(at).cloned()
    }

    /// Ticks `after+1 ..= through`, or, when the window does not hold all of them (too old, or
    /// skipped by the loop), the oldest seq from which it is complete up to `through`.
    pub fn replay(&self, after: Seq, through: Seq) -> Result<Vec<Arc<Tick>>, Seq> {
        let ring = self.ring.read().unwrap_or_else(PoisonError::into_inner);
        let ticks: Vec<Arc<Tick>> = ring
            .iter()
            .filter(|t| t.seq > after && t.seq <= through)
            .cloned()
            .collect();
        if ticks.len() as u64 == through.0.saturating_sub(after.0) {
            return Ok(ticks);
        }
        // Walk back from `through` to the first hole: everything after it is contiguous.
        let mut oldest = through;
        for t in ring.iter().rev().skip_while(|t| t.seq > through) {
            if t.seq.0 + 1 < oldest.0 {
                break;
            }
            oldest = t.seq;
        }
        Err(oldest)
    }

    fn publish(&self, tick: Tick) {
        let tick = Arc::new(tick);
        {
            let mut ring = self.ring.write().unwrap_or_else(PoisonError::into_inner);
            ring.push_back(tick.clone());
            while ring.len() > self.replay_ticks {
                ring.pop_front();
            }
            // Past the broadcast queue a tick is only replayed (uncached); free its frames.
            if let Some(old) = ring
                .len()
                .checked_sub(self.queue_ticks + 2)
                .and_then(|i| ring.get(i))
            {
                old.drop_caches();
            }
        }
        let lag = self.clock.now_ms() - tick.timestamp;
        self.stats
            .publish_lag_ms
            .store(lag.max(0) as u64, Ordering::Relaxed);
        self.stats.ticks_published.fetch_add(1, Ordering::Relaxed);
        // No receivers is fine: nobody is connected.
        let _ = self.tx.send(tick);
    }

    /// The tick loop: publishes every tick as its time comes, until `shutdown`.
    pub async fn run(
        self: Arc<Self>,
        mut trackers: Vec<SessionTracker>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let schedule = *self.market.schedule();
        let mut last = self.latest().seq;
        loop {
            let due = schedule.tick_at(self.clock.now_ms());
            if due > last {
                let mut from = last.0 + 1;
                if due.0 - last.0 > MAX_CATCH_UP {
                    // Far behind (a suspended process, a clock jump): skip; clients see the gap
                    // in `seq` and can fetch it from history.
                    from = due.0 + 1 - MAX_CATCH_UP;
                    self.stats
                        .ticks_skipped
                        .fetch_add(from - last.0 - 1, Ordering::Relaxed);
                    tracing::warn!(
                        skipped = from - last.0 - 1,
                        "tick loop fell behind; skipping ahead"
                    );
                }
                for seq in from..=due.0 {
                    let tick = Tick::build(&self.market, &mut trackers, Seq(seq));
                    self.publish(tick);
                }
                last = due;
            }
            let next = schedule.time_of(Seq(last.0 + 1));
            let wait = (next - self.clock.now_ms()).clamp(0, MAX_NAP.as_millis() as i64);
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => return,
                () = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ticker_core::{ManualClock, MarketConfig};

    use super::*;

    fn hub(replay: usize) -> (Hub, Vec<SessionTracker>) {
        let market = Arc::new(Market::new(MarketConfig::default()).unwrap());
        let clock = Arc::new(ManualClock::new(market.schedule().time_of(Seq(1000))));
        Hub::warm_up(market, clock, 4, replay, Arc::new(Stats::default()))
    }

    #[test]
    fn frames_are_the_cores_quotes_with_a_type() {
        let (hub, _) = hub(3);
        let tick = hub.latest();
        assert_eq!(tick.seq, Seq(1000));
        let mut want = b"{\"type\":\"quote\",".to_vec();
        hub.market
            .quote(SymbolId(1), Seq(1000))
            .write_fields(&mut want);
        want.push(b'}');
        assert_eq!(payload(tick.frame(SymbolId(1)).unwrap()), &want[..]);
    }

    #[test]
    fn batch_and_array_frames_are_built_once_per_set() {
        let (hub, _) = hub(3);
        let tick = hub.latest();
        let set: SymbolSet = [SymbolId(0), SymbolId(3)].into_iter().collect();
        let a = tick.batch(&set, &hub.market);
        let b = tick.batch(&set, &hub.market);
        assert_eq!(a.as_ptr(), b.as_ptr(), "shared, not rebuilt");
        let v: serde_json::Value = serde_json::from_slice(payload(&a)).unwrap();
        assert_eq!(v["quotes"].as_array().unwrap().len(), 2);
        assert_eq!(v["quotes"][1]["symbol"], "AMZN");
        let arr: serde_json::Value =
            serde_json::from_slice(payload(&tick.array(&set, &hub.market))).unwrap();
        assert_eq!(arr[0]["stock"], "AAPL");
        let since_previous = hub.market.tick_change(SymbolId(0), tick.seq).change;
        assert_eq!(arr[0]["change"].as_f64(), Some(since_previous.to_f64()));
    }

    #[test]
    fn replay_window_and_gaps() {
        let (hub, _) = hub(3);
        assert_eq!(hub.replay(Seq(997), Seq(1000)).unwrap().len(), 3);
        assert_eq!(hub.replay(Seq(999), Seq(1000)).unwrap().len(), 1);
        assert_eq!(hub.replay(Seq(996), Seq(1000)).unwrap_err(), Seq(998));
        assert!(hub.tick(Seq(998)).is_some());
        assert!(hub.tick(Seq(997)).is_none());
    }

    #[test]
    fn a_hole_in_the_window_is_a_gap_not_a_silent_skip() {
        let (hub, mut trackers) = hub(5);
        // Simulate the loop skipping ahead: ticks 1001..1004 never published.
        hub.publish(Tick::build(&hub.market, &mut trackers, Seq(1005)));
        assert_eq!(hub.replay(Seq(998), Seq(1005)).unwrap_err(), Seq(1005));
        assert_eq!(hub.replay(Seq(1004), Seq(1005)).unwrap().len(), 1);
        assert_eq!(hub.tick(Seq(1005)).unwrap().seq, Seq(1005));
        assert_eq!(hub.tick(Seq(999)).unwrap().seq, Seq(999));
        assert!(hub.tick(Seq(1002)).is_none());
    }

    #[test]
    fn only_live_ticks_cache_frames_and_only_a_bounded_number() {
        let (hub, mut trackers) = hub(50);
        for seq in 1001..1020 {
            hub.publish(Tick::build(&hub.market, &mut trackers, Seq(seq)));
        }
        let set: SymbolSet = [SymbolId(1)].into_iter().collect();
        // Older than the queue (4): replayed frames are built but not kept.
        let old = hub.tick(Seq(1005)).unwrap();
        let (a, b) = (old.batch(&set, &hub.market), old.batch(&set, &hub.market));
        assert_ne!(a.as_ptr(), b.as_ptr());
        assert_eq!(a, b);
        // A live tick keeps at most MAX_CACHED_SETS sets.
        let m = Market::new(MarketConfig {
            symbols: (0..10)
                .map(|i| ticker_core::SymbolConfig {
                    volatility: 0.2,
                    avg_volume: 1000,
                    ..ticker_core::SymbolConfig::new(&format!("S{i}"), 10.0)
                })
                .collect(),
            ..MarketConfig::default()
        })
        .unwrap();
        let mut t: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
        let tick = Tick::build(&m, &mut t, Seq(5));
        for mask in 1u32..200 {
            let set: SymbolSet = (0..10)
                .filter(|b| mask & (1 << b) != 0)
                .map(SymbolId)
                .collect();
            tick.batch(&set, &m);
        }
        assert_eq!(tick.batches.lock().unwrap().len(), MAX_CACHED_SETS);
    }

    #[test]
    fn dropped_is_spliced_into_a_copy() {
        let f = text_frame(b"{\"type\":\"quote\",\"seq\":1}");
        assert_eq!(
            payload(&with_dropped(&f, 3)),
            b"{\"type\":\"quote\",\"seq\":1,\"dropped\":3}"
        );
        assert_eq!(payload(&f), b"{\"type\":\"quote\",\"seq\":1}");
    }
}
