//! The deterministic walk: random access to any tick in O(log n), sequential ticks in
//! amortised O(1), and bit-identical results either way.
//!
//! ## How
//! The log-price is an Ornstein–Uhlenbeck (mean-reverting) process `X` in tick units, with
//! `X(0) = 0` (the reference price). Ticks are grouped into dyadic blocks:
//!
//! * the *spine* points `X(1), X(2), X(4), X(8), …` are drawn forward, each from the one before
//!   it with the OU transition over the gap;
//! * inside a spine block `[2^k, 2^(k+1))` every other point is drawn top-down as the midpoint of
//!   its enclosing block, from the OU bridge between the block's two ends (the Lévy
//!   construction of Brownian motion, generalised to OU).
//!
//! The normal draw used for the point at tick `p` is `normal(key, p)`: a counter-based hash, so
//! each point depends only on its ancestors, never on the order of computation. Reaching tick
//! `n` costs one spine walk plus one descent, `2·log2(n)` draws. A [`Cursor`] keeps the path to
//! the current tick, so stepping to the next tick redraws only the levels that change: one draw
//! per tick on average.
//!
//! Volume uses the same shape ([`VolumeTree`]): each block's total is split between its halves by
//! a hashed fraction, so the cumulative volume up to any tick is also O(log n).
//!
//! For a block of half-length `h` with ends `a`, `b`, OU gives the midpoint
//! `m ~ N(ρ(a+b)/(1+ρ²), v/(1+ρ²))`, with `ρ = e^(−θh)` and `v = σ²(1−ρ²)/(2θ)` the transition
//! variance over `h`. As `θ → 0` this is the Brownian bridge: mean `(a+b)/2`, variance `σ²h/2`.

use crate::noise;

/// Ticks at or beyond this are clamped; 2^62 ticks is far past the year 9999 at 1 ms.
const LEVELS: usize = 62;

/// A dyadic tree over ticks `1..2^LEVELS`, with tick 0 as a separate leaf.
///
/// Spine block `k` covers ticks `[2^k, 2^(k+1))`; a node at level `j` covers `2^j` ticks. The
/// leaf for tick `n` is the level-0 node `[n, n+1)`.
pub(crate) trait Tree {
    /// What a node knows about its block.
    type Node: Copy;
    /// The leaf of tick 0.
    fn zero(&self) -> Self::Node;
    /// Spine block 0, `[1, 2)`.
    fn first_root(&self) -> Self::Node;
    /// Spine block `k + 1` from spine block `k`.
    fn next_root(&self, k: usize, root: &Self::Node) -> Self::Node;
    /// Splits a node at level `half_level + 1` whose midpoint is tick `mid` into its halves.
    fn split(&self, half_level: usize, mid: u64, node: &Self::Node) -> (Self::Node, Self::Node);
}

/// Walks from the spine down to tick `n` (`1 ≤ n < 2^LEVELS`), calling `visit(level, node)`
/// for the spine block (level `top`) and every node below it; returns the leaf.
fn descend<T: Tree>(tree: &T, n: u64, mut visit: impl FnMut(usize, T::Node)) -> T::Node {
    let top = 63 - n.leading_zeros() as usize;
    let mut node = tree.first_root();
    for k in 0..top {
        node = tree.next_root(k, &node);
    }
    visit(top, node);
    let mut lo = 1u64 << top;
    for j in (0..top).rev() {
        let mid = lo + (1 << j);
        let (left, right) = tree.split(j, mid, &node);
        if n >= mid {
            node = right;
            lo = mid;
        } else {
            node = left;
        }
        visit(j, node);
    }
    node
}

/// Random access: the leaf of tick `n` in O(log n).
pub(crate) fn leaf<T: Tree>(tree: &T, n: u64) -> T::Node {
    match n.min((1 << LEVELS) - 1) {
        0 => tree.zero(),
        n => descend(tree, n, |_, _| {}),
    }
}

/// Sequential access: the path from the spine down to the current tick, so that the next tick
/// costs only the levels whose block changes (amortised one split per tick).
#[derive(Clone)]
pub(crate) struct Cursor<T: Tree> {
    n: u64,
    top: usize,
    /// `path[j]` is the level-`j` node containing `n`, for `j ≤ top`.
    path: [T::Node; LEVELS + 1],
}

impl<T: Tree> Cursor<T> {
    /// A cursor positioned at tick `n` (O(log n)).
    pub(crate) fn new(tree: &T, n: u64) -> Self {
        let n = n.min((1 << LEVELS) - 1);
        let mut path = [tree.zero(); LEVELS + 1];
        if n == 0 {
            return Self { n, top: 0, path };
        }
        let top = 63 - n.leading_zeros() as usize;
        descend(tree, n, |level, node| {
            if let Some(slot) = path.get_mut(level) {
                *slot = node;
            }
        });
        Self { n, top, path }
    }

