//! The stylized facts of returns (R. Cont, "Empirical properties of asset returns: stylized
//! facts and statistical issues", Quantitative Finance 1, 2001), asserted on the default
//! market from client-visible prices, with the targets of the returns issue.
//!
//! Each test names the literature behind its target and the value the previous model (a
//! Gaussian Ornstein–Uhlenbeck walk with a 10-day half-life, before the returns issue)
//! gave on the same data, to show the test can fail.

use ticker_core::facts::{stats, Series};
use ticker_core::{Market, MarketConfig, SymbolId};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

fn default_market() -> Market {
    Market::new(MarketConfig::default()).unwrap()
}

/// A year of 5-minute prices and volumes per symbol, starting a year after the epoch.
fn five_minute(m: &Market, id: SymbolId) -> Series {
    let start = m.schedule().epoch_ms() + 365 * DAY_MS;
    Series::sample(m, id, start, 5 * MINUTE_MS, 365 * 288, true)
}

/// `years` of daily prices per symbol from the epoch.
fn daily_returns(m: &Market, id: SymbolId, years: usize) -> Vec<f64> {
    let days = (years as f64 * 365.25) as usize;
    Series::sample(m, id, m.schedule().epoch_ms(), DAY_MS, days, false).returns()
}

/// Heavy tails at short horizons: kurtosis well above 3 and a tail index near 3 (the
/// "inverse cubic law": Gopikrishnan, Meyer, Amaral & Stanley, Eur. Phys. J. B 3, 1998; Lux,
/// Applied Financial Economics 6, 1996; Cont 2001 §3.2). Target: kurtosis ≥ 6, Hill index
/// 2.5–4.5. Previous model: kurtosis 2.98–3.04, Hill 8.6–9.4.
#[test]
fn five_minute_returns_have_heavy_tails() {
    let m = default_market();
    for id in m.ids() {
        let r = five_minute(&m, id).returns();
        let kurtosis = stats::kurtosis(&r);
        let hill = stats::hill_index(&r, r.len() / 100);
        eprintln!("{id:?}: kurtosis {kurtosis:.1}, Hill {hill:.2}");
        assert!(kurtosis >= 6.0, "{id:?}: 5-min kurtosis {kurtosis}");
        assert!((2.5..=4.5).contains(&hill), "{id:?}: Hill index {hill}");
    }
}

/// Aggregational Gaussianity: tails thin out with the horizon but daily returns are still
/// leptokurtic (Cont 2001 §3.4; daily stock kurtosis is typically 5–10). Target: ≥ 4 over
/// 50 years. Previous model: 2.98–3.03.
#[test]
fn daily_returns_are_still_leptokurtic() {
    let m = default_market();
    for id in m.ids() {
        let kurtosis = stats::kurtosis(&daily_returns(&m, id, 50));
        eprintln!("{id:?}: daily kurtosis {kurtosis:.2}");
        assert!(kurtosis >= 4.0, "{id:?}: daily kurtosis {kurtosis}");
    }
}

/// Volatility clustering: the autocorrelation of |r| is positive and decays slowly, as a
/// power law over days (Ding, Granger & Engle, J. Empirical Finance 1, 1993; Cont 2001 §3.5;
/// Cont, "Volatility clustering in financial markets", 2007). Target at 5 min: mean over
/// lags 1–10 ≥ 0.1, still positive at lag 100. Previous model: −0.001–0.001 and
/// −0.002–0.003.
#[test]
fn absolute_returns_cluster_and_decay_slowly() {
    let m = default_market();
    for id in m.ids() {
        let abs: Vec<f64> = five_minute(&m, id)
            .returns()
            .iter()
            .map(|r| r.abs())
            .collect();
        let short = (1..=10)
            .map(|k| stats::autocorrelation(&abs, k))
            .sum::<f64>()
            / 10.0;
        let long = stats::autocorrelation(&abs, 100);
        eprintln!("{id:?}: ACF |r| lags 1-10 {short:.3}, lag 100 {long:.3}");
        assert!(short >= 0.1, "{id:?}: mean ACF of |r| at lags 1-10 {short}");
        // Under independence the lag-100 estimate is within ±0.006 (1 sd over 105 000
        // returns); require it clearly positive.
        assert!(long > 0.02, "{id:?}: ACF of |r| at lag 100 {long}");
    }
}

/// Volume and volatility move together (Clark, Econometrica 41, 1973; Karpoff, J.
/// Financial and Quantitative Analysis 22, 1987; Cont 2001 §3.8). Target: corr(|r|,
/// volume) of 5-minute buckets ≥ 0.3. Previous model: |corr| < 0.005.
#[test]
fn volume_moves_with_volatility() {
    let m = default_market();
    for id in m.ids() {
        let s = five_minute(&m, id);
        let abs: Vec<f64> = s.returns().iter().map(|r| r.abs()).collect();
        let corr = stats::correlation(&abs, &s.volumes);
        eprintln!("{id:?}: corr(|r|, volume) {corr:.3}");
        assert!(corr >= 0.3, "{id:?}: corr(|r|, volume) {corr}");
    }
}

