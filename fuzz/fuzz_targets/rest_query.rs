//! Paths, query strings, timestamps and symbols from URLs must never panic the REST service.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (path, query) = text.split_once('?').unwrap_or((&text, ""));
    let _ = rest_api::routes::route(path, true);
    if let Ok(q) = ticker_net::query::Query::parse(Some(query)) {
        let _ = q.get("symbols");
    }
    let _ = ticker_net::query::percent_decode(&text, true);
    let _ = ticker_core::time::parse_time(&text);
    let _ = ticker_core::Symbol::parse_loose(&text);
});
