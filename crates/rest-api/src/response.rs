//! Response builders: every body is a `Full<Bytes>` built in one piece, with the content type
//! and caching policy set in one place.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::Full;
use ticker_net::ApiError;

use crate::cors::ALLOWED_METHODS;

/// The body type of every response.
pub type Body = Full<Bytes>;

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");

/// A response with a body, content type and `cache-control: no-store` (prices are live).
pub fn with_body(
    status: StatusCode,
    content_type: HeaderValue,
    body: impl Into<Bytes>,
) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CACHE_CONTROL, NO_STORE);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    resp
}

/// A JSON response.
pub fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    with_body(status, JSON, body)
}

/// A 200 JSON response from a serialisable value.
pub fn json_value(value: &impl serde::Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => json(StatusCode::OK, body),
        Err(e) => error(&ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("could not encode the response: {e}"),
        )),
    }
}

/// The JSON error response for an [`ApiError`]. Every 405 names the allowed methods, including
/// the guard's rejection of `CONNECT` (RFC 9110 §15.5.6 requires `Allow`).
pub fn error(e: &ApiError) -> Response<Body> {
    let mut resp = json(e.status, e.body());
    if e.status == StatusCode::METHOD_NOT_ALLOWED {
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
    }
    resp
}

/// 405 with the `Allow` header.
pub fn method_not_allowed(method: &http::Method, allow: &'static str) -> Response<Body> {
    let mut resp = error(&ApiError::method_not_allowed(method.as_str(), allow));
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    resp
}

/// 204 with no body.
pub fn no_content() -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}
