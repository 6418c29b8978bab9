//! Every endpoint's success answer, with exact bodies: prices are computed through the same
//! `Market` the server uses, never written down. History has its own module.

use serde_json::json;
use ticker_core::{Clock, Seq, VERSION};

use crate::helpers::{rest_config, spawn_app, spawn_app_with, SEED, SYMBOLS};

#[tokio::test]
async fn root_describes_the_service_the_market_and_every_endpoint() {
    let rest = rest_config();
    let ws_url = rest.ws_url.clone();
    let app = spawn_app_with(rest).await;
    let v = app.get("/").await.ok_json();
    assert_eq!(v["name"], "ticker rest-api");
    assert_eq!(v["version"], VERSION);
    assert!(v["uptime_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["ws_url"], ws_url.as_str());
    assert_eq!(
        v["market"],
        json!({
            "seed": SEED,
            "interval_ms": 1000,
            "epoch": "2024-01-01T00:00:00Z",
            "session_ms": 86_400_000,
            "symbols": SYMBOLS,
            "tick": app.tick().0,
        })
    );
    // The test server's clock is a manual one, stopped where the test put it.
    assert_eq!(v["clock"]["kind"], "manual");
    assert_eq!(v["clock"]["speed"], 0.0);
    assert_eq!(v["clock"]["now_ms"], app.clock.now_ms());
    let endpoints: Vec<(&str, &str)> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["description"].as_str().unwrap().is_empty());
            (e["method"].as_str().unwrap(), e["path"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        endpoints,
        [
            ("GET", "/"),
            ("GET", "/health"),
            ("GET", "/api/v1/symbols"),
            ("GET", "/api/v1/latest/{symbol}?at="),
            ("GET", "/api/v1/latest?symbols=A,B&at="),
            (
                "GET",
                "/api/v1/history/{symbol}?interval=1m&from=&to=&limit="
            ),
            (
                "GET",
                "/api/v1/trades/{symbol}?from=&to=&limit=&page_token="
            ),
            ("GET", "/api/v1/trades/{symbol}/latest"),
            ("GET", "/api/v1/nbbo/{symbol}"),
            (
                "GET",
                "/api/v1/bars/{symbol}?interval=1m|1d&from=&to=&limit="
            ),
            ("GET", "/api/v1/market/status?symbol=&at="),
            ("GET", "/api/v1/calendar?from=&to=&symbol="),
            ("GET", "/finnhub/api/v1/…"),
            ("GET", "/binance/api/v3/…"),
            ("GET", "/alpaca/v2/stocks/…"),
            ("GET", "/polygon/v2/…"),
            ("GET", "/metrics"),
            ("GET", "/dashboard"),
            ("GET", "/assets/ticker.js"),
            ("GET", "/openapi.json"),
            ("GET", "/docs"),
            ("GET", "/ws"),
        ]
    );
}

#[tokio::test]
async fn json_answers_are_not_cacheable_and_not_sniffable() {
    let app = spawn_app().await;
    let resp = app.get("/api/v1/latest/AAPL").await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn symbols_lists_every_configured_symbol_with_its_details() {
    let app = spawn_app().await;
    let resp = app.get("/api/v1/symbols").await;
    let details: Vec<serde_json::Value> = app
        .market
        .ids()
        .map(|id| serde_json::to_value(app.market.info(id)).unwrap())
        .collect();
    assert_eq!(
        resp.ok_json(),
        json!({ "symbols": SYMBOLS, "details": details })
    );
    assert!(resp
        .text()
        .starts_with(r#"{"symbols":["AAPL","GOOGL","MSFT","AMZN","TSLA"],"details":[{"symbol":"AAPL","name":"Apple Inc.","#));
}

#[tokio::test]
async fn latest_symbol_is_the_core_quote_at_the_current_tick() {
    let app = spawn_app().await;
    let tick = app.tick();
    assert_eq!(
        tick,
        Seq(909_296),
        "NOW_MS is 909 296.789 s after the epoch"
    );
    for symbol in SYMBOLS {
        let resp = app.get(&format!("/api/v1/latest/{symbol}")).await;
        assert_eq!(resp.status, 200);
        assert_eq!(
            resp.text(),
            String::from_utf8(app.quote_json(symbol, tick)).unwrap()
        );
    }
}

#[tokio::test]
async fn latest_symbol_is_case_insensitive_percent_decoded_and_slash_tolerant() {
    let app = spawn_app().await;
    let want = app.quote_json("GOOGL", app.tick());
    for path in [
        "/api/v1/latest/googl",
        "/api/v1/latest/GoOgL",
        "/api/v1/latest/%47OOGL",
        "/api/v1/latest/GOOGL/",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.body, want, "{path}");
    }
}

#[tokio::test]
async fn latest_many_returns_the_requested_symbols_in_order_without_duplicates() {
    let app = spawn_app().await;
    let tick = app.tick();
    let resp = app
        .get("/api/v1/latest?symbols=msft,AAPL,%20msft%20,,")
        .await;
    assert_eq!(resp.status, 200);
    let want = format!(
        r#"{{"seq":{},"timestamp":{},"quotes":[{},{}]}}"#,
        tick.0,
        app.market.schedule().time_of(tick),
        String::from_utf8(app.quote_json("MSFT", tick)).unwrap(),
        String::from_utf8(app.quote_json("AAPL", tick)).unwrap(),
    );
    assert_eq!(resp.text(), want);
}

#[tokio::test]
async fn latest_many_without_symbols_returns_every_symbol() {
    let app = spawn_app().await;
    let tick = app.tick();
    let quotes: Vec<String> = SYMBOLS
        .iter()
        .map(|s| String::from_utf8(app.quote_json(s, tick)).unwrap())
        .collect();
    let want = format!(
        r#"{{"seq":{},"timestamp":{},"quotes":[{}]}}"#,
        tick.0,
        app.market.schedule().time_of(tick),
        quotes.join(",")
    );
    for path in [
        "/api/v1/latest",
        "/api/v1/latest/",
        "/api/v1/latest?symbols=",
        "/api/v1/latest?format=object&_=1700000000",
    ] {
        assert_eq!(app.get(path).await.text(), want, "{path}");
    }
}

#[tokio::test]
async fn latest_many_array_format_has_the_classic_shape_with_the_change_since_the_last_tick() {
    let app = spawn_app().await;
    let tick = app.tick();
    let resp = app
        .get("/api/v1/latest?symbols=TSLA,googl&format=array")
        .await;
    assert_eq!(resp.status, 200);
    let mut want = b"[".to_vec();
    for (i, symbol) in ["TSLA", "GOOGL"].into_iter().enumerate() {
        if i > 0 {
            want.push(b',');
        }
        let id = app.id(symbol);
        app.market
            .quote(id, tick)
            .write_classic(app.market.tick_change(id, tick), &mut want);
    }
    want.push(b']');
    assert_eq!(resp.text(), String::from_utf8(want).unwrap());

    let v = resp.json();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (item, symbol) in items.iter().zip(["TSLA", "GOOGL"]) {
        let id = app.id(symbol);
        let quote = app.market.quote(id, tick);
        let previous = app.market.last_price(id, Seq(tick.0 - 1));
        assert_eq!(item["stock"], symbol);
        assert_eq!(item["symbol"], symbol);
        assert_eq!(item["price"].as_f64().unwrap(), quote.price.to_f64());
        // The classic `change` is since the previous tick; the session's stays in prev_close.
        let change = item["change"].as_f64().unwrap();
        assert_eq!(
            (change * 100.0).round() as i64,
            quote.price.units() - previous.units()
        );
        assert_eq!(
            item["prev_close"].as_f64().unwrap(),
            quote.prev_close.to_f64()
        );
    }
    assert!(resp
        .text()
        .starts_with(r#"[{"stock":"TSLA","symbol":"TSLA","price":"#));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_text() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for _ in 0..3 {
        assert_eq!(client.get("/api/v1/latest/AAPL").await.status, 200);
    }
    assert_eq!(client.get("/api/v1/latest/NOPE").await.status, 404);
    assert_eq!(client.get("/nope").await.status, 404);
    let mut bad = app.connect().await;
    bad.send(b"GET / HTTP/2.0\r\n\r\n").await;
    assert_eq!(bad.read_response().await.status, 400);

    let resp = client.get("/metrics").await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = resp.text();
    for line in [
        "# TYPE ticker_rest_requests_total counter",
        r#"ticker_rest_requests_total{route="latest",status="200"} 3"#,
        r#"ticker_rest_requests_total{route="latest",status="404"} 1"#,
        r#"ticker_rest_requests_total{route="not_found",status="404"} 1"#,
        r#"ticker_rest_requests_total{route="rejected",status="400"} 1"#,
        "# TYPE ticker_rest_request_duration_seconds histogram",
        r#"ticker_rest_request_duration_seconds_bucket{route="latest",le="+Inf"} 4"#,
        r#"ticker_rest_request_duration_seconds_count{route="latest"} 4"#,
        &format!(r#"ticker_rest_build_info{{version="{VERSION}"}} 1"#),
        "ticker_rest_connections_accepted_total 2",
        "ticker_rest_connections_refused_total 0",
        &format!("ticker_rest_market_tick {}", app.tick().0),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing line {line:?} in:\n{text}"
        );
    }
    assert!(
        !text.contains(r#"route="metrics""#),
        "the metrics request itself is counted after it is answered"
    );
}

#[tokio::test]
async fn assets_serve_the_committed_typescript_client_and_every_module_it_imports() {
    let app = spawn_app().await;
    let resp = app.get("/assets/ticker.js").await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../clients/typescript/dist/ticker.js"),
    )
    .unwrap();
    assert_eq!(resp.text(), committed, "byte for byte the committed module");
    assert!(committed.contains("export class TickerClient"));
    // `ticker.js` imports the client's other modules relatively: every module of `dist/` is
    // served beside it, byte for byte.
    let dist =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/typescript/dist");
    let mut modules = 0;
    for entry in std::fs::read_dir(&dist).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".js") {
            continue;
        }
        let resp = app.get(&format!("/assets/{name}")).await;
        assert_eq!(resp.status, 200, "/assets/{name}");
        assert_eq!(
            resp.header("content-type"),
            Some("text/javascript; charset=utf-8"),
            "/assets/{name}"
        );
        let committed = std::fs::read_to_string(dist.join(&name)).unwrap();
        assert_eq!(
            resp.text(),
            committed,
            "/assets/{name}: byte for byte dist/{name}"
        );
        modules += 1;
    }
    assert!(
        modules > 1,
        "the client's modules are in clients/typescript/dist"
    );
    let missing = app.get("/assets/nope.js").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn dashboard_is_an_html_page() {
    let app = spawn_app().await;
    let resp = app.get("/dashboard").await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(resp.text().to_ascii_lowercase().contains("<html"));
    // Its styles and script, from this origin.
    for (path, content_type, marker) in [
        (
            "/assets/dashboard.css",
            "text/css; charset=utf-8",
            "#status",
        ),
        (
            "/assets/dashboard.js",
            "text/javascript; charset=utf-8",
            "window.__ticker",
        ),
    ] {
        assert!(resp.text().contains(path), "the page links {path}");
        let asset = app.get(path).await;
        assert_eq!(asset.status, 200, "{path}");
        assert_eq!(asset.header("content-type"), Some(content_type), "{path}");
        assert!(asset.text().contains(marker), "{path}");
    }
    // The script is an ES module: the others come from its imports, the stream from the client.
    assert!(resp
        .text()
        .contains(r#"<script type="module" src="/assets/dashboard.js">"#));
    for (module, imported_by, marker) in [
        ("dashboard-state.js", "dashboard.js", "export const T ="),
        (
            "dashboard-cards.js",
            "dashboard.js",
            "export function applyQuote(",
        ),
        (
            "dashboard-chart.js",
            "dashboard.js",
            "export function renderChart(",
        ),
        ("dashboard-stream.js", "dashboard.js", "new TickerClient("),
        (
            "ticker.js",
            "dashboard-stream.js",
            "export class TickerClient",
        ),
    ] {
        let importer = app.get(&format!("/assets/{imported_by}")).await;
        assert!(
            importer
                .text()
                .contains(&format!("from '/assets/{module}'")),
            "{imported_by} imports {module}"
        );
        let asset = app.get(&format!("/assets/{module}")).await;
        assert_eq!(asset.status, 200, "{module}");
        assert_eq!(
            asset.header("content-type"),
            Some("text/javascript; charset=utf-8"),
            "{module}"
        );
        assert_eq!(asset.header("cache-control"), Some("no-store"), "{module}");
        assert!(asset.text().contains(marker), "{module}");
    }
}
