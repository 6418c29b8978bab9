//! The model's parameters turned into the constants a split uses: the cascade's lookup table,
//! which levels carry a cascade, the post-jump boost per level, and the business-time
//! weights of a tick span. Everything that needs `exp` or `log` is computed here, once per
//! market, so a split is arithmetic, one or two hashes and a square root.

use std::sync::Arc;

use crate::activity::{Activity, SplitWeights};
use crate::noise;
use crate::time::{MAX_TIME_MS, MIN_TIME_MS};

use super::tree::LEVELS;

/// Milliseconds in a year (365.25 days): business time is measured in years of average
/// activity, so a unit walk has variance 1 per year.
pub(crate) const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// Bits of a hash that index the cascade table.
const CASCADE_BITS: u32 = 12;

/// The model's free parameters (config fields; see `docs/config.md` and `docs/model.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Parameters {
    /// Half-life of a deviation from the reference, in years of business time.
    pub(crate) half_life_years: f64,
    /// λ²: the variance of ln(2w) per octave of the cascade is λ²·ln 2.
    pub(crate) intermittency: f64,
    /// The longest block (ms) whose split is random; longer blocks split evenly.
    pub(crate) integral_scale_ms: f64,
    /// Probability that a symbol's cascade multiplier is the market factor's.
    pub(crate) market_share: f64,
    /// c: how far the more volatile half of a split drifts down, in its standard deviations
    /// times `2f − 1` (0 ≤ c < 1).
    pub(crate) leverage: f64,
    /// Jumps per year of business time.
    pub(crate) jump_rate: f64,
    /// Mean jump, in units of the annual volatility.
    pub(crate) jump_mean: f64,
    /// Standard deviation of a jump, in units of the annual volatility.
    pub(crate) jump_sd: f64,
    /// Extra variance right after a jump, as a multiple of the usual.
    pub(crate) boost: f64,
    /// Decay time of the post-jump boost, in years of business time.
    pub(crate) boost_decay_years: f64,
}

impl Parameters {
    /// The share of variance that jumps carry: λ·E[J²].
    pub(crate) fn jump_variance(&self) -> f64 {
        self.jump_rate * (self.jump_mean * self.jump_mean + self.jump_sd * self.jump_sd)
    }
}

/// The business-time weights of tick spans: how much variance and volume each span carries.
#[derive(Debug, Clone)]
pub(crate) enum Weights {
    /// Every millisecond alike (24/7): weights are the span's length, no calls needed.
    Uniform {
        /// Milliseconds per tick.
        interval_ms: f64,
    },
    /// A calendar: weights from an [`Activity`] over the ticks' wall times.
    Calendar {
        /// The activity.
        activity: Arc<dyn Activity>,
        /// Time of tick 0.
        epoch_ms: i64,
        /// Milliseconds per tick.
        interval_ms: i64,
    },
}

impl Weights {
    /// Whether every span's weight is its length (the fast path).
    #[inline]
    pub(crate) fn is_uniform(&self) -> bool {
        matches!(self, Self::Uniform { .. })
    }

    /// The wall time of a tick, within the years 1970 … 9999 that calendars are asked about
    /// (past the year 9999 a calendar market stands still).
    fn time(epoch_ms: i64, interval_ms: i64, tick: u64) -> i64 {
        let offset = i64::try_from(tick).unwrap_or(i64::MAX);
        epoch_ms
            .saturating_add(offset.saturating_mul(interval_ms))
            .clamp(MIN_TIME_MS, MAX_TIME_MS)
    }

    /// Variance weight of ticks `[a, b)`, in ms of average activity.
    #[inline]
    pub(crate) fn variance(&self, a: u64, b: u64) -> f64 {
        match self {
            Self::Uniform { interval_ms } => b.saturating_sub(a) as f64 * interval_ms,
            Self::Calendar {
                activity,
                epoch_ms,
                interval_ms,
            } => activity
                .variance_weight(
                    Self::time(*epoch_ms, *interval_ms, a),
                    Self::time(*epoch_ms, *interval_ms, b),
                )
                .max(0.0),
        }
    }

