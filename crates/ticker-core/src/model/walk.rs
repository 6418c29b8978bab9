//! A unit walk: the market factor `M` or a symbol's own part `E`, each with variance 1 per
//! year of business time. A node knows the walk at both ends of its block, its diffusion
//! variance and the jumps inside it; [`Walk::split`] draws the midpoint given all of that.
//!
//! One split, parent `P` (variance `V`, ends `x_lo`, `x_hi`, `K` jumps summing to `S`) into
//! halves `L`, `R` at tick `mid`:
//!
//! 1. **cascade**: `w = table[hash(mid)]` (a logit-normal multiplier, mean ½) if `P` is no
//!    longer than the integral scale `T`, else ½; a symbol uses the market factor's `w` at
//!    the same position with probability `market_share`;
//! 2. **activity**: with `a = A_L/(A_L + A_R)` the halves' share of the calendar's variance
//!    weight, `f = 2aw` if `a ≤ ½` else `1 − 2(1−a)(1−w)` ([`cascade_share`]): linear in `w`,
//!    so `E[f] = a` exactly; `f = w` for a uniform market; exactly 0 or 1 for a closed half;
//! 3. **jumps**: `K_L ~ Binomial(K, f)`, `S_L | S ~ N(S·K_L/K, s²·K_L·K_R/K)`;
//! 4. **boost** (below `T`): each jump adds the excess variance `a·e^(−u/τ)` after it, placed in
//!    its own half and the next one ([`Shared::boost`]); the split's odds tilt accordingly;
//! 5. **midpoint**: below `T`, with `D` the diffusion part of `x_hi − x_lo`, the left half's
//!    diffusion return is `f·D − c(2w−1)·√(f(1−f)V) + ε`, `Var ε = f(1−f)V(1 − c²(2w−1)²)`:
//!    second moments `E[r_L²] ≈ fV`, `E[r_R²] ≈ (1−f)V` and `E[r_L r_R] ≈ 0` as in a Brownian
//!    bridge, but the half the cascade made more volatile drifts down (leverage, volatility
//!    feedback). Above `T`, the Ornstein–Uhlenbeck bridge of the whole walk, so mean reversion
//!    also acts inside spine blocks that last decades.

use std::sync::Arc;

use crate::noise;

use super::draws::{binomial, poisson};
use super::params::{Cascade, Shared, YEAR_MS};
use super::tree::{Tree, LEVELS};

/// What a node of a unit walk knows about its block.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Node {
    /// The walk at the block's first tick.
    pub(crate) x_lo: f64,
    /// The walk at the tick just past the block.
    pub(crate) x_hi: f64,
    /// Sum of the jumps inside the block.
    pub(crate) s: f64,
    /// Diffusion variance of the block.
    pub(crate) v: f64,
    /// Number of jumps inside the block.
    pub(crate) k: u64,
    /// The variance fraction of the left half in the split that made this node (both halves
    /// carry it), so a symbol can mix the market factor's split into its volume.
    pub(crate) frac: f64,
}

/// The hash streams of one walk.
#[derive(Debug, Clone, Copy)]
struct Keys {
    cascade: u64,
    bridge: u64,
    jump_count: u64,
    jump_count_normal: u64,
    jump_size: u64,
    spine: u64,
    spine_count: u64,
    spine_size: u64,
}

impl Keys {
    fn new(key: u64) -> Self {
        let k = |label| noise::derive_key(key, label);
        Self {
            cascade: k(1),
            bridge: k(2),
            jump_count: k(3),
            jump_count_normal: k(8),
            jump_size: k(4),
            spine: k(5),
            spine_count: k(6),
            spine_size: k(7),
        }
    }
}

/// The market factor's cascade stream and how often a symbol follows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Follow {
    cascade: u64,
    /// A split follows the market when the low 32 bits of its hash are below this.
    threshold: u64,
}

