//! The tick loop's view of the market: everything every symbol did at one tick, computed once
//! ([`tick_all`]), for a service to encode and fan out.
//!
//! Per symbol and tick, a [`SymbolTick`]: the quote, the tick's trades (summary, and the
//! trades themselves on demand), the NBBO, and the minute and daily bars the tick closes.
//! Each equals what random access gives for the same tick ([`Market::quote`],
//! [`Market::trades`], [`Market::nbbo`], [`Market::minute_bars`], [`Market::daily_bars`]),
//! so a REST answer and a streamed frame agree byte for byte.
//!
//! The market factor of each calendar class advances once per tick for all of its symbols:
//! the first tracker of a class that steps it lends its cursor to the others.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::clock::Seq;
use crate::market::Market;
use crate::model::{Cursor, Node};
use crate::quote::{Candle, Quote};
use crate::session::SessionTracker;
use crate::symbol::SymbolId;
use crate::trade::Nbbo;
use crate::trades::{TickSummary, TickTrades};

/// What one symbol did at one tick.
#[derive(Debug, Clone, Copy)]
pub struct SymbolTick<'m> {
    /// The quote (its `bid`/`ask` are `nbbo`'s).
    pub quote: Quote,
    /// The tick's trades (none outside sessions).
    pub trades: TickTrades<'m>,
    /// The NBBO.
    pub nbbo: Nbbo,
    /// The minute bar this tick closes, if that minute had trades.
    pub bar: Option<Candle>,
    /// The daily bar this tick closes (the day's last tick), if any.
    pub daily_bar: Option<Candle>,
}

impl SessionTracker {
    /// Everything the symbol did at `seq`, stepping as [`SessionTracker::quote`] does.
    pub fn tick<'m>(&mut self, market: &'m Market, seq: Seq) -> SymbolTick<'m> {
        self.tick_lent(market, seq, None)
    }

    fn tick_lent<'m>(
        &mut self,
        market: &'m Market,
        seq: Seq,
        lent: Option<&Cursor<Node>>,
    ) -> SymbolTick<'m> {
        self.step(market, seq, lent);
        let quote = self.quote_at(market, seq);
        let model = market.model(self.id());
        let summary = match self.tick_at(seq) {
            Some(t) => *t,
            None => TickSummary::new(
                model,
                seq,
                0,
                0,
                self.trades_through(),
                quote.price,
                crate::calendar::TickWindow::closed(1.0),
            ),
        };
        SymbolTick {
            quote,
            trades: TickTrades::new(summary, model, &market.exchanges),
            nbbo: Nbbo {
                symbol: quote.symbol,
                bid: quote.bid,
                bid_size: quote.bid_size,
                bid_exchange: quote.bid_exchange,
                ask: quote.ask,
                ask_size: quote.ask_size,
                ask_exchange: quote.ask_exchange,
                timestamp: quote.timestamp,
                seq,
            },
            bar: self.closed_minute(market, seq),
            daily_bar: self.closed_day(seq),
        }
    }
}

/// Brings every tracker to `seq`, one thread per core. This is a service's start-up: each
/// tracker jumps to `seq` with its day's statistics from range aggregates
/// (`session/start.rs`), visiting the day's trading ticks once rather than every tick.
///
/// Nearly all of that work is visiting the blocks of ticks that the aggregates are made of,
/// so those blocks are computed first, all symbols' together, each core taking the next block
/// as it finishes one: the load balances whatever the number of symbols and however busy each
/// one's day (a whole symbol per core would leave one core idle with one symbol, a sixth of
/// the time with five on two cores). The trackers then start from the cached blocks. Blocks
/// are pure functions of their ticks, so the order changes no result.
pub fn warm_up(market: &Market, trackers: &mut [SessionTracker], seq: Seq) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut blocks = Vec::new();
    for t in trackers.iter() {
        t.visited_blocks(market, seq, &mut blocks);
    }
    blocks.sort_unstable();
    blocks.dedup();
    // Without room in the cache (a small --history-cache-mib, or thousands of symbols, which
    // balance anyway) the blocks would be computed twice: leave them to the trackers.
    if cores > 1 && blocks.len() > 1 && market.cache_holds(blocks.len()) {
        let next = AtomicUsize::new(0);
        let fill = || {
            while let Some(&key) = blocks.get(next.fetch_add(1, Ordering::Relaxed)) {
                market.fill_block(key);
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..cores.min(blocks.len()) {
                scope.spawn(fill);
            }
            fill();
        });
    }
    let chunk = trackers.len().div_ceil(cores.max(1)).max(1);
    std::thread::scope(|scope| {
        for part in trackers.chunks_mut(chunk) {
            scope.spawn(move || {
                for t in part.iter_mut() {
                    t.step(market, seq, None);
                }
            });
        }
    });
}

