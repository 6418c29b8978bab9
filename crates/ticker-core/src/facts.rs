//! The stylized facts of asset returns (R. Cont, "Empirical properties of asset returns:
//! stylized facts and statistical issues", Quantitative Finance 1, 2001), measured on a
//! [`Market`] from what clients see: prices on the tick grid and volumes, sampled every
//! 1 minute, 5 minutes and day.
//!
//! The `stylized-facts` example prints [`Report::markdown`]; the model's statistical tests
//! assert on the same numbers. Samples are taken by random access, so a decade of 5-minute
//! returns costs a million price look-ups, not the billions of ticks in between, and the
//! result is the same for any tick interval up to the sampling step.

pub mod stats;

use std::fmt::Write as _;

use crate::market::Market;
use crate::symbol::SymbolId;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const YEAR_DAYS: f64 = 365.25;

/// Log-prices and volumes of one symbol on a regular grid of wall-clock times.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// `ln(price)` at each grid time, from the client-visible (rounded) price.
    pub log_prices: Vec<f64>,
    /// Shares traded between consecutive grid times (one fewer than `log_prices`), if
    /// sampled.
    pub volumes: Vec<f64>,
}

impl Series {
    /// Samples `count + 1` grid times `start_ms + i × step_ms` (the tick at or after each),
    /// with the volumes between them if `with_volume`.
    pub fn sample(
        market: &Market,
        id: SymbolId,
        start_ms: i64,
        step_ms: i64,
        count: usize,
        with_volume: bool,
    ) -> Self {
        let s = market.schedule();
        let mut log_prices = Vec::with_capacity(count + 1);
        let mut volumes = Vec::with_capacity(count);
        let mut prev = None;
        for i in 0..=count as i64 {
            let seq = s.tick_at_or_after(start_ms.saturating_add(i * step_ms));
            log_prices.push(market.price(id, seq).to_f64().ln());
            if let Some(before) = prev.filter(|_| with_volume) {
                volumes.push(market.volume_between(id, before, seq) as f64);
            }
            prev = Some(seq);
        }
        Self {
            log_prices,
            volumes,
        }
    }

    /// Log-returns between consecutive grid times.
    pub fn returns(&self) -> Vec<f64> {
        let later = self.log_prices.iter().skip(1);
        later.zip(&self.log_prices).map(|(b, a)| b - a).collect()
    }
}

/// How much data [`measure`] samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Where the intraday samples start (Unix ms).
    pub intraday_start_ms: i64,
    /// Days of 5-minute returns.
    pub five_minute_days: u32,
    /// Days of 1-minute returns.
    pub one_minute_days: u32,
    /// Years of daily returns (from the epoch) for tails, variance ratios and volatility.
    pub daily_years: u32,
    /// Years of daily returns (from the epoch) for cross-correlation and leverage.
    pub leverage_years: u32,
}

impl Options {
    /// The example's defaults: two years of 5-minute returns, one of 1-minute returns and
    /// 50 years of daily returns per symbol, starting a year after the epoch.
    pub fn standard(market: &Market) -> Self {
        Self {
            intraday_start_ms: market.schedule().epoch_ms() + 365 * DAY_MS,
            five_minute_days: 730,
            one_minute_days: 365,
            daily_years: 50,
            leverage_years: 10,
        }
    }
}

/// The facts of one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolFacts {
    /// The symbol's name.
    pub symbol: String,
    /// Kurtosis of 5-minute returns (normal = 3).
    pub kurtosis_5m: f64,
    /// Kurtosis of daily returns.
    pub kurtosis_daily: f64,
    /// Hill tail index of 5-minute returns, from the largest 1 % of |r|.
    pub hill_5m: f64,
    /// Mean autocorrelation of |r| (5-minute) over lags 1–10.
    pub abs_acf_5m_1_10: f64,
    /// Autocorrelation of |r| (5-minute) at lag 100 (8 h 20 min).
    pub abs_acf_5m_100: f64,
    /// corr(|r|, volume) of 5-minute buckets.
    pub abs_volume_corr_5m: f64,
    /// Mean over lags 1–10 of corr(r_t, |r_{t+k}|), daily, over `leverage_years`.
    pub leverage_daily: f64,
    /// Skewness of daily returns.
    pub skew_daily: f64,
    /// Skewness of 5-minute returns.
    pub skew_5m: f64,
    /// Variance ratio of daily returns at 20 days.
    pub vr_20d: f64,
    /// Variance ratio of daily returns at 60 days.
    pub vr_60d: f64,
    /// Realized annual volatility over `daily_years` divided by the configured one.
    pub vol_ratio: f64,
    /// Largest |autocorrelation| of 1-minute returns over lags 2–20.
    pub acf_1m_max: f64,
    /// Largest |z| of those autocorrelations (robust standard errors).
    pub acf_1m_max_z: f64,
    /// Lowest and highest daily close of the first year.
    pub first_year_range: (f64, f64),
}

