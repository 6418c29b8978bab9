//! One symbol's tree: its own walk `E` plus its volume, split alongside the market factor
//! `M` so that the symbol's log-price is `σ·(β·M + √(1−β²)·E)` and its volume follows the
//! symbol's total variance.
//!
//! Volume is an exact integer tally per node (`before`, `total`), split by the fraction of the
//! symbol's variance `β²·V_M + (1−β²)·V_E` that falls in the left half, converted from
//! variance weights to volume weights: the cascade (and the post-jump boost) moves volume
//! exactly as it moves variance, so busy periods are both volatile and heavily traded.
//!
//! [`Joint`] is the tree that carries both nodes, for random access and for a cursor that
//! follows one symbol; a cursor over all symbols can share one market-factor cursor instead
//! and pass its nodes as the [`MarketAt`] context.

use super::params::Weights;
use super::tree::{Tree, LEVELS};
use super::walk::{cascade_multiplier, cascade_share, Node, Walk};

/// The volume before a block and inside it, in shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Cumulative volume of all ticks before the block.
    pub(crate) before: u128,
    /// Total volume of the block's ticks.
    pub(crate) total: u128,
}

/// A symbol's node: its own walk and its volume.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SymbolNode {
    /// The symbol's own unit walk `E`.
    pub(crate) own: Node,
    /// Its volume.
    pub(crate) volume: Tally,
}

/// The market factor's split at the same position: the parent's variance and the left
/// half's fraction of it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MarketAt {
    /// The market factor parent's diffusion variance.
    pub(crate) v: f64,
    /// The fraction of it in the left half.
    pub(crate) frac: f64,
}

impl MarketAt {
    /// The context for the split that made `child` out of `parent`.
    #[inline]
    pub(crate) fn of(parent: &Node, child: &Node) -> Self {
        Self {
            v: parent.v,
            frac: child.frac,
        }
    }
}

/// One symbol's tree.
#[derive(Debug, Clone)]
pub(crate) struct SymbolTree {
    own: Walk,
    /// β² and 1 − β²: the market factor's and the symbol's own share of its variance.
    market_weight: f64,
    own_weight: f64,
    zero: Tally,
    spine: Box<[Tally; LEVELS]>,
}

impl SymbolTree {
    /// A symbol with its own walk, its beta and its mean volume per millisecond of activity.
    pub(crate) fn new(own: Walk, beta: f64, volume_per_ms: f64) -> Self {
        let weights = &own.shared().weights;
        let total = |a, b| libm::round(weights.volume(a, b) * volume_per_ms).max(0.0) as u128;
        let zero = Tally {
            before: 0,
            total: total(0, 1),
        };
        let mut spine = Box::new([Tally::default(); LEVELS]);
        let mut before = zero.total;
        for (k, slot) in spine.iter_mut().enumerate() {
            let t = total(1 << k, 1 << (k + 1));
            *slot = Tally { before, total: t };
            before = before.saturating_add(t);
        }
        let market_weight = beta * beta;
        Self {
            own,
            market_weight,
            own_weight: 1.0 - market_weight,
            zero,
            spine,
        }
    }

    /// Whether the symbol loads on the market factor at all.
    #[inline]
    pub(crate) fn uses_market(&self) -> bool {
        self.market_weight > 0.0
    }

    /// The fraction of the parent's volume that goes to the left half.
    #[inline]
    fn volume_fraction(
        &self,
        lo: u64,
        mid: u64,
        hi: u64,
        own: &Node,
        left: &Node,
        m: MarketAt,
    ) -> f64 {
        let all = self.market_weight * m.v + self.own_weight * own.v;
        let phi = if all > 0.0 {
            (self.market_weight * m.frac * m.v + self.own_weight * left.v) / all
        } else {
            0.5
        };
        let weights: &Weights = &self.own.shared().weights;
        if weights.is_uniform() {
            return phi;
        }
        let (a_l, a_r) = (weights.variance(lo, mid), weights.variance(mid, hi));
        let (b_l, b_r) = (weights.volume(lo, mid), weights.volume(mid, hi));
        if b_l + b_r <= 0.0 {
            return 0.5;
        }
        // φ is the cascade's multiplier applied to the variance weights; apply the same
        // multiplier to the volume weights. Where a half has no variance weight there is no
        // multiplier to keep, and the volume weights alone decide.
        let b = b_l / (b_l + b_r);
        if a_l > 0.0 && a_r > 0.0 {
            cascade_share(b, cascade_multiplier(a_l / (a_l + a_r), phi))
        } else {
            b
        }
    }
}

