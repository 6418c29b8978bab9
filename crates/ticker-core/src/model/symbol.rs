//! One symbol's tree: its own walk `E` plus its volume and trade count, split alongside the
//! market factor `M` so that the symbol's log-price is `σ·(β·M + √(1−β²)·E)` and its volume
//! follows the symbol's total variance.
//!
//! Volume is an exact integer tally per node (`before`, `total`), split by the fraction `g` of
//! the symbol's variance `β²·V_M + (1−β²)·V_E` that falls in the left half, converted from
//! variance weights to volume weights: the cascade (and the post-jump boost) moves volume
//! exactly as it moves variance, so busy periods are both volatile and heavily traded.
//!
//! Trades are a second tally beside it, with the invariant `volume ≥ trades` and
//! `volume = 0 ⇔ trades = 0` at every node, so that every tick's trades can have sizes ≥ 1
//! summing exactly to its volume. A node's trades are its auctions (the calendar's opening
//! and closing crosses: one print each, however large) plus its continuous trades, whose
//! count follows the volume without the auctions' point masses. A split gives each half its
//! auctions (known from the calendar) and divides the continuous trades binomially,
//! `T_L ~ Binomial(T_c, g_t)` with `g_t` the continuous volume's fraction under the same
//! cascade, then the volume beyond one share per trade, `E = V − T`, in the fraction `g` as
//! before; a half without trades gets no excess. The cumulative trade count before a node is
//! what numbers trades: a trade's id is its rank among all the symbol's trades, so ids
//! increase strictly with time and are O(log n) to compute.
//!
//! [`Joint`] is the tree that carries both nodes, for random access and for a cursor that
//! follows one symbol; a cursor over all symbols can share one market-factor cursor instead
//! and pass its nodes as the [`MarketAt`] context.

use super::draws::binomial;
use super::tree::{Tree, LEVELS};
use super::walk::{cascade_multiplier, cascade_share, Node, Walk};
use crate::activity::SplitWeights;

/// The volume before a block and inside it, in shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Cumulative volume of all ticks before the block.
    pub(crate) before: u128,
    /// Total volume of the block's ticks.
    pub(crate) total: u128,
}

/// The trades before a block and inside it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Count {
    /// Trades of all ticks before the block.
    pub(crate) before: u64,
    /// Trades of the block's ticks.
    pub(crate) total: u64,
}

/// A symbol's node: its own walk, its volume and its trade count.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SymbolNode {
    /// The symbol's own unit walk `E`.
    pub(crate) own: Node,
    /// Its volume.
    pub(crate) volume: Tally,
    /// Its trades.
    pub(crate) trades: Count,
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

/// The hash streams of a symbol's trade counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TradeKeys {
    /// Binomial trials of small counts.
    pub(crate) count: u64,
    /// The normal draw of large counts.
    pub(crate) count_normal: u64,
}

/// One symbol's tree.
#[derive(Debug, Clone)]
pub(crate) struct SymbolTree {
    own: Walk,
    /// β² and 1 − β²: the market factor's and the symbol's own share of its variance.
    market_weight: f64,
    own_weight: f64,
    keys: TradeKeys,
    zero: (Tally, Count),
    spine: Box<[(Tally, Count); LEVELS]>,
}

/// The trades of a spine block with `volume` shares: its auctions plus one continuous trade
/// per `trade_size` shares of `continuous` volume; at least one trade when anything trades,
/// at most one per share.
fn trades_for(volume: u128, continuous: f64, auctions: u64, trade_size: f64) -> u64 {
    if volume == 0 {
        return 0;
    }
    let t = libm::round(continuous / trade_size.max(1.0)).max(0.0) as u64;
    t.saturating_add(auctions)
        .max(1)
        .min(u64::try_from(volume).unwrap_or(u64::MAX))
}

impl SymbolTree {
    /// A symbol with its own walk, its beta, its mean volume per millisecond of activity and
    /// its mean trade size in shares.
    pub(crate) fn new(
        own: Walk,
        beta: f64,
        volume_per_ms: f64,
        trade_size: f64,
        keys: TradeKeys,
    ) -> Self {
        let weights = &own.shared().weights;
        let block = |before: (u128, u64), a: u64, b: u64| {
            let volume = libm::round(weights.volume(a, b) * volume_per_ms).max(0.0) as u128;
            let (continuous, auctions) = weights.trading(a, b);
            let trades = trades_for(volume, continuous * volume_per_ms, auctions, trade_size);
            let tally = Tally {
                before: before.0,
                total: volume,
            };
            let count = Count {
                before: before.1,
                total: trades,
            };
            (tally, count)
        };
        let zero = block((0, 0), 0, 1);
        let mut spine = Box::new([(Tally::default(), Count::default()); LEVELS]);
        let mut before = (zero.0.total, zero.1.total);
        for (k, slot) in spine.iter_mut().enumerate() {
            *slot = block(before, 1 << k, 1 << (k + 1));
            before = (
                before.0.saturating_add(slot.0.total),
                before.1.saturating_add(slot.1.total),
            );
        }
        let market_weight = beta * beta;
        Self {
            own,
            market_weight,
            own_weight: 1.0 - market_weight,
            keys,
            zero,
            spine,
        }
    }

    /// Whether the symbol loads on the market factor at all.
    #[inline]
    pub(crate) fn uses_market(&self) -> bool {
        self.market_weight > 0.0
    }