/// Everything every tracker's symbol did at `seq`, in order, passed to `each`. For the
/// common step of a tick loop (every tracker one tick behind), each calendar class's market
/// factor advances once, in the first of its trackers that loads on it, and the others follow
/// its cursor; otherwise each tracker works as [`SessionTracker::tick`] does. The results are
/// the same either way.
pub fn tick_all<'m>(
    market: &'m Market,
    trackers: &mut [SessionTracker],
    seq: Seq,
    mut each: impl FnMut(SymbolId, &SymbolTick<'m>),
) {
    let mut lent: Vec<Option<Cursor<Node>>> = vec![None; market.class_count()];
    for t in trackers.iter_mut() {
        let class = market.model(t.id()).class;
        let borrowed = lent.get(class).and_then(Option::as_ref);
        let tick = t.tick_lent(market, seq, borrowed);
        if let Some(slot @ None) = lent.get_mut(class) {
            if seq.0 > 0 {
                *slot = t.lendable().filter(|c| c.tick() == seq.0 - 1).cloned();
            }
        }
        each(t.id(), &tick);
    }
}

/// The quotes of several trackers at `seq`, in order: [`tick_all`], keeping the quotes.
pub fn quote_all(
    market: &Market,
    trackers: &mut [SessionTracker],
    seq: Seq,
    mut each: impl FnMut(SymbolId, Quote),
) {
    tick_all(market, trackers, seq, |id, tick| each(id, tick.quote));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketConfig;

    fn example() -> MarketConfig {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/market.example.json");
        MarketConfig::from_file(&path).unwrap()
    }

    /// Each tracker started alone, on a market of its own (nothing cached).
    fn alone(config: &MarketConfig, seq: Seq) -> Vec<Quote> {
        let m = Market::new(config.clone()).unwrap();
        m.ids()
            .map(|id| SessionTracker::new(id).quote(&m, seq))
            .collect()
    }

    #[test]
    fn warm_up_equals_trackers_started_alone() {
        let fast = MarketConfig {
            interval_ms: 1,
            ..MarketConfig::default()
        };
        let uncached = Market::new(fast.clone()).unwrap().with_history_cache(0);
        let cases = [
            // 24/7 at 1 s, late in the day; `us-equity` at 1 s, in the session and at night;
            // 24/7 at 1 ms, twenty minutes into the day.
            (MarketConfig::default(), "2026-11-24T22:55:00Z"),
            (example(), "2026-11-24T15:10:00Z"),
            (example(), "2026-11-25T03:00:00Z"),
            (fast.clone(), "2026-11-24T00:20:00Z"),
        ];
        for (config, at) in cases {
            let m = Market::new(config.clone()).unwrap();
            let seq = m
                .schedule()
                .tick_at(crate::time::parse_rfc3339(at).unwrap());
            let want = alone(&config, seq);
            let mut trackers: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
            warm_up(&m, &mut trackers, seq);
            // The blocks were computed ahead (they are what the trackers read).
            assert!(m.history_cache_stats().blocks > 0, "{at}");
            let got: Vec<Quote> = trackers.iter().map(|t| t.quote_at(&m, seq)).collect();
            assert_eq!(got, want, "{at}");
            // A warm tracker steps on, and stepping on warms nothing ahead.
            let next = Seq(seq.0 + 1);
            let mut blocks = Vec::new();
            for t in &trackers {
                t.visited_blocks(&m, next, &mut blocks);
            }
            assert!(blocks.is_empty(), "{at}: {blocks:?}");
            warm_up(&m, &mut trackers, next);
            let got: Vec<Quote> = trackers.iter().map(|t| t.quote_at(&m, next)).collect();
            assert_eq!(got, alone(&config, next), "{at}");
        }
        // Without a cache to fill, the same quotes (each tracker does its own work).
        let seq = uncached
            .schedule()
            .tick_at(crate::time::parse_rfc3339("2026-11-24T00:20:00Z").unwrap());
        let mut trackers: Vec<SessionTracker> = uncached.ids().map(SessionTracker::new).collect();
        warm_up(&uncached, &mut trackers, seq);
        let got: Vec<Quote> = trackers
            .iter()
            .map(|t| t.quote_at(&uncached, seq))
            .collect();
        assert_eq!(got, alone(&fast, seq));
    }
}
