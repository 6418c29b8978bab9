//! Finnhub REST requests: which endpoint a path names, who is asking (`token`), and each
//! endpoint's parameters, checked with Finnhub's error shape.
//!
//! Paths are relative to the gateway's base (`/finnhub/api/v1`). `finnhub-python` formats
//! its URLs as `"{API_URL}/{path}"` with paths that already start with `/`, so every request
//! it makes has a doubled slash (`/api/v1//quote`); [`route`] collapses repeated slashes.

use crate::bars::Bucket;
use crate::params::Params;

use super::FinnhubError;

/// Default for the most candles one `/stock/candle` request may return.
pub const DEFAULT_MAX_CANDLES: u64 = 5000;

/// The endpoints this gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /quote`
    Quote,
    /// `GET /stock/candle`
    Candle,
    /// `GET /stock/symbol`
    Symbols,
    /// `GET /stock/profile2`
    Profile,
}

/// The endpoint of a path below the base, tolerating repeated and trailing slashes.
pub fn route(path: &str) -> Result<Endpoint, FinnhubError> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let endpoint = match (parts.next(), parts.next(), parts.next()) {
        (Some("quote"), None, _) => Endpoint::Quote,
        (Some("stock"), Some("candle"), None) => Endpoint::Candle,
        (Some("stock"), Some("symbol"), None) => Endpoint::Symbols,
        (Some("stock"), Some("profile2"), None) => Endpoint::Profile,
        _ => return Err(FinnhubError::not_found(path)),
    };
    Ok(endpoint)
}

/// The token of a request: the `token` query parameter, else the `X-Finnhub-Token` header.
pub fn token<'a>(params: &'a (impl Params + ?Sized), header: Option<&'a str>) -> Option<&'a str> {
    params
        .value("token")
        .filter(|t| !t.is_empty())
        .or(header.filter(|t| !t.is_empty()))
}

/// Checks a token (REST or stream). With no configured keys any non-empty token is accepted
/// (a sandbox); with keys, only those.
pub fn authorize(token: Option<&str>, keys: &[String]) -> Result<(), FinnhubError> {
    match token {
        None | Some("") => Err(FinnhubError::no_token()),
        Some(t) if keys.is_empty() || keys.iter().any(|k| k == t) => Ok(()),
        Some(_) => Err(FinnhubError::bad_token()),
    }
}

fn required<'a>(params: &'a (impl Params + ?Sized), name: &str) -> Result<&'a str, FinnhubError> {
    params
        .value(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FinnhubError::bad_param(format!("Missing parameter: {name}")))
}

/// `symbol` of `/quote` and `/stock/profile2`, as sent (Finnhub symbols are case-sensitive;
/// an unknown one answers with Finnhub's empty body, not an error).
pub fn parse_symbol(params: &(impl Params + ?Sized)) -> Result<String, FinnhubError> {
    required(params, "symbol").map(str::to_owned)
}

/// A candle resolution: `1`, `5`, `15`, `30`, `60` (minutes), `D`, `W`, `M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Minute bars of this many minutes.
    Minutes(u32),
    /// Daily bars.
    Day,
    /// Weekly bars (Monday to Sunday, UTC).
    Week,
    /// Monthly bars (calendar months, UTC).
    Month,
}

impl Resolution {
    /// Parses Finnhub's resolution parameter.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1" => Some(Self::Minutes(1)),
            "5" => Some(Self::Minutes(5)),
            "15" => Some(Self::Minutes(15)),
            "30" => Some(Self::Minutes(30)),
            "60" => Some(Self::Minutes(60)),
            "D" | "1D" => Some(Self::Day),
            "W" | "1W" => Some(Self::Week),
            "M" | "1M" => Some(Self::Month),
            _ => None,
        }
    }

    /// How bar start times are aligned.
    pub fn bucket(self) -> Bucket {
        match self {
            Self::Minutes(m) => Bucket::Fixed(i64::from(m) * 60_000),
            Self::Day => Bucket::Fixed(86_400_000),
            Self::Week => Bucket::Week,
            Self::Month => Bucket::Month,
        }
    }

    /// The shortest length of one bar, for bounding a request's size.
    pub fn min_width_ms(self) -> i64 {
        match self {
            Self::Minutes(m) => i64::from(m) * 60_000,
            Self::Day => 86_400_000,
            Self::Week => 7 * 86_400_000,
            Self::Month => 28 * 86_400_000,
        }
    }
}

/// A `/stock/candle` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandleRequest {
    /// As sent; unknown symbols answer `{"s":"no_data"}`.
    pub symbol: String,
    /// Bar width.
    pub resolution: Resolution,
    /// `from`, Unix seconds (inclusive).
    pub from_s: i64,
    /// `to`, Unix seconds (inclusive).
    pub to_s: i64,
}

impl CandleRequest {
    /// The bars asked for are those starting in `[from_ms, to_ms)`.
    pub fn range_ms(&self) -> (i64, i64) {
        (
            self.from_s.saturating_mul(1000),
            self.to_s.saturating_add(1).saturating_mul(1000),
        )
    }
}

fn unix_seconds(params: &(impl Params + ?Sized), name: &str) -> Result<i64, FinnhubError> {
    let text = required(params, name)?;
    text.parse::<i64>()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))
        .ok_or_else(|| {
            FinnhubError::bad_param(format!(
                "Wrong {name}: {text:?} is not a UNIX timestamp in seconds"
            ))
        })
}

