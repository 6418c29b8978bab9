//! Stream payloads, field for field as Binance documents them (`web-socket-streams.md`):
//! prices and quantities as eight-decimal strings, times in the connection's unit. Each
//! encoder appends one payload; the session wraps it for combined connections.

use ticker_core::Decimal;

use super::interval::KlineInterval;
use super::num::{push_amount, push_percent, push_price, push_qty, TimeUnit};
use super::rolling::Stats;
use crate::bars::Bar;
use crate::json::{push_int, push_str_lit};

/// One trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade {
    /// Trade id.
    pub id: u64,
    /// Price.
    pub price: Decimal,
    /// Quantity (base asset).
    pub qty: u64,
    /// Trade time, Unix milliseconds.
    pub time_ms: i64,
    /// Whether the buyer was the maker (the trade hit the bid).
    pub buyer_maker: bool,
}

/// The best bid and ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Book {
    /// Order book update id (the tick number).
    pub update_id: u64,
    /// Best bid price.
    pub bid: Decimal,
    /// Best bid quantity.
    pub bid_qty: u64,
    /// Best ask price.
    pub ask: Decimal,
    /// Best ask quantity.
    pub ask_qty: u64,
}

/// A kline: its bar, whether it is closed, and the taker-buy share of its volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kline {
    /// The interval.
    pub interval: KlineInterval,
    /// Its OHLCV, trade count, notional and trade ids.
    pub bar: Bar,
    /// Whether the kline is final.
    pub closed: bool,
    /// Base volume of trades whose buyer was the taker.
    pub taker_buy_volume: u64,
    /// Quote volume of those trades.
    pub taker_buy_notional: f64,
}

fn head(out: &mut String, event: &str, event_ms: i64, symbol: &str, unit: TimeUnit) {
    out.push_str("{\"e\":\"");
    out.push_str(event);
    out.push_str("\",\"E\":");
    push_int(out, unit.of_ms(event_ms));
    out.push_str(",\"s\":");
    push_str_lit(out, symbol);
}

fn field(out: &mut String, key: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
}

fn id_or_minus_one(out: &mut String, id: Option<u64>) {
    match id {
        Some(id) => push_int(out, id),
        None => out.push_str("-1"),
    }
}

/// `<symbol>@trade`.
pub fn trade(out: &mut String, symbol: &str, event_ms: i64, t: &Trade, unit: TimeUnit) {
    head(out, "trade", event_ms, symbol, unit);
    field(out, "t");
    push_int(out, t.id);
    field(out, "p");
    push_price(out, t.price);
    field(out, "q");
    push_qty(out, t.qty);
    field(out, "T");
    push_int(out, unit.of_ms(t.time_ms));
    field(out, "m");
    out.push_str(if t.buyer_maker { "true" } else { "false" });
    out.push_str(",\"M\":true}");
}

/// `<symbol>@aggTrade`: every trade is its own aggregate (`a` = `f` = `l` = its id).
pub fn agg_trade(out: &mut String, symbol: &str, event_ms: i64, t: &Trade, unit: TimeUnit) {
    head(out, "aggTrade", event_ms, symbol, unit);
    field(out, "a");
    push_int(out, t.id);
    field(out, "p");
    push_price(out, t.price);
    field(out, "q");
    push_qty(out, t.qty);
    field(out, "f");
    push_int(out, t.id);
    field(out, "l");
    push_int(out, t.id);
    field(out, "T");
    push_int(out, unit.of_ms(t.time_ms));
    field(out, "m");
    out.push_str(if t.buyer_maker { "true" } else { "false" });
    out.push_str(",\"M\":true}");
}

/// `<symbol>@kline_<interval>`.
pub fn kline(out: &mut String, symbol: &str, event_ms: i64, k: &Kline, unit: TimeUnit) {
    let b = &k.bar;
    head(out, "kline", event_ms, symbol, unit);
    out.push_str(",\"k\":{\"t\":");
    push_int(out, unit.of_ms(b.start_ms));
    field(out, "T");
    push_int(out, unit.of_ms(k.interval.close_time(b.start_ms)));
    field(out, "s");
    push_str_lit(out, symbol);
    field(out, "i");
    push_str_lit(out, k.interval.name());
    field(out, "f");
    id_or_minus_one(out, b.trade_ids.map(|(f, _)| f));
    field(out, "L");
    id_or_minus_one(out, b.trade_ids.map(|(_, l)| l));
    field(out, "o");
    push_price(out, b.open);
    field(out, "c");
    push_price(out, b.close);
    field(out, "h");
    push_price(out, b.high);
    field(out, "l");
    push_price(out, b.low);
    field(out, "v");
    push_qty(out, b.volume);
    field(out, "n");
    push_int(out, b.trades);
    field(out, "x");
    out.push_str(if k.closed { "true" } else { "false" });
    field(out, "q");
    push_amount(out, b.notional);
    field(out, "V");
    push_qty(out, k.taker_buy_volume);
    field(out, "Q");
    push_amount(out, k.taker_buy_notional);
    out.push_str(",\"B\":\"0\"}}");
}

