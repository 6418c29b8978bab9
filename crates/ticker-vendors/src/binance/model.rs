//! The model's trades, best quotes and bars as Binance's types: the one mapping both services
//! use, so a Binance path shows the same price, size and time as the native API.
//!
//! The model's trades have no aggressor side; Binance's `m` (buyer is maker) is derived from
//! the tick's NBBO: a trade below the midpoint hit the bid (the seller took liquidity, so the
//! buyer made it). Klines report no taker-buy volume (`"0"`): splitting it would mean listing
//! every trade of every kline, which the REST klines never do.

use ticker_core::{Decimal, Nbbo};

use super::events::{Book, Kline, Trade};
use super::interval::KlineInterval;
use crate::bars::Bar;

/// A model trade, with the NBBO of the tick that reports it.
pub fn trade(t: &ticker_core::Trade, bid: Decimal, ask: Decimal) -> Trade {
    Trade {
        id: t.id,
        price: t.price,
        qty: t.size,
        time_ms: t.timestamp,
        buyer_maker: 2.0 * t.price.to_f64() < bid.to_f64() + ask.to_f64(),
    }
}

/// The NBBO as Binance's best bid and ask; the update id is the tick.
pub fn book(n: &Nbbo) -> Book {
    Book {
        update_id: n.seq.0,
        bid: n.bid,
        bid_qty: n.bid_size,
        ask: n.ask,
        ask_qty: n.ask_size,
    }
}

/// A bar as a kline of `interval`, final once `now_ms` is past its close time.
pub fn kline(interval: KlineInterval, bar: Bar, now_ms: i64) -> Kline {
    Kline {
        interval,
        bar,
        closed: interval.close_time(bar.start_ms) < now_ms,
        taker_buy_volume: 0,
        taker_buy_notional: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use ticker_core::{Market, MarketConfig, Seq, SymbolId};

    use super::*;

    #[test]
    fn a_trade_below_the_mid_hit_the_bid() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let seq = Seq(86_400 * 3);
        let traded = m.trades(SymbolId(0), seq);
        let s = *traded.summary();
        let t = traded.iter().next().unwrap();
        let b = trade(&t, s.bid, s.ask);
        assert_eq!(
            (b.id, b.price, b.qty, b.time_ms),
            (t.id, t.price, t.size, t.timestamp)
        );
        let below = 2.0 * t.price.to_f64() < s.bid.to_f64() + s.ask.to_f64();
        assert_eq!(b.buyer_maker, below);
        assert!(
            trade(
                &t,
                t.price,
                Decimal::new(t.price.units() + 10, t.price.decimals())
            )
            .buyer_maker
        );
        assert!(
            !trade(
                &t,
                Decimal::new(t.price.units() - 10, t.price.decimals()),
                t.price
            )
            .buyer_maker
        );
    }
}