    /// The current tick.
    pub(crate) fn tick(&self) -> u64 {
        self.n
    }

    /// The leaf of the current tick.
    pub(crate) fn leaf(&self) -> T::Node {
        self.path[0]
    }

    /// Moves to the next tick.
    pub(crate) fn advance(&mut self, tree: &T) {
        let m = self.n + 1;
        if m >= 1 << LEVELS {
            return;
        }
        self.n = m;
        if m == 1 {
            self.top = 0;
            self.set(0, tree.first_root());
            return;
        }
        let (mut node, start) = if m.is_power_of_two() {
            // Crossing into the next spine block: every level restarts at its left edge.
            let root = tree.next_root(self.top, &self.get(self.top));
            self.top += 1;
            self.set(self.top, root);
            (root, self.top)
        } else {
            // Bit `t` of m is its lowest set bit: the level-(t+1) block still holds m, the
            // level-t block is the right half of it, and every level below starts at m.
            let t = m.trailing_zeros() as usize;
            let (_, right) = tree.split(t, m, &self.get(t + 1));
            self.set(t, right);
            (right, t)
        };
        for j in (0..start).rev() {
            let (left, _) = tree.split(j, m + (1 << j), &node);
            node = left;
            self.set(j, node);
        }
    }

    fn get(&self, level: usize) -> T::Node {
        // Levels never exceed `top < LEVELS`; the fallback only keeps this panic-free.
        self.path.get(level).copied().unwrap_or(self.path[0])
    }

    fn set(&mut self, level: usize, node: T::Node) {
        if let Some(slot) = self.path.get_mut(level) {
            *slot = node;
        }
    }
}

/// Per-level constants of the OU walk for a block of half-length `2^j` ticks.
#[derive(Debug, Clone, Copy, Default)]
struct Level {
    /// `e^(−θh)`: how much of the past survives a gap of `h` ticks.
    rho: f64,
    /// Standard deviation of the forward transition over `h` ticks.
    forward_sd: f64,
    /// Bridge midpoint weight `ρ/(1+ρ²)` applied to `a + b`.
    bridge_weight: f64,
    /// Bridge midpoint standard deviation `sqrt(v/(1+ρ²))`.
    bridge_sd: f64,
}

/// The mean-reverting log-price walk of one symbol, in natural-log units around the
/// reference price.
#[derive(Debug, Clone)]
pub(crate) struct PriceWalk {
    key: u64,
    levels: Box<[Level; LEVELS + 1]>,
}

/// The log-price at both ends of a block.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Span {
    /// `X` at the block's first tick.
    pub(crate) lo: f64,
    /// `X` at the tick just past the block.
    pub(crate) hi: f64,
}

impl PriceWalk {
    /// A walk with per-tick volatility `sigma` and mean-reversion rate `theta` (per tick).
    pub(crate) fn new(key: u64, sigma: f64, theta: f64) -> Self {
        let mut levels = Box::new([Level::default(); LEVELS + 1]);
        for (j, level) in levels.iter_mut().enumerate() {
            let h = (1u64 << j) as f64;
            let (rho, var) = if theta > 0.0 {
                let two_theta_h = 2.0 * theta * h;
                (
                    libm::exp(-theta * h),
                    sigma * sigma * -libm::expm1(-two_theta_h) / (2.0 * theta),
                )
            } else {
                (1.0, sigma * sigma * h)
            };
            let denom = 1.0 + rho * rho;
            *level = Level {
                rho,
                forward_sd: libm::sqrt(var),
                bridge_weight: rho / denom,
                bridge_sd: libm::sqrt(var / denom),
            };
        }
        Self { key, levels }
    }

    fn level(&self, j: usize) -> Level {
        self.levels.get(j).copied().unwrap_or_default()
    }

    /// The log-price offset `X(n)` by random access.
    pub(crate) fn x(&self, n: u64) -> f64 {
        leaf(self, n).lo
    }

    fn forward(&self, j: usize, from: f64, at: u64) -> f64 {
        let l = self.level(j);
        l.rho * from + l.forward_sd * noise::normal(self.key, at)
    }
}

impl Tree for PriceWalk {
    type Node = Span;

    fn zero(&self) -> Span {
        Span {
            lo: 0.0,
            hi: self.forward(0, 0.0, 1),
        }
    }

    fn first_root(&self) -> Span {
        let x1 = self.zero().hi;
        Span {
            lo: x1,
            hi: self.forward(0, x1, 2),
        }
    }

    fn next_root(&self, k: usize, root: &Span) -> Span {
        // Block k+1 is [2^(k+1), 2^(k+2)): its far end is one gap of 2^(k+1) ticks further.
        let far = 1u64 << (k + 2);
        Span {
            lo: root.hi,
            hi: self.forward(k + 1, root.hi, far),
        }
    }

