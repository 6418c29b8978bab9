//! Session statistics (open, high, low, volume, previous close) and the [`Quote`] built from them.
//!
//! `high` and `low` are exact: the max and min over every tick of the session up to the quoted
//! one. No formula gives the extremes of a random walk without visiting its ticks, so a
//! [`SessionTracker`] visits them once and then keeps running extremes:
//!
//! * the first quote of a session (or after a restart) costs one sequential pass from the
//!   session's first tick, about 80 ns per tick (86 400 ticks, about 7 ms, at the default 1 s
//!   interval; a full day at 1 ms is 86.4 M ticks, several seconds);
//! * each later tick costs amortised O(1): two splits of the symbol's tree and, unless another
//!   tracker lends it, two of the market factor's ([`quote_all`] advances the market factor
//!   once per tick for all the trackers of a market).
//!
//! The extremes are tracked on the raw log-price and converted once: rounding to the tick grid
//! is monotonic, so the rounded max equals the max of the rounded prices.

use crate::clock::{Seq, Session};
use crate::decimal::Decimal;
use crate::market::Market;
use crate::model::{Cursor, MarketAt, Node, SymbolNode};
use crate::quote::Quote;
use crate::symbol::SymbolId;

/// Incremental quotes for one symbol: cheap for consecutive ticks, correct for any tick.
#[derive(Clone)]
pub struct SessionTracker {
    id: SymbolId,
    state: Option<State>,
}

#[derive(Clone)]
struct State {
    session: Session,
    /// The symbol's own walk and volume at the current tick.
    symbol: Cursor<SymbolNode>,
    /// The market factor at the current tick, unless `market_fresh` is false: then another
    /// tracker lent its market cursor for the last step and this one is behind.
    market: Cursor<Node>,
    market_fresh: bool,
    /// The market factor's leaf at the current tick (from whichever cursor was used).
    market_leaf: Node,
    max_x: f64,
    min_x: f64,
    open: Decimal,
    prev_close: Decimal,
    volume_before: u128,
}

impl SessionTracker {
    /// A tracker for one symbol; it does no work until the first quote.
    pub fn new(id: SymbolId) -> Self {
        Self { id, state: None }
    }

    /// The symbol this tracker follows.
    pub fn id(&self) -> SymbolId {
        self.id
    }

    /// The last tick quoted (where the next consecutive quote continues from), if any.
    pub fn position(&self) -> Option<Seq> {
        self.state.as_ref().map(|s| Seq(s.symbol.tick()))
    }

    /// The market factor cursor this tracker can lend for the tick after its position.
    fn lendable(&self) -> Option<&Cursor<Node>> {
        self.state
            .as_ref()
            .filter(|s| s.market_fresh)
            .map(|s| &s.market)
    }

    /// The quote at `seq`. Moving forward within a session is incremental; moving backwards or
    /// to another session restarts from that session's first tick.
    pub fn quote(&mut self, market: &Market, seq: Seq) -> Quote {
        self.quote_lent(market, seq, None)
    }

