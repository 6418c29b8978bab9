//! Every model parameter checked against the theory of the construction (docs/model.md), across
//! seeds, tightly enough that the parameter being off by a factor of 2 fails the test.
//! (`volatility` is held to 5 % by `statistics::realized_volatility_*` and `facts::realized_*`.)
//!
//! Most tests look at sibling blocks of the tree: aligned dyadic tick ranges
//! `[2i·2^j, (2i+1)·2^j)` and `[(2i+1)·2^j, (2i+2)·2^j)`, whose variances the split of their
//! parent divides. A half's realized variance (the sum of its squared tick returns) measures
//! its share of that variance to within a few per cent.

use ticker_core::facts::stats;
use ticker_core::{Market, MarketConfig, Seq, SymbolConfig};

const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// A market of `n` symbols with the given betas (cycled), every symbol at 25 % volatility.
fn market(
    seed: u64,
    interval_ms: u64,
    betas: &[f64],
    tweak: impl FnOnce(&mut MarketConfig),
) -> Market {
    let mut config = MarketConfig {
        seed,
        interval_ms,
        symbols: betas
            .iter()
            .enumerate()
            .map(|(i, &beta)| SymbolConfig {
                volatility: 0.25,
                tick_size: 0.0001,
                avg_volume: 1_000_000,
                beta,
                ..SymbolConfig::new(&format!("S{i}"), 100.0)
            })
            .collect(),
        ..MarketConfig::default()
    };
    tweak(&mut config);
    Market::new(config).unwrap()
}

/// A quiet market: no jumps and no leverage, so splits show only what is being tested.
fn quiet(c: &mut MarketConfig) {
    c.jump_rate_per_year = 0.0;
    c.leverage = 0.0;
}

/// The unit walk (log offset / σ) of every symbol over ticks `[start, start + len]`.
fn unit_paths(m: &Market, start: u64, len: usize) -> Vec<Vec<f64>> {
    m.ids()
        .map(|id| {
            let sigma = m.info(id).volatility;
            m.log_offsets(id, Seq(start))
                .take(len + 1)
                .map(|(_, x)| x / sigma)
                .collect()
        })
        .collect()
}

