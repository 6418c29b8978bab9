//! `/api/v3/exchangeInfo`: the trading rules of each pair, enough for `ccxt`'s
//! `load_markets()` (symbol, status, base and quote assets, precisions, the `PRICE_FILTER`
//! tick size and the `LOT_SIZE` step) and for the official SDKs' models.
//!
//! Quantities in ticker are whole units, so `LOT_SIZE` steps by 1; prices step by the
//! symbol's configured tick size.

use ticker_core::Decimal;

use super::num::{push_price, push_qty};
use crate::json::{push_int, push_str_lit};

/// Quote assets recognised when splitting a pair's name, longest first.
const QUOTES: [&str; 16] = [
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDP", "EURI", "DAI", "BTC", "ETH", "BNB", "EUR",
    "USD", "TRY", "GBP", "BRL",
];

/// One pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSpec {
    /// The pair, e.g. `BTCUSDT`.
    pub symbol: String,
    /// Its price grid, e.g. `0.01`.
    pub tick_size: Decimal,
}

/// Splits a pair into base and quote asset (`BTCUSDT` → `BTC`, `USDT`); a pair without a
/// known quote asset splits before its last three letters.
pub fn split_pair(symbol: &str) -> (&str, &str) {
    QUOTES
        .iter()
        .find_map(|q| {
            symbol
                .strip_suffix(q)
                .filter(|base| !base.is_empty())
                .map(|base| (base, *q))
        })
        .unwrap_or_else(|| symbol.split_at(symbol.len().saturating_sub(3)))
}

fn kv_str(out: &mut String, key: &str, value: &str) {
    push_str_lit(out, key);
    out.push(':');
    push_str_lit(out, value);
}

fn symbol_json(out: &mut String, spec: &SymbolSpec) {
    let (base, quote) = split_pair(&spec.symbol);
    out.push('{');
    kv_str(out, "symbol", &spec.symbol);
    out.push(',');
    kv_str(out, "status", "TRADING");
    out.push(',');
    kv_str(out, "baseAsset", base);
    out.push_str(",\"baseAssetPrecision\":8,");
    kv_str(out, "quoteAsset", quote);
    out.push_str(
        ",\"quotePrecision\":8,\"quoteAssetPrecision\":8,\"baseCommissionPrecision\":8,\
         \"quoteCommissionPrecision\":8,\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\
         \"STOP_LOSS_LIMIT\",\"TAKE_PROFIT_LIMIT\"],\"icebergAllowed\":false,\"ocoAllowed\":false,\
         \"otoAllowed\":false,\"quoteOrderQtyMarketAllowed\":false,\"allowTrailingStop\":false,\
         \"cancelReplaceAllowed\":false,\"amendAllowed\":false,\"isSpotTradingAllowed\":true,\
         \"isMarginTradingAllowed\":false,\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":",
    );
    push_price(out, spec.tick_size);
    out.push_str(",\"maxPrice\":\"1000000.00000000\",\"tickSize\":");
    push_price(out, spec.tick_size);
    out.push_str("},{\"filterType\":\"LOT_SIZE\",\"minQty\":");
    push_qty(out, 1);
    out.push_str(",\"maxQty\":");
    push_qty(out, 9_000_000_000);
    out.push_str(",\"stepSize\":");
    push_qty(out, 1);
    out.push_str(
        "}],\"permissions\":[],\"permissionSets\":[[\"SPOT\"]],\
         \"defaultSelfTradePreventionMode\":\"NONE\",\"allowedSelfTradePreventionModes\":[\"NONE\"]}",
    );
}

/// The body for `symbols` (all pairs, or those asked for), at `server_ms`.
pub fn body(symbols: &[SymbolSpec], server_ms: i64) -> String {
    let mut out = String::with_capacity(256 + symbols.len() * 900);
    out.push_str("{\"timezone\":\"UTC\",\"serverTime\":");
    push_int(&mut out, server_ms);
    out.push_str(
        ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\
         \"intervalNum\":1,\"limit\":6000}],\"exchangeFilters\":[],\"symbols\":[",
    );
    for (i, spec) in symbols.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        symbol_json(&mut out, spec);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn pairs_split_into_base_and_quote() {
        assert_eq!(split_pair("BTCUSDT"), ("BTC", "USDT"));
        assert_eq!(split_pair("ETHBTC"), ("ETH", "BTC"));
        assert_eq!(split_pair("BTCFDUSD"), ("BTC", "FDUSD"));
        assert_eq!(split_pair("XRPUSDT"), ("XRP", "USDT"));
        assert_eq!(
            split_pair("USDT"),
            ("U", "SDT"),
            "no base: split before the last three"
        );
        assert_eq!(split_pair("ABCXYZ"), ("ABC", "XYZ"));
    }

    #[test]
    fn symbols_carry_the_filters_ccxt_reads() {
        let body = body(
            &[SymbolSpec {
                symbol: "XRPUSDT".into(),
                tick_size: Decimal::new(1, 4),
            }],
            1_700_000_000_000,
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["timezone"], "UTC");
        assert_eq!(v["serverTime"], 1_700_000_000_000_i64);
        let s = &v["symbols"][0];
        assert_eq!(s["symbol"], "XRPUSDT");
        assert_eq!(
            (s["baseAsset"].as_str(), s["quoteAsset"].as_str()),
            (Some("XRP"), Some("USDT"))
        );
        assert_eq!(s["status"], "TRADING");
        assert_eq!(s["filters"][0]["filterType"], "PRICE_FILTER");
        assert_eq!(s["filters"][0]["tickSize"], "0.00010000");
        assert_eq!(s["filters"][1]["stepSize"], "1.00000000");
        assert_eq!(s["permissionSets"][0][0], "SPOT");
        let empty: Value = serde_json::from_str(&super::body(&[], 0)).unwrap();
        assert_eq!(empty["symbols"].as_array().unwrap().len(), 0);
    }
}
