//! The trades of one tick: a summary in O(1) ([`TickTrades`]: count, volume, first, high,
//! low, last, notional) for quotes, candles and bars, and the trades themselves in O(k)
//! ([`TickTrades::iter`]) for tapes.
//!
//! The model gives each tick `k` trades and `v ≥ k` shares (`model/symbol.rs`); this file
//! gives them prices, sizes, times, exchanges and conditions, all pure functions of the
//! symbol, the trade's id and the tick:
//!
//! * **price**: the last trade prints at the model price `p` (so the quote's `price` is the
//!   walk); every other trade at the bid (7/16), the ask (7/16) or `p` (1/8), from four hash
//!   bits per trade (sixteen trades per hash, so the summary costs k/16 hashes);
//! * **size**: an auction (the opening or closing cross: the first trade of the tick holding
//!   the open, the last of the one holding the close) is one print of what the other trades
//!   leave, `avg_trade_size` each; every other trade shares its level's volume (the level's
//!   share of the tick's by trade count, exact integers): each draws a log-normal multiple of
//!   the level's remaining mean (σ = 0.9), at least 1 and leaving 1 for each trade after it,
//!   snapped down to whole round lots 85 % of the time when it is 100 or more; the level's last
//!   trade takes the rest. So sizes sum exactly to the tick's volume, with round lots, odd lots
//!   (below 100) and mixed lots;
//! * **time**: trade `j` of `k` at `lo + (j + u)·(hi − lo)/k` ns of the tick's trading window
//!   `[lo, hi)` (stratified, so sorted); the opening print at the open itself, the closing
//!   print in the session's last nanosecond;
//! * **exchange**: drawn from the configured trade weights; **tape**: the symbol's;
//! * **conditions**: `extended_hours` outside the regular session, `odd_lot` below 100
//!   shares, `opening_print` / `closing_print` for the first and last trade of the regular
//!   session.

use std::sync::OnceLock;

use crate::calendar::{Phase, TickWindow};
use crate::clock::Seq;
use crate::config::Exchanges;
use crate::decimal::Decimal;
use crate::market::SymbolModel;
use crate::noise;
use crate::trade::{Conditions, Trade};

/// Where a trade prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Bid = 0,
    Ask = 1,
    Last = 2,
}

/// The level of trade `id` (not the tick's last): nibble `id % 16` of one hash.
#[inline]
fn level(key: u64, id: u64) -> Level {
    level_in(noise::bits(key, id >> 4), id)
}

/// The level of trade `id` from its hash word.
#[inline]
fn level_in(word: u64, id: u64) -> Level {
    let nibble = (word >> ((id & 15) * 4)) & 15;
    match nibble {
        0..=6 => Level::Bid,
        7..=13 => Level::Ask,
        _ => Level::Last,
    }
}

/// Trades at each level among ids `[from, to)`.
fn count_levels(key: u64, from: u64, to: u64) -> [u64; 3] {
    let mut counts = [0u64; 3];
    let mut id = from;
    while id < to {
        let word = noise::bits(key, id >> 4);
        let stop = to.min((id | 15) + 1);
        while id < stop {
            let nibble = (word >> ((id & 15) * 4)) & 15;
            let slot = match nibble {
                0..=6 => 0,
                7..=13 => 1,
                _ => 2,
            };
            if let Some(c) = counts.get_mut(slot) {
                *c += 1;
            }
            id += 1;
        }
    }
    counts
}

/// Log-normal multipliers `e^(σz − σ²/2)` at 256 quantiles of `z`, σ = 0.9.
fn size_multipliers() -> &'static [f64; 256] {
    static TABLE: OnceLock<[f64; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let sigma = 0.9;
        let mut t = [0.0; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let z = noise::inverse_normal_cdf((i as f64 + 0.5) / 256.0);
            *slot = libm::exp(sigma * z - 0.5 * sigma * sigma);
        }
        t
    })
}

/// The size of a level's next trade, with `left` shares for `trades` trades (≥ 1 each), from
/// 16 random bits.
#[inline]
fn draw_size(table: &[f64; 256], left: u64, trades: u64, bits: u64) -> u64 {
    if trades <= 1 {
        return left;
    }
    let mean = left as f64 / trades as f64;
    let w = table.get((bits & 0xFF) as usize).copied().unwrap_or(1.0);
    let most = left - (trades - 1);
    let size = ((mean * w + 0.5) as u64).clamp(1, most);
    // Most trades of 100 shares or more are whole round lots.
    if size >= 100 && (bits >> 8) & 0xFF < 218 {
        size - size % 100
    } else {
        size
    }
}

