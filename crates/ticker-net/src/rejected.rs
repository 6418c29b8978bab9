//! The request that stands in for a rejected head.
//!
//! When the guard refuses a request head, hyper never sees it: the guard hands hyper a short,
//! well-formed request for [`REJECTED_PATH`] instead, and the service answers that with the
//! error. The stand-in keeps the two things of the original that shape the answer:
//!
//! * the client's `Origin` (if it sent a sane one), so the error gets the usual CORS headers;
//! * whether the client asked with `HEAD`: an answer to `HEAD` must not carry a body
//!   (RFC 9110 §9.3.2), and hyper omits it only if it knows the request was `HEAD`.

/// The path of the synthetic request that stands in for a rejected head.
pub const REJECTED_PATH: &str = "/.ticker/rejected";

/// Whether the bytes a client sent start a `HEAD` request (methods are case-sensitive; the
/// empty lines a server must tolerate before a request line are skipped). Works on a partial
/// or malformed head, and on the first few bytes of one.
pub fn asks_head(start: &[u8]) -> bool {
    let from = start
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(start.len());
    start.get(from..).is_some_and(|s| s.starts_with(b"HEAD "))
}

/// The stand-in for the (possibly partial or malformed) head in `buf`.
pub(crate) fn stand_in(buf: &[u8]) -> Vec<u8> {
    synthetic_request(asks_head(buf), origin_of(buf))
}

/// The synthetic request: `HEAD` or `GET` of [`REJECTED_PATH`], with the client's `Origin`.
pub(crate) fn synthetic_request(head: bool, origin: Option<&str>) -> Vec<u8> {
    let method = if head { "HEAD" } else { "GET" };
    let mut out =
        format!("{method} {REJECTED_PATH} HTTP/1.1\r\nhost: ticker\r\nconnection: close\r\n");
    if let Some(origin) = origin {
        out.push_str("origin: ");
        out.push_str(origin);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The `Origin` header of a (possibly malformed or partial) head, if it is printable ASCII.
pub(crate) fn origin_of(buf: &[u8]) -> Option<&str> {
    let head = buf.get(..buf.len().min(16 * 1024))?;
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        let (name, value) = line.split_at(colon);
        if !name.eq_ignore_ascii_case(b"origin") {
            return None;
        }
        let value = std::str::from_utf8(value.get(1..)?).ok()?.trim();
        let sane =
            !value.is_empty() && value.len() <= 256 && value.bytes().all(|b| b.is_ascii_graphic());
        sane.then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_request_is_recognised_from_its_first_bytes() {
        assert!(asks_head(b"HEAD / HTTP/1.1\r\n"));
        assert!(asks_head(b"HEAD "));
        assert!(asks_head(b"\r\n\r\nHEAD /x HTTP/9.9"));
        assert!(!asks_head(b"HEAD"), "not yet known");
        assert!(
            !asks_head(b"head / HTTP/1.1\r\n"),
            "methods are case-sensitive"
        );
        assert!(!asks_head(b"HEADER / HTTP/1.1\r\n"));
        assert!(!asks_head(b"GET / HTTP/1.1\r\n"));
        assert!(!asks_head(b""));
    }

    #[test]
    fn the_stand_in_keeps_the_method_and_a_sane_origin() {
        assert_eq!(
            stand_in(b"HEAD / HTTP/7.0\r\nOrigin: http://localhost:5173\r\n\r\n"),
            synthetic_request(true, Some("http://localhost:5173"))
        );
        assert!(stand_in(b"HEAD /x HTTP/7.0\r\n").starts_with(b"HEAD /.ticker/rejected "));
        assert!(stand_in(b"POST /x HTTP/7.0\r\n").starts_with(b"GET /.ticker/rejected "));
        assert_eq!(
            origin_of(b"GET / HTTP/1.1\r\norigin: a\x01b\r\n"),
            None,
            "not printable"
        );
    }

    #[test]
    fn the_synthetic_request_is_a_valid_head() {
        for head in [false, true] {
            let raw = synthetic_request(head, Some("http://a.example"));
            let mut headers = [httparse::EMPTY_HEADER; 8];
            let mut req = httparse::Request::new(&mut headers);
            assert_eq!(
                req.parse(&raw).unwrap(),
                httparse::Status::Complete(raw.len())
            );
            assert_eq!(req.method, Some(if head { "HEAD" } else { "GET" }));
            assert_eq!(req.path, Some(REJECTED_PATH));
        }
    }
}