/// A unit walk with its precomputed spine.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    shared: Arc<Shared>,
    keys: Keys,
    follow: Option<Follow>,
    zero: Node,
    spine: Box<[Node; LEVELS]>,
}

impl Walk {
    /// The market factor of an activity class (`key` from the seed and the class).
    pub(crate) fn market(key: u64, shared: Arc<Shared>) -> Self {
        Self::build(key, shared, None)
    }

    /// A symbol's own part, sharing `market`'s cascade multipliers with probability
    /// `market_share`.
    pub(crate) fn own(key: u64, shared: Arc<Shared>, market: &Walk) -> Self {
        let share = shared.params.market_share.clamp(0.0, 1.0);
        let follow = Follow {
            cascade: market.keys.cascade,
            threshold: (share * 4_294_967_296.0) as u64,
        };
        Self::build(key, shared, Some(follow))
    }

    fn build(key: u64, shared: Arc<Shared>, follow: Option<Follow>) -> Self {
        let mut walk = Self {
            shared,
            keys: Keys::new(key),
            follow,
            zero: Node::default(),
            spine: Box::new([Node::default(); LEVELS]),
        };
        walk.zero = walk.forward(0.0, 0, 1);
        let mut x = walk.zero.x_hi;
        let mut spine = [Node::default(); LEVELS];
        for (k, slot) in spine.iter_mut().enumerate() {
            *slot = walk.forward(x, 1 << k, 1 << (k + 1));
            x = slot.x_hi;
        }
        walk.spine = Box::new(spine);
        walk
    }

    /// The shared tables.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The shared tables, for another walk of the same class.
    pub(crate) fn shared_arc(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// A spine step over ticks `[a, b)`: the exact Ornstein–Uhlenbeck transition in business
    /// time `L`, with a compound-Poisson jump sum whose contribution is discounted by the
    /// mean reversion inside the block, `κ = (1 − e^(−θL))/(θL)`, and a Gaussian remainder
    /// that makes the total variance exact: `Var x_hi = ρ² Var x_lo + (1 − ρ²)/(2θ)`.
    fn forward(&self, x: f64, a: u64, b: u64) -> Node {
        let sh = &*self.shared;
        let p = &sh.params;
        let years = sh.weights.variance(a, b) / YEAR_MS;
        if years <= 0.0 {
            return Node {
                x_lo: x,
                x_hi: x,
                ..Node::default()
            };
        }
        let theta_l = sh.theta * years;
        let rho = libm::exp(-theta_l);
        let k = poisson(
            p.jump_rate * years,
            noise::bits(self.keys.spine_count, b),
            noise::gaussian(self.keys.spine_count, !b),
        );
        let s = if k == 0 {
            0.0
        } else {
            k as f64 * p.jump_mean
                + p.jump_sd * libm::sqrt(k as f64) * noise::gaussian(self.keys.spine_size, b)
        };
        let v = sh.diffusion * years;
        let kappa = if theta_l > 1e-12 {
            -libm::expm1(-theta_l) / theta_l
        } else {
            1.0
        };
        let total = -libm::expm1(-2.0 * theta_l) / (2.0 * sh.theta);
        let rest = (total - kappa * kappa * p.jump_variance() * years).max(0.0);
        let jumps = s - sh.compensator * v;
        Node {
            x_lo: x,
            x_hi: rho * x + kappa * jumps + libm::sqrt(rest) * noise::gaussian(self.keys.spine, b),
            s,
            v,
            k,
            frac: 0.5,
        }
    }

    /// The cascade multiplier of the split at `mid`, with its feedback terms.
    #[inline]
    fn multiplier(&self, half_level: usize, mid: u64) -> Cascade {
        let sh = &*self.shared;
        if !sh.cascades(half_level) {
            return Cascade::EVEN;
        }
        let mut hash = noise::bits(self.keys.cascade, mid);
        if let Some(m) = self.follow {
            if hash & 0xFFFF_FFFF < m.threshold {
                hash = noise::bits(m.cascade, mid);
            }
        }
        sh.multiplier(hash)
    }

    /// The variance fraction of the left half before any boost; `variance` holds the halves'
    /// variance weights when the caller has them already.
    #[inline(always)]
    fn fraction(&self, w: f64, lo: u64, mid: u64, hi: u64, variance: Option<[f64; 2]>) -> f64 {
        let weights = &self.shared.weights;
        if weights.is_uniform() {
            return w;
        }
        let [a_l, a_r] =
            variance.unwrap_or_else(|| [weights.variance(lo, mid), weights.variance(mid, hi)]);
        let total = a_l + a_r;
        if total > 0.0 {
            cascade_share(a_l / total, w)
        } else {
            0.5
        }
    }
}

/// The left half's variance fraction for an activity share `a` and a cascade multiplier `w`
/// (mean ½): the smaller half gets `2w` (or `2(1−w)`) times its share, the larger the rest.
/// Linear in `w`, so the expected fraction is exactly `a`; `w` itself when `a = ½`; exactly 0
/// or 1 when a half has no activity.
#[inline]
pub(crate) fn cascade_share(a: f64, w: f64) -> f64 {
    if a <= 0.5 {
        2.0 * a * w
    } else {
        1.0 - 2.0 * (1.0 - a) * (1.0 - w)
    }
}

/// The multiplier that [`cascade_share`] turns into the fraction `f` at activity share `a`.
#[inline]
pub(crate) fn cascade_multiplier(a: f64, f: f64) -> f64 {
    let w = if a <= 0.0 || a >= 1.0 {
        0.5
    } else if a <= 0.5 {
        f / (2.0 * a)
    } else {
        1.0 - (1.0 - f) / (2.0 * (1.0 - a))
    };
    w.clamp(0.0, 1.0)
}

impl Tree for Walk {
    type Node = Node;
    type Ctx = ();

