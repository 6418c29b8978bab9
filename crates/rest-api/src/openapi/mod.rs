//! The REST contract: an OpenAPI 3.1 document of every endpoint, served at `/openapi.json`
//! and kept in the repo as `docs/openapi.json`, plus the `/docs` page that renders it.
//!
//! The document is assembled from one part per area ([`native`], and [`vendor`] with one
//! tag and file per gateway) with the small builders below. It is generated
//! from the running configuration, so the limits it states (`limit`'s maximum) are the ones
//! the handlers enforce. The integration tests keep it honest: every route in
//! [`crate::routes::ENDPOINTS`] must be in it, and every live response of every documented
//! operation, errors included, must validate against it (`tests/api/contract.rs`).

// `json!` serialises its interpolations by reference; the builders read best taking values.
#![allow(clippy::needless_pass_by_value)]

mod native;
mod schemas;
mod vendor;

use bytes::Bytes;
use http::header::HeaderValue;
use http::{Response, StatusCode};
use serde_json::{json, Map, Value};
use ticker_core::VERSION;

use crate::cli::RestConfig;
use crate::response::{self, Body};

/// The document for a service running with `config`.
pub fn document(config: &RestConfig) -> Value {
    let mut paths = Paths::default();
    native::paths(&mut paths, config);
    vendor::paths(&mut paths);
    let mut tags = vec![
        json!({ "name": "market", "description": "prices, candles, trades, calendars" }),
        json!({ "name": "service", "description": "info, health, metrics, pages" }),
        json!({ "name": "stream", "description": "the WebSocket stream on this origin" }),
        json!({ "name": "control", "description": "the manual clock (only with --control-token)" }),
    ];
    tags.extend(vendor::tags());
    let mut schemas = match schemas::components() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    vendor::components(&mut schemas);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ticker REST API",
            "version": VERSION,
            "description": "Quotes, candles, trades, bars, market status and health of a \
                deterministic market: the price of a symbol at tick n is a pure function of \
                (config, seed, symbol, n), so every service and replica agrees on it. Every \
                error has the shape of `Error`. The WebSocket stream's contract is the \
                ws-server's `/asyncapi.json`.",
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "tags": tags,
        "paths": Value::Object(paths.0),
        "components": {
            "schemas": Value::Object(schemas),
            "responses": {
                "Error": {
                    "description": "an error (every status: 400, 401, 403, 404, 405, 408, 409, \
                        413, 414, 426, 431, 503, and 500 should a handler ever panic)",
                    "content": { "application/json": { "schema": schemas::schema_ref("Error") } },
                },
            },
            "securitySchemes": {
                "control": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the --control-token (also accepted as X-Ticker-Control-Token)",
                },
            },
        },
    })
}

/// The document for `config`, encoded as `/openapi.json` serves it (and `docs/openapi.json`
/// holds it for the defaults).
pub fn encode(config: &RestConfig) -> Bytes {
    let mut out = serde_json::to_vec_pretty(&document(config)).unwrap_or_default();
    out.push(b'\n');
    Bytes::from(out)
}

/// `GET /openapi.json`: the document [`encode`]d at startup.
pub fn serve(encoded: &Bytes) -> Response<Body> {
    response::json(StatusCode::OK, encoded.clone())
}

const DOCS_HTML: &str = include_str!("../../assets/docs.html");

/// `GET /docs`: a page that reads `/openapi.json` and lets a person try each operation.
pub fn docs_page() -> Response<Body> {
    response::with_body(
        StatusCode::OK,
        HeaderValue::from_static("text/html; charset=utf-8"),
        DOCS_HTML,
    )
}

/// `paths`, filled by each area's part.
#[derive(Default)]
pub(crate) struct Paths(Map<String, Value>);

impl Paths {
    /// Adds the operations of `item` under `path` (merging with operations already there).
    pub(crate) fn add(&mut self, path: &str, item: Value) {
        let entry = self
            .0
            .entry(path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let (Value::Object(existing), Value::Object(new)) = (entry, item) {
            existing.extend(new);
        }
    }
}

/// An operation under construction.
pub(crate) struct Op(Map<String, Value>);

/// An operation of `tag` with a summary and parameters; every operation documents its
/// errors with the shared `Error` response as `default`.
pub(crate) fn op(tag: &str, summary: &str, params: &[Value]) -> Op {
    let mut map = Map::new();
    map.insert("tags".into(), json!([tag]));
    map.insert("summary".into(), json!(summary));
    if !params.is_empty() {
        map.insert("parameters".into(), Value::Array(params.to_vec()));
    }
    map.insert(
        "responses".into(),
        json!({ "default": { "$ref": "#/components/responses/Error" } }),
    );
    Op(map)
}

impl Op {
    /// Adds the `status` response.
    pub(crate) fn response(mut self, status: u16, response: Value) -> Self {
        if let Some(Value::Object(responses)) = self.0.get_mut("responses") {
            responses.insert(status.to_string(), response);
        }
        self
    }

    /// Adds the 200 response.
    pub(crate) fn ok(self, response: Value) -> Self {
        self.response(200, response)
    }

    /// Adds these error statuses, each with the `Error` body.
    pub(crate) fn errors(mut self, statuses: &[u16]) -> Self {
        for status in statuses {
            self = self.response(*status, json!({ "$ref": "#/components/responses/Error" }));
        }
        self
    }

    /// Requires the control token.
    pub(crate) fn secured(mut self) -> Self {
        self.0.insert("security".into(), json!([{ "control": [] }]));
        self
    }

    /// A JSON request body of `schema`.
    pub(crate) fn body(mut self, schema: Value) -> Self {
        self.0.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
        );
        self
    }

    /// The operation object.
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A path item with one `get` operation.
pub(crate) fn get(op: Op) -> Value {
    json!({ "get": op.build() })
}

/// A 200 JSON response of `schema`.
pub(crate) fn json_ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

/// A 200 text response of `media_type`.
pub(crate) fn text_ok(description: &str, media_type: &str) -> Value {
    json!({ "description": description, "content": { media_type: { "schema": { "type": "string" } } } })
}

/// An optional query parameter.
pub(crate) fn param(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

/// The `{symbol}` path segment.
pub(crate) fn symbol_param() -> Value {
    json!({
        "name": "symbol",
        "in": "path",
        "required": true,
        "schema": symbol_schema(),
        "description": "a configured symbol, case-insensitive (unknown: 404 unknown_symbol)",
    })
}

/// A symbol as the handlers accept one: 1 to 12 of A-Z, 0-9, `.` and `-`, any case.
pub(crate) fn symbol_schema() -> Value {
    json!({
        "type": "string",
        "pattern": format!("^[A-Za-z0-9.-]{{1,{}}}$", ticker_core::MAX_SYMBOL_LEN),
        "examples": ["AAPL"],
    })
}
