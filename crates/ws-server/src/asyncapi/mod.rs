//! The stream contract: an AsyncAPI 3.0 document of the native WebSocket protocol (every
//! client and server message, the query parameters, the close codes), served at
//! `GET /asyncapi.json` and kept in the repo as `docs/asyncapi.json`. It covers the native
//! protocol on `/` and `/ws` only: the vendor streams (`/alpaca`, `/polygon`, `/finnhub`,
//! `/binance`) speak their vendors' protocols (docs/vendors.md).
//!
//! [`server`] holds the server messages, [`client`] the client messages and the query
//! parameters; this file assembles them.
//!
//! The integration tests hold it to the server: every text frame any ws-server test receives
//! is validated against the server messages below (`tests/ws/helpers/contract.rs`), and the
//! contract test opens real connections that make every documented message appear. The quote
//! schema is the core's ([`ticker_core::schema`]), shared with `/openapi.json`.

mod client;
mod server;

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

/// The document.
pub fn document() -> Value {
    let server = server::messages();
    let client = client::messages();
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
    let candle_required: Vec<String> = ticker_core::schema::candle_properties()
        .keys()
        .cloned()
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
                then quotes every tick in the chosen framing, and trades, bars and status \
                changes on the channels a subscription names; JSON text messages both ways. \
                The vendor streams on the same port (/alpaca, /polygon, /finnhub, /binance) \
                speak their vendors' protocols and are not described here (docs/vendors.md). \
                Close codes: 1000 replay finished; 1001 server shutting down; 1002 protocol \
                violation; 1007 text frame is not valid UTF-8; 1008 heartbeat timeout, message \
                rate limit exceeded or consumer too slow; 1009 message too big; with fault \
                injection (fault_close), the code asked for (1000-1003, 1007-1014, 3000-4999) \
                with reason `fault injected`, or no close frame at all. The server sends \
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
                        "query": client::query_parameters(),
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
                "Candle": {
                    "type": "object",
                    "description": "a candle or bar (REST's bar object)",
                    "properties": ticker_core::schema::candle_properties(),
                    "required": candle_required,
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
    server::messages()
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