/// Tick returns of a path.
fn returns(path: &[f64]) -> Vec<f64> {
    path.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Sibling pairs of `2^level`-tick halves within returns that start at an aligned tick:
/// `(left, right)` slices.
fn siblings(r: &[f64], level: u32) -> impl Iterator<Item = (&[f64], &[f64])> {
    let half = 1usize << level;
    r.chunks_exact(2 * half)
        .map(move |pair| pair.split_at(half))
}

fn sum_sq(r: &[f64]) -> f64 {
    r.iter().map(|x| x * x).sum()
}

/// The half-life θ = ln 2 / half-life acts at the spine, X(2^(k+1)) = ρ·X(2^k) + …, so at the
/// spine points: Var X(t) = (1 − e^(−2θt))/(2θ) (unit walk, from X(0) = 0) and the regression
/// of X(2^(k+1)) on X(2^k) has slope ρ_k = e^(−θ·2^k). 200 seeds × 5 independent symbols.
/// Half the half-life: slope 0.13 instead of 0.35; twice: 0.60, variance ×0.5 or ×2.
#[test]
fn mean_reversion_has_the_configured_half_life() {
    let interval = 3_600_000u64; // 2^16 h ≈ 7.5 years
    let (mut xs, mut ys, mut zs) = (Vec::new(), Vec::new(), Vec::new());
    let mut theta = 0.0;
    for seed in 1..=200 {
        let m = market(seed, interval, &[0.0; 5], |_| {});
        theta = std::f64::consts::LN_2 / (m.config().mean_reversion_half_life_days / 365.25);
        for id in m.ids() {
            let unit = |k: u32| m.log_offset(id, Seq(1 << k)) / m.info(id).volatility;
            xs.push(unit(16));
            ys.push(unit(17));
            zs.push(unit(18));
        }
    }
    let t = |k: u32| (1u64 << k) as f64 * interval as f64 / YEAR_MS;
    let var_theory = |k: u32| -(-2.0 * theta * t(k)).exp_m1() / (2.0 * theta);
    let mean_sq = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    for (k, v) in [(16, &xs), (17, &ys), (18, &zs)] {
        let ratio = mean_sq(v) / var_theory(k);
        eprintln!("Var X(2^{k}) / theory {ratio:.3}");
        assert!((ratio - 1.0).abs() < 0.15, "Var X(2^{k}) / theory {ratio}");
    }
    for (k, a, b) in [(16, &xs, &ys), (17, &ys, &zs)] {
        let slope =
            a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / a.iter().map(|x| x * x).sum::<f64>();
        let rho = (-theta * t(k)).exp();
        eprintln!("slope at 2^{k}: {slope:.3}, theory {rho:.3}");
        assert!(
            (slope - rho).abs() < 0.08,
            "slope at 2^{k}: {slope} vs {rho}"
        );
    }
}

/// Returns load on the market factor with the configured betas: corr = β_i·β_j.
#[test]
fn correlations_are_the_products_of_the_betas() {
    let betas = [0.9, 0.6, 0.3, -0.5];
    let mut sums = [[0.0f64; 4]; 4];
    for seed in [1, 2] {
        let m = market(seed, 60_000, &betas, |_| {});
        let days = 50 * 365;
        let daily: Vec<Vec<f64>> = m
            .ids()
            .map(|id| {
                let s = ticker_core::facts::Series::sample(
                    &m,
                    id,
                    m.schedule().epoch_ms(),
                    86_400_000,
                    days,
                    false,
                );
                s.returns()
            })
            .collect();
        for i in 0..4 {
            for j in i + 1..4 {
                sums[i][j] += stats::correlation(&daily[i], &daily[j]) / 2.0;
            }
        }
    }
    for i in 0..4 {
        for j in i + 1..4 {
            let want = betas[i] * betas[j];
            eprintln!("corr({i}, {j}) {:.3}, β·β {want:.3}", sums[i][j]);
            assert!(
                (sums[i][j] - want).abs() < 0.06,
                "corr({i}, {j}) {} vs {want}",
                sums[i][j]
            );
        }
    }
}

/// λ² sets the cascade: ln(w/(1−w)) ~ N(0, 16·λ²·ln 2) at every split up to the integral
/// scale, so the log-ratio of sibling halves' realized variances has that variance (plus a
/// little estimation noise, < 2 % here). 2 seeds × 5 symbols × 160 pairs of 4096-tick halves.
#[test]
fn the_cascade_has_the_configured_intermittency() {
    let mut logs = Vec::new();
    let mut lambda2 = 0.0;
    for seed in [3, 4] {
        let m = market(seed, 1000, &[0.0; 5], quiet);
        lambda2 = m.config().volatility_intermittency;
        for path in unit_paths(&m, 1 << 26, 160 * 8192) {
            for (l, r) in siblings(&returns(&path), 12) {
                logs.push((sum_sq(l) / sum_sq(r)).ln());
            }
        }
    }
    let var = stats::variance(&logs);
    let want = 16.0 * lambda2 * std::f64::consts::LN_2;
    eprintln!(
        "Var ln(RV_L/RV_R) {var:.4}, theory {want:.4} ({} pairs)",
        logs.len()
    );
    assert!((var / want - 1.0).abs() < 0.15, "Var {var} vs {want}");
}

/// Volatility clusters up to the integral scale T and no further: at 1 h ticks and T = 365
/// days, nodes of 2^13 h (341 days) split randomly and nodes of 2^14 h evenly. So sibling
/// halves of 2^12 h differ by the cascade (variance 16λ² ln 2) and halves of 2^13 h only by
/// estimation noise. T off by 2 moves the boundary one level and fails one of the two.
#[test]
fn volatility_clusters_up_to_the_integral_scale_only() {
    let (mut below, mut above) = (Vec::new(), Vec::new());
    let mut lambda2 = 0.0;
    for seed in [5, 6] {
        let m = market(seed, 3_600_000, &[0.0; 5], quiet);
        lambda2 = m.config().volatility_intermittency;
        for path in unit_paths(&m, 1 << 14, 60 * (1 << 14)) {
            let r = returns(&path);
            for (l, rr) in siblings(&r, 12) {
                below.push((sum_sq(l) / sum_sq(rr)).ln());
            }
            for (l, rr) in siblings(&r, 13) {
                above.push((sum_sq(l) / sum_sq(rr)).ln());
            }
        }
    }
    let want = 16.0 * lambda2 * std::f64::consts::LN_2;
    let (vb, va) = (stats::variance(&below), stats::variance(&above));
    eprintln!("Var ln ratio: halves of 2^12 h {vb:.4}, 2^13 h {va:.4}; cascade {want:.4}");
    assert!((vb / want - 1.0).abs() < 0.25, "below T: {vb} vs {want}");
    assert!(va < 0.1 * want, "above T: {va}");
}

/// A symbol's cascade follows the market factor's with probability p at each split: the
/// sibling log-ratios of two β = 0 symbols correlate with p², and those of a β = 0 symbol with
/// a β = 1 symbol (the market factor itself) with p. p off by 2: 1 or 0.06 instead of 0.25.
#[test]
fn volatility_co_moves_through_the_shared_cascade() {
    let betas = [0.0, 0.0, 0.0, 0.0, 1.0];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); 5];
    let mut p = 0.0;
    for seed in [7, 8, 9, 10] {
        let m = market(seed, 60_000, &betas, quiet);
        p = m.config().volatility_market_share;
        for (i, path) in unit_paths(&m, 1 << 22, 500 * 2048).into_iter().enumerate() {
            ratios[i]
                .extend(siblings(&returns(&path), 10).map(|(l, r)| (sum_sq(l) / sum_sq(r)).ln()));
        }
    }
    let (mut own, mut with_market) = (Vec::new(), Vec::new());
    for i in 0..4 {
        for j in i + 1..4 {
            own.push(stats::correlation(&ratios[i], &ratios[j]));
        }
        with_market.push(stats::correlation(&ratios[i], &ratios[4]));
    }
    let (own, with_market) = (stats::mean(&own), stats::mean(&with_market));
    eprintln!(
        "corr of sibling log-ratios: own walks {own:.3} (p² = {:.3}), with the market \
         {with_market:.3} (p = {p:.3}), {} pairs per symbol",
        p * p,
        ratios[0].len()
    );
    assert!(
        (own - p * p).abs() < 0.06,
        "own walks: corr {own} vs {}",
        p * p
    );
    assert!(
        (with_market - p).abs() < 0.06,
        "with the market: corr {with_market} vs {p}"
    );
}