/// One market mode: large caps co-move, with daily correlations of about 0.3–0.6 (Plerou,
/// Gopikrishnan, Rosenow, Amaral, Guhr & Stanley, Phys. Rev. E 65, 2002; Laloux, Cizeau,
/// Bouchaud & Potters, PRL 83, 1999). Target: the default symbols' mean pairwise daily
/// correlation over 10 years within 0.3–0.6. Previous model: 0.002.
#[test]
fn default_symbols_co_move() {
    let m = default_market();
    let returns: Vec<Vec<f64>> = m.ids().map(|id| daily_returns(&m, id, 10)).collect();
    let mut pairs = Vec::new();
    for (i, a) in returns.iter().enumerate() {
        for b in &returns[i + 1..] {
            pairs.push(stats::correlation(a, b));
        }
    }
    let mean = stats::mean(&pairs);
    eprintln!("pairwise daily correlations {pairs:.3?}, mean {mean:.3}");
    assert!(
        (0.3..=0.6).contains(&mean),
        "mean pairwise correlation {mean}"
    );
}

/// The leverage effect: falls go with higher volatility, corr(r_t, |r_{t+k}|) < 0 (Black 1976;
/// Bouchaud, Matacz & Potters, PRL 87, 2001, who find it moderate for single stocks, about
/// −0.01 to −0.02 in these units, and decaying over ~50 days; Cont 2001 §3.7). Target:
/// negative over 10 years of daily returns (mean over lags 1–10 and the 5 default symbols);
/// one 10-year sample is noisy (±0.005), so it is also required over 20 seeds, where the mean
/// must be clearly negative. Previous model: seed 42 −0.0016 (negative by chance), 20 seeds
/// +0.0002.
#[test]
fn falls_go_with_volatility() {
    let leverage = |m: &Market| {
        let per_symbol: Vec<f64> = m
            .ids()
            .map(|id| {
                let r = daily_returns(m, id, 10);
                (1..=10).map(|k| stats::leverage(&r, k)).sum::<f64>() / 10.0
            })
            .collect();
        stats::mean(&per_symbol)
    };
    let default = leverage(&default_market());
    let seeds: Vec<f64> = (1..=20)
        .map(|seed| {
            leverage(
                &Market::new(MarketConfig {
                    seed,
                    ..MarketConfig::default()
                })
                .unwrap(),
            )
        })
        .collect();
    let over_seeds = stats::mean(&seeds);
    eprintln!("leverage: seed 42 {default:.4}, 20 seeds {over_seeds:.4} ({seeds:.4?})");
    assert!(default < 0.0, "seed 42: leverage correlation {default}");
    assert!(
        over_seeds < -0.003,
        "20 seeds: leverage correlation {over_seeds}"
    );
}

/// Prices are a random walk over weeks to months: variance ratios near 1 (Lo & MacKinlay,
/// Review of Financial Studies 1, 1988; Cont 2001 §3.1). Target: VR(20 d) and VR(60 d)
/// within 0.8–1.2 over 200 years of daily returns (VR(60 d) from 50 years has a standard
/// error of ~0.07 on Gaussian data, more with heavy tails). Previous model (10-day half-life):
/// VR(20 d) 0.52–0.59, VR(60 d) 0.23–0.25.
#[test]
fn weeks_to_months_are_a_random_walk() {
    let m = default_market();
    for id in m.ids() {
        let r = daily_returns(&m, id, 200);
        let (vr20, vr60) = (stats::variance_ratio(&r, 20), stats::variance_ratio(&r, 60));
        eprintln!("{id:?}: VR(20) {vr20:.3}, VR(60) {vr60:.3}");
        assert!((0.8..=1.2).contains(&vr20), "{id:?}: VR(20 d) {vr20}");
        assert!((0.8..=1.2).contains(&vr60), "{id:?}: VR(60 d) {vr60}");
    }
}

/// Absence of linear autocorrelation beyond the shortest lags (Fama 1970; Cont 2001 §3.1).
/// Target: the autocorrelations of 1-minute returns at lags 2–20 are within noise, |z| < 4
/// with heteroskedasticity-robust standard errors (95 tests: a real effect, not chance,
/// is needed to cross 4). Lag 1 is left out: rounding to the tick grid makes it slightly
/// negative, as the bid–ask bounce does in real data. Previous model: passes (max |z| 2.6):
/// this one and the realized-volatility test guard what the old model already did right.
#[test]
fn minute_returns_have_no_linear_autocorrelation() {
    let m = default_market();
    let start = m.schedule().epoch_ms() + 365 * DAY_MS;
    for id in m.ids() {
        let r = Series::sample(&m, id, start, MINUTE_MS, 180 * 1440, false).returns();
        for k in 2..=20 {
            let z = stats::autocorrelation_z(&r, k);
            assert!(z.abs() < 4.0, "{id:?}: lag {k} z {z}");
        }
    }
}

/// The configured volatility is the realized one over long windows (the product promise).
/// Target: within 5 % over 50 years of daily returns. Previous model: 0.980–0.988 (passes).
#[test]
fn realized_volatility_matches_the_configuration() {
    let m = default_market();
    for id in m.ids() {
        let r = daily_returns(&m, id, 50);
        let realized = (r.iter().map(|x| x * x).sum::<f64>() / 50.0).sqrt();
        let ratio = realized / m.info(id).volatility;
        eprintln!("{id:?}: realized / configured {ratio:.3}");
        assert!((ratio - 1.0).abs() < 0.05, "{id:?}: ratio {ratio}");
    }
}
