//! Fixed-point decimals for prices, changes and percentages.
//!
//! Prices live on a tick grid (`150.45` is 15045 units of 0.01), so they are stored as integer
//! units and a decimal count. Arithmetic on them is exact, and encoding them as JSON needs no
//! float formatting: the digits are written straight from the integer, in the same shortest
//! form `serde_json` would print for the equivalent `f64` (`150.4`, `150.0`, `-0.01`).

use std::fmt;

/// The most decimals a [`Decimal`] may carry (tick sizes down to 0.0001).
pub const MAX_DECIMALS: u8 = 4;

const POW10: [i64; 16] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
];

/// `10^d` as an integer, for `d ≤ 15`.
pub(crate) fn pow10(d: u8) -> i64 {
    POW10.get(usize::from(d)).copied().unwrap_or(1)
}

/// `units × 10^-decimals`, e.g. `Decimal::new(15045, 2)` is 150.45.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Decimal {
    units: i64,
    decimals: u8,
}

impl Decimal {
    /// A decimal of `units × 10^-decimals`; `decimals` is capped at [`MAX_DECIMALS`].
    pub const fn new(units: i64, decimals: u8) -> Self {
        let decimals = if decimals > MAX_DECIMALS {
            MAX_DECIMALS
        } else {
            decimals
        };
        Self { units, decimals }
    }

    /// The nearest decimal with the given number of decimals (half away from zero).
    pub fn from_f64(value: f64, decimals: u8) -> Self {
        let decimals = decimals.min(MAX_DECIMALS);
        let units = (value * pow10(decimals) as f64).round();
        // `as` saturates, so a non-finite or huge input cannot wrap around.
        Self::new(units as i64, decimals)
    }

    /// The integer number of `10^-decimals` units.
    pub const fn units(self) -> i64 {
        self.units
    }

    /// The number of decimals.
    pub const fn decimals(self) -> u8 {
        self.decimals
    }

    /// The value as the nearest `f64` (exact division, hence the same double everywhere).
    pub fn to_f64(self) -> f64 {
        self.units as f64 / pow10(self.decimals) as f64
    }

    /// Appends the JSON number, byte-identical to `serde_json`'s output for [`Self::to_f64`].
    pub fn write_json(self, out: &mut Vec<u8>) {
        let scale = pow10(self.decimals);
        let magnitude = self.units.unsigned_abs();
        if magnitude >= 1_000_000_000_000_000 {
            // Beyond 15 significant digits the shortest float form may differ from our digits;
            // defer to serde_json so the two encodings can never disagree. Unreachable for
            // validated markets, which cap prices far below this.
            let _ = serde_json::to_writer(&mut *out, &self.to_f64());
            return;
        }
        if self.units < 0 {
            out.push(b'-');
        }
        let scale = scale.unsigned_abs();
        let mut ints = itoa::Buffer::new();
        out.extend_from_slice(ints.format(magnitude / scale).as_bytes());
        out.push(b'.');
        let mut frac = magnitude % scale;
        if frac == 0 {
            out.push(b'0');
            return;
        }
        let mut digits = usize::from(self.decimals);
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        let mut buf = [b'0'; MAX_DECIMALS as usize];
        let mut i = digits;
        while i > 0 {
            i -= 1;
            if let Some(slot) = buf.get_mut(i) {
                *slot = b'0' + (frac % 10) as u8;
            }
            frac /= 10;
        }
        out.extend_from_slice(buf.get(..digits).unwrap_or_default());
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::with_capacity(24);
        self.write_json(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    /// Reads a JSON number with the fewest decimals that represent it exactly (up to
    /// [`MAX_DECIMALS`]), so a value written by this crate reads back equal.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v.abs() >= 1e15 {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range for a decimal"
            )));
        }
        for decimals in 0..MAX_DECIMALS {
            let candidate = Self::from_f64(v, decimals);
            if candidate.to_f64() == v {
                return Ok(candidate);
            }
        }
        Ok(Self::from_f64(v, MAX_DECIMALS))
    }
}