/// Leverage c: the half the cascade made more volatile drifts down, E[r_L − f·D] =
/// −c·(2f − 1)·√(f(1−f)V). With f and V estimated from the halves' realized variances, the
/// slope of the standardized drift on 2f − 1 is −c.
#[test]
fn volatile_halves_drift_down_with_the_configured_leverage() {
    let (mut gs, mut us) = (Vec::new(), Vec::new());
    let mut c = 0.0;
    for seed in [9, 10] {
        let m = market(seed, 1000, &[0.0; 5], |c| c.jump_rate_per_year = 0.0);
        c = m.config().leverage;
        for path in unit_paths(&m, 1 << 27, 500 * 2048) {
            for (l, r) in siblings(&returns(&path), 10) {
                let (vl, vr) = (sum_sq(l), sum_sq(r));
                let f = vl / (vl + vr);
                let (rl, rr): (f64, f64) = (l.iter().sum(), r.iter().sum());
                let sd = (f * (1.0 - f) * (vl + vr)).sqrt();
                gs.push(2.0 * f - 1.0);
                us.push((rl - f * (rl + rr)) / sd);
            }
        }
    }
    let slope =
        gs.iter().zip(&us).map(|(g, u)| g * u).sum::<f64>() / gs.iter().map(|g| g * g).sum::<f64>();
    eprintln!(
        "drift slope {slope:.3}, theory {:.3} ({} pairs)",
        -c,
        gs.len()
    );
    assert!((slope + c).abs() < 0.12, "slope {slope} vs {}", -c);
}