/// Everything [`measure`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The market's seed.
    pub seed: u64,
    /// Per symbol, in market order.
    pub symbols: Vec<SymbolFacts>,
    /// Mean correlation of daily returns over all pairs of symbols (NaN with one symbol).
    pub mean_pairwise_daily_corr: f64,
    /// The data sampled.
    pub options: Options,
}

struct Measured {
    facts: SymbolFacts,
    leverage_returns: Vec<f64>,
}

fn measure_symbol(market: &Market, id: SymbolId, o: &Options) -> Measured {
    let epoch = market.schedule().epoch_ms();
    // A grid finer than the ticks would repeat ticks: leave those facts out (NaN, "n/a").
    let interval = market.schedule().interval_ms() as i64;
    let days_if = |days: u32, step: i64| if interval <= step { days as usize } else { 0 };
    let five = Series::sample(
        market,
        id,
        o.intraday_start_ms,
        5 * MINUTE_MS,
        days_if(o.five_minute_days, 5 * MINUTE_MS) * 288,
        true,
    );
    let r5 = five.returns();
    let abs5: Vec<f64> = r5.iter().map(|r| r.abs()).collect();
    let one = Series::sample(
        market,
        id,
        o.intraday_start_ms,
        MINUTE_MS,
        days_if(o.one_minute_days, MINUTE_MS) * 1440,
        false,
    );
    let r1 = one.returns();
    let days = (f64::from(o.daily_years) * YEAR_DAYS) as usize;
    let daily = Series::sample(market, id, epoch, DAY_MS, days, false);
    let rd = daily.returns();
    let lev_days = ((f64::from(o.leverage_years) * YEAR_DAYS) as usize).min(rd.len());
    let leverage_returns: Vec<f64> = rd.iter().take(lev_days).copied().collect();

    let lag_mean = |f: &dyn Fn(usize) -> f64, lags: std::ops::RangeInclusive<usize>| {
        let n = lags.clone().count() as f64;
        lags.map(f).sum::<f64>() / n
    };
    let acf1: Vec<(f64, f64)> = (2..=20)
        .map(|k| {
            (
                stats::autocorrelation(&r1, k),
                stats::autocorrelation_z(&r1, k),
            )
        })
        .collect();
    let year = (YEAR_DAYS as usize + 1).min(daily.log_prices.len());
    let first_year = daily.log_prices.iter().take(year).map(|x| x.exp());
    let range = first_year.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
        (lo.min(p), hi.max(p))
    });
    let realized = (rd.iter().map(|r| r * r).sum::<f64>() / f64::from(o.daily_years)).sqrt();
    let facts = SymbolFacts {
        symbol: market.symbol(id).as_str().to_owned(),
        kurtosis_5m: stats::kurtosis(&r5),
        kurtosis_daily: stats::kurtosis(&rd),
        hill_5m: stats::hill_index(&r5, r5.len() / 100),
        abs_acf_5m_1_10: lag_mean(&|k| stats::autocorrelation(&abs5, k), 1..=10),
        abs_acf_5m_100: stats::autocorrelation(&abs5, 100),
        abs_volume_corr_5m: stats::correlation(&abs5, &five.volumes),
        leverage_daily: lag_mean(&|k| stats::leverage(&leverage_returns, k), 1..=10),
        skew_daily: stats::skewness(&rd),
        skew_5m: stats::skewness(&r5),
        vr_20d: stats::variance_ratio(&rd, 20),
        vr_60d: stats::variance_ratio(&rd, 60),
        vol_ratio: realized / market.info(id).volatility,
        acf_1m_max: max_abs(acf1.iter().map(|a| a.0)),
        acf_1m_max_z: max_abs(acf1.iter().map(|a| a.1)),
        first_year_range: range,
    };
    Measured {
        facts,
        leverage_returns,
    }
}

/// The largest |value|; NaN if there is none or one is NaN (a series too short to measure).
fn max_abs(values: impl Iterator<Item = f64>) -> f64 {
    let mut max = f64::NAN;
    for v in values {
        if v.is_nan() {
            return f64::NAN;
        }
        max = if max.is_nan() {
            v.abs()
        } else {
            max.max(v.abs())
        };
    }
    max
}

/// Measures every symbol of the market (in parallel, one thread per core).
pub fn measure(market: &Market, options: &Options) -> Report {
    let ids: Vec<SymbolId> = market.ids().collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunk = ids.len().div_ceil(cores.max(1)).max(1);
    let measured: Vec<Measured> = std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&id| measure_symbol(market, id, options))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut pairs = Vec::new();
    for (i, a) in measured.iter().enumerate() {
        for b in measured.iter().skip(i + 1) {
            pairs.push(stats::correlation(&a.leverage_returns, &b.leverage_returns));
        }
    }
    let mean_pairwise_daily_corr = if pairs.is_empty() {
        f64::NAN
    } else {
        stats::mean(&pairs)
    };
    Report {
        seed: market.config().seed,
        symbols: measured.into_iter().map(|m| m.facts).collect(),
        mean_pairwise_daily_corr,
        options: *options,
    }
}

