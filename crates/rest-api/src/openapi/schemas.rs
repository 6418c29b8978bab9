//! The JSON Schemas of every native response body (`components.schemas`). They are strict
//! (`additionalProperties: false`) on purpose: a field a handler adds without adding it here
//! fails the live-response tests instead of going undocumented.

use serde_json::{json, Value};

/// `{"$ref": "#/components/schemas/NAME"}`.
pub(crate) fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An object schema with every listed property required and no others allowed.
pub(crate) fn object(description: &str, properties: Value) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

pub(crate) fn number(description: &str) -> Value {
    json!({ "type": "number", "description": description })
}

pub(crate) fn integer(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

pub(crate) fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

pub(crate) fn ms(description: &str) -> Value {
    json!({ "type": "integer", "description": format!("{description} (Unix milliseconds)") })
}

pub(crate) fn nullable(mut schema: Value, other: &str) -> Value {
    if let Some(ty) = schema.get_mut("type") {
        *ty = json!([ty.clone(), other]);
    }
    schema
}

pub(crate) fn array_of(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn candle() -> Value {
    object(
        "one OHLCV candle or bar",
        Value::Object(ticker_core::schema::candle_properties()),
    )
}

fn session() -> Value {
    object(
        "one trading day's session times",
        json!({
            "date": { "type": "string", "format": "date" },
            "pre_open": ms("extended session start"),
            "open": ms("regular session start"),
            "close": ms("regular session end"),
            "post_close": ms("extended session end"),
            "early_close": { "type": "boolean" },
        }),
    )
}

/// Every native schema, by name.
pub(crate) fn components() -> Value {
    let quote = ticker_core::schema::quote_properties();
    let mut classic = quote.clone();
    classic.insert(
        "stock".into(),
        string("the symbol again, under the seed-000 generator's name"),
    );
    let quote_required: Vec<&String> = quote.keys().collect();
    let classic_required: Vec<&String> = classic.keys().collect();
    json!({
        "Error": object("every error response", json!({
            "error": object("what went wrong", json!({
                "code": string("machine-readable, e.g. unknown_symbol, invalid_parameter, not_found"),
                "message": string("what to do about it"),
            })),
        })),
        "Quote": {
            "type": "object",
            "description": "a quote at one tick; byte-identical to the streamed quote of that tick (without its `type`)",
            "properties": quote,
            "required": quote_required,
            "additionalProperties": false,
        },
        "ClassicQuote": {
            "type": "object",
            "description": "a quote in the classic array form: `stock` first, `change` since the previous tick",
            "properties": classic,
            "required": classic_required,
            "additionalProperties": false,
        },
        "QuoteList": object("quotes of several symbols at one tick", json!({
            "seq": integer("the tick"),
            "timestamp": ms("time of the tick"),
            "quotes": array_of(schema_ref("Quote")),
        })),
        "ClassicQuoteList": array_of(schema_ref("ClassicQuote")),
        "Candle": candle(),
        "History": object("OHLCV candles", json!({
            "symbol": string("the symbol"),
            "interval": string("the candle interval"),
            "from": ms("start of the range"),
            "to": ms("end of the range (exclusive)"),
            "truncated": { "type": "boolean", "description": "true when `limit` cut the range" },
            "candles": array_of(schema_ref("Candle")),
        })),
        "Bars": object("minute or daily bars", json!({
            "symbol": string("the symbol"),
            "interval": { "type": "string", "enum": ["1m", "1d"] },
            "truncated": { "type": "boolean", "description": "true when `limit` cut the range" },
            "bars": array_of(schema_ref("Candle")),
        })),
        "Trade": object("one trade", Value::Object(ticker_core::schema::trade_properties())),
        "TradePage": object("trades, oldest first", json!({
            "symbol": string("the symbol"),
            "trades": array_of(schema_ref("Trade")),
            "next_page_token": nullable(string("pass as page_token for the next page; null on the last"), "null"),
        })),
        "Nbbo": object("the national best bid and offer", json!({
            "symbol": string("the symbol"),
            "bid": number("best bid"),
            "bid_size": integer("shares at the best bid"),
            "bid_exchange": string("exchange of the best bid"),
            "ask": number("best offer"),
            "ask_size": integer("shares at the best offer"),
            "ask_exchange": string("exchange of the best offer"),
            "timestamp": ms("time of the tick"),
            "seq": integer("the tick"),
        })),
        "Session": session(),
        "MarketStatus": object("the status of every calendar the symbols trade on", json!({
            "timestamp": ms("the moment described"),
            "calendars": array_of(object("one calendar", json!({
                "calendar": { "type": "string", "description": "calendar name, e.g. always, us-equity" },
                "timezone": string("the calendar's time zone"),
                "symbols": array_of(json!({ "type": "string" })),
                "status": { "type": "string", "enum": ["open", "pre", "post", "closed"] },
                "date": { "type": "string", "format": "date" },
                "holiday": nullable(string("the holiday's name, if today is one"), "null"),
                "session": { "oneOf": [schema_ref("Session"), { "type": "null" }] },
                "next_open": nullable(ms("next regular open; null on a 24/7 calendar"), "null"),
                "next_close": nullable(ms("next regular close; null on a 24/7 calendar"), "null"),
            }))),
        })),
        "Calendar": object("trading days per calendar", json!({
            "from": { "type": "string", "format": "date" },
            "to": { "type": "string", "format": "date" },
            "calendars": array_of(object("one calendar", json!({
                "calendar": string("calendar name"),
                "timezone": string("the calendar's time zone"),
                "symbols": array_of(json!({ "type": "string" })),
                "days": array_of(schema_ref("Session")),
                "holidays": array_of(object("a holiday", json!({
                    "date": { "type": "string", "format": "date" },
                    "name": string("its name"),
                }))),
                "truncated": { "type": "boolean", "description": "true when --max-calendar-days cut the list" },
            }))),
        })),
        "Symbols": object("the configured symbols", json!({
            "symbols": array_of(json!({ "type": "string" })),
            "details": array_of(object("one symbol's configuration", json!({
                "symbol": string("the symbol"),
                "name": string("company name"),
                "reference_price": number("price at tick 0"),
                "tick_size": number("price increment"),
                "decimals": integer("decimals of prices"),
                "volatility": number("annualised volatility"),
                "spread_bps": number("bid/ask spread in basis points"),
                "avg_volume": integer("average daily volume"),
                "calendar": string("trading calendar"),
                "tape": string("consolidated tape"),
                "avg_trade_size": integer("average trade size"),
            }))),
        })),
        "ClockReport": ticker_core::schema::clock_report(),
        "Health": object("liveness and components", json!({
            "status": { "type": "string", "enum": ["ok", "degraded"] },
            "timestamp": ms("market time of the check"),
            "clock": schema_ref("ClockReport"),
            "version": string("service version"),
            "uptime_s": number("seconds since start"),
            "pid": integer("process id"),
            "components": {
                "type": "object",
                "additionalProperties": { "type": "string", "enum": ["healthy", "degraded", "down"] },
            },
            "details": { "type": "object", "additionalProperties": { "type": "object" } },
        })),
        "Info": object("service info and the endpoint list", json!({
            "name": string("service name"),
            "version": string("service version"),
            "uptime_s": number("seconds since start"),
            "ws_url": string("the WebSocket URL to give clients"),
            "market": object("the market configuration", json!({
                "seed": integer("the seed"),
                "interval_ms": integer("milliseconds between ticks"),
                "epoch": string("time of tick 0 (RFC 3339)"),
                "session_ms": integer("session length"),
                "symbols": array_of(json!({ "type": "string" })),
                "tick": integer("the current tick"),
            })),
            "clock": schema_ref("ClockReport"),
            "endpoints": array_of(object("one endpoint", json!({
                "method": string("HTTP method(s)"),
                "path": string("path and its query parameters"),
                "description": string("what it answers"),
            }))),
        })),
        "ClockState": {
            "type": "object",
            "description": "the market clock and its tick (after a POST: how far it moved)",
            "properties": {
                "clock": schema_ref("ClockReport"),
                "tick": integer("the current tick"),
                "previous_tick": integer("the tick before the command"),
                "moved_ms": integer("market milliseconds the command moved the clock"),
            },
            "required": ["clock", "tick"],
            "additionalProperties": false,
        },
        "ClockCommand": {
            "description": "exactly one of set, advance_ms, ticks (manual clocks only move forward)",
            "oneOf": [
                object("move to this market time", json!({
                    "set": { "type": ["string", "integer"], "description": "RFC 3339 or Unix ms" },
                })),
                object("move forward by this many milliseconds", json!({
                    "advance_ms": { "type": "integer", "minimum": 0 },
                })),
                object("move to the start of the n-th next tick", json!({
                    "ticks": { "type": "integer", "minimum": 0 },
                })),
            ],
        },
    })
}
