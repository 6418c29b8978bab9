//! The state Binance's payloads carry from tick to tick: each symbol's kline in progress and
//! the rolling 24 h windows. The payloads of one tick live in that tick's
//! [`TickFrames`](super::TickFrames); this is what they are computed from.
//!
//! Klines follow their interval incrementally (one tick's summary at a time), and the 24 h
//! statistics come from [`Rolling`]'s cached minutes, so a tick costs O(1) per kind and symbol
//! whatever the interval. The live ticks share one [`Series`]; a replay keeps its own, so that
//! its klines advance tick by tick through the past.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ticker_core::{Market, Seq, SymbolId};
use ticker_vendors::bars::{self, Bar};
use ticker_vendors::binance::interval::KlineInterval;
use ticker_vendors::binance::rolling::Stats;
use ticker_vendors::binance::window::Rolling;

use crate::tick::SymbolData;

/// Per (symbol, interval): the kline through the tick it was last advanced to.
type Klines = HashMap<(SymbolId, &'static str), (Seq, Bar)>;

/// Klines in progress and the 24 h windows (see the module docs).
#[derive(Debug)]
pub struct Series {
    market: Arc<Market>,
    klines: Mutex<Klines>,
    rolling: Rolling,
}

impl Series {
    /// Empty state for `market`.
    pub fn new(market: Arc<Market>) -> Self {
        Self {
            market,
            klines: Mutex::new(HashMap::new()),
            rolling: Rolling::default(),
        }
    }

    /// The 24 h statistics of `id` at tick `seq`, `None` before any minute of the window.
    pub fn stats(&self, id: SymbolId, seq: Seq) -> Option<Stats> {
        self.rolling.stats(&self.market, id, seq)
    }

    /// The kline of `interval` holding tick `seq`, advanced by one tick when the state was at
    /// the tick before, else recomputed from the native candles.
    pub fn kline(&self, seq: Seq, id: SymbolId, interval: KlineInterval, d: &SymbolData) -> Bar {
        let m = &*self.market;
        let s = m.schedule();
        let start = interval
            .bucket()
            .floor(s.time_of(seq) - s.interval_ms() as i64);
        // Held while advancing: two connections asking for the same tick advance it once.
        let mut klines = self.klines.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = klines.get(&(id, interval.name())).copied();
        let bar = match entry {
            Some((at, prev)) if at.0 + 1 == seq.0 => {
                let mut bar = if prev.start_ms == start {
                    prev
                } else {
                    flat(start, prev.close)
                };
                absorb(&mut bar, d);
                bar
            }
            Some((at, prev)) if at == seq => prev,
            _ => self.recompute(id, interval, start, seq),
        };
        if entry.is_none_or(|(at, _)| at <= seq) {
            klines.insert((id, interval.name()), (seq, bar));
        }
        bar
    }

    fn recompute(&self, id: SymbolId, interval: KlineInterval, start: i64, seq: Seq) -> Bar {
        let m = &*self.market;
        let end = interval.bucket().next(start);
        let fallback = flat(start, m.last_price(id, seq));
        let Some(native) = interval.native() else {
            return fallback;
        };
        let candles = m.candles(id, native, start, end, seq);
        let bars: Vec<Bar> = candles.iter().map(|c| Bar::from_candle(c, None)).collect();
        let Some(mut bar) = bars::regroup(&bars, interval.bucket()).into_iter().next() else {
            return fallback;
        };
        let first = m.trade_count(id, m.schedule().tick_at(start)) + 1;
        let last = m.trade_count(id, seq);
        bar.trade_ids = (last >= first).then_some((first, last));
        bar
    }
}

fn flat(start_ms: i64, price: ticker_core::Decimal) -> Bar {
    Bar {
        start_ms,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0,
        trades: 0,
        notional: 0.0,
        trade_ids: None,
    }
}

/// Folds one tick's trades into a kline.
fn absorb(bar: &mut Bar, d: &SymbolData) {
    let t = &d.summary;
    if t.count == 0 {
        return;
    }
    let scale = 10f64.powi(i32::from(t.last.decimals()));
    let tick = Bar {
        start_ms: bar.start_ms,
        open: t.first,
        high: t.high,
        low: t.low,
        close: t.last,
        volume: t.volume,
        trades: t.count,
        notional: t.notional as f64 / scale,
        trade_ids: Some((t.first_id, t.first_id + t.count - 1)),
    };
    if bar.trades == 0 {
        *bar = Bar {
            start_ms: bar.start_ms,
            ..tick
        };
    } else {
        bar.absorb(&tick);
    }
}
