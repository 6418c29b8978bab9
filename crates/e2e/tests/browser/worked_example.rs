//! The worked example of docs/worked-example.md: the market's and the network's worst minute,
//! in a real browser. Both services run `config/halt-and-disconnect.json` (AAPL halts at
//! 14:30:00 UTC for ten seconds, "news pending", and reopens 8 % lower) on manual clocks with
//! `--faults allow`; the dashboard is opened with `?ws_fault_disconnect_ticks=8`, so its first
//! stream dies (no close frame, as a lost network does) in the middle of the halt. Stepping
//! the clock tick by tick, the test checks what the page shows against REST: the halt at its
//! tick with its reason and the frozen price, the disconnect and the reconnect, the
//! reopening price and its gap, and every tick of every symbol exactly once.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use ticker_core::{MarketConfig, Seq};

use crate::cdp::Cdp;
use crate::dashboard::{assert_matches_rest, counter, wait_all_at};
use crate::services::Services;
use crate::with_browser;
use crate::{note, screenshot_dir, TestResult};

/// The control token of the example (`--control-token`).
const TOKEN: &str = "e2e-worked-example";
/// Where the clocks stand when the services start: five seconds before the halt.
const START: &str = "2026-03-10T14:29:55Z";
/// When the scenario halts AAPL.
const HALT_AT: &str = "2026-03-10T14:30:00Z";
/// The page's fault: its first stream ends after this many live ticks.
const DISCONNECT_AFTER: u64 = 8;

/// The market of `scripts/run.sh --scenario config/halt-and-disconnect.json --interval-ms 1000`.
fn market() -> TestResult<MarketConfig> {
    let mut config = MarketConfig {
        interval_ms: 1000,
        ..MarketConfig::default()
    };
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config/halt-and-disconnect.json")
        .canonicalize()?;
    config.select_scenario(file.to_str().ok_or("a non-UTF-8 path")?)?;
    Ok(config)
}

