//! The page under test, read through its test hooks (`window.__ticker`, `data-*`
//! attributes), and the checks that tie what it shows to what the REST API says.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::cdp::Cdp;
use crate::services::Services;
use crate::TestResult;

/// How long the page gets to show a tick once the clock has moved (the tick loop polls the
/// clock every 50 ms; the page paints within a frame).
pub(crate) const TICK_TIMEOUT: Duration = Duration::from_secs(5);

/// What the page shows for one symbol.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    /// `window.__ticker.lastSeq[sym]`.
    pub(crate) seq: u64,
    /// `window.__ticker.prices[sym]`.
    pub(crate) price: f64,
    /// The card's price text, as displayed.
    pub(crate) text: String,
    /// Quotes received for the symbol since the page loaded.
    pub(crate) count: u64,
    /// The card's `data-dir`: the sign of `change` (`up`, `down`, `flat`).
    pub(crate) dir: String,
    /// The card's arrow glyph.
    pub(crate) arrow: String,
    /// The card's `data-flash`: how the last tick moved the price.
    pub(crate) flash: String,
    /// The computed colour of the change line, `(r, g, b)`.
    pub(crate) colour: (u8, u8, u8),
}

fn js_list(symbols: &[&str]) -> String {
    serde_json::to_string(symbols).unwrap_or_else(|_| "[]".to_owned())
}

/// A JS expression: true once every symbol's state *and* card show tick `seq`.
fn all_at(symbols: &[&str], seq: u64) -> String {
    format!(
        "{}.every(s => window.__ticker.lastSeq[s] === {seq} \
         && document.querySelector(`.card[data-symbol=\"${{s}}\"]`).dataset.seq === '{seq}')",
        js_list(symbols)
    )
}

/// Waits until the page shows tick `seq` for every one of `symbols`.
pub(crate) async fn wait_all_at(cdp: &mut Cdp, symbols: &[&str], seq: u64) -> TestResult<()> {
    cdp.wait_for(
        &format!("{symbols:?} at seq {seq}"),
        &all_at(symbols, seq),
        TICK_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// What the page shows for each of `symbols`.
pub(crate) async fn shown(cdp: &mut Cdp, symbols: &[&str]) -> TestResult<BTreeMap<String, Shown>> {
    let value = cdp
        .eval(&format!(
            "Object.fromEntries({}.map(s => {{ \
               const card = document.querySelector(`.card[data-symbol=\"${{s}}\"]`); \
               return [s, {{ seq: window.__ticker.lastSeq[s], price: window.__ticker.prices[s], \
                 count: window.__ticker.counts[s], \
                 text: card.querySelector('[data-field=price]').textContent, \
                 dir: card.dataset.dir, flash: card.dataset.flash || '', \
                 arrow: card.querySelector('.arrow').textContent, \
                 colour: getComputedStyle(card.querySelector('.chg')).color }}]; }}))",
            js_list(symbols)
        ))
        .await?;
    let mut out = BTreeMap::new();
    for sym in symbols {
        let v = value
            .get(*sym)
            .ok_or_else(|| format!("no state for {sym}: {value}"))?;
        out.insert(
            (*sym).to_owned(),
            Shown {
                seq: v
                    .get("seq")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| format!("{sym}: no seq in {v}"))?,
                price: v
                    .get("price")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| format!("{sym}: no price in {v}"))?,
                text: v
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                count: v.get("count").and_then(Value::as_u64).unwrap_or_default(),
                dir: text_field(v, "dir"),
                arrow: text_field(v, "arrow"),
                flash: text_field(v, "flash"),
                colour: parse_rgb(&text_field(v, "colour"))
                    .ok_or_else(|| format!("{sym}: colour is not rgb(): {v}"))?,
            },
        );
    }
    Ok(out)
}