    /// Every weight of the halves `[lo, mid)` and `[mid, hi)` of a tick span, at once.
    #[inline]
    pub(crate) fn split(&self, lo: u64, mid: u64, hi: u64) -> SplitWeights {
        match self {
            Self::Uniform { interval_ms } => {
                let (l, r) = (
                    (mid - lo) as f64 * interval_ms,
                    (hi - mid) as f64 * interval_ms,
                );
                SplitWeights {
                    variance: [l, r],
                    volume: [l, r],
                    trades: [l, r],
                    auctions: [0, 0],
                }
            }
            Self::Calendar {
                activity,
                epoch_ms,
                interval_ms,
            } => {
                let t = |tick| Self::time(*epoch_ms, *interval_ms, tick);
                let mut w = activity.split_weights(t(lo), t(mid), t(hi));
                for x in w
                    .variance
                    .iter_mut()
                    .chain(&mut w.volume)
                    .chain(&mut w.trades)
                {
                    *x = x.max(0.0);
                }
                w
            }
        }
    }

    /// The variance weights of the halves `[lo, mid)` and `[mid, hi)` (`None` when uniform).
    #[inline]
    pub(crate) fn variance_split(&self, lo: u64, mid: u64, hi: u64) -> Option<[f64; 2]> {
        match self {
            Self::Uniform { .. } => None,
            Self::Calendar {
                activity,
                epoch_ms,
                interval_ms,
            } => {
                let t = |tick| Self::time(*epoch_ms, *interval_ms, tick);
                let [l, r] = activity.variance_split(t(lo), t(mid), t(hi));
                Some([l.max(0.0), r.max(0.0)])
            }
        }
    }

    /// Continuous-trading weight and auctions of ticks `[a, b)` (see [`Activity`]).
    pub(crate) fn trading(&self, a: u64, b: u64) -> (f64, u64) {
        match self {
            Self::Uniform { interval_ms } => (b.saturating_sub(a) as f64 * interval_ms, 0),
            Self::Calendar {
                activity,
                epoch_ms,
                interval_ms,
            } => {
                let (t0, t1) = (
                    Self::time(*epoch_ms, *interval_ms, a),
                    Self::time(*epoch_ms, *interval_ms, b),
                );
                (
                    activity.trade_weight(t0, t1).max(0.0),
                    activity.auctions(t0, t1),
                )
            }
        }
    }

    /// Volume weight of ticks `[a, b)`, in ms of average activity.
    #[inline]
    pub(crate) fn volume(&self, a: u64, b: u64) -> f64 {
        match self {
            Self::Uniform { interval_ms } => b.saturating_sub(a) as f64 * interval_ms,
            Self::Calendar {
                activity,
                epoch_ms,
                interval_ms,
            } => activity
                .volume_weight(
                    Self::time(*epoch_ms, *interval_ms, a),
                    Self::time(*epoch_ms, *interval_ms, b),
                )
                .max(0.0),
        }
    }
}

/// A cascade multiplier `w` and the terms of the volatility feedback that follow from it
/// (walk.rs, step 5): a table per market computes them once instead of once per split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cascade {
    /// The multiplier, mean ½.
    pub(crate) w: f64,
    /// The drift of the more volatile half, `c·(2w − 1)` in standard deviations.
    pub(crate) drift: f64,
    /// What remains of the noise's standard deviation, `√(1 − c²(2w − 1)²)`.
    pub(crate) noise: f64,
}

impl Cascade {
    /// An even split (above the integral scale), where the feedback plays no part.
    pub(crate) const EVEN: Self = Self {
        w: 0.5,
        drift: 0.0,
        noise: 1.0,
    };

    /// The terms for multiplier `w` and leverage `c`, evaluated exactly as a split would.
    fn new(w: f64, c: f64) -> Self {
        let g = 2.0 * w - 1.0;
        Self {
            w,
            drift: c * g,
            noise: libm::sqrt(1.0 - c * c * g * g),
        }
    }
}

