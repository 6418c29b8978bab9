//! The server → client messages of the native protocol, as JSON Schemas by message name.

use serde_json::{json, Map, Value};

use super::{integer, quote_with, schema_ref, string, typed};

/// The channels a subscription names, each with its symbols (welcome and acks, once a
/// connection uses a channel besides quotes).
fn channel_listing() -> Value {
    let names = json!({ "type": "array", "items": { "type": "string" } });
    json!({
        "type": "object",
        "description": "each channel's symbols, market order",
        "properties": { "quotes": names, "trades": names, "bars": names, "status": names },
        "required": ["quotes", "trades", "bars", "status"],
        "additionalProperties": false,
    })
}

/// A symbol's trading status: `pre`, `open`, `post`, `closed`, or `halted` (scenarios).
fn status_value(description: &str) -> Value {
    json!({
        "type": "string",
        "enum": ["pre", "open", "post", "closed", "halted"],
        "description": description,
    })
}

/// The current status of every symbol on the `status` channel (welcome and acks).
fn status_listing() -> Value {
    json!({
        "type": "array",
        "description": "the status of every symbol on the status channel, at the connection's tick",
        "items": {
            "type": "object",
            "properties": {
                "symbol": string("the symbol"),
                "status": status_value("its status now"),
                "reason": string("why (a halt's reason)"),
                "calendar": string("its calendar, e.g. us-equity or always"),
            },
            "required": ["symbol", "status", "calendar"],
            "additionalProperties": false,
        },
    })
}

/// Every `code` an `error` message can carry.
pub(super) const ERROR_CODES: &[&str] = &[
    "invalid_json",
    "invalid_message",
    "unknown_type",
    "too_many_symbols",
    "unknown_channel",
    "unknown_symbols",
    "invalid_since",
    "unsupported_binary",
    "invalid_replay",
    "not_replaying",
    "replaying",
];

fn dropped() -> Value {
    integer("ticks skipped for this client before this one (slow consumer)")
}

