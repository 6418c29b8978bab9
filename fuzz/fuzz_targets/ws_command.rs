//! The WebSocket client-message parser must never panic, and only answer documented codes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use ticker_core::{Market, MarketConfig};

static MARKET: OnceLock<Market> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let market = MARKET.get_or_init(|| Market::new(MarketConfig::default()).expect("default market"));
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = ws_server::protocol::parse_command(text, market, 1024) {
            assert!(!e.code.is_empty());
        }
    }
});