/// What AAPL's card says about a halt, read in one evaluation.
async fn aapl_card(cdp: &mut Cdp) -> TestResult<Value> {
    cdp.eval(
        "(() => { const c = document.querySelector('.card[data-symbol=\"AAPL\"]'); \
           return { halted: c.dataset.halted, reason: c.dataset.haltReason ?? null, \
             haltPrice: c.dataset.haltPrice ?? null, banner: c.querySelector('.halt').innerText, \
             bannerShown: getComputedStyle(c.querySelector('.halt')).display !== 'none', \
             badge: c.querySelector('.mstatus').dataset.status, \
             reopenPrice: c.dataset.reopenPrice ?? null, reopenGap: c.dataset.reopenGap ?? null, \
             reopenSeq: c.dataset.reopenSeq ?? null, reopen: c.querySelector('.reopen').innerText, \
             price: window.__ticker.prices.AAPL, seq: window.__ticker.lastSeq.AAPL }; })()",
    )
    .await
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// `GET /api/v1/market/status?symbol=AAPL`'s `halts`.
async fn rest_halts(services: &Services) -> TestResult<Vec<Value>> {
    let v = services
        .rest_json("/api/v1/market/status?symbol=AAPL")
        .await?;
    Ok(v.get("halts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// The halt as the page shows it at `seq`: marked, with the reason, frozen at REST's price.
async fn assert_halted(
    cdp: &mut Cdp,
    services: &Services,
    seq: u64,
    frozen: f64,
) -> TestResult<()> {
    cdp.wait_for(
        &format!("AAPL's card to be marked halted at seq {seq}"),
        &format!(
            "window.__ticker.lastSeq.AAPL === {seq} && document.querySelector('.card[data-symbol=\"AAPL\"]').dataset.halted === 'true'"
        ),
        Duration::from_secs(5),
    )
    .await?;
    let card = aapl_card(cdp).await?;
    let rest = services.rest_json("/api/v1/latest/AAPL").await?;
    let rest_price = rest.get("price").and_then(Value::as_f64);
    let banner = text(&card, "banner");
    let shown_price = card.get("price").and_then(Value::as_f64);
    if text(&card, "reason") != "news pending"
        || !banner.contains("HALTED")
        || !banner.contains("news pending")
        || card.get("bannerShown") != Some(&Value::Bool(true))
        || text(&card, "badge") != "halted"
    {
        return Err(format!("seq {seq}: AAPL's card does not show the halt: {card}").into());
    }
    if rest.get("seq").and_then(Value::as_u64) != Some(seq)
        || rest_price != Some(frozen)
        || shown_price != Some(frozen)
        || text(&card, "haltPrice").parse::<f64>().ok() != Some(frozen)
    {
        return Err(format!(
            "seq {seq}: the halted price should stand at {frozen}: REST {rest}, card {card}"
        )
        .into());
    }
    // The banner shows the frozen price as the card formats it.
    let price_text = cdp
        .eval(
            "document.querySelector('.card[data-symbol=\"AAPL\"] [data-field=price]').textContent",
        )
        .await?;
    let price_text = price_text.as_str().unwrap_or_default();
    if !banner.contains(&format!("frozen at {price_text}")) {
        return Err(format!("the banner {banner:?} does not name the price {price_text}").into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_a_halt_and_a_disconnect_and_misses_no_tick() -> TestResult<()> {
    let start = ticker_core::time::parse_rfc3339(START).ok_or("bad START")?;
    let services = Services::start_apart_with_faults(market()?, TOKEN, start).await?;
    with_browser("worked example", services, |mut cdp, services| async move {
        let symbols = services.symbols();
        let all: Vec<&str> = symbols.iter().map(String::as_str).collect();
        let aapl = services.market.lookup("AAPL").ok_or("no AAPL")?;
        let [halt] = <[_; 1]>::try_from(services.market.halts(aapl))
            .map_err(|h| format!("want one AAPL halt, the scenario has {}", h.len()))?;
        let (halt_from, reopen) = (halt.from.0, halt.until.0);
        // The scenario's instant is the first tick at or after it.
        let halt_at = ticker_core::time::parse_rfc3339(HALT_AT).ok_or("bad HALT_AT")?;
        assert!(
            services.time_of(halt_from - 1) < halt_at && halt_at <= services.time_of(halt_from),
            "the halt's first tick {halt_from} is the first at or after {HALT_AT}"
        );

        // 1. The page, with a fault for its first stream connection.
        cdp.viewport(1280, 1000, 1.0, false).await?;
        cdp.navigate(&format!(
            "http://{}/dashboard?ws_fault_disconnect_ticks={DISCONNECT_AFTER}",
            services.rest_addr
        ))
        .await?;
        let first = services.seq();
        wait_all_at(&mut cdp, &all, first).await?;
        cdp.wait_for(
            "the page to be live",
            "window.__ticker.phase === 'live' && document.querySelector('#status').dataset.phase === 'live' \
             && window.__ticker.pageFaults.fault_disconnect_ticks === '8'",
            Duration::from_secs(5),
        )
        .await?;
        let disconnect_at = first + DISCONNECT_AFTER;
        assert!(
            first < halt_from && halt_from < disconnect_at && disconnect_at + 4 < reopen,
            "the example needs the disconnect ({disconnect_at}) inside the halt ({halt_from}..{reopen}), \
             a few ticks after the page opened ({first})"
        );
        assert!(rest_halts(&services).await?.is_empty(), "no halt yet");

        // 2. Up to the tick before the halt: trading, nothing marked.
        let mut seq = first;
        while seq + 1 < halt_from {
            seq = services.advance(1);
            assert_matches_rest(&mut cdp, &services, &all, seq).await?;
        }
        let card = aapl_card(&mut cdp).await?;
        if text(&card, "halted") != "false" || card.get("bannerShown") != Some(&Value::Bool(false)) {
            return Err(format!("AAPL is marked halted before the halt: {card}").into());
        }
        let frozen = services.market.price(aapl, Seq(seq)).to_f64();

        // 3. The halt's tick: the card says HALTED, why, and at which price; REST agrees.
        seq = services.advance(1);
        assert_eq!(seq, halt_from);
        assert_matches_rest(&mut cdp, &services, &all, seq).await?;
        assert_halted(&mut cdp, &services, seq, frozen).await?;
        let halts = rest_halts(&services).await?;
        if halts.len() != 1
            || text(&halts[0], "reason") != "news pending"
            || halts[0].get("since_seq").and_then(Value::as_u64) != Some(halt_from)
            || halts[0].get("until_seq").and_then(Value::as_u64) != Some(reopen)
        {
            return Err(format!("REST's market status during the halt: {halts:?}").into());
        }
        for other in all.iter().filter(|s| **s != "AAPL") {
            let halted = cdp
                .eval(&format!(
                    "document.querySelector('.card[data-symbol=\"{other}\"]').dataset.halted"
                ))
                .await?;
            assert_eq!(halted.as_str(), Some("false"), "{other} is not halted");
        }
        tokio::time::sleep(Duration::from_millis(1000)).await; // let the tick flash fade
        cdp.screenshot(&screenshot_dir().join("worked-example-halted.png"))
            .await?;
        note(&format!("AAPL halted at seq {seq}, frozen at {frozen}"));

        // 4. Still halted, the price frozen, up to the tick the stream dies after.
        while seq < disconnect_at {
            seq = services.advance(1);
            assert_matches_rest(&mut cdp, &services, &all, seq).await?;
            assert_halted(&mut cdp, &services, seq, frozen).await?;
        }
        // The connection ends right after that tick; two more happen before the page can be
        // back (its first retry waits at least 250 ms).
        let missed_to = services.advance(2);
        // The client resumes after the newest tick it received in full: the one before the
        // last it saw, whose status, trade and bar frames may have been cut off.
        let resumed_after = disconnect_at - 1;
        cdp.wait_for(
            "the page to reconnect and resume after the disconnect",
            &format!(
                "window.__ticker.reconnects === 1 && window.__ticker.phase === 'resumed' \
                 && window.__ticker.state === 'connected' && window.__ticker.resumedAfter === {resumed_after}"
            ),
            Duration::from_secs(10),
        )
        .await?;
        wait_all_at(&mut cdp, &all, missed_to).await?;
        let story = cdp
            .eval(
                "({ phases: window.__ticker.phases, closes: window.__ticker.closes, events: window.__ticker.events, \
                   counter: document.querySelector('#reconnects').dataset.count, \
                   counterText: document.querySelector('#reconnects').textContent, \
                   status: document.querySelector('#status').dataset.phase, \
                   resumedAfter: document.querySelector('#status').dataset.resumedAfter, \
                   statusText: document.querySelector('#status-text').textContent, \
                   log: Array.from(document.querySelectorAll('#events li')).map(li => li.textContent) })",
            )
            .await?;
        let phases: Vec<&str> = story
            .get("phases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let events: Vec<&str> = story
            .get("events")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let log = story.get("log").map(Value::to_string).unwrap_or_default();
        let closed = "stream closed (1006): connection lost";
        let resumed = format!("reconnected (#1); resuming after seq {resumed_after}");
        if phases != ["connecting", "live", "reconnecting", "resumed"]
            || story.pointer("/closes/0/code").and_then(Value::as_u64) != Some(1006)
            || story.pointer("/closes/0/wasClean") != Some(&Value::Bool(false))
            || text(&story, "counter") != "1"
            || text(&story, "counterText") != "1"
            || text(&story, "status") != "resumed"
            || text(&story, "resumedAfter") != resumed_after.to_string()
            || text(&story, "statusText") != format!("Resumed after seq {resumed_after}")
            || !events.contains(&closed)
            || !events.contains(&resumed.as_str())
            || !log.contains(closed)
            || !log.contains(&resumed)
        {
            return Err(format!("the page does not tell the disconnect's story: {story}").into());
        }
        // The halt outlived the connection.
        assert_halted(&mut cdp, &services, missed_to, frozen).await?;
        note(&format!(
            "disconnected after seq {disconnect_at}, resumed with ticks {}..={missed_to} replayed",
            disconnect_at + 1
        ));
        seq = missed_to;

        // 5. Through the rest of the halt to the reopening: the mark goes, the gap is shown.
        while seq + 1 < reopen {
            seq = services.advance(1);
            assert_matches_rest(&mut cdp, &services, &all, seq).await?;
            assert_halted(&mut cdp, &services, seq, frozen).await?;
        }
        seq = services.advance(1);
        assert_eq!(seq, reopen);
        let prices = assert_matches_rest(&mut cdp, &services, &all, seq).await?;
        let reopen_price = prices.get("AAPL").copied().ok_or("no AAPL price")?;
        cdp.wait_for(
            "AAPL's card to show the reopening",
            &format!(
                "(() => {{ const c = document.querySelector('.card[data-symbol=\"AAPL\"]'); \
                   return c.dataset.halted === 'false' && c.dataset.reopenSeq === '{reopen}'; }})()"
            ),
            Duration::from_secs(5),
        )
        .await?;
        let card = aapl_card(&mut cdp).await?;
        let gap = text(&card, "reopenGap").parse::<f64>().unwrap_or(f64::NAN);
        let want_gap = (reopen_price / frozen - 1.0) * 100.0;
        if text(&card, "reopenPrice").parse::<f64>().ok() != Some(reopen_price)
            || (gap - want_gap).abs() > 0.0051
            || !(-9.0..=-7.0).contains(&gap)
            || card.get("bannerShown") != Some(&Value::Bool(false))
            || text(&card, "badge") != "open"
            || !text(&card, "reopen").starts_with(&format!("Reopened \u{2212}{:.2}% at", -gap))
        {
            return Err(format!(
                "the reopening at {reopen_price} (REST), {want_gap:.2}% from {frozen}: card {card}"
            )
            .into());
        }
        assert!(rest_halts(&services).await?.is_empty(), "REST: the halt is over");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        cdp.screenshot(&screenshot_dir().join("worked-example-reopened.png"))
            .await?;
        note(&format!("AAPL reopened at seq {seq} at {reopen_price} ({gap:.2}%)"));

        // 6. Every tick of every symbol, from the page's first to now, exactly once and at
        //    REST's price for that tick.
        for _ in 0..2 {
            seq = services.advance(1);
            assert_matches_rest(&mut cdp, &services, &all, seq).await?;
        }
        let ticks = cdp.eval("window.__ticker.ticks").await?;
        for sym in &all {
            let list = ticks
                .get(*sym)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("no ticks for {sym}"))?;
            let seqs: Vec<u64> = list
                .iter()
                .filter_map(|t| t.get(0).and_then(Value::as_u64))
                .collect();
            let want: Vec<u64> = (first..=seq).collect();
            if seqs != want {
                return Err(format!("{sym}: received seqs {seqs:?}, want {first}..={seq}").into());
            }
            for t in list {
                let (n, price) = (
                    t.get(0).and_then(Value::as_u64).unwrap_or_default(),
                    t.get(1).and_then(Value::as_f64).unwrap_or(f64::NAN),
                );
                let rest = services.rest_price_at(sym, n).await?;
                if rest != price {
                    return Err(format!("{sym} at seq {n}: the page got {price}, REST says {rest}").into());
                }
            }
        }
        assert_eq!(counter(&mut cdp, "gaps").await?, 0, "the page saw a gap");
        assert_eq!(counter(&mut cdp, "serverGaps").await?, 0, "the server reported a gap");
        assert_eq!(counter(&mut cdp, "reconnects").await?, 1, "one reconnect, no more");
        if !cdp.page_errors.is_empty() {
            return Err(format!("the page logged errors: {:#?}", cdp.page_errors).into());
        }
        note(&format!(
            "every tick {first}..={seq} of {} symbols once, at REST's price",
            all.len()
        ));
        cdp.close_browser().await?;
        services.stop().await
    })
    .await
}
