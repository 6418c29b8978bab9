//! Validation of an HTTP/1.x request head before hyper sees it.
//!
//! hyper answers a head it cannot parse with a bare status line (no body, no CORS headers).
//! Our contract is one JSON error shape everywhere, so [`scan_head`] checks each head first,
//! with the same parser hyper uses (`httparse`) and rules at least as strict as hyper's. A head
//! that passes here always parses in hyper; one that fails becomes an [`ApiError`] the service
//! answers in JSON (see [`crate::guard`]). The function is pure, so it is fuzzed directly.

use http::StatusCode;

use crate::error::ApiError;

/// Limits on a request head, all configurable per service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadLimits {
    /// Most bytes in the request line plus headers (431 beyond).
    pub max_header_bytes: usize,
    /// Most bytes in the request target (414 beyond).
    pub max_uri_bytes: usize,
    /// Most header fields (431 beyond). hyper's own cap is 100.
    pub max_headers: usize,
    /// Most bytes in a declared request body (413 beyond).
    pub max_body_bytes: u64,
}

impl Default for HeadLimits {
    fn default() -> Self {
        Self {
            max_header_bytes: 16 * 1024,
            max_uri_bytes: 4 * 1024,
            max_headers: 64,
            max_body_bytes: 16 * 1024,
        }
    }
}

/// How the request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Whether parsed request headers announce a body (`Transfer-Encoding`, or a non-zero
/// `Content-Length`): the same rule by which the guard stops vetting heads, so a service must
/// then end the connection after its response.
pub fn declares_body(headers: &http::HeaderMap) -> bool {
    headers.contains_key(http::header::TRANSFER_ENCODING)
        || headers
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// A head that hyper will accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Bytes of the head, final blank line included.
    pub len: usize,
    /// How a body follows.
    pub framing: Framing,
    /// Whether the client asked to switch protocols (`Upgrade` on HTTP/1.1).
    pub upgrade: bool,
}

/// The outcome of looking at buffered bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// More bytes are needed.
    Partial,
    /// A complete, acceptable head.
    Complete(Head),
    /// A head that must be refused, with the error to answer.
    Rejected(ApiError),
}

fn reject(status: StatusCode, code: &'static str, message: String) -> Scan {
    Scan::Rejected(ApiError::new(status, code, message))
}

fn too_large(limits: &HeadLimits) -> Scan {
    reject(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
        format!(
            "the request head exceeds {} bytes or {} header fields",
            limits.max_header_bytes, limits.max_headers
        ),
    )
}

fn uri_too_long(limits: &HeadLimits) -> Scan {
    reject(
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
        format!("the request target exceeds {} bytes", limits.max_uri_bytes),
    )
}

