//! Query parameters as the vendor parsers see them: already percent-decoded `name=value`
//! pairs, looked up by name. The services decode the query string (with their own limits);
//! the vendor modules only read it, so they stay pure and testable with plain arrays.

/// Decoded query parameters, in request order.
pub trait Params {
    /// The value of the first parameter called `name`.
    fn value(&self, name: &str) -> Option<&str>;

    /// How many parameters are called `name` (a vendor may refuse duplicates).
    fn count(&self, name: &str) -> usize;
}

impl<K: AsRef<str>, V: AsRef<str>> Params for [(K, V)] {
    fn value(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }

    fn count(&self, name: &str) -> usize {
        self.iter().filter(|(k, _)| k.as_ref() == name).count()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Params for Vec<(K, V)> {
    fn value(&self, name: &str) -> Option<&str> {
        Params::value(self.as_slice(), name)
    }

    fn count(&self, name: &str) -> usize {
        Params::count(self.as_slice(), name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_value_and_counts_duplicates() {
        let q = [("symbol", "AAPL"), ("limit", "5"), ("symbol", "MSFT")];
        assert_eq!(q.value("symbol"), Some("AAPL"));
        assert_eq!(q.value("nope"), None);
        assert_eq!(q.count("symbol"), 2);
        let owned = vec![("a".to_owned(), String::new())];
        assert_eq!(owned.value("a"), Some(""));
    }
}
