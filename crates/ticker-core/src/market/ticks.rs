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
    /// The price at the end of leaf `m`: the price of the tick the leaf is the interval of.
    fn price_after(&self, id: SymbolId, m: u64, leaf: &JointNode) -> Decimal {
        let model = self.model(id);
        model.price_of(model.offset_after(m, &leaf.market, &leaf.symbol))
    }

    /// Shares and trades of ticks `1 ..= through`: O(log n).
    fn cumulative(&self, id: SymbolId, through: u64) -> (u128, u64) {
        let node = leaf(&self.joint(id), through).symbol;
        let c = self.model(id).counts(through, &node);
        (c.volume_before, c.trades_before)
    }

    /// The leaf holding trade `trade_id` (the scenario's numbering) and the leaf's index.
    fn leaf_of_trade(&self, id: SymbolId, trade_id: u64) -> Option<(u64, JointNode)> {
        let model_id = self.model(id).plan.model_trade_id(trade_id);
        find(&self.joint(id), model_id, |n| {
            n.symbol.trades.before + n.symbol.trades.total
        })
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
        let (leaf, _) = self.leaf_of_trade(id, trade_id)?;
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
        let c = self.model(id).counts(m, &node.symbol);
        if c.trades > 0 {
            return self.price_after(id, m, &node);
        }
        if c.trades_before == 0 {
            return self.info(id).reference_price;
        }
        match self.leaf_of_trade(id, c.trades_before) {
            Some((at, node)) => self.price_after(id, at, &node),
            None => self.info(id).reference_price,
        }
    }

    /// The trades of one tick, with their summary: O(log n) (listing them is O(k) more).
    pub fn trades(&self, id: SymbolId, seq: Seq) -> TickTrades<'_> {
        let schedule = self.schedule();
        let seq = Seq(seq.0.min(schedule.last().0));
        let model = self.model(id);
        let mut window = self.calendar(id).place(schedule, seq).window;
        window.spread_factor *= model.spread_factor(seq.0);
        let (count, volume, before, last) = match seq.0.checked_sub(1) {
            Some(m) => {
                let node = leaf(&self.joint(id), m);
                let c = model.counts(m, &node.symbol);
                let volume = u64::try_from(c.volume).unwrap_or(u64::MAX);
                (
                    c.trades,
                    volume,
                    c.trades_before,
                    self.price_after(id, m, &node),
                )
            }
            None => (0, 0, 0, self.price(id, seq)),
        };
        let summary = TickSummary::new(model, seq, count, volume, before, last, window);
        TickTrades::new(summary, model, &self.exchanges)
    }

    /// The trades a summary stands for (from [`TickTrades::summary`], kept by a tick loop
    /// that wants to list them later without walking the tree again).
    pub fn trades_of(&self, id: SymbolId, summary: TickSummary) -> TickTrades<'_> {
        TickTrades::new(summary, self.model(id), &self.exchanges)
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
        let model = self.model(id);
        crate::nbbo::nbbo(
            model,
            &self.exchanges,
            self.price(id, q),
            place.quote_factor * model.spread_factor(q.0),
            q.0,
            seq,
            schedule.time_of(seq),
        )
    }
}
