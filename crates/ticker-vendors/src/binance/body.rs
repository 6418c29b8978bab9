//! Binance REST bodies (`rest-api.md`), field names and order as documented. Endpoints that
//! take `symbol` answer one object; with `symbols` or neither, an array ([`one_or_many`]).

use ticker_core::Decimal;

use super::depth::Depth;
use super::events::{Book, Kline, Trade};
use super::num::{push_amount, push_notional, push_percent, push_price, push_qty, TimeUnit};
use super::rest::TickerType;
use super::rolling::Stats;
use crate::json::{push_int, push_str_lit};

/// `/api/v3/ping`.
pub const PING: &str = "{}";

/// `/api/v3/time`.
pub fn time(server_ms: i64) -> String {
    let mut out = String::from("{\"serverTime\":");
    push_int(&mut out, server_ms);
    out.push('}');
    out
}

/// One object as is, or several (or all) as an array.
pub fn one_or_many(one: bool, parts: &[String]) -> String {
    match parts {
        [only] if one => only.clone(),
        _ => {
            let mut out = String::with_capacity(
                parts.iter().map(String::len).sum::<usize>() + 2 + parts.len(),
            );
            out.push('[');
            out.push_str(&parts.join(","));
            out.push(']');
            out
        }
    }
}

/// `/api/v3/klines` and `/uiKlines`: arrays of `[openTime, "o", "h", "l", "c", "v",
/// closeTime, "quoteVolume", trades, "takerBuyBase", "takerBuyQuote", "0"]`.
pub fn klines(rows: &[Kline], unit: TimeUnit) -> String {
    let mut out = String::with_capacity(2 + rows.len() * 200);
    out.push('[');
    for (i, k) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let b = &k.bar;
        out.push('[');
        push_int(&mut out, unit.of_ms(b.start_ms));
        for p in [b.open, b.high, b.low, b.close] {
            out.push(',');
            push_price(&mut out, p);
        }
        out.push(',');
        push_qty(&mut out, b.volume);
        out.push(',');
        push_int(&mut out, unit.of_ms(k.interval.close_time(b.start_ms)));
        out.push(',');
        push_amount(&mut out, b.notional);
        out.push(',');
        push_int(&mut out, b.trades);
        out.push(',');
        push_qty(&mut out, k.taker_buy_volume);
        out.push(',');
        push_amount(&mut out, k.taker_buy_notional);
        out.push_str(",\"0\"]");
    }
    out.push(']');
    out
}

fn key(out: &mut String, first: bool, name: &str) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn id(out: &mut String, id: Option<u64>) {
    match id {
        Some(v) => push_int(out, v),
        None => out.push_str("-1"),
    }
}

/// One `/api/v3/ticker/24hr` object, `FULL` or `MINI`.
pub fn ticker_24h(
    symbol: &str,
    s: &Stats,
    last_qty: u64,
    book: &Book,
    kind: TickerType,
    unit: TimeUnit,
) -> String {
    let mut out = String::with_capacity(640);
    out.push('{');
    key(&mut out, true, "symbol");
    push_str_lit(&mut out, symbol);
    if kind == TickerType::Full {
        key(&mut out, false, "priceChange");
        push_price(&mut out, s.change());
        key(&mut out, false, "priceChangePercent");
        push_percent(&mut out, s.change_percent());
        key(&mut out, false, "weightedAvgPrice");
        push_amount(&mut out, s.weighted_avg());
        key(&mut out, false, "prevClosePrice");
        push_price(&mut out, s.prev_close);
        key(&mut out, false, "lastPrice");
        push_price(&mut out, s.last);
        key(&mut out, false, "lastQty");
        push_qty(&mut out, last_qty);
        key(&mut out, false, "bidPrice");
        push_price(&mut out, book.bid);
        key(&mut out, false, "bidQty");
        push_qty(&mut out, book.bid_qty);
        key(&mut out, false, "askPrice");
        push_price(&mut out, book.ask);
        key(&mut out, false, "askQty");
        push_qty(&mut out, book.ask_qty);
    }
    key(&mut out, false, "openPrice");
    push_price(&mut out, s.open);
    key(&mut out, false, "highPrice");
    push_price(&mut out, s.high);
    key(&mut out, false, "lowPrice");
    push_price(&mut out, s.low);
    if kind == TickerType::Mini {
        key(&mut out, false, "lastPrice");
        push_price(&mut out, s.last);
    }
    key(&mut out, false, "volume");
    push_qty(&mut out, s.volume);
    key(&mut out, false, "quoteVolume");
    push_amount(&mut out, s.notional);
    key(&mut out, false, "openTime");
    push_int(&mut out, unit.of_ms(s.open_ms));
    key(&mut out, false, "closeTime");
    push_int(&mut out, unit.of_ms(s.close_ms));
    key(&mut out, false, "firstId");
    id(&mut out, s.trade_ids.map(|(f, _)| f));
    key(&mut out, false, "lastId");
    id(&mut out, s.trade_ids.map(|(_, l)| l));
    key(&mut out, false, "count");
    push_int(&mut out, s.count);
    out.push('}');
    out
}

