//! Statistical properties of the walk, checked on fixed seeds (so deterministic, never flaky).

use ticker_core::{Market, MarketConfig, Seq, SymbolId};

const YEAR_MS: f64 = 365.25 * 86_400_000.0;

fn market(seed: u64, interval_ms: u64) -> Market {
    Market::new(MarketConfig {
        seed,
        interval_ms,
        ..MarketConfig::default()
    })
    .unwrap()
}

/// The configured volatility of one tick's log-return.
fn sigma_tick(m: &Market, id: SymbolId) -> f64 {
    m.info(id).volatility * (m.config().interval_ms as f64 / YEAR_MS).sqrt()
}

struct Moments {
    mean: f64,
    sd: f64,
    lag1: f64,
}

fn moments(returns: &[f64]) -> Moments {
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n;
    let cov = returns
        .windows(2)
        .map(|w| (w[0] - mean) * (w[1] - mean))
        .sum::<f64>()
        / (n - 1.0);
    Moments {
        mean,
        sd: var.sqrt(),
        lag1: cov / var,
    }
}

#[test]
fn log_returns_have_the_configured_volatility_zero_mean_and_no_autocorrelation() {
    for (interval_ms, start) in [(1000u64, 93_000_000u64), (1, 1 << 35), (60_000, 0)] {
        let m = market(11, interval_ms);
        for id in m.ids() {
            let xs: Vec<f64> = m
                .log_offsets(id, Seq(start))
                .take(200_001)
                .map(|(_, x)| x)
                .collect();
            let returns: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
            let got = moments(&returns);
            let want = sigma_tick(&m, id);
            let ratio = got.sd / want;
            assert!(
                (ratio - 1.0).abs() < 0.05,
                "{interval_ms} ms, {id:?}: sd ratio {ratio}"
            );
            assert!(
                got.mean.abs() < 4.0 * want / (returns.len() as f64).sqrt(),
                "{interval_ms} ms, {id:?}: mean {} vs sd {want}",
                got.mean
            );
            assert!(
                got.lag1.abs() < 0.02,
                "{interval_ms} ms, {id:?}: lag-1 {}",
                got.lag1
            );
        }
    }
}

/// The bound the README states: |ln(price / reference)| ≤ 6 stationary standard deviations,
/// where the stationary sd is σ / sqrt(2θ) (σ annualised, θ = ln 2 / half-life).
#[test]
fn prices_stay_within_the_stated_band_for_a_simulated_year_over_100_seeds() {
    let mut worst: f64 = 0.0;
    for seed in 1..=100u64 {
        let m = market(seed, 60_000);
        let theta = std::f64::consts::LN_2 / (m.config().mean_reversion_half_life_days / 365.25);
        let ticks_per_year = (YEAR_MS / 60_000.0) as usize;
        for id in m.ids() {
            let stationary_sd = m.info(id).volatility / (2.0 * theta).sqrt();
            let max = m
                .log_offsets(id, Seq(0))
                .take(ticks_per_year)
                .map(|(_, x)| x.abs())
                .fold(0.0, f64::max);
            let in_sds = max / stationary_sd;
            worst = worst.max(in_sds);
            assert!(
                in_sds < 6.0,
                "seed {seed} {id:?}: {in_sds:.2} sd from the reference"
            );
        }
    }
    // A mean-reverting walk must actually wander: a band never approached means the
    // volatility is not being applied.
    assert!(worst > 2.5, "worst excursion only {worst:.2} sd");
    eprintln!("worst excursion over 100 seeds x 5 symbols: {worst:.2} sd");
}

#[test]
fn prices_far_from_the_epoch_stay_plausible() {
    let m = market(3, 1);
    for n in [1u64 << 36, 1 << 40, (1 << 44) + 12345] {
        for id in m.ids() {
            let ratio = m.price(id, Seq(n)).to_f64() / m.info(id).reference_price.to_f64();
            assert!(
                (0.4..2.5).contains(&ratio),
                "tick {n} {id:?}: ratio {ratio}"
            );
        }
    }
}

/// Dyadic block edges (powers of two and their multiples) and session edges are where a
/// construction like this could hide a seam. Their steps must look like any other step.
#[test]
fn no_jumps_at_block_or_session_boundaries() {
    let mut boundary_steps = Vec::new();
    for seed in 0..20u64 {
        let m = market(seed, 1000);
        for id in m.ids() {
            let sd = sigma_tick(&m, id);
            let mut edges: Vec<u64> = (1..41).map(|k| 1u64 << k).collect();
            edges.extend((1..30).map(|k| (2 * seed + 1) << k));
            // Session starts (UTC midnights) for the first 30 days.
            edges.extend((1..30).map(|d| m.schedule().session(Seq(d * 86_400)).first.0));
            for &e in &edges {
                for n in [e - 1, e] {
                    let step = m.log_offset(id, Seq(n + 1)) - m.log_offset(id, Seq(n));
                    assert!(
                        step.abs() < 6.0 * sd,
                        "seed {seed} {id:?}: step at {n} is {step}"
                    );
                    boundary_steps.push(step / sd);
                }
            }
        }
    }
    let got = moments(&boundary_steps);
    assert!(
        (got.sd - 1.0).abs() < 0.1,
        "boundary steps sd {} (in tick sds)",
        got.sd
    );
}