    /// [`SessionTracker::quote`], using `lent` (another tracker's market factor cursor, of the
    /// same activity class) for a one-tick step when it is at that tick.
    fn quote_lent(&mut self, market: &Market, seq: Seq, lent: Option<&Cursor<Node>>) -> Quote {
        let model = market.model(self.id);
        let joint = market.joint(self.id);
        let seq = Seq(seq.0.min(market.schedule().last().0));
        let reusable = |s: &State| {
            s.session.first <= seq && seq.0 < s.session.end.0 && s.symbol.tick() <= seq.0
        };
        let state = match self.state.take().filter(reusable) {
            Some(state) => self.state.insert(state),
            None => self.state.insert(State::start(market, self.id, seq)),
        };
        while state.symbol.tick() < seq.0 {
            let next = state.symbol.tick() + 1;
            let uses_market = joint.symbol.uses_market();
            match lent.filter(|c| uses_market && next == seq.0 && c.tick() == next) {
                Some(m) => {
                    state
                        .symbol
                        .advance(joint.symbol, |j| MarketAt::of(&m.node(j + 1), &m.node(j)));
                    state.market_leaf = m.leaf();
                    state.market_fresh = false;
                }
                None if uses_market => {
                    if !state.market_fresh {
                        state.market = Cursor::new(joint.market, state.symbol.tick(), |_| ());
                        state.market_fresh = true;
                    }
                    state.market.advance(joint.market, |_| ());
                    let m = &state.market;
                    state
                        .symbol
                        .advance(joint.symbol, |j| MarketAt::of(&m.node(j + 1), &m.node(j)));
                    state.market_leaf = m.leaf();
                }
                None => state.symbol.advance(joint.symbol, |_| MarketAt::default()),
            }
            let x = model.offset_of(&state.market_leaf, &state.symbol.leaf());
            state.max_x = state.max_x.max(x);
            state.min_x = state.min_x.min(x);
        }

        let leaf = state.symbol.leaf();
        let price = model.price_of(model.offset_of(&state.market_leaf, &leaf));
        let (bid, ask) = model.bid_ask(price);
        let prev = state.prev_close;
        let change = Decimal::new(price.units() - prev.units(), price.decimals());
        let change_percent = Decimal::from_f64(
            change.units() as f64 / prev.units().max(1) as f64 * 100.0,
            2,
        );
        // Tick n counts the volume of its leaf [n, n+1): the cumulative volume of [0, n+1).
        let volume = leaf.volume.before + leaf.volume.total - state.volume_before;
        Quote {
            symbol: model.info.symbol,
            price,
            change,
            change_percent,
            open: state.open,
            high: model.price_of(state.max_x),
            low: model.price_of(state.min_x),
            prev_close: prev,
            bid,
            ask,
            volume: u64::try_from(volume).unwrap_or(u64::MAX),
            timestamp: market.schedule().time_of(seq),
            seq,
        }
    }
}

impl State {
    /// Fresh statistics for the session containing `seq`, positioned at its first tick.
    fn start(market: &Market, id: SymbolId, seq: Seq) -> Self {
        let model = market.model(id);
        let session = market.schedule().session(seq);
        let joint = market.joint(id);
        let first = session.first.0;
        let uses_market = joint.symbol.uses_market();
        let market_cursor = Cursor::new(joint.market, if uses_market { first } else { 0 }, |_| ());
        let m = &market_cursor;
        let symbol = Cursor::new(joint.symbol, first, |j| {
            if uses_market {
                MarketAt::of(&m.node(j + 1), &m.node(j))
            } else {
                MarketAt::default()
            }
        });
        let market_leaf = market_cursor.leaf();
        let x = model.offset_of(&market_leaf, &symbol.leaf());
        let volume_before = symbol.leaf().volume.before;
        let prev_close = match session.first.0.checked_sub(1) {
            Some(before) => model.price_of(market.log_offset(id, Seq(before))),
            None => model.price_of(x),
        };
        Self {
            session,
            symbol,
            market: market_cursor,
            market_fresh: uses_market,
            market_leaf,
            max_x: x,
            min_x: x,
            open: model.price_of(x),
            prev_close,
            volume_before,
        }
    }
}

/// Brings every tracker to `seq`, one thread per core. The cold pass over the session's
/// ticks is the only expensive step of a service's start-up; symbols are independent, so it
/// parallelises without coordination.
pub fn warm_up(market: &Market, trackers: &mut [SessionTracker], seq: Seq) {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = trackers.len().div_ceil(cores.max(1)).max(1);
    std::thread::scope(|scope| {
        for part in trackers.chunks_mut(chunk) {
            scope.spawn(move || {
                for tracker in part {
                    tracker.quote(market, seq);
                }
            });
        }
    });
}

/// The quotes of several trackers at `seq`, in order, passed to `each`. For the common step of
/// a tick loop (every tracker one tick behind), the market factor advances once, in the first
/// tracker that loads on it, and the others follow its cursor; otherwise each tracker works as
/// [`SessionTracker::quote`] does. The quotes are the same either way.
pub fn quote_all(
    market: &Market,
    trackers: &mut [SessionTracker],
    seq: Seq,
    mut each: impl FnMut(SymbolId, Quote),
) {
    let lender = trackers
        .iter()
        .position(|t| market.joint(t.id).symbol.uses_market());
    let Some(lender) = lender else {
        for t in trackers.iter_mut() {
            each(t.id, t.quote(market, seq));
        }
        return;
    };
    let (head, rest) = trackers.split_at_mut(lender + 1);
    let Some((lending, before)) = head.split_last_mut() else {
        return;
    };
    let quote = lending.quote(market, seq);
    let lent = lending.lendable().filter(|c| c.tick() == seq.0);
    // Trackers before the lender load on no market factor; after it, they may follow it.
    for t in before.iter_mut() {
        each(t.id, t.quote(market, seq));
    }
    each(lending.id, quote);
    for t in rest.iter_mut() {
        each(t.id, t.quote_lent(market, seq, lent));
    }
}

