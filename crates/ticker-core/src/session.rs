//! Session statistics and the [`Quote`] built from them, tick by tick.
//!
//! A quote describes its symbol's trading day (see `calendar/day_ticks.rs`): the latest day
//! that has started by the tick. For 24/7 symbols that is the current session (a UTC day by
//! default); for `us-equity` symbols the trading day 04:00–20:00 New York, which a closed
//! tick (a night, a weekend) keeps showing until the next one starts. What the fields mean,
//! as consolidated US feeds define them:
//!
//! * `price`: the last trade, extended hours included; `volume`, `trades`, `vwap`: every
//!   trade of the day, extended hours included;
//! * `open`, `high`, `low`: the regular session's trades (the opening print, its extremes);
//!   `prev_close`: the previous day's last regular trade, its closing print. Before today's
//!   first regular trade, `open`, `high` and `low` are `prev_close`;
//! * for 24/7 symbols every trade is regular, so all of them count everywhere.
//!
//! `high` and `low` are exact: no formula gives the extremes of a random walk without
//! visiting its ticks. A [`SessionTracker`] starts on any tick with the day's statistics so
//! far from range aggregates (`session/start.rs`, `aggregate.rs`: the day's trading ticks
//! visited once, the first time, then cached blocks), and then keeps running statistics,
//! amortised O(1) per tick (each an O(1) summary of its trades, see `trades.rs`).

use crate::aggregate::BlockKey;
use crate::calendar::{DayTicks, Phase};
use crate::candle::{closes_minute, minute_of, vwap, Bar};
use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::market::Market;
use crate::model::{Cursor, MarketAt, Node, SymbolNode};
use crate::quote::{Candle, Quote};
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

mod start;

/// A tracker more than this many ticks behind its target starts afresh at the target rather
/// than stepping through every tick.
const JUMP_TICKS: u64 = 1024;

/// Incremental quotes for one symbol: cheap for consecutive ticks, correct for any tick.
#[derive(Clone)]
pub struct SessionTracker {
    id: SymbolId,
    state: Option<State>,
}

/// Where a step goes: the day, the tick in it, and whether the state can step on to it.
struct Target {
    day: DayTicks,
    target: u64,
    reusable: bool,
}

/// What the day's trades add up to so far.
#[derive(Debug, Clone, Copy)]
struct DayStats {
    volume: u128,
    trades: u64,
    notional: i128,
    /// The regular session's first, highest, lowest and last trades.
    open: Option<Decimal>,
    high: i64,
    low: i64,
    close: Option<Decimal>,
}

#[derive(Clone)]
struct State {
    day: DayTicks,
    /// The last tick stepped through; the cursors hold its interval, leaf `at − 1`.
    at: u64,
    /// The symbol's own walk, volume and trades.
    symbol: Cursor<SymbolNode>,
    /// The market factor, unless `market_fresh` is false: then another tracker lent its
    /// market cursor for the last step and this one is behind.
    market: Cursor<Node>,
    market_fresh: bool,
    /// The market factor's leaf at `at − 1` (from whichever cursor was used).
    market_leaf: Node,
    stats: DayStats,
    prev_close: Decimal,
    /// The last trade's price as of `at`.
    last_price: Decimal,
    /// The model price at `at` (where the NBBO is quoted).
    model_price: Decimal,
    /// The trades of tick `at`.
    tick: TickSummary,
    /// The minute holding tick `at`.
    minute: Bar,
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

    /// The last tick stepped through (a quote at a later closed tick does not move it), if
    /// any.
    pub fn position(&self) -> Option<Seq> {
        self.state.as_ref().map(|s| Seq(s.at))
    }

    /// The market factor cursor this tracker can lend for the tick after its position.
    pub(crate) fn lendable(&self) -> Option<&Cursor<Node>> {
        self.state
            .as_ref()
            .filter(|s| s.market_fresh)
            .map(|s| &s.market)
    }

    /// The quote at `seq`. Moving forward within a day is incremental; moving backwards or
    /// to another day restarts from that day's first tick.
    pub fn quote(&mut self, market: &Market, seq: Seq) -> Quote {
        self.step(market, seq, None);
        self.quote_at(market, seq)
    }

    /// Brings the statistics to `seq` by stepping through every tick from its day's first, as
    /// a tracker started before range aggregates: the baseline of `cargo bench -p
    /// ticker-core` and the reference of the tests.
    #[doc(hidden)]
    pub fn step_through(&mut self, market: &Market, seq: Seq) {
        let first = market
            .calendar(self.id)
            .locate(market.schedule(), seq)
            .day
            .map_or(seq, |d| d.first.min(seq));
        self.step(market, first, None);
        for n in first.0 + 1..=seq.0 {
            self.step(market, Seq(n), None);
        }
    }

