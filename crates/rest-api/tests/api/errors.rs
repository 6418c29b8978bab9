//! Every error answer has the one JSON shape `{"error":{"code","message"}}`, a stable code and
//! a message naming what to fix, including heads hyper would answer with a bare status line.

use ticker_core::MarketConfig;

use crate::helpers::{market_config, rest_config, spawn_app, spawn_app_on, spawn_app_with, NOW_MS};

const KNOWN: &str = "known symbols: AAPL, GOOGL, MSFT, AMZN, TSLA";

#[tokio::test]
async fn unknown_symbol_is_404_with_json_error() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/latest/nope",
        "/api/v1/history/NOPE",
        "/api/v1/latest?symbols=AAPL,nope",
    ] {
        let msg = app.get(path).await.error_message(404, "unknown_symbol");
        assert_eq!(msg, format!("unknown symbol \"NOPE\"; {KNOWN}"), "{path}");
    }
}

#[tokio::test]
async fn invalid_symbol_is_400_with_json_error_saying_why() {
    let app = spawn_app().await;
    let cases = [
        (
            "/api/v1/latest/AA$PL",
            r#""AA$PL" is not a valid symbol: '$' is not allowed in a symbol (use A-Z, 0-9, '.' and '-')"#,
        ),
        (
            "/api/v1/latest/ABCDEFGHIJKLM",
            r#""ABCDEFGHIJKLM" is not a valid symbol: a symbol has at most 12 characters, this one has 13"#,
        ),
        (
            "/api/v1/history/A%20B",
            r#""A B" is not a valid symbol: ' ' is not allowed in a symbol (use A-Z, 0-9, '.' and '-')"#,
        ),
        (
            "/api/v1/latest?symbols=AAPL,M_SFT",
            r#""M_SFT" is not a valid symbol: '_' is not allowed in a symbol (use A-Z, 0-9, '.' and '-')"#,
        ),
    ];
    for (path, want) in cases {
        let msg = app.get(path).await.error_message(400, "invalid_symbol");
        assert_eq!(msg, want, "{path}");
    }
}

#[tokio::test]
async fn unknown_route_is_404_with_json_error() {
    let app = spawn_app().await;
    for path in ["/nope", "/api/v1/latest/AAPL/extra", "/api/v2/symbols"] {
        let msg = app.get(path).await.error_message(404, "not_found");
        assert_eq!(
            msg,
            format!("no route for {path:?}; GET / lists the endpoints")
        );
    }
}

#[tokio::test]
async fn debug_routes_are_unknown_unless_enabled() {
    let app = spawn_app_with(rest_api::RestConfig {
        debug_routes: false,
        ..rest_config()
    })
    .await;
    for path in ["/debug/panic", "/debug/sleep?ms=1"] {
        app.get(path).await.error_message(404, "not_found");
    }
}

#[tokio::test]
async fn disallowed_method_is_405_with_allow_header() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let resp = client.request(method, "/api/v1/latest/AAPL", &[]).await;
        let msg = resp.error_message(405, "method_not_allowed");
        assert_eq!(
            msg,
            format!("method {method} is not allowed here; allowed: GET, HEAD, OPTIONS")
        );
        assert_eq!(resp.header("allow"), Some("GET, HEAD, OPTIONS"));
    }
}

#[tokio::test]
async fn connect_method_is_405_json_with_allow_header() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    client
        .send(b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nhost: 127.0.0.1:443\r\n\r\n")
        .await;
    let resp = client.read_response().await;
    let msg = resp.error_message(405, "method_not_allowed");
    assert_eq!(msg, "CONNECT is not supported");
    assert_eq!(resp.header("allow"), Some("GET, HEAD, OPTIONS"));
    client.closed().await;
}