/// `<symbol>@miniTicker` (and each element of `!miniTicker@arr`).
pub fn mini_ticker(out: &mut String, symbol: &str, event_ms: i64, s: &Stats, unit: TimeUnit) {
    head(out, "24hrMiniTicker", event_ms, symbol, unit);
    field(out, "c");
    push_price(out, s.last);
    field(out, "o");
    push_price(out, s.open);
    field(out, "h");
    push_price(out, s.high);
    field(out, "l");
    push_price(out, s.low);
    field(out, "v");
    push_qty(out, s.volume);
    field(out, "q");
    push_amount(out, s.notional);
    out.push('}');
}

/// `!miniTicker@arr`: the mini tickers of every symbol, already encoded.
pub fn mini_ticker_array<'a>(out: &mut String, payloads: impl Iterator<Item = &'a str>) {
    out.push('[');
    for (i, p) in payloads.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(p);
    }
    out.push(']');
}

/// `<symbol>@ticker`: the statistics, the last trade's quantity and the best bid and ask.
pub fn ticker(
    out: &mut String,
    symbol: &str,
    event_ms: i64,
    s: &Stats,
    last_qty: u64,
    book: &Book,
    unit: TimeUnit,
) {
    head(out, "24hrTicker", event_ms, symbol, unit);
    field(out, "p");
    push_price(out, s.change());
    field(out, "P");
    push_percent(out, s.change_percent());
    field(out, "w");
    push_amount(out, s.weighted_avg());
    field(out, "x");
    push_price(out, s.prev_close);
    field(out, "c");
    push_price(out, s.last);
    field(out, "Q");
    push_qty(out, last_qty);
    field(out, "b");
    push_price(out, book.bid);
    field(out, "B");
    push_qty(out, book.bid_qty);
    field(out, "a");
    push_price(out, book.ask);
    field(out, "A");
    push_qty(out, book.ask_qty);
    field(out, "o");
    push_price(out, s.open);
    field(out, "h");
    push_price(out, s.high);
    field(out, "l");
    push_price(out, s.low);
    field(out, "v");
    push_qty(out, s.volume);
    field(out, "q");
    push_amount(out, s.notional);
    field(out, "O");
    push_int(out, unit.of_ms(s.open_ms));
    field(out, "C");
    push_int(out, unit.of_ms(s.close_ms));
    field(out, "F");
    id_or_minus_one(out, s.trade_ids.map(|(f, _)| f));
    field(out, "L");
    id_or_minus_one(out, s.trade_ids.map(|(_, l)| l));
    field(out, "n");
    push_int(out, s.count);
    out.push('}');
}