    /// Brings the statistics to `seq` (its day's last tick at most), using `lent` (another
    /// tracker's market factor cursor, of the same class) for a one-tick step when it is at
    /// that tick's leaf.
    pub(crate) fn step(&mut self, market: &Market, seq: Seq, lent: Option<&Cursor<Node>>) {
        let Some(Target {
            day,
            target,
            reusable,
        }) = self.target(market, seq)
        else {
            self.state = None;
            return;
        };
        // The state is large (two cursors): keep it in place rather than move it.
        if !reusable {
            self.state = Some(State::start(market, self.id, day, target));
        }
        let Some(state) = self.state.as_mut() else {
            return;
        };
        while state.at < target {
            state.advance(market, self.id, target, lent);
        }
    }

    /// Where [`SessionTracker::step`] to `seq` goes: `None` before the symbol's first day.
    fn target(&self, market: &Market, seq: Seq) -> Option<Target> {
        let schedule = market.schedule();
        let seq = Seq(seq.0.min(schedule.last().0));
        // The common case, a tick of the day the tracker is in, needs no calendar lookup.
        let current = self
            .state
            .as_ref()
            .map(|s| s.day)
            .filter(|d| d.contains(seq));
        let day = current.or_else(|| market.calendar(self.id).locate(schedule, seq).day)?;
        let target = seq.0.min(day.end.0 - 1);
        // Far ahead, jumping there (range aggregates) is cheaper than stepping.
        let reusable = self
            .state
            .as_ref()
            .is_some_and(|s| s.day == day && s.at <= target && target - s.at <= JUMP_TICKS);
        Some(Target {
            day,
            target,
            reusable,
        })
    }

    /// Adds to `out` the blocks that [`SessionTracker::step`] to `seq` would visit tick by
    /// tick (none when it steps on from where it is).
    pub(crate) fn visited_blocks(&self, market: &Market, seq: Seq, out: &mut Vec<BlockKey>) {
        if let Some(t) = self.target(market, seq).filter(|t| !t.reusable) {
            State::visited_blocks(market, self.id, t.day, t.target, out);
        }
    }

    /// The quote at `seq`, from the state [`SessionTracker::step`] left.
    pub(crate) fn quote_at(&self, market: &Market, seq: Seq) -> Quote {
        let model = market.model(self.id);
        let schedule = market.schedule();
        let Some(state) = &self.state else {
            // Before the first day: the reference price, nothing traded.
            let price = model.info.reference_price;
            let nbbo = market.nbbo(self.id, seq);
            return quote(
                seq,
                schedule.time_of(seq),
                price,
                price,
                None,
                0,
                0,
                0,
                nbbo,
            );
        };
        let (t, factor) = (&state.tick, state.tick.window.spread_factor);
        // A tick with trades has its spread already (the same draw).
        let nbbo = if t.count > 0 {
            crate::nbbo::with_prices(
                model,
                &market.exchanges,
                (t.bid, t.ask),
                factor,
                state.at,
                seq,
                schedule.time_of(seq),
            )
        } else {
            crate::nbbo::nbbo(
                model,
                &market.exchanges,
                state.model_price,
                factor,
                state.at,
                seq,
                schedule.time_of(seq),
            )
        };
        let s = &state.stats;
        let session = s.open.map(|open| {
            let d = open.decimals();
            (open, Decimal::new(s.high, d), Decimal::new(s.low, d))
        });
        quote(
            seq,
            schedule.time_of(seq),
            state.last_price,
            state.prev_close,
            session,
            s.volume,
            s.trades,
            s.notional,
            nbbo,
        )
    }

    /// The trades of tick `seq` if the tracker has just stepped to it (else none traded: a
    /// closed tick).
    pub(crate) fn tick_at(&self, seq: Seq) -> Option<&TickSummary> {
        self.state
            .as_ref()
            .filter(|s| s.at == seq.0)
            .map(|s| &s.tick)
    }

    /// The trades up to the tick the tracker stands on (and any closed tick after it).
    pub(crate) fn trades_through(&self) -> u64 {
        self.state
            .as_ref()
            .map_or(0, |s| s.tick.first_id - 1 + s.tick.count)
    }

    /// The minute bar that tick `seq` closes, if the tracker stands on it and it traded.
    pub(crate) fn closed_minute(&self, market: &Market, seq: Seq) -> Option<Candle> {
        let s = self.state.as_ref().filter(|s| s.at == seq.0)?;
        (closes_minute(market.schedule(), seq) && s.minute.has_trades()).then(|| s.minute.candle())
    }

    /// The day's bar so far (complete once the tracker stands on the day's last tick).
    pub(crate) fn day_bar(&self) -> Option<Candle> {
        let s = self.state.as_ref()?;
        let st = &s.stats;
        let (open, high, low, close) = match st.open {
            Some(open) => {
                let d = open.decimals();
                (
                    open,
                    Decimal::new(st.high, d),
                    Decimal::new(st.low, d),
                    st.close.unwrap_or(open),
                )
            }
            None => (s.prev_close, s.prev_close, s.prev_close, s.prev_close),
        };
        Some(Candle {
            timestamp: s.day.bar_time_ms,
            open,
            high,
            low,
            close,
            volume: u64::try_from(st.volume).unwrap_or(u64::MAX),
            ticks: s
                .at
                .saturating_sub(s.day.first.0 - 1)
                .min(s.day.end.0 - s.day.first.0),
            trades: st.trades,
            vwap: vwap(st.notional, st.volume, close.decimals(), close),
        })
    }

