//! Ticker symbols: a validated, `Copy` name (`AAPL`, `BRK.B`), the index of a symbol inside a
//! [`Market`](crate::Market), and sets of those indices for subscriptions.

use std::fmt;

/// The longest symbol accepted anywhere (config, URLs, subscriptions).
pub const MAX_SYMBOL_LEN: usize = 12;

/// A ticker symbol: 1–12 characters from `A–Z`, `0–9`, `.` and `-`, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol {
    len: u8,
    bytes: [u8; MAX_SYMBOL_LEN],
}

/// Why a string is not a valid symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolError {
    /// The string is empty.
    Empty,
    /// The string is longer than [`MAX_SYMBOL_LEN`].
    TooLong(usize),
    /// The string contains a character outside `A–Z 0–9 . -` (even once upper-cased).
    BadChar(char),
    /// The string is a valid symbol once upper-cased, where only upper case is accepted (a
    /// config file); carries that upper-cased form as the suggestion.
    LowerCase(Symbol),
}

impl fmt::Display for SymbolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "a symbol cannot be empty"),
            Self::TooLong(n) => write!(
                f,
                "a symbol has at most {MAX_SYMBOL_LEN} characters, this one has {n}"
            ),
            Self::BadChar(c) => write!(
                f,
                "{c:?} is not allowed in a symbol (use A-Z, 0-9, '.' and '-')"
            ),
            Self::LowerCase(upper) => write!(f, "symbols are upper-case, e.g. `{upper}`"),
        }
    }
}

impl std::error::Error for SymbolError {}

impl Symbol {
    /// Parses a symbol exactly as written: upper case only.
    pub fn parse(s: &str) -> Result<Self, SymbolError> {
        Self::parse_with(s, false)
    }

    /// Parses user input such as a URL segment, accepting lower case (`aapl` → `AAPL`).
    pub fn parse_loose(s: &str) -> Result<Self, SymbolError> {
        Self::parse_with(s.trim(), true)
    }

    fn parse_with(s: &str, fold_case: bool) -> Result<Self, SymbolError> {
        if s.is_empty() {
            return Err(SymbolError::Empty);
        }
        // A character that no case folding would fix is the real problem: report it first.
        if let Some(bad) = s.chars().find(|&c| {
            let c = c.to_ascii_uppercase();
            !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.' || c == '-')
        }) {
            return Err(SymbolError::BadChar(bad));
        }
        // Every character is ASCII from here on, so bytes and characters agree.
        if s.len() > MAX_SYMBOL_LEN {
            return Err(SymbolError::TooLong(s.len()));
        }
        let mut bytes = [0u8; MAX_SYMBOL_LEN];
        for (slot, b) in bytes.iter_mut().zip(s.bytes()) {
            *slot = b.to_ascii_uppercase();
        }
        let symbol = Self {
            len: s.len() as u8,
            bytes,
        };
        if !fold_case && s.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err(SymbolError::LowerCase(symbol));
        }
        Ok(symbol)
    }

    /// The symbol as a string slice.
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Only ASCII is ever stored, so this cannot fail.
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({})", self.as_str())
    }
}