    /// The fractions of the parent's volume and of its continuous trades that go to the left
    /// half (`None` weights: a uniform market).
    #[inline]
    fn fractions(
        &self,
        own: &Node,
        left: &Node,
        m: MarketAt,
        w: Option<&SplitWeights>,
    ) -> (f64, f64) {
        let all = self.market_weight * m.v + self.own_weight * own.v;
        let phi = if all > 0.0 {
            (self.market_weight * m.frac * m.v + self.own_weight * left.v) / all
        } else {
            0.5
        };
        let Some(w) = w else {
            return (phi, phi);
        };
        // φ is the cascade's multiplier applied to the variance weights; apply the same
        // multiplier to the volume (and trading) weights. Where a half has no variance weight
        // there is no multiplier to keep, and the volume weights alone decide.
        let [a_l, a_r] = w.variance;
        let multiplier =
            (a_l > 0.0 && a_r > 0.0).then(|| cascade_multiplier(a_l / (a_l + a_r), phi));
        let share = |[l, r]: [f64; 2]| {
            if l + r <= 0.0 {
                return 0.5;
            }
            let b = l / (l + r);
            multiplier.map_or(b, |mult| cascade_share(b, mult))
        };
        (share(w.volume), share(w.trades))
    }

    /// [`Tree::split`] with the halves' weights, if the caller has them (calendars only).
    #[inline(always)]
    pub(crate) fn split_in(
        &self,
        half_level: usize,
        mid: u64,
        p: &SymbolNode,
        m: MarketAt,
        weights: Option<&SplitWeights>,
    ) -> (SymbolNode, SymbolNode) {
        let (left, right) = self
            .own
            .split_in(half_level, mid, &p.own, weights.map(|w| w.variance));
        let (g, g_trades) = self.fractions(&p.own, &left, m, weights);
        // Trades first: each half's auctions, then the continuous trades binomially. Then the
        // volume beyond one share per trade; a half without trades gets none of it, so
        // volume = 0 ⇔ trades = 0 on both sides.
        let trades = p.trades.total;
        let [al, ar] = weights.map_or([0, 0], |w| w.auctions);
        let t = if trades == 0 {
            0
        } else {
            let continuous = trades.saturating_sub(al + ar);
            let drawn = binomial(
                self.keys.count,
                self.keys.count_normal,
                mid,
                continuous,
                g_trades,
            );
            (drawn + al).min(trades)
        };
        let excess = p.volume.total - u128::from(trades);
        let e = if t == 0 {
            0
        } else if t == trades {
            excess
        } else {
            portion(excess, g)
        };
        let l = u128::from(t) + e;
        (
            SymbolNode {
                own: left,
                volume: Tally {
                    before: p.volume.before,
                    total: l,
                },
                trades: Count {
                    before: p.trades.before,
                    total: t,
                },
            },
            SymbolNode {
                own: right,
                volume: Tally {
                    before: p.volume.before + l,
                    total: p.volume.total - l,
                },
                trades: Count {
                    before: p.trades.before + t,
                    total: trades - t,
                },
            },
        )
    }

    /// The halves' weights of a split at `mid`, for a calendar (`None` when uniform).
    #[inline(always)]
    pub(crate) fn weights(&self, half_level: usize, mid: u64) -> Option<SplitWeights> {
        let weights = &self.own.shared().weights;
        if weights.is_uniform() {
            return None;
        }
        let half = 1u64 << half_level;
        Some(weights.split(mid - half, mid, mid + half))
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
            volume: self.zero.0,
            trades: self.zero.1,
        }
    }

    fn root(&self, k: usize) -> SymbolNode {
        let (volume, trades) = self.spine.get(k).copied().unwrap_or(self.zero);
        SymbolNode {
            own: self.own.root(k),
            volume,
            trades,
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
        let weights = self.weights(half_level, mid);
        self.split_in(half_level, mid, p, m, weights.as_ref())
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

/// The tree of [`JointNode`]s of one symbol; with `VOLUME = false` it skips the volume and the
/// trades (whose tallies then stay the spine block's), for prices alone.
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
        // One look at the calendar serves the market factor, the symbol and its volume (prices
        // alone need only the variance weights).
        let weights = if VOLUME {
            self.symbol.weights(half_level, mid)
        } else {
            None
        };
        let variance = if VOLUME {
            weights.as_ref().map(|w| w.variance)
        } else {
            let half = 1u64 << half_level;
            self.symbol
                .own
                .shared()
                .weights
                .variance_split(mid - half, mid, mid + half)
        };
        let (ml, mr, at) = if self.symbol.uses_market() {
            let (ml, mr) = self.market.split_in(half_level, mid, &p.market, variance);
            (ml, mr, MarketAt::of(&p.market, &ml))
        } else {
            (p.market, p.market, MarketAt::default())
        };
        let (sl, sr) = if VOLUME {
            self.symbol
                .split_in(half_level, mid, &p.symbol, at, weights.as_ref())
        } else {
            let (l, r) = self
                .symbol
                .own
                .split_in(half_level, mid, &p.symbol.own, variance);
            let (volume, trades) = (p.symbol.volume, p.symbol.trades);
            (
                SymbolNode {
                    own: l,
                    volume,
                    trades,
                },
                SymbolNode {
                    own: r,
                    volume,
                    trades,
                },
            )
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
