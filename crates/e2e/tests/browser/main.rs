//! Pages in a real browser: both services run in-process on a manual clock, a headless
//! Chromium loads a page, and the test drives and reads it over the DevTools protocol. The
//! dashboard is loaded from the rest-api's `/dashboard`; a Photon-style page ([`photon`])
//! streams from the rest-api's `/ws` relay, unchanged.
//!
//! * [`services`]: the rest-api and ws-server on one clock; the ws-server can be restarted.
//! * [`chromium`]: the browser process and its temporary profile, behind a drop guard.
//! * [`cdp`]: a minimal DevTools client (evaluate, wait, screenshot).
//! * [`dashboard`]: the page's test hooks and the checks against the REST API.
//! * [`photon`]: a static page written the way seed-000 style pages are, and its checks.
//! * [`tape`]: the dashboard's trade tape and market-status badges against REST, across a
//!   `us-equity` open.
//! * [`time_travel`]: the dashboard's 60× replay against REST `at=`, and a frozen market
//!   stepped ten ticks with `scripts/clock.sh` (the worked example of docs/clocks.md).
//! * [`ts_client`]: the TypeScript client, imported from `/assets/ticker.js`, through a
//!   ws-server restart.
//! * [`worked_example`]: a halt and a disconnect on the dashboard, against REST (the worked
//!   example of docs/worked-example.md).
//!
//! Without Chromium the test fails, unless `ALLOW_SKIP` names `chromium` (a comma-separated
//! list, as `scripts/test.sh` takes it): then it is skipped with a message. Under `CI=true` it
//! always fails.

mod cdp;
mod chromium;
mod dashboard;
mod photon;
mod services;
mod tape;
mod time_travel;
mod ts_client;
mod worked_example;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cdp::Cdp;
use chromium::Chromium;
use dashboard::{assert_flashes, assert_matches_rest, counter, shown, subscribed, wait_all_at};
use services::Services;

/// The error type of every helper: any error, with a message that says what was expected.
pub(crate) type TestResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The whole scenario must finish well within a minute.
pub(crate) const SCENARIO_TIMEOUT: Duration = Duration::from_secs(55);

/// Where screenshots go: `<target dir>/e2e/`.
pub(crate) fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("e2e")
}

#[allow(clippy::print_stderr)]
fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test} browser test: {why}");
}

/// Chromium's path; `None` (after saying so) when it is missing and `ALLOW_SKIP` allows that.
pub(crate) fn chromium_or_skip(test: &str) -> TestResult<Option<PathBuf>> {
    match chromium::binary() {
        Ok(path) => Ok(Some(path)),
        Err(path) if test_support::skip_allowed("chromium") => {
            skip(
                test,
                &format!("no Chromium at {} (allowed by ALLOW_SKIP)", path.display()),
            );
            Ok(None)
        }
        Err(path) => Err(format!(
            "no Chromium at {}: install the `chromium` package or set TICKER_E2E_CHROMIUM; \
             ALLOW_SKIP=chromium skips this test (not under CI=true)",
            path.display()
        )
        .into()),
    }
}

#[allow(clippy::print_stderr)]
pub(crate) fn note(what: &str) {
    eprintln!("[e2e] {what}");
}