impl Market {
    /// The quote of a symbol at a tick, computed from scratch: O(ticks since the session
    /// started). Use a [`SessionTracker`] to follow consecutive ticks.
    pub fn quote(&self, id: SymbolId, seq: Seq) -> Quote {
        SessionTracker::new(id).quote(self, seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarketConfig;

    fn market(interval_ms: u64) -> Market {
        Market::new(MarketConfig {
            interval_ms,
            ..MarketConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn tracker_equals_from_scratch_quotes_across_sessions() {
        let m = market(60_000); // 1440 ticks per day
        let id = SymbolId(1);
        let mut t = SessionTracker::new(id);
        for n in (1000..4000).step_by(7) {
            assert_eq!(t.quote(&m, Seq(n)), m.quote(id, Seq(n)), "tick {n}");
        }
        // Backwards restarts cleanly.
        assert_eq!(t.quote(&m, Seq(5)), m.quote(id, Seq(5)));
    }

    #[test]
    fn session_fields_match_the_ticks() {
        let m = market(60_000);
        let id = SymbolId(4);
        let q = m.quote(id, Seq(1440 * 3 + 700));
        let first = 1440 * 3;
        let prices: Vec<Decimal> = (first..=first + 700).map(|n| m.price(id, Seq(n))).collect();
        assert_eq!(q.open, prices[0]);
        assert_eq!(q.price, *prices.last().unwrap());
        assert_eq!(q.high, *prices.iter().max_by_key(|p| p.units()).unwrap());
        assert_eq!(q.low, *prices.iter().min_by_key(|p| p.units()).unwrap());
        assert_eq!(q.prev_close, m.price(id, Seq(first - 1)));
        assert_eq!(q.change.units(), q.price.units() - q.prev_close.units());
        assert_eq!(q.volume, m.volume_between(id, Seq(first), Seq(first + 701)));
        assert!(q.bid.units() < q.price.units() && q.price.units() < q.ask.units());
        assert_eq!(q.timestamp, m.schedule().time_of(q.seq));
        let pct = q.change.to_f64() / q.prev_close.to_f64() * 100.0;
        assert!((q.change_percent.to_f64() - pct).abs() <= 0.005 + 1e-12);
    }

    #[test]
    fn parallel_warm_up_matches_sequential_quotes() {
        let m = market(1000);
        let mut trackers: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
        warm_up(&m, &mut trackers, Seq(50_000));
        for t in &mut trackers {
            assert_eq!(t.quote(&m, Seq(50_001)), m.quote(t.id(), Seq(50_001)));
        }
    }

    #[test]
    fn sharing_the_market_factor_gives_the_same_quotes() {
        let mut cfg = MarketConfig::default();
        cfg.symbols[2].beta = 0.0; // a symbol that loads on no market factor
        let m = Market::new(cfg).unwrap();
        let mut shared: Vec<SessionTracker> = m.ids().map(SessionTracker::new).collect();
        let mut alone = shared.clone();
        // Steady steps, a skipped tick, a session boundary and a step backwards.
        let ticks = (86_000..86_500).chain([86_502, 86_503, 172_799, 172_800, 172_801, 5, 6]);
        for n in ticks {
            let mut got = Vec::new();
            quote_all(&m, &mut shared, Seq(n), |id, q| got.push((id, q)));
            let want: Vec<_> = alone
                .iter_mut()
                .map(|t| (t.id(), t.quote(&m, Seq(n))))
                .collect();
            assert_eq!(got, want, "tick {n}");
        }
        // A follower used on its own later catches up with its own market cursor.
        assert_eq!(shared[3].quote(&m, Seq(10)), m.quote(SymbolId(3), Seq(10)));
        assert_eq!(shared[4].quote(&m, Seq(7)), m.quote(SymbolId(4), Seq(7)));
    }

    #[test]
    fn the_first_session_closes_previously_at_the_reference() {
        let m = market(1000);
        let q = m.quote(SymbolId(0), Seq(10));
        assert_eq!(q.prev_close, m.info(SymbolId(0)).reference_price);
        assert_eq!(q.open, q.prev_close);
    }
}