    /// The daily bar that tick `seq` closes (the day's last tick), if the tracker stands on
    /// it.
    pub(crate) fn closed_day(&self, seq: Seq) -> Option<Candle> {
        let s = self.state.as_ref()?;
        (s.at == seq.0 && s.at + 1 == s.day.end.0)
            .then(|| self.day_bar())
            .flatten()
    }
}

/// A quote from its parts.
#[allow(clippy::too_many_arguments)]
fn quote(
    seq: Seq,
    timestamp: i64,
    price: Decimal,
    prev_close: Decimal,
    session: Option<(Decimal, Decimal, Decimal)>,
    volume: u128,
    trades: u64,
    notional: i128,
    nbbo: crate::trade::Nbbo,
) -> Quote {
    let change = Decimal::new(price.units() - prev_close.units(), price.decimals());
    let change_percent = Decimal::from_f64(
        change.units() as f64 / prev_close.units().max(1) as f64 * 100.0,
        2,
    );
    let (open, high, low) = session.unwrap_or((prev_close, prev_close, prev_close));
    Quote {
        symbol: nbbo.symbol,
        price,
        change,
        change_percent,
        open,
        high,
        low,
        prev_close,
        bid: nbbo.bid,
        ask: nbbo.ask,
        volume: u64::try_from(volume).unwrap_or(u64::MAX),
        timestamp,
        seq,
        bid_size: nbbo.bid_size,
        ask_size: nbbo.ask_size,
        bid_exchange: nbbo.bid_exchange,
        ask_exchange: nbbo.ask_exchange,
        trades,
        vwap: vwap(notional, volume, prev_close.decimals(), prev_close),
    }
}

impl State {
    /// Steps one tick towards `target`.
    fn advance(&mut self, market: &Market, id: SymbolId, target: u64, lent: Option<&Cursor<Node>>) {
        let joint = market.joint(id);
        let next = self.at + 1;
        let uses_market = joint.symbol.uses_market();
        // Cursors sit at leaf `at − 1`; the next tick's interval is leaf `at`.
        match lent.filter(|c| uses_market && next == target && c.tick() == self.at) {
            Some(m) => {
                self.symbol
                    .advance(joint.symbol, |j| MarketAt::of(&m.node(j + 1), &m.node(j)));
                self.market_leaf = m.leaf();
                self.market_fresh = false;
            }
            None if uses_market => {
                if !self.market_fresh {
                    self.market = Cursor::new(joint.market, self.symbol.tick(), |_| ());
                    self.market_fresh = true;
                }
                self.market.advance(joint.market, |_| ());
                let m = &self.market;
                self.symbol
                    .advance(joint.symbol, |j| MarketAt::of(&m.node(j + 1), &m.node(j)));
                self.market_leaf = m.leaf();
            }
            None => self.symbol.advance(joint.symbol, |_| MarketAt::default()),
        }
        self.at = next;
        self.record(market, id);
    }

    /// Summarises tick `at` (whose interval the cursors hold) and adds it up.
    fn record(&mut self, market: &Market, id: SymbolId) {
        let model = market.model(id);
        let schedule = market.schedule();
        let n = Seq(self.at);
        let leaf = self.symbol.leaf();
        let m = self.at - 1;
        self.model_price = model.price_of(model.offset_after(m, &self.market_leaf, &leaf));
        let mut window = self.day.window(schedule, n);
        window.spread_factor *= model.spread_factor(n.0);
        let c = model.counts(m, &leaf);
        let volume = u64::try_from(c.volume).unwrap_or(u64::MAX);
        self.tick = TickSummary::new(
            model,
            n,
            c.trades,
            volume,
            c.trades_before,
            self.model_price,
            window,
        );
        let t = &self.tick;
        let minute = minute_of(schedule, n);
        if minute != self.minute.start {
            self.minute = Bar::new(minute, self.last_price);
        }
        self.minute.add(t);
        if t.count > 0 {
            self.last_price = t.last;
        }
        if !self.day.contains(n) || t.count == 0 {
            return;
        }
        let s = &mut self.stats;
        s.volume += u128::from(t.volume);
        s.trades += t.count;
        s.notional += t.notional;
        if window.phase == Phase::Regular {
            match s.open {
                None => {
                    s.open = Some(t.first);
                    s.high = t.high.units();
                    s.low = t.low.units();
                }
                Some(_) => {
                    s.high = s.high.max(t.high.units());
                    s.low = s.low.min(t.low.units());
                }
            }
            s.close = Some(t.last);
        }
    }
}

impl Market {
    /// The quote of a symbol at a tick, computed from scratch: O(ticks since its day
    /// started). Use a [`SessionTracker`] to follow consecutive ticks.
    pub fn quote(&self, id: SymbolId, seq: Seq) -> Quote {
        SessionTracker::new(id).quote(self, seq)
    }
}
