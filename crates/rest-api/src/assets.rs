//! Static files embedded in the binary, under `/assets/`: the dashboard's styles and its ES
//! modules (the page itself is `/dashboard`; `dashboard.js` imports the others and the
//! client), and the TypeScript client of the stream
//! (`clients/typescript/dist/ticker.js`, committed compiled, so building needs no npm), for
//! pages served from this origin to `import { TickerClient } from '/assets/ticker.js'`.

use http::header::HeaderValue;
use http::{Response, StatusCode};

use crate::response::{self, Body};

/// The compiled client: one ES module with no imports at run time.
const TICKER_JS: &str = include_str!("../../../clients/typescript/dist/ticker.js");
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
    let (content_type, body) = match name {
        "ticker.js" => ("text/javascript; charset=utf-8", TICKER_JS),
        "dashboard.css" => ("text/css; charset=utf-8", DASHBOARD_CSS),
        "dashboard.js" => ("text/javascript; charset=utf-8", DASHBOARD_JS),
        "dashboard-state.js" => ("text/javascript; charset=utf-8", DASHBOARD_STATE_JS),
        "dashboard-cards.js" => ("text/javascript; charset=utf-8", DASHBOARD_CARDS_JS),
        "dashboard-chart.js" => ("text/javascript; charset=utf-8", DASHBOARD_CHART_JS),
        "dashboard-stream.js" => ("text/javascript; charset=utf-8", DASHBOARD_STREAM_JS),
        _ => return None,
    };
    Some(response::with_body(
        StatusCode::OK,
        HeaderValue::from_static(content_type),
        body,
    ))
}
