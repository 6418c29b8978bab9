//! `/control/clock`: moving a manual market clock from outside, the same way on both services.
//!
//! The endpoint exists only when a control token is configured (`--control-token`); without
//! one the path is a plain `404`, as if it did not exist. With one, every request must carry
//! it, as `Authorization: Bearer <token>` or `X-Ticker-Control-Token: <token>`: none is `401`,
//! a wrong one `403` (compared in constant time). `GET` reports the clock; `POST` with a JSON
//! body moves it:
//!
//! * `{"set": "2026-11-17T14:30:00Z"}` (or Unix ms): to that market time;
//! * `{"advance_ms": 5000}`: forward by a duration;
//! * `{"ticks": 10}`: forward to the start of the tenth tick after the current one.
//!
//! Only a manual clock moves (`409 clock_not_settable` otherwise: a virtual clock is derived
//! from settings every service shares, and moving one process would break their agreement), and
//! only forward (`409 clock_backwards`).

use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use ticker_core::{Clock, Schedule};

use crate::error::ApiError;

mod command;

use command::state;
pub use command::{apply, parse_command, ClockCommand};

/// The path of the endpoint on both services.
pub const CONTROL_CLOCK_PATH: &str = "/control/clock";
/// The methods it answers.
pub const ALLOW: &str = "GET, POST";
/// The header that may carry the token instead of `Authorization`.
pub const TOKEN_HEADER: &str = "x-ticker-control-token";
/// The shortest token accepted: anything shorter is guessable.
const MIN_TOKEN_LEN: usize = 8;

/// The control endpoint's flags, shared by both binaries.
#[derive(Debug, Clone, clap::Args)]
pub struct ControlArgs {
    /// Enables POST /control/clock (off without it) and is the token it requires, as
    /// `Authorization: Bearer <token>` or `X-Ticker-Control-Token: <token>` (at least 8
    /// characters, no spaces).
    #[arg(
        long,
        env = "TICKER_CONTROL_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub control_token: Option<String>,

    /// Most bytes in a /control/clock request body (413 beyond).
    #[arg(
        long,
        env = "TICKER_CONTROL_MAX_BODY_BYTES",
        value_name = "BYTES",
        default_value_t = 1024
    )]
    pub control_max_body_bytes: usize,
}

impl Default for ControlArgs {
    fn default() -> Self {
        Self {
            control_token: None,
            control_max_body_bytes: 1024,
        }
    }
}

impl ControlArgs {
    /// Checks the flags; the error names the flag.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(token) = self.token() {
            if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!(
                    "--control-token: must be at least {MIN_TOKEN_LEN} printable characters \
                     without spaces (it is {} long)",
                    token.len()
                ));
            }
        }
        if !(64..=65_536).contains(&self.control_max_body_bytes) {
            return Err(format!(
                "--control-max-body-bytes: {} must be 64..=65536",
                self.control_max_body_bytes
            ));
        }
        Ok(())
    }

    /// The token, unless unset or empty (an empty variable in a compose file means unset).
    pub fn token(&self) -> Option<&str> {
        self.control_token.as_deref().filter(|t| !t.is_empty())
    }

    /// The endpoint these flags describe.
    pub fn control(&self) -> Control {
        Control {
            token: self.token().map(|t| t.as_bytes().into()),
            max_body: self.control_max_body_bytes,
        }
    }
}