/// Jumps: a Poisson number per year of business time, sizes N(μ, s²) in units of the annual
/// volatility. With a constant volatility (λ² = 0, no boost) jumps stand out of 5-minute returns;
/// the count, mean and spread of the returns beyond a threshold match the theory for
/// N(μ, s² + σ²_5min) beyond it. 100 symbol-years of the symbols' own walks (β = 0), 50 of the
/// market factor (β = 1).
#[test]
fn jumps_arrive_at_the_configured_rate_and_size() {
    for (betas, seeds, years) in [(&[0.0; 5][..], 1..=1u64, 20.0), (&[1.0][..], 1..=5, 10.0)] {
        let (mut found, mut symbol_years) = (Vec::new(), 0.0);
        let mut params = (0.0, 0.0, 0.0, 0.0);
        for seed in seeds {
            let m = market(seed, 300_000, betas, |c| {
                quiet(c);
                c.jump_rate_per_year = 10.0;
                c.volatility_intermittency = 0.0;
                // The boost would raise the diffusion around each jump and let more of the
                // small ones cross the threshold; it has its own test.
                c.jump_volatility_boost = 0.0;
            });
            let cfg = m.config();
            let diffusion =
                1.0 - cfg.jump_rate_per_year * (cfg.jump_mean.powi(2) + cfg.jump_sd.powi(2));
            params = (
                cfg.jump_rate_per_year,
                cfg.jump_mean,
                cfg.jump_sd,
                diffusion,
            );
            let ticks = (years * YEAR_MS / 300_000.0) as usize;
            for path in unit_paths(&m, 1 << 16, ticks) {
                found.extend(returns(&path).into_iter().filter(|r| r.abs() > 0.025));
                symbol_years += years;
            }
        }
        let (rate, mu, s, diffusion) = params;
        // The returns beyond ±0.025 of N(μ, s² + 5-minute diffusion variance).
        let sd = (s * s + diffusion * 300_000.0 / YEAR_MS).sqrt();
        let (mut p, mut m1, mut m2) = (0.0, 0.0, 0.0);
        let n = 200_000;
        for i in 0..n {
            let x = mu + sd * (-8.0 + 16.0 * (i as f64 + 0.5) / n as f64);
            let w = (-0.5 * ((x - mu) / sd).powi(2)).exp()
                / (sd * (2.0 * std::f64::consts::PI).sqrt())
                * 16.0
                * sd
                / n as f64;
            if x.abs() > 0.025 {
                p += w;
                m1 += w * x;
                m2 += w * x * x;
            }
        }
        let (mean, spread) = (m1 / p, (m2 / p - (m1 / p).powi(2)).sqrt());
        let expected = rate * symbol_years * p;
        let got_mean = found.iter().sum::<f64>() / found.len() as f64;
        let got_spread =
            (found.iter().map(|x| (x - got_mean).powi(2)).sum::<f64>() / found.len() as f64).sqrt();
        eprintln!(
            "β {}: {} jumps (theory {expected:.0}), mean {got_mean:.4} ({mean:.4}), sd {got_spread:.4} ({spread:.4})",
            betas[0],
            found.len()
        );
        let count = found.len() as f64;
        assert!(
            (count - expected).abs() < 4.0 * expected.sqrt(),
            "count {count} vs {expected}"
        );
        assert!(
            (got_mean - mean).abs() < 4.0 * spread / count.sqrt(),
            "mean {got_mean} vs {mean}"
        );
        assert!(
            (got_spread / spread - 1.0).abs() < 0.12,
            "sd {got_spread} vs {spread}"
        );
    }
}