impl Report {
    /// The lowest and highest value of a per-symbol fact (infinite when no symbol has one).
    pub fn range(&self, fact: impl Fn(&SymbolFacts) -> f64) -> (f64, f64) {
        self.symbols
            .iter()
            .map(fact)
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    }

    /// The table of the returns issue: fact, real markets, the target the tests hold the
    /// default market to, and this market's value (a range over symbols).
    pub fn markdown(&self) -> String {
        let r = |f: &dyn Fn(&SymbolFacts) -> f64, digits: usize| {
            let (lo, hi) = self.range(f);
            if lo.is_finite() && hi.is_finite() {
                format!("{lo:.digits$}–{hi:.digits$}")
            } else {
                "n/a".to_owned()
            }
        };
        let o = &self.options;
        let first = self.symbols.first();
        let year_range = first.map_or(String::new(), |s| {
            format!(
                "; {}'s first-year range {:.2}–{:.2}",
                s.symbol, s.first_year_range.0, s.first_year_range.1
            )
        });
        let rows = [
            (
                "5-min kurtosis (normal = 3); Hill tail index (top 1 %)",
                "well above 3 (tens for liquid futures/FX); tail index ≈ 3",
                "≥ 6; 2.5–4.5",
                format!(
                    "{}; Hill {}",
                    r(&|s| s.kurtosis_5m, 2),
                    r(&|s| s.hill_5m, 1)
                ),
            ),
            (
                "daily kurtosis",
                "above 3, falling with the horizon (aggregational Gaussianity)",
                "≥ 4",
                r(&|s| s.kurtosis_daily, 2),
            ),
            (
                "volatility clustering: ACF of \\|r\\|, 5 min",
                "positive, slowly decaying (~k^−β, β 0.2–0.4)",
                "lags 1–10 ≥ 0.1; lag 100 > 0",
                format!(
                    "lags 1–10 {}; lag 100 {}",
                    r(&|s| s.abs_acf_5m_1_10, 3),
                    r(&|s| s.abs_acf_5m_100, 3)
                ),
            ),
            (
                "volume–volatility: corr(\\|r\\|, volume), 5 min",
                "strongly positive",
                "≥ 0.3",
                r(&|s| s.abs_volume_corr_5m, 2),
            ),
            (
                "cross-correlation, daily, mean over pairs",
                "~0.3–0.6 for large caps, one market mode",
                "0.3–0.6",
                format!("{:.3}", self.mean_pairwise_daily_corr),
            ),
            (
                "leverage: corr(r_t, \\|r_{t+k}\\|), daily, mean k = 1–10",
                "negative",
                "< 0",
                r(&|s| s.leverage_daily, 3),
            ),
            (
                "gain/loss asymmetry: skewness",
                "negative (indices)",
                "",
                format!(
                    "daily {}; 5 min {}",
                    r(&|s| s.skew_daily, 2),
                    r(&|s| s.skew_5m, 2)
                ),
            ),
            (
                "random walk over weeks–months: variance ratio",
                "≈ 1",
                "0.8–1.2",
                format!(
                    "VR(20 d) {}, VR(60 d) {}{year_range}",
                    r(&|s| s.vr_20d, 2),
                    r(&|s| s.vr_60d, 2)
                ),
            ),
            (
                "realized / configured volatility",
                "—",
                "within 5 %",
                r(&|s| s.vol_ratio, 3),
            ),
            (
                "linear autocorrelation of 1-min returns, lags 2–20",
                "≈ 0",
                "within noise",
                format!(
                    "max \\|acf\\| {}, max \\|z\\| {}",
                    r(&|s| s.acf_1m_max, 4),
                    r(&|s| s.acf_1m_max_z, 1)
                ),
            ),
        ];
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| fact | real markets | target | ticker (seed {}) |",
            self.seed
        );
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for (fact, real, target, got) in rows {
            let _ = writeln!(out, "| {fact} | {real} | {target} | {got} |");
        }
        let _ = writeln!(
            out,
            "\n{} symbols; 5-min: {} days, 1-min: {} days from {}; daily: {} years from the \
             epoch (leverage and cross-correlation: the first {}).",
            self.symbols.len(),
            o.five_minute_days,
            o.one_minute_days,
            crate::time::format_rfc3339(o.intraday_start_ms),
            o.daily_years,
            o.leverage_years,
        );
        out
    }
}