/// Everything a split needs that is shared by all walks of one market: the parameters and
/// their per-level tables. One per activity class (the weights differ).
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) params: Parameters,
    pub(crate) weights: Weights,
    /// `w` for each value of the top [`CASCADE_BITS`] bits of a hash: a logit-normal
    /// multiplier, symmetric about ½, with its volatility-feedback terms.
    cascade: Box<[Cascade]>,
    /// Splits of nodes at levels `1..=cascade_top` draw `w`; higher ones use ½.
    cascade_top: usize,
    /// Per half level `j`: the extra variance a jump adds to the half that holds it, and to
    /// the half after it, per unit of the half's own variance.
    boost_in: [f64; LEVELS + 1],
    boost_spill: [f64; LEVELS + 1],
    /// Per half level `j`: the Ornstein–Uhlenbeck bridge midpoint's weight `ρ/(1+ρ²)` on the
    /// ends' sum and its standard deviation `√(v/(1+ρ²))`, for halves of `2^j` ticks of
    /// average activity (`ρ = e^(−θh)`, `v = (1−ρ²)/(2θ)`).
    ou: [(f64, f64); LEVELS + 1],
    /// Diffusion variance per unit of business time: `1 − λ·E[J²]`.
    pub(crate) diffusion: f64,
    /// Jump compensator per unit of diffusion variance: `λ·μ / diffusion`.
    pub(crate) compensator: f64,
    /// Mean-reversion rate per year of business time.
    pub(crate) theta: f64,
}

/// The post-jump excess variance `a·e^(−u/τ)` that falls in the half holding a jump and in the
/// half after it, per unit of boost `a` and of a half's length `h = x·τ`, for a jump placed
/// uniformly in its half: `(x − 1 + e^(−x))/x²` and `((1 − e^(−x))/x)²`.
fn boost_shares(x: f64) -> (f64, f64) {
    if x < 1e-4 {
        return (0.5 - x / 6.0, 1.0 - x);
    }
    let one_minus = -libm::expm1(-x);
    ((x - one_minus) / (x * x), (one_minus / x) * (one_minus / x))
}

impl Shared {
    /// Builds the tables for one activity class and tick interval.
    pub(crate) fn new(params: Parameters, weights: Weights, interval_ms: u64) -> Self {
        let s = 4.0 * libm::sqrt(params.intermittency * core::f64::consts::LN_2);
        let size = 1usize << CASCADE_BITS;
        let cascade: Box<[Cascade]> = (0..size)
            .map(|i| {
                let z = noise::inverse_normal_cdf((i as f64 + 0.5) / size as f64);
                Cascade::new(1.0 / (1.0 + libm::exp(-s * z)), params.leverage)
            })
            .collect();
        // Node level l covers 2^l ticks; its split is random when it is no longer than T.
        let ratio = params.integral_scale_ms / interval_ms as f64;
        let cascade_top = if ratio >= 2.0 {
            (libm::floor(libm::log2(ratio)) as usize).min(LEVELS)
        } else {
            0
        };
        let mut boost_in = [0.0; LEVELS + 1];
        let mut boost_spill = [0.0; LEVELS + 1];
        if params.boost > 0.0 && params.boost_decay_years > 0.0 {
            let halves = boost_in.iter_mut().zip(boost_spill.iter_mut());
            for (j, (slot_in, slot_spill)) in halves.enumerate() {
                let h = (1u64 << j) as f64 * interval_ms as f64 / YEAR_MS;
                let (inside, spill) = boost_shares(h / params.boost_decay_years);
                *slot_in = params.boost * inside;
                *slot_spill = params.boost * spill;
            }
        }
        let theta = core::f64::consts::LN_2 / params.half_life_years;
        let mut ou = [(0.5, 0.0); LEVELS + 1];
        for (j, slot) in ou.iter_mut().enumerate() {
            let h = (1u64 << j) as f64 * interval_ms as f64 / YEAR_MS;
            let rho = libm::exp(-theta * h);
            let v = -libm::expm1(-2.0 * theta * h) / (2.0 * theta);
            let denom = 1.0 + rho * rho;
            *slot = (rho / denom, libm::sqrt(v / denom));
        }
        let diffusion = 1.0 - params.jump_variance();
        Self {
            params,
            weights,
            cascade,
            cascade_top,
            boost_in,
            boost_spill,
            ou,
            diffusion,
            compensator: params.jump_rate * params.jump_mean / diffusion,
            theta,
        }
    }

    /// Whether splitting a node at level `half_level + 1` draws a cascade multiplier.
    #[inline]
    pub(crate) fn cascades(&self, half_level: usize) -> bool {
        half_level < self.cascade_top
    }

