//! Binance's REST error shape, `{"code":-1121,"msg":"Invalid symbol."}`, with the codes and
//! messages of the real API (`errors.md` of binance-spot-api-docs). The SDKs map the code to
//! their exception types (ccxt: `-1121` is `BadSymbol`), so the codes matter more than the text.

use std::fmt;

use crate::json::{push_int, push_str_lit};

/// The legal range Binance prints for symbol parameters.
const SYMBOL_RANGE: &str = "^[A-Z0-9-_.]{1,20}$";

/// A REST failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinanceError {
    /// HTTP status (400 for request errors, 404 for unknown paths).
    pub status: u16,
    /// Binance's error code (negative).
    pub code: i32,
    /// Binance's message.
    pub msg: String,
}

impl BinanceError {
    fn new(status: u16, code: i32, msg: impl Into<String>) -> Self {
        Self {
            status,
            code,
            msg: msg.into(),
        }
    }

    /// -1121: the symbol is not served (unknown, or not a 24/7 pair).
    pub fn bad_symbol() -> Self {
        Self::new(400, -1121, "Invalid symbol.")
    }

    /// -1120: an interval that is not Binance's.
    pub fn bad_interval() -> Self {
        Self::new(400, -1120, "Invalid interval.")
    }

    /// -1120 with this server's reason (an interval that is not whole ticks).
    pub fn interval_off_grid(why: &str) -> Self {
        Self::new(400, -1120, format!("Invalid interval. {why}."))
    }

    /// -1102: a mandatory parameter is missing or empty.
    pub fn missing(param: &str) -> Self {
        Self::new(
            400,
            -1102,
            format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."),
        )
    }

    /// -1100: characters outside the parameter's legal range.
    pub fn illegal_chars(param: &str, range: &str) -> Self {
        Self::new(
            400,
            -1100,
            format!("Illegal characters found in parameter '{param}'; legal range is '{range}'."),
        )
    }

    /// -1100 for a `symbol` parameter.
    pub fn illegal_symbol() -> Self {
        Self::illegal_chars("symbol", SYMBOL_RANGE)
    }

    /// -1130: a value outside what the parameter accepts.
    pub fn invalid_value(param: &str) -> Self {
        Self::new(
            400,
            -1130,
            format!("Data sent for parameter '{param}' is not valid."),
        )
    }

    /// -1130 with this server's reason.
    pub fn unsupported(param: &str, why: &str) -> Self {
        Self::new(
            400,
            -1130,
            format!("Data sent for parameter '{param}' is not valid. {why}"),
        )
    }

    /// -1101: a parameter sent twice.
    pub fn duplicate(param: &str) -> Self {
        Self::new(
            400,
            -1101,
            format!("Duplicate values for a parameter detected: '{param}'."),
        )
    }

    /// -1128: `symbol` and `symbols` together.
    pub fn bad_combination(a: &str, b: &str) -> Self {
        Self::new(
            400,
            -1128,
            format!("Combination of optional parameters invalid: '{a}' and '{b}' cannot be sent together."),
        )
    }

    /// 404: a path this gateway does not serve.
    pub fn not_found(path: &str) -> Self {
        Self::new(
            404,
            -1000,
            format!("Unknown endpoint {path}; this gateway serves the public /api/v3 market data endpoints."),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        let mut out = String::with_capacity(self.msg.len() + 24);
        out.push_str("{\"code\":");
        push_int(&mut out, self.code);
        out.push_str(",\"msg\":");
        push_str_lit(&mut out, &self.msg);
        out.push('}');
        out
    }
}

impl fmt::Display for BinanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.msg)
    }
}

impl std::error::Error for BinanceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_binances_code_and_msg() {
        assert_eq!(
            BinanceError::bad_symbol().body(),
            r#"{"code":-1121,"msg":"Invalid symbol."}"#
        );
        assert_eq!(
            BinanceError::illegal_symbol().body(),
            r#"{"code":-1100,"msg":"Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."}"#
        );
        assert_eq!(
            BinanceError::missing("interval").msg,
            "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."
        );
        assert_eq!(BinanceError::bad_interval().code, -1120);
        assert_eq!(BinanceError::not_found("/api/v3/order").status, 404);
    }
}
