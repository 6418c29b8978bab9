//! Polygon/Massive (`/polygon/v2/…`, [`crate::vendor::polygon`]): aggregates, the previous
//! day, the last trade and NBBO, snapshots; Polygon's bodies and
//! `{status, request_id, error|message}` errors. The key: `apiKey=` or `Authorization: Bearer`
//! (any non-empty key unless `--polygon-api-key` names one).

use serde_json::{json, Value};

use super::super::schemas::{array_of, integer, number, object, schema_ref, string};
use super::{example, not_required, optional, path_param, set, vendor_op};
use crate::openapi::{get, Paths};

const TAG: &str = "polygon";
const ERROR: &str = "PolygonError";
const ERRORS: &[u16] = &[400, 401, 404];

fn ticker() -> Value {
    path_param(
        "ticker",
        example("AAPL"),
        "a configured symbol (unknown: 404)",
    )
}

fn api_key() -> Value {
    optional(
        "apiKey",
        json!({ "type": "string", "examples": ["any-key"] }),
        "the key (or `Authorization: Bearer`); without one: 401",
    )
}

fn ok_envelope() -> Value {
    json!({ "type": "string", "enum": ["OK"] })
}

fn request_id() -> Value {
    string("unique per process")
}

fn agg(with_ticker: bool) -> Value {
    let mut props = json!({
        "v": integer("volume"), "vw": number("volume-weighted average price"),
        "o": number("open"), "c": number("close"), "h": number("high"), "l": number("low"),
        "t": integer("start (Unix ms)"), "n": integer("trades"),
    });
    if with_ticker {
        set(&mut props, "T", string("the ticker"));
    }
    object("an aggregate bar", props)
}

fn aggs(with_next: bool) -> Value {
    let mut props = json!({
        "ticker": string("the ticker"),
        "queryCount": integer("bars read"),
        "resultsCount": integer("bars returned"),
        "adjusted": { "type": "boolean" },
        "results": array_of(schema_ref("PolygonAgg")),
        "status": ok_envelope(),
        "request_id": request_id(),
        "count": integer("bars returned"),
    });
    let required: Vec<String> = props
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    if with_next {
        set(
            &mut props,
            "next_url",
            json!({ "type": "string", "format": "uri", "description": "the next page, on the host the client used" }),
        );
    }
    json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false })
}

/// Polygon's schemas.
pub(super) fn schemas() -> Value {
    let day = object(
        "a day's bar",
        json!({
            "o": number("open"), "h": number("high"), "l": number("low"), "c": number("close"),
            "v": integer("volume"), "vw": number("volume-weighted average price"),
        }),
    );
    let snapshot = json!({
        "type": "object",
        "description": "a ticker's snapshot (parts it has no data for are left out)",
        "properties": {
            "ticker": string("the ticker"),
            "todaysChange": number("change since the previous close"),
            "todaysChangePerc": number("that change in percent"),
            "updated": integer("last update (Unix ns)"),
            "day": day.clone(),
            "prevDay": day,
            "min": object("the last minute bar", json!({
                "av": integer("the day's volume so far"), "o": number("open"), "h": number("high"),
                "l": number("low"), "c": number("close"), "v": integer("volume"),
                "vw": number("volume-weighted average price"), "n": integer("trades"),
                "t": integer("start (Unix ms)"),
            })),
            "lastTrade": not_required(object("the last trade (`c` only with conditions)", json!({
                "c": array_of(integer("condition")), "i": string("trade id"), "p": number("price"),
                "s": integer("size"), "t": integer("time (Unix ns)"), "x": integer("exchange"),
            })), &["c"]),
            "lastQuote": object("the last NBBO", json!({
                "P": number("ask price"), "S": integer("ask size"), "p": number("bid price"),
                "s": integer("bid size"), "t": integer("time (Unix ns)"),
            })),
        },
        "required": ["ticker"],
        "additionalProperties": false,
    });
    json!({
        "PolygonError": {
            "type": "object",
            "description": "Polygon's error body: `error` with status ERROR, `message` with NOT_FOUND",
            "properties": {
                "status": { "type": "string", "enum": ["ERROR", "NOT_FOUND"] },
                "request_id": request_id(),
                "error": string("what is wrong"),
                "message": string("what was not found"),
            },
            "required": ["status", "request_id"],
            "oneOf": [{ "required": ["error"] }, { "required": ["message"] }],
            "additionalProperties": false,
        },
        "PolygonAgg": agg(false),
        "PolygonPrevAgg": agg(true),
        "PolygonAggs": aggs(true),
        "PolygonTickerSnapshot": snapshot,
        "PolygonLastTrade": object("the last trade", json!({
            "status": ok_envelope(),
            "request_id": request_id(),
            "results": not_required(object("the trade (`c` only with conditions)", json!({
                "T": string("ticker"), "i": string("trade id"), "p": number("price"),
                "s": integer("size"), "x": integer("exchange"), "c": array_of(integer("condition")),
                "z": integer("tape (1, 2, 3)"), "t": integer("SIP time (Unix ns)"),
                "y": integer("participant time (Unix ns)"), "q": integer("sequence number"),
            })), &["c"]),
        })),
        "PolygonLastQuote": object("the last NBBO", json!({
            "status": ok_envelope(),
            "request_id": request_id(),
            "results": not_required(object("the quote (`c` only with conditions)", json!({
                "T": string("ticker"), "P": number("ask price"), "S": integer("ask size"),
                "X": integer("ask exchange"), "p": number("bid price"), "s": integer("bid size"),
                "x": integer("bid exchange"), "c": array_of(integer("condition")),
                "z": integer("tape (1, 2, 3)"), "t": integer("SIP time (Unix ns)"),
                "y": integer("participant time (Unix ns)"), "q": integer("sequence number"),
            })), &["c"]),
        })),
    })
}

