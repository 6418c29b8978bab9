//! ticker's own errors on a vendor path (an injected `fault_status`, a fault parameter refused)
//! in that vendor's error shape, so that the vendor's SDK reports them as it reports the
//! vendor's own failures: Alpaca `{"code","message"}`, Polygon
//! `{"status":"ERROR","request_id","error"}`, Finnhub `{"error"}`, Binance `{"code","msg"}`.

use http::Response;
use ticker_net::ApiError;
use ticker_vendors::alpaca::RestError as AlpacaError;
use ticker_vendors::binance::BinanceError;
use ticker_vendors::finnhub::FinnhubError;
use ticker_vendors::polygon::rest::RestError as PolygonError;

use super::{alpaca, binance, json, polygon, Gateway};
use crate::response::{self, Body};

/// `e` in the shape of the vendor whose path `path` is; ticker's own shape elsewhere.
pub fn error(path: &str, e: &ApiError) -> Response<Body> {
    let status = e.status.as_u16();
    let message = e.message.clone();
    match Gateway::of(path) {
        None => response::error(e),
        Some(Gateway::Alpaca) => alpaca::error(&AlpacaError {
            status,
            // Alpaca's codes are the status followed by a detail number.
            code: u32::from(status) * 100_000 + 10_000,
            message,
        }),
        Some(Gateway::Polygon) => response::json(
            e.status,
            PolygonError { status, message }.body(&polygon::request_id()),
        ),
        Some(Gateway::Finnhub) => json(
            status,
            ticker_vendors::finnhub::CONTENT_TYPE,
            FinnhubError { status, message }.body(),
        ),
        Some(Gateway::Binance) => {
            let code = match status {
                429 => -1003,
                400..=499 => -1130,
                _ => -1000,
            };
            let e = BinanceError {
                status,
                code,
                msg: message,
            };
            json(status, binance::CONTENT_TYPE, e.body())
        }
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::*;

    async fn body(path: &str, e: &ApiError) -> serde_json::Value {
        let resp = error(path, e);
        assert_eq!(resp.status(), e.status);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn each_vendor_path_gets_its_vendors_shape() {
        let e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "fault_injected",
            "on purpose",
        );
        let v = body("/alpaca/v2/stocks/bars", &e).await;
        assert_eq!(
            v,
            serde_json::json!({"code": 50_310_000, "message": "on purpose"})
        );
        let v = body("/polygon/v2/last/trade/AAPL", &e).await;
        assert_eq!(
            (v["status"].as_str(), v["error"].as_str()),
            (Some("ERROR"), Some("on purpose"))
        );
        assert_eq!(v["request_id"].as_str().map(str::len), Some(32));
        let v = body("/finnhub/api/v1/quote", &e).await;
        assert_eq!(v, serde_json::json!({"error": "on purpose"}));
        let v = body("/binance/api/v3/klines", &e).await;
        assert_eq!(v, serde_json::json!({"code": -1000, "msg": "on purpose"}));
        let limited = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "fault_injected", "slow down");
        assert_eq!(
            body("/binance/api/v3/klines", &limited).await["code"],
            -1003
        );
        assert_eq!(
            body("/api/v1/quotes", &e).await["error"]["code"],
            "fault_injected"
        );
    }
}