/// Server → client message payloads, by message name.
pub(super) fn messages() -> Vec<(&'static str, Value)> {
    let quotes_list = json!({ "type": "array", "items": schema_ref("Quote") });
    vec![
        (
            "welcome",
            typed(
                "welcome",
                "the first message of a connection (not in array format)",
                &json!({
                    "version": string("server version"),
                    "symbols": { "type": "array", "items": { "type": "string" } },
                    "subscribed": { "type": "array", "items": { "type": "string" } },
                    "interval_ms": integer("milliseconds between ticks"),
                    "seq": integer("the newest tick at connection time"),
                    "format": { "type": "string", "enum": ["quote", "batch", "array"] },
                    "clock": ticker_core::schema::clock_report(),
                    "replay": {
                        "type": "object",
                        "properties": {
                            "from": integer("replay start, Unix ms"),
                            "to": integer("replay end, Unix ms"),
                            "speed": { "type": "number" },
                            "then": { "type": "string", "enum": ["close", "live"] },
                        },
                        "required": ["from", "speed", "then"],
                        "additionalProperties": false,
                    },
                    "channels": channel_listing(),
                    "status": status_listing(),
                }),
                &["replay", "channels", "status"],
            ),
        ),
        (
            "quote",
            quote_with(
                &[("dropped", dropped())],
                Some("quote"),
                "one symbol at one tick (format=quote)",
            ),
        ),
        (
            "quotes",
            typed(
                "quotes",
                "every subscribed symbol at one tick (format=batch)",
                &json!({
                    "seq": integer("the tick"),
                    "timestamp": integer("time of the tick, Unix ms"),
                    "quotes": quotes_list,
                    "dropped": dropped(),
                }),
                &["dropped"],
            ),
        ),
        (
            "array",
            json!({
                "type": "array",
                "description": "format=array: the quotes of one tick as the classic array, \
                    `stock` first, `change` since the previous tick; nothing else is sent",
                "items": schema_ref("ClassicQuote"),
            }),
        ),
        (
            "subscribed",
            typed(
                "subscribed",
                "the whole subscription (symbols on any channel), after each subscribe/unsubscribe; \
                 `channels` and `status` once the connection uses a channel besides quotes",
                &json!({
                    "symbols": { "type": "array", "items": { "type": "string" } },
                    "channels": channel_listing(),
                    "status": status_listing(),
                }),
                &["channels", "status"],
            ),
        ),
        (
            "trade",
            {
                let mut props = Map::new();
                props.insert("type".into(), json!({ "const": "trade" }));
                props.extend(ticker_core::schema::trade_properties());
                let required: Vec<&String> = props.keys().collect();
                json!({
                    "type": "object",
                    "description": "one print (trades channel): the REST trade's fields, `seq` the tick that reports it",
                    "properties": props,
                    "required": required,
                    "additionalProperties": false,
                })
            },
        ),
        (
            "bar",
            typed(
                "bar",
                "a minute (1m) or trading day (1d) that closed at this tick (bars channel)",
                &json!({
                    "symbol": string("the symbol"),
                    "interval": { "type": "string", "enum": ["1m", "1d"] },
                    "bar": schema_ref("Candle"),
                    "timestamp": integer("time of the tick that closed it, Unix ms"),
                    "seq": integer("that tick"),
                }),
                &[],
            ),
        ),
        (
            "status",
            typed(
                "status",
                "a symbol's trading status changed at this tick (status channel)",
                &json!({
                    "symbol": string("the symbol"),
                    "status": status_value("the status from this tick on"),
                    "reason": string("why (a halt's reason)"),
                    "previous": status_value("the status before"),
                    "calendar": string("the symbol's calendar"),
                    "timestamp": integer("time of the tick, Unix ms"),
                    "seq": integer("the tick"),
                }),
                &["reason"],
            ),
        ),
        (
            "snapshot",
            typed(
                "snapshot",
                "current quotes of newly subscribed symbols, or after a gap",
                &json!({
                    "seq": integer("the tick"),
                    "timestamp": integer("time of the tick, Unix ms"),
                    "quotes": quotes_list,
                }),
                &[],
            ),
        ),
        (
            "pong",
            typed(
                "pong",
                "answer to a ping message",
                &json!({ "timestamp": integer("server time, Unix ms"), "id": {} }),
                &["id"],
            ),
        ),
        (
            "gap",
            typed(
                "gap",
                "ticks that cannot be replayed (a snapshot follows)",
                &json!({
                    "from": integer("first missing tick"),
                    "to": integer("last missing tick"),
                    "message": string("explanation and remedy"),
                }),
                &[],
            ),
        ),
        (
            "error",
            typed(
                "error",
                "a request was not understood or not allowed; the connection stays open",
                &json!({
                    "code": { "type": "string", "enum": ERROR_CODES, "description": "stable code" },
                    "message": string("explanation"),
                    "symbols": { "type": "array", "items": { "type": "string" } },
                }),
                &["symbols"],
            ),
        ),
        (
            "replay",
            typed(
                "replay",
                "a replay's state, after each replay message",
                &json!({
                    "action": { "type": "string", "enum": ["pause", "resume", "speed", "seek"] },
                    "state": { "type": "string", "enum": ["playing", "paused"] },
                    "speed": { "type": "number" },
                    "position": integer("the replay's market time, Unix ms"),
                    "seq": integer("the newest tick sent"),
                }),
                &[],
            ),
        ),
        (
            "replay_end",
            typed(
                "replay_end",
                "the replay reached its end (a close 1000 or the live stream follows)",
                &json!({
                    "reason": { "type": "string", "enum": ["to", "now"] },
                    "seq": integer("the last tick replayed"),
                    "timestamp": integer("its time, Unix ms"),
                    "then": { "type": "string", "enum": ["close", "live"] },
                }),
                &[],
            ),
        ),
    ]
}
