//! Query strings and path segments: percent-decoding and typed parameter lookup, with errors
//! that name the parameter and say why. Pure functions, fuzzed directly.
//!
//! Unknown parameters are ignored (dashboards add cache-busters such as `_=1700000000`); a
//! known parameter given twice is an error, since silently picking one hides client bugs.

use crate::error::ApiError;

/// The most parameters looked at in one query string.
const MAX_PARAMS: usize = 32;

/// Percent-decodes one component (`+` is a space in queries). Errors on broken escapes or
/// non-UTF-8 results.
pub fn percent_decode(raw: &str, plus_as_space: bool) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A parsed query string.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `a=1&b=2`; keys without `=` have an empty value.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(ApiError::bad_request(format!(
                    "too many query parameters (at most {MAX_PARAMS})"
                )));
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let key = percent_decode(k, true).ok_or_else(|| {
                ApiError::bad_request("a query parameter name is not valid percent-encoded UTF-8")
            })?;
            let value = percent_decode(v, true).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query parameter `{}` is not valid percent-encoded UTF-8",
                    shorten(&key)
                ))
            })?;
            pairs.push((key, value));
        }
        Ok(Self { pairs })
    }

    /// The value of a parameter given at most once.
    pub fn get(&self, key: &str) -> Result<Option<&str>, ApiError> {
        let mut found = self.pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(ApiError::bad_request(format!(
                "query parameter `{key}` is given more than once"
            )));
        }
        Ok(first.map(String::as_str))
    }

    /// Every `(name, value)` pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Truncates user input for inclusion in an error message.
pub fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(percent_decode("AAPL%2CMSFT", true).unwrap(), "AAPL,MSFT");
        assert_eq!(percent_decode("a+b", true).unwrap(), "a b");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(percent_decode("%e2%82%ac", true).unwrap(), "€");
        assert_eq!(percent_decode("%", true), None);
        assert_eq!(percent_decode("%zz", true), None);
        assert_eq!(percent_decode("%ff", true), None, "not UTF-8");
        assert_eq!(percent_decode("%00", true).unwrap(), "\0");
    }

    #[test]
    fn parses_pairs_and_rejects_duplicates() {
        let q = Query::parse(Some("symbols=AAPL,MSFT&_=17&flag")).unwrap();
        assert_eq!(q.get("symbols").unwrap(), Some("AAPL,MSFT"));
        assert_eq!(q.get("flag").unwrap(), Some(""));
        assert_eq!(q.get("missing").unwrap(), None);
        let q = Query::parse(Some("limit=1&limit=2")).unwrap();
        assert_eq!(
            q.get("limit").unwrap_err().message,
            "query parameter `limit` is given more than once"
        );
        let many = vec!["a=1"; 40].join("&");
        assert!(Query::parse(Some(&many)).is_err());
        assert!(Query::parse(Some("x=%G0")).is_err());
    }
}
