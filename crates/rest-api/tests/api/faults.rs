//! Fault injection per request, on real sockets: injected statuses with the error shape and
//! `Retry-After`, added latency, hung requests, truncated bodies, a seeded rate that hits the
//! same requests for the same URL, server-wide defaults, and every fault parameter refused
//! when the server does not allow faults. The `/ws` relay leaves fault parameters to the
//! ws-server.

use std::time::{Duration, Instant};

use rest_api::cli::FaultConfig;
use rest_api::RestConfig;
use ws_server::WsConfig;

use crate::helpers::{rest_config, spawn_app, spawn_app_with, TestApp};
use crate::relayed::{metric_in, raw_upgrade, spawn_stack};

async fn faulty_app(tune: impl FnOnce(&mut FaultConfig)) -> TestApp {
    let mut faults = FaultConfig::allow();
    tune(&mut faults);
    spawn_app_with(RestConfig {
        faults,
        ..rest_config()
    })
    .await
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    metric_in(app.get("/metrics").await.text(), name)
}

fn faults_metric(kind: &str) -> String {
    format!("ticker_rest_faults_total{{kind=\"{kind}\"}}")
}

#[tokio::test]
async fn fault_parameters_and_the_header_are_refused_unless_faults_are_allowed() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    for target in [
        "/api/v1/latest/AAPL?fault_status=503",
        "/health?fault_latency_ms=10",
        "/api/v1/latest?symbols=AAPL&fault_anything=1",
    ] {
        let message = client
            .get(target)
            .await
            .error_message(400, "faults_disabled");
        assert!(
            message.contains("start it with --faults allow"),
            "{message}"
        );
    }
    let resp = client
        .request(
            "GET",
            "/api/v1/latest/AAPL",
            &[("x-ticker-fault", "status=503")],
        )
        .await;
    let message = resp.error_message(400, "faults_disabled");
    assert!(message.starts_with("`fault_status`"), "{message}");
    // A preflight is never refused: the request itself gets the clear error.
    let preflight = client
        .request(
            "OPTIONS",
            "/api/v1/latest/AAPL?fault_status=503",
            &[
                ("origin", "http://localhost:5173"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "x-ticker-fault"),
            ],
        )
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("x-ticker-fault")
    );
    assert_eq!(client.get("/api/v1/latest/AAPL").await.status, 200);
}

#[tokio::test]
async fn bad_fault_parameters_are_named() {
    let app = faulty_app(|_| {}).await;
    let message = app
        .get("/api/v1/latest/AAPL?fault_status=418")
        .await
        .error_message(400, "invalid_fault");
    assert_eq!(message, "`fault_status`: 418 is not 429, 500, 502 or 503");
}

#[tokio::test]
async fn injected_statuses_carry_the_error_shape_and_retry_after() {
    let app = faulty_app(|_| {}).await;
    let mut client = app.connect().await;
    let cases = [
        ("fault_status=503", 503, Some("1")),
        ("fault_status=429&fault_retry_after=30", 429, Some("30")),
        ("fault_status=500", 500, None),
        ("fault_status=502", 502, None),
    ];
    for (query, status, retry_after) in cases {
        let resp = client.get(&format!("/api/v1/latest/AAPL?{query}")).await;
        let message = resp.error_message(status, "fault_injected");
        assert!(
            message.starts_with(&format!("injected on purpose: {status}")),
            "{message}"
        );
        assert_eq!(resp.header("retry-after"), retry_after, "{query}");
        let injected = format!("status={status}");
        assert_eq!(resp.header("x-ticker-fault"), Some(injected.as_str()));
        // Readable by a page on another origin, like every answer.
        assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            resp.header("access-control-expose-headers"),
            Some("x-ticker-fault, retry-after")
        );
    }
    // The header works as the query does; the connection is still usable.
    let resp = client
        .request(
            "GET",
            "/api/v1/latest/AAPL",
            &[("x-ticker-fault", "status=503")],
        )
        .await;
    resp.error_message(503, "fault_injected");
    let ok = client.get("/api/v1/latest/AAPL").await;
    assert_eq!(ok.body, app.quote_json("AAPL", app.tick()));
    assert_eq!(metric(&app, &faults_metric("status")).await, 5.0);
    assert_eq!(
        metric(
            &app,
            "ticker_rest_requests_total{route=\"latest\",status=\"502\"}"
        )
        .await,
        1.0
    );
}

#[tokio::test]
async fn added_latency_answers_late_with_the_quote_of_the_moment_it_answers() {
    let app = faulty_app(|_| {}).await;
    let before = app.tick();
    let mut client = app.connect().await;
    let started = Instant::now();
    client
        .send(&crate::helpers::request_bytes(
            "GET",
            "/api/v1/latest/AAPL?fault_latency_ms=600",
            &[],
        ))
        .await;
    // The market moves while the answer waits: the answer is the quote when it is sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.set_tick(before.0 + 1);
    let resp = client.read_response().await;
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("x-ticker-fault"), Some("latency_ms=600"));
    assert_eq!(resp.body, app.quote_json("AAPL", app.tick()));
    assert_eq!(app.tick().0, before.0 + 1);
    assert_eq!(metric(&app, &faults_metric("latency")).await, 1.0);
}

