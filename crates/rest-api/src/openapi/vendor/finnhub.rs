//! Finnhub (`/finnhub/api/v1/…`, [`crate::vendor::finnhub`]): `quote`, `stock/candle`,
//! `stock/symbol`, `stock/profile2`, with Finnhub's bodies and `{"error"}` errors. The token:
//! `token=` or the `X-Finnhub-Token` header (any non-empty one unless `--finnhub-tokens`
//! lists them). finnhub-python's `//` after `/api/v1` is accepted but not documented here.

use serde_json::{json, Value};

use super::super::param;
use super::super::schemas::{array_of, integer, nullable, number, object, string};
use super::{example, required, vendor_op};
use crate::openapi::{get, Paths};

const TAG: &str = "finnhub";
const ERROR: &str = "FinnhubError";
/// A missing or malformed parameter, no token or a wrong one.
const ERRORS: &[u16] = &[400, 401];

fn token() -> Value {
    param(
        "token",
        json!({ "type": "string", "examples": ["any-token"] }),
        "the API token (or the X-Finnhub-Token header); without one: 401",
    )
}

fn symbol() -> Value {
    required(
        "symbol",
        example("AAPL"),
        "a symbol, case-sensitive (unknown: Finnhub's empty answer)",
    )
}

/// Finnhub's schemas.
pub(super) fn schemas() -> Value {
    let numbers = |what: &str| array_of(number(what));
    let integers = |what: &str| array_of(integer(what));
    json!({
        "FinnhubError": object("Finnhub's error body", json!({ "error": string("what is wrong") })),
        "FinnhubQuote": object("a quote (all zero, `d`/`dp` null, for an unknown symbol)", json!({
            "c": number("current price"),
            "d": nullable(number("change since the previous close"), "null"),
            "dp": nullable(number("change in percent"), "null"),
            "h": number("the session's high"), "l": number("the session's low"),
            "o": number("the session's open"), "pc": number("previous close"),
            "t": integer("the tick's time (Unix seconds)"),
        })),
        "FinnhubCandles": {
            "oneOf": [
                object("candles as parallel arrays", json!({
                    "c": numbers("close"), "h": numbers("high"), "l": numbers("low"),
                    "o": numbers("open"), "s": { "type": "string", "enum": ["ok"] },
                    "t": integers("start (Unix seconds)"), "v": integers("volume"),
                })),
                object("no candles in the range", json!({ "s": { "type": "string", "enum": ["no_data"] } })),
            ],
        },
        "FinnhubSymbol": object("a listed symbol", json!({
            "currency": string("currency"), "description": string("name"),
            "displaySymbol": string("symbol"), "figi": string("empty"),
            "isin": nullable(string("null"), "null"), "mic": string("market identifier"),
            "shareClassFIGI": string("empty"), "symbol": string("symbol"),
            "symbol2": string("empty"), "type": string("security type"),
        })),
        "FinnhubProfile": {
            "oneOf": [
                object("a company profile (synthetic)", json!({
                    "country": string("country"), "currency": string("currency"),
                    "exchange": string("exchange"), "finnhubIndustry": string("empty"),
                    "ipo": string("empty"), "logo": string("empty"),
                    "marketCapitalization": number("0"), "name": string("name"),
                    "phone": string("empty"), "shareOutstanding": number("0"),
                    "ticker": string("symbol"), "weburl": string("empty"),
                })),
                object("an unknown symbol", json!({})),
            ],
        },
    })
}

/// Adds Finnhub's operations.
pub(super) fn paths(paths: &mut Paths) {
    let op_with = |summary: &str, params: &[Value], schema: &str, errors: &[u16]| {
        let mut all = params.to_vec();
        all.push(token());
        let ok = super::super::schemas::schema_ref(schema);
        get(vendor_op(TAG, summary, &all, ok, ERROR, errors))
    };
    let op =
        |summary: &str, params: &[Value], schema: &str| op_with(summary, params, schema, ERRORS);
    let base = crate::vendor::finnhub::PREFIX;
    paths.add(
        &format!("{base}/quote"),
        op("The quote at the clock's tick", &[symbol()], "FinnhubQuote"),
    );
    let seconds = |name: &str, example: &str, what: &str| {
        required(
            name,
            json!({ "type": "string", "pattern": "^-?[0-9]+$", "examples": [example] }),
            what,
        )
    };
    paths.add(
        &format!("{base}/stock/candle"),
        op_with(
            "Candles: native minute or daily bars, regrouped",
            &[
                symbol(),
                required(
                    "resolution",
                    json!({ "type": "string", "enum": ["1", "5", "15", "30", "60", "D", "W", "M"], "examples": ["60"] }),
                    "candle width (others: 422)",
                ),
                seconds("from", "1795435200", "first candle (Unix seconds)"),
                seconds("to", "1795449600", "last candle (Unix seconds)"),
            ],
            "FinnhubCandles",
            // 422: an unsupported resolution, or a range of more candles than the limit.
            &[400, 401, 422],
        ),
    );
    let symbols = json!({ "$ref": "#/components/schemas/FinnhubSymbol" });
    paths.add(
        &format!("{base}/stock/symbol"),
        get(vendor_op(
            TAG,
            "The symbols of an exchange (`US`: the us-equity calendar's)",
            &[
                required("exchange", example("US"), "the exchange"),
                param(
                    "mic",
                    json!({ "type": "string" }),
                    "only this market identifier",
                ),
                param(
                    "securityType",
                    json!({ "type": "string" }),
                    "only this type",
                ),
                param(
                    "currency",
                    json!({ "type": "string" }),
                    "only this currency",
                ),
                token(),
            ],
            array_of(symbols),
            ERROR,
            ERRORS,
        )),
    );
    paths.add(
        &format!("{base}/stock/profile2"),
        op(
            "A company profile (synthetic)",
            &[symbol()],
            "FinnhubProfile",
        ),
    );
}
