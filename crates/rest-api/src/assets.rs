//! Static files embedded in the binary, under `/assets/`: the dashboard's styles and script
//! (the page itself is `/dashboard`), and the TypeScript client of the stream
//! (`clients/typescript/dist/ticker.js`, committed compiled, so building needs no npm), for
//! pages served from this origin to `import { TickerClient } from '/assets/ticker.js'`.

use http::header::HeaderValue;
use http::{Response, StatusCode};

use crate::response::{self, Body};

/// The compiled client: one ES module with no imports at run time.
const TICKER_JS: &str = include_str!("../../../clients/typescript/dist/ticker.js");
/// The dashboard's styles.
const DASHBOARD_CSS: &str = include_str!("../assets/dashboard.css");
/// The dashboard's behaviour.
const DASHBOARD_JS: &str = include_str!("../assets/dashboard.js");

/// `GET /assets/{name}`: the file, or `None` for a name that is not one.
pub fn asset(name: &str) -> Option<Response<Body>> {
    let (content_type, body) = match name {
        "ticker.js" => ("text/javascript; charset=utf-8", TICKER_JS),
        "dashboard.css" => ("text/css; charset=utf-8", DASHBOARD_CSS),
        "dashboard.js" => ("text/javascript; charset=utf-8", DASHBOARD_JS),
        _ => return None,
    };
    Some(response::with_body(
        StatusCode::OK,
        HeaderValue::from_static(content_type),
        body,
    ))
}
