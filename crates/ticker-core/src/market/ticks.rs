//! Random access to what happened in one tick: its trades, its NBBO, the last trade as of
//! it, and cumulative volume and trade counts, each in O(log n).
//!
//! Tick `n` reports its interval `[t(n−1), t(n))`, which is leaf `n − 1` of the model's
//! tree: that leaf holds the tick's volume and trades, and its far end is the price at tick
//! `n` (`calendar/day_ticks.rs`). Tick 0 has no interval: no trades, the reference price.

use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::model::{find, leaf, JointNode};
use crate::symbol::SymbolId;
use crate::trade::{Nbbo, Trade};
use crate::trades::{TickSummary, TickTrades};

use super::Market;

impl Market {
    /// The price at the end of a leaf: the price of the tick the leaf is the interval of.
    fn price_after(&self, id: SymbolId, leaf: &JointNode) -> Decimal {
        let m = self.model(id);
        m.price_of(m.offset_after(&leaf.market, &leaf.symbol))
    }

    /// Shares and trades of ticks `1 ..= through`: O(log n).
    fn cumulative(&self, id: SymbolId, through: u64) -> (u128, u64) {
        let node = leaf(&self.joint(id), through).symbol;
        (node.volume.before, node.trades.before)
    }

    /// The volume traded by ticks `[from, end)`: O(log n).
    pub fn volume_between(&self, id: SymbolId, from: Seq, end: Seq) -> u64 {
        if end <= from || end.0 == 0 {
            return 0;
        }
        let upto = |n: u64| n.checked_sub(1).map_or(0, |m| self.cumulative(id, m).0);
        let total = upto(end.0).saturating_sub(upto(from.0));
        u64::try_from(total).unwrap_or(u64::MAX)
    }

    /// The number of trades up to and including tick `seq`, which is the id of the last of
    /// them: O(log n).
    pub fn trade_count(&self, id: SymbolId, seq: Seq) -> u64 {
        self.cumulative(id, seq.0).1
    }

    /// The tick reporting trade `trade_id` (ids start at 1): O(log n); `None` for 0 and for
    /// ids beyond the representable ticks.
    pub fn tick_of_trade(&self, id: SymbolId, trade_id: u64) -> Option<Seq> {
        if trade_id == 0 {
            return None;
        }
        let (leaf, _) = find(&self.joint(id), trade_id, |n| {
            n.symbol.trades.before + n.symbol.trades.total
        })?;
        Some(Seq(leaf + 1))
    }

    /// The quote's `price` at a tick: the last trade's price as of it (the reference price
    /// before the first trade). O(log n): a tick without trades finds the last one through
    /// the cumulative trade count.
    pub fn last_price(&self, id: SymbolId, seq: Seq) -> Decimal {
        let Some(m) = seq.0.checked_sub(1) else {
            return self.info(id).reference_price;
        };
        let node = leaf(&self.joint(id), m);
        if node.symbol.trades.total > 0 {
            return self.price_after(id, &node);
        }
        let before = node.symbol.trades.before;
        if before == 0 {
            return self.info(id).reference_price;
        }
        match find(&self.joint(id), before, |n| {
            n.symbol.trades.before + n.symbol.trades.total
        }) {
            Some((_, node)) => self.price_after(id, &node),
            None => self.info(id).reference_price,
        }
    }

    /// The trades of one tick, with their summary: O(log n) (listing them is O(k) more).
    pub fn trades(&self, id: SymbolId, seq: Seq) -> TickTrades<'_> {
        let schedule = self.schedule();
        let seq = Seq(seq.0.min(schedule.last().0));
        let window = self.calendar(id).place(schedule, seq).window;
        let model = self.model(id);
        let (count, volume, before, last) = match seq.0.checked_sub(1) {
            Some(m) => {
                let node = leaf(&self.joint(id), m);
                let s = node.symbol;
                let volume = u64::try_from(s.volume.total).unwrap_or(u64::MAX);
                (
                    s.trades.total,
                    volume,
                    s.trades.before,
                    self.price_after(id, &node),
                )
            }
            None => (0, 0, 0, self.price(id, seq)),
        };
        let summary = TickSummary::new(model, seq, count, volume, before, last, window);
        TickTrades::new(summary, model, &self.exchanges)
    }

    /// The most recent trade at or before tick `seq`, if any: O(log n + k).
    pub fn latest_trade(&self, id: SymbolId, seq: Seq) -> Option<Trade> {
        let last = self.trade_count(id, seq);
        let tick = self.tick_of_trade(id, last)?;
        self.trades(id, tick).last_trade()
    }

    /// The NBBO at a tick: O(log n). Outside sessions the last session's closing quote stands.
    pub fn nbbo(&self, id: SymbolId, seq: Seq) -> Nbbo {
        let schedule = self.schedule();
        let seq = Seq(seq.0.min(schedule.last().0));
        let place = self.calendar(id).place(schedule, seq);
        let q = place.quote_tick;
        crate::nbbo::nbbo(
            self.model(id),
            &self.exchanges,
            self.price(id, q),
            place.quote_factor,
            q.0,
            seq,
            schedule.time_of(seq),
        )
    }
}
