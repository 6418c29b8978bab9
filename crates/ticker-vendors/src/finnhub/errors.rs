//! Finnhub's REST error shape, `{"error":"<message>"}`, which `finnhub-python` turns into a
//! `FinnhubAPIException` carrying the message and status.

use std::fmt;

use crate::json::push_str_lit;

/// A REST failure: HTTP status and the message of the `error` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinnhubError {
    /// HTTP status.
    pub status: u16,
    /// What went wrong, for the `error` field.
    pub message: String,
}

impl FinnhubError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 401: no token (Finnhub's own message).
    pub fn no_token() -> Self {
        Self::new(401, "Please use an API key.")
    }

    /// 401: a token that is not one of the configured keys.
    pub fn bad_token() -> Self {
        Self::new(401, "Invalid API key.")
    }

    /// 400: a parameter is missing or malformed.
    pub fn bad_param(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    /// 422: well-formed but unsupported (a resolution, a too-wide range).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, message)
    }

    /// 404: a path this gateway does not serve.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            404,
            format!(
                "Not found: /api/v1{path} (this gateway serves /quote, /stock/candle, \
                 /stock/symbol and /stock/profile2)"
            ),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let mut out = String::with_capacity(self.message.len() + 12);
        out.push_str("{\"error\":");
        push_str_lit(&mut out, &self.message);
        out.push('}');
        out
    }
}

impl fmt::Display for FinnhubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for FinnhubError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_finnhubs_error_object() {
        assert_eq!(
            FinnhubError::no_token().body(),
            r#"{"error":"Please use an API key."}"#
        );
        let e = FinnhubError::bad_param("Missing \"symbol\"");
        assert_eq!(e.status, 400);
        let v: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(v["error"], "Missing \"symbol\"");
        assert_eq!(FinnhubError::not_found("/nope").status, 404);
    }
}
