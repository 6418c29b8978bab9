//! The participants trades print on and quotes come from: a weighted set, configurable as
//! `exchanges` (docs/config.md). The defaults are the CTA/UTP participant letters with
//! weights near their shares of US equity volume in the mid-2020s (off-exchange prints
//! reported to FINRA's facilities, `D`, about 40 % of trades, which post no quotes).

use serde::{Deserialize, Serialize};

use super::validate::invalid;
use super::ConfigError;
use crate::trade::Exchange;

/// One participant: its letter and how often it prints trades and sets the best quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    /// Participant letter, `A`–`Z`.
    pub code: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Relative weight among trades (0 ..= 1 000 000).
    pub trade_weight: f64,
    /// Relative weight among best bids and offers (0 ..= 1 000 000).
    pub quote_weight: f64,
}

/// The default participants: `(letter, name, trade weight, quote weight)`.
const DEFAULTS: [(&str, &str, f64, f64); 16] = [
    ("D", "FINRA ADF / TRF", 40.0, 0.0),
    ("Q", "Nasdaq", 13.0, 20.0),
    ("P", "NYSE Arca", 8.0, 12.0),
    ("N", "NYSE", 7.0, 10.0),
    ("K", "Cboe EDGX", 6.0, 10.0),
    ("Z", "Cboe BZX", 5.0, 10.0),
    ("U", "MEMX", 4.0, 8.0),
    ("V", "IEX", 3.0, 6.0),
    ("J", "Cboe EDGA", 2.0, 5.0),
    ("Y", "Cboe BYX", 2.0, 5.0),
    ("H", "MIAX Pearl", 2.0, 4.0),
    ("B", "Nasdaq BX", 2.0, 4.0),
    ("X", "Nasdaq PSX", 1.0, 3.0),
    ("A", "NYSE American", 1.0, 1.0),
    ("C", "NYSE National", 1.0, 1.0),
    ("M", "NYSE Chicago", 0.5, 1.0),
];

/// The default participant set.
pub(super) fn defaults() -> Vec<ExchangeConfig> {
    DEFAULTS
        .iter()
        .map(|&(code, name, trade, quote)| ExchangeConfig {
            code: code.to_owned(),
            name: name.to_owned(),
            trade_weight: trade,
            quote_weight: quote,
        })
        .collect()
}

const MAX_WEIGHT: f64 = 1_000_000.0;

/// Checks the set: letters unique, weights in range, something to trade and to quote on.
pub(super) fn validate(exchanges: &[ExchangeConfig]) -> Result<(), ConfigError> {
    if exchanges.is_empty() {
        return Err(invalid("exchanges", "the exchange list is empty"));
    }
    for (i, e) in exchanges.iter().enumerate() {
        let field = |name: &str| format!("exchanges[{i}].{name}");
        let mut chars = e.code.chars();
        if !matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_uppercase()) {
            return Err(invalid(
                field("code"),
                format!("{:?} is not one letter A-Z", e.code),
            ));
        }
        if let Some(first) = exchanges.iter().position(|o| o.code == e.code) {
            if first < i {
                return Err(invalid(
                    field("code"),
                    format!("{:?} duplicates exchanges[{first}]", e.code),
                ));
            }
        }
        for (name, w) in [
            ("trade_weight", e.trade_weight),
            ("quote_weight", e.quote_weight),
        ] {
            if !w.is_finite() || !(0.0..=MAX_WEIGHT).contains(&w) {
                return Err(invalid(
                    field(name),
                    format!("{w} is not a weight from 0 to {MAX_WEIGHT}"),
                ));
            }
        }
    }
    for (name, weight) in [
        (
            "trade_weight",
            exchanges.iter().map(|e| e.trade_weight).sum::<f64>(),
        ),
        (
            "quote_weight",
            exchanges.iter().map(|e| e.quote_weight).sum::<f64>(),
        ),
    ] {
        if weight <= 0.0 {
            return Err(invalid(
                "exchanges",
                format!("no exchange has a positive {name}"),
            ));
        }
    }
    Ok(())
}

