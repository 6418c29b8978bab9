//! A Photon-style page, unchanged, against ticker: a static page written the way pages for the
//! classic seed-000 generator are (`new WebSocket('ws://127.0.0.1:PORT/ws')` on the **REST**
//! port, `JSON.parse`, `forEach` over `[{stock, price, change}]`, each row coloured by the sign
//! of `change`), served by a throwaway static server, loaded in Chromium. The rest-api relays
//! `/ws` to the ws-server with the classic array framing by default; the test checks that the
//! page's prices follow the ticks and equal the REST quotes of the same `seq`, and that its
//! colours flip both ways.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use ticker_core::MarketConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::cdp::Cdp;
use crate::services::Services;
use crate::{note, screenshot_dir, with_browser, TestResult};

/// The page, as such pages are written; only the port is filled in (the test's REST port
/// stands for 8000).
const PAGE: &str = r#"<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Stock Ticker</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: sans-serif; }
  td { padding: 4px 12px; }
</style>
</head>
<body>
<h1>Live Stock Prices</h1>
<table id="stocks"></table>
<script>
  const socket = new WebSocket('ws://127.0.0.1:__REST_PORT__/ws');
  socket.onmessage = function (event) {
    const stocks = JSON.parse(event.data);
    stocks.forEach(function (stock) {
      let row = document.getElementById(stock.stock);
      if (!row) {
        row = document.createElement('tr');
        row.id = stock.stock;
        row.innerHTML = '<td class="name"></td><td class="price"></td><td class="change"></td>';
        document.getElementById('stocks').appendChild(row);
      }
      row.querySelector('.name').textContent = stock.stock;
      row.querySelector('.price').textContent = stock.price.toFixed(2);
      row.querySelector('.change').textContent = stock.change.toFixed(2);
      row.style.color = stock.change >= 0 ? 'green' : 'red';
    });
  };
</script>
</body>
</html>
"#;

/// The computed colours of `green` and `red`.
const GREEN: &str = "rgb(0, 128, 0)";
const RED: &str = "rgb(255, 0, 0)";

/// One-minute ticks: a cent-grid price then moves on almost every tick, so the sign of the
/// change since the previous tick (what the page colours by) flips within a few ticks.
const INTERVAL_MS: u64 = 60_000;
/// Most ticks the test waits for both colours.
const MAX_TICKS: u64 = 30;
/// How long the page gets to show a tick once the clock has moved.
const TICK_TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photon_style_page_streams_from_the_rest_port_and_flips_colours() -> TestResult<()> {
    let services = Services::start_with(MarketConfig {
        interval_ms: INTERVAL_MS,
        ..MarketConfig::default()
    })
    .await?;
    let page = PAGE.replace("__REST_PORT__", &services.rest_addr.port().to_string());
    let (page_addr, server) = serve(page).await?;
    let result = with_browser("Photon-style page", services, |cdp, services| {
        scenario(cdp, services, page_addr)
    })
    .await;
    server.abort();
    result
}

async fn scenario(mut cdp: Cdp, services: Services, page_addr: SocketAddr) -> TestResult<()> {
    cdp.viewport(800, 400, 1.0, false).await?;
    cdp.navigate(&format!("http://{page_addr}/photon.html"))
        .await?;
    let symbols = services.symbols();
    let mut seq = services.seq();
    let mut seen: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut first_prices: Option<Vec<f64>> = None;
    let mut prices_moved = false;
    for step in 0..=MAX_TICKS {
        if step > 0 {
            seq = services.advance(1);
        }
        // What REST says for this tick: the classic elements, change since the previous tick.
        let rest = services.rest_json("/api/v1/latest?format=array").await?;
        let items = rest.as_array().ok_or("format=array is not an array")?;
        // stock → (price, change), as REST says and as the page must show them.
        let mut want: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for item in items {
            if item.get("seq") != Some(&Value::from(seq)) {
                return Err(format!("REST answered {item} for tick {seq}").into());
            }
            let field = |name: &str| item.get(name).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let stock = item
                .get("stock")
                .and_then(Value::as_str)
                .ok_or("no stock")?;
            want.insert(stock.to_owned(), (field("price"), field("change")));
        }
        let want_js = serde_json::to_string(&want)?;
        cdp.wait_for(
            &format!("the page to show tick {seq}: {want_js}"),
            &format!(
                "Object.entries({want_js}).every(([s, [p, c]]) => {{ const row = document.getElementById(s); \
                 return row !== null && Number(row.querySelector('.price').textContent) === p \
                 && Number(row.querySelector('.change').textContent) === c; }})"
            ),
            TICK_TIMEOUT,
        )
        .await?;
        let colours = cdp
            .eval(
                "Object.fromEntries([...document.querySelectorAll('#stocks tr')].map(r => [r.id, getComputedStyle(r).color]))",
            )
            .await?;
        for symbol in &symbols {
            let colour = colours
                .get(symbol)
                .and_then(Value::as_str)
                .unwrap_or_default();
            let (_, change) = want.get(symbol).copied().unwrap_or((f64::NAN, f64::NAN));
            let expected = if change >= 0.0 { GREEN } else { RED };
            if colour != expected {
                return Err(format!(
                    "{symbol} at tick {seq}: change {change}, colour {colour}, expected {expected}"
                )
                .into());
            }
            seen.entry(symbol.clone()).or_default().push(expected);
        }
        let prices: Vec<f64> = symbols
            .iter()
            .map(|s| want.get(s).map_or(f64::NAN, |(price, _)| *price))
            .collect();
        match &first_prices {
            None => first_prices = Some(prices),
            Some(first) => prices_moved |= *first != prices,
        }
        if step >= 3 && prices_moved && flipped(&seen) && both_colours(&seen) {
            break;
        }
    }
    if !prices_moved {
        return Err(format!("no price moved by tick {seq}").into());
    }
    if !(both_colours(&seen) && flipped(&seen)) {
        return Err(format!("colours never flipped both ways by tick {seq}: {seen:?}").into());
    }
    note(&format!(
        "Photon-style page followed ticks up to {seq}, colours: {seen:?}"
    ));
    cdp.screenshot(&screenshot_dir().join("photon.png")).await?;
    if !cdp.page_errors.is_empty() {
        return Err(format!("the page logged errors: {:#?}", cdp.page_errors).into());
    }
    cdp.close_browser().await?;
    services.stop().await
}

/// Both colours were shown, over all rows and ticks.
fn both_colours(seen: &BTreeMap<String, Vec<&str>>) -> bool {
    let all: BTreeSet<&str> = seen.values().flatten().copied().collect();
    all.contains(GREEN) && all.contains(RED)
}

/// Some row changed colour from one tick to the next.
fn flipped(seen: &BTreeMap<String, Vec<&str>>) -> bool {
    seen.values()
        .any(|colours| colours.windows(2).any(|w| w.first() != w.last()))
}

/// Serves `page` at `/photon.html` on a fresh port (everything else is 404), as a static file
/// server would.
async fn serve(page: String) -> TestResult<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(n) if n > 0 && head.len() < 64 * 1024 => {
                            head.extend_from_slice(buf.get(..n).unwrap_or_default());
                        }
                        _ => return,
                    }
                }
                let (status, body) = if head.starts_with(b"GET /photon.html ") {
                    ("200 OK", page.as_str())
                } else {
                    ("404 Not Found", "")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok((addr, task))
}
