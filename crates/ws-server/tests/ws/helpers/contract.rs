//! The AsyncAPI document as a validator: [`recv_text`](super::recv_text) checks every text
//! frame any test receives against the server messages of `/asyncapi.json`, so a frame the
//! document does not describe fails whichever test saw it.

use std::sync::OnceLock;

use serde_json::{json, Value};

fn validator_of(schemas: &[Value]) -> jsonschema::Validator {
    let doc = ws_server::asyncapi::document();
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "oneOf": schemas,
    });
    jsonschema::validator_for(&root).expect("the AsyncAPI payloads are valid JSON Schemas")
}

fn payloads(operation: &str) -> Vec<Value> {
    let doc = ws_server::asyncapi::document();
    doc["operations"][operation]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let name = m["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
            doc["components"]["messages"][name]["payload"].clone()
        })
        .collect()
}

/// The message name of a server frame: its `type`, or `array` for a classic array.
pub fn kind(frame: &Value) -> String {
    match frame {
        Value::Array(_) => "array".to_owned(),
        other => other["type"].as_str().unwrap_or("?").to_owned(),
    }
}

/// Panics unless `frame` is exactly one of the documented server messages.
pub fn assert_documented_server_frame(frame: &Value) {
    static SERVER: OnceLock<jsonschema::Validator> = OnceLock::new();
    let v = SERVER.get_or_init(|| validator_of(&payloads("receiveStream")));
    let errors: Vec<String> = v.iter_errors(frame).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "the server sent a frame /asyncapi.json does not describe (add it to \
         crates/ws-server/src/asyncapi.rs):\n{frame}\n{}",
        errors.join("\n")
    );
}

/// Panics unless `message` is one of the documented client messages.
pub fn assert_documented_client_message(message: &Value) {
    static CLIENT: OnceLock<jsonschema::Validator> = OnceLock::new();
    let v = CLIENT.get_or_init(|| validator_of(&payloads("sendCommands")));
    assert!(v.is_valid(message), "undocumented client message {message}");
}
