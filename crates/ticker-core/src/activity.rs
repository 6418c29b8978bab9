//! How much the market does in a span of wall time: the bridge between the trading calendar
//! and the price model.
//!
//! The model runs each symbol on *business time*: a span with no activity (a closed market)
//! has zero variance and zero volume, so the price and the volume stand still; a busy span
//! (the open) carries more of both. An [`Activity`] says how much of each falls in any span
//! `[t0, t1)` of wall time, and the model splits variance and volume top-down in proportion
//! to it, which keeps random access O(log n).
//!
//! Units: milliseconds of "average activity". A market that trades uniformly around the
//! clock ([`Uniform`]) has weight `t1 − t0`; any other activity is normalised so that its
//! long-run mean is also one unit per millisecond of calendar time. Configured annual
//! volatilities therefore keep their meaning (variance per 365.25 calendar days) whatever the
//! calendar, and average volumes per session keep theirs.

use std::fmt;

/// The weights of the two halves `[t0, t1)` and `[t1, t2)` of a span, of every kind: what one
/// split of the model's tree asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SplitWeights {
    /// Variance weights of the halves.
    pub variance: [f64; 2],
    /// Volume weights.
    pub volume: [f64; 2],
    /// Continuous-trading weights (see [`Activity::trade_weight`]).
    pub trades: [f64; 2],
    /// Auctions.
    pub auctions: [u64; 2],
}

/// The activity of one market over wall time. Implementations must be pure, deterministic
/// (the same bits on every machine) and cheap: the model asks for a weight at every level of
/// every descent, so each call should be O(1) (table lookups, no loops over days). The model
/// only asks about times from 1970 to the year 9999 (`crate::time::MAX_TIME_MS`).
pub trait Activity: Send + Sync + fmt::Debug {
    /// The variance weight of `[t0_ms, t1_ms)` (0 when `t1_ms <= t0_ms`). A point mass (the
    /// overnight gap realised at an open) counts in every span containing its instant.
    fn variance_weight(&self, t0_ms: i64, t1_ms: i64) -> f64;

    /// The volume weight of `[t0_ms, t1_ms)`, in the same units.
    fn volume_weight(&self, t0_ms: i64, t1_ms: i64) -> f64;

    /// The weight of continuous trading in `[t0_ms, t1_ms)`: the volume weight without the
    /// auctions' point masses, in the same units. Trade counts follow it (an auction is one
    /// print, however large), so the default, for activities without auctions, is the volume
    /// weight.
    fn trade_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.volume_weight(t0_ms, t1_ms)
    }

    /// The number of single-print auctions (opening and closing crosses) in `[t0_ms, t1_ms)`:
    /// none by default.
    fn auctions(&self, t0_ms: i64, t1_ms: i64) -> u64 {
        let _ = (t0_ms, t1_ms);
        0
    }

    /// The variance weights of `[t0, t1)` and `[t1, t2)`: what a split of prices alone asks.
    fn variance_split(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> [f64; 2] {
        [
            self.variance_weight(t0_ms, t1_ms),
            self.variance_weight(t1_ms, t2_ms),
        ]
    }

    /// Every weight of `[t0, t1)` and `[t1, t2)` at once. The default asks the methods above;
    /// a calendar answers from three lookups instead of a dozen.
    fn split_weights(&self, t0_ms: i64, t1_ms: i64, t2_ms: i64) -> SplitWeights {
        SplitWeights {
            variance: [
                self.variance_weight(t0_ms, t1_ms),
                self.variance_weight(t1_ms, t2_ms),
            ],
            volume: [
                self.volume_weight(t0_ms, t1_ms),
                self.volume_weight(t1_ms, t2_ms),
            ],
            trades: [
                self.trade_weight(t0_ms, t1_ms),
                self.trade_weight(t1_ms, t2_ms),
            ],
            auctions: [self.auctions(t0_ms, t1_ms), self.auctions(t1_ms, t2_ms)],
        }
    }
}

/// A market that is always open and equally active at every instant (24/7, the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uniform;

impl Activity for Uniform {
    #[inline]
    fn variance_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        t1_ms.saturating_sub(t0_ms).max(0) as f64
    }

    #[inline]
    fn volume_weight(&self, t0_ms: i64, t1_ms: i64) -> f64 {
        self.variance_weight(t0_ms, t1_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_weight_is_the_span_length() {
        assert_eq!(Uniform.variance_weight(1000, 4000), 3000.0);
        assert_eq!(Uniform.volume_weight(-5, 5), 10.0);
        assert_eq!(Uniform.variance_weight(7, 7), 0.0);
        assert_eq!(Uniform.variance_weight(9, 3), 0.0);
    }
}
