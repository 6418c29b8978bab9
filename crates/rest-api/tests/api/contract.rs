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

use crate::control::{with_control, AUTH, TOKEN};
use crate::helpers::{spawn_app_on, Response};

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

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_routed() {
    let app = spawn_contract_app().await;
    let doc = app.get("/openapi.json").await.ok_json();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented = documented_paths(&doc);
    let listed = ENDPOINTS.iter().chain([&CONTROL_ENDPOINT]);
    for (methods, path, _) in listed {
        let path = path.split('?').next().unwrap();
        for method in methods.split(", ") {
            let method = method.to_ascii_lowercase();
            // A gateway (`/finnhub/api/v1/…`) is documented by its operations below it.
            let op = match path.strip_suffix('…') {
                Some(prefix) => documented
                    .iter()
                    .find(|(p, m, _)| p.starts_with(prefix) && *m == method)
                    .map(|(_, _, op)| op.clone())
                    .unwrap_or_default(),
                None => doc["paths"][path][&method].clone(),
            };
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
    for (path, _, op) in &documented {
        let target = targets(path, op).swap_remove(0);
        let target = target.split('?').next().unwrap();
        assert!(
            route(target, false).is_some() || path == "/control/clock",
            "{path} is documented but not routed"
        );
        let listed = endpoints.contains(path)
            || endpoints
                .iter()
                .filter_map(|e| e.strip_suffix('…'))
                .any(|prefix| path.starts_with(prefix));
        assert!(listed, "{path} is documented but not listed by /");
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
    for list in ["examples", "enum"] {
        if let Some(values) = schema[list].as_array() {
            out.extend(values.iter().map(|v| percent(&text(v))));
        }
    }
    if let Some(d) = schema.get("default") {
        out.push(percent(&text(d)));
    }
    if let Some(max) = schema.get("maximum") {
        out.push(text(max));
        out.push((max.as_u64().unwrap() + 1).to_string());
    }
    out.extend(["0".to_owned(), "%E2%9C%97nope".to_owned()]);
    out
}

/// A JSON value as it goes into a URL.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value a request needs for `param`: its first example (every required parameter of
/// the document has one that the test market serves).
fn example(param: &Value) -> String {
    let schema = &param["schema"];
    let first = schema["examples"]
        .get(0)
        .or_else(|| schema["enum"].get(0))
        .unwrap_or_else(|| panic!("required parameter without an example: {param}"));
    percent(&text(first))
}

/// Percent-encodes what a query value or path segment cannot carry as is.
fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The requests that exercise one operation: every required parameter set from its example
/// (the base request), then one parameter at a time set to each value of [`values`] or, for
/// path segments, to an unknown and an invalid one; and the bare path, without the query.
fn targets(path: &str, op: &Value) -> Vec<String> {
    let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
    let build = |over: Option<(&str, &str)>, with_required: bool| {
        let mut target = path.to_owned();
        let mut query: Vec<String> = Vec::new();
        for p in &params {
            let name = p["name"].as_str().unwrap();
            let given = over.filter(|(n, _)| *n == name).map(|(_, v)| v.to_owned());
            let needed = p["required"] == true && (with_required || p["in"] == "path");
            let value = match given {
                Some(v) => v,
                None if needed => example(p),
                None => continue,
            };
            if p["in"] == "path" {
                target = target.replace(&format!("{{{name}}}"), &value);
            } else {
                query.push(format!("{name}={value}"));
            }
        }
        if query.is_empty() {
            target
        } else {
            format!("{target}?{}", query.join("&"))
        }
    };
    let mut out = vec![build(None, true), build(None, false)];
    for p in &params {
        let name = p["name"].as_str().unwrap();
        let tries = if p["in"] == "path" {
            vec!["NOPE".to_owned(), "0".to_owned(), "%E2%9C%97".to_owned()]
        } else {
            values(p)
        };
        for v in tries {
            out.push(build(Some((name, &v)), true));
        }
    }
    out.dedup();
    out
}

/// The gateways' credentials in the contract tests' configuration.
pub const ALPACA: (&str, &str) = ("test-key", "test-secret");
/// The Finnhub token and Polygon key (Polygon reads it from the control token's Bearer header).
pub const FINNHUB: &str = "test-finnhub-token";

/// The contract tests' service: the control endpoint on, every gateway's credentials
/// configured (so 403 and 401 for a wrong key can be asked for), a market with 24/7 pairs
/// for Binance.
pub async fn spawn_contract_app() -> crate::helpers::TestApp {
    spawn_contract_app_with(|_| {}).await
}

/// [`spawn_contract_app`] with `adjust` applied to its configuration first.
pub async fn spawn_contract_app_with(
    adjust: impl FnOnce(&mut RestConfig),
) -> crate::helpers::TestApp {
    let mut rest = with_control();
    adjust(&mut rest);
    rest.gateway_keys.alpaca_key_id = Some(ALPACA.0.to_owned());
    rest.gateway_keys.alpaca_secret_key = Some(ALPACA.1.to_owned());
    rest.gateway_keys.polygon_api_key = Some(TOKEN.to_owned());
    rest.finnhub_tokens = vec![FINNHUB.to_owned()];
    spawn_app_on(rest, crate::sdk::vendor_market()).await
}

/// The headers of a request with the right credentials for every area, none, or wrong ones.
pub fn credentials(mode: Auth) -> Vec<(&'static str, &'static str)> {
    match mode {
        Auth::Right => vec![
            AUTH,
            ("apca-api-key-id", ALPACA.0),
            ("apca-api-secret-key", ALPACA.1),
            ("x-finnhub-token", FINNHUB),
        ],
        Auth::None => Vec::new(),
        Auth::Wrong => vec![
            ("authorization", "Bearer wrong"),
            ("apca-api-key-id", "wrong"),
            ("apca-api-secret-key", "wrong"),
            ("x-finnhub-token", "wrong"),
        ],
    }
}

/// Which credentials a request carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The configured ones.
    Right,
    /// None.
    None,
    /// Others.
    Wrong,
}

const VENDORS: [&str; 4] = ["alpaca", "polygon", "finnhub", "binance"];

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = spawn_contract_app().await;
    let doc = app.get("/openapi.json").await.ok_json();
    let mut client = app.connect().await;
    for (path, method, op) in documented_paths(&doc) {
        let mut seen = BTreeSet::new();
        for (i, target) in targets(&path, &op).into_iter().enumerate() {
            // Every credential mode on the base request; the right ones elsewhere.
            let modes: &[Auth] = if i == 0 {
                &[Auth::Right, Auth::None, Auth::Wrong]
            } else {
                &[Auth::Right]
            };
            for mode in modes {
                let headers = credentials(*mode);
                let resp = if method == "post" {
                    client.post_json(&target, &headers, r#"{"ticks":1}"#).await
                } else {
                    client.request("GET", &target, &headers).await
                };
                let what = format!("{} {target}", method.to_uppercase());
                check(&doc, &op, &what, &resp);
                assert!(resp.status < 500, "{what}: {}", resp.status);
                seen.insert(resp.status);
                if resp.header("connection") == Some("close") {
                    client = app.connect().await;
                }
            }
        }
        // The 101 of /ws needs a ws-server; its relay tests cover it.
        assert!(
            path == "/ws" || seen.iter().any(|s| (200..300).contains(s)),
            "{method} {path} never answered 2xx: {seen:?}"
        );
        // Each error a gateway documents is one these requests meet.
        if VENDORS.iter().any(|v| op["tags"][0] == *v) {
            for status in op["responses"].as_object().unwrap().keys() {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                assert!(
                    seen.contains(&status),
                    "{method} {path} documents {status} but never answered it: {seen:?}"
                );
            }
        }
        // A method the path does not have is a documented error too.
        let target = targets(&path, &op).swap_remove(0);
        let resp = client.request("DELETE", &target, &[]).await;
        check(&doc, &op, &format!("DELETE {path}"), &resp);
        if resp.header("connection") == Some("close") {
            client = app.connect().await;
        }
    }
}

#[tokio::test]
async fn docs_page_renders_the_document_offline() {
    let app = spawn_contract_app().await;
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
