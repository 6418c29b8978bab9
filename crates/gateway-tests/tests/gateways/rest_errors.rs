//! The gateways' REST failures, in each vendor's shape: Alpaca's `{"code","message"}` with
//! 400/401/403/404/422, Polygon's `{"status":"ERROR"|"NOT_FOUND",…}` with 400/401/404; with
//! configured keys, wrong ones fail as the vendors fail them.

use rest_api::RestConfig;
use serde_json::Value;
use ticker_net::GatewayKeys;
use ws_server::WsConfig;

use crate::stack::{rest_config, Stack};

const ALPACA: [(&str, &str); 2] = [("APCA-API-KEY-ID", "PK1"), ("APCA-API-SECRET-KEY", "S1")];

async fn keyed() -> Stack {
    let rest = RestConfig {
        gateway_keys: GatewayKeys {
            alpaca_key_id: Some("PK1".into()),
            alpaca_secret_key: Some("S1".into()),
            polygon_api_key: Some("PG1".into()),
        },
        ..rest_config()
    };
    Stack::spawn_with(rest, WsConfig::default()).await
}

fn alpaca_error(body: &Value, code: u64) {
    assert_eq!(body["code"].as_u64().unwrap() / 100_000, code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn alpaca_errors_have_alpacas_codes_and_shape() {
    let stack = Stack::spawn().await;
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Headers<'_>, u16); 9] = [
        ("/alpaca/v2/stocks/AAPL/trades", &[], 401),
        (
            "/alpaca/v2/stocks/AAPL/trades?start=yesterday",
            &ALPACA,
            400,
        ),
        ("/alpaca/v2/stocks/AAPL/trades?limit=ten", &ALPACA, 400),
        ("/alpaca/v2/stocks/AAPL/trades?limit=10001", &ALPACA, 422),
        ("/alpaca/v2/stocks/AAPL/bars", &ALPACA, 422),
        ("/alpaca/v2/stocks/AAPL/bars?timeframe=7Day", &ALPACA, 422),
        ("/alpaca/v2/stocks/bars?timeframe=1Min", &ALPACA, 422),
        (
            "/alpaca/v2/stocks/AAPL/trades?start=2024-01-05&end=2024-01-04",
            &ALPACA,
            422,
        ),
        ("/alpaca/v2/stocks/AAPL/nope", &ALPACA, 404),
    ];
    for (target, headers, status) in cases {
        let (got, body) = stack.get(target, headers).await;
        assert_eq!(got, status, "{target}: {body}");
        alpaca_error(&body, u64::from(status));
    }
    // A well-formed unknown symbol has no data, as on Alpaca.
    let (got, body) = stack
        .get("/alpaca/v2/stocks/trades/latest?symbols=ZZZZ", &ALPACA)
        .await;
    assert_eq!((got, body), (200, serde_json::json!({"trades": {}})));
}

#[tokio::test]
async fn configured_keys_turn_wrong_credentials_into_the_vendors_failures() {
    let stack = keyed().await;
    let wrong = [("APCA-API-KEY-ID", "PK1"), ("APCA-API-SECRET-KEY", "nope")];
    let (got, body) = stack
        .get("/alpaca/v2/stocks/AAPL/trades/latest", &wrong)
        .await;
    assert_eq!(got, 403, "{body}");
    alpaca_error(&body, 403);
    let (got, _) = stack
        .get("/alpaca/v2/stocks/AAPL/trades/latest", &ALPACA)
        .await;
    assert_eq!(got, 200);

    let (got, body) = stack
        .get("/polygon/v2/last/trade/AAPL?apiKey=nope", &[])
        .await;
    assert_eq!(got, 401, "{body}");
    assert_eq!(body["status"], "ERROR");
    let (got, _) = stack
        .get("/polygon/v2/last/trade/AAPL?apiKey=PG1", &[])
        .await;
    assert_eq!(got, 200);
    let (got, _) = stack
        .get(
            "/polygon/v2/last/trade/AAPL",
            &[("Authorization", "Bearer PG1")],
        )
        .await;
    assert_eq!(got, 200, "the key as a Bearer token");
}

#[tokio::test]
async fn polygon_errors_have_polygons_shape() {
    let stack = Stack::spawn().await;
    let cases = [
        ("/polygon/v2/last/trade/AAPL", 401, "ERROR"),
        ("/polygon/v2/last/trade/ZZZZ?apiKey=k", 404, "NOT_FOUND"),
        ("/polygon/v2/nope?apiKey=k", 404, "NOT_FOUND"),
        (
            "/polygon/v2/aggs/ticker/AAPL/range/1/fortnight/2024-01-02/2024-01-03?apiKey=k",
            400,
            "ERROR",
        ),
        (
            "/polygon/v2/aggs/ticker/AAPL/range/1/minute/2024-01-03/2024-01-02?apiKey=k",
            400,
            "ERROR",
        ),
        (
            "/polygon/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-03?limit=0&apiKey=k",
            400,
            "ERROR",
        ),
    ];
    for (target, status, word) in cases {
        let (got, body) = stack.get(target, &[]).await;
        assert_eq!(got, status, "{target}: {body}");
        assert_eq!(body["status"], word, "{target}: {body}");
        assert!(body["request_id"].is_string(), "{body}");
    }
}
