//! The stream contract: an AsyncAPI 3.0 document of the native WebSocket protocol (every
//! client and server message, the query parameters, the close codes), served at
//! `GET /asyncapi.json` and kept in the repo as `docs/asyncapi.json`.
//!
//! The integration tests hold it to the server: every text frame any ws-server test receives
//! is validated against the server messages below (`tests/ws/helpers/contract.rs`), and the
//! contract test opens real connections that make every documented message appear. The quote
//! schema is the core's ([`ticker_core::schema`]), shared with `/openapi.json`.

use std::sync::OnceLock;

use bytes::Bytes;
use serde_json::{json, Map, Value};
use ticker_core::VERSION;

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn integer(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// A message object with `type` = `kind` first, then `properties` (all required except
/// `optional`), no others.
fn typed(kind: &str, description: &str, properties: &Value, optional: &[&str]) -> Value {
    let mut props = Map::new();
    props.insert("type".into(), json!({ "const": kind }));
    if let Value::Object(p) = properties {
        props.extend(p.clone());
    }
    let required: Vec<&String> = props
        .keys()
        .filter(|k| !optional.contains(&k.as_str()))
        .collect();
    json!({
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

fn quote_with(extra: &[(&str, Value)], kind: Option<&str>, description: &str) -> Value {
    let mut props = Map::new();
    if let Some(kind) = kind {
        props.insert("type".into(), json!({ "const": kind }));
    }
    for (k, v) in extra {
        props.insert((*k).into(), v.clone());
    }
    props.extend(ticker_core::schema::quote_properties());
    let required: Vec<&String> = props.keys().filter(|k| *k != "dropped").collect();
    json!({
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

fn dropped() -> Value {
    integer("ticks skipped for this client before this one (slow consumer)")
}

/// Server → client message payloads, by message name.
fn server_messages() -> Vec<(&'static str, Value)> {
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
                }),
                &["replay"],
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
                "the whole subscription, after each subscribe/unsubscribe",
                &json!({ "symbols": { "type": "array", "items": { "type": "string" } } }),
                &[],
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
                    "code": string("stable code, e.g. bad_json, unknown_symbols, invalid_since"),
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

/// Client → server message payloads. Unknown fields are ignored by the server.
fn client_messages() -> Vec<(&'static str, Value)> {
    let symbols = json!({
        "oneOf": [
            { "type": "array", "items": { "type": "string" } },
            { "type": "string", "description": "comma-separated, or `*`" },
        ],
    });
    let open = |kind: &str, description: &str, props: Value, required: &[&str]| {
        let mut p = Map::new();
        p.insert("type".into(), json!({ "const": kind }));
        if let Value::Object(extra) = props {
            p.extend(extra);
        }
        let mut req = vec!["type"];
        req.extend_from_slice(required);
        json!({ "type": "object", "description": description, "properties": p, "required": req })
    };
    vec![
        (
            "subscribe",
            open(
                "subscribe",
                "add symbols (answered by subscribed and a snapshot of the added ones)",
                json!({ "symbols": symbols }),
                &["symbols"],
            ),
        ),
        (
            "unsubscribe",
            open(
                "unsubscribe",
                "remove symbols (answered by subscribed)",
                json!({ "symbols": symbols }),
                &["symbols"],
            ),
        ),
        (
            "ping",
            open(
                "ping",
                "application-level ping (answered by pong, echoing id)",
                json!({ "id": {} }),
                &[],
            ),
        ),
        (
            "resume",
            open(
                "resume",
                "send the ticks after `since` (or a gap and a snapshot)",
                json!({ "since": { "type": "integer", "minimum": 0 } }),
                &["since"],
            ),
        ),
        (
            "replayControl",
            open(
                "replay",
                "steer a replay: pause, resume, speed (with speed), seek (with time)",
                json!({
                    "action": { "type": "string", "enum": ["pause", "resume", "speed", "seek"] },
                    "speed": { "type": "number" },
                    "time": { "type": ["string", "integer"], "description": "RFC 3339 or Unix ms" },
                }),
                &["action"],
            ),
        ),
    ]
}

fn query(description: &str) -> Value {
    json!({ "description": description })
}

/// The document.
pub fn document() -> Value {
    let server = server_messages();
    let client = client_messages();
    let mut messages = Map::new();
    let mut send_refs = Vec::new();
    let mut receive_refs = Vec::new();
    for (name, payload) in server.iter().chain(client.iter()) {
        messages.insert(
            (*name).into(),
            json!({ "name": name, "contentType": "application/json", "payload": payload }),
        );
    }
    let mut channel_messages = Map::new();
    for (name, _) in &server {
        channel_messages.insert(
            (*name).into(),
            json!({ "$ref": format!("#/components/messages/{name}") }),
        );
        send_refs.push(json!({ "$ref": format!("#/channels/stream/messages/{name}") }));
    }
    for (name, _) in &client {
        channel_messages.insert(
            (*name).into(),
            json!({ "$ref": format!("#/components/messages/{name}") }),
        );
        receive_refs.push(json!({ "$ref": format!("#/channels/stream/messages/{name}") }));
    }
    let mut classic = ticker_core::schema::quote_properties();
    classic.insert("stock".into(), string("the symbol again (seed-000's name)"));
    let classic_required: Vec<String> = std::iter::once("stock".to_owned())
        .chain(ticker_core::schema::quote_properties().keys().cloned())
        .collect();
    let quote_required: Vec<String> = ticker_core::schema::quote_properties()
        .keys()
        .cloned()
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "ticker WebSocket stream",
            "version": VERSION,
            "description": "The native stream of the ws-server (docs/ws-protocol.md): a welcome, \
                then quotes every tick in the chosen framing; JSON text messages both ways. \
                Close codes: 1000 replay finished; 1001 server shutting down; 1002 protocol \
                violation; 1007 text frame is not valid UTF-8; 1008 heartbeat timeout, message \
                rate limit exceeded or consumer too slow; 1009 message too big. The server sends \
                WebSocket pings every --ping-interval-ms and closes (1008) after 2x that with \
                nothing heard; any frame from the client counts.",
            "license": { "name": "MIT OR Apache-2.0" },
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:8001",
                "protocol": "ws",
                "description": "the ws-server (also relayed at ws://127.0.0.1:8000/ws, where \
                    format defaults to array)",
            },
        },
        "channels": {
            "stream": {
                "address": "/ws",
                "description": "the stream (also at `/`)",
                "messages": Value::Object(channel_messages),
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "query": {
                            "type": "object",
                            "properties": {
                                "symbols": query("initial subscription: comma-separated, `*` for all, empty for none (default all)"),
                                "format": { "type": "string", "enum": ["quote", "quotes", "", "batch", "array"], "description": "framing (default quote)" },
                                "since": query("the last seq received: resume after it"),
                                "from": query("replay from this moment: RFC 3339 or Unix ms"),
                                "to": query("with from: where the replay ends"),
                                "speed": query("with from: market ms per wall ms, 0.001 to --max-replay-speed"),
                                "then": { "type": "string", "enum": ["close", "live"], "description": "with from: what follows the end" },
                            },
                        },
                    },
                },
            },
        },
        "operations": {
            "receiveStream": {
                "action": "send",
                "channel": { "$ref": "#/channels/stream" },
                "summary": "what the server sends",
                "messages": send_refs,
            },
            "sendCommands": {
                "action": "receive",
                "channel": { "$ref": "#/channels/stream" },
                "summary": "what clients send",
                "messages": receive_refs,
            },
        },
        "components": {
            "messages": Value::Object(messages),
            "schemas": {
                "Quote": {
                    "type": "object",
                    "description": "a quote at one tick (REST's quote object)",
                    "properties": ticker_core::schema::quote_properties(),
                    "required": quote_required,
                    "additionalProperties": false,
                },
                "ClassicQuote": {
                    "type": "object",
                    "description": "a classic array element",
                    "properties": classic,
                    "required": classic_required,
                    "additionalProperties": false,
                },
            },
        },
    })
}

/// The names of the server → client messages, in document order.
pub fn server_message_names() -> Vec<&'static str> {
    server_messages()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The document as `/asyncapi.json` serves it, encoded once.
pub fn encoded() -> Bytes {
    static ENCODED: OnceLock<Bytes> = OnceLock::new();
    ENCODED
        .get_or_init(|| {
            let mut out = serde_json::to_vec_pretty(&document()).unwrap_or_default();
            out.push(b'\n');
            Bytes::from(out)
        })
        .clone()
}