/// A weighted set compiled for draws: cumulative 32-bit thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    codes: Box<[Exchange]>,
    /// `thresholds[i]`: a 32-bit uniform draw below it (and at or above the previous one)
    /// picks `codes[i]`; the last is 2^32.
    thresholds: Box<[u64]>,
}

impl Table {
    fn new(pairs: impl Iterator<Item = (Exchange, f64)>) -> Self {
        let pairs: Vec<(Exchange, f64)> = pairs.filter(|(_, w)| *w > 0.0).collect();
        let total: f64 = pairs.iter().map(|(_, w)| w).sum();
        let mut acc = 0.0;
        let mut thresholds: Vec<u64> = pairs
            .iter()
            .map(|(_, w)| {
                acc += w;
                (acc / total * 4_294_967_296.0) as u64
            })
            .collect();
        if let Some(last) = thresholds.last_mut() {
            *last = 1 << 32;
        }
        Self {
            codes: pairs.iter().map(|(e, _)| *e).collect(),
            thresholds: thresholds.into_boxed_slice(),
        }
    }

    #[inline]
    fn pick(&self, u: u32) -> Exchange {
        let u = u64::from(u);
        let i = self.thresholds.iter().position(|&t| u < t).unwrap_or(0);
        self.codes.get(i).copied().unwrap_or_default()
    }
}

/// The participant set of a market, ready for draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exchanges {
    trades: Table,
    quotes: Table,
}

impl Exchanges {
    /// Compiles a validated set.
    pub(crate) fn new(config: &[ExchangeConfig]) -> Self {
        let parsed = || {
            config.iter().filter_map(|e| {
                let code = e.code.chars().next().and_then(Exchange::new)?;
                Some((code, e))
            })
        };
        Self {
            trades: Table::new(parsed().map(|(c, e)| (c, e.trade_weight))),
            quotes: Table::new(parsed().map(|(c, e)| (c, e.quote_weight))),
        }
    }

    /// The exchange of a trade, from 32 random bits.
    #[inline]
    pub(crate) fn trade(&self, u: u32) -> Exchange {
        self.trades.pick(u)
    }

    /// The exchange of a best bid or offer, from 32 random bits.
    #[inline]
    pub(crate) fn quote(&self, u: u32) -> Exchange {
        self.quotes.pick(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_the_weights() {
        let ex = Exchanges::new(&defaults());
        let n = 100_000u32;
        let step = u32::MAX / n;
        let count = |pick: &dyn Fn(u32) -> Exchange, code| {
            (0..n).filter(|i| pick(i * step).code() == code).count() as f64 / f64::from(n)
        };
        let total: f64 = DEFAULTS.iter().map(|d| d.2).sum();
        assert!((count(&|u| ex.trade(u), 'D') - 40.0 / total).abs() < 0.001);
        assert_eq!(count(&|u| ex.quote(u), 'D'), 0.0, "the TRF posts no quotes");
        assert_eq!(ex.trade(u32::MAX).code(), 'M');
    }

    #[test]
    fn bad_sets_are_named() {
        let mut set = defaults();
        set[3].code = "NY".into();
        assert_eq!(
            validate(&set).unwrap_err().to_string(),
            "config field `exchanges[3].code`: \"NY\" is not one letter A-Z"
        );
        let mut set = defaults();
        set[2].code = "Q".into();
        assert_eq!(
            validate(&set).unwrap_err().to_string(),
            "config field `exchanges[2].code`: \"Q\" duplicates exchanges[1]"
        );
        let mut set = defaults();
        set[0].trade_weight = -1.0;
        assert_eq!(
            validate(&set).unwrap_err().to_string(),
            "config field `exchanges[0].trade_weight`: -1 is not a weight from 0 to 1000000"
        );
        let set: Vec<_> = defaults()
            .into_iter()
            .map(|e| ExchangeConfig {
                quote_weight: 0.0,
                ..e
            })
            .collect();
        assert_eq!(
            validate(&set).unwrap_err().to_string(),
            "config field `exchanges`: no exchange has a positive quote_weight"
        );
    }
}