/// Parses `/stock/candle`; at most `max_candles` bars may be asked for.
pub fn parse_candle(
    params: &(impl Params + ?Sized),
    max_candles: u64,
) -> Result<CandleRequest, FinnhubError> {
    let symbol = parse_symbol(params)?;
    let res_text = required(params, "resolution")?;
    let resolution = Resolution::parse(res_text).ok_or_else(|| {
        FinnhubError::unprocessable(format!(
            "Unsupported resolution {res_text:?}: use 1, 5, 15, 30, 60, D, W or M"
        ))
    })?;
    let req = CandleRequest {
        symbol,
        resolution,
        from_s: unix_seconds(params, "from")?,
        to_s: unix_seconds(params, "to")?,
    };
    let (from, to) = req.range_ms();
    let span = to.saturating_sub(from).max(0);
    let most = span / resolution.min_width_ms() + 1;
    if most as u64 > max_candles {
        return Err(FinnhubError::unprocessable(format!(
            "Too many candles: from..to spans up to {most} bars at resolution {res_text}, \
             at most {max_candles} per request; narrow the range"
        )));
    }
    Ok(req)
}

/// A `/stock/symbol` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolsRequest {
    /// `exchange` (required): `US` lists the US stocks; other codes list nothing.
    pub exchange: String,
    /// Optional `mic` filter.
    pub mic: Option<String>,
    /// Optional `securityType` filter (`Common Stock`, …).
    pub security_type: Option<String>,
    /// Optional `currency` filter.
    pub currency: Option<String>,
}

/// Parses `/stock/symbol`.
pub fn parse_symbols(params: &(impl Params + ?Sized)) -> Result<SymbolsRequest, FinnhubError> {
    let opt = |name: &str| {
        params
            .value(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    Ok(SymbolsRequest {
        exchange: required(params, "exchange")?.to_owned(),
        mic: opt("mic"),
        security_type: opt("securityType"),
        currency: opt("currency"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_tolerate_the_double_slash_of_finnhub_python() {
        assert_eq!(route("//quote"), Ok(Endpoint::Quote));
        assert_eq!(route("/quote"), Ok(Endpoint::Quote));
        assert_eq!(route("//stock/candle"), Ok(Endpoint::Candle));
        assert_eq!(route("/stock//symbol/"), Ok(Endpoint::Symbols));
        assert_eq!(route("/stock/profile2"), Ok(Endpoint::Profile));
        let e = route("/stock/metric").unwrap_err();
        assert_eq!(e.status, 404);
        assert!(e.message.contains("/api/v1/stock/metric"), "{}", e.message);
        assert_eq!(route("/quote/extra").unwrap_err().status, 404);
    }

    #[test]
    fn token_by_query_or_header() {
        let q = [("token", "abc")];
        assert_eq!(token(&q[..], Some("hdr")), Some("abc"));
        let none: [(&str, &str); 0] = [];
        assert_eq!(token(&none[..], Some("hdr")), Some("hdr"));
        assert_eq!(token(&[("token", "")][..], None), None);
        assert_eq!(authorize(None, &[]), Err(FinnhubError::no_token()));
        assert_eq!(authorize(Some("anything"), &[]), Ok(()));
        let keys = vec!["k1".to_owned()];
        assert_eq!(authorize(Some("k1"), &keys), Ok(()));
        assert_eq!(authorize(Some("k2"), &keys), Err(FinnhubError::bad_token()));
    }

    #[test]
    fn candle_parameters_are_checked() {
        let ok = [
            ("symbol", "AAPL"),
            ("resolution", "D"),
            ("from", "1704067200"),
            ("to", "1706745600"),
        ];
        let req = parse_candle(&ok[..], 5000).unwrap();
        assert_eq!(req.resolution, Resolution::Day);
        assert_eq!(req.range_ms(), (1_704_067_200_000, 1_706_745_601_000));
        for (res, want) in [
            ("1", Resolution::Minutes(1)),
            ("60", Resolution::Minutes(60)),
            ("W", Resolution::Week),
            ("M", Resolution::Month),
        ] {
            assert_eq!(Resolution::parse(res), Some(want));
        }
        let mut bad = ok;
        bad[1].1 = "2";
        let e = parse_candle(&bad[..], 5000).unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.contains("1, 5, 15, 30, 60, D, W or M"));
        let mut bad = ok;
        bad[2].1 = "2024-01-01";
        let e = parse_candle(&bad[..], 5000).unwrap_err();
        assert_eq!((e.status, e.message.starts_with("Wrong from")), (400, true));
        let e = parse_candle(&ok[..2], 5000).unwrap_err();
        assert_eq!(e.message, "Missing parameter: from");
        let mut wide = ok;
        wide[1].1 = "1";
        let e = parse_candle(&wide[..], 5000).unwrap_err();
        assert_eq!(e.status, 422);
        assert!(e.message.starts_with("Too many candles"), "{}", e.message);
    }

    #[test]
    fn symbol_list_needs_an_exchange() {
        let e = parse_symbols(&[("mic", "XNAS")][..]).unwrap_err();
        assert_eq!(e.message, "Missing parameter: exchange");
        let r = parse_symbols(&[("exchange", "US"), ("currency", "USD")][..]).unwrap();
        assert_eq!(r.exchange, "US");
        assert_eq!(r.currency.as_deref(), Some("USD"));
        assert_eq!(r.mic, None);
    }
}
