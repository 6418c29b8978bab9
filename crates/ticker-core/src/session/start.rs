//! Where a [`SessionTracker`](super::SessionTracker) starts: standing on any tick of a day,
//! with the day's statistics so far from range aggregates (`aggregate.rs`). A first quote, a
//! past quote or a daily bar thus costs O(log n) cached blocks (the trading ticks of the
//! day so far, visited once, the first time) instead of a step through every tick of the
//! day: 86.4 million of them at one-millisecond ticks. The aggregates add up exactly what
//! the steps would, so a tracker that jumps and one that steps agree field for field.

use super::{DayStats, State};
use crate::aggregate::BlockKey;
use crate::calendar::{DayTicks, TickWindow};
use crate::candle::{minute_of, Bar};
use crate::clock::Seq;
use crate::market::Market;
use crate::model::{Cursor, MarketAt};
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

/// The spans of ticks `[first, end)` whose aggregates a start on `target` reads.
#[derive(Debug, Clone, Copy)]
struct Spans {
    /// Where the start stands.
    at: Seq,
    /// The minute so far.
    minute: (Seq, Seq),
    /// The day so far.
    all: (Seq, Seq),
    /// The day's regular session so far.
    regular: (Seq, Seq),
}

impl Spans {
    fn new(market: &Market, day: DayTicks, target: u64) -> Self {
        let schedule = market.schedule();
        let minute_first = |n: Seq| Seq(schedule.tick_at_or_after(minute_of(schedule, n)).0 + 1);
        let first = minute_first(day.first).min(day.first);
        let at = Seq(target.max(first.0));
        Self {
            at,
            minute: (minute_first(at).clamp(first, at), at),
            all: (day.first, at),
            regular: (day.open.max(day.first), day.close.min(at)),
        }
    }
}

impl State {
    /// Adds to `out` the blocks that [`State::start`] visits tick by tick (see
    /// [`Market::visited_blocks`]), for a start-up to compute them on every core first.
    pub(super) fn visited_blocks(
        market: &Market,
        id: SymbolId,
        day: DayTicks,
        target: u64,
        out: &mut Vec<BlockKey>,
    ) {
        let spans = Spans::new(market, day, target);
        for (first, end) in [spans.minute, spans.all, spans.regular] {
            market.visited_blocks(id, first, end, out);
        }
    }

    /// Statistics for `day`, standing on tick `target` (at the earliest the first tick of the
    /// minute that holds the day's first tick, so that its bar is whole): the ticks before it
    /// from aggregates, then `target` itself recorded as a step records it.
    pub(super) fn start(market: &Market, id: SymbolId, day: DayTicks, target: u64) -> Self {
        let schedule = market.schedule();
        let calendar = market.calendar(id);
        let prev_close = match calendar.day_ticks(schedule, day.index - 1) {
            Some(prev) if !prev.is_empty() => market.last_price(id, Seq(prev.close.0 - 1)),
            _ => market.info(id).reference_price,
        };
        let spans = Spans::new(market, day, target);
        let at = spans.at;
        let joint = market.joint(id);
        let uses_market = joint.symbol.uses_market();
        let leaf = at.0 - 1;
        let market_cursor = Cursor::new(joint.market, if uses_market { leaf } else { 0 }, |_| ());
        let m = &market_cursor;
        let symbol = Cursor::new(joint.symbol, leaf, |j| {
            if uses_market {
                MarketAt::of(&m.node(j + 1), &m.node(j))
            } else {
                MarketAt::default()
            }
        });
        let last_price = market.last_price(id, Seq(leaf));
        // The minute so far, from the last trade before it.
        let (minute_from, _) = spans.minute;
        let mut minute = Bar::new(
            minute_of(schedule, at),
            market.last_price(id, Seq(minute_from.0 - 1)),
        );
        minute.merge(
            at.0 - minute_from.0,
            &market.aggregate(id, spans.minute.0, spans.minute.1),
        );
        // The day so far: every trade counts in volume, trades and VWAP, the regular
        // session's in open, high, low and close.
        let all = market.aggregate(id, spans.all.0, spans.all.1);
        let regular = market.aggregate(id, spans.regular.0, spans.regular.1);
        let traded = regular.trades > 0;
        let mut state = Self {
            day,
            at: at.0,
            symbol,
            market_leaf: market_cursor.leaf(),
            market: market_cursor,
            market_fresh: uses_market,
            stats: DayStats {
                volume: all.volume,
                trades: all.trades,
                notional: all.notional,
                open: traded.then_some(regular.open),
                high: regular.high.units(),
                low: regular.low.units(),
                close: traded.then_some(regular.close),
            },
            prev_close,
            last_price,
            model_price: last_price,
            tick: TickSummary::new(
                market.model(id),
                at,
                0,
                0,
                0,
                last_price,
                TickWindow::closed(1.0),
            ),
            minute,
        };
        state.record(market, id);
        state
    }
}
