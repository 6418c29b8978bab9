//! Query strings as vendor clients send them: percent-decoding and lookup by name.
//!
//! A small helper shared by the vendor modules' REST parsers. Unknown parameters are kept but
//! ignored by the callers (SDKs add their own, e.g. `apiKey`); the first occurrence of a name
//! wins, as in the vendors' Go and Python servers. Errors are plain strings the caller wraps in
//! its vendor's error shape.

/// The most parameters looked at in one query string; more is an error, not a slow request.
pub const MAX_PARAMS: usize = 64;

/// Percent-decodes one query component (`+` is a space). `None` on broken escapes or
/// non-UTF-8 results.
pub fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
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

/// A decoded query string.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `a=1&b=2` (keys without `=` have an empty value).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(format!("too many query parameters (at most {MAX_PARAMS})"));
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let key = percent_decode(k)
                .ok_or_else(|| "a query parameter name is not valid percent-encoding".to_owned())?;
            let value = percent_decode(v)
                .ok_or_else(|| format!("query parameter `{key}` is not valid percent-encoding"))?;
            pairs.push((key, value));
        }
        Ok(Self { pairs })
    }

    /// The first value of `name`, if given (an empty value counts as not given, as the
    /// vendors' servers treat `?start=`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_python_requests_sends() {
        let q =
            Params::parse("start=2024-01-02T10%3A00%3A00%2B00%3A00&symbols=AAPL%2CMSFT&x=a+b&e=")
                .unwrap();
        assert_eq!(q.get("start"), Some("2024-01-02T10:00:00+00:00"));
        assert_eq!(q.get("symbols"), Some("AAPL,MSFT"));
        assert_eq!(q.get("x"), Some("a b"));
        assert_eq!(q.get("e"), None);
        assert_eq!(q.get("missing"), None);
    }

    #[test]
    fn rejects_broken_escapes_and_floods() {
        assert!(Params::parse("a=%zz").is_err());
        assert!(Params::parse("a=%f0%28").is_err());
        assert!(Params::parse(&"a=1&".repeat(MAX_PARAMS + 1)).is_err());
        assert!(Params::parse(&"a=1&".repeat(MAX_PARAMS)).is_ok());
    }
}
