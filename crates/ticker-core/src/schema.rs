//! JSON Schemas (draft 2020-12) of the JSON the core writes, for the services' contracts
//! (`/openapi.json`, `/asyncapi.json`): one definition of the quote for both, so the REST and
//! stream documents cannot disagree about it.

use serde_json::{json, Map, Value};

fn number(description: &str) -> Value {
    json!({ "type": "number", "description": description })
}

fn integer(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn ms(description: &str) -> Value {
    json!({ "type": "integer", "description": format!("{description} (Unix milliseconds)") })
}

/// The properties of [`crate::Quote::write_json`]'s object, in order (every one is always
/// present), shared by the object and the classic array forms.
pub fn quote_properties() -> Map<String, Value> {
    let props = json!({
        "symbol": string("the symbol, upper case"),
        "price": number("last price"),
        "change": number("price − prev_close (in the classic array form: the change since the previous tick)"),
        "change_percent": number("change in percent of prev_close"),
        "open": number("the session's first price"),
        "high": number("the session's highest price so far"),
        "low": number("the session's lowest price so far"),
        "prev_close": number("the previous session's last price"),
        "bid": number("best bid"),
        "ask": number("best offer"),
        "volume": integer("shares traded this session"),
        "timestamp": ms("time of the tick"),
        "seq": integer("the tick number: the same tick has the same seq on every service"),
        "bid_size": integer("shares at the best bid"),
        "ask_size": integer("shares at the best offer"),
        "bid_exchange": string("exchange code of the best bid"),
        "ask_exchange": string("exchange code of the best offer"),
        "trades": integer("trades this session"),
        "vwap": number("volume-weighted average price this session"),
    });
    match props {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The schema of [`crate::ClockReport`].
pub fn clock_report() -> Value {
    json!({
        "type": "object",
        "description": "the market clock",
        "properties": {
            "kind": { "type": "string", "enum": ["real", "virtual", "manual"] },
            "speed": number("market milliseconds per wall millisecond (0: manual)"),
            "start": string("market time at the anchor, or a manual clock's start (RFC 3339)"),
            "anchor": string("wall time at which market time was `start` (RFC 3339)"),
            "now": string("the current market time (RFC 3339)"),
            "now_ms": ms("the current market time"),
        },
        "required": ["kind", "speed", "now", "now_ms"],
        "additionalProperties": false,
    })
}

fn as_map(props: Value) -> Map<String, Value> {
    match props {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The properties of a trade as `/api/v1/trades` and the stream's `trade` frames encode it
/// ([`crate::Trade`]), every one always present.
pub fn trade_properties() -> Map<String, Value> {
    as_map(json!({
        "symbol": string("the symbol"),
        "id": integer("trade id, unique per symbol"),
        "price": number("trade price"),
        "size": integer("shares"),
        "exchange": string("exchange code"),
        "tape": string("consolidated tape (A, B or C)"),
        "conditions": {
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["regular", "extended_hours", "odd_lot", "opening_print", "closing_print"],
            },
        },
        "timestamp": ms("time of the trade"),
        "timestamp_ns": integer("time of the trade (Unix nanoseconds)"),
        "seq": integer("the tick the trade belongs to"),
    }))
}

/// The properties of a candle or bar as the REST API and the stream's `bar` frames encode it
/// ([`crate::Candle`]), every one always present.
pub fn candle_properties() -> Map<String, Value> {
    as_map(json!({
        "timestamp": ms("start of the interval"),
        "open": number("first price"),
        "high": number("highest price"),
        "low": number("lowest price"),
        "close": number("last price"),
        "volume": integer("shares traded"),
        "ticks": integer("ticks in the interval"),
        "trades": integer("trades in the interval"),
        "vwap": number("volume-weighted average price"),
    }))
}
