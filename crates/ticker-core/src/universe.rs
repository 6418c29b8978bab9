//! The synthetic universe: `universe: N` (`--universe N`) adds N generated symbols after the
//! configured ones, for scale and realism (thousands of symbols streaming at once).
//!
//! Each generated symbol is a pure function of (seed, its index): a ticker of three letters
//! (tapes A and B, as NYSE listings have) or four (tape C, Nasdaq), pronounceable; a company
//! name; a price log-uniform in 5 … 500; a volatility log-uniform in 15 … 80 %; a beta in
//! 0.3 … 0.9; a daily volume log-uniform in 200 000 … 50 000 000 shares with a spread that
//! narrows as volume grows (1 … 60 bps); a mean trade size of 60 … 200 shares. Symbol `i` never
//! depends on how many follow it, so `--universe 100` is a prefix of `--universe 5000`; a
//! generated ticker that would collide with a configured one, or an earlier generated one, is
//! drawn again.

use std::collections::HashSet;

use crate::calendar::CalendarKind;
use crate::config::{MarketConfig, SymbolConfig};
use crate::noise;
use crate::trade::Tape;

const CONSONANTS: &[u8] = b"BCDFGHJKLMNPRSTVWXZ";
const VOWELS: &[u8] = b"AEIOUY";
const SUFFIXES: [&str; 8] = [
    "Inc.",
    "Corp.",
    "Holdings",
    "Group",
    "Technologies",
    "Industries",
    "Systems",
    "Partners",
];

/// Random draws for one generated symbol: uniforms in (0, 1) from consecutive positions of
/// its own stream.
struct Draws {
    key: u64,
    next: u64,
}

impl Draws {
    fn uniform(&mut self) -> f64 {
        self.next += 1;
        noise::uniform(noise::bits(self.key, self.next))
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    fn letter(&mut self, set: &[u8]) -> char {
        char::from(set.get(self.below(set.len())).copied().unwrap_or(b'X'))
    }

    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        libm::exp(libm::log(lo) + self.uniform() * (libm::log(hi) - libm::log(lo)))
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = libm::pow(10.0, f64::from(decimals));
    libm::round(x * scale) / scale
}

/// A ticker of `len` letters, alternating consonants and vowels from a consonant.
fn ticker(d: &mut Draws, len: usize) -> String {
    (0..len)
        .map(|i| {
            if i % 2 == 1 && d.uniform() < 0.8 {
                d.letter(VOWELS)
            } else {
                d.letter(CONSONANTS)
            }
        })
        .collect()
}

/// A company name: a made-up word of two or three syllables and a suffix.
fn company(d: &mut Draws) -> String {
    let syllables = 2 + d.below(2);
    let mut word = String::new();
    for i in 0..syllables {
        let c = d.letter(CONSONANTS);
        word.push(if i == 0 { c } else { c.to_ascii_lowercase() });
        word.push(d.letter(VOWELS).to_ascii_lowercase());
    }
    if d.uniform() < 0.5 {
        word.push(d.letter(CONSONANTS).to_ascii_lowercase());
    }
    let suffix = SUFFIXES
        .get(d.below(SUFFIXES.len()))
        .copied()
        .unwrap_or("Inc.");
    format!("{word} {suffix}")
}

/// Generated symbol `index` of a seed, with a ticker not in `taken`.
fn generate(
    seed: u64,
    index: usize,
    calendar: CalendarKind,
    taken: &HashSet<String>,
) -> SymbolConfig {
    let key = noise::derive_key(
        noise::derive_key(seed, noise::fnv1a(b"universe")),
        index as u64,
    );
    let mut d = Draws { key, next: 0 };
    let tape = match d.uniform() {
        u if u < 0.3 => Tape::A,
        u if u < 0.4 => Tape::B,
        _ => Tape::C,
    };
    let len = if tape == Tape::C { 4 } else { 3 };
    // A fresh stream per attempt, so a collision only changes the ticker.
    let mut symbol = ticker(&mut d, len);
    let mut attempt = 0u64;
    while taken.contains(&symbol) {
        attempt += 1;
        let mut retry = Draws {
            key: noise::derive_key(key, attempt),
            next: 0,
        };
        symbol = ticker(&mut retry, len + usize::from(attempt > 20));
    }
    let avg_volume = libm::round(d.log_uniform(2e5, 5e7));
    SymbolConfig {
        name: company(&mut d),
        volatility: round_to(d.log_uniform(0.15, 0.8), 3),
        beta: round_to(0.3 + 0.6 * d.uniform(), 2),
        avg_volume: avg_volume as u64,
        spread_bps: round_to((1.5 * libm::pow(5e7 / avg_volume, 0.4)).clamp(1.0, 60.0), 1),
        avg_trade_size: libm::round(60.0 + 140.0 * d.uniform()) as u64,
        calendar,
        tape,
        ..SymbolConfig::new(&symbol, round_to(d.log_uniform(5.0, 500.0), 2))
    }
}

impl MarketConfig {
    /// Appends the `universe` generated symbols to `symbols` (and sets `universe` to 0, so
    /// expanding twice adds nothing). Call it on a validated configuration.
    pub fn expand_universe(&mut self) {
        if self.universe == 0 {
            return;
        }
        let mut taken: HashSet<String> = self.symbols.iter().map(|s| s.symbol.clone()).collect();
        self.symbols.reserve(self.universe);
        for i in 0..self.universe {
            let s = generate(self.seed, i, self.universe_calendar, &taken);
            taken.insert(s.symbol.clone());
            self.symbols.push(s);
        }
        self.universe = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(seed: u64, n: usize) -> MarketConfig {
        let mut cfg = MarketConfig {
            seed,
            universe: n,
            ..MarketConfig::default()
        };
        cfg.validate().unwrap();
        cfg.expand_universe();
        cfg
    }

    #[test]
    fn generated_symbols_are_valid_unique_and_a_stable_prefix() {
        let big = expanded(42, 5000);
        big.validate().unwrap();
        assert_eq!(big.symbols.len(), 5005);
        let names: HashSet<&str> = big.symbols.iter().map(|s| s.symbol.as_str()).collect();
        assert_eq!(names.len(), 5005, "tickers are unique");
        let small = expanded(42, 100);
        assert_eq!(small.symbols[..], big.symbols[..105]);
        let other = expanded(7, 100);
        assert_ne!(other.symbols[5..], small.symbols[5..]);
        // Within the documented ranges.
        for s in &big.symbols[5..] {
            assert!((5.0..=500.0).contains(&s.reference_price), "{s:?}");
            assert!((0.15..=0.8).contains(&s.volatility), "{s:?}");
            assert!((200_000..=50_000_000).contains(&s.avg_volume), "{s:?}");
            // Five letters only after 20 collisions in a row.
            let len = if s.tape == Tape::C { 4 } else { 3 };
            assert!((len..=len + 1).contains(&s.symbol.len()), "{s:?}");
        }
    }

    #[test]
    fn expanding_twice_adds_nothing() {
        let mut cfg = expanded(1, 10);
        cfg.expand_universe();
        assert_eq!(cfg.symbols.len(), 15);
    }
}
