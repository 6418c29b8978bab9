//! Alpaca Market Data v2 (`/alpaca/v2/stocks/…`, [`crate::vendor::alpaca`]): both forms of
//! every endpoint (one symbol in the path, answered with `symbol` and a list; `symbols=` in
//! the query, answered with a map keyed by symbol), Alpaca's bodies and `{code, message}`
//! errors. Credentials: the `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY` headers (any
//! non-empty pair unless `--alpaca-key-id`/`--alpaca-secret-key` name one), or an
//! `Authorization` Bearer/Basic header.

use serde_json::{json, Value};

use super::super::schemas::{array_of, integer, nullable, number, object, schema_ref, string};
use super::{by_symbol, example, optional, path_param, required, set, vendor_op};
use crate::openapi::{get, Paths};

const TAG: &str = "alpaca";
const ERROR: &str = "AlpacaError";
/// What the operations that read a window or `symbols=` answer themselves (422: a readable
/// but unacceptable value such as `limit=0`, or no `symbols`).
const ERRORS: &[u16] = &[400, 401, 403, 422];
/// What the single-symbol latest and snapshot operations answer themselves.
const ONE_ERRORS: &[u16] = &[400, 401, 403];

fn symbol() -> Value {
    path_param(
        "symbol",
        example("AAPL"),
        "one symbol (well-formed but unknown: an empty answer)",
    )
}

fn symbols() -> Value {
    required(
        "symbols",
        example("AAPL,MSFT"),
        "comma-separated symbols (at most --max-symbols)",
    )
}

fn time(name: &str, what: &str) -> Value {
    optional(
        name,
        json!({ "type": "string", "examples": ["2026-11-23T14:30:00Z", "2026-11-23"] }),
        &format!("{what}: RFC 3339 with any offset and up to nanoseconds, or a date (New York)"),
    )
}

/// `start`, `end`, `limit`, `sort`, `page_token`, `feed`, `asof`-less window parameters.
fn window() -> Vec<Value> {
    vec![
        time(
            "start",
            "first item, inclusive (default: the start of today in New York)",
        ),
        time("end", "last item, inclusive (default: now)"),
        optional(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": 10_000, "default": 1_000 }),
            "items per page across all symbols",
        ),
        optional(
            "sort",
            json!({ "type": "string", "enum": ["asc", "desc"], "default": "asc" }),
            "order by time",
        ),
        optional(
            "page_token",
            json!({ "type": "string" }),
            "`next_page_token` of the previous page",
        ),
        feed(),
    ]
}

fn feed() -> Value {
    optional(
        "feed",
        json!({ "type": "string", "enum": ["iex", "sip", "delayed_sip", "otc", "boats", "overnight"] }),
        "accepted; every feed serves the same data",
    )
}

fn timeframe() -> Value {
    required(
        "timeframe",
        json!({ "type": "string", "examples": ["1Hour", "5Min", "1Day", "1Week", "1Month"] }),
        "bar width: {n}Min (n ≤ 59), {n}Hour (n ≤ 23), 1Day, 1Week, {n}Month (1, 2, 3, 4, 6, 12); \
         short units T, H, D, W, M too",
    )
}

fn adjustment() -> Value {
    optional(
        "adjustment",
        json!({ "type": "string", "enum": ["raw", "split", "dividend", "all"] }),
        "accepted; the model has no corporate actions",
    )
}

fn page(key: &str, item: &str) -> Value {
    object(
        "one page, every symbol's items under its name",
        json!({
            key: by_symbol(array_of(schema_ref(item))),
            "next_page_token": nullable(string("where the next page starts"), "null"),
        }),
    )
}

fn single_page(key: &str, item: &str) -> Value {
    object(
        "one page of one symbol",
        json!({
            key: array_of(schema_ref(item)),
            "symbol": string("the symbol"),
            "next_page_token": nullable(string("where the next page starts"), "null"),
        }),
    )
}

fn latest(key: &str, item: &str) -> Value {
    object(
        "the latest item of each known symbol",
        json!({ key: by_symbol(schema_ref(item)) }),
    )
}

fn single_latest(key: &str, item: &str) -> Value {
    object(
        "the latest item of one symbol (null if unknown)",
        json!({
            key: { "oneOf": [schema_ref(item), { "type": "null" }] },
            "symbol": string("the symbol"),
        }),
    )
}

/// A snapshot's parts: each left out, or `null`, when the symbol has no such data (no
/// bar yet at the clock's time, e.g. after a manual clock jumped far ahead).
fn snapshot_properties() -> Value {
    let part = |name: &str| json!({ "oneOf": [schema_ref(name), { "type": "null" }] });
    json!({
        "latestTrade": part("AlpacaTrade"),
        "latestQuote": part("AlpacaQuote"),
        "minuteBar": part("AlpacaBar"),
        "dailyBar": part("AlpacaBar"),
        "prevDailyBar": part("AlpacaBar"),
    })
}