/// One tick's trades, summarised: what quotes, candles and bars need, without listing them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickSummary {
    /// The tick reporting them.
    pub seq: Seq,
    /// Number of trades (0 when nothing traded in the tick's interval).
    pub count: u64,
    /// Shares: the sum of the trades' sizes.
    pub volume: u64,
    /// The first trade's id (ids number all the symbol's trades from 1); with no trades, the
    /// id the next trade will have.
    pub first_id: u64,
    /// Where the trades happen.
    pub window: TickWindow,
    /// The tick's best bid (every trade is at or inside it).
    pub bid: Decimal,
    /// The tick's best offer.
    pub ask: Decimal,
    /// The model price, where the last trade prints.
    pub last: Decimal,
    /// The first trade's price.
    pub first: Decimal,
    /// The highest trade.
    pub high: Decimal,
    /// The lowest trade.
    pub low: Decimal,
    /// Σ price × size, in units of the price's last decimal.
    pub notional: i128,
    /// Per level: the volume and count of its trades other than the auction.
    level_volume: [u64; 3],
    level_count: [u64; 3],
    /// The auction's size (0: no auction in this tick).
    auction: u64,
}

impl TickSummary {
    /// The summary of tick `seq`: `count` trades and `volume` shares after `before` earlier
    /// trades, the last at `last`, in `window`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        model: &SymbolModel,
        seq: Seq,
        count: u64,
        volume: u64,
        before: u64,
        last: Decimal,
        window: TickWindow,
    ) -> Self {
        let first_id = before + 1;
        let mut t = Self {
            seq,
            count,
            volume,
            first_id,
            window,
            bid: last,
            ask: last,
            last,
            first: last,
            high: last,
            low: last,
            notional: 0,
            level_volume: [0; 3],
            level_count: [0; 3],
            auction: 0,
        };
        if count == 0 {
            return t;
        }
        let (bid, ask) = crate::nbbo::bid_ask(model, last, window.spread_factor, seq.0);
        t.bid = bid;
        t.ask = ask;
        let first_level = if count >= 2 {
            level(model.keys.levels, first_id)
        } else {
            Level::Last
        };
        t.first = t.price(first_level);
        let mut c = count_levels(model.keys.levels, first_id, first_id + count - 1);
        c[2] += 1;
        t.high = if c[1] > 0 { ask } else { last };
        t.low = if c[0] > 0 { bid } else { last };
        // An auction is one print of what the continuous trades leave.
        let auction = match (window.opening, window.closing) {
            _ if count < 2 => None,
            (true, _) => Some(first_level),
            (_, true) => Some(Level::Last),
            _ => None,
        };
        let (mut ordinary, mut rest) = (count, volume);
        if let Some(at) = auction {
            ordinary -= 1;
            rest = ordinary
                .saturating_mul(model.trade_size.max(1))
                .clamp(ordinary, volume - 1);
            t.auction = volume - rest;
            if let Some(n) = c.get_mut(at as usize) {
                *n -= 1;
            }
        }
        let excess = u128::from(rest - ordinary);
        let share = |n: u64| n + (excess * u128::from(n) / u128::from(ordinary)) as u64;
        let (vb, va) = (share(c[0]), share(c[1]));
        let v = [vb, va, rest - vb - va];
        t.level_count = c;
        t.level_volume = v;
        let units = [bid.units(), ask.units(), last.units()];
        t.notional = v
            .iter()
            .zip(units)
            .map(|(&v, p)| i128::from(v) * i128::from(p))
            .sum::<i128>()
            + auction.map_or(0, |at| {
                i128::from(t.auction) * i128::from(t.price(at).units())
            });
        t
    }

    fn price(&self, level: Level) -> Decimal {
        match level {
            Level::Bid => self.bid,
            Level::Ask => self.ask,
            Level::Last => self.last,
        }
    }

    /// Whether nothing traded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// One tick's trades: the summary (through `Deref`) and what [`TickTrades::iter`] needs to
/// list them.
#[derive(Debug, Clone, Copy)]
pub struct TickTrades<'m> {
    summary: TickSummary,
    model: &'m SymbolModel,
    exchanges: &'m Exchanges,
}

impl<'m> TickTrades<'m> {
    pub(crate) fn new(
        summary: TickSummary,
        model: &'m SymbolModel,
        exchanges: &'m Exchanges,
    ) -> Self {
        Self {
            summary,
            model,
            exchanges,
        }
    }

    /// The summary.
    pub fn summary(&self) -> &TickSummary {
        &self.summary
    }

    /// The trades, oldest first: O(count).
    pub fn iter(&self) -> Trades<'_, 'm> {
        let s = &self.summary;
        let lo = s.window.lo_ms.saturating_mul(1_000_000);
        let width = (s.window.hi_ms - s.window.lo_ms).max(0) as u64 * 1_000_000;
        let width = width.max(1);
        Trades {
            tick: self,
            j: 0,
            left: [
                (s.level_volume[0], s.level_count[0]),
                (s.level_volume[1], s.level_count[1]),
                (s.level_volume[2], s.level_count[2]),
            ],
            lo,
            width,
            step: width as f64 / s.count.max(1) as f64,
            sizes: size_multipliers(),
            word: (u64::MAX, 0),
        }
    }

