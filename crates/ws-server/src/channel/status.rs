//! A symbol's trading status at a tick: the one place the stream asks it.
//!
//! The status is the symbol's calendar phase (`pre`, `open`, `post`, `closed`, as
//! `/api/v1/market/status` reports it for the tick's time), unless a scenario halts the symbol
//! (a `halt` event or a market-wide `circuit_breaker`, `Market::status`): then it is
//! `"halted"` with the halt's `reason`, and the `status` channel reports the change at the
//! tick it happens and again at the reopening.

use ticker_core::{Market, Seq, SymbolId};

/// What a symbol is doing at one tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolStatus {
    /// `pre`, `open`, `post`, `closed`, or `halted` while a scenario halts the symbol.
    pub status: &'static str,
    /// Why, when the status needs a reason (a halt's); `None` for calendar phases.
    pub reason: Option<String>,
}

/// The status of symbol `id` at tick `seq`: a pure function of the market and the tick, so
/// every server, replay and resume computes the same transitions.
pub fn symbol_status(market: &Market, id: SymbolId, seq: Seq) -> SymbolStatus {
    // A scenario's halt (or a market-wide circuit breaker) outranks the calendar's phase.
    if let Some(halt) = market.status(id, seq).halt {
        return SymbolStatus {
            status: "halted",
            reason: Some(halt.reason.to_string()),
        };
    }
    let t_ms = market.schedule().time_of(seq);
    SymbolStatus {
        status: market.calendar(id).phase_at(t_ms).status(),
        reason: None,
    }
}

/// The status at `seq` and, when it differs from the one at the tick before, that one: a
/// `status` frame is due exactly when this is `Some`.
pub fn transition(market: &Market, id: SymbolId, seq: Seq) -> Option<(SymbolStatus, SymbolStatus)> {
    let before = Seq(seq.0.checked_sub(1)?);
    let now = symbol_status(market, id, seq);
    let previous = symbol_status(market, id, before);
    (now != previous).then_some((now, previous))
}
