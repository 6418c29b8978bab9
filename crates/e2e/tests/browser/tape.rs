//! The dashboard's trade tape and market-status badges, in a real browser: a market of one
//! `us-equity` symbol and one 24/7 pair, the clock two seconds before the 09:30 New York open.
//! The badges must say what `/api/v1/market/status` says before and after the open, and every
//! trade on the tape must be the `/api/v1/trades` trade with the same id.

use std::time::Duration;

use serde_json::Value;
use ticker_core::calendar::CalendarKind;
use ticker_core::{MarketConfig, SymbolConfig};

use crate::cdp::Cdp;
use crate::services::Services;
use crate::{note, screenshot_dir, with_browser, TestResult};

fn mixed_market() -> MarketConfig {
    MarketConfig {
        interval_ms: 1000,
        symbols: vec![
            SymbolConfig {
                calendar: CalendarKind::UsEquity,
                ..SymbolConfig::new("AAPL", 190.0)
            },
            SymbolConfig::new("BTCUSDT", 60_000.0),
        ],
        ..MarketConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_a_trade_tape_and_market_status_badges() -> TestResult<()> {
    // Tuesday 2026-03-10, 09:29:58 New York (EDT).
    let start = ticker_core::time::parse_rfc3339("2026-03-10T13:29:58Z").ok_or("bad time")?;
    let services = Services::start_at(mixed_market(), start).await?;
    with_browser("trade tape", services, scenario).await
}

/// What REST says each symbol's market is doing now.
async fn rest_status(services: &Services, symbol: &str) -> TestResult<String> {
    let v = services
        .rest_json(&format!("/api/v1/market/status?symbol={symbol}"))
        .await?;
    v.pointer("/calendars/0/status")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no status for {symbol} in {v}").into())
}

/// Waits until every card's badge (and the header's, for the charted AAPL) shows what REST
/// says.
async fn badges_match_rest(cdp: &mut Cdp, services: &Services, want: &str) -> TestResult<()> {
    let aapl = rest_status(services, "AAPL").await?;
    let btc = rest_status(services, "BTCUSDT").await?;
    assert_eq!(aapl, want, "REST's AAPL status");
    assert_eq!(btc, "open", "a 24/7 pair is always open");
    cdp.wait_for(
        &format!("the badges to show AAPL {aapl}, BTCUSDT {btc}"),
        &format!(
            "document.querySelector('.card[data-symbol=\"AAPL\"] .mstatus').dataset.status === '{aapl}' \
             && document.querySelector('.card[data-symbol=\"BTCUSDT\"] .mstatus').dataset.status === '{btc}' \
             && document.querySelector('#market').dataset.symbol === 'AAPL' \
             && document.querySelector('#market').dataset.status === '{aapl}'"
        ),
        Duration::from_secs(5),
    )
    .await?;
    Ok(())
}

async fn scenario(mut cdp: Cdp, services: Services) -> TestResult<()> {
    cdp.viewport(1280, 1100, 1.0, false).await?;
    cdp.navigate(&format!("http://{}/dashboard", services.rest_addr))
        .await?;
    cdp.wait_for(
        "the page to connect",
        "window.__ticker.state === 'connected'",
        Duration::from_secs(15),
    )
    .await?;

    // 1. Before the open: the welcome's statuses.
    badges_match_rest(&mut cdp, &services, "pre").await?;

    // 2. Across 09:30:00: the status channel flips AAPL's badge when REST flips.
    // The page connected at this tick: its first trades are this tick's.
    let first = services.seq();
    let mut seq = first;
    for _ in 0..4 {
        seq = services.advance(1);
    }
    badges_match_rest(&mut cdp, &services, "open").await?;
    cdp.wait_for(
        "the page to reach the clock's tick",
        &format!("window.__ticker.seq === {seq}"),
        Duration::from_secs(5),
    )
    .await?;

    // 3. The tape: every trade received, newest first, each one REST's trade of that id.
    let tape = cdp.eval("window.__ticker.tape").await?;
    let tape = tape.as_array().ok_or("the tape is not a list")?;
    if tape.len() < 20 {
        return Err(format!("only {} trades on the tape", tape.len()).into());
    }
    // The trades of ticks first..=seq happened in [time of first − 1, time of seq).
    let from = services.time_of(first - 1);
    let to = services.time_of(seq);
    for symbol in ["AAPL", "BTCUSDT"] {
        let rest = services
            .rest_json(&format!(
                "/api/v1/trades/{symbol}?from={from}&to={to}&limit=1000"
            ))
            .await?;
        let listed = rest
            .get("trades")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("no trades in {rest}"))?;
        let mine: Vec<&Value> = tape
            .iter()
            .filter(|t| t.get("symbol").and_then(Value::as_str) == Some(symbol))
            .collect();
        if mine.is_empty() {
            return Err(format!("no {symbol} trade on the tape").into());
        }
        let mut last_id = u64::MAX;
        for t in &mine {
            let id = t
                .get("id")
                .and_then(Value::as_u64)
                .ok_or("a trade without id")?;
            if id >= last_id {
                return Err(
                    format!("{symbol}: tape not newest first ({id} after {last_id})").into(),
                );
            }
            last_id = id;
            let Some(r) = listed
                .iter()
                .find(|r| r.get("id").and_then(Value::as_u64) == Some(id))
            else {
                // Trades older than the REST window (from the page's first tick) are fine.
                if t.get("timestamp").and_then(Value::as_i64) >= Some(from) {
                    return Err(format!("{symbol} trade {id} is not in REST's list").into());
                }
                continue;
            };
            for field in ["price", "size", "exchange", "timestamp", "seq"] {
                if t.get(field) != r.get(field) {
                    return Err(format!(
                        "{symbol} trade {id}: tape {field} {:?}, REST {:?}",
                        t.get(field),
                        r.get(field)
                    )
                    .into());
                }
            }
        }
        // Every REST trade in the window reached the tape (it keeps the newest 200).
        let received: usize = listed
            .iter()
            .filter(|r| mine.iter().any(|t| t.get("id") == r.get("id")))
            .count();
        if tape.len() < 200 && received != listed.len() {
            return Err(format!(
                "{symbol}: {received} of REST's {} trades are on the tape",
                listed.len()
            )
            .into());
        }
    }
    // The rows show the newest trades (painted within a frame).
    cdp.wait_for(
        "the tape's rows to be the newest trades",
        "(() => { const ids = Array.from(document.querySelectorAll('#tape li.trade')).map(li => Number(li.dataset.id)); \
           const want = window.__ticker.tape.slice(0, 30).map(t => t.id); \
           return ids.length === want.length && ids.every((id, i) => id === want[i]); })()",
        Duration::from_secs(5),
    )
    .await?;
    let rows = cdp
        .eval("document.querySelectorAll('#tape li.trade').length")
        .await?;
    note(&format!(
        "tape: {} trades, {rows} rows, AAPL opened at seq {seq}",
        tape.len()
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    cdp.screenshot(&screenshot_dir().join("dashboard-tape.png"))
        .await?;
    assert!(
        cdp.page_errors.is_empty(),
        "the page logged errors: {:#?}",
        cdp.page_errors
    );
    cdp.close_browser().await?;
    services.stop().await
}
