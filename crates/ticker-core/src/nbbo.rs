//! The best bid and offer of a tick, drawn around the model price.
//!
//! The walk is the last-trade price; the NBBO is quoted around it: a spread of
//! `price × spread_bps × factor` (at least one tick), jittered ±30 % per tick, with the price
//! at a uniformly drawn place inside it (at the bid, at the ask, or between), so the last
//! trade prints at the bid about as often as at the ask. `factor` is the calendar's spread
//! factor: 4× in the pre-market, 3× after hours, 3× at the open decaying over ten minutes,
//! 1 for 24/7 markets. Sizes are whole round lots, exponentially distributed around the
//! symbol's depth (`avg_volume / 5 000 000` lots, 1 … 40) and thinner by the same factor;
//! exchanges are drawn from the configured quote weights.
//!
//! Everything is a pure function of (symbol, tick, price, factor), so a tick's quote is the
//! same by random access and in a tick loop.

use std::sync::OnceLock;

use crate::clock::Seq;
use crate::config::Exchanges;
use crate::decimal::Decimal;
use crate::market::SymbolModel;
use crate::noise;
use crate::trade::Nbbo;

/// The spread's bid and ask around `price` at tick `q` (the tick whose quote stands).
#[inline]
pub(crate) fn bid_ask(
    model: &SymbolModel,
    price: Decimal,
    factor: f64,
    q: u64,
) -> (Decimal, Decimal) {
    let t = model.tick.units();
    let p = price.units();
    let h = noise::bits(model.keys.spread, q);
    let base = p as f64 * model.spread * factor / t as f64;
    let jitter = 0.7 + 0.6 * ((h & 0xFFFF) as f64 / 65_536.0);
    let ticks = (libm::round(base * jitter) as i64).clamp(1, 1_000_000);
    // The price's place in the spread: 0 (at the bid) … ticks (at the ask), uniformly; the
    // bid stays at least one tick.
    let place = ((((h >> 16) & 0xFFFF) * (ticks as u64 + 1)) >> 16) as i64;
    let place = place.min(((p - t) / t).max(0));
    let bid = p - place * t;
    let d = price.decimals();
    (Decimal::new(bid, d), Decimal::new(bid + ticks * t, d))
}

/// Quantiles of Exp(1) at the midpoints of 256 equal slices: `−ln(1 − (i + ½)/256)`.
fn exponentials() -> &'static [f64; 256] {
    static TABLE: OnceLock<[f64; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [0.0; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            *slot = -libm::log(1.0 - (i as f64 + 0.5) / 256.0);
        }
        t
    })
}

/// Round lots shown at one side: 1 + ⌊depth × Exp(1) / factor⌋, from 8 random bits.
fn lots(depth: f64, factor: f64, bits: u64) -> u64 {
    let e = exponentials()
        .get((bits & 0xFF) as usize)
        .copied()
        .unwrap_or(1.0);
    1 + (depth * e / factor.max(1.0)) as u64
}

/// The full NBBO at tick `seq`, whose quote is tick `q`'s (the same tick inside a session).
pub(crate) fn nbbo(
    model: &SymbolModel,
    exchanges: &Exchanges,
    price: Decimal,
    factor: f64,
    q: u64,
    seq: Seq,
    timestamp: i64,
) -> Nbbo {
    let (bid, ask) = bid_ask(model, price, factor, q);
    with_prices(model, exchanges, (bid, ask), factor, q, seq, timestamp)
}

/// [`nbbo`] when the bid and ask at tick `q` are known already (a tick's trade summary).
pub(crate) fn with_prices(
    model: &SymbolModel,
    exchanges: &Exchanges,
    (bid, ask): (Decimal, Decimal),
    factor: f64,
    q: u64,
    seq: Seq,
    timestamp: i64,
) -> Nbbo {
    let sizes = noise::bits(model.keys.sizes, q);
    let venues = noise::bits(model.keys.venues, q);
    Nbbo {
        symbol: model.info.symbol,
        bid,
        bid_size: 100 * lots(model.depth_lots, factor, sizes),
        bid_exchange: exchanges.quote(venues as u32),
        ask,
        ask_size: 100 * lots(model.depth_lots, factor, sizes >> 32),
        ask_exchange: exchanges.quote((venues >> 32) as u32),
        timestamp,
        seq,
    }
}