/// Adds Polygon's operations.
pub(super) fn paths(paths: &mut Paths) {
    let op_with = |summary: &str, params: &[Value], ok: Value, errors: &[u16]| {
        let mut all = params.to_vec();
        all.push(api_key());
        get(vendor_op(TAG, summary, &all, ok, ERROR, errors))
    };
    let op = |summary: &str, params: &[Value], ok: Value| op_with(summary, params, ok, ERRORS);
    let range = [
        ticker(),
        path_param(
            "multiplier",
            json!({ "type": "string", "pattern": "^[0-9]+$", "examples": ["1"] }),
            "bars of this many timespans (at least 1)",
        ),
        path_param(
            "timespan",
            json!({ "type": "string", "enum": ["second", "minute", "hour", "day", "week", "month", "quarter", "year"], "examples": ["hour"] }),
            "the unit",
        ),
        path_param(
            "from",
            json!({ "type": "string", "examples": ["2026-11-23"] }),
            "a date (New York) or Unix ms",
        ),
        path_param(
            "to",
            json!({ "type": "string", "examples": ["2026-11-24"] }),
            "a date (the whole New York day) or Unix ms",
        ),
        optional(
            "adjusted",
            json!({ "type": "string", "enum": ["true", "false"] }),
            "accepted; changes nothing",
        ),
        optional(
            "sort",
            json!({ "type": "string", "enum": ["asc", "desc"] }),
            "order by time",
        ),
        optional(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": 50_000, "default": 5_000 }),
            "bars per page",
        ),
        optional(
            "cursor",
            json!({ "type": "string", "pattern": "^-?[0-9]+$" }),
            "from `next_url`",
        ),
    ];
    paths.add(
        "/polygon/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}",
        op(
            "Aggregate bars over a range, paged by `next_url`",
            &range,
            schema_ref("PolygonAggs"),
        ),
    );
    let prev = object(
        "the previous trading day's bar",
        json!({
            "ticker": string("the ticker"),
            "queryCount": integer("bars read"),
            "resultsCount": integer("bars returned"),
            "adjusted": { "type": "boolean" },
            "results": array_of(schema_ref("PolygonPrevAgg")),
            "status": ok_envelope(),
            "request_id": request_id(),
            "count": integer("bars returned"),
        }),
    );
    paths.add(
        "/polygon/v2/aggs/ticker/{ticker}/prev",
        op("The previous trading day's bar", &[ticker()], prev),
    );
    paths.add(
        "/polygon/v2/last/trade/{ticker}",
        op(
            "The last trade",
            &[ticker()],
            schema_ref("PolygonLastTrade"),
        ),
    );
    paths.add(
        "/polygon/v2/last/nbbo/{ticker}",
        op("The last NBBO", &[ticker()], schema_ref("PolygonLastQuote")),
    );
    let one = object(
        "one ticker's snapshot",
        json!({
            "status": ok_envelope(),
            "request_id": request_id(),
            "ticker": schema_ref("PolygonTickerSnapshot"),
        }),
    );
    paths.add(
        "/polygon/v2/snapshot/locale/us/markets/stocks/tickers/{ticker}",
        op("One ticker's snapshot", &[ticker()], one),
    );
    let many = object(
        "snapshots of the tickers asked for (default: all)",
        json!({
            "status": ok_envelope(),
            "request_id": request_id(),
            "count": integer("tickers returned"),
            "tickers": array_of(schema_ref("PolygonTickerSnapshot")),
        }),
    );
    paths.add(
        "/polygon/v2/snapshot/locale/us/markets/stocks/tickers",
        op_with(
            "Snapshots of several tickers",
            &[optional(
                "tickers",
                json!({ "type": "string", "examples": ["AAPL,MSFT"] }),
                "comma-separated tickers (default: every symbol)",
            )],
            many,
            // Unknown tickers are left out, not 404.
            &[400, 401],
        ),
    );
}
