//! The deterministic walk: random access to any tick in O(log n), sequential ticks in
//! amortised O(1), and bit-identical results either way. `docs/model.md` shows what it
//! produces (the stylized-facts table and plots); this is how.
//!
//! ## The tree
//! Ticks are grouped into dyadic blocks ([`tree`]). Each symbol's log-price offset is
//!
//! ```text
//! X_s(n) = σ_s · (β_s · M(n) + √(1 − β_s²) · E_s(n))
//! ```
//!
//! with `M` the market factor of the symbol's activity class (keyed by the seed and the
//! class) and `E_s` the symbol's own walk (keyed by the seed and the symbol). Both are *unit
//! walks* ([`walk`]): variance 1 per year of business time, built the same way:
//!
//! * **the spine** `X(1), X(2), X(4), …` is drawn forward once per market, each point from
//!   the one before with the exact Ornstein–Uhlenbeck transition over the gap (the only
//!   place mean reversion acts: its half-life is years, so weeks to months are a random walk)
//!   plus a compound-Poisson jump sum;
//! * **inside a spine block** every node is split top-down into halves given everything its
//!   parent knows: the walk at both ends, the diffusion variance `V`, the jump count `K` and
//!   sum `S`. A split draws how the variance divides (a *multiplicative cascade*: Mandelbrot,
//!   Calvet & Fisher's multifractal model, Bacry, Muzy & Delour's MRW, on Clark's
//!   subordination), how the jumps divide (binomially, in proportion to the variance), and
//!   the midpoint from a bridge whose second moments are exact (so returns stay
//!   uncorrelated and realized volatility is the configured one) but whose mean leans
//!   against the more volatile half (the leverage effect). After a jump the later half gets
//!   more variance (a boost that fades in business time).
//!
//! Every random number is `hash(key, position)` ([`crate::noise`]), so a node depends only on
//! its ancestors, never on the order of computation. Reaching tick `n` costs one descent of
//! `log2(n)` splits per walk; a [`Cursor`] keeps the path to the current tick and redraws
//! only the levels that change, two splits per tick on average.
//!
//! ## Business time
//! How much a span of ticks moves is its *activity weight* ([`crate::activity`]): a closed
//! market has none, so its price stands still and it trades nothing, and an overnight gap is
//! a point mass at the open. A split divides variance in proportion to `w·A_L` against
//! `(1−w)·A_R`, so the cascade redistributes variance *within* the activity the calendar
//! gives. All the walks of one activity class share its weights and tables ([`params`]).
//!
//! ## Volume
//! Each symbol node also carries its volume, an exact integer tally split by the fraction of
//! the symbol's variance in each half ([`symbol`]): cumulative volume to any tick is O(log n)
//! and volume rises with volatility.
//!
//! ## Extending a node
//! The next quantities (a per-node trade count whose trade sizes sum exactly to the volume,
//! quote sizes, bars) belong in [`symbol::SymbolNode`] next to the volume tally: add the
//! field, give the spine block its total in [`symbol::SymbolTree::new`], and divide it in
//! `split` with a hash keyed by the symbol and `mid`, using the same fraction as the volume
//! (or the variance fraction) so that it follows the cascade. Splits must stay pure
//! functions of the parent, the position and the keys, so that random access and cursors
//! keep agreeing bit for bit (`cursor_matches_random_access_*` tests).

mod draws;
pub(crate) mod params;
pub(crate) mod symbol;
pub(crate) mod tree;
pub(crate) mod walk;

pub(crate) use params::{Parameters, Shared, Weights};
pub(crate) use symbol::{Joint, JointNode, MarketAt, SymbolNode, SymbolTree, TradeKeys};
pub(crate) use tree::{find, leaf, Cursor};
pub(crate) use walk::{Node, Walk};
