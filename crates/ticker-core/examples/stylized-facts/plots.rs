//! The plots of docs/model.md, from client-visible prices of the configured market.

use std::path::Path;

use ticker_core::facts::{stats, Series as Sampled};
use ticker_core::{Market, SymbolId};

use crate::svg::{Chart, Series, COLORS};

const DAY_MS: i64 = 86_400_000;

fn write(dir: &Path, name: &str, chart: &Chart) -> std::io::Result<()> {
    std::fs::write(dir.join(name), chart.render())
}

/// Writes prices.svg, week.svg, acf.svg and tails.svg into `dir`.
pub fn render(market: &Market, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let epoch = market.schedule().epoch_ms();
    let ids: Vec<SymbolId> = market.ids().take(8).collect();

    // Ten years of daily closes relative to the reference price.
    let series = ids
        .iter()
        .zip(COLORS)
        .map(|(&id, color)| {
            let s = Sampled::sample(market, id, epoch, DAY_MS, 3653, false);
            let reference = market.info(id).reference_price.to_f64();
            Series {
                name: market.symbol(id).as_str().to_owned(),
                color,
                points: s
                    .log_prices
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (i as f64 / 365.25, x.exp() / reference))
                    .collect(),
            }
        })
        .collect();
    write(
        dir,
        "prices.svg",
        &Chart {
            title: "Daily closes over ten years (price / reference)".into(),
            x_label: "years after the epoch".into(),
            y_label: "price / reference".into(),
            log_x: false,
            series,
        },
    )?;

    // A week of 5-minute prices of the first symbol, two years in.
    let first = ids.first().copied().unwrap_or(SymbolId(0));
    let start = epoch + 730 * DAY_MS;
    let week = Sampled::sample(market, first, start, 300_000, 7 * 288, false);
    write(
        dir,
        "week.svg",
        &Chart {
            title: format!(
                "{}: one week of 5-minute prices",
                market.symbol(first).as_str()
            ),
            x_label: "days".into(),
            y_label: "price".into(),
            log_x: false,
            series: vec![Series {
                name: market.symbol(first).as_str().to_owned(),
                color: COLORS[0],
                points: week
                    .log_prices
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (i as f64 / 288.0, x.exp()))
                    .collect(),
            }],
        },
    )?;

    // Autocorrelation of |r| and of r, 5-minute returns over a year, log lag axis.
    let r = Sampled::sample(
        market,
        first,
        epoch + 365 * DAY_MS,
        300_000,
        365 * 288,
        false,
    )
    .returns();
    let abs: Vec<f64> = r.iter().map(|x| x.abs()).collect();
    let lags: Vec<usize> = (0..60)
        .map(|i| (1.12f64.powi(i)).round() as usize)
        .filter(|&k| k <= 2000)
        .collect();
    let acf = |v: &[f64]| -> Vec<(f64, f64)> {
        lags.iter()
            .map(|&k| (k as f64, stats::autocorrelation(v, k)))
            .collect()
    };
    write(
        dir,
        "acf.svg",
        &Chart {
            title: "Autocorrelation of 5-minute returns".into(),
            x_label: "lag (5-minute steps, log scale)".into(),
            y_label: "autocorrelation".into(),
            log_x: true,
            series: vec![
                Series {
                    name: "|r|: volatility clusters".into(),
                    color: COLORS[1],
                    points: acf(&abs),
                },
                Series {
                    name: "r: no linear memory".into(),
                    color: COLORS[0],
                    points: acf(&r),
                },
            ],
        },
    )?;

    // Tails: log10 density of standardized 5-minute returns against the normal density.
    let sd = stats::variance(&r).sqrt();
    let (lo, width, bins) = (-10.0, 0.25, 80);
    let mut counts = vec![0usize; bins];
    for x in &r {
        let b = ((x / sd - lo) / width).floor();
        if (0.0..bins as f64).contains(&b) {
            counts[b as usize] += 1;
        }
    }
    let n = r.len() as f64;
    let density: Vec<(f64, f64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| {
            (
                lo + (i as f64 + 0.5) * width,
                (c as f64 / n / width).log10(),
            )
        })
        .collect();
    let normal: Vec<(f64, f64)> = (0..=80)
        .map(|i| lo / 2.0 + i as f64 * 0.125)
        .map(|z| {
            (
                z,
                (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt(),
            )
        })
        .filter(|(_, p)| *p > 1e-7)
        .map(|(z, p)| (z, p.log10()))
        .collect();
    write(
        dir,
        "tails.svg",
        &Chart {
            title: format!(
                "{}: distribution of 5-minute returns (kurtosis {:.0})",
                market.symbol(first).as_str(),
                stats::kurtosis(&r)
            ),
            x_label: "return / standard deviation".into(),
            y_label: "log10 density".into(),
            log_x: false,
            series: vec![
                Series {
                    name: "ticker".into(),
                    color: COLORS[1],
                    points: density,
                },
                Series {
                    name: "normal".into(),
                    color: COLORS[0],
                    points: normal,
                },
            ],
        },
    )
}