    /// The last trade, if any: O(count) (sizes depend on the trades before it).
    pub fn last_trade(&self) -> Option<Trade> {
        self.iter().last()
    }
}

impl std::ops::Deref for TickTrades<'_> {
    type Target = TickSummary;

    fn deref(&self) -> &TickSummary {
        &self.summary
    }
}

/// Iterator returned by [`TickTrades::iter`].
#[derive(Debug, Clone)]
pub struct Trades<'a, 'm> {
    tick: &'a TickTrades<'m>,
    j: u64,
    /// Per level: shares and trades still to list.
    left: [(u64, u64); 3],
    /// The trading window, in ns, and its share per trade.
    lo: i64,
    width: u64,
    step: f64,
    sizes: &'static [f64; 256],
    /// The level hash word last used: (index, bits).
    word: (u64, u64),
}

impl Iterator for Trades<'_, '_> {
    type Item = Trade;

    fn next(&mut self) -> Option<Trade> {
        let t = &self.tick.summary;
        if self.j >= t.count {
            return None;
        }
        let (j, k) = (self.j, t.count);
        self.j += 1;
        let id = t.first_id + j;
        let model = self.tick.model;
        let at = if j + 1 == k {
            Level::Last
        } else {
            if self.word.0 != id >> 4 {
                self.word = (id >> 4, noise::bits(model.keys.levels, id >> 4));
            }
            level_in(self.word.1, id)
        };
        let w = &t.window;
        // One hash per trade: size (16 bits), exchange (16), time (32).
        let h = noise::bits(model.keys.trade, id);
        let is_auction = t.auction > 0 && ((j == 0 && w.opening) || (j + 1 == k && w.closing));
        let size = if is_auction {
            t.auction
        } else {
            let slot = self.left.get_mut(at as usize)?;
            let size = draw_size(self.sizes, slot.0, slot.1, h);
            *slot = (slot.0 - size, slot.1.saturating_sub(1));
            size
        };
        // Stratified: trade j at (j + u) shares of the window, u uniform in [0, 1). f64 is
        // exact enough (a share is at most an hour) and the same on every machine; rounding
        // is monotonic, so the times stay sorted.
        let offset = if j == 0 && w.opening {
            0
        } else if j + 1 == k && w.closing {
            self.width - 1
        } else {
            let u = (h >> 32) as f64 / 4_294_967_296.0;
            (((j as f64 + u) * self.step) as u64).min(self.width - 1)
        };
        let ns = self.lo.saturating_add(offset as i64);
        let mut conditions = Conditions::regular();
        if w.phase != Phase::Regular {
            conditions = conditions.with(Conditions::EXTENDED_HOURS);
        }
        if size < 100 {
            conditions = conditions.with(Conditions::ODD_LOT);
        }
        if j == 0 && w.opening {
            conditions = conditions.with(Conditions::OPENING_PRINT);
        }
        if j + 1 == k && w.closing {
            conditions = conditions.with(Conditions::CLOSING_PRINT);
        }
        let timestamp_ns = ns;
        Some(Trade {
            symbol: model.info.symbol,
            id,
            price: t.price(at),
            size,
            exchange: self.tick.exchanges.trade((h & 0xFFFF_0000) as u32),
            tape: model.tape,
            conditions,
            timestamp: timestamp_ns.div_euclid(1_000_000),
            timestamp_ns,
            seq: t.seq,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.tick.summary.count - self.j).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_counts_match_one_by_one() {
        for (from, to) in [(1, 2), (1, 17), (5, 40), (15, 16), (16, 100), (1000, 1003)] {
            let mut want = [0u64; 3];
            for id in from..to {
                want[level(99, id) as usize] += 1;
            }
            assert_eq!(count_levels(99, from, to), want, "{from}..{to}");
        }
        let c = count_levels(7, 1, 160_001);
        let share = |n: u64| n as f64 / 160_000.0;
        assert!((share(c[0]) - 7.0 / 16.0).abs() < 0.005, "{c:?}");
        assert!((share(c[2]) - 2.0 / 16.0).abs() < 0.005, "{c:?}");
    }

    #[test]
    fn sizes_sum_to_the_level_and_stay_positive() {
        for (left, trades) in [(1u64, 1u64), (5, 5), (1000, 3), (100_000, 70), (37, 12)] {
            let (mut l, mut r, mut sum) = (left, trades, 0);
            for i in 0..trades {
                let s = draw_size(size_multipliers(), l, r, noise::bits(3, i));
                assert!(s >= 1 && s <= l - (r - 1), "{left} {trades}: {s}");
                sum += s;
                l -= s;
                r -= 1;
            }
            assert_eq!(sum, left);
        }
    }
}
