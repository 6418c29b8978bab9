//! The charts of docs/scenarios.md: each built-in scenario on the default market, its clock
//! started at 2026-11-23T14:30:00Z (so the events begin at 14:45), against the model alone.
//!
//! `cargo run -p ticker-core --release --example scenario-charts -- docs/scenarios` writes one
//! SVG per built-in (`flash-crash.svg`, …) into the directory given (default `.`).
#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs)]

#[path = "../stylized-facts/svg.rs"]
#[allow(dead_code, unreachable_pub)]
mod svg;

use ticker_core::scenario::builtin::NAMES;
use ticker_core::time::parse_time;
use ticker_core::{ClockKind, Market, MarketConfig, Seq, SymbolId};

use svg::{Chart, Series, COLORS};

/// The clock's start every chart uses.
const START: &str = "2026-11-23T14:30:00Z";
/// Minutes shown after the start.
const MINUTES: u64 = 75;
/// Seconds between points.
const STEP: u64 = 5;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    if let Err(e) = run(&dir) {
        eprintln!("scenario-charts: {e}");
        std::process::exit(1);
    }
}

fn run(dir: &str) -> Result<(), String> {
    let start = parse_time(START).ok_or("bad start")?;
    let base = Market::new(MarketConfig::default()).map_err(|e| e.to_string())?;
    for name in NAMES {
        let mut config = MarketConfig {
            scenario: Some(name.to_owned()),
            ..MarketConfig::default()
        };
        config.clock.kind = Some(ClockKind::Manual);
        config.clock.start = Some(start);
        let market = Market::new(config).map_err(|e| e.to_string())?;
        let first = market.schedule().tick_at(start);
        let description = market
            .selected_scenario()
            .map_err(|e| e.to_string())?
            .map(|s| s.description)
            .unwrap_or_default();
        let mut series = Vec::new();
        let mut plot = |m: &Market, id: SymbolId, label: &str, color: &'static str| {
            let reference = m.last_price(id, first).to_f64();
            let points = (0..=MINUTES * 60 / STEP)
                .map(|k| {
                    let n = Seq(first.0 + k * STEP);
                    let minutes = (k * STEP) as f64 / 60.0;
                    (minutes, 100.0 * m.last_price(id, n).to_f64() / reference)
                })
                .collect();
            series.push(Series {
                name: label.to_owned(),
                color,
                points,
            });
        };
        let aapl = SymbolId(0);
        plot(&market, aapl, "AAPL with the scenario", COLORS[1]);
        plot(&base, aapl, "AAPL, the model alone", COLORS[7]);
        if matches!(name, "flash-crash" | "circuit-breaker" | "volatile-open") {
            plot(
                &market,
                SymbolId(4),
                "TSLA with the scenario (beta 0.55)",
                COLORS[0],
            );
        }
        let halts = market.halts(aapl);
        let halt = halts.first().map_or(String::new(), |h| {
            format!(
                "; halted {}–{} min",
                (h.from_ms - start) / 60_000,
                (h.until_ms - start) / 60_000
            )
        });
        let chart = Chart {
            title: format!("{name}: last trade, % of the price at the clock's start{halt}"),
            x_label: format!("minutes after the clock's start ({START}); events from minute 15"),
            y_label: "% of the start price".to_owned(),
            log_x: false,
            series,
        };
        let path = std::path::Path::new(dir).join(format!("{name}.svg"));
        std::fs::write(&path, chart.render()).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{}: {description}", path.display());
    }
    Ok(())
}