/// The control endpoint of one service.
#[derive(Clone)]
pub struct Control {
    token: Option<Box<[u8]>>,
    max_body: usize,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Control")
            .field("enabled", &self.enabled())
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Control {
    /// Whether the endpoint exists (a token is configured).
    pub fn enabled(&self) -> bool {
        self.token.is_some()
    }

    /// Most bytes in a request body.
    pub fn max_body(&self) -> usize {
        self.max_body
    }

    /// Checks the request's token: `401` without one, `403` with a wrong one.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(expected) = &self.token else {
            return Err(ApiError::not_found(
                CONTROL_CLOCK_PATH,
                "no --control-token",
            ));
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        let given = bearer.or_else(|| {
            headers
                .get(TOKEN_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        });
        match given {
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this endpoint needs the control token: send `Authorization: Bearer <token>` \
                 or `X-Ticker-Control-Token: <token>` (the service's --control-token)",
            )),
            Some(token) if same_bytes(token.as_bytes(), expected) => Ok(()),
            Some(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the control token does not match the service's --control-token",
            )),
        }
    }

    /// Answers a request to [`CONTROL_CLOCK_PATH`] (the caller has matched the path and
    /// checked that the endpoint is [`enabled`](Self::enabled)).
    pub async fn respond<B>(
        &self,
        req: Request<B>,
        clock: &dyn Clock,
        schedule: &Schedule,
        body_timeout: Duration,
    ) -> Response<Full<Bytes>>
    where
        B: hyper::body::Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let answer = async {
            self.authorize(req.headers())?;
            match *req.method() {
                Method::GET | Method::HEAD => Ok(state(clock, schedule)),
                Method::POST => {
                    let body = read_body(req.into_body(), self.max_body, body_timeout).await?;
                    let command = parse_command(&body)?;
                    apply(clock, schedule, command)
                }
                ref other => Err(ApiError::method_not_allowed(other.as_str(), ALLOW)),
            }
        };
        match answer.await {
            Ok(value) => json_response(StatusCode::OK, Bytes::from(value.to_string())),
            Err(e) => error_response(&e),
        }
    }
}

/// Equal byte strings, in time that depends only on the lengths (not on where they differ).
fn same_bytes(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    for i in 0..given.len().max(expected.len()) {
        diff |= given.get(i).copied().unwrap_or(0) ^ expected.get(i).copied().unwrap_or(0xff);
    }
    std::hint::black_box(diff) == 0
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
async fn read_body<B>(body: B, limit: usize, timeout: Duration) -> Result<Bytes, ApiError>
where
    B: hyper::body::Body,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("control requests are limited to {limit} bytes (--control-max-body-bytes)"),
        )),
        Ok(Err(_)) => Err(ApiError::bad_request("the request body is malformed")),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time",
        )),
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The JSON error, with `WWW-Authenticate` on 401 and `Allow` on 405.
fn error_response(e: &ApiError) -> Response<Full<Bytes>> {
    let mut resp = json_response(e.status, e.body());
    let h = resp.headers_mut();
    if e.status == StatusCode::UNAUTHORIZED {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"ticker control\""),
        );
    }
    if e.status == StatusCode::METHOD_NOT_ALLOWED {
        h.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control() -> Control {
        ControlArgs {
            control_token: Some("s3cret-token".into()),
            ..ControlArgs::default()
        }
        .control()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_token_is_required_and_compared_exactly() {
        let c = control();
        assert!(c.enabled());
        let status =
            |pairs: &[(&'static str, &str)]| c.authorize(&headers(pairs)).map_err(|e| e.status);
        assert_eq!(status(&[]), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(
            status(&[("authorization", "Basic abc")]),
            Err(StatusCode::UNAUTHORIZED)
        );
        assert_eq!(status(&[("authorization", "Bearer s3cret-token")]), Ok(()));
        assert_eq!(
            status(&[("authorization", "bearer  s3cret-token ")]),
            Ok(())
        );
        assert_eq!(status(&[(TOKEN_HEADER, "s3cret-token")]), Ok(()));
        for wrong in ["s3cret-tokeN", "s3cret-token2", "s3cret-toke", "x"] {
            assert_eq!(
                status(&[("authorization", &format!("Bearer {wrong}"))]),
                Err(StatusCode::FORBIDDEN),
                "{wrong}"
            );
        }
        assert!(!ControlArgs::default().control().enabled());
        assert!(format!("{c:?}").contains("enabled: true") && !format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn short_or_spaced_tokens_are_refused_and_empty_means_off() {
        let args = |t: &str| ControlArgs {
            control_token: Some(t.into()),
            ..ControlArgs::default()
        };
        assert!(args("short")
            .validate()
            .unwrap_err()
            .starts_with("--control-token: must be"));
        assert!(args("has a space").validate().is_err());
        assert!(args("").validate().is_ok());
        assert!(!args("").control().enabled());
        let big = ControlArgs {
            control_max_body_bytes: 10,
            ..ControlArgs::default()
        };
        assert_eq!(
            big.validate().unwrap_err(),
            "--control-max-body-bytes: 10 must be 64..=65536"
        );
    }
}