#[tokio::test]
async fn bad_history_parameters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    let not_a_time = "is neither Unix milliseconds nor an RFC 3339 time between 1970 and 9999";
    let cases = [
        ("limit=0", r#"query parameter `limit`: "0" is not a whole number from 1 to 1000"#.to_owned()),
        ("limit=1001", r#"query parameter `limit`: "1001" is not a whole number from 1 to 1000"#.to_owned()),
        ("limit=ten", r#"query parameter `limit`: "ten" is not a whole number from 1 to 1000"#.to_owned()),
        (
            "interval=7m",
            r#"query parameter `interval`: "7m" is not a candle interval (use one of 1s, 5s, 10s, 15s, 30s, 1m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d)"#.to_owned(),
        ),
        ("from=yesterday", format!(r#"query parameter `from`: "yesterday" {not_a_time}"#)),
        ("to=2024-13-01", format!(r#"query parameter `to`: "2024-13-01" {not_a_time}"#)),
        (
            &format!("from={}", NOW_MS + 1),
            "query parameter `from`: must be before `to` (and not in the future)".to_owned(),
        ),
        (
            &format!("from={NOW_MS}&to={NOW_MS}"),
            "query parameter `from`: must be before `to` (and not in the future)".to_owned(),
        ),
    ];
    for (query, want) in cases {
        let resp = app.get(&format!("/api/v1/history/AAPL?{query}")).await;
        assert_eq!(
            resp.error_message(400, "invalid_parameter"),
            want,
            "{query}"
        );
    }
}

#[tokio::test]
async fn candle_interval_shorter_than_a_tick_is_400() {
    let market = MarketConfig {
        interval_ms: 5000,
        ..market_config()
    };
    let app = spawn_app_on(rest_config(), market).await;
    let msg = app
        .get("/api/v1/history/AAPL?interval=1s")
        .await
        .error_message(400, "invalid_parameter");
    assert_eq!(
        msg,
        "query parameter `interval`: 1s is shorter than the tick interval of 5000 ms"
    );
    app.get("/api/v1/history/AAPL?interval=5s").await.ok_json();
}

#[tokio::test]
async fn history_spanning_more_than_max_history_ticks_is_400_range_too_large() {
    let app = spawn_app_with(rest_api::RestConfig {
        max_history_ticks: 1000,
        ..rest_config()
    })
    .await;
    // The default request: 99 whole minutes and 56 ticks of the current one (a tick belongs to
    // the minute its interval starts in: 12:34:01 … 12:34:56).
    let msg = app
        .get("/api/v1/history/AAPL")
        .await
        .error_message(400, "range_too_large");
    assert_eq!(
        msg,
        "this request spans 5996 ticks; the limit is 1000 (--max-history-ticks): ask for fewer candles"
    );
    app.get("/api/v1/history/AAPL?limit=16").await.ok_json();
}

#[tokio::test]
async fn unknown_latest_format_is_400_naming_the_parameter() {
    let app = spawn_app().await;
    let msg = app
        .get("/api/v1/latest?format=xml")
        .await
        .error_message(400, "invalid_parameter");
    assert_eq!(
        msg,
        r#"query parameter `format`: "xml" is not `object` or `array`"#
    );
}

#[tokio::test]
async fn repeated_or_badly_escaped_query_parameters_are_400() {
    let app = spawn_app().await;
    let msg = app
        .get("/api/v1/history/AAPL?limit=1&limit=2")
        .await
        .error_message(400, "bad_request");
    assert_eq!(msg, "query parameter `limit` is given more than once");
    let msg = app
        .get("/api/v1/latest?symbols=%zz")
        .await
        .error_message(400, "bad_request");
    assert_eq!(
        msg,
        "query parameter `symbols` is not valid percent-encoded UTF-8"
    );
}

#[tokio::test]
async fn malformed_request_heads_are_400_json_and_close_the_connection() {
    let app = spawn_app().await;
    let cases: [(&[u8], &str); 7] = [
        (b"G\x01T / HTTP/1.1\r\nhost: x\r\n\r\n", "invalid method"),
        (
            b"GET / HTTP/2.0\r\nhost: x\r\n\r\n",
            "unsupported HTTP version (use HTTP/1.0 or HTTP/1.1)",
        ),
        (
            b"GET / HTTP/1.1\r\nx-bad: a\x00b\r\n\r\n",
            "invalid header value",
        ),
        (
            b"GET / HTTP/1.1\r\nbad name: x\r\n\r\n",
            "invalid header name",
        ),
        (
            b"GET /\x7f HTTP/1.1\r\nhost: x\r\n\r\n",
            "invalid request target",
        ),
        (
            b"POST / HTTP/1.1\r\ncontent-length: +5\r\n\r\n",
            "invalid content-length",
        ),
        (
            b"POST / HTTP/1.1\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n",
            "both content-length and transfer-encoding",
        ),
    ];
    for (head, want) in cases {
        let mut client = app.connect().await;
        client.send(head).await;
        let resp = client.read_response().await;
        let msg = resp.error_message(400, "bad_request");
        assert_eq!(msg, want, "{:?}", String::from_utf8_lossy(head));
        assert_eq!(resp.header("connection"), Some("close"));
        client.closed().await;
    }
}

#[tokio::test]
async fn a_request_pipelined_before_a_malformed_one_is_still_answered() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    client
        .send(b"GET /api/v1/symbols HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/2.0\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        .await;
    assert_eq!(client.read_response().await.status, 200);
    client
        .read_response()
        .await
        .error_message(400, "bad_request");
    client.closed().await;
}

#[tokio::test]
async fn a_panicking_handler_is_500_json_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let msg = client
        .get("/debug/panic")
        .await
        .error_message(500, "internal_error");
    assert_eq!(
        msg,
        "the request could not be completed; the failure was logged"
    );
    // The same connection, and new ones, still work.
    assert_eq!(client.get("/api/v1/latest/AAPL").await.status, 200);
    assert_eq!(app.get("/api/v1/latest/AAPL").await.status, 200);
    let metrics = app.get("/metrics").await;
    assert!(metrics
        .text()
        .contains(r#"ticker_rest_requests_total{route="debug",status="500"} 1"#));
}

#[tokio::test]
async fn query_symbols_are_percent_decoded_exactly_once() {
    let app = spawn_app().await;
    // `%2541` decodes to the text `%41`, which is not a symbol; decoding twice would give `A`.
    let resp = app.get("/api/v1/latest?symbols=%2541APL").await;
    let msg = resp.error_message(400, "invalid_symbol");
    assert!(msg.starts_with("\"%41APL\" is not a valid symbol"), "{msg}");
    // Path segments are decoded once as well.
    let resp = app.get("/api/v1/latest/%2541APL").await;
    resp.error_message(400, "invalid_symbol");
    assert_eq!(app.get("/api/v1/latest/%41APL").await.status, 200);
}