fn text_field(v: &Value, name: &str) -> String {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `rgb(61, 220, 132)` → `(61, 220, 132)`.
fn parse_rgb(css: &str) -> Option<(u8, u8, u8)> {
    let inner = css.strip_prefix("rgb(")?.strip_suffix(')')?;
    let mut parts = inner.split(',').map(|p| p.trim().parse::<u8>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// The card shows the direction of `change` three ways: `data-dir`, an arrow (so up/down is
/// not colour alone) and a green/red colour.
fn check_direction(sym: &str, shown: &Shown, change: f64) -> TestResult<()> {
    let (dir, arrow) = if change > 0.0 {
        ("up", "\u{25B2}")
    } else if change < 0.0 {
        ("down", "\u{25BC}")
    } else {
        ("flat", "\u{2022}")
    };
    let (r, g, _) = shown.colour;
    let coloured = match dir {
        "up" => g > r,
        "down" => r > g,
        _ => true,
    };
    if shown.dir != dir || shown.arrow != arrow || !coloured {
        return Err(format!(
            "{sym}: change {change} should show {dir} {arrow}, card shows {} {:?} in rgb{:?}",
            shown.dir, shown.arrow, shown.colour
        )
        .into());
    }
    Ok(())
}

/// With the clock frozen at `seq`: every symbol's price on the page (state and card text)
/// equals `GET /api/v1/latest/{sym}` of the same seq. Returns the prices.
pub(crate) async fn assert_matches_rest(
    cdp: &mut Cdp,
    services: &Services,
    symbols: &[&str],
    seq: u64,
) -> TestResult<BTreeMap<String, f64>> {
    wait_all_at(cdp, symbols, seq).await?;
    let page = shown(cdp, symbols).await?;
    let mut prices = BTreeMap::new();
    for (sym, shown) in &page {
        let rest = services.rest_json(&format!("/api/v1/latest/{sym}")).await?;
        let rest_seq = rest.get("seq").and_then(Value::as_u64);
        let rest_price = rest.get("price").and_then(Value::as_f64);
        if rest_seq != Some(seq) {
            return Err(format!("REST {sym} is at seq {rest_seq:?}, the clock at {seq}").into());
        }
        if rest_price != Some(shown.price) || shown.seq != seq {
            return Err(format!(
                "{sym} at seq {seq}: page shows {} (seq {}), REST says {rest_price:?}",
                shown.price, shown.seq
            )
            .into());
        }
        let displayed: f64 = shown
            .text
            .replace(',', "")
            .parse()
            .map_err(|_| format!("{sym}: card price text {:?} is not a number", shown.text))?;
        if Some(displayed) != rest_price {
            return Err(format!(
                "{sym}: card displays {:?}, REST price is {rest_price:?}",
                shown.text
            )
            .into());
        }
        let change = rest
            .get("change")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        check_direction(sym, shown, change)?;
        prices.insert(sym.clone(), shown.price);
    }
    Ok(prices)
}

/// After one tick from `before` to `after` prices: each card flashed up, down or flat as its
/// price moved.
pub(crate) async fn assert_flashes(
    cdp: &mut Cdp,
    symbols: &[&str],
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
) -> TestResult<()> {
    let page = shown(cdp, symbols).await?;
    for (sym, shown) in &page {
        let (Some(b), Some(a)) = (before.get(sym), after.get(sym)) else {
            continue;
        };
        let want = if a > b {
            "up"
        } else if a < b {
            "down"
        } else {
            "flat"
        };
        if shown.flash != want {
            return Err(format!(
                "{sym}: price went {b} → {a}, so the card should flash {want}, not {:?}",
                shown.flash
            )
            .into());
        }
    }
    Ok(())
}

/// `window.__ticker[key]` as a number.
pub(crate) async fn counter(cdp: &mut Cdp, key: &str) -> TestResult<u64> {
    let v = cdp.eval(&format!("window.__ticker.{key}")).await?;
    v.as_u64()
        .ok_or_else(|| format!("window.__ticker.{key} is {v}, not a count").into())
}

/// The symbols the server confirmed as subscribed.
pub(crate) async fn subscribed(cdp: &mut Cdp) -> TestResult<Vec<String>> {
    let v = cdp.eval("window.__ticker.subscribed").await?;
    Ok(serde_json::from_value(v)?)
}
