//! Small JSON writing helpers shared by the vendor encoders: strings escaped as `serde_json`
//! does, integers without allocation, prices as JSON numbers from their exact decimal digits.

use ticker_core::Decimal;

/// Appends `s` as a JSON string literal.
pub fn push_str_lit(out: &mut String, s: &str) {
    // serde_json's escaping; writing to a String cannot fail.
    if let Ok(lit) = serde_json::to_string(s) {
        out.push_str(&lit);
    }
}

/// Appends an integer.
pub fn push_int(out: &mut String, v: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends a price as a JSON number (`150.45`, `150.0`).
pub fn push_decimal(out: &mut String, d: Decimal) {
    let mut buf = Vec::with_capacity(24);
    d.write_json(&mut buf);
    out.push_str(std::str::from_utf8(&buf).unwrap_or("0"));
}

/// Appends a float as a JSON number, `null` when not finite (JSON has no NaN).
pub fn push_f64(out: &mut String, v: f64) {
    if v.is_finite() {
        if let Ok(s) = serde_json::to_string(&v) {
            out.push_str(&s);
            return;
        }
    }
    out.push_str("null");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_like_serde_json() {
        let mut s = String::new();
        push_str_lit(&mut s, "a\"b\\c\n");
        s.push(' ');
        push_int(&mut s, -42i64);
        s.push(' ');
        push_decimal(&mut s, Decimal::new(15040, 2));
        s.push(' ');
        push_f64(&mut s, 0.1 + 0.2);
        s.push(' ');
        push_f64(&mut s, f64::NAN);
        assert_eq!(s, r#""a\"b\\c\n" -42 150.4 0.30000000000000004 null"#);
    }
}