/// The price grid of a symbol, e.g. 0.01 or 0.05 (`units × 10^-decimals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickSize {
    units: i64,
    decimals: u8,
}

impl TickSize {
    /// The tick size for a configured value, or `None` when it is not a positive multiple of
    /// 10^-[`MAX_DECIMALS`].
    pub fn from_f64(value: f64) -> Option<Self> {
        if !(value.is_finite() && value > 0.0) {
            return None;
        }
        (0..=MAX_DECIMALS).find_map(|decimals| {
            let scaled = value * pow10(decimals) as f64;
            let units = scaled.round();
            ((scaled - units).abs() < 1e-9 * scaled.max(1.0) && (1.0..1e12).contains(&units))
                .then_some(Self {
                    units: units as i64,
                    decimals,
                })
        })
    }

    /// The decimals every price of this symbol carries.
    pub fn decimals(self) -> u8 {
        self.decimals
    }

    /// The size of one tick in `10^-decimals` units.
    pub fn units(self) -> i64 {
        self.units
    }

    /// The tick size as a decimal.
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.units, self.decimals)
    }

    /// The price nearest to `value` on this grid, at least one tick.
    pub fn round(self, value: f64) -> Decimal {
        let ticks = (value * pow10(self.decimals) as f64 / self.units as f64).round();
        let ticks = (ticks as i64).max(1);
        Decimal::new(ticks.saturating_mul(self.units), self.decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(d: Decimal) -> String {
        let mut out = Vec::new();
        d.write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_the_shortest_form() {
        assert_eq!(json(Decimal::new(15045, 2)), "150.45");
        assert_eq!(json(Decimal::new(15040, 2)), "150.4");
        assert_eq!(json(Decimal::new(15000, 2)), "150.0");
        assert_eq!(json(Decimal::new(-1, 2)), "-0.01");
        assert_eq!(json(Decimal::new(0, 2)), "0.0");
        assert_eq!(json(Decimal::new(1, 4)), "0.0001");
        assert_eq!(json(Decimal::new(7, 0)), "7.0");
    }

    #[test]
    fn matches_serde_json_for_every_shape_of_value() {
        // A deterministic sweep over magnitudes, signs and decimal counts.
        let mut x: u64 = 0x1234_5678;
        for i in 0..200_000u64 {
            x = crate::noise::mix64(x.wrapping_add(i));
            let decimals = (x % 5) as u8;
            let magnitude = 10i64.pow((x >> 8) as u32 % 15);
            let units = ((x >> 16) as i64 % magnitude) * if x & 1 == 0 { 1 } else { -1 };
            let d = Decimal::new(units, decimals);
            assert_eq!(
                json(d),
                serde_json::to_string(&d).unwrap(),
                "{units}e-{decimals}"
            );
        }
    }

    #[test]
    fn deserialises_back_to_the_same_value() {
        for d in [
            Decimal::new(15045, 2),
            Decimal::new(-3, 4),
            Decimal::new(12, 0),
        ] {
            let s = serde_json::to_string(&d).unwrap();
            let back: Decimal = serde_json::from_str(&s).unwrap();
            assert_eq!(back.to_f64(), d.to_f64());
        }
    }

    #[test]
    fn tick_sizes_round_to_the_grid() {
        let cent = TickSize::from_f64(0.01).unwrap();
        assert_eq!((cent.units(), cent.decimals()), (1, 2));
        assert_eq!(cent.round(150.454_9), Decimal::new(15045, 2));
        assert_eq!(
            cent.round(0.0001),
            Decimal::new(1, 2),
            "never below one tick"
        );
        let nickel = TickSize::from_f64(0.05).unwrap();
        assert_eq!(nickel.round(10.03), Decimal::new(1005, 2));
        assert_eq!(TickSize::from_f64(0.25).unwrap().decimals(), 2);
        assert_eq!(TickSize::from_f64(1.0).unwrap().decimals(), 0);
        assert!(TickSize::from_f64(0.00001).is_none());
        assert!(TickSize::from_f64(0.0).is_none());
        assert!(TickSize::from_f64(f64::NAN).is_none());
    }
}
