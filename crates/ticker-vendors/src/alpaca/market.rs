//! The market model's objects as Alpaca's: a [`ticker_core::Trade`], [`Nbbo`], [`Candle`] or
//! calendar [`Phase`] becomes the Alpaca object a client of either service sees, field for
//! field from the same values (price, size, time) as the native API.
//!
//! Conditions: the model's flags become the CTA/UTP letters Alpaca prints: `@` regular sale,
//! `T` Form T (extended hours), `I` odd lot, `O` opening print, `6` closing print.

use ticker_core::{Candle, Conditions, Nbbo, Phase, Tape};

use super::msg::{Bar, Quote, Trade, TradingStatus};
use crate::nanos::Nanos;

/// Every combination of the model's flags, indexed by [`index`].
const CONDITIONS: [&[&str]; 16] = [
    &["@"],
    &["T"],
    &["@", "I"],
    &["T", "I"],
    &["@", "O"],
    &["T", "O"],
    &["@", "I", "O"],
    &["T", "I", "O"],
    &["@", "6"],
    &["T", "6"],
    &["@", "I", "6"],
    &["T", "I", "6"],
    &["@", "O", "6"],
    &["T", "O", "6"],
    &["@", "I", "O", "6"],
    &["T", "I", "O", "6"],
];

fn index(c: Conditions) -> usize {
    [
        Conditions::EXTENDED_HOURS,
        Conditions::ODD_LOT,
        Conditions::OPENING_PRINT,
        Conditions::CLOSING_PRINT,
    ]
    .iter()
    .enumerate()
    .filter(|(_, f)| c.contains(**f))
    .map(|(i, _)| 1 << i)
    .sum()
}

/// The Alpaca letters of a trade's conditions.
pub fn conditions(c: Conditions) -> &'static [&'static str] {
    CONDITIONS.get(index(c)).copied().unwrap_or(&["@"])
}

/// A trade: same id, price, size, exchange, tape and nanosecond time.
pub fn trade(t: &ticker_core::Trade) -> Trade {
    Trade {
        time: Nanos(t.timestamp_ns),
        exchange: t.exchange.code(),
        price: t.price,
        size: t.size,
        conditions: conditions(t.conditions),
        id: t.id,
        tape: t.tape.code(),
    }
}

/// The NBBO of a tick as a quote, stamped with the tick's time; `R` (regular two-sided).
pub fn quote(n: &Nbbo, tape: Tape) -> Quote {
    Quote {
        time: Nanos::from_ms(n.timestamp),
        ask_exchange: n.ask_exchange.code(),
        ask_price: n.ask,
        ask_size: n.ask_size,
        bid_exchange: n.bid_exchange.code(),
        bid_price: n.bid,
        bid_size: n.bid_size,
        conditions: &["R"],
        tape: tape.code(),
    }
}

/// A bar (minute, daily or wider): the candle's start, OHLC, volume, trade count and VWAP.
pub fn bar(c: &Candle) -> Bar {
    Bar {
        time: Nanos::from_ms(c.timestamp),
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        trade_count: c.trades,
        vwap: c.vwap.to_f64(),
    }
}

/// The trading status a calendar phase stands for, at `t_ms`: trading (`T`, "Trading
/// Resumption") in any session, halted (`H`) while the market is closed, as Alpaca reports a
/// symbol outside its sessions. UTP codes for tape C, CTA codes for A and B. A scenario halt
/// (issue #13) maps to `H`/`2` with its own reason here.
pub fn status(phase: Phase, tape: Tape, t_ms: i64) -> TradingStatus {
    let cta = tape != Tape::C;
    let (status_code, status_message, reason_code, reason_message) = match (phase, cta) {
        (Phase::Closed, false) => ("H", "Trading Halt", "", ""),
        (Phase::Closed, true) => ("2", "Trading Halt", "", ""),
        (_, false) => ("T", "Trading Resumption", "", ""),
        (_, true) => ("3", "Resume", "", ""),
    };
    TradingStatus {
        status_code,
        status_message,
        reason_code,
        reason_message,
        time: Nanos::from_ms(t_ms),
        tape: tape.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_combination_has_its_letters() {
        assert_eq!(conditions(Conditions::regular()), ["@"]);
        assert_eq!(conditions(Conditions::EXTENDED_HOURS), ["T"]);
        assert_eq!(
            conditions(Conditions::ODD_LOT.with(Conditions::CLOSING_PRINT)),
            ["@", "I", "6"]
        );
        assert_eq!(
            conditions(Conditions::EXTENDED_HOURS.with(Conditions::ODD_LOT)),
            ["T", "I"]
        );
        assert_eq!(conditions(Conditions::OPENING_PRINT), ["@", "O"]);
    }
}
