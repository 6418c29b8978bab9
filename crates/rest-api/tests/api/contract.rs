//! The REST contract cannot drift: every route of the router's table is in `/openapi.json`,
//! every documented path is routed, `docs/openapi.json` is the served document, and every
//! documented operation, called live with valid and invalid inputs, answers with a status
//! the document lists and a body that validates against that status's schema (errors too).
//!
//! After changing the document: `UPDATE_DOCS=1 cargo nextest run -p rest-api contract`, then
//! review the diff of `docs/openapi.json`.

use std::collections::BTreeSet;
use std::path::Path;

use rest_api::routes::{route, CONTROL_ENDPOINT, ENDPOINTS};
use rest_api::RestConfig;
use serde_json::{json, Value};

use crate::control::{with_control, AUTH};
use crate::helpers::{spawn_app_with, Response};

/// A validator for `schema`, resolving `#/components/…` references in `doc`.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

/// Follows a `$ref` to `#/components/…`.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => value,
    }
}

/// Checks `resp` against operation `op` of `doc`: its status is documented (or falls to
/// `default`), its media type is the documented one, and a JSON body validates.
fn check(doc: &Value, op: &Value, what: &str, resp: &Response) {
    let responses = &op["responses"];
    let documented = responses
        .get(resp.status.to_string())
        .or_else(|| responses.get("default"))
        .unwrap_or_else(|| panic!("{what}: status {} is not documented", resp.status));
    let documented = resolve(doc, documented);
    let Some(content) = documented["content"].as_object() else {
        assert!(resp.body.is_empty(), "{what}: undocumented body");
        return;
    };
    let (media, spec) = content.iter().next().unwrap();
    let ct = resp.header("content-type").unwrap_or_default();
    let base = |m: &str| m.split(';').next().unwrap_or_default().trim().to_owned();
    assert_eq!(base(ct), base(media), "{what}: content type");
    if media == "application/json" {
        let body: Value = serde_json::from_slice(&resp.body)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", resp.text()));
        let v = validator(doc, &spec["schema"]);
        let errors: Vec<String> = v
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} ({}): the body does not match the schema:\n{}\n{}",
            resp.status,
            errors.join("\n"),
            resp.text()
        );
    }
}

fn documented_paths(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

/// The concrete path of a documented one, with `{symbol}` set.
fn concrete(path: &str, symbol: &str) -> String {
    path.replace("{symbol}", symbol)
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_routed() {
    let app = spawn_app_with(with_control()).await;
    let doc = app.get("/openapi.json").await.ok_json();
    assert_eq!(doc["openapi"], "3.1.0");
    let listed = ENDPOINTS.iter().chain([&CONTROL_ENDPOINT]);
    for (methods, path, _) in listed {
        let path = path.split('?').next().unwrap();
        for method in methods.split(", ") {
            let op = &doc["paths"][path][method.to_ascii_lowercase()];
            assert!(
                op.is_object(),
                "{method} {path} is routed but not in /openapi.json: add it to \
                 crates/rest-api/src/openapi/"
            );
        }
    }
    // And the other way: nothing documented that the router does not know.
    let root = app.get("/").await.ok_json();
    let endpoints: BTreeSet<String> = root["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["path"]
                .as_str()
                .unwrap()
                .split('?')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    for (path, _, _) in documented_paths(&doc) {
        assert!(
            route(&concrete(&path, "AAPL"), false).is_some() || path == "/control/clock",
            "{path} is documented but not routed"
        );
        assert!(
            endpoints.contains(&path),
            "{path} is documented but not listed by /"
        );
    }
}

#[test]
fn docs_openapi_json_is_the_served_document() {
    let fresh = rest_api::openapi::encode(&RestConfig::default());
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&file, &fresh).unwrap();
    }
    let committed = std::fs::read(&file).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/openapi.json is stale: UPDATE_DOCS=1 cargo nextest run -p rest-api contract"
    );
}

/// Query values to try for a parameter: its examples, default and enum values (valid), and
/// two that no parameter accepts as such, so that the 400 answers are checked too.
fn values(param: &Value) -> Vec<String> {
    let schema = &param["schema"];
    let mut out: Vec<String> = Vec::new();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for list in ["examples", "enum"] {
        if let Some(values) = schema[list].as_array() {
            out.extend(values.iter().map(text));
        }
    }
    if let Some(d) = schema.get("default") {
        out.push(text(d));
    }
    if let Some(max) = schema.get("maximum") {
        out.push(text(max));
        out.push((max.as_u64().unwrap() + 1).to_string());
    }
    out.extend(["0".to_owned(), "%E2%9C%97nope".to_owned()]);
    out
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = spawn_app_with(with_control()).await;
    let doc = app.get("/openapi.json").await.ok_json();
    let mut client = app.connect().await;
    for (path, method, op) in documented_paths(&doc) {
        let mut ok = false;
        let symbols: &[&str] = if path.contains("{symbol}") {
            &["AAPL", "msft", "NOPE"]
        } else {
            &["AAPL"]
        };
        for symbol in symbols {
            let base = concrete(&path, symbol);
            let mut targets = vec![base.clone()];
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "query" {
                    let name = param["name"].as_str().unwrap();
                    for v in values(param) {
                        targets.push(format!("{base}?{name}={v}"));
                    }
                }
            }
            for target in targets {
                for auth in [true, false] {
                    let headers: &[(&str, &str)] = if auth { &[AUTH] } else { &[] };
                    let resp = if method == "post" {
                        client.post_json(&target, headers, r#"{"ticks":1}"#).await
                    } else {
                        client.request("GET", &target, headers).await
                    };
                    let what = format!("{} {target}", method.to_uppercase());
                    check(&doc, &op, &what, &resp);
                    assert!(resp.status < 500, "{what}: {}", resp.status);
                    ok |= (200..300).contains(&resp.status);
                    if resp.header("connection") == Some("close") {
                        client = app.connect().await;
                    }
                }
            }
        }
        // The 101 of /ws needs a ws-server; its relay tests cover it.
        assert!(ok || path == "/ws", "{method} {path} never answered 2xx");
        // A method the path does not have is a documented error too.
        let resp = client
            .request("DELETE", &concrete(&path, "AAPL"), &[])
            .await;
        check(&doc, &op, &format!("DELETE {path}"), &resp);
        if resp.header("connection") == Some("close") {
            client = app.connect().await;
        }
    }
}

#[tokio::test]
async fn docs_page_renders_the_document_offline() {
    let app = spawn_app_with(with_control()).await;
    let resp = app.get("/docs").await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = resp.text();
    assert!(
        page.contains("fetch('/openapi.json')"),
        "it reads the document"
    );
    // Offline: nothing is loaded from another origin.
    for external in ["http://", "https://", "//cdn", "<link"] {
        assert!(!page.contains(external), "/docs refers to {external}");
    }
}
