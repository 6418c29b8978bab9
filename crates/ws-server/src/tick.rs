//! One tick of every symbol, serialised once: each symbol's quote as a complete WebSocket frame,
//! and the batch and array frames built at most once per distinct subscription while the tick
//! is live, and the channels' frames (trades, bars, status) of a symbol on first demand, once
//! per tick. Every connection shares these bytes ([`crate::wire`] frames them, the writers in
//! [`crate::shard`] hand them to the kernel).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use ticker_core::{
    Candle, Market, Nbbo, Quote, Seq, SessionTracker, SymbolId, SymbolSet, TickSummary, Trade,
};

use crate::channel::{frames, status, Channel};
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
    /// What every symbol did, for the streams built beside quotes (trades, NBBO, bars, the
    /// vendors' formats): kept while the tick is live, dropped with the caches so the resume
    /// window holds only encoded quote frames.
    data: Mutex<Option<Arc<[SymbolData]>>>,
    /// The vendor gateways' frames of this tick, encoded on first use ([`crate::vendor`]).
    vendor: crate::vendor::TickFrames,
    /// The bars this tick closes (minute, day), by symbol in market order: few, and kept for
    /// `since` resumes (a bar cannot be recomputed cheaply; trades and status can).
    closed_bars: Box<[ClosedBars]>,
    /// Channel frames built so far, per (symbol, channel), while the tick is live.
    channels: Mutex<HashMap<(SymbolId, Channel), ChannelFrames>>,
}

/// The bars one symbol closed at a tick.
#[derive(Debug, Clone, Copy)]
struct ClosedBars {
    id: SymbolId,
    minute: Option<Candle>,
    day: Option<Candle>,
}

/// One symbol's frames of one channel at one tick: complete WebSocket frames back to back
/// (none, most of the time, for bars and status).
#[derive(Debug, Clone, Default)]
pub struct ChannelFrames {
    /// The frames.
    pub bytes: Bytes,
    /// How many.
    pub count: u64,
    /// The length of the first (where a `dropped` count is spliced in).
    pub first_len: usize,
}

/// What one symbol did at one tick ([`ticker_core::SymbolTick`], owned and compact): the
/// trades are listed on demand from their summary ([`SymbolData::trades`]).
#[derive(Debug, Clone, Copy)]
pub struct SymbolData {
    /// The symbol.
    pub id: SymbolId,
    /// The quote (its `bid`/`ask` are the NBBO's).
    pub quote: Quote,
    /// The tick's trades, summarised (count, volume, first id, high/low, notional).
    pub summary: TickSummary,
    /// The NBBO.
    pub nbbo: Nbbo,
    /// The minute bar this tick closes, if that minute had trades.
    pub bar: Option<Candle>,
    /// The daily bar this tick closes (the trading day's last tick), if any.
    pub daily_bar: Option<Candle>,
}

impl SymbolData {
    /// The tick's trades, oldest first (none outside sessions): O(k) from the summary.
    pub fn trades(&self, market: &Market) -> Vec<Trade> {
        market.trades_of(self.id, self.summary).iter().collect()
    }
}

impl Tick {
    /// Computes and serialises tick `seq` for every symbol.
    pub fn build(market: &Market, trackers: &mut [SessionTracker], seq: Seq) -> Self {
        Self::build_into(market, trackers, seq, Vec::with_capacity(trackers.len()))
    }

    /// Builds the trackers' symbols: pushed onto `frames` when it starts empty (every symbol,
    /// in order), or written at each symbol's index when it holds one slot per symbol.
    fn build_into(
        market: &Market,
        trackers: &mut [SessionTracker],
        seq: Seq,
        mut frames: Vec<Bytes>,
    ) -> Self {
        let sparse = !frames.is_empty();
        let mut data = Vec::with_capacity(trackers.len());
        let mut closed_bars = Vec::new();
        let mut buf = Vec::with_capacity(320);
        // The market factor advances once per tick for all symbols.
        ticker_core::tick_all(market, trackers, seq, |id, tick| {
            buf.clear();
            buf.extend_from_slice(QUOTE_PREFIX);
            tick.quote.write_fields(&mut buf);
            buf.push(b'}');
            let frame = text_frame(&buf);
            match frames.get_mut(id.index()) {
                Some(slot) if sparse => *slot = frame,
                _ => frames.push(frame),
            }
            if tick.bar.is_some() || tick.daily_bar.is_some() {
                closed_bars.push(ClosedBars {
                    id,
                    minute: tick.bar,
                    day: tick.daily_bar,
                });
            }
            data.push(SymbolData {
                id,
                quote: tick.quote,
                summary: *tick.trades.summary(),
                nbbo: tick.nbbo,
                bar: tick.bar,
                daily_bar: tick.daily_bar,
            });
        });
        Self {
            seq,
            timestamp: market.schedule().time_of(seq),
            jump: false,
            frames: frames.into_boxed_slice(),
            batches: Mutex::new(HashMap::new()),
            arrays: Mutex::new(HashMap::new()),
            live: AtomicBool::new(true),
            data: Mutex::new(Some(data.into())),
            vendor: crate::vendor::TickFrames::default(),
            closed_bars: closed_bars.into_boxed_slice(),
            channels: Mutex::new(HashMap::new()),
        }
    }