    #[inline]
    fn split(&self, half_level: usize, mid: u64, node: &Span) -> (Span, Span) {
        let l = self.level(half_level);
        let x = l.bridge_weight * (node.lo + node.hi) + l.bridge_sd * noise::normal(self.key, mid);
        (Span { lo: node.lo, hi: x }, Span { lo: x, hi: node.hi })
    }
}

/// Deterministic volume: block totals split between halves by hashed fractions in
/// [0.4, 0.6], so the cumulative volume to any tick is O(log n) and sums are exact.
#[derive(Debug, Clone)]
pub(crate) struct VolumeTree {
    key: u64,
    /// Mean volume per tick × 10^6 (fixed point, so totals are exact integers).
    micro_per_tick: u128,
}

/// The volume before a block and inside it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Cumulative volume of all ticks before the block.
    pub(crate) before: u128,
    /// Total volume of the block's ticks.
    pub(crate) total: u128,
}

impl VolumeTree {
    /// A tree with the given mean volume per tick.
    pub(crate) fn new(key: u64, mean_per_tick: f64) -> Self {
        let micro = (mean_per_tick.max(0.0) * 1e6).round();
        Self {
            key,
            micro_per_tick: micro as u128,
        }
    }

    /// The rounded expected total of spine block `k` (`2^k` ticks).
    fn spine_total(&self, k: usize) -> u128 {
        ((self.micro_per_tick << k) + 500_000) / 1_000_000
    }

    /// Total volume of ticks `[0, n)`.
    pub(crate) fn cumulative(&self, n: u64) -> u128 {
        leaf(self, n).before
    }
}

impl Tree for VolumeTree {
    type Node = Tally;

    fn zero(&self) -> Tally {
        Tally {
            before: 0,
            total: (self.micro_per_tick + 500_000) / 1_000_000,
        }
    }

    fn first_root(&self) -> Tally {
        let zero = self.zero();
        Tally {
            before: zero.total,
            total: self.spine_total(0),
        }
    }

    fn next_root(&self, k: usize, root: &Tally) -> Tally {
        Tally {
            before: root.before + root.total,
            total: self.spine_total(k + 1),
        }
    }

    #[inline]
    fn split(&self, _half_level: usize, mid: u64, node: &Tally) -> (Tally, Tally) {
        // Fraction in [0.4, 0.6) as a 32-bit fixed-point number.
        let r = noise::bits(self.key, mid) >> 32;
        let w = 1_717_986_918u64 + ((r * 858_993_459) >> 32);
        let left = (node.total * u128::from(w)) >> 32;
        (
            Tally {
                before: node.before,
                total: left,
            },
            Tally {
                before: node.before + left,
                total: node.total - left,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk() -> PriceWalk {
        PriceWalk::new(noise::derive_key(7, 1), 1e-3, 1e-6)
    }

    #[test]
    fn cursor_matches_random_access_bit_for_bit() {
        let w = walk();
        for start in [0u64, 1, 2, 3, 7, 1000, (1 << 20) - 3, (1 << 33) + 5] {
            let mut c = Cursor::new(&w, start);
            for _ in 0..3000 {
                assert_eq!(
                    c.leaf().lo.to_bits(),
                    w.x(c.tick()).to_bits(),
                    "tick {}",
                    c.tick()
                );
                c.advance(&w);
            }
        }
    }

    #[test]
    fn volume_cursor_matches_random_access_and_sums_exactly() {
        let v = VolumeTree::new(noise::derive_key(7, 2), 578.7);
        let mut c = Cursor::new(&v, 0);
        let mut running = 0u128;
        for n in 0..5000u64 {
            assert_eq!(c.leaf().before, running, "cumulative at {n}");
            assert_eq!(v.cumulative(n), running);
            running += c.leaf().total;
            c.advance(&v);
        }
        // The mean per tick is honoured over a long range.
        let mean = v.cumulative(1 << 30) as f64 / (1u64 << 30) as f64;
        assert!((mean - 578.7).abs() < 0.01, "mean {mean}");
    }

    #[test]
    fn theta_zero_is_a_brownian_bridge() {
        let w = PriceWalk::new(3, 2.0, 0.0);
        let l = w.level(4);
        assert_eq!(l.rho, 1.0);
        assert!((l.bridge_weight - 0.5).abs() < 1e-15);
        assert!((l.bridge_sd - (4.0 * 16.0 / 2.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn huge_ticks_are_clamped_not_panicking() {
        let w = walk();
        assert!(w.x(u64::MAX).is_finite());
        let mut c = Cursor::new(&w, u64::MAX);
        c.advance(&w);
        assert!(c.leaf().lo.is_finite());
    }
}
