//! CORS, so a browser frontend served from another origin (a dev server on :5173) can call the
//! API. Every response carries the headers, errors included; `OPTIONS` preflights get 204.

use http::header::{self, HeaderMap, HeaderValue};
use http::Response;

use crate::response::{no_content, Body};

/// Methods the API allows; also the `Allow` header of 405 answers.
pub const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: HeaderValue = HeaderValue::from_static("86400");
const ANY: HeaderValue = HeaderValue::from_static("*");

/// The configured CORS policy.
#[derive(Debug, Clone)]
pub enum Cors {
    /// `*`: any origin (the default; the API has no credentials to protect).
    AnyOrigin,
    /// Only these exact origins, echoed back with `Vary: Origin`.
    Origins(Vec<String>),
}

impl Cors {
    /// The policy for the `--cors-origins` list.
    pub fn new(origins: &[String]) -> Self {
        if origins.iter().any(|o| o.trim() == "*") {
            Self::AnyOrigin
        } else {
            Self::Origins(origins.iter().map(|o| o.trim().to_owned()).collect())
        }
    }

    /// Adds the CORS headers for a request from `origin` to a response.
    pub fn apply(&self, origin: Option<&HeaderValue>, resp: &mut Response<Body>) {
        let h = resp.headers_mut();
        match self {
            Self::AnyOrigin => {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
            }
            Self::Origins(allowed) => {
                h.append(header::VARY, HeaderValue::from_static("origin"));
                let matched = origin.filter(|o| {
                    o.to_str()
                        .is_ok_and(|o| allowed.iter().any(|a| a.eq_ignore_ascii_case(o)))
                });
                if let Some(o) = matched {
                    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
                }
            }
        }
    }

    /// The 204 answer to a preflight (`OPTIONS` with `Access-Control-Request-*`).
    pub fn preflight(&self, request: &HeaderMap) -> Response<Body> {
        let mut resp = no_content();
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        // Echo the requested headers: the API reads none of them, so all are harmless.
        let requested = request
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned()
            .unwrap_or(ANY);
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
        h.insert(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE);
        h.insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_origins_are_echoed_and_others_get_nothing() {
        let cors = Cors::new(&["http://localhost:5173".to_owned()]);
        let mut ok = no_content();
        cors.apply(
            Some(&HeaderValue::from_static("http://localhost:5173")),
            &mut ok,
        );
        assert_eq!(
            ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:5173"
        );
        let mut other = no_content();
        cors.apply(
            Some(&HeaderValue::from_static("http://evil.example")),
            &mut other,
        );
        assert!(other
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none());
        assert_eq!(other.headers()[header::VARY], "origin");
    }
}
