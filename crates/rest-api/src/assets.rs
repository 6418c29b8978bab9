//! Static files embedded in the binary, under `/assets/`: the dashboard's styles and its ES
//! modules (the page itself is `/dashboard`; `dashboard.js` imports the others and the
//! client), and the TypeScript client of the stream (`clients/typescript/dist/*.js`, committed
//! compiled, so building needs no npm), for pages served from this origin to
//! `import { TickerClient } from '/assets/ticker.js'`: `ticker.js` imports the client's other
//! modules by relative paths, which resolve to their names under `/assets/`.

use http::header::HeaderValue;
use http::{Response, StatusCode};

use crate::response::{self, Body};

/// The compiled client's ES modules, by name: `ticker.js` is the one to import (an
/// integration test checks that this is every module of `clients/typescript/dist/`).
const CLIENT_MODULES: [(&str, &str); 8] = [
    (
        "ticker.js",
        include_str!("../../../clients/typescript/dist/ticker.js"),
    ),
    (
        "connection.js",
        include_str!("../../../clients/typescript/dist/connection.js"),
    ),
    (
        "delivery.js",
        include_str!("../../../clients/typescript/dist/delivery.js"),
    ),
    (
        "events.js",
        include_str!("../../../clients/typescript/dist/events.js"),
    ),
    (
        "messages.js",
        include_str!("../../../clients/typescript/dist/messages.js"),
    ),
    (
        "replay.js",
        include_str!("../../../clients/typescript/dist/replay.js"),
    ),
    (
        "subscriptions.js",
        include_str!("../../../clients/typescript/dist/subscriptions.js"),
    ),
    (
        "types.js",
        include_str!("../../../clients/typescript/dist/types.js"),
    ),
];

/// The dashboard's styles.
const DASHBOARD_CSS: &str = include_str!("../assets/dashboard.css");
/// The dashboard's behaviour: the module the page loads, which boots it.
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");
/// The dashboard's shared state, formatting, REST requests and health panel.
const DASHBOARD_STATE_JS: &str = include_str!("../assets/dashboard-state.js");
/// The dashboard's cards, trade tape and market status.
const DASHBOARD_CARDS_JS: &str = include_str!("../assets/dashboard-cards.js");
/// The dashboard's chart.
const DASHBOARD_CHART_JS: &str = include_str!("../assets/dashboard-chart.js");
/// The dashboard's stream (on the TypeScript client) and time travel.
const DASHBOARD_STREAM_JS: &str = include_str!("../assets/dashboard-stream.js");

/// `GET /assets/{name}`: the file, or `None` for a name that is not one.
pub fn asset(name: &str) -> Option<Response<Body>> {
    const JS: &str = "text/javascript; charset=utf-8";
    let (content_type, body) = match name {
        "dashboard.css" => ("text/css; charset=utf-8", DASHBOARD_CSS),
        "dashboard.js" => (JS, DASHBOARD_JS),
        "dashboard-state.js" => (JS, DASHBOARD_STATE_JS),
        "dashboard-cards.js" => (JS, DASHBOARD_CARDS_JS),
        "dashboard-chart.js" => (JS, DASHBOARD_CHART_JS),
        "dashboard-stream.js" => (JS, DASHBOARD_STREAM_JS),
        _ => {
            let (_, module) = CLIENT_MODULES.iter().find(|(module, _)| *module == name)?;
            (JS, *module)
        }
    };
    Some(response::with_body(
        StatusCode::OK,
        HeaderValue::from_static(content_type),
        body,
    ))
}
