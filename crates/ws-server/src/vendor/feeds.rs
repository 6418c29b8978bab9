//! The vendors' payloads of one live tick, encoded once per symbol and kind and shared by
//! every vendor connection (as quote frames are): Finnhub trade objects, Binance trades, book
//! tickers, klines and 24 h tickers. Built on demand from [`Tick::data`], so an unused kind
//! costs nothing; only the newest tick is cached.
//!
//! Klines follow their interval incrementally (one tick's summary at a time), and the 24 h
//! statistics come from [`Rolling`]'s cached minutes, so a tick costs O(1) per kind and symbol
//! whatever the interval; a connection behind the newest tick gets its payloads computed apart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ticker_core::{Market, Seq, SymbolId};
use ticker_vendors::bars::{self, Bar};
use ticker_vendors::binance::events;
use ticker_vendors::binance::interval::KlineInterval;
use ticker_vendors::binance::model;
use ticker_vendors::binance::num::TimeUnit;
use ticker_vendors::binance::window::Rolling;
use ticker_vendors::finnhub::stream as finnhub;

use crate::tick::{SymbolData, Tick};

/// One kind of payload of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// Finnhub's trade objects, comma-separated (one string).
    Finnhub(SymbolId),
    /// `@trade`: one payload per trade.
    Trade(SymbolId, TimeUnit),
    /// `@aggTrade`: one payload per trade.
    AggTrade(SymbolId, TimeUnit),
    /// `@bookTicker`.
    Book(SymbolId),
    /// `@kline_<interval>`.
    Kline(SymbolId, &'static str, TimeUnit),
    /// `@miniTicker`.
    Mini(SymbolId, TimeUnit),
    /// `@ticker`.
    Ticker(SymbolId, TimeUnit),
}

#[derive(Debug, Default)]
struct Cache {
    seq: Seq,
    payloads: HashMap<Key, Arc<[String]>>,
    /// Per (symbol, interval): the kline through the tick it was last advanced to.
    klines: HashMap<(SymbolId, &'static str), (Seq, Bar)>,
}

/// The shared payload cache (see the module docs).
#[derive(Debug)]
pub struct Feeds {
    market: Arc<Market>,
    cache: Mutex<Cache>,
    rolling: Rolling,
}

/// Finnhub's condition codes for ticker's conditions: `1` regular sale, `12` Form T (extended
/// hours), `37` odd lot.
fn finnhub_conditions(t: &ticker_core::Trade) -> Vec<&'static str> {
    t.conditions
        .names()
        .filter_map(|n| match n {
            "regular" => Some("1"),
            "extended_hours" => Some("12"),
            "odd_lot" => Some("37"),
            _ => None,
        })
        .collect()
}

impl Feeds {
    /// An empty cache for `market`.
    pub fn new(market: Arc<Market>) -> Self {
        Self {
            market,
            cache: Mutex::new(Cache::default()),
            rolling: Rolling::default(),
        }
    }

    /// The payloads of `key` at `tick` (empty when there are none, or the tick's data is gone).
    pub fn get(&self, tick: &Tick, key: Key) -> Arc<[String]> {
        let Some(data) = tick.data() else {
            return Arc::from([]);
        };
        let id = match key {
            Key::Finnhub(id)
            | Key::Trade(id, _)
            | Key::AggTrade(id, _)
            | Key::Book(id)
            | Key::Kline(id, _, _)
            | Key::Mini(id, _)
            | Key::Ticker(id, _) => id,
        };
        let Some(d) = data.get(id.index()) else {
            return Arc::from([]);
        };
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if tick.seq > cache.seq {
            cache.seq = tick.seq;
            cache.payloads.clear();
        }
        let newest = tick.seq == cache.seq;
        if newest {
            if let Some(p) = cache.payloads.get(&key) {
                return p.clone();
            }
        }
        let built: Arc<[String]> = self.build(&mut cache, tick, d, key).into();
        if newest {
            cache.payloads.insert(key, built.clone());
        }
        built
    }

    fn build(&self, cache: &mut Cache, tick: &Tick, d: &SymbolData, key: Key) -> Vec<String> {
        let m = &*self.market;
        let symbol = m.symbol(d.id);
        let symbol = symbol.as_str();
        let event_ms = tick.timestamp;
        let one = |f: &dyn Fn(&mut String)| {
            let mut out = String::with_capacity(256);
            f(&mut out);
            vec![out]
        };
        match key {
            Key::Finnhub(_) => {
                let mut out = String::new();
                for (i, t) in d.trades(m).iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let conditions = finnhub_conditions(t);
                    let trade = finnhub::Trade {
                        price: t.price,
                        time_ms: t.timestamp,
                        volume: t.size,
                        conditions: &conditions,
                    };
                    finnhub::write_trade(&mut out, symbol, &trade);
                }
                vec![out]
            }
            Key::Trade(_, unit) | Key::AggTrade(_, unit) => d
                .trades(m)
                .iter()
                .map(|t| {
                    let b = model::trade(t, d.summary.bid, d.summary.ask);
                    let mut out = String::with_capacity(200);
                    if matches!(key, Key::Trade(..)) {
                        events::trade(&mut out, symbol, event_ms, &b, unit);
                    } else {
                        events::agg_trade(&mut out, symbol, event_ms, &b, unit);
                    }
                    out
                })
                .collect(),
            Key::Book(_) => one(&|o| events::book_ticker(o, symbol, &model::book(&d.nbbo))),
            Key::Kline(id, name, unit) => {
                let Some(interval) = KlineInterval::parse(name) else {
                    return Vec::new();
                };
                let bar = self.kline(cache, tick.seq, id, interval, d);
                let k = model::kline(interval, bar, event_ms);
                one(&|o| events::kline(o, symbol, event_ms, &k, unit))
            }
            Key::Mini(id, unit) | Key::Ticker(id, unit) => {
                let Some(stats) = self.rolling.stats(m, id, tick.seq) else {
                    return Vec::new();
                };
                if matches!(key, Key::Mini(..)) {
                    return one(&|o| events::mini_ticker(o, symbol, event_ms, &stats, unit));
                }
                let last_qty = m.latest_trade(id, tick.seq).map_or(0, |t| t.size);
                let book = model::book(&d.nbbo);
                one(&|o| events::ticker(o, symbol, event_ms, &stats, last_qty, &book, unit))
            }
        }
    }

    /// The kline of `interval` holding tick `seq`, advanced by one tick when the cache was at
    /// the tick before, else recomputed from the native candles.
    fn kline(
        &self,
        cache: &mut Cache,
        seq: Seq,
        id: SymbolId,
        interval: KlineInterval,
        d: &SymbolData,
    ) -> Bar {
        let m = &*self.market;
        let s = m.schedule();
        let start = interval
            .bucket()
            .floor(s.time_of(seq) - s.interval_ms() as i64);
        let entry = cache.klines.get(&(id, interval.name())).copied();
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
            cache.klines.insert((id, interval.name()), (seq, bar));
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