/// `<symbol>@bookTicker` (no event type or time, as on Binance).
pub fn book_ticker(out: &mut String, symbol: &str, b: &Book) {
    out.push_str("{\"u\":");
    push_int(out, b.update_id);
    field(out, "s");
    push_str_lit(out, symbol);
    field(out, "b");
    push_price(out, b.bid);
    field(out, "B");
    push_qty(out, b.bid_qty);
    field(out, "a");
    push_price(out, b.ask);
    field(out, "A");
    push_qty(out, b.ask_qty);
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn d(units: i64) -> Decimal {
        Decimal::new(units, 2)
    }

    fn parse(f: impl Fn(&mut String)) -> Value {
        let mut s = String::new();
        f(&mut s);
        serde_json::from_str(&s).unwrap()
    }

    const T: Trade = Trade {
        id: 12345,
        price: Decimal::new(4_200_012, 2),
        qty: 2,
        time_ms: 1_672_515_782_136,
        buyer_maker: true,
    };

    #[test]
    fn trade_and_agg_trade_payloads() {
        let v = parse(|o| trade(o, "BTCUSDT", 1_672_515_782_137, &T, TimeUnit::Millisecond));
        assert_eq!(
            v,
            json!({"e":"trade","E":1_672_515_782_137_i64,"s":"BTCUSDT","t":12345,"p":"42000.12000000",
                   "q":"2.00000000","T":1_672_515_782_136_i64,"m":true,"M":true})
        );
        let v = parse(|o| agg_trade(o, "BTCUSDT", 1, &T, TimeUnit::Microsecond));
        assert_eq!(v["a"], 12345);
        assert_eq!(
            (v["f"].clone(), v["l"].clone()),
            (json!(12345), json!(12345))
        );
        assert_eq!(v["T"], 1_672_515_782_136_000_i64);
        assert_eq!(v["E"], 1000);
    }

    #[test]
    fn kline_payload_has_every_field() {
        let k = Kline {
            interval: KlineInterval::parse("1m").unwrap(),
            bar: Bar {
                start_ms: 1_672_515_780_000,
                open: d(100),
                high: d(250),
                low: d(50),
                close: d(200),
                volume: 1000,
                trades: 100,
                notional: 1.0,
                trade_ids: Some((100, 199)),
            },
            closed: false,
            taker_buy_volume: 500,
            taker_buy_notional: 0.5,
        };
        let v = parse(|o| kline(o, "BNBBTC", 1_672_515_782_136, &k, TimeUnit::Millisecond));
        assert_eq!(
            v,
            json!({"e":"kline","E":1_672_515_782_136_i64,"s":"BNBBTC","k":{
                "t":1_672_515_780_000_i64,"T":1_672_515_839_999_i64,"s":"BNBBTC","i":"1m","f":100,"L":199,
                "o":"1.00000000","c":"2.00000000","h":"2.50000000","l":"0.50000000","v":"1000.00000000",
                "n":100,"x":false,"q":"1.00000000","V":"500.00000000","Q":"0.50000000","B":"0"}})
        );
        let empty = Kline {
            bar: Bar {
                trade_ids: None,
                ..k.bar
            },
            ..k
        };
        let v = parse(|o| kline(o, "BNBBTC", 0, &empty, TimeUnit::Millisecond));
        assert_eq!(
            (v["k"]["f"].clone(), v["k"]["L"].clone()),
            (json!(-1), json!(-1))
        );
    }

    #[test]
    fn ticker_family_and_book_ticker() {
        let s = Stats {
            open_ms: 0,
            close_ms: 86_400_000,
            open: d(1000),
            high: d(2500),
            low: d(1000),
            last: d(2500),
            prev_close: d(900),
            volume: 10_000,
            notional: 18.0,
            trade_ids: Some((0, 18_150)),
            count: 18_151,
        };
        let book = Book {
            update_id: 400_900_217,
            bid: d(2535),
            bid_qty: 31,
            ask: d(2536),
            ask_qty: 40,
        };
        let v = parse(|o| ticker(o, "BNBBTC", 5, &s, 10, &book, TimeUnit::Millisecond));
        assert_eq!(
            v,
            json!({"e":"24hrTicker","E":5,"s":"BNBBTC","p":"15.00000000","P":"150.000","w":"0.00180000",
                   "x":"9.00000000","c":"25.00000000","Q":"10.00000000","b":"25.35000000","B":"31.00000000",
                   "a":"25.36000000","A":"40.00000000","o":"10.00000000","h":"25.00000000","l":"10.00000000",
                   "v":"10000.00000000","q":"18.00000000","O":0,"C":86_400_000,"F":0,"L":18150,"n":18151})
        );
        let v = parse(|o| mini_ticker(o, "BNBBTC", 5, &s, TimeUnit::Millisecond));
        assert_eq!(
            v,
            json!({"e":"24hrMiniTicker","E":5,"s":"BNBBTC","c":"25.00000000","o":"10.00000000",
                   "h":"25.00000000","l":"10.00000000","v":"10000.00000000","q":"18.00000000"})
        );
        let v = parse(|o| mini_ticker_array(o, [r#"{"s":"A"}"#, r#"{"s":"B"}"#].into_iter()));
        assert_eq!(v, json!([{"s":"A"},{"s":"B"}]));
        let v = parse(|o| book_ticker(o, "BNBUSDT", &book));
        assert_eq!(
            v,
            json!({"u":400_900_217,"s":"BNBUSDT","b":"25.35000000","B":"31.00000000","a":"25.36000000","A":"40.00000000"})
        );
    }
}
