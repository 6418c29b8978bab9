//! The one error shape every ticker HTTP endpoint answers with:
//! `{"error":{"code":"unknown_symbol","message":"…"}}`, plus its status code.

use std::fmt;

use bytes::Bytes;
use http::StatusCode;

/// An error a client can act on: an HTTP status, a stable machine-readable `code` and a
/// human-readable `message` that names the offending input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code, documented in the API docs.
    pub code: &'static str,
    /// What went wrong and, where possible, how to fix it.
    pub message: String,
}

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `bad_request`: malformed request syntax.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404 `not_found`: no such route; `hint` says where the routes are listed.
    pub fn not_found(path: &str, hint: &str) -> Self {
        let shown: String = path.chars().take(200).collect();
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no route for {shown:?}; {hint}"),
        )
    }

    /// 405 `method_not_allowed`; the caller adds the `Allow` header.
    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        let shown: String = method.chars().take(40).collect();
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("method {shown} is not allowed here; allowed: {allow}"),
        )
    }

    /// 503 `overloaded`: the connection limit is reached.
    pub fn overloaded(limit: usize) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            format!("the server is at its limit of {limit} connections; retry shortly"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Bytes {
        let value = serde_json::json!({
            "error": { "code": self.code, "message": self.message }
        });
        Bytes::from(value.to_string())
    }

    /// A complete HTTP/1.1 response for paths that answer without hyper (admission control).
    pub fn raw_response(&self, extra_headers: &str) -> Bytes {
        let body = self.body();
        let head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or(""),
            body.len(),
        );
        let mut out = Vec::with_capacity(head.len() + body.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&body);
        Bytes::from(out)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_documented_shape_and_escapes_input() {
        let e = ApiError::new(StatusCode::NOT_FOUND, "unknown_symbol", "no \"X\"\n");
        let v: serde_json::Value = serde_json::from_slice(&e.body()).unwrap();
        assert_eq!(v["error"]["code"], "unknown_symbol");
        assert_eq!(v["error"]["message"], "no \"X\"\n");
    }

    #[test]
    fn raw_response_is_well_formed_http() {
        let raw = ApiError::overloaded(3).raw_response("access-control-allow-origin: *\r\n");
        let text = std::str::from_utf8(&raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("access-control-allow-origin: *"));
    }
}