/// After a jump, more volatility: a jump adds a·e^(−u/τ) to the variance density after it. At
/// a split, each jump in a half adds `inside` (its own half's share) and `spill` (the next
/// half's) to the halves' odds: for halves h = x·τ long, inside = a(x − 1 + e^(−x))/x² and
/// spill = a((1 − e^(−x))/x)². With a flat cascade (λ² = 0) the log-ratio of sibling
/// variances is exactly ln((1 + inside)/(1 + spill)) with one jump in the left half and
/// −ln(1 + inside) with one in the right. Checked where h ≪ τ (it measures a) and h ≈ 1.4 τ
/// (it measures τ).
#[test]
fn volatility_rises_after_jumps_as_configured() {
    let interval = 300_000u64;
    let mut cases: Vec<(u32, Vec<f64>, Vec<f64>)> = vec![(5, vec![], vec![]), (12, vec![], vec![])];
    let (mut a, mut tau) = (0.0, 0.0);
    for seed in 1..=2 {
        let m = market(seed, interval, &[0.0; 5], |c| {
            quiet(c);
            c.volatility_intermittency = 0.0;
            c.jump_rate_per_year = 8.0;
            c.jump_mean = -0.1;
            c.jump_sd = 0.02;
        });
        a = m.config().jump_volatility_boost;
        tau = m.config().jump_boost_decay_days * 86_400_000.0;
        let ticks = 1usize << 21; // 20 years of 5-minute ticks
        for path in unit_paths(&m, 1 << 21, ticks) {
            let r = returns(&path);
            for (level, left_jump, right_jump) in cases.iter_mut() {
                for (l, rr) in siblings(&r, *level) {
                    let jumps = |h: &[f64]| h.iter().filter(|x| x.abs() > 0.04).count();
                    // Realized variance without the jump's own tick (replaced by the mean).
                    let rv = |h: &[f64]| {
                        let calm: Vec<f64> =
                            h.iter().copied().filter(|x| x.abs() <= 0.04).collect();
                        sum_sq(&calm) * h.len() as f64 / calm.len() as f64
                    };
                    match (jumps(l), jumps(rr)) {
                        (1, 0) => left_jump.push((rv(l) / rv(rr)).ln()),
                        (0, 1) => right_jump.push((rv(l) / rv(rr)).ln()),
                        _ => {}
                    }
                }
            }
        }
    }
    for (level, left_jump, right_jump) in &cases {
        let x = (1u64 << level) as f64 * interval as f64 / tau;
        let inside = a * (x - 1.0 + (-x).exp()) / (x * x);
        let spill = a * ((1.0 - (-x).exp()) / x).powi(2);
        let (want_l, want_r) = (((1.0 + inside) / (1.0 + spill)).ln(), -(1.0 + inside).ln());
        let (got_l, got_r) = (stats::mean(left_jump), stats::mean(right_jump));
        eprintln!(
            "halves of 2^{level} ticks (h/τ {x:.3}): jump left {got_l:.3} ({want_l:.3}, {} pairs), \
             jump right {got_r:.3} ({want_r:.3}, {} pairs)",
            left_jump.len(),
            right_jump.len()
        );
        assert!(
            (got_l - want_l).abs() < 0.06,
            "level {level}: left {got_l} vs {want_l}"
        );
        assert!(
            (got_r - want_r).abs() < 0.06,
            "level {level}: right {got_r} vs {want_r}"
        );
    }
}
