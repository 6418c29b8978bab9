//! Alpaca's errors: the stream's numbered errors ([`StreamError`]) and the REST API's status
//! codes and bodies ([`RestError`]).
//!
//! The stream codes and messages are Alpaca's documented ones, byte for byte: the SDKs match
//! on the numbers (the JS SDK treats 401/402/404 as final, alpaca-py looks for the text
//! `insufficient subscription`).

use serde::Serialize;

/// A stream error, sent as `[{"T":"error","code":N,"msg":"…"}]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamError {
    /// 400: the message does not follow the specification (also a bad symbol).
    InvalidSyntax,
    /// 401: subscribe or unsubscribe before authenticating.
    NotAuthenticated,
    /// 402: wrong credentials.
    AuthFailed,
    /// 403: a second auth on an authenticated session.
    AlreadyAuthenticated,
    /// 404: no auth within the auth timeout.
    AuthTimeout,
    /// 405: the subscription would exceed the symbol limit (and is left unchanged).
    SymbolLimitExceeded,
    /// 406: the key already has its maximum of sessions.
    ConnectionLimitExceeded,
    /// 407: the client reads too slowly; the connection is closed.
    SlowClient,
    /// 408: the account has no Data v2 access (never sent by ticker).
    V2NotEnabled,
    /// 409: the feed is not in the plan (never sent by ticker: every feed is free).
    InsufficientSubscription,
    /// 410: the channel does not exist on this feed (e.g. `orderbooks` on a stock feed).
    InvalidSubscribeAction,
    /// 500: the server failed.
    Internal,
}

impl StreamError {
    /// Every error, in code order.
    pub const ALL: [Self; 12] = [
        Self::InvalidSyntax,
        Self::NotAuthenticated,
        Self::AuthFailed,
        Self::AlreadyAuthenticated,
        Self::AuthTimeout,
        Self::SymbolLimitExceeded,
        Self::ConnectionLimitExceeded,
        Self::SlowClient,
        Self::V2NotEnabled,
        Self::InsufficientSubscription,
        Self::InvalidSubscribeAction,
        Self::Internal,
    ];

    /// Alpaca's code.
    pub fn code(self) -> u16 {
        match self {
            Self::InvalidSyntax => 400,
            Self::NotAuthenticated => 401,
            Self::AuthFailed => 402,
            Self::AlreadyAuthenticated => 403,
            Self::AuthTimeout => 404,
            Self::SymbolLimitExceeded => 405,
            Self::ConnectionLimitExceeded => 406,
            Self::SlowClient => 407,
            Self::V2NotEnabled => 408,
            Self::InsufficientSubscription => 409,
            Self::InvalidSubscribeAction => 410,
            Self::Internal => 500,
        }
    }

    /// Alpaca's message.
    pub fn msg(self) -> &'static str {
        match self {
            Self::InvalidSyntax => "invalid syntax",
            Self::NotAuthenticated => "not authenticated",
            Self::AuthFailed => "auth failed",
            Self::AlreadyAuthenticated => "already authenticated",
            Self::AuthTimeout => "auth timeout",
            Self::SymbolLimitExceeded => "symbol limit exceeded",
            Self::ConnectionLimitExceeded => "connection limit exceeded",
            Self::SlowClient => "slow client",
            Self::V2NotEnabled => "v2 not enabled",
            Self::InsufficientSubscription => "insufficient subscription",
            Self::InvalidSubscribeAction => "invalid subscribe action for this feed",
            Self::Internal => "internal error",
        }
    }

    /// Whether the server closes the connection after sending it.
    pub fn closes(self) -> bool {
        matches!(
            self,
            Self::AuthFailed
                | Self::AuthTimeout
                | Self::ConnectionLimitExceeded
                | Self::SlowClient
                | Self::Internal
        )
    }
}

/// A REST failure: the HTTP status and Alpaca's body `{"code":…,"message":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// Alpaca's eight-digit error code (the status followed by a detail number).
    pub code: u32,
    /// What was wrong.
    pub message: String,
}

impl RestError {
    fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: a parameter's value cannot be read (a malformed time, a non-number limit).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, 40_010_001, message)
    }

    /// 401: no credentials.
    pub fn unauthorized() -> Self {
        Self::new(401, 40_110_000, "unauthorized.")
    }

    /// 403: credentials that are not the configured ones.
    pub fn forbidden() -> Self {
        Self::new(403, 40_310_000, "forbidden.")
    }

    /// 404: no such endpoint, or no data for a latest/snapshot symbol.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, 40_410_000, message)
    }

    /// 422: a readable parameter whose value is not allowed (limit out of range, unknown
    /// timeframe, missing required parameter).
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, 42_210_000, message)
    }

    /// 500: the server failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, 50_010_000, message)
    }

    /// 429: the rate limit.
    pub fn too_many_requests() -> Self {
        Self::new(429, 42_910_000, "rate limit exceeded")
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_codes_are_alpacas() {
        let codes: Vec<u16> = StreamError::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 500]
        );
        assert_eq!(StreamError::AuthFailed.msg(), "auth failed");
        assert_eq!(
            StreamError::InvalidSubscribeAction.msg(),
            "invalid subscribe action for this feed"
        );
        assert!(StreamError::AuthTimeout.closes());
        assert!(!StreamError::SymbolLimitExceeded.closes());
    }

    #[test]
    fn rest_bodies_carry_code_and_message() {
        let e = RestError::unprocessable("invalid timeframe");
        assert_eq!(e.status, 422);
        assert_eq!(
            e.body(),
            r#"{"code":42210000,"message":"invalid timeframe"}"#
        );
        assert_eq!(RestError::unauthorized().status, 401);
        assert_eq!(RestError::forbidden().status, 403);
        assert_eq!(RestError::too_many_requests().status, 429);
        assert_eq!(RestError::not_found("x").status, 404);
        assert_eq!(RestError::bad_request("x").status, 400);
    }
}
