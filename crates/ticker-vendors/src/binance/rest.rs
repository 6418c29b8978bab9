//! Binance REST requests: the endpoint a path names and each endpoint's parameters, checked
//! with Binance's error codes. Paths are relative to the gateway's base (`/binance`), so a
//! client whose base URL is `http://HOST:8000/binance` calls `/binance/api/v3/klines`.
//!
//! Only the 24/7 pairs are instruments here; the service's [`Instruments`] decides that.

use ticker_core::SymbolId;

use super::BinanceError;
use crate::instruments::Instruments;
use crate::params::Params;

/// Default `limit` of `/klines`, `/uiKlines` and `/trades`.
pub const DEFAULT_LIMIT: u32 = 500;
/// Largest `limit` of `/klines`, `/uiKlines` and `/trades`.
pub const MAX_LIMIT: u32 = 1000;
/// Default `limit` of `/depth`.
pub const DEFAULT_DEPTH: u32 = 100;
/// Largest `limit` of `/depth` (larger values are clamped, as on Binance).
pub const MAX_DEPTH: u32 = 5000;
const SYMBOLS_RANGE: &str = r#"^\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\]$"#;

/// The endpoints this gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /api/v3/ping`
    Ping,
    /// `GET /api/v3/time`
    Time,
    /// `GET /api/v3/exchangeInfo`
    ExchangeInfo,
    /// `GET /api/v3/klines`
    Klines,
    /// `GET /api/v3/uiKlines` (the same klines here)
    UiKlines,
    /// `GET /api/v3/ticker/24hr`
    Ticker24h,
    /// `GET /api/v3/ticker/price`
    TickerPrice,
    /// `GET /api/v3/ticker/bookTicker`
    BookTicker,
    /// `GET /api/v3/depth`
    Depth,
    /// `GET /api/v3/trades`
    Trades,
}

/// The endpoint of a path below the base.
pub fn route(path: &str) -> Result<Endpoint, BinanceError> {
    let endpoint = match path.trim_end_matches('/') {
        "/api/v3/ping" => Endpoint::Ping,
        "/api/v3/time" => Endpoint::Time,
        "/api/v3/exchangeInfo" => Endpoint::ExchangeInfo,
        "/api/v3/klines" => Endpoint::Klines,
        "/api/v3/uiKlines" => Endpoint::UiKlines,
        "/api/v3/ticker/24hr" => Endpoint::Ticker24h,
        "/api/v3/ticker/price" => Endpoint::TickerPrice,
        "/api/v3/ticker/bookTicker" => Endpoint::BookTicker,
        "/api/v3/depth" => Endpoint::Depth,
        "/api/v3/trades" => Endpoint::Trades,
        _ => return Err(BinanceError::not_found(path)),
    };
    Ok(endpoint)
}

pub(super) fn single<'a>(
    params: &'a (impl Params + ?Sized),
    name: &str,
) -> Result<Option<&'a str>, BinanceError> {
    if params.count(name) > 1 {
        return Err(BinanceError::duplicate(name));
    }
    Ok(params.value(name))
}

fn legal_symbol(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

fn lookup(symbol: &str, market: &impl Instruments) -> Result<SymbolId, BinanceError> {
    market.lookup(symbol).ok_or_else(BinanceError::bad_symbol)
}

/// The mandatory `symbol` parameter.
pub fn parse_symbol(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
) -> Result<SymbolId, BinanceError> {
    let s = single(params, "symbol")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BinanceError::missing("symbol"))?;
    if !legal_symbol(s) {
        return Err(BinanceError::illegal_symbol());
    }
    lookup(s, market)
}

/// Which symbols a ticker request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// `symbol=`: one object in the response.
    One(SymbolId),
    /// `symbols=[…]`: an array, in the order asked.
    Many(Vec<SymbolId>),
    /// Neither: an array of every pair.
    All,
}

/// `symbol` or `symbols` (a JSON array such as `["BTCUSDT","BNBUSDT"]`), or neither.
pub fn parse_selection(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
) -> Result<Selection, BinanceError> {
    let one = single(params, "symbol")?;
    let many = single(params, "symbols")?;
    match (one, many) {
        (Some(_), Some(_)) => Err(BinanceError::bad_combination("symbol", "symbols")),
        (Some(_), None) => parse_symbol(params, market).map(Selection::One),
        (None, Some(list)) => {
            let bad = || BinanceError::illegal_chars("symbols", SYMBOLS_RANGE);
            let names: Vec<String> = serde_json::from_str(list).map_err(|_| bad())?;
            if names.is_empty() || !names.iter().all(|n| legal_symbol(n)) {
                return Err(bad());
            }
            let mut ids: Vec<SymbolId> = Vec::with_capacity(names.len());
            for n in &names {
                let id = lookup(n, market)?;
                if ids.contains(&id) {
                    return Err(BinanceError::duplicate("symbols"));
                }
                ids.push(id);
            }
            Ok(Selection::Many(ids))
        }
        (None, None) => Ok(Selection::All),
    }
}

pub(super) fn timestamp(
    params: &(impl Params + ?Sized),
    name: &str,
) -> Result<Option<i64>, BinanceError> {
    let Some(text) = single(params, name)? else {
        return Ok(None);
    };
    let v: i64 = text
        .parse()
        .ok()
        .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| BinanceError::illegal_chars(name, "^[0-9]{1,20}$"))?;
    // Binance takes milliseconds or microseconds: 16 digits and more are microseconds.
    Ok(Some(if v >= 10_000_000_000_000 { v / 1000 } else { v }))
}