/// Alpaca's schemas.
pub(super) fn schemas() -> Value {
    let time = json!({ "type": "string", "format": "date-time", "description": "RFC 3339, up to nanoseconds" });
    let conditions = array_of(string("a condition code"));
    let mut single_snapshot = snapshot_properties();
    set(&mut single_snapshot, "symbol", string("the symbol"));
    json!({
        "AlpacaError": object("Alpaca's error body", json!({
            "code": integer("Alpaca's error code (status × 100 000 + detail)"),
            "message": string("what is wrong"),
        })),
        "AlpacaBar": object("a bar", json!({
            "t": time, "o": number("open"), "h": number("high"), "l": number("low"),
            "c": number("close"), "v": integer("volume"), "n": integer("trades"),
            "vw": number("volume-weighted average price"),
        })),
        "AlpacaTrade": object("a trade", json!({
            "t": time, "x": string("exchange"), "p": number("price"), "s": integer("size"),
            "c": conditions, "i": integer("trade id"), "z": string("tape"),
        })),
        "AlpacaQuote": object("an NBBO quote", json!({
            "t": time, "ax": string("ask exchange"), "ap": number("ask price"),
            "as": integer("ask size"), "bx": string("bid exchange"), "bp": number("bid price"),
            "bs": integer("bid size"), "c": conditions, "z": string("tape"),
        })),
        "AlpacaSnapshot": {
            "type": "object",
            "description": "a symbol's snapshot (parts it has no data for are left out)",
            "properties": snapshot_properties(),
            "additionalProperties": false,
        },
        "AlpacaSingleSnapshot": {
            "type": "object",
            "description": "one symbol's snapshot (parts it has no data for are left out)",
            "properties": single_snapshot,
            "required": ["symbol"],
            "additionalProperties": false,
        },
    })
}

/// Adds Alpaca's operations.
pub(super) fn paths(paths: &mut Paths) {
    let base = "/alpaca/v2/stocks";
    let mut bars = vec![symbols(), timeframe(), adjustment()];
    bars.extend(window());
    let mut one_bars = vec![symbol(), timeframe(), adjustment()];
    one_bars.extend(window());
    let mut many = vec![symbols()];
    many.extend(window());
    let mut one = vec![symbol()];
    one.extend(window());
    let ops: Vec<(String, &str, Vec<Value>, Value)> = vec![
        (
            format!("{base}/bars"),
            "Historical bars of several symbols",
            bars,
            page("bars", "AlpacaBar"),
        ),
        (
            format!("{base}/{{symbol}}/bars"),
            "Historical bars of one symbol",
            one_bars,
            single_page("bars", "AlpacaBar"),
        ),
        (
            format!("{base}/trades"),
            "Historical trades of several symbols",
            many.clone(),
            page("trades", "AlpacaTrade"),
        ),
        (
            format!("{base}/{{symbol}}/trades"),
            "Historical trades of one symbol",
            one.clone(),
            single_page("trades", "AlpacaTrade"),
        ),
        (
            format!("{base}/quotes"),
            "Historical NBBO quotes (one per tick) of several symbols",
            many,
            page("quotes", "AlpacaQuote"),
        ),
        (
            format!("{base}/{{symbol}}/quotes"),
            "Historical NBBO quotes (one per tick) of one symbol",
            one,
            single_page("quotes", "AlpacaQuote"),
        ),
        (
            format!("{base}/trades/latest"),
            "The latest trade of several symbols",
            vec![symbols(), feed()],
            latest("trades", "AlpacaTrade"),
        ),
        (
            format!("{base}/{{symbol}}/trades/latest"),
            "The latest trade of one symbol",
            vec![symbol(), feed()],
            single_latest("trade", "AlpacaTrade"),
        ),
        (
            format!("{base}/quotes/latest"),
            "The latest quote of several symbols",
            vec![symbols(), feed()],
            latest("quotes", "AlpacaQuote"),
        ),
        (
            format!("{base}/{{symbol}}/quotes/latest"),
            "The latest quote of one symbol",
            vec![symbol(), feed()],
            single_latest("quote", "AlpacaQuote"),
        ),
        (
            format!("{base}/bars/latest"),
            "The latest minute bar of several symbols",
            vec![symbols(), feed()],
            latest("bars", "AlpacaBar"),
        ),
        (
            format!("{base}/{{symbol}}/bars/latest"),
            "The latest minute bar of one symbol",
            vec![symbol(), feed()],
            single_latest("bar", "AlpacaBar"),
        ),
        (
            format!("{base}/snapshots"),
            "Snapshots of several symbols, keyed by symbol",
            vec![symbols(), feed()],
            by_symbol(schema_ref("AlpacaSnapshot")),
        ),
        (
            format!("{base}/{{symbol}}/snapshot"),
            "The snapshot of one symbol",
            vec![symbol(), feed()],
            schema_ref("AlpacaSingleSnapshot"),
        ),
    ];
    for (path, summary, params, ok) in ops {
        let latest_one = path.contains("{symbol}") && !path.ends_with("s");
        let errors = if latest_one { ONE_ERRORS } else { ERRORS };
        paths.add(
            &path,
            get(vendor_op(TAG, summary, &params, ok, ERROR, errors)),
        );
    }
}
