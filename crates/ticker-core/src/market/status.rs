//! A symbol's trading status at a tick: trading, or halted by the scenario (why, since when,
//! until when). For the streams' status messages and `/api/v1/market/status`.

use std::sync::Arc;

use crate::clock::{Schedule, Seq};
use crate::scenario::Halt;
use crate::symbol::SymbolId;

use super::Market;

/// A halt as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct HaltStatus {
    /// Why, e.g. `news pending`.
    pub reason: Arc<str>,
    /// Whether a market-wide circuit breaker halted it.
    pub market_wide: bool,
    /// The first halted tick.
    pub from: Seq,
    /// The reopening tick: the first that trades again.
    pub until: Seq,
    /// The times of those ticks, Unix ms.
    pub from_ms: i64,
    /// The reopening time, Unix ms.
    pub until_ms: i64,
    /// The reopening price against the halted one, in percent.
    pub reopen_gap_percent: f64,
}

/// A symbol's trading status at a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct TradingStatus {
    /// The tick.
    pub seq: Seq,
    /// The halt in force, if any (`None`: trading as its calendar allows).
    pub halt: Option<HaltStatus>,
    /// The next halt after the tick, if the scenario has one.
    pub next_halt: Option<HaltStatus>,
}

impl TradingStatus {
    /// Whether the symbol is halted.
    pub fn is_halted(&self) -> bool {
        self.halt.is_some()
    }
}

fn report(schedule: &Schedule, h: &Halt) -> HaltStatus {
    HaltStatus {
        reason: h.reason.clone(),
        market_wide: h.market_wide,
        from: Seq(h.from),
        until: Seq(h.until),
        from_ms: schedule.time_of(Seq(h.from)),
        until_ms: schedule.time_of(Seq(h.until)),
        reopen_gap_percent: h.gap_percent,
    }
}

impl Market {
    /// The trading status of a symbol at a tick: O(halts of its scenario).
    pub fn status(&self, id: SymbolId, seq: Seq) -> TradingStatus {
        let plan = &self.model(id).plan;
        let s = self.schedule();
        TradingStatus {
            seq,
            halt: plan.halt_at(seq.0).map(|h| report(s, h)),
            next_halt: plan
                .halts
                .iter()
                .find(|h| h.from > seq.0)
                .map(|h| report(s, h)),
        }
    }

    /// Every halt of a symbol's scenario, in order.
    pub fn halts(&self, id: SymbolId) -> Vec<HaltStatus> {
        let s = self.schedule();
        let plan = &self.model(id).plan;
        plan.halts.iter().map(|h| report(s, h)).collect()
    }
}