    /// The frames of one symbol on one channel besides quotes (empty when it has none at this
    /// tick), built once per tick while the tick is live and shared; built afresh for a tick
    /// only kept for resumes: trades by the core's random access, status from the calendar,
    /// bars from what the tick kept.
    pub fn channel(&self, id: SymbolId, channel: Channel, market: &Market) -> ChannelFrames {
        let live = self.live.load(Ordering::Relaxed);
        if live {
            let cache = self.channels.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(frames) = cache.get(&(id, channel)) {
                return frames.clone();
            }
        }
        let frames = self.build_channel(id, channel, market);
        if live {
            self.channels
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert((id, channel), frames.clone());
        }
        frames
    }

    fn build_channel(&self, id: SymbolId, channel: Channel, market: &Market) -> ChannelFrames {
        let mut out = Vec::new();
        let mut scratch = Vec::with_capacity(320);
        let mut count = 0;
        let mut first_len = 0;
        let mut counted = |out: &Vec<u8>| {
            if count == 0 {
                first_len = out.len();
            }
            count += 1;
        };
        let symbol = market.symbol(id);
        let at = frames::At {
            symbol: symbol.as_str(),
            timestamp: self.timestamp,
            seq: self.seq,
        };
        match channel {
            Channel::Quotes => {}
            Channel::Trades => {
                let listed = self.symbol_data(id).map(|d| d.trades(market));
                let trades = listed.unwrap_or_else(|| market.trades(id, self.seq).iter().collect());
                for trade in &trades {
                    frames::trade(trade, &mut scratch, &mut out);
                    counted(&out);
                }
            }
            Channel::Bars => {
                if let Ok(i) = self.closed_bars.binary_search_by_key(&id, |b| b.id) {
                    if let Some(bars) = self.closed_bars.get(i) {
                        for (interval, bar) in [("1m", &bars.minute), ("1d", &bars.day)] {
                            if let Some(bar) = bar {
                                frames::bar(&at, interval, bar, &mut scratch, &mut out);
                                counted(&out);
                            }
                        }
                    }
                }
            }
            Channel::Status => {
                if let Some((now, previous)) = status::transition(market, id, self.seq) {
                    let calendar = market.calendar(id).kind().name();
                    frames::status(&at, &now, &previous, calendar, &mut scratch, &mut out);
                    counted(&out);
                }
            }
        }
        ChannelFrames {
            bytes: Bytes::from(out),
            count,
            first_len,
        }
    }

    /// What the built symbols did at this tick, ascending by symbol (every symbol for
    /// [`Tick::build`], the replayed ones for [`Tick::build_some`]), while the tick is live
    /// (`None` once it is only kept for `since` resumes).
    pub fn data(&self) -> Option<Arc<[SymbolData]>> {
        self.data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What symbol `id` did at this tick, if the tick built it and is still live. A tick built
    /// for a replay holds only its connection's symbols, so this searches by id rather than
    /// indexing by position.
    pub fn symbol_data(&self, id: SymbolId) -> Option<SymbolData> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let data = data.as_deref()?;
        let i = data.binary_search_by_key(&id, |d| d.id).ok()?;
        data.get(i).copied()
    }

    /// The vendor gateways' pieces of this tick (see [`crate::vendor::frames`]).
    pub fn vendor(&self) -> &crate::vendor::TickFrames {
        &self.vendor
    }

    /// Computes and serialises tick `seq` for the trackers' symbols only (ascending, a subset
    /// of the market): a replay builds what its connection streams. The other symbols have no
    /// frame and no data; never render them from this tick.
    pub fn build_some(market: &Market, trackers: &mut [SessionTracker], seq: Seq) -> Self {
        Self::build_into(market, trackers, seq, vec![Bytes::new(); market.len()])
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
        self.vendor.clear();
        self.data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.batches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.arrays
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.channels
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

    #[test]
    fn a_live_tick_keeps_what_every_symbol_did_as_random_access_gives_it() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let mut t: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
        let seq = Seq(86_400 * 40 + 3_600 * 15);
        ticker_core::warm_up(&m, &mut t, Seq(seq.0 - 1));
        let tick = Tick::build(&m, &mut t, seq);
        let data = tick.data().unwrap();
        assert_eq!(data.len(), m.len());
        let mut traded = 0;
        for d in data.iter() {
            assert_eq!(d.quote, m.quote(d.id, seq));
            assert_eq!(d.nbbo, m.nbbo(d.id, seq));
            let listed: Vec<Trade> = m.trades(d.id, seq).iter().collect();
            assert_eq!(d.trades(&m), listed);
            traded += listed.len();
        }
        assert!(traded > 0, "a default market trades every second");
        tick.drop_caches();
        assert!(tick.data().is_none());
        assert!(tick.symbol_data(SymbolId(0)).is_none());
    }

    #[test]
    fn a_replay_tick_finds_each_of_its_symbols_by_id() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let seq = Seq(86_400 * 40 + 3_600 * 15);
        // A replay of GOOGL and MSFT only: its data holds two entries, ids 1 and 2.
        let mut t: Vec<SessionTracker> = [SymbolId(1), SymbolId(2)]
            .into_iter()
            .map(SessionTracker::new)
            .collect();
        let tick = Tick::build_some(&m, &mut t, seq);
        assert!(tick.symbol_data(SymbolId(0)).is_none());
        for id in [SymbolId(1), SymbolId(2)] {
            let d = tick.symbol_data(id).unwrap();
            assert_eq!(d.id, id);
            assert_eq!(d.quote, m.quote(id, seq));
        }
    }
}
