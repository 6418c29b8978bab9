//! Time in the browser: the dashboard's time-travel control replays the past at 60× and shows,
//! tick by tick, what REST's `at=` says for the same moment, turns live by itself when the
//! replay catches up, and returns to live on demand; and the worked example of docs/clocks.md:
//! a test freezes the market, loads the page, steps ten ticks with `scripts/clock.sh` and sees
//! exact prices.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use ticker_core::{MarketConfig, Seq};

use crate::cdp::Cdp;
use crate::dashboard::{assert_matches_rest, wait_all_at};
use crate::services::Services;
use crate::{note, screenshot_dir, with_browser, TestResult};

/// What the page shows right now, read in one evaluation so that seq and price belong
/// together: the mode, and per symbol (seq, price) from its state and from its card.
async fn snapshot(
    cdp: &mut Cdp,
    symbols: &[&str],
) -> TestResult<(String, BTreeMap<String, [(u64, f64); 2]>)> {
    let v = cdp
        .eval(&format!(
            "({{ mode: window.__ticker.mode, rows: {}.map(s => {{ \
               const c = document.querySelector(`.card[data-symbol=\"${{s}}\"]`); \
               return [s, window.__ticker.lastSeq[s], window.__ticker.prices[s], \
                       Number(c.dataset.seq), Number(c.dataset.price)]; }}) }})",
            serde_json::to_string(symbols)?
        ))
        .await?;
    let mode = v
        .get("mode")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut rows = BTreeMap::new();
    for row in v.get("rows").and_then(Value::as_array).ok_or("no rows")? {
        let n = |i: usize| row.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
        let sym = row.get(0).and_then(Value::as_str).ok_or("no symbol")?;
        rows.insert(sym.to_owned(), [(n(1) as u64, n(2)), (n(3) as u64, n(4))]);
    }
    Ok((mode, rows))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_replays_at_60x_showing_what_rest_said_then_and_returns_to_live() -> TestResult<()>
{
    let services = Services::start().await?;
    with_browser("time travel", services, |mut cdp, services| async move {
        let symbols = services.symbols();
        let all: Vec<&str> = symbols.iter().map(String::as_str).collect();
        cdp.viewport(1280, 1000, 1.0, false).await?;
        cdp.navigate(&format!("http://{}/dashboard", services.rest_addr)).await?;
        let now = services.seq();
        wait_all_at(&mut cdp, &all, now).await?;

        // Four minutes back at 60×: 960 quarter-second ticks in four wall seconds.
        let from = services.time_of(now) - 240_000;
        let iso = ticker_core::time::format_rfc3339(from);
        cdp.eval(&format!(
            "document.querySelector('#tt-from').value = '{}'; \
             document.querySelector('#tt-speed').value = '60'; \
             document.querySelector('#tt-replay').click()",
            iso.trim_end_matches('Z')
        ))
        .await?;
        cdp.wait_for(
            "the page to replay at 60×",
            &format!(
                "window.__ticker.mode === 'replay' && window.__ticker.replay.speed === 60 \
                 && document.querySelector('#mode').dataset.mode === 'replay' \
                 && {all:?}.every(s => window.__ticker.lastSeq[s] < {now} \
                   && Number(document.querySelector(`.card[data-symbol=\"${{s}}\"]`).dataset.seq) < {now})"
            ),
            Duration::from_secs(10),
        )
        .await?;

        // While it plays: every price shown (state and card) is REST's at= for its tick.
        let mut checked = 0;
        let mut shot = false;
        while checked < 40 {
            let (mode, rows) = snapshot(&mut cdp, &all).await?;
            if mode != "replay" {
                break;
            }
            for (sym, shown) in &rows {
                for (seq, price) in shown {
                    if *seq >= now || *seq < services.market.schedule().tick_at(from).0 {
                        return Err(format!("{sym}: seq {seq} is outside the replay").into());
                    }
                    let rest = services.rest_price_at(sym, *seq).await?;
                    if rest != *price {
                        return Err(format!(
                            "{sym} at seq {seq}: the replay shows {price}, REST at= says {rest}"
                        )
                        .into());
                    }
                    checked += 1;
                }
            }
            if !shot {
                cdp.screenshot(&screenshot_dir().join("dashboard-replay.png")).await?;
                shot = true;
            }
        }
        if checked < 20 {
            return Err(format!("only {checked} replayed prices checked before it ended").into());
        }
        note(&format!("{checked} replayed prices equal REST at="));

        // Caught up with now: live again, by itself, where REST is.
        cdp.wait_for(
            "the replay to end and the page to turn live",
            "window.__ticker.mode === 'live' && window.__ticker.replayEnds === 1 \
             && document.querySelector('#mode').dataset.mode === 'live'",
            Duration::from_secs(15),
        )
        .await?;
        assert_matches_rest(&mut cdp, &services, &all, now).await?;
        let next = services.advance(1);
        assert_matches_rest(&mut cdp, &services, &all, next).await?;

        // A slow replay far back, then "Back to live" at once.
        cdp.eval(&format!(
            "document.querySelector('#tt-from').value = '{}'; \
             document.querySelector('#tt-speed').value = '1'; \
             document.querySelector('#tt-replay').click()",
            ticker_core::time::format_rfc3339(services.time_of(next) - 3_600_000).trim_end_matches('Z')
        ))
        .await?;
        cdp.wait_for(
            "an hour-old replay",
            &format!("window.__ticker.mode === 'replay' && Object.values(window.__ticker.lastSeq).every(s => s < {})", next - 14_000),
            Duration::from_secs(10),
        )
        .await?;
        cdp.eval("document.querySelector('#tt-live').click()").await?;
        cdp.wait_for(
            "back to live",
            "window.__ticker.mode === 'live' && document.querySelector('#tt-live').hidden",
            Duration::from_secs(5),
        )
        .await?;
        assert_matches_rest(&mut cdp, &services, &all, next).await?;
        let next = services.advance(1);
        assert_matches_rest(&mut cdp, &services, &all, next).await?;
        let gaps = cdp.eval("window.__ticker.gaps").await?;
        if gaps.as_u64() != Some(0) {
            return Err(format!("the page counted {gaps} gaps").into());
        }
        if !cdp.page_errors.is_empty() {
            return Err(format!("the page logged errors: {:#?}", cdp.page_errors).into());
        }
        cdp.close_browser().await?;
        services.stop().await
    })
    .await
}

/// The control token of the example.
const TOKEN: &str = "e2e-control-token";

/// `scripts/clock.sh args…` against both services, as a test runner would call it.
async fn clock_sh(services: &Services, args: &[&str]) -> TestResult<String> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/clock.sh");
    let targets = format!("{} {}", services.rest_addr, services.ws_addr);
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg(script)
            .args(&args)
            .env("TICKER_CONTROL_TOKEN", TOKEN)
            .env("TICKER_CLOCK_TARGETS", targets)
            .output()
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "scripts/clock.sh failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_test_freezes_the_market_steps_ten_ticks_and_sees_exact_prices() -> TestResult<()>
{
    let services = Services::start_apart(
        MarketConfig {
            interval_ms: 1000,
            ..MarketConfig::default()
        },
        TOKEN,
    )
    .await?;
    with_browser("clock stepping", services, |mut cdp, services| async move {
        // 1. Freeze the market at a chosen moment (both services; they only move when told).
        let t0 = "2024-02-01T14:30:00Z";
        let out = clock_sh(&services, &["set", t0]).await?;
        note(&format!("clock.sh set: {}", out.trim()));
        let start = services
            .market
            .schedule()
            .tick_at(ticker_core::time::parse_time(t0).ok_or("bad time")?)
            .0;
        // 2. Load the page: it shows the frozen tick, and stays there.
        let symbols = services.symbols();
        let all: Vec<&str> = symbols.iter().map(String::as_str).collect();
        cdp.navigate(&format!("http://{}/dashboard", services.rest_addr))
            .await?;
        wait_all_at(&mut cdp, &all, start).await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        wait_all_at(&mut cdp, &all, start).await?;
        // 3. Ten ticks on, with one command.
        clock_sh(&services, &["ticks", "10"]).await?;
        let end = start + 10;
        let prices = assert_matches_rest(&mut cdp, &services, &all, end).await?;
        // 4. Exact prices: the model's, for that tick, to the cent.
        for (sym, shown) in &prices {
            let id = services.market.lookup(sym).ok_or("unknown symbol")?;
            let want = services.market.price(id, Seq(end)).to_f64();
            if *shown != want {
                return Err(format!("{sym} shows {shown}, the model says {want}").into());
            }
        }
        let counts = cdp.eval("window.__ticker.counts").await?;
        for sym in &all {
            // The initial quote, then each of the ten ticks exactly once.
            if counts.get(*sym).and_then(Value::as_u64) != Some(11) {
                return Err(format!("{sym}: {counts} quotes, want 11 (every tick once)").into());
            }
        }
        note(&format!(
            "ten ticks stepped; prices at seq {end}: {prices:?}"
        ));
        cdp.close_browser().await?;
        services.stop().await
    })
    .await
}
