//! Binance REST requests: the endpoint a path names and each endpoint's parameters, checked
//! with Binance's error codes. Paths are relative to the gateway's base (`/binance`), so a
//! client whose base URL is `http://HOST:8000/binance` calls `/binance/api/v3/klines`.
//!
//! Only the 24/7 pairs are instruments here; the service's [`Instruments`] decides that.

use ticker_core::SymbolId;

use super::interval::KlineInterval;
use super::BinanceError;
use crate::bars::Bucket;
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

fn single<'a>(
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

fn timestamp(params: &(impl Params + ?Sized), name: &str) -> Result<Option<i64>, BinanceError> {
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

fn limit(
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

/// A `/klines` or `/uiKlines` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlineQuery {
    /// The pair.
    pub symbol: SymbolId,
    /// The interval (already checked against the tick grid).
    pub interval: KlineInterval,
    /// `startTime`, ms.
    pub start_ms: Option<i64>,
    /// `endTime`, ms.
    pub end_ms: Option<i64>,
    /// `limit`, 1–1000.
    pub limit: u32,
}

/// Parses `/klines` for a server whose ticks are `tick_ms` apart.
pub fn parse_klines(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
    tick_ms: u64,
) -> Result<KlineQuery, BinanceError> {
    let symbol = parse_symbol(params, market)?;
    let name = single(params, "interval")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BinanceError::missing("interval"))?;
    let interval = KlineInterval::parse(name).ok_or_else(BinanceError::bad_interval)?;
    interval
        .check_grid(tick_ms)
        .map_err(|why| BinanceError::interval_off_grid(&why))?;
    if let Some(tz) = single(params, "timeZone")? {
        if !matches!(
            tz,
            "0" | "+0" | "-0" | "0:00" | "+0:00" | "-0:00" | "00:00" | "+00:00"
        ) {
            return Err(BinanceError::unsupported(
                "timeZone",
                "This gateway serves UTC klines only (timeZone=0).",
            ));
        }
    }
    let start_ms = timestamp(params, "startTime")?;
    let end_ms = timestamp(params, "endTime")?;
    if let (Some(s), Some(e)) = (start_ms, end_ms) {
        if s > e {
            return Err(BinanceError::unsupported(
                "startTime",
                "startTime must not be after endTime.",
            ));
        }
    }
    Ok(KlineQuery {
        symbol,
        interval,
        start_ms,
        end_ms,
        limit: limit(params, DEFAULT_LIMIT, MAX_LIMIT, false)?,
    })
}

impl KlineQuery {
    /// The open times of the klines to return, at `now_ms`: `[from, to)`, at most `limit`
    /// klines, following Binance's rules (no bounds: the latest; `startTime`: the oldest
    /// opening there or later; `endTime`: the latest up to there; both: from the start, not
    /// past the end). Never past the kline open at `now_ms`.
    pub fn window(&self, now_ms: i64) -> (i64, i64) {
        let bucket = self.interval.bucket();
        let last_open = bucket.floor(self.end_ms.unwrap_or(now_ms).min(now_ms));
        let end = bucket.next(last_open);
        match self.start_ms {
            Some(start) => {
                // Klines opening at or after `startTime`.
                let floor = bucket.floor(start);
                let first = if floor == start {
                    start
                } else {
                    bucket.next(floor)
                };
                let mut to = first;
                for _ in 0..self.limit {
                    if to >= end {
                        break;
                    }
                    to = bucket.next(to);
                }
                (first, to.min(end).max(first))
            }
            None => {
                let mut from = last_open;
                for _ in 1..self.limit {
                    from = match bucket {
                        Bucket::Fixed(ms) => from - ms,
                        Bucket::Week => from - 7 * 86_400_000,
                        Bucket::Month => bucket.floor(from - 1),
                    };
                }
                (from, end)
            }
        }
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
    fn kline_parameters_follow_binance() {
        let q = |extra: &[(&'static str, &'static str)]| {
            let mut p = vec![("symbol", "BTCUSDT"), ("interval", "1m")];
            p.extend_from_slice(extra);
            parse_klines(&p, &market, 1000)
        };
        let k = q(&[]).unwrap();
        assert_eq!((k.limit, k.start_ms, k.end_ms), (500, None, None));
        let k = q(&[
            ("startTime", "1700000000000"),
            ("endTime", "1700000600000"),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(
            (k.start_ms, k.end_ms, k.limit),
            (Some(1_700_000_000_000), Some(1_700_000_600_000), 5)
        );
        let micro = q(&[("startTime", "1700000000000123")]).unwrap();
        assert_eq!(
            micro.start_ms,
            Some(1_700_000_000_000),
            "microseconds accepted"
        );
        assert_eq!(q(&[("limit", "1001")]).unwrap_err().code, -1130);
        assert_eq!(q(&[("limit", "0")]).unwrap_err().code, -1130);
        assert_eq!(q(&[("limit", "x")]).unwrap_err().code, -1100);
        assert_eq!(q(&[("startTime", "-5")]).unwrap_err().code, -1100);
        assert_eq!(
            q(&[("startTime", "20"), ("endTime", "10")])
                .unwrap_err()
                .code,
            -1130
        );
        assert_eq!(q(&[("timeZone", "8")]).unwrap_err().code, -1130);
        assert!(q(&[("timeZone", "0")]).is_ok());
        let bad = parse_klines(
            &[("symbol", "BTCUSDT"), ("interval", "2m")][..],
            &market,
            1000,
        );
        assert_eq!(bad, Err(BinanceError::bad_interval()));
        let missing = parse_klines(&[("symbol", "BTCUSDT")][..], &market, 1000);
        assert_eq!(missing.unwrap_err().code, -1102);
        let off = parse_klines(
            &[("symbol", "BTCUSDT"), ("interval", "1s")][..],
            &market,
            3000,
        )
        .unwrap_err();
        assert_eq!(off.code, -1120);
        assert!(off.msg.contains("3000 ms ticks"), "{}", off.msg);
    }

    #[test]
    fn kline_windows_pick_the_right_klines() {
        let now = 1_700_000_123_456; // 2023-11-14T22:15:23.456Z
        let minute = 60_000;
        let q = |start, end, limit| KlineQuery {
            symbol: SymbolId(0),
            interval: KlineInterval::parse("1m").unwrap(),
            start_ms: start,
            end_ms: end,
            limit,
        };
        let floor = now - now % minute;
        assert_eq!(
            q(None, None, 3).window(now),
            (floor - 2 * minute, floor + minute)
        );
        let start = floor - 10 * minute + 5;
        let first = floor - 9 * minute;
        assert_eq!(
            q(Some(start), None, 3).window(now),
            (first, floor - 6 * minute)
        );
        assert_eq!(
            q(Some(start), None, 1000).window(now),
            (first, floor + minute)
        );
        assert_eq!(
            q(Some(floor), None, 5).window(now),
            (floor, floor + minute),
            "not past now"
        );
        let end = floor - 5 * minute;
        assert_eq!(
            q(None, Some(end), 2).window(now),
            (end - minute, end + minute)
        );
        assert_eq!(
            q(Some(start), Some(end), 1000).window(now),
            (first, end + minute)
        );
        let month = KlineQuery {
            interval: KlineInterval::parse("1M").unwrap(),
            ..q(None, None, 3)
        };
        // November 2023 is current: September, October, November.
        assert_eq!(month.window(now), (1_693_526_400_000, 1_701_388_800_000));
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