impl serde::Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The position of a symbol in its [`Market`](crate::Market) (configuration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolId(pub u16);

impl SymbolId {
    /// The index into per-symbol arrays.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A set of [`SymbolId`]s: a bitset, cheap to compare, hash and iterate in market order.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SymbolSet {
    words: Vec<u64>,
}

impl SymbolSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The set of the first `count` symbols, i.e. every symbol of a market of that size.
    pub fn all(count: usize) -> Self {
        let mut set = Self::new();
        for i in 0..count {
            set.insert(SymbolId(i as u16));
        }
        set
    }

    /// Adds a symbol; returns whether it was new.
    pub fn insert(&mut self, id: SymbolId) -> bool {
        let (word, bit) = (id.index() / 64, id.index() % 64);
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        let Some(w) = self.words.get_mut(word) else {
            return false;
        };
        let was = *w & (1 << bit) != 0;
        *w |= 1 << bit;
        !was
    }

    /// Removes a symbol; returns whether it was present.
    pub fn remove(&mut self, id: SymbolId) -> bool {
        let (word, bit) = (id.index() / 64, id.index() % 64);
        let Some(w) = self.words.get_mut(word) else {
            return false;
        };
        let was = *w & (1 << bit) != 0;
        *w &= !(1 << bit);
        // Trailing zero words would make equal sets compare (and hash) unequal.
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        was
    }

    /// Whether the symbol is in the set.
    pub fn contains(&self, id: SymbolId) -> bool {
        let (word, bit) = (id.index() / 64, id.index() % 64);
        self.words.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    /// The number of symbols in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Removes every symbol.
    pub fn clear(&mut self) {
        self.words.clear();
    }

    /// The symbols in ascending (market) order.
    pub fn iter(&self) -> impl Iterator<Item = SymbolId> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut rest = w;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(SymbolId((wi * 64 + bit as usize) as u16))
            })
        })
    }
}

impl fmt::Debug for SymbolSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|id| id.0)).finish()
    }
}

impl FromIterator<SymbolId> for SymbolSet {
    fn from_iter<I: IntoIterator<Item = SymbolId>>(iter: I) -> Self {
        let mut set = Self::new();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet() {
        for s in ["AAPL", "BRK.B", "RDS-A", "X", "ABCDEFGHIJKL", "7203"] {
            assert_eq!(Symbol::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn rejects_malformed_symbols_with_a_reason() {
        assert_eq!(Symbol::parse(""), Err(SymbolError::Empty));
        assert_eq!(
            Symbol::parse("ABCDEFGHIJKLM"),
            Err(SymbolError::TooLong(13))
        );
        assert_eq!(Symbol::parse("AA PL"), Err(SymbolError::BadChar(' ')));
        assert_eq!(Symbol::parse("aa pl"), Err(SymbolError::BadChar(' ')));
        assert_eq!(Symbol::parse("AAPL\u{e9}"), Err(SymbolError::BadChar('é')));
        assert!(Symbol::parse("../etc").is_err());
    }

    #[test]
    fn strict_parsing_suggests_the_upper_case_form_of_a_lower_case_symbol() {
        for (given, upper) in [("aapl", "AAPL"), ("Brk.b", "BRK.B"), ("rds-a", "RDS-A")] {
            let err = Symbol::parse(given).unwrap_err();
            assert_eq!(
                err,
                SymbolError::LowerCase(Symbol::parse(upper).unwrap()),
                "{given}"
            );
            assert_eq!(
                err.to_string(),
                format!("symbols are upper-case, e.g. `{upper}`")
            );
        }
        // Too long is reported as such, whatever the case.
        assert_eq!(
            Symbol::parse("abcdefghijklm"),
            Err(SymbolError::TooLong(13))
        );
    }

    #[test]
    fn loose_parsing_folds_case_and_trims() {
        assert_eq!(Symbol::parse_loose(" aapl ").unwrap().as_str(), "AAPL");
        assert!(Symbol::parse_loose("a%00").is_err());
    }

    #[test]
    fn symbol_sets_behave_like_sets() {
        let mut s = SymbolSet::new();
        assert!(s.insert(SymbolId(3)));
        assert!(!s.insert(SymbolId(3)));
        assert!(s.insert(SymbolId(70)));
        assert_eq!(s.iter().collect::<Vec<_>>(), [SymbolId(3), SymbolId(70)]);
        assert_eq!(s.len(), 2);
        assert!(s.remove(SymbolId(70)));
        assert_eq!(s, [SymbolId(3)].into_iter().collect());
        assert!(!s.contains(SymbolId(70)));
        assert_eq!(SymbolSet::all(5).len(), 5);
    }
}