/// One `/api/v3/ticker/price` object.
pub fn price(symbol: &str, price: Decimal) -> String {
    let mut out = String::from("{\"symbol\":");
    push_str_lit(&mut out, symbol);
    out.push_str(",\"price\":");
    push_price(&mut out, price);
    out.push('}');
    out
}

/// One `/api/v3/ticker/bookTicker` object.
pub fn book_ticker(symbol: &str, b: &Book) -> String {
    let mut out = String::from("{\"symbol\":");
    push_str_lit(&mut out, symbol);
    out.push_str(",\"bidPrice\":");
    push_price(&mut out, b.bid);
    out.push_str(",\"bidQty\":");
    push_qty(&mut out, b.bid_qty);
    out.push_str(",\"askPrice\":");
    push_price(&mut out, b.ask);
    out.push_str(",\"askQty\":");
    push_qty(&mut out, b.ask_qty);
    out.push('}');
    out
}

/// `/api/v3/depth`.
pub fn depth(d: &Depth) -> String {
    let mut out = String::with_capacity(64 + (d.bids.len() + d.asks.len()) * 40);
    out.push_str("{\"lastUpdateId\":");
    push_int(&mut out, d.last_update_id);
    for (name, side) in [("bids", &d.bids), ("asks", &d.asks)] {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":[");
        for (i, l) in side.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_price(&mut out, l.price);
            out.push(',');
            push_qty(&mut out, l.qty);
            out.push(']');
        }
        out.push(']');
    }
    out.push('}');
    out
}