pub(super) fn limit(
    params: &(impl Params + ?Sized),
    default: u32,
    max: u32,
    clamp: bool,
) -> Result<u32, BinanceError> {
    let Some(text) = single(params, "limit")? else {
        return Ok(default);
    };
    let v: u64 = text
        .parse()
        .map_err(|_| BinanceError::illegal_chars("limit", "^[0-9]{1,20}$"))?;
    match u32::try_from(v) {
        Ok(v) if (1..=max).contains(&v) => Ok(v),
        _ if clamp && v > u64::from(max) => Ok(max),
        _ => Err(BinanceError::unsupported(
            "limit",
            &format!("It must be between 1 and {max}."),
        )),
    }
}

/// `type` of `/ticker/24hr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickerType {
    /// Every field.
    Full,
    /// The short form.
    Mini,
}

/// Parses `/ticker/24hr`.
pub fn parse_ticker_24h(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
) -> Result<(Selection, TickerType), BinanceError> {
    let kind = match single(params, "type")? {
        None | Some("FULL") => TickerType::Full,
        Some("MINI") => TickerType::Mini,
        Some(_) => return Err(BinanceError::invalid_value("type")),
    };
    Ok((parse_selection(params, market)?, kind))
}

/// Parses `/depth`: the pair and how many levels per side (clamped to 5000).
pub fn parse_depth(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
) -> Result<(SymbolId, u32), BinanceError> {
    Ok((
        parse_symbol(params, market)?,
        limit(params, DEFAULT_DEPTH, MAX_DEPTH, true)?,
    ))
}

/// Parses `/trades`: the pair and how many recent trades.
pub fn parse_trades(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
) -> Result<(SymbolId, u32), BinanceError> {
    Ok((
        parse_symbol(params, market)?,
        limit(params, DEFAULT_LIMIT, MAX_LIMIT, false)?,
    ))
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
    fn routes_the_market_data_endpoints() {
        assert_eq!(route("/api/v3/ping"), Ok(Endpoint::Ping));
        assert_eq!(route("/api/v3/exchangeInfo"), Ok(Endpoint::ExchangeInfo));
        assert_eq!(route("/api/v3/ticker/24hr"), Ok(Endpoint::Ticker24h));
        assert_eq!(route("/api/v3/uiKlines"), Ok(Endpoint::UiKlines));
        let e = route("/api/v3/order").unwrap_err();
        assert_eq!((e.status, e.code), (404, -1000));
    }

    #[test]
    fn symbols_are_upper_case_and_known() {
        assert_eq!(
            parse_symbol(&[("symbol", "ETHUSDT")][..], &market),
            Ok(SymbolId(1))
        );
        assert_eq!(
            parse_symbol(&[("symbol", "DOGEUSDT")][..], &market),
            Err(BinanceError::bad_symbol())
        );
        assert_eq!(
            parse_symbol(&[("symbol", "btcusdt")][..], &market),
            Err(BinanceError::illegal_symbol())
        );
        assert_eq!(
            parse_symbol(&[("a", "b")][..], &market).unwrap_err().code,
            -1102
        );
        assert_eq!(
            parse_symbol(&[("symbol", "BTCUSDT"), ("symbol", "ETHUSDT")][..], &market)
                .unwrap_err()
                .code,
            -1101
        );
    }

    #[test]
    fn selections_take_symbol_symbols_or_neither() {
        let sel = |q: &[(&str, &str)]| parse_selection(q, &market);
        assert_eq!(sel(&[]), Ok(Selection::All));
        assert_eq!(
            sel(&[("symbol", "BTCUSDT")]),
            Ok(Selection::One(SymbolId(0)))
        );
        assert_eq!(
            sel(&[("symbols", r#"["ETHUSDT","BTCUSDT"]"#)]),
            Ok(Selection::Many(vec![SymbolId(1), SymbolId(0)]))
        );
        assert_eq!(sel(&[("symbols", "BTCUSDT")]).unwrap_err().code, -1100);
        assert_eq!(sel(&[("symbols", "[]")]).unwrap_err().code, -1100);
        assert_eq!(
            sel(&[("symbols", r#"["btcusdt"]"#)]).unwrap_err().code,
            -1100
        );
        assert_eq!(
            sel(&[("symbols", r#"["NOPE"]"#)]),
            Err(BinanceError::bad_symbol())
        );
        assert_eq!(
            sel(&[("symbol", "BTCUSDT"), ("symbols", r#"["BTCUSDT"]"#)])
                .unwrap_err()
                .code,
            -1128
        );
    }

    #[test]
    fn depth_clamps_and_trades_bound_their_limit() {
        let p = [("symbol", "BTCUSDT"), ("limit", "9999")];
        assert_eq!(parse_depth(&p[..], &market), Ok((SymbolId(0), 5000)));
        assert_eq!(parse_depth(&p[..1], &market), Ok((SymbolId(0), 100)));
        assert_eq!(parse_trades(&p[..], &market).unwrap_err().code, -1130);
        assert_eq!(parse_trades(&p[..1], &market), Ok((SymbolId(0), 500)));
        let t = parse_ticker_24h(&[("type", "MINI")][..], &market).unwrap();
        assert_eq!(t, (Selection::All, TickerType::Mini));
        assert_eq!(
            parse_ticker_24h(&[("type", "mini")][..], &market)
                .unwrap_err()
                .code,
            -1130
        );
    }
}