    fn zero(&self) -> Node {
        self.zero
    }

    fn root(&self, k: usize) -> Node {
        self.spine.get(k).copied().unwrap_or(self.zero)
    }

    #[inline(always)]
    fn split(&self, half_level: usize, mid: u64, p: &Node, _: ()) -> (Node, Node) {
        self.split_in(half_level, mid, p, None)
    }
}

impl Walk {
    /// [`Tree::split`], with the halves' variance weights if the caller has them.
    #[inline(always)]
    pub(crate) fn split_in(
        &self,
        half_level: usize,
        mid: u64,
        p: &Node,
        variance: Option<[f64; 2]>,
    ) -> (Node, Node) {
        let sh = &*self.shared;
        let half = 1u64 << half_level;
        let cascade = self.multiplier(half_level, mid);
        let w = cascade.w;
        let mut f = self.fraction(w, mid - half, mid, mid + half, variance);
        let (k_l, s_l) = if p.k == 0 {
            (0, 0.0)
        } else {
            let k_l = binomial(
                self.keys.jump_count,
                self.keys.jump_count_normal,
                mid,
                p.k,
                f,
            );
            let s_l = if k_l == 0 {
                0.0
            } else if k_l == p.k {
                p.s
            } else {
                let (kl, kr) = (k_l as f64, (p.k - k_l) as f64);
                let share = kl / p.k as f64;
                p.s * share
                    + sh.params.jump_sd
                        * libm::sqrt(share * kr)
                        * noise::gaussian(self.keys.jump_size, mid)
            };
            // After a jump, more volatility: the excess variance a·e^(−u/τ) of each jump,
            // inside its own half and spilling into the next, tilts the split (below the
            // integral scale, like the cascade; above it halves hold so many jumps that the
            // tilt is a few per cent).
            if f > 0.0 && f < 1.0 && sh.cascades(half_level) {
                let (inside, spill) = sh.boost(half_level);
                let (kl, kr) = (k_l as f64, (p.k - k_l) as f64);
                let m_l = 1.0 + kl * inside;
                let m_r = 1.0 + kl * spill + kr * inside;
                f = f * m_l / (f * m_l + (1.0 - f) * m_r);
            }
            (k_l, s_l)
        };
        let v_l = f * p.v;
        let x_mid = if f >= 1.0 {
            p.x_hi
        } else if f <= 0.0 {
            p.x_lo
        } else if !sh.cascades(half_level) {
            // Above the integral scale: the Ornstein–Uhlenbeck bridge of the whole walk, so
            // that mean reversion acts inside long spine blocks too (decades at coarse ticks).
            let (weight, sd) = sh.ou_bridge(half_level);
            weight * (p.x_lo + p.x_hi) + sd * noise::gaussian(self.keys.bridge, mid)
        } else {
            // Volatility feedback: the half the cascade made more volatile drifts down by
            // c(2w−1)·sd (the calendar's own imbalance plays no part), and the noise keeps the
            // half's second moment at f(1−f)V.
            let sd = libm::sqrt(f * (1.0 - f) * p.v);
            let noise = cascade.noise * noise::gaussian(self.keys.bridge, mid);
            let d = (p.x_hi - p.x_lo) - (p.s - sh.compensator * p.v);
            p.x_lo + f * d + sd * (noise - cascade.drift) + (s_l - sh.compensator * v_l)
        };
        (
            Node {
                x_lo: p.x_lo,
                x_hi: x_mid,
                s: s_l,
                v: v_l,
                k: k_l,
                frac: f,
            },
            Node {
                x_lo: x_mid,
                x_hi: p.x_hi,
                s: p.s - s_l,
                v: p.v - v_l,
                k: p.k - k_l,
                frac: f,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::{Parameters, Weights};
    use crate::model::tree::{leaf, Cursor};

    fn shared(params: Parameters) -> Arc<Shared> {
        Arc::new(Shared::new(
            params,
            Weights::Uniform {
                interval_ms: 1000.0,
            },
            1000,
        ))
    }

    fn params() -> Parameters {
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
    fn cursor_matches_random_access_bit_for_bit() {
        let sh = shared(params());
        let m = Walk::market(7, sh.clone());
        let w = Walk::own(8, sh, &m);
        for start in [0u64, 1, 2, 3, 7, 1000, (1 << 20) - 3, (1 << 33) + 5] {
            let mut c = Cursor::new(&w, start, |_| ());
            for _ in 0..3000 {
                assert_eq!(c.leaf(), leaf(&w, c.tick()), "tick {}", c.tick());
                c.advance(&w, |_| ());
            }
        }
    }

    #[test]
    fn halves_partition_their_parent() {
        let sh = shared(Parameters {
            jump_rate: 50.0,
            jump_mean: -0.05,
            jump_sd: 0.05,
            ..params()
        });
        let w = Walk::market(3, sh);
        let mut jumps = 0;
        for k in 10..40 {
            let root = w.root(k);
            let mid = (1u64 << k) + (1 << (k - 1));
            let (l, r) = w.split(k - 1, mid, &root, ());
            assert_eq!(l.k + r.k, root.k);
            assert!((l.s + r.s - root.s).abs() <= 1e-12 * root.s.abs().max(1.0));
            assert_eq!(l.v + r.v, root.v);
            assert_eq!(
                (l.x_lo, l.x_hi, r.x_lo, r.x_hi),
                (root.x_lo, r.x_lo, l.x_hi, root.x_hi)
            );
            jumps += root.k;
        }
        assert!(jumps > 100, "the spine holds jumps: {jumps}");
    }

    #[test]
    fn huge_ticks_are_clamped_not_panicking() {
        let sh = shared(params());
        let w = Walk::market(9, sh);
        assert!(leaf(&w, u64::MAX).x_lo.is_finite());
        let mut c = Cursor::new(&w, u64::MAX, |_| ());
        c.advance(&w, |_| ());
        assert!(c.leaf().x_lo.is_finite());
    }
}
