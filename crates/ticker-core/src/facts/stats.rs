//! Plain sample statistics over return series: moments, autocorrelations, the Hill tail
//! index and variance ratios. Pure functions of slices, so tests and the `stylized-facts`
//! example compute exactly the same numbers.

/// Sample mean (0 for an empty slice).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Population variance around the sample mean.
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    mean_of(x.iter().map(|v| (v - m) * (v - m)), x.len())
}

fn mean_of(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    values.sum::<f64>() / n as f64
}

/// Standardised central moment of order `k` (3: skewness, 4: kurtosis, normal = 3).
fn standard_moment(x: &[f64], k: i32) -> f64 {
    let m = mean(x);
    let var = variance(x);
    if var <= 0.0 {
        return f64::NAN;
    }
    mean_of(x.iter().map(|v| (v - m).powi(k)), x.len()) / var.powf(f64::from(k) / 2.0)
}

/// Skewness: negative when large losses are more frequent than large gains.
pub fn skewness(x: &[f64]) -> f64 {
    standard_moment(x, 3)
}

/// Kurtosis (not excess): 3 for a normal distribution, larger for heavy tails.
pub fn kurtosis(x: &[f64]) -> f64 {
    standard_moment(x, 4)
}

/// Pearson correlation of two equally long series (NaN if either is constant).
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let mx = mean_of(x.iter().take(n).copied(), n);
    let my = mean_of(y.iter().take(n).copied(), n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    sxy / (sxx * syy).sqrt()
}

/// Sample autocorrelation at `lag` (the usual estimator: one mean, one variance).
pub fn autocorrelation(x: &[f64], lag: usize) -> f64 {
    if lag >= x.len() {
        return f64::NAN;
    }
    let m = mean(x);
    let denom: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    let num: f64 = x
        .iter()
        .zip(x.iter().skip(lag))
        .map(|(a, b)| (a - m) * (b - m))
        .sum();
    num / denom
}

/// The autocorrelation at `lag` divided by its standard error under "no linear
/// autocorrelation" that stays valid under volatility clustering (White's
/// heteroskedasticity-robust form): `Σ r_t r_{t+k} / sqrt(Σ r_t² r_{t+k}²)`.
pub fn autocorrelation_z(x: &[f64], lag: usize) -> f64 {
    if lag >= x.len() {
        return f64::NAN;
    }
    let m = mean(x);
    let (mut num, mut den) = (0.0, 0.0);
    for (a, b) in x.iter().zip(x.iter().skip(lag)) {
        let (da, db) = (a - m, b - m);
        num += da * db;
        den += da * da * db * db;
    }
    num / den.sqrt()
}

/// `corr(r_t, |r_{t+lag}|)`: negative when falls precede volatility (the leverage effect).
pub fn leverage(r: &[f64], lag: usize) -> f64 {
    if lag >= r.len() {
        return f64::NAN;
    }
    let later: Vec<f64> = r.iter().skip(lag).map(|v| v.abs()).collect();
    correlation(r, &later)
}

/// Hill's estimator of the tail index from the `k` largest absolute values:
/// `k / Σ ln(|x|_(i) / |x|_(k+1))`. About 3 for stock returns ("inverse cubic law"), large
/// (6 and more at the usual `k`) for Gaussian data, whose tails are thinner than any power.
pub fn hill_index(x: &[f64], k: usize) -> f64 {
    let mut abs: Vec<f64> = x.iter().map(|v| v.abs()).filter(|v| *v > 0.0).collect();
    abs.sort_unstable_by(|a, b| b.total_cmp(a));
    let Some(&threshold) = abs.get(k).filter(|_| k > 0) else {
        return f64::NAN;
    };
    let sum: f64 = abs.iter().take(k).map(|v| (v / threshold).ln()).sum();
    k as f64 / sum
}

/// Lo–MacKinlay variance ratio: the variance of overlapping `q`-period sums over `q` times
/// the one-period variance. 1 for a random walk, below 1 under mean reversion.
pub fn variance_ratio(r: &[f64], q: usize) -> f64 {
    if q == 0 || r.len() <= q {
        return f64::NAN;
    }
    let m = mean(r);
    let one = variance(r);
    let mut sum: f64 = r.iter().take(q).map(|v| v - m).sum();
    let mut acc = sum * sum;
    for (new, old) in r.iter().skip(q).zip(r) {
        sum += (new - m) - (old - m);
        acc += sum * sum;
    }
    let windows = (r.len() - q + 1) as f64;
    acc / windows / (q as f64 * one)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic normal sample (Box–Muller over an LCG) for checking the estimators.
    fn gaussian(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| {
                let (u, v) = (next(), next());
                (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
            })
            .collect()
    }

    #[test]
    fn gaussian_data_has_normal_moments_and_no_structure() {
        let x = gaussian(400_000, 1);
        assert!((kurtosis(&x) - 3.0).abs() < 0.05, "{}", kurtosis(&x));
        assert!(skewness(&x).abs() < 0.02);
        assert!(autocorrelation(&x, 1).abs() < 0.01);
        assert!(autocorrelation_z(&x, 3).abs() < 4.0);
        assert!((variance_ratio(&x, 20) - 1.0).abs() < 0.05);
        assert!(leverage(&x, 1).abs() < 0.01);
        // Gaussian tails read as a large "tail index" at the 1 % threshold.
        let hill = hill_index(&x, x.len() / 100);
        assert!((8.0..10.0).contains(&hill), "{hill}");
    }

    #[test]
    fn hill_recovers_a_pareto_tail() {
        // |x| = U^(-1/3): an exact power law with index 3.
        let x: Vec<f64> = (1..200_000)
            .map(|i| (i as f64 / 200_000.0).powf(-1.0 / 3.0))
            .collect();
        let hill = hill_index(&x, 2000);
        assert!((hill - 3.0).abs() < 0.1, "{hill}");
    }

    #[test]
    fn a_mean_reverting_series_has_a_variance_ratio_below_one() {
        let e = gaussian(100_000, 2);
        let r: Vec<f64> = e.windows(2).map(|w| w[1] - 0.5 * w[0]).collect();
        assert!(variance_ratio(&r, 20) < 0.6);
        assert!((correlation(&e, &e) - 1.0).abs() < 1e-12);
    }
}
