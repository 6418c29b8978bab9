//! Binance stream names: `<symbol>@trade`, `@aggTrade`, `@kline_<interval>`, `@miniTicker`,
//! `@ticker`, `@bookTicker` and `!miniTicker@arr`. Symbols in stream names are lower case
//! (`btcusdt@trade`), while REST and every payload use the upper-case symbol (`BTCUSDT`).

use std::fmt;

use ticker_core::SymbolId;

use super::interval::KlineInterval;
use crate::instruments::Instruments;

/// The all-market mini ticker stream.
pub const ALL_MINI_TICKERS: &str = "!miniTicker@arr";

/// What a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `@trade`: every trade.
    Trade,
    /// `@aggTrade`: trades aggregated per taker order (one per trade here).
    AggTrade,
    /// `@kline_<interval>`: the current kline, every second.
    Kline(KlineInterval),
    /// `@miniTicker`: 24 h rolling statistics, short form, every second.
    MiniTicker,
    /// `@ticker`: 24 h rolling statistics, every second.
    Ticker,
    /// `@bookTicker`: best bid and ask, on every change.
    BookTicker,
    /// `!miniTicker@arr`: the mini tickers of every symbol, every second.
    AllMiniTickers,
}

/// A valid stream: its canonical name, symbol and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The name as Binance spells it (`btcusdt@kline_1m`), used in acks and combined frames.
    pub name: String,
    /// The symbol (`None` for `!miniTicker@arr`).
    pub symbol: Option<SymbolId>,
    /// What it carries.
    pub kind: Kind,
}

/// Why a stream name is refused (the text follows `Invalid request: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidStream(pub String);

impl fmt::Display for InvalidStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a stream name for a server whose ticks are `tick_ms` apart.
pub fn parse(name: &str, market: &impl Instruments, tick_ms: u64) -> Result<Stream, InvalidStream> {
    let invalid = |why: &str| InvalidStream(format!("invalid stream {name:?}: {why}"));
    if name == ALL_MINI_TICKERS {
        return Ok(Stream {
            name: name.to_owned(),
            symbol: None,
            kind: Kind::AllMiniTickers,
        });
    }
    let (symbol, rest) = name
        .split_once('@')
        .ok_or_else(|| invalid("expected <symbol>@<type>, e.g. btcusdt@trade"))?;
    if symbol.is_empty() || !symbol.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid("the symbol must be letters and digits"));
    }
    if symbol.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(invalid(&format!(
            "symbols in stream names are lower case ({})",
            symbol.to_ascii_lowercase()
        )));
    }
    let kind = match rest {
        "trade" => Kind::Trade,
        "aggTrade" => Kind::AggTrade,
        "miniTicker" => Kind::MiniTicker,
        "ticker" => Kind::Ticker,
        "bookTicker" => Kind::BookTicker,
        other => {
            let interval = other.strip_prefix("kline_").ok_or_else(|| {
                invalid(
                    "unknown stream type (this gateway serves trade, aggTrade, kline_<interval>, \
                     miniTicker, ticker, bookTicker and !miniTicker@arr)",
                )
            })?;
            let interval = KlineInterval::parse(interval).ok_or_else(|| {
                invalid("unknown kline interval (1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M)")
            })?;
            interval.check_grid(tick_ms).map_err(|why| invalid(&why))?;
            Kind::Kline(interval)
        }
    };
    let upper = symbol.to_ascii_uppercase();
    let id = market
        .lookup(&upper)
        .ok_or_else(|| invalid(&format!("unknown symbol {upper}")))?;
    Ok(Stream {
        name: name.to_owned(),
        symbol: Some(id),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(s: &str) -> Option<SymbolId> {
        ["BTCUSDT", "ETHUSDT"]
            .iter()
            .position(|x| *x == s)
            .map(|i| SymbolId(i as u16))
    }

    #[test]
    fn parses_every_stream_type() {
        let p = |n: &str| parse(n, &market, 1000).unwrap();
        assert_eq!(p("btcusdt@trade").kind, Kind::Trade);
        assert_eq!(p("ethusdt@aggTrade").symbol, Some(SymbolId(1)));
        assert_eq!(
            p("btcusdt@kline_1M").kind,
            Kind::Kline(KlineInterval::parse("1M").unwrap())
        );
        assert_eq!(p("btcusdt@miniTicker").kind, Kind::MiniTicker);
        assert_eq!(p("btcusdt@ticker").kind, Kind::Ticker);
        assert_eq!(p("btcusdt@bookTicker").kind, Kind::BookTicker);
        let all = p("!miniTicker@arr");
        assert_eq!((all.kind, all.symbol), (Kind::AllMiniTickers, None));
        assert_eq!(p("btcusdt@kline_1m").name, "btcusdt@kline_1m");
    }

    #[test]
    fn refuses_bad_names_clearly() {
        let e = |n: &str, tick: u64| parse(n, &market, tick).unwrap_err().0;
        assert!(e("BTCUSDT@trade", 1000).contains("lower case (btcusdt)"));
        assert!(e("btcusdt", 1000).contains("expected <symbol>@<type>"));
        assert!(e("dogeusdt@trade", 1000).contains("unknown symbol DOGEUSDT"));
        assert!(e("btcusdt@depth", 1000).contains("unknown stream type"));
        assert!(e("btcusdt@kline_2m", 1000).contains("unknown kline interval"));
        assert!(e("btcusdt@kline_1s", 5000)
            .contains("not a whole number of this server's 5000 ms ticks"));
        assert!(e("btc-usdt@trade", 1000).contains("letters and digits"));
        assert!(e("@trade", 1000).contains("letters and digits"));
    }
}