/// `/api/v3/trades`: oldest first.
pub fn trades(list: &[Trade], unit: TimeUnit) -> String {
    let mut out = String::with_capacity(2 + list.len() * 150);
    out.push('[');
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_int(&mut out, t.id);
        out.push_str(",\"price\":");
        push_price(&mut out, t.price);
        out.push_str(",\"qty\":");
        push_qty(&mut out, t.qty);
        out.push_str(",\"quoteQty\":");
        push_notional(&mut out, t.price, t.qty);
        out.push_str(",\"time\":");
        push_int(&mut out, unit.of_ms(t.time_ms));
        out.push_str(",\"isBuyerMaker\":");
        out.push_str(if t.buyer_maker { "true" } else { "false" });
        out.push_str(",\"isBestMatch\":true}");
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bars::Bar;
    use crate::binance::depth::Level;
    use crate::binance::interval::KlineInterval;
    use serde_json::{json, Value};

    fn d(units: i64) -> Decimal {
        Decimal::new(units, 2)
    }

    fn v(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    /// The keys of a flat JSON object in the order written (serde_json's map sorts them).
    fn keys_in_order(raw: &str) -> Vec<String> {
        let obj = v(raw);
        let mut keys: Vec<(usize, String)> = obj
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (raw.find(&format!("\"{k}\":")).unwrap(), k.clone()))
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect()
    }

    const BOOK: Book = Book {
        update_id: 1,
        bid: Decimal::new(400, 2),
        bid_qty: 100,
        ask: Decimal::new(401, 2),
        ask_qty: 12,
    };

    #[test]
    fn ping_time_price_and_book_ticker() {
        assert_eq!(PING, "{}");
        assert_eq!(time(1_499_827_319_559), r#"{"serverTime":1499827319559}"#);
        assert_eq!(
            price("LTCBTC", d(400)),
            r#"{"symbol":"LTCBTC","price":"4.00000000"}"#
        );
        assert_eq!(
            book_ticker("LTCBTC", &BOOK),
            r#"{"symbol":"LTCBTC","bidPrice":"4.00000000","bidQty":"100.00000000","askPrice":"4.01000000","askQty":"12.00000000"}"#
        );
        let one = price("A", d(1));
        assert_eq!(one_or_many(true, std::slice::from_ref(&one)), one);
        assert_eq!(
            one_or_many(false, std::slice::from_ref(&one)),
            format!("[{one}]")
        );
        assert_eq!(one_or_many(false, &[]), "[]");
    }

    #[test]
    fn klines_are_arrays_of_twelve() {
        let k = Kline {
            interval: KlineInterval::parse("1w").unwrap(),
            bar: Bar {
                start_ms: 1_499_040_000_000,
                open: d(163),
                high: d(8000),
                low: d(157),
                close: d(158),
                volume: 148_976,
                trades: 308,
                notional: 2_434.190_553_34,
                trade_ids: Some((1, 308)),
            },
            closed: true,
            taker_buy_volume: 1756,
            taker_buy_notional: 28.466_943_68,
        };
        assert_eq!(
            v(&klines(&[k], TimeUnit::Millisecond)),
            json!([[
                1_499_040_000_000_i64,
                "1.63000000",
                "80.00000000",
                "1.57000000",
                "1.58000000",
                "148976.00000000",
                1_499_644_799_999_i64,
                "2434.19055334",
                308,
                "1756.00000000",
                "28.46694368",
                "0"
            ]])
        );
        assert_eq!(klines(&[], TimeUnit::Millisecond), "[]");
    }

    #[test]
    fn ticker_24h_full_and_mini() {
        let s = Stats {
            open_ms: 1_499_783_499_040,
            close_ms: 1_499_869_899_040,
            open: d(9900),
            high: d(10000),
            low: d(10),
            last: d(400),
            prev_close: d(10),
            volume: 8913,
            notional: 15.3,
            trade_ids: Some((28385, 28460)),
            count: 76,
        };
        let raw = ticker_24h(
            "BNBBTC",
            &s,
            200,
            &BOOK,
            TickerType::Full,
            TimeUnit::Millisecond,
        );
        let full = v(&raw);
        assert_eq!(
            keys_in_order(&raw),
            [
                "symbol",
                "priceChange",
                "priceChangePercent",
                "weightedAvgPrice",
                "prevClosePrice",
                "lastPrice",
                "lastQty",
                "bidPrice",
                "bidQty",
                "askPrice",
                "askQty",
                "openPrice",
                "highPrice",
                "lowPrice",
                "volume",
                "quoteVolume",
                "openTime",
                "closeTime",
                "firstId",
                "lastId",
                "count"
            ]
        );
        assert_eq!(full["priceChange"], "-95.00000000");
        assert_eq!(full["priceChangePercent"], "-95.960");
        assert_eq!(full["lastQty"], "200.00000000");
        assert_eq!(full["count"], 76);
        let raw = ticker_24h(
            "BNBBTC",
            &s,
            200,
            &BOOK,
            TickerType::Mini,
            TimeUnit::Millisecond,
        );
        assert_eq!(
            keys_in_order(&raw),
            [
                "symbol",
                "openPrice",
                "highPrice",
                "lowPrice",
                "lastPrice",
                "volume",
                "quoteVolume",
                "openTime",
                "closeTime",
                "firstId",
                "lastId",
                "count"
            ]
        );
        let none = Stats {
            trade_ids: None,
            count: 0,
            ..s
        };
        let e = v(&ticker_24h(
            "X",
            &none,
            0,
            &BOOK,
            TickerType::Mini,
            TimeUnit::Millisecond,
        ));
        assert_eq!(
            (e["firstId"].clone(), e["lastId"].clone()),
            (json!(-1), json!(-1))
        );
    }

    #[test]
    fn depth_and_trades() {
        let book = Depth {
            last_update_id: 1_027_024,
            bids: vec![Level {
                price: d(400),
                qty: 431,
            }],
            asks: vec![Level {
                price: Decimal::new(40_002, 4),
                qty: 12,
            }],
        };
        assert_eq!(
            depth(&book),
            r#"{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00020000","12.00000000"]]}"#
        );
        let t = Trade {
            id: 28457,
            price: d(400),
            qty: 12,
            time_ms: 1_499_865_549_590,
            buyer_maker: true,
        };
        assert_eq!(
            v(&trades(&[t], TimeUnit::Millisecond)),
            json!([{"id":28457,"price":"4.00000000","qty":"12.00000000","quoteQty":"48.00000000",
                    "time":1_499_865_549_590_i64,"isBuyerMaker":true,"isBestMatch":true}])
        );
    }
}
