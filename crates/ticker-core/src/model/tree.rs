//! The dyadic tree over ticks and the two ways to walk it: random access ([`leaf`]) and
//! sequential access ([`Cursor`]), which give bit-identical leaves because they call the same
//! splits with the same arguments.
//!
//! Spine block `k` covers ticks `[2^k, 2^(k+1))`; a node at level `j` covers `2^j` ticks; the
//! leaf of tick `n` is the level-0 node `[n, n+1)`; tick 0 is a separate leaf. Spine blocks
//! are fixed per symbol, so a [`Tree`] precomputes them and a descent starts at the spine
//! block that holds `n`: `log2(n)` splits.

/// Ticks at or beyond `2^LEVELS` are clamped; 2^62 ticks is far past the year 9999 at 1 ms.
pub(crate) const LEVELS: usize = 62;

/// The largest tick the tree represents.
pub(crate) const LAST_TICK: u64 = (1 << LEVELS) - 1;

/// A dyadic tree whose nodes are computed top-down from their parent.
pub(crate) trait Tree {
    /// What a node knows about its block.
    type Node: Copy + Default;
    /// What a split needs from outside the tree, per level (another tree's nodes at the same
    /// position, for a symbol that shares the market factor's tree).
    type Ctx: Copy;
    /// The leaf of tick 0.
    fn zero(&self) -> Self::Node;
    /// Spine block `k`, `[2^k, 2^(k+1))`.
    fn root(&self, k: usize) -> Self::Node;
    /// Splits the node at level `half_level + 1` whose midpoint is tick `mid` into its halves.
    fn split(
        &self,
        half_level: usize,
        mid: u64,
        node: &Self::Node,
        ctx: Self::Ctx,
    ) -> (Self::Node, Self::Node);
}

/// The level of the spine block holding tick `n ≥ 1`.
#[inline]
fn top_level(n: u64) -> usize {
    63 - n.leading_zeros() as usize
}

/// Walks from the spine down to tick `n` (`1 ≤ n ≤ LAST_TICK`), calling `visit(level, node)`
/// for the spine block (level `top`) and every node below it; `ctx(level)` supplies the
/// context of the split that makes the level-`level` node. Returns the leaf.
fn descend<T: Tree>(
    tree: &T,
    n: u64,
    mut ctx: impl FnMut(usize) -> T::Ctx,
    mut visit: impl FnMut(usize, T::Node),
) -> T::Node {
    let top = top_level(n);
    let mut node = tree.root(top);
    visit(top, node);
    let mut lo = 1u64 << top;
    for j in (0..top).rev() {
        let mid = lo + (1 << j);
        let (left, right) = tree.split(j, mid, &node, ctx(j));
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

/// Random access: the leaf of tick `n` in O(log n), for a tree that needs no context.
pub(crate) fn leaf<T: Tree<Ctx = ()>>(tree: &T, n: u64) -> T::Node {
    match n.min(LAST_TICK) {
        0 => tree.zero(),
        n => descend(tree, n, |_| (), |_, _| {}),
    }
}

/// The first leaf at whose end a cumulative count reaches `rank` (≥ 1): `end(node)` is the
/// count up to the node's end. Returns the leaf's tick and the leaf, in O(log n); `None`
/// when the count never reaches `rank` within the tree.
pub(crate) fn find<T: Tree<Ctx = ()>>(
    tree: &T,
    rank: u64,
    end: impl Fn(&T::Node) -> u64,
) -> Option<(u64, T::Node)> {
    let zero = tree.zero();
    if end(&zero) >= rank {
        return Some((0, zero));
    }
    let top = (0..LEVELS).find(|&k| end(&tree.root(k)) >= rank)?;
    let mut node = tree.root(top);
    let mut lo = 1u64 << top;
    for j in (0..top).rev() {
        let mid = lo + (1 << j);
        let (left, right) = tree.split(j, mid, &node, ());
        if end(&left) >= rank {
            node = left;
        } else {
            node = right;
            lo = mid;
        }
    }
    Some((lo, node))
}

/// Sequential access: the path from the spine down to the current tick, so that the next tick
/// costs only the levels whose block changes (amortised two splits per tick).
#[derive(Clone)]
pub(crate) struct Cursor<N> {
    n: u64,
    top: usize,
    /// `path[j]` is the level-`j` node containing `n`, for `j ≤ top`.
    path: [N; LEVELS + 1],
}

impl<N: Copy + Default> Cursor<N> {
    /// A cursor positioned at tick `n` (O(log n)); `ctx` as in [`Cursor::advance`].
    pub(crate) fn new<T: Tree<Node = N>>(
        tree: &T,
        n: u64,
        ctx: impl FnMut(usize) -> T::Ctx,
    ) -> Self {
        let n = n.min(LAST_TICK);
        let mut path = [N::default(); LEVELS + 1];
        if n == 0 {
            path[0] = tree.zero();
            return Self { n, top: 0, path };
        }
        descend(tree, n, ctx, |level, node| {
            if let Some(slot) = path.get_mut(level) {
                *slot = node;
            }
        });
        Self {
            n,
            top: top_level(n),
            path,
        }
    }

    /// The current tick.
    #[inline]
    pub(crate) fn tick(&self) -> u64 {
        self.n
    }

    /// The leaf of the current tick.
    #[inline]
    pub(crate) fn leaf(&self) -> N {
        self.path[0]
    }

    /// The level-`level` node containing the current tick (the leaf beyond the top).
    #[inline]
    pub(crate) fn node(&self, level: usize) -> N {
        self.path.get(level).copied().unwrap_or(self.path[0])
    }

    /// Moves to the next tick (nothing past [`LAST_TICK`]). `ctx(level)` supplies the context
    /// of the split that makes the new level-`level` node at the new tick.
    pub(crate) fn advance<T: Tree<Node = N>>(
        &mut self,
        tree: &T,
        mut ctx: impl FnMut(usize) -> T::Ctx,
    ) {
        let m = self.n + 1;
        if m > LAST_TICK {
            return;
        }
        self.n = m;
        if m == 1 {
            self.top = 0;
            self.set(0, tree.root(0));
            return;
        }
        let (mut node, start) = if m.is_power_of_two() {
            // A new spine block: every level restarts at its left edge.
            self.top += 1;
            let root = tree.root(self.top);
            self.set(self.top, root);
            (root, self.top)
        } else {
            // Bit `t` of m is its lowest set bit: the level-(t+1) block still holds m, the
            // level-t block is the right half of it, and every level below starts at m.
            let t = m.trailing_zeros() as usize;
            let (_, right) = tree.split(t, m, &self.node(t + 1), ctx(t));
            self.set(t, right);
            (right, t)
        };
        for j in (0..start).rev() {
            let (left, _) = tree.split(j, m + (1 << j), &node, ctx(j));
            node = left;
            self.set(j, node);
        }
    }

    fn set(&mut self, level: usize, node: N) {
        if let Some(slot) = self.path.get_mut(level) {
            *slot = node;
        }
    }
}
