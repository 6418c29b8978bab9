//! Paging URLs, shaped by two SDK habits. The JS client fetches `next_url` verbatim
//! (appending `&apiKey=…`), so it must be an absolute URL on the host the client used, with a
//! query ([`next_url`]). The Python client keeps only its path and query and prefixes its own
//! base URL, which already ends in the gateway's prefix: the path then arrives with the prefix
//! twice, so [`strip_prefix`] takes it off as often as it is there.

use super::{AggsRequest, Sort, Timespan};

/// The path under the gateway's `prefix`, with the prefix taken off as often as it repeats
/// (the Python SDK's pagination adds it a second time). `None` if not under the prefix.
pub fn strip_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let mut rest = path.strip_prefix(prefix)?;
    while let Some(again) = rest.strip_prefix(prefix).filter(|r| r.starts_with('/')) {
        rest = again;
    }
    rest.starts_with('/').then_some(rest)
}

fn timespan_name(t: Timespan) -> &'static str {
    match t {
        Timespan::Second => "second",
        Timespan::Minute => "minute",
        Timespan::Hour => "hour",
        Timespan::Day => "day",
        Timespan::Week => "week",
        Timespan::Month => "month",
        Timespan::Quarter => "quarter",
        Timespan::Year => "year",
    }
}

/// The absolute URL of the page that starts at bar `cursor_ms`: on `host` (the request's
/// `Host` header), under `prefix`, with the request's parameters and always a query string (the
/// JS SDK appends `&apiKey=…`).
pub fn next_url(host: &str, prefix: &str, req: &AggsRequest, cursor_ms: i64) -> String {
    let sort = match req.sort {
        Sort::Asc => "asc",
        Sort::Desc => "desc",
    };
    format!(
        "http://{host}{prefix}/v2/aggs/ticker/{}/range/{}/{}/{}/{}?cursor={cursor_ms}&adjusted={}&sort={sort}&limit={}",
        req.ticker,
        req.multiplier,
        timespan_name(req.timespan),
        req.range_text.0,
        req.range_text.1,
        req.adjusted,
        req.limit
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polygon::rest::{parse, Request};

    #[test]
    fn next_url_is_absolute_on_the_clients_host_and_the_python_path_still_routes() {
        let Request::Aggs(r) = parse(
            "/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02",
            "limit=2",
        )
        .unwrap() else {
            panic!()
        };
        let url = next_url("127.0.0.1:8000", "/polygon", &r, 1_704_205_860_000);
        assert_eq!(
            url,
            "http://127.0.0.1:8000/polygon/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02?cursor=1704205860000&adjusted=true&sort=asc&limit=2"
        );
        // JS: fetches it as is. Python: its base (…/polygon) + the URL's path and query.
        let (path, query) = url
            .trim_start_matches("http://127.0.0.1:8000")
            .split_once('?')
            .unwrap();
        let python_path = format!("/polygon{path}");
        let routed = strip_prefix(&python_path, "/polygon").unwrap();
        let Request::Aggs(again) = parse(routed, query).unwrap() else {
            panic!()
        };
        assert_eq!(again.cursor, Some(1_704_205_860_000));
        assert_eq!((again.from, again.to, again.limit), (r.from, r.to, 2));
        assert_eq!(strip_prefix("/polygon/v2/x", "/polygon"), Some("/v2/x"));
        assert_eq!(strip_prefix("/polygonx/v2", "/polygon"), None);
        assert_eq!(strip_prefix("/alpaca/v2", "/polygon"), None);
    }
}
