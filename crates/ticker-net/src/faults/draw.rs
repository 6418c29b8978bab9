//! Seeded decisions: pure functions of (seed, what is decided, index), and the parsing of
//! fault parameters' values (fractions, whole numbers and `A-B` ranges drawn from the seed).

use crate::error::ApiError;
use crate::query::shorten;

use super::invalid;

/// One round of SplitMix64's finaliser: a fixed, well-mixed bijection on `u64`.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform 64-bit draw, a pure function of `(seed, tag, index)`: `tag` says what is being
/// decided (drop, delay, …), `index` which occurrence (a tick's seq, a request's number).
/// The same arguments always give the same value, in every process and release that keeps
/// this function.
pub fn draw(seed: u64, tag: u64, index: u64) -> u64 {
    mix(seed ^ mix(tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ mix(index)))
}

/// True with probability `p` (0 never, 1 always), drawn from `(seed, tag, index)`.
pub fn chance(seed: u64, tag: u64, index: u64, p: f64) -> bool {
    // 53 random bits as a fraction in [0, 1).
    let unit = (draw(seed, tag, index) >> 11) as f64 / (1u64 << 53) as f64;
    unit < p
}

/// FNV-1a: a stable 64-bit hash of text (client ids, parameter lists).
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A whole number given as `N`, or as `A-B` for one drawn uniformly from `A..=B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Smallest value.
    pub lo: u64,
    /// Largest value.
    pub hi: u64,
}

impl Span {
    /// Parses `N` or `A-B` (A ≤ B), each at most `max`; `unit` names what is counted.
    pub fn parse(name: &str, value: &str, max: u64, unit: &str) -> Result<Self, ApiError> {
        let number = |s: &str| -> Result<u64, ApiError> {
            let n: u64 = s.trim().parse().map_err(|_| {
                invalid(
                    name,
                    format!(
                        "{:?} is not a whole number of {unit} or a range A-B",
                        shorten(value)
                    ),
                )
            })?;
            if n > max {
                return Err(invalid(
                    name,
                    format!("{n} {unit} is above the limit of {max}"),
                ));
            }
            Ok(n)
        };
        let (lo, hi) = match value.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(value)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(invalid(
                name,
                format!("the range {lo}-{hi} is empty (write the smaller bound first)"),
            ));
        }
        Ok(Self { lo, hi })
    }

    /// The value for `(seed, tag, index)`: `lo` when the span is one number.
    pub fn pick(self, seed: u64, tag: u64, index: u64) -> u64 {
        let width = self.hi - self.lo;
        if width == 0 {
            return self.lo;
        }
        match width.checked_add(1) {
            Some(n) => self.lo + draw(seed, tag, index) % n,
            None => draw(seed, tag, index),
        }
    }
}

/// Parses a probability: a decimal number from 0 to 1.
pub fn fraction(name: &str, value: &str) -> Result<f64, ApiError> {
    match value.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(invalid(
            name,
            format!(
                "{:?} is not a fraction from 0 to 1 (e.g. 0.25)",
                shorten(value)
            ),
        )),
    }
}

/// Parses a whole number in `range`.
pub fn number(
    name: &str,
    value: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ApiError> {
    match value.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(invalid(
            name,
            format!(
                "{:?} is not a whole number from {} to {}",
                shorten(value),
                range.start(),
                range.end()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_pure_and_spread() {
        assert_eq!(draw(7, 1, 100), draw(7, 1, 100));
        assert_ne!(draw(7, 1, 100), draw(7, 1, 101));
        assert_ne!(draw(7, 1, 100), draw(7, 2, 100));
        assert_ne!(draw(7, 1, 100), draw(8, 1, 100));
        let hits = (0..10_000).filter(|&i| chance(3, 9, i, 0.3)).count();
        assert!(
            (2_800..3_200).contains(&hits),
            "{hits} of 10 000 at p = 0.3"
        );
        assert!((0..1000).all(|i| chance(3, 9, i, 1.0)));
        assert!((0..1000).all(|i| !chance(3, 9, i, 0.0)));
    }

    #[test]
    fn spans_parse_and_pick_within_bounds() {
        assert_eq!(
            Span::parse("fault_x", "250", 1000, "ms").unwrap(),
            Span { lo: 250, hi: 250 }
        );
        let span = Span::parse("fault_x", "100-200", 1000, "ms").unwrap();
        assert!((0..1000).all(|i| (100..=200).contains(&span.pick(1, 2, i))));
        assert_eq!(span.pick(1, 2, 3), span.pick(1, 2, 3));
        let e = Span::parse("fault_x", "2000", 1000, "ms").unwrap_err();
        assert_eq!(e.code, "invalid_fault");
        assert_eq!(e.message, "`fault_x`: 2000 ms is above the limit of 1000");
        assert!(Span::parse("fault_x", "9-3", 1000, "ms").is_err());
        assert!(Span::parse("fault_x", "-3", 1000, "ms").is_err());
        assert!(Span::parse("fault_x", "soon", 1000, "ms").is_err());
        let all = Span {
            lo: 0,
            hi: u64::MAX,
        };
        let _ = all.pick(1, 2, 3);
    }

    #[test]
    fn fractions_and_numbers_name_the_parameter() {
        assert_eq!(fraction("fault_drop", "0.25").unwrap(), 0.25);
        assert_eq!(fraction("fault_drop", "1").unwrap(), 1.0);
        for bad in ["1.5", "-0.1", "NaN", "lots", ""] {
            let e = fraction("fault_drop", bad).unwrap_err();
            assert!(e.message.starts_with("`fault_drop`: "), "{}", e.message);
        }
        assert_eq!(number("fault_refuse", "3", 1..=1000).unwrap(), 3);
        assert!(number("fault_refuse", "0", 1..=1000).is_err());
    }
}