/// Runs `scenario` with a browser, bounded, with the browser's log on failure.
pub(crate) async fn with_browser<F, Fut>(
    name: &str,
    services: Services,
    scenario: F,
) -> TestResult<()>
where
    F: FnOnce(Cdp, Services) -> Fut,
    Fut: std::future::Future<Output = TestResult<()>>,
{
    let Some(binary) = chromium_or_skip(name)? else {
        return Ok(());
    };
    let started = Instant::now();
    let mut browser = Chromium::launch(&binary).await?;
    let cdp = Cdp::connect(&browser.devtools_url).await?;
    let outcome = tokio::time::timeout(SCENARIO_TIMEOUT, Box::pin(scenario(cdp, services))).await;
    let result = outcome.unwrap_or_else(|_| {
        Err(format!("the scenario did not finish within {SCENARIO_TIMEOUT:?}").into())
    });
    if let Err(e) = &result {
        return Err(format!("{e}\n--- chromium log (tail) ---\n{}", browser.log_tail()).into());
    }
    browser.wait_for_exit(Duration::from_secs(5)).await;
    note(&format!(
        "{name} passed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_streams_live_quotes_and_resumes_without_gaps() -> TestResult<()> {
    with_browser("dashboard", Services::start().await?, scenario).await
}

async fn scenario(mut cdp: Cdp, mut services: Services) -> TestResult<()> {
    cdp.viewport(1280, 1000, 1.0, false).await?;
    let symbols = services.symbols();
    let all: Vec<&str> = symbols.iter().map(String::as_str).collect();
    let shots = screenshot_dir();

    // 1. The page finds the stream through `GET /` and connects.
    cdp.navigate(&format!("http://{}/dashboard", services.rest_addr))
        .await?;
    cdp.wait_for(
        "the status dot to turn connected",
        "document.querySelector('#status').dataset.state === 'connected' && window.__ticker.state === 'connected'",
        Duration::from_secs(15),
    )
    .await?;
    let ws_url = cdp.eval("window.__ticker.wsUrl").await?;
    assert_eq!(
        ws_url.as_str(),
        Some(format!("ws://{}/", services.ws_addr).as_str()),
        "the page streams from the ws_url that GET / advertises"
    );

    // 2. Prices appear, equal REST at the same seq, and move as the clock ticks.
    let seq0 = services.seq();
    let first = assert_matches_rest(&mut cdp, &services, &all, seq0).await?;
    let mut seq = seq0;
    let mut moved = false;
    let mut previous = first.clone();
    for step in 1..=40 {
        seq = services.advance(1);
        let now = assert_matches_rest(&mut cdp, &services, &all, seq).await?;
        assert_flashes(&mut cdp, &all, &previous, &now).await?;
        moved |= now != first;
        previous = now;
        if step >= 3 && moved {
            break;
        }
    }
    assert!(moved, "no price moved in {} ticks", seq - seq0);
    note(&format!("prices matched REST for ticks {seq0}..={seq}"));

    // 3. The chart loads history for the selected symbol and extends it live.
    cdp.wait_for(
        "the chart to load history",
        "(() => { const c = document.querySelector('#chart'); return c.dataset.symbol === 'AAPL' && Number(c.dataset.candles) > 10 && !window.__ticker.chart.loading && document.querySelectorAll('#chart-svg rect').length > 10; })()",
        Duration::from_secs(10),
    )
    .await?;
    cdp.eval("document.querySelector('.card[data-symbol=\"TSLA\"]').click()")
        .await?;
    cdp.wait_for(
        "the chart to switch to TSLA",
        "document.querySelector('#chart').dataset.symbol === 'TSLA' && !window.__ticker.chart.loading && window.__ticker.chart.candles > 10",
        Duration::from_secs(10),
    )
    .await?;
    for _ in 0..4 {
        seq = services.advance(1);
        wait_all_at(&mut cdp, &all, seq).await?;
    }
    let history = services
        .rest_json("/api/v1/history/TSLA?interval=1s&limit=2")
        .await?;
    let rest_close = history
        .pointer("/candles/1/close")
        .and_then(serde_json::Value::as_f64);
    cdp.wait_for(
        "the chart's last candle to follow the stream",
        &format!(
            "window.__ticker.chart.lastClose === {}",
            rest_close.unwrap_or(f64::NAN)
        ),
        Duration::from_secs(5),
    )
    .await?;

    // 4. Deselecting a symbol stops its stream; selecting it again resumes it.
    cdp.eval("document.querySelector('input[data-symbol=\"MSFT\"]').click()")
        .await?;
    cdp.wait_for(
        "the server to confirm MSFT is unsubscribed",
        "!window.__ticker.subscribed.includes('MSFT') && window.__ticker.subscribed.length === 4 && document.querySelector('.card[data-symbol=\"MSFT\"]').dataset.subscribed === 'false'",
        Duration::from_secs(5),
    )
    .await?;
    let others: Vec<&str> = all.iter().copied().filter(|s| *s != "MSFT").collect();
    let msft_before = shown(&mut cdp, &["MSFT"]).await?;
    for _ in 0..3 {
        seq = services.advance(1);
        wait_all_at(&mut cdp, &others, seq).await?;
    }
    // Give a stray MSFT frame every chance to arrive before concluding there is none.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let msft_after = shown(&mut cdp, &["MSFT"]).await?;
    assert_eq!(
        msft_before, msft_after,
        "MSFT kept streaming after it was deselected (others are at seq {seq})"
    );
    cdp.eval("document.querySelector('input[data-symbol=\"MSFT\"]').click()")
        .await?;
    cdp.wait_for(
        "MSFT to be subscribed again with a snapshot",
        &format!(
            "window.__ticker.subscribed.includes('MSFT') && window.__ticker.lastSeq.MSFT === {seq}"
        ),
        Duration::from_secs(5),
    )
    .await?;
    seq = services.advance(1);
    assert_matches_rest(&mut cdp, &services, &all, seq).await?;
    assert_eq!(subscribed(&mut cdp).await?.len(), all.len());
    assert_eq!(
        counter(&mut cdp, "gaps").await?,
        0,
        "re-subscribing is not a gap"
    );

    // 5. Health cards, one per component, green while everything is up.
    cdp.wait_for(
        "health cards for every component, all healthy",
        "['market_clock', 'ws_server'].every(c => document.querySelector(`.hcard[data-component=\"${c}\"]`)?.dataset.state === 'healthy') && document.querySelector('#health').dataset.status === 'ok'",
        Duration::from_secs(5),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(1000)).await; // let the tick flash fade
    cdp.screenshot(&shots.join("dashboard.png")).await?;

    // 6. The ws-server goes away: the page says so, and the health card follows.
    let before = shown(&mut cdp, &all).await?;
    services.stop_ws().await?;
    cdp.wait_for(
        "the status to turn disconnected",
        "document.querySelector('#status').dataset.state === 'disconnected' && window.__ticker.state === 'disconnected'",
        Duration::from_secs(5),
    )
    .await?;
    // The market goes on while the stream is down.
    let missed = 5;
    for _ in 0..missed {
        seq = services.advance(1);
    }
    cdp.wait_for(
        "the ws_server health card to turn down",
        "document.querySelector('.hcard[data-component=\"ws_server\"]')?.dataset.state === 'down'",
        Duration::from_secs(8),
    )
    .await?;
    cdp.screenshot(&shots.join("dashboard-disconnected.png"))
        .await?;

    // 7. Back on the same port: the page reconnects with `since` and misses nothing.
    services.restart_ws().await?;
    cdp.wait_for(
        "the page to reconnect",
        "window.__ticker.state === 'connected' && window.__ticker.reconnects === 1",
        Duration::from_secs(20),
    )
    .await?;
    let prices = assert_matches_rest(&mut cdp, &services, &all, seq).await?;
    let after = shown(&mut cdp, &all).await?;
    for (sym, b) in &before {
        let a = after.get(sym).ok_or_else(|| format!("{sym} vanished"))?;
        assert_eq!(
            a.count - b.count,
            missed,
            "{sym}: every missed tick ({}..={}) arrives exactly once through the replay",
            b.seq + 1,
            a.seq
        );
    }
    assert_eq!(counter(&mut cdp, "gaps").await?, 0, "the page saw a gap");
    assert_eq!(
        counter(&mut cdp, "serverGaps").await?,
        0,
        "the server reported a gap"
    );
    note(&format!(
        "reconnected and replayed {missed} ticks; prices at seq {seq}: {prices:?}"
    ));
    cdp.wait_for(
        "the ws_server health card to recover",
        "document.querySelector('.hcard[data-component=\"ws_server\"]')?.dataset.state === 'healthy'",
        Duration::from_secs(8),
    )
    .await?;

    // 8. Phone width: no horizontal scrolling; a full-height screenshot.
    cdp.viewport(360, 800, 2.0, true).await?;
    cdp.wait_for(
        "the layout to fit 360 px",
        "document.documentElement.scrollWidth <= 360 && document.querySelector('#chart-svg').getAttribute('viewBox').split(' ')[2] < 360",
        Duration::from_secs(5),
    )
    .await?;
    let height = cdp
        .eval("Math.ceil(document.documentElement.scrollHeight)")
        .await?
        .as_u64()
        .unwrap_or(800);
    cdp.viewport(360, height.clamp(600, 4000) as u32, 2.0, true)
        .await?;
    seq = services.advance(1);
    wait_all_at(&mut cdp, &all, seq).await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    cdp.screenshot(&shots.join("dashboard-phone.png")).await?;
    assert_eq!(counter(&mut cdp, "gaps").await?, 0);

    // 9. A fresh load with page parameters: `?ws=` overrides the advertised URL (here the
    //    `/ws` path), `?symbols=` picks the initial subscription, `?interval=` the candles.
    let override_url = format!("ws://{}/ws", services.ws_addr);
    cdp.navigate(&format!(
        "http://{}/dashboard?ws={override_url}&symbols=AAPL,TSLA&chart=TSLA&interval=5s",
        services.rest_addr
    ))
    .await?;
    cdp.wait_for(
        "the page to connect to the ?ws= URL with two symbols",
        &format!(
            "window.__ticker.state === 'connected' && window.__ticker.wsUrl === '{override_url}' \
             && window.__ticker.subscribed.join() === 'AAPL,TSLA'"
        ),
        Duration::from_secs(10),
    )
    .await?;
    assert_matches_rest(&mut cdp, &services, &["AAPL", "TSLA"], seq).await?;
    cdp.wait_for(
        "MSFT shown as paused and a 5s TSLA chart",
        "document.querySelector('.card[data-symbol=\"MSFT\"]').dataset.subscribed === 'false' \
         && window.__ticker.lastSeq.MSFT === undefined \
         && window.__ticker.chart.symbol === 'TSLA' && window.__ticker.chart.interval === '5s' \
         && window.__ticker.chart.candles > 10",
        Duration::from_secs(5),
    )
    .await?;

    assert_eq!(counter(&mut cdp, "gaps").await?, 0);
    assert!(
        cdp.page_errors.is_empty(),
        "the page logged errors: {:#?}",
        cdp.page_errors
    );
    note(&format!("screenshots in {}", shots.display()));

    // Orderly teardown; the guards clean up whatever this leaves behind.
    cdp.close_browser().await?;
    services.stop().await
}
