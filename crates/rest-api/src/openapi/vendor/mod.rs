//! The vendor gateways' operations (`crate::vendor`): one tag and one file per vendor, each
//! with its parameters, its 200 bodies and its own error shape for the statuses the gateway
//! answers itself. Statuses the shared HTTP layer answers before a gateway sees the request
//! (405, 408, 413, 414, 431, 503, fault injection's 429 and 502) keep the native `Error`
//! shape, as `default`.
//!
//! Every parameter a request needs has an `examples` value that works against the default
//! market (and the Binance pairs against a market that has them), so a reader can try the
//! operation from `/docs` and the contract tests can call it.
//!
//! Not stated in the document, on purpose: Finnhub's tolerance of `//` in paths (what
//! finnhub-python sends) and Binance's query conventions beyond its parameters (`symbols` is
//! a JSON array inside the query string, documented as a string; a repeated parameter is
//! -1101; `X-MBX-TIME-UNIT: MICROSECOND` switches times to µs). See `docs/rest-api.md`.

mod alpaca;
mod binance;
mod finnhub;
mod polygon;

use serde_json::{json, Map, Value};

use super::{op, Op, Paths};

/// Adds every gateway's operations to `paths`.
pub(crate) fn paths(paths: &mut Paths) {
    alpaca::paths(paths);
    polygon::paths(paths);
    finnhub::paths(paths);
    binance::paths(paths);
}

/// The gateways' tags, one per vendor.
pub(crate) fn tags() -> Vec<Value> {
    vec![
        json!({ "name": "alpaca", "description": "Alpaca Market Data v2 under /alpaca \
            (docs/vendors.md). Credentials: the APCA-API-KEY-ID and APCA-API-SECRET-KEY headers \
            (any non-empty pair unless --alpaca-key-id/--alpaca-secret-key name one; none: \
            401, others: 403), or an Authorization Bearer/Basic header" }),
        json!({ "name": "polygon", "description": "Polygon/Massive under /polygon \
            (docs/vendors.md). The key: apiKey= or Authorization: Bearer (any non-empty key \
            unless --polygon-api-key names one; none or another: 401)" }),
        json!({ "name": "finnhub", "description": "Finnhub under /finnhub/api/v1 \
            (docs/vendors.md). The token: token= or the X-Finnhub-Token header (any non-empty \
            one unless --finnhub-tokens lists them; none or another: 401)" }),
        json!({ "name": "binance", "description": "Binance Spot public market data under \
            /binance/api/v3 (docs/vendors.md); no credentials" }),
    ]
}

/// The gateways' schemas, added to `components.schemas`.
pub(crate) fn components(into: &mut Map<String, Value>) {
    for part in [
        alpaca::schemas(),
        polygon::schemas(),
        finnhub::schemas(),
        binance::schemas(),
    ] {
        if let Value::Object(map) = part {
            into.extend(map);
        }
    }
}

/// A vendor operation: a 200 JSON body of `ok`, and `errors` answered with the vendor's own
/// error schema `error` (the native `Error` stays the `default`).
fn vendor_op(
    tag: &str,
    summary: &str,
    params: &[Value],
    ok: Value,
    error: &str,
    errors: &[u16],
) -> Op {
    let mut op = op(tag, summary, params).ok(json!({
        "description": "the vendor's body",
        "content": { "application/json": { "schema": ok } },
    }));
    for status in errors {
        op = op.response(
            *status,
            json!({
                "description": format!("{tag}'s error body"),
                "content": { "application/json": { "schema": super::schemas::schema_ref(error) } },
            }),
        );
    }
    op
}

/// A required path segment, with an example that the default market serves.
fn path_param(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": description })
}

/// A required query parameter.
fn required(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": true, "schema": schema, "description": description })
}

/// An optional query parameter that may be sent empty: Alpaca's and Polygon's servers (and
/// so the gateways, `ticker_vendors::query`) read `?start=` as if `start` were not given.
fn optional(name: &str, schema: Value, description: &str) -> Value {
    let mut p = super::param(name, schema, description);
    set(&mut p, "allowEmptyValue", json!(true));
    p
}

/// `schema` (an object schema) with `names` no longer required.
fn not_required(mut schema: Value, names: &[&str]) -> Value {
    if let Some(Value::Array(required)) = schema.get_mut("required") {
        required.retain(|r| !names.iter().any(|n| r == n));
    }
    schema
}

/// Sets `key` of the object `target` (nothing if it is not an object).
fn set(target: &mut Value, key: &str, value: Value) {
    if let Some(map) = target.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

/// A string with one example.
fn example(value: &str) -> Value {
    json!({ "type": "string", "examples": [value] })
}

/// A map from symbol to `values`.
fn by_symbol(values: Value) -> Value {
    json!({ "type": "object", "additionalProperties": values })
}