    /// The multiplier for a hash: its top bits index the table.
    #[inline]
    pub(crate) fn multiplier(&self, hash: u64) -> Cascade {
        let i = (hash >> (64 - CASCADE_BITS)) as usize;
        self.cascade.get(i).copied().unwrap_or(Cascade::EVEN)
    }

    /// The Ornstein–Uhlenbeck bridge at `half_level`: `(weight, sd)`.
    #[inline]
    pub(crate) fn ou_bridge(&self, half_level: usize) -> (f64, f64) {
        self.ou.get(half_level).copied().unwrap_or((0.5, 0.0))
    }

    /// The jump boost at `half_level`: `(inside, spill)` per jump (see [`boost_shares`]).
    #[inline]
    pub(crate) fn boost(&self, half_level: usize) -> (f64, f64) {
        (
            self.boost_in.get(half_level).copied().unwrap_or(0.0),
            self.boost_spill.get(half_level).copied().unwrap_or(0.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn params() -> Parameters {
        Parameters {
            half_life_years: 5.0,
            intermittency: 0.05,
            integral_scale_ms: 25.0 * 86_400_000.0,
            market_share: 0.5,
            leverage: 0.5,
            jump_rate: 4.0,
            jump_mean: -0.1,
            jump_sd: 0.1,
            boost: 1.0,
            boost_decay_years: 5.0 / 365.25,
        }
    }

    #[test]
    fn the_cascade_table_is_symmetric_with_the_configured_intermittency() {
        let s = Shared::new(
            params(),
            Weights::Uniform {
                interval_ms: 1000.0,
            },
            1000,
        );
        let n = s.cascade.len();
        for i in 0..n {
            assert!((s.cascade[i].w + s.cascade[n - 1 - i].w - 1.0).abs() < 1e-12);
        }
        // Var(logit w) = 16·λ²·ln 2 (up to the table's quantisation).
        let var: f64 = s
            .cascade
            .iter()
            .map(|c| (c.w / (1.0 - c.w)).ln().powi(2))
            .sum::<f64>()
            / n as f64;
        let want = 16.0 * 0.05 * std::f64::consts::LN_2;
        assert!((var / want - 1.0).abs() < 0.01, "{var} vs {want}");
    }

    #[test]
    fn only_blocks_up_to_the_integral_scale_cascade() {
        // 25 days at 1 s ticks: 2^21 s = 24.3 days is the longest random block.
        let s = Shared::new(
            params(),
            Weights::Uniform {
                interval_ms: 1000.0,
            },
            1000,
        );
        assert!(s.cascades(20), "level-21 nodes split randomly");
        assert!(!s.cascades(21), "level-22 nodes (48.5 days) split evenly");
    }

    #[test]
    fn the_boost_follows_the_jump_and_fades() {
        let s = Shared::new(
            params(),
            Weights::Uniform {
                interval_ms: 1000.0,
            },
            1000,
        );
        // Halves far shorter than τ: a jump adds a/2 of its half's length inside it (placed
        // uniformly) and a in the next half.
        let (inside, spill) = s.boost(0);
        assert!((inside - 0.5).abs() < 1e-4 && (spill - 1.0).abs() < 1e-4);
        // Halves far longer than τ: the excess a·τ stays inside; the next half gets nothing.
        let (inside, spill) = s.boost(30);
        let tau_over_h = (5.0 / 365.25) / ((1u64 << 30) as f64 * 1000.0 / YEAR_MS);
        assert!((inside / tau_over_h - 1.0).abs() < 0.01, "{inside}");
        assert!(spill < 1e-6);
        assert!((1..40).all(|j| s.boost(j).1 < s.boost(j - 1).1));
        // Direct quadrature of a·e^(−u/τ) for a jump uniform in [0, h), at x = h/τ = 2.
        let (x, n) = (2.0f64, 4000);
        let (mut ins, mut sp) = (0.0, 0.0);
        for i in 0..n {
            let p = (i as f64 + 0.5) / n as f64 * x; // jump position, in units of τ
            ins += 1.0 - (-(x - p)).exp(); // ∫ over the rest of its half
            sp += (-(x - p)).exp() * (1.0 - (-x).exp()); // ∫ over the next half
        }
        let (a, b) = boost_shares(x);
        assert!((a - ins / n as f64 / x).abs() < 1e-6);
        assert!((b - sp / n as f64 / x).abs() < 1e-6);
    }
}
