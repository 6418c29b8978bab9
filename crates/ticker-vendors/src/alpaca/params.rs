//! The typed parameters of Alpaca's historical requests: [`Timeframe`], [`Sort`] and the
//! stateless [`PageToken`].

use ticker_core::Symbol;

use crate::nanos::Nanos;

/// A bar timeframe: `{n}Min` (n ≤ 59), `{n}Hour` (n ≤ 23), `1Day`, `1Week`, `{n}Month`
/// (n ∈ 1, 2, 3, 4, 6, 12). Short units (`T`, `H`, `D`, `W`, `M`) are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeframe {
    /// Minutes.
    Minutes(u32),
    /// Hours.
    Hours(u32),
    /// One New York trading day.
    Day,
    /// One week, from Monday.
    Week,
    /// Calendar months.
    Months(u32),
}

impl Timeframe {
    /// Parses Alpaca's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let (n, unit) = s.split_at(digits);
        let n: u32 = n.parse().ok()?;
        match unit {
            "Min" | "T" if (1..=59).contains(&n) => Some(Self::Minutes(n)),
            "Hour" | "H" if (1..=23).contains(&n) => Some(Self::Hours(n)),
            "Day" | "D" if n == 1 => Some(Self::Day),
            "Week" | "W" if n == 1 => Some(Self::Week),
            "Month" | "M" if [1, 2, 3, 4, 6, 12].contains(&n) => Some(Self::Months(n)),
            _ => None,
        }
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first (the default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// Where a page starts: the first item of `symbol` at `at` or later (earlier for
/// [`Sort::Desc`]), after skipping `skip` items stamped exactly `at` (several trades can
/// share a nanosecond). Opaque to clients: hex of `SYMBOL:NANOS:SKIP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageToken {
    /// The symbol the page starts in (multi-symbol pages run symbol by symbol).
    pub symbol: Symbol,
    /// The time of the page's first item.
    pub at: Nanos,
    /// Items at exactly `at` already sent.
    pub skip: u32,
}

impl PageToken {
    /// The token's text.
    pub fn encode(&self) -> String {
        let plain = format!("{}:{}:{}", self.symbol, self.at.0, self.skip);
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a token made by [`PageToken::encode`].
    pub fn decode(s: &str) -> Option<Self> {
        if s.len() % 2 != 0 || s.len() > 128 {
            return None;
        }
        let bytes = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let mut parts = plain.split(':');
        let symbol = Symbol::parse(parts.next()?).ok()?;
        let at = Nanos(parts.next()?.parse().ok()?);
        let skip = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Self { symbol, at, skip })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeframes_follow_alpacas_bounds() {
        assert_eq!(Timeframe::parse("1Min"), Some(Timeframe::Minutes(1)));
        assert_eq!(Timeframe::parse("59Min"), Some(Timeframe::Minutes(59)));
        assert_eq!(Timeframe::parse("15T"), Some(Timeframe::Minutes(15)));
        assert_eq!(Timeframe::parse("23Hour"), Some(Timeframe::Hours(23)));
        assert_eq!(Timeframe::parse("1Day"), Some(Timeframe::Day));
        assert_eq!(Timeframe::parse("1Week"), Some(Timeframe::Week));
        assert_eq!(Timeframe::parse("12Month"), Some(Timeframe::Months(12)));
        for bad in [
            "60Min", "0Min", "24Hour", "2Day", "2Week", "5Month", "Min", "1min", "1Sec", "-1Min",
            "",
        ] {
            assert_eq!(Timeframe::parse(bad), None, "{bad}");
        }
    }
}
