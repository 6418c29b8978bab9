//! The ticks of a range that have trades, in order, found by descending the model's tree only
//! into blocks that trade: every node carries its exact trade count, so a block without
//! trades (a night, a weekend, a quiet stretch of one-millisecond ticks) costs one node, not
//! one step per tick. Each tick found gets the same [`TickSummary`] the tick-by-tick walk
//! (`Market::walk_ticks`) gives it, from the same leaf, so what they add up to is identical.

use crate::calendar::{DayTicks, TickWindow};
use crate::clock::Seq;
use crate::market::Market;
use crate::model::tree::{Tree, LAST_TICK};
use crate::model::{Joint, JointNode};
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

impl Market {
    /// Calls `each` with the summary of every tick whose leaf is in `[lo, hi)` (tick `m + 1`
    /// for leaf `m`) and that has trades, oldest first.
    pub(crate) fn walk_trading_leaves(
        &self,
        id: SymbolId,
        lo: u64,
        hi: u64,
        mut each: impl FnMut(&TickSummary),
    ) {
        let hi = hi.min(LAST_TICK);
        if lo >= hi {
            return;
        }
        let joint = self.joint(id);
        let schedule = self.schedule();
        let model = self.model(id);
        let calendar = self.calendar(id);
        let mut day: Option<DayTicks> = None;
        let mut leaf = |m: u64, node: &JointNode| {
            let n = Seq(m + 1);
            let c = model.counts(m, &node.symbol);
            if c.trades == 0 {
                return; // halted by the scenario
            }
            if !day.is_some_and(|d| d.contains(n)) {
                day = calendar.locate(schedule, n).day.filter(|d| d.contains(n));
            }
            let mut window = match day {
                Some(d) => d.window(schedule, n),
                None => TickWindow::whole(schedule, n),
            };
            window.spread_factor *= model.spread_factor(n.0);
            let last = model.price_of(model.offset_after(m, &node.market, &node.symbol));
            let volume = u64::try_from(c.volume).unwrap_or(u64::MAX);
            let summary =
                TickSummary::new(model, n, c.trades, volume, c.trades_before, last, window);
            each(&summary);
        };
        if lo == 0 {
            let zero = joint.zero();
            if zero.symbol.trades.total > 0 {
                leaf(0, &zero);
            }
        }
        // Spine block k covers leaves [2^k, 2^(k+1)).
        let first = lo.max(1);
        if first >= hi {
            return;
        }
        for k in top_level(first)..=top_level(hi - 1) {
            let span = Span { lo: first, hi };
            span.descend(&joint, joint.root(k), k, 1 << k, &mut leaf);
        }
    }
}

/// The level of the spine block holding leaf `m ≥ 1`.
fn top_level(m: u64) -> usize {
    63 - m.leading_zeros() as usize
}

/// The leaves wanted.
#[derive(Clone, Copy)]
struct Span {
    lo: u64,
    hi: u64,
}

impl Span {
    /// Visits the wanted leaves with trades under `node`, the level-`level` node from `start`.
    fn descend(
        self,
        joint: &Joint<'_, true>,
        node: JointNode,
        level: usize,
        start: u64,
        leaf: &mut impl FnMut(u64, &JointNode),
    ) {
        if node.symbol.trades.total == 0 {
            return;
        }
        let Some(half_level) = level.checked_sub(1) else {
            leaf(start, &node);
            return;
        };
        let mid = start + (1 << half_level);
        let (left, right) = joint.split(half_level, mid, &node, ());
        if self.lo < mid {
            self.descend(joint, left, half_level, start, leaf);
        }
        if self.hi > mid {
            self.descend(joint, right, half_level, mid, leaf);
        }
    }
}
