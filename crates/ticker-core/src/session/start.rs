//! Where a [`SessionTracker`](super::SessionTracker) starts: standing on any tick of a day,
//! with the day's statistics so far from range aggregates (`aggregate.rs`). A first quote, a
//! past quote or a daily bar thus costs O(log n) cached blocks (the trading ticks of the
//! day so far, visited once, the first time) instead of a step through every tick of the
//! day: 86.4 million of them at one-millisecond ticks. The aggregates add up exactly what
//! the steps would, so a tracker that jumps and one that steps agree field for field.

use super::{DayStats, State};
use crate::calendar::{DayTicks, TickWindow};
use crate::candle::{minute_of, Bar};
use crate::clock::Seq;
use crate::market::Market;
use crate::model::{Cursor, MarketAt};
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

impl State {
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
        let minute_first = |n: Seq| Seq(schedule.tick_at_or_after(minute_of(schedule, n)).0 + 1);
        let first = minute_first(day.first).min(day.first);
        let at = Seq(target.max(first.0));
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
        let minute_from = minute_first(at).clamp(first, at);
        let mut minute = Bar::new(
            minute_of(schedule, at),
            market.last_price(id, Seq(minute_from.0 - 1)),
        );
        minute.merge(at.0 - minute_from.0, &market.aggregate(id, minute_from, at));
        // The day so far: every trade counts in volume, trades and VWAP, the regular
        // session's in open, high, low and close.
        let all = market.aggregate(id, day.first, at);
        let regular = market.aggregate(id, day.open.max(day.first), day.close.min(at));
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
