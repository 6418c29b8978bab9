//! `/api/v3/depth`: a plausible, deterministic order book around the best bid and ask.
//!
//! The model has a best bid and ask with sizes, not a book, so deeper levels are drawn: one
//! level per price tick outwards from the top, each with a size that grows with distance and
//! varies by a hash of (symbol, tick, side, level). The same tick always gives the same book,
//! on every replica; the top level is exactly the quote the other endpoints report.

use ticker_core::Decimal;

use super::events::Book;

/// One price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Price.
    pub price: Decimal,
    /// Quantity resting at it.
    pub qty: u64,
}

/// A book snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    /// `lastUpdateId`: the tick it belongs to.
    pub last_update_id: u64,
    /// Bids, best (highest) first.
    pub bids: Vec<Level>,
    /// Asks, best (lowest) first.
    pub asks: Vec<Level>,
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
const fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn size(base: u64, key: u64, side: u64, level: u64) -> u64 {
    let h = mix(key ^ mix(side.wrapping_mul(0x1000_0000_01b3) ^ level));
    // 50 % … 150 % of the top size, growing by a fifth per level.
    let scaled = u128::from(base) * u128::from(50 + h % 101) * u128::from(5 + level) / 500;
    u64::try_from(scaled).unwrap_or(u64::MAX).max(1)
}

/// The book at `top` for symbol `symbol_key`, `levels` per side, prices `tick` apart (bids
/// stop above zero).
pub fn book(top: &Book, tick: Decimal, levels: u32, symbol_key: u64) -> Depth {
    let key = mix(symbol_key ^ mix(top.update_id));
    let n = usize::try_from(levels).unwrap_or(usize::MAX).min(5000);
    let step = |p: Decimal, i: u64, sign: i64| -> Option<Decimal> {
        let d = p.decimals().max(tick.decimals());
        let scale = |x: Decimal| x.units() * 10i64.pow(u32::from(d - x.decimals()));
        let units = scale(p).checked_add(sign * scale(tick) * i64::try_from(i).ok()?)?;
        (units > 0).then(|| Decimal::new(units, d))
    };
    let side = |price: Decimal, qty: u64, sign: i64, id: u64| -> Vec<Level> {
        let base = qty.max(1);
        (0..n as u64)
            .map_while(|i| {
                let price = step(price, i, sign)?;
                let qty = if i == 0 { qty } else { size(base, key, id, i) };
                Some(Level { price, qty })
            })
            .collect()
    };
    Depth {
        last_update_id: top.update_id,
        bids: side(top.bid, top.bid_qty, -1, 0),
        asks: side(top.ask, top.ask_qty, 1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top() -> Book {
        Book {
            update_id: 91_366_718,
            bid: Decimal::new(4_199_999, 2),
            bid_qty: 3,
            ask: Decimal::new(4_200_001, 2),
            ask_qty: 2,
        }
    }

    #[test]
    fn the_top_is_the_quote_and_levels_step_outwards() {
        let d = book(&top(), Decimal::new(1, 2), 100, 7);
        assert_eq!(d.last_update_id, 91_366_718);
        assert_eq!((d.bids.len(), d.asks.len()), (100, 100));
        assert_eq!(
            d.bids[0],
            Level {
                price: top().bid,
                qty: 3
            }
        );
        assert_eq!(
            d.asks[0],
            Level {
                price: top().ask,
                qty: 2
            }
        );
        for w in d.bids.windows(2) {
            assert_eq!(w[0].price.units() - w[1].price.units(), 1);
        }
        for w in d.asks.windows(2) {
            assert_eq!(w[1].price.units() - w[0].price.units(), 1);
        }
        assert!(d.bids.iter().chain(&d.asks).all(|l| l.qty >= 1));
        let deep: u64 = d.bids[90..].iter().map(|l| l.qty).sum();
        let near: u64 = d.bids[1..11].iter().map(|l| l.qty).sum();
        assert!(deep > near, "sizes grow away from the top");
    }

    #[test]
    fn the_same_tick_gives_the_same_book_and_another_tick_another() {
        let a = book(&top(), Decimal::new(1, 2), 20, 7);
        assert_eq!(a, book(&top(), Decimal::new(1, 2), 20, 7));
        let next = Book {
            update_id: top().update_id + 1,
            ..top()
        };
        assert_ne!(a, book(&next, Decimal::new(1, 2), 20, 7));
        assert_ne!(a, book(&top(), Decimal::new(1, 2), 20, 8));
    }

    #[test]
    fn bids_stop_above_zero() {
        let low = Book {
            bid: Decimal::new(3, 4),
            ask: Decimal::new(5, 4),
            ..top()
        };
        let d = book(&low, Decimal::new(1, 4), 10, 1);
        assert_eq!(d.bids.len(), 3, "0.0003, 0.0002, 0.0001");
        assert_eq!(d.asks.len(), 10);
        assert_eq!(book(&top(), Decimal::new(1, 2), 0, 1).bids.len(), 0);
    }
}