#[tokio::test]
async fn a_hung_request_gets_no_answer_and_its_connection_closes() {
    let app = faulty_app(|_| {}).await;
    let mut hung = app.connect().await;
    hung.send(&crate::helpers::request_bytes(
        "GET",
        "/api/v1/latest/AAPL?fault_hang_ms=500",
        &[],
    ))
    .await;
    // Others are served meanwhile.
    let started = Instant::now();
    assert_eq!(app.get("/api/v1/latest/MSFT").await.status, 200);
    assert!(started.elapsed() < Duration::from_millis(500));
    // `closed` fails if any byte arrives first.
    hung.closed().await;
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(metric(&app, &faults_metric("hang")).await, 1.0);
}

#[tokio::test]
async fn a_truncated_body_stops_short_of_its_content_length_and_the_connection_closes() {
    let app = faulty_app(|_| {}).await;
    let mut client = app.connect().await;
    client
        .send(&crate::helpers::request_bytes(
            "GET",
            "/api/v1/latest/AAPL?fault_truncate=20",
            &[],
        ))
        .await;
    let raw = client.bytes_until_closed().await;
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let whole = app.quote_json("AAPL", app.tick());
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains(&format!("content-length: {}\r\n", whole.len())),
        "the whole length is announced: {head}"
    );
    assert!(head.contains("x-ticker-fault: truncate=20"), "{head}");
    assert_eq!(
        body.as_bytes(),
        &whole[..20],
        "the first 20 bytes, then the end"
    );
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err());
    assert_eq!(metric(&app, &faults_metric("truncate")).await, 1.0);
}

/// Which of `n` requests of `target` are hit (503) rather than answered (200).
async fn hits(app: &TestApp, target: &str, n: usize) -> Vec<bool> {
    let mut client = app.connect().await;
    let mut out = Vec::new();
    for _ in 0..n {
        let resp = client.get(target).await;
        assert!(matches!(resp.status, 200 | 503), "{}", resp.status);
        out.push(resp.status == 503);
    }
    out
}

#[tokio::test]
async fn the_rate_hits_the_same_requests_of_the_same_url() {
    let first = faulty_app(|_| {}).await;
    let second = faulty_app(|_| {}).await;
    let url = "/api/v1/latest/AAPL?fault_status=503&fault_rate=0.4";
    let a = hits(&first, url, 30).await;
    assert_eq!(a, hits(&second, url, 30).await, "same URL, same hits");
    let n = a.iter().filter(|h| **h).count();
    assert!((4..=20).contains(&n), "{n} of 30 at rate 0.4");
    // A fault_client counts its own requests: same seed, same hits.
    let seeded = "/api/v1/latest/AAPL?fault_status=503&fault_rate=0.4&fault_seed=8";
    let one = hits(&first, &format!("{seeded}&fault_client=one"), 30).await;
    assert_eq!(
        one,
        hits(&first, &format!("{seeded}&fault_client=two"), 30).await
    );
    assert_ne!(one, a, "another seed, other hits");
    assert_eq!(metric(&first, "ticker_rest_fault_clients").await, 3.0);
}

#[tokio::test]
async fn server_wide_defaults_hit_api_routes_unless_the_request_says_otherwise() {
    let app = faulty_app(|f| f.defaults = Some("fault_status=502".into())).await;
    app.get("/api/v1/latest/AAPL")
        .await
        .error_message(502, "fault_injected");
    assert_eq!(app.get("/health").await.status, 200);
    assert_eq!(app.get("/").await.status, 200);
    app.get("/api/v1/latest/AAPL?fault_status=429")
        .await
        .error_message(429, "fault_injected");
}

#[tokio::test]
async fn the_relay_leaves_fault_parameters_to_the_ws_server() {
    // Faults off on the rest-api, on at the ws-server: the ws-server's refusal comes through.
    let stack = spawn_stack(
        rest_config(),
        WsConfig {
            faults: ws_server::cli::FaultConfig::allow(),
            ..WsConfig::default()
        },
    )
    .await;
    let mut client = stack.app.connect().await;
    let path = "/ws?fault_refuse=1&fault_client=relayed";
    let refused = raw_upgrade(&mut client, path, &[]).await;
    refused.error_message(503, "fault_injected");
    assert_eq!(refused.header("retry-after"), Some("1"));
    let mut again = stack.app.connect().await;
    assert_eq!(raw_upgrade(&mut again, path, &[]).await.status, 101);
}
