//! The stable-Rust equivalent of `cargo fuzz` for every parser that reads client input: the
//! request-head guard, the query and path parsers, the WebSocket command parser, timestamps
//! and symbols. Seeded mutation of a corpus of valid inputs plus random bytes; a short run
//! here, longer runs with `TICKER_FUZZ_ITERS=10000000` or the libFuzzer targets in `fuzz/`.

use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use ticker_core::{CandleInterval, Market, MarketConfig, Symbol};
use ticker_net::head::{scan_head, HeadLimits, Scan};
use ticker_net::query::{percent_decode, Query};

use crate::helpers;

const CORPUS: &[&[u8]] = &[
    b"GET /api/v1/latest/AAPL HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /ws?symbols=AAPL,MSFT&format=batch&since=12 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    b"/api/v1/history/MSFT?interval=1m&from=2024-01-01T00:00:00Z&to=1704067200000&limit=10",
    br#"{"type":"subscribe","symbols":["AAPL","*","msft"]}"#,
    br#"{"type":"resume","since":123}"#,
    br#"{"type":"ping","id":{"a":[1,2,3]}}"#,
    b"2024-02-29T12:34:56.789+05:30",
    b"symbols=%41%41PL%2CMSFT&x=%zz+y",
    b"BRK.B",
];

fn iterations() -> u64 {
    std::env::var("TICKER_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000)
}

/// A mutated corpus entry or random bytes.
fn input(rng: &mut SmallRng) -> Vec<u8> {
    if rng.random_range(0..8) == 0 {
        return (0..rng.random_range(0..256))
            .map(|_| rng.random::<u8>())
            .collect();
    }
    let mut v = CORPUS[rng.random_range(0..CORPUS.len())].to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..=v.len());
        match rng.random_range(0..6) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 => v.insert(at, rng.random::<u8>()),
            2 if at < v.len() => {
                v.remove(at);
            }
            3 => {
                let other = CORPUS[rng.random_range(0..CORPUS.len())];
                let cut = rng.random_range(0..=other.len());
                v.splice(at..at, other[..cut].iter().copied());
            }
            4 => v.insert(at, b'%'),
            _ => v.truncate(at),
        }
    }
    v
}

#[test]
fn parsers_never_panic_and_keep_their_invariants() {
    let market = Market::new(MarketConfig::default()).unwrap();
    let limits = HeadLimits::default();
    let mut rng = SmallRng::seed_from_u64(0xC0FFEE);
    let n = iterations();
    let started = Instant::now();
    let (mut heads_ok, mut commands_ok) = (0u64, 0u64);
    const CODES: [&str; 7] = [
        "invalid_json",
        "invalid_message",
        "unknown_type",
        "too_many_symbols",
        "unknown_symbols",
        "invalid_since",
        "unsupported_binary",
    ];
    for _ in 0..n {
        let bytes = input(&mut rng);
        match scan_head(&bytes, &limits) {
            Scan::Complete(head) => {
                assert!(head.len <= bytes.len());
                heads_ok += 1;
            }
            Scan::Rejected(e) => {
                assert!(e.status.is_client_error(), "{e}");
            }
            Scan::Partial => assert!(bytes.len() <= limits.max_header_bytes),
        }
        let text = String::from_utf8_lossy(&bytes);
        let (path, query) = text.split_once('?').unwrap_or((&text, ""));
        if let Some(route) = rest_api::routes::route(path, true) {
            assert!(path.starts_with('/'), "{route:?} from {path:?}");
        }
        if let Ok(q) = Query::parse(Some(query)) {
            let _ = q.get("symbols");
        }
        let _ = percent_decode(&text, true);
        match ws_server::protocol::parse_command(&text, &market, 1024) {
            Ok(_) => commands_ok += 1,
            Err(e) => assert!(CODES.contains(&e.code), "undocumented code {}", e.code),
        }
        if let Some(ms) = ticker_core::time::parse_time(&text) {
            assert!((0..=ticker_core::time::MAX_TIME_MS).contains(&ms));
        }
        if let Ok(s) = Symbol::parse_loose(&text) {
            assert!(s.as_str().len() <= ticker_core::MAX_SYMBOL_LEN);
        }
        let _ = text.parse::<CandleInterval>();
    }
    helpers::record(
        "parsers",
        &json!({"inputs": n, "heads_accepted": heads_ok, "commands_accepted": commands_ok, "seconds": started.elapsed().as_secs_f64()}),
    );
    // The corpus keeps the generator honest: some inputs must still be valid.
    assert!(heads_ok > 0 && commands_ok > 0);
}
