//! One tick of every symbol, serialised once: each symbol's quote as a complete WebSocket frame,
//! and the batch and array frames built at most once per distinct subscription while the tick
//! is live. Every connection shares these bytes ([`crate::wire`] frames them, the writers in
//! [`crate::shard`] hand them to the kernel).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use ticker_core::{Market, Seq, SessionTracker, SymbolId, SymbolSet};

use crate::wire::{payload, text_frame};

/// What every quote frame starts with; the quote's fields follow.
const QUOTE_PREFIX: &[u8] = b"{\"type\":\"quote\",";
/// Most distinct subscription sets whose batch/array frame one tick caches; more are built
/// per request. Bounds memory whatever clients subscribe to.
const MAX_CACHED_SETS: usize = 64;

/// One tick of every symbol, serialised once and shared by all connections.
#[derive(Debug)]
pub struct Tick {
    /// The tick number.
    pub seq: Seq,
    /// Time of the tick, Unix ms.
    pub timestamp: i64,
    /// Published alone after a manual clock jumped: the ticks since the previous published
    /// one were skipped, and connections announce them with a `gap`.
    pub jump: bool,
    /// Per symbol, in market order: the encoded frame of `{"type":"quote",…}`.
    frames: Box<[Bytes]>,
    /// `format=batch` frames, built at most once per distinct subscription set.
    batches: Mutex<HashMap<SymbolSet, Bytes>>,
    /// `format=array` frames, likewise.
    arrays: Mutex<HashMap<SymbolSet, Bytes>>,
    /// Still within the newest `--queue-ticks`: only live ticks cache frames.
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
            jump: false,
            frames: frames.into_boxed_slice(),
            batches: Mutex::new(HashMap::new()),
            arrays: Mutex::new(HashMap::new()),
            live: AtomicBool::new(true),
        }
    }

    /// Computes and serialises tick `seq` for the trackers' symbols only (ascending, a subset
    /// of the market): a replay builds what its connection streams. The other symbols have no
    /// frame; never render them from this tick.
    pub fn build_some(market: &Market, trackers: &mut [SessionTracker], seq: Seq) -> Self {
        let mut frames = vec![Bytes::new(); market.len()];
        let mut buf = Vec::with_capacity(320);
        ticker_core::quote_all(market, trackers, seq, |id, quote| {
            buf.clear();
            buf.extend_from_slice(QUOTE_PREFIX);
            quote.write_fields(&mut buf);
            buf.push(b'}');
            if let Some(frame) = frames.get_mut(id.index()) {
                *frame = text_frame(&buf);
            }
        });
        Self {
            seq,
            timestamp: market.schedule().time_of(seq),
            jump: false,
            frames: frames.into_boxed_slice(),
            batches: Mutex::new(HashMap::new()),
            arrays: Mutex::new(HashMap::new()),
            live: AtomicBool::new(true),
        }
    }

    /// The same tick, marked as published after a clock jump.
    pub fn after_jump(mut self) -> Self {
        self.jump = true;
        self
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
    pub(crate) fn drop_caches(&self) {
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

#[cfg(test)]
mod tests {
    use ticker_core::MarketConfig;

    use super::*;

    #[test]
    fn a_live_tick_caches_a_bounded_number_of_sets() {
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