/// Looks at the start of `buf` for one request head and decides what to do with it.
pub fn scan_head(buf: &[u8], limits: &HeadLimits) -> Scan {
    // On the stack: this runs for every request, so no allocation.
    let mut all = [httparse::EMPTY_HEADER; 100];
    let slots = all
        .get_mut(..limits.max_headers.clamp(1, 100))
        .unwrap_or_default();
    let mut req = httparse::Request::new(slots);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            let line_done = buf.contains(&b'\n');
            if !line_done && buf.len() > limits.max_uri_bytes + 32 {
                return uri_too_long(limits);
            }
            if buf.len() > limits.max_header_bytes {
                return if line_done {
                    too_large(limits)
                } else {
                    uri_too_long(limits)
                };
            }
            return Scan::Partial;
        }
        Err(httparse::Error::TooManyHeaders) => return too_large(limits),
        Err(e) => {
            let what = match e {
                httparse::Error::Token if req.method.is_none() => "invalid method",
                httparse::Error::Token => "invalid request target",
                httparse::Error::Version => "unsupported HTTP version (use HTTP/1.0 or HTTP/1.1)",
                httparse::Error::HeaderName => "invalid header name",
                httparse::Error::HeaderValue => "invalid header value",
                _ => "malformed request line",
            };
            return reject(StatusCode::BAD_REQUEST, "bad_request", what.to_owned());
        }
    };
    if len > limits.max_header_bytes {
        return too_large(limits);
    }
    let (Some(method), Some(path), Some(version)) = (req.method, req.path, req.version) else {
        return reject(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "malformed request line".to_owned(),
        );
    };
    if path.len() > limits.max_uri_bytes {
        return uri_too_long(limits);
    }
    if http::Method::from_bytes(method.as_bytes()).is_err() {
        return reject(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "invalid method".to_owned(),
        );
    }
    if method == "CONNECT" {
        return reject(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "CONNECT is not supported".to_owned(),
        );
    }
    if http::Uri::try_from(path).is_err() {
        let shown: String = String::from_utf8_lossy(path.as_bytes())
            .chars()
            .take(100)
            .collect();
        return reject(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("invalid request target {shown:?}"),
        );
    }
    let http11 = version == 1;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut upgrade = false;
    for h in req.headers.iter() {
        if http::HeaderName::from_bytes(h.name.as_bytes()).is_err() {
            return reject(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "invalid header name".to_owned(),
            );
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            let parsed = (!h.value.is_empty()
                && h.value.len() <= 19
                && h.value.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(h.value).ok()?.parse::<u64>().ok())
            .flatten();
            let Some(n) = parsed else {
                return reject(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "invalid content-length".to_owned(),
                );
            };
            if content_length.is_some() {
                return reject(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "more than one content-length header".to_owned(),
                );
            }
            content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Only a lone `chunked` is accepted: anything else is how request smuggling starts.
            let value = String::from_utf8_lossy(h.value);
            if !http11 || chunked || !value.trim().eq_ignore_ascii_case("chunked") {
                return reject(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "unsupported transfer-encoding (only a single `chunked` on HTTP/1.1)"
                        .to_owned(),
                );
            }
            chunked = true;
        } else if h.name.eq_ignore_ascii_case("upgrade") {
            upgrade = http11;
        }
    }
    let framing = match (content_length, chunked) {
        (Some(_), true) => {
            return reject(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "both content-length and transfer-encoding".to_owned(),
            )
        }
        (Some(n), false) if n > limits.max_body_bytes => {
            return reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "request bodies are limited to {} bytes",
                    limits.max_body_bytes
                ),
            )
        }
        (Some(0), false) | (None, false) => Framing::None,
        (Some(n), false) => Framing::Length(n),
        (None, true) => Framing::Chunked,
    };
    Scan::Complete(Head {
        len,
        framing,
        upgrade,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &[u8]) -> Scan {
        scan_head(s, &HeadLimits::default())
    }

    fn code(s: &[u8]) -> (u16, &'static str) {
        match scan(s) {
            Scan::Rejected(e) => (e.status.as_u16(), e.code),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn accepts_ordinary_requests() {
        let first = b"GET /api/v1/latest/AAPL?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        let req = [&first[..], b"GET / HTTP/1.1\r\n"].concat();
        match scan(&req) {
            Scan::Complete(h) => {
                assert_eq!(h.len, first.len());
                assert_eq!(h.framing, Framing::None);
                assert!(!h.upgrade);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(scan(b"GET / HTTP/1.1\r\nHost: a\r\n"), Scan::Partial);
        // hyper accepts raw UTF-8 in the target, so this is the router's business (a 404).
        assert!(matches!(
            scan(b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"),
            Scan::Complete(_)
        ));
    }

    #[test]
    fn recognises_bodies_and_upgrades() {
        let h = |s: &[u8]| match scan(s) {
            Scan::Complete(h) => h,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            h(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n").framing,
            Framing::Length(5)
        );
        assert_eq!(
            h(b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").framing,
            Framing::None
        );
        assert_eq!(
            h(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").framing,
            Framing::Chunked
        );
        assert!(h(b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").upgrade);
        assert!(!h(b"GET /ws HTTP/1.0\r\nUpgrade: websocket\r\n\r\n").upgrade);
    }

    #[test]
    fn rejects_what_hyper_would_answer_without_a_body() {
        assert_eq!(code(b"G\x01T / HTTP/1.1\r\n\r\n"), (400, "bad_request"));
        assert_eq!(code(b"GET /\x7f HTTP/1.1\r\n\r\n"), (400, "bad_request"));
        assert_eq!(code(b"GET / HTTP/2.0\r\n\r\n"), (400, "bad_request"));
        assert_eq!(
            code(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"CONNECT a:1 HTTP/1.1\r\n\r\n"),
            (405, "method_not_allowed")
        );
    }

    #[test]
    fn rejects_smuggling_shapes() {
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"),
            (400, "bad_request")
        );
        assert_eq!(
            code(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (400, "bad_request")
        );
    }

    #[test]
    fn declares_body_follows_the_guards_framing_rule() {
        let mut h = http::HeaderMap::new();
        assert!(!declares_body(&h));
        h.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static("0"),
        );
        assert!(!declares_body(&h));
        h.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static("3"),
        );
        assert!(declares_body(&h));
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::TRANSFER_ENCODING,
            http::HeaderValue::from_static("chunked"),
        );
        assert!(declares_body(&h));
    }

    #[test]
    fn enforces_size_limits() {
        let limits = HeadLimits::default();
        let long_uri = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(limits.max_uri_bytes));
        assert_eq!(code(long_uri.as_bytes()), (414, "uri_too_long"));
        let unfinished_line = format!("GET /{}", "a".repeat(limits.max_uri_bytes + 40));
        assert_eq!(code(unfinished_line.as_bytes()), (414, "uri_too_long"));
        let big = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n",
            "b".repeat(limits.max_header_bytes)
        );
        assert_eq!(code(big.as_bytes()), (431, "headers_too_large"));
        let many: String = (0..70).map(|i| format!("X{i}: y\r\n")).collect();
        let req = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(code(req.as_bytes()), (431, "headers_too_large"));
        let body = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            limits.max_body_bytes + 1
        );
        assert_eq!(code(body.as_bytes()), (413, "body_too_large"));
    }
}
