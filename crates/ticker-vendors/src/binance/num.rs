//! Binance's numbers: prices and quantities as decimal **strings** with eight decimals
//! (`"42000.12000000"`, as the real API pads them), percentages with three, times as integer
//! milliseconds (or microseconds, [`TimeUnit`]).

use ticker_core::Decimal;

use crate::json::push_int;

/// Decimals of every price and quantity string.
pub const DECIMALS: u32 = 8;
const SCALE: i128 = 100_000_000;

/// The unit of every time field, chosen per connection (`timeUnit=`) or request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeUnit {
    /// Milliseconds (the default).
    #[default]
    Millisecond,
    /// Microseconds (`timeUnit=MICROSECOND`).
    Microsecond,
}

impl TimeUnit {
    /// Parses `MILLISECOND`/`MICROSECOND` in either case.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "MILLISECOND" | "millisecond" => Some(Self::Millisecond),
            "MICROSECOND" | "microsecond" => Some(Self::Microsecond),
            _ => None,
        }
    }

    /// A millisecond timestamp in this unit.
    pub fn of_ms(self, ms: i64) -> i64 {
        match self {
            Self::Millisecond => ms,
            Self::Microsecond => ms.saturating_mul(1000),
        }
    }
}

/// Appends `units × 10^-decimals` as a quoted string with exactly eight decimals.
fn push_fixed(out: &mut String, units: i128) {
    out.push('"');
    if units < 0 {
        out.push('-');
    }
    let magnitude = units.unsigned_abs();
    let scale = SCALE.unsigned_abs();
    push_int(out, magnitude / scale);
    out.push('.');
    let frac = itoa::Buffer::new().format(magnitude % scale).to_owned();
    for _ in frac.len()..DECIMALS as usize {
        out.push('0');
    }
    out.push_str(&frac);
    out.push('"');
}

/// The eight-decimal units of a price.
fn units8(d: Decimal) -> i128 {
    let shift = DECIMALS.saturating_sub(u32::from(d.decimals()));
    i128::from(d.units()) * 10i128.pow(shift)
}

/// Appends a price: `"150.45000000"`.
pub fn push_price(out: &mut String, d: Decimal) {
    push_fixed(out, units8(d));
}

/// Appends a whole quantity: `"3.00000000"`.
pub fn push_qty(out: &mut String, q: u64) {
    push_fixed(out, i128::from(q) * SCALE);
}

/// Appends `price × qty` exactly: `"84000.24000000"`.
pub fn push_notional(out: &mut String, price: Decimal, qty: u64) {
    push_fixed(out, units8(price).saturating_mul(i128::from(qty)));
}

/// Appends a computed amount (a quote volume, an average) rounded to eight decimals.
pub fn push_amount(out: &mut String, v: f64) {
    let units = if v.is_finite() {
        (v * SCALE as f64).round()
    } else {
        0.0
    };
    // `as` saturates: an absurd amount cannot wrap.
    push_fixed(out, units as i128);
}

/// Appends a percentage with three decimals: `"-0.611"`.
pub fn push_percent(out: &mut String, v: f64) {
    let thousandths = if v.is_finite() {
        (v * 1000.0).round() as i128
    } else {
        0
    };
    out.push('"');
    if thousandths < 0 {
        out.push('-');
    }
    let m = thousandths.unsigned_abs();
    push_int(out, m / 1000);
    out.push('.');
    let frac = m % 1000;
    if frac < 100 {
        out.push('0');
    }
    if frac < 10 {
        out.push('0');
    }
    push_int(out, frac);
    out.push('"');
}

/// `(a − b)` of two prices of one symbol, exactly.
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    let d = a.decimals().max(b.decimals());
    let scale = |x: Decimal| x.units() * 10i64.pow(u32::from(d - x.decimals()));
    Decimal::new(scale(a) - scale(b), d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl Fn(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn prices_and_quantities_are_padded_decimal_strings() {
        assert_eq!(
            s(|o| push_price(o, Decimal::new(15045, 2))),
            r#""150.45000000""#
        );
        assert_eq!(
            s(|o| push_price(o, Decimal::new(6200, 4))),
            r#""0.62000000""#
        );
        assert_eq!(
            s(|o| push_price(o, Decimal::new(-1, 2))),
            r#""-0.01000000""#
        );
        assert_eq!(s(|o| push_qty(o, 3)), r#""3.00000000""#);
        assert_eq!(s(|o| push_qty(o, 0)), r#""0.00000000""#);
        assert_eq!(
            s(|o| push_notional(o, Decimal::new(4_200_012, 2), 2)),
            r#""84000.24000000""#
        );
        assert_eq!(
            s(|o| push_amount(o, 1_234.567_891_234)),
            r#""1234.56789123""#
        );
        assert_eq!(s(|o| push_amount(o, f64::NAN)), r#""0.00000000""#);
        assert_eq!(s(|o| push_percent(o, -0.6108)), r#""-0.611""#);
        assert_eq!(s(|o| push_percent(o, 250.0)), r#""250.000""#);
        assert_eq!(s(|o| push_percent(o, 0.05)), r#""0.050""#);
    }

    #[test]
    fn time_units_and_exact_differences() {
        assert_eq!(TimeUnit::parse("MICROSECOND"), Some(TimeUnit::Microsecond));
        assert_eq!(TimeUnit::parse("Microsecond"), None);
        assert_eq!(
            TimeUnit::Microsecond.of_ms(1_700_000_000_123),
            1_700_000_000_123_000
        );
        assert_eq!(TimeUnit::default().of_ms(5), 5);
        assert_eq!(
            sub(Decimal::new(15045, 2), Decimal::new(15050, 2)),
            Decimal::new(-5, 2)
        );
        assert_eq!(
            sub(Decimal::new(1, 4), Decimal::new(1, 2)),
            Decimal::new(-99, 4)
        );
    }
}
