//! CORS: every answer, errors included, carries the policy's headers; preflights get 204.

use rest_api::RestConfig;

use crate::helpers::{rest_config, spawn_app, spawn_app_with, Response, TestApp};

const LISTED: &str = "http://localhost:5173";
const UNLISTED: &str = "http://evil.example";

/// One answer of each kind, each requested from `origin` on its own connection.
async fn answers_of_every_kind(app: &TestApp, origin: &str) -> Vec<(&'static str, Response)> {
    let mut out = Vec::new();
    for (what, method, path) in [
        ("200", "GET", "/api/v1/latest/AAPL"),
        ("400 parameter", "GET", "/api/v1/latest?format=xml"),
        ("404 symbol", "GET", "/api/v1/latest/NOPE"),
        ("404 route", "GET", "/nope"),
        ("405", "DELETE", "/api/v1/symbols"),
        ("500", "GET", "/debug/panic"),
    ] {
        let resp = app
            .connect()
            .await
            .request(method, path, &[("origin", origin)])
            .await;
        out.push((what, resp));
    }
    let mut client = app.connect().await;
    let head = format!("GET / HTTP/2.0\r\norigin: {origin}\r\n\r\n");
    client.send(head.as_bytes()).await;
    // The guard rejects the head before hyper parses it, so the origin is not known.
    out.push(("400 malformed head", client.read_response().await));
    out
}

#[tokio::test]
async fn any_origin_is_allowed_on_success_and_error_answers_by_default() {
    let app = spawn_app().await;
    for (what, resp) in answers_of_every_kind(&app, LISTED).await {
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some("*"),
            "{what}"
        );
        assert_eq!(resp.header("vary"), None, "{what}");
    }
}

#[tokio::test]
async fn preflight_is_204_with_allowed_methods_headers_and_max_age() {
    let app = spawn_app().await;
    let mut client = app.connect().await;
    let resp = client
        .request(
            "OPTIONS",
            "/api/v1/latest/AAPL",
            &[
                ("origin", LISTED),
                ("access-control-request-method", "GET"),
                (
                    "access-control-request-headers",
                    "x-requested-with, content-type",
                ),
            ],
        )
        .await;
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        resp.header("access-control-allow-methods"),
        Some("GET, HEAD, OPTIONS")
    );
    assert_eq!(
        resp.header("access-control-allow-headers"),
        Some("x-requested-with, content-type")
    );
    assert_eq!(resp.header("access-control-max-age"), Some("86400"));
    assert_eq!(resp.header("allow"), Some("GET, HEAD, OPTIONS"));

    // Without requested headers, any header is allowed; the connection stays usable.
    let resp = client
        .request(
            "OPTIONS",
            "/api/v1/history/MSFT",
            &[("origin", LISTED), ("access-control-request-method", "GET")],
        )
        .await;
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("access-control-allow-headers"), Some("*"));
    assert_eq!(client.get("/api/v1/symbols").await.status, 200);
}

#[tokio::test]
async fn preflight_for_an_unknown_route_is_404_json() {
    let app = spawn_app().await;
    let resp = app
        .connect()
        .await
        .request(
            "OPTIONS",
            "/nope",
            &[("origin", LISTED), ("access-control-request-method", "GET")],
        )
        .await;
    resp.error_message(404, "not_found");
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
}

fn listed_origins() -> RestConfig {
    RestConfig {
        cors_origins: vec![LISTED.to_owned(), "https://app.example".to_owned()],
        ..rest_config()
    }
}

#[tokio::test]
async fn a_listed_origin_is_echoed_with_vary_origin_on_success_and_error_answers() {
    let app = spawn_app_with(listed_origins()).await;
    for (what, resp) in answers_of_every_kind(&app, LISTED).await {
        assert_eq!(resp.header("vary"), Some("origin"), "{what}");
        // Guard rejections (the malformed head) carry the client's Origin through too.
        assert_eq!(
            resp.header("access-control-allow-origin"),
            Some(LISTED),
            "{what}"
        );
    }
    let resp = app
        .connect()
        .await
        .request(
            "OPTIONS",
            "/api/v1/symbols",
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert_eq!(resp.status, 204);
    assert_eq!(
        resp.header("access-control-allow-origin"),
        Some("https://app.example")
    );
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_allow_origin_header() {
    let app = spawn_app_with(listed_origins()).await;
    for (what, resp) in answers_of_every_kind(&app, UNLISTED).await {
        assert_eq!(resp.header("access-control-allow-origin"), None, "{what}");
        assert_eq!(resp.header("vary"), Some("origin"), "{what}");
    }
    let resp = app
        .connect()
        .await
        .request(
            "OPTIONS",
            "/api/v1/symbols",
            &[
                ("origin", UNLISTED),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("access-control-allow-origin"), None);
}