/// `⌊total × g⌋` for `g` in [0, 1] as a 32-bit fraction, exact for every `u128` total.
#[inline]
fn portion(total: u128, g: f64) -> u128 {
    if g <= 0.0 {
        return 0;
    }
    if g >= 1.0 {
        return total;
    }
    let gi = u128::from((g * 4_294_967_296.0) as u64);
    (total >> 32) * gi + (((total & 0xFFFF_FFFF) * gi) >> 32)
}

impl Tree for SymbolTree {
    type Node = SymbolNode;
    type Ctx = MarketAt;

    fn zero(&self) -> SymbolNode {
        SymbolNode {
            own: self.own.zero(),
            volume: self.zero,
        }
    }

    fn root(&self, k: usize) -> SymbolNode {
        SymbolNode {
            own: self.own.root(k),
            volume: self.spine.get(k).copied().unwrap_or(self.zero),
        }
    }

    #[inline(always)]
    fn split(
        &self,
        half_level: usize,
        mid: u64,
        p: &SymbolNode,
        m: MarketAt,
    ) -> (SymbolNode, SymbolNode) {
        let (left, right) = self.own.split(half_level, mid, &p.own, ());
        let half = 1u64 << half_level;
        let g = self.volume_fraction(mid - half, mid, mid + half, &p.own, &left, m);
        let l = portion(p.volume.total, g);
        (
            SymbolNode {
                own: left,
                volume: Tally {
                    before: p.volume.before,
                    total: l,
                },
            },
            SymbolNode {
                own: right,
                volume: Tally {
                    before: p.volume.before + l,
                    total: p.volume.total - l,
                },
            },
        )
    }
}

/// A symbol and the market factor in one node, for random access and single-symbol cursors.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct JointNode {
    /// The market factor `M` (zero for a symbol with β = 0, which never reads it).
    pub(crate) market: Node,
    /// The symbol.
    pub(crate) symbol: SymbolNode,
}

/// The tree of [`JointNode`]s of one symbol; with `VOLUME = false` it skips the volume (whose
/// tally then stays the spine block's), for prices alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joint<'a, const VOLUME: bool> {
    /// The market factor of the symbol's activity class.
    pub(crate) market: &'a Walk,
    /// The symbol.
    pub(crate) symbol: &'a SymbolTree,
}

impl<const VOLUME: bool> Tree for Joint<'_, VOLUME> {
    type Node = JointNode;
    type Ctx = ();

    fn zero(&self) -> JointNode {
        JointNode {
            market: self.market.zero(),
            symbol: self.symbol.zero(),
        }
    }

    fn root(&self, k: usize) -> JointNode {
        JointNode {
            market: self.market.root(k),
            symbol: self.symbol.root(k),
        }
    }

    #[inline(always)]
    fn split(&self, half_level: usize, mid: u64, p: &JointNode, _: ()) -> (JointNode, JointNode) {
        let (ml, mr, at) = if self.symbol.uses_market() {
            let (ml, mr) = self.market.split(half_level, mid, &p.market, ());
            (ml, mr, MarketAt::of(&p.market, &ml))
        } else {
            (p.market, p.market, MarketAt::default())
        };
        let (sl, sr) = if VOLUME {
            self.symbol.split(half_level, mid, &p.symbol, at)
        } else {
            let (l, r) = self.symbol.own.split(half_level, mid, &p.symbol.own, ());
            let volume = p.symbol.volume;
            (SymbolNode { own: l, volume }, SymbolNode { own: r, volume })
        };
        (
            JointNode {
                market: ml,
                symbol: sl,
            },
            JointNode {
                market: mr,
                symbol: sr,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portion_is_exact_and_bounded() {
        assert_eq!(portion(1000, 0.0), 0);
        assert_eq!(portion(1000, 1.0), 1000);
        assert_eq!(portion(1000, 0.5), 500);
        let big = u128::MAX >> 2;
        assert!(portion(big, 0.999_999) <= big);
        assert_eq!(portion(7, 0.25), 1);
    }
}
