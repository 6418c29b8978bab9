//! The client → server messages of the native protocol and the query parameters of the
//! upgrade, as JSON Schemas.

use serde_json::{json, Map, Value};

/// Client → server message payloads. Unknown fields are ignored by the server.
pub(super) fn messages() -> Vec<(&'static str, Value)> {
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
    let channels = json!({
        "oneOf": [
            { "type": "array", "items": channel_name(), "maxItems": 8 },
            { "type": "string", "description": "comma-separated channel names" },
        ],
        "description": "quotes, trades, bars, status (quote, trade, bar accepted too); at most 8 \
            entries; an unknown name is an unknown_channel error",
    });
    vec![
        (
            "subscribe",
            open(
                "subscribe",
                "add symbols to the channels named (default: quotes); answered by subscribed and \
                 a snapshot of the symbols added to quotes",
                json!({ "symbols": symbols, "channels": channels }),
                &["symbols"],
            ),
        ),
        (
            "unsubscribe",
            open(
                "unsubscribe",
                "remove symbols from the channels named (default: every channel); answered by \
                 subscribed",
                json!({ "symbols": symbols, "channels": channels }),
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

/// A channel's name as messages and the URL may spell it.
fn channel_name() -> Value {
    json!({
        "type": "string",
        "enum": ["quotes", "trades", "bars", "status", "quote", "trade", "bar"],
    })
}

fn query(description: &str) -> Value {
    json!({ "description": description })
}

/// The upgrade's query parameters (all optional; unknown ones ignored except `fault_*`).
pub(super) fn query_parameters() -> Value {
    let mut props = Map::new();
    let plain = json!({
        "symbols": query("initial subscription: comma-separated, `*` for all, empty for none (default all)"),
        "format": { "type": "string", "enum": ["quote", "quotes", "", "batch", "array"], "description": "framing (default quote)" },
        "channels": { "type": "string", "description": "comma-separated channels of the initial subscription: quotes (default), trades, bars, status; only quotes with format=array" },
        "since": query("the last seq received: resume after it"),
        "from": query("replay from this moment: RFC 3339 or Unix ms"),
        "to": query("with from: where the replay ends"),
        "speed": query("with from: market ms per wall ms, 0.001 to --max-replay-speed"),
        "then": { "type": "string", "enum": ["close", "live"], "description": "with from: what follows the end" },
    });
    if let Value::Object(p) = plain {
        props.extend(p);
    }
    // Fault injection (docs/faults.md): only on a server started with --faults allow;
    // otherwise any fault_* parameter refuses the upgrade (400 faults_disabled).
    for (name, description) in FAULTS {
        props.insert(
            (*name).into(),
            query(&format!(
                "fault injection (docs/faults.md, --faults allow): {description}"
            )),
        );
    }
    json!({ "type": "object", "properties": props })
}

/// The `fault_*` parameters and what each does.
const FAULTS: &[(&str, &str)] = &[
    (
        "fault_seed",
        "the seed of the faults' draws (default: from fault_client or the parameters)",
    ),
    (
        "fault_client",
        "an id (1-64 of A-Z a-z 0-9 . _ : -) counted and logged",
    ),
    ("fault_drop", "fraction of ticks not sent"),
    ("fault_duplicate", "fraction of ticks sent twice"),
    (
        "fault_reorder",
        "fraction of ticks held back behind later ones",
    ),
    (
        "fault_reorder_window",
        "the reorder window in ticks (2 to --fault-max-reorder-window)",
    ),
    (
        "fault_malformed",
        "fraction of ticks preceded by a malformed (non-JSON) text frame",
    ),
    (
        "fault_delay_ms",
        "each tick this late (ms, or a range a-b drawn per tick)",
    ),
    ("fault_stall_ms", "write nothing for this long (ms)"),
    (
        "fault_stall_after_ms",
        "when the stall starts, after the connection opened (ms)",
    ),
    (
        "fault_disconnect_ms",
        "end the connection this long after it opened (ms, or a range)",
    ),
    (
        "fault_disconnect_ticks",
        "end the connection after this many live ticks (or a range)",
    ),
    (
        "fault_close",
        "how it ends: drop, reset or a close code (1000-1003, 1007-1014, 3000-4999)",
    ),
    (
        "fault_refuse",
        "refuse the first k upgrade attempts of fault_client",
    ),
    (
        "fault_refuse_status",
        "the refusal's status: 429, 500, 502 or 503",
    ),
    ("fault_retry_after", "the refusal's Retry-After, seconds"),
];
