//! The TypeScript client (`clients/typescript`) in a real browser: a page of the rest-api's
//! origin imports it from `/assets/ticker.js`, streams two symbols, and lives through a
//! ws-server restart, receiving every (symbol, seq) once, each at REST's price.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::services::Services;
use crate::with_browser;
use crate::{note, TestResult};

/// REST's price of both symbols now, checked to be at tick `seq`.
async fn record(services: &Services, seq: u64) -> TestResult<Vec<(String, Option<f64>)>> {
    let mut out = Vec::new();
    for sym in ["AAPL", "MSFT"] {
        let v = services.rest_json(&format!("/api/v1/latest/{sym}")).await?;
        if v.get("seq").and_then(Value::as_u64) != Some(seq) {
            return Err(format!("REST {sym} is not at seq {seq}: {v}").into());
        }
        out.push((sym.to_owned(), v.get("price").and_then(Value::as_f64)));
    }
    Ok(out)
}

/// Waits until the page's client has a quote of tick `seq` for both symbols.
const AT: &str = "['AAPL', 'MSFT'].every(s => (window.__ts.last[s] || 0) >= SEQ)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_client_from_assets_resumes_in_the_browser_without_gaps() -> TestResult<()> {
    let services = Services::start().await?;
    with_browser("typescript client", services, |mut cdp, mut services| async move {
        cdp.navigate(&format!("http://{}/health", services.rest_addr))
            .await?;
        cdp.eval(&format!(
            "(async () => {{ \
               const {{ TickerClient }} = await import('/assets/ticker.js'); \
               const ts = window.__ts = {{ quotes: [], last: {{}}, states: [] }}; \
               const c = ts.client = new TickerClient({{ url: 'ws://{}/ws', symbols: ['AAPL', 'MSFT'], \
                 reconnect: {{ baseMs: 100, capMs: 1000 }} }}); \
               c.on('quote', q => {{ ts.quotes.push([q.symbol, q.seq, q.price]); ts.last[q.symbol] = q.seq; }}); \
               c.on('state', s => ts.states.push(s.state)); \
               c.connect(); return true; }})()",
            services.ws_addr
        ))
        .await?;
        let first = services.seq();
        let mut rest: BTreeMap<(String, u64), f64> = BTreeMap::new();
        let mut seq = first;
        let wait = |seq: u64| AT.replace("SEQ", &seq.to_string());
        cdp.wait_for("the first quotes", &wait(seq), Duration::from_secs(10)).await?;
        for (sym, p) in record(&services, seq).await? {
            rest.insert((sym, seq), p.ok_or("no price")?);
        }
        for _ in 0..3 {
            seq = services.advance(1);
            for (sym, p) in record(&services, seq).await? {
                rest.insert((sym, seq), p.ok_or("no price")?);
            }
            cdp.wait_for("the next tick", &wait(seq), Duration::from_secs(5)).await?;
        }
        // The ws-server goes away; the market goes on; it comes back on the same port.
        services.stop_ws().await?;
        cdp.wait_for(
            "the client to notice",
            "window.__ts.states.includes('reconnecting')",
            Duration::from_secs(5),
        )
        .await?;
        for _ in 0..4 {
            seq = services.advance(1);
            for (sym, p) in record(&services, seq).await? {
                rest.insert((sym, seq), p.ok_or("no price")?);
            }
        }
        services.restart_ws().await?;
        cdp.wait_for("the missed ticks", &wait(seq), Duration::from_secs(15)).await?;
        seq = services.advance(1);
        for (sym, p) in record(&services, seq).await? {
            rest.insert((sym, seq), p.ok_or("no price")?);
        }
        cdp.wait_for("a live tick after the restart", &wait(seq), Duration::from_secs(5))
            .await?;
        let got = cdp
            .eval("({ quotes: window.__ts.quotes, stats: window.__ts.client.stats })")
            .await?;
        let quotes = got.get("quotes").and_then(Value::as_array).ok_or("no quotes")?;
        for sym in ["AAPL", "MSFT"] {
            let mine: Vec<(u64, f64)> = quotes
                .iter()
                .filter(|q| q.get(0).and_then(Value::as_str) == Some(sym))
                .map(|q| {
                    (
                        q.get(1).and_then(Value::as_u64).unwrap_or_default(),
                        q.get(2).and_then(Value::as_f64).unwrap_or(f64::NAN),
                    )
                })
                .collect();
            let seqs: Vec<u64> = mine.iter().map(|q| q.0).collect();
            let want: Vec<u64> = (first..=seq).collect();
            if seqs != want {
                return Err(format!("{sym}: the client delivered {seqs:?}, want {first}..={seq}").into());
            }
            for (n, price) in mine {
                if rest.get(&(sym.to_owned(), n)) != Some(&price) {
                    return Err(format!(
                        "{sym} at seq {n}: the client got {price}, REST said {:?}",
                        rest.get(&(sym.to_owned(), n))
                    )
                    .into());
                }
            }
        }
        let stats = got.get("stats").cloned().unwrap_or_default();
        if stats.get("reconnects").and_then(Value::as_u64) != Some(1)
            || stats.get("gaps").and_then(Value::as_u64) != Some(0)
            || stats.get("serverGaps").and_then(Value::as_u64) != Some(0)
        {
            return Err(format!("the client's counters: {stats}").into());
        }
        if !cdp.page_errors.is_empty() {
            return Err(format!("the page logged errors: {:#?}", cdp.page_errors).into());
        }
        note(&format!("the TypeScript client in Chromium: ticks {first}..={seq}, {stats}"));
        cdp.close_browser().await?;
        services.stop().await
    })
    .await
}
