//! The discrete draws of the jump process, as pure functions of hash bits: Poisson counts for
//! spine blocks and binomial splits of a block's count between its halves.

use crate::noise;

/// A Poisson draw with mean `m`: inverse CDF from `bits` up to a mean of 500, a rounded
/// normal (`z`) beyond, where the two agree to well under one count.
pub(super) fn poisson(m: f64, bits: u64, z: f64) -> u64 {
    if m <= 0.0 {
        return 0;
    }
    if m > 500.0 {
        return libm::round(m + libm::sqrt(m) * z).max(0.0) as u64;
    }
    let u = noise::uniform(bits);
    let mut p = libm::exp(-m);
    let mut cdf = p;
    let mut k = 0u64;
    while u > cdf && k < 10_000 {
        k += 1;
        p *= m / k as f64;
        cdf += p;
    }
    k
}

/// A Binomial(`k`, `f`) draw at `mid`: one 16-bit uniform per trial (from `key`) up to 32
/// trials, a rounded normal (from `normal_key`) beyond; for `f = ½`, one random bit per trial
/// up to 64 trials.
#[inline(always)]
pub(super) fn binomial(key: u64, normal_key: u64, mid: u64, k: u64, f: f64) -> u64 {
    if f <= 0.0 {
        return 0;
    }
    if f >= 1.0 {
        return k;
    }
    if f == 0.5 && k <= 64 {
        // Even splits (above the integral scale): k fair coins are k random bits.
        let bits = noise::bits(key, mid);
        return u64::from((bits & (u64::MAX >> (64 - k))).count_ones());
    }
    if k > 32 {
        let mean = k as f64 * f;
        let sd = libm::sqrt(mean * (1.0 - f));
        let z = noise::gaussian(normal_key, mid);
        return libm::round(mean + sd * z).clamp(0.0, k as f64) as u64;
    }
    let threshold = f * 65_536.0;
    let mut count = 0;
    let mut trial = 0;
    while trial < k {
        let hash = noise::bits(key.wrapping_add(trial), mid);
        for lane in 0..4 {
            if trial == k {
                break;
            }
            let u = ((hash >> (16 * lane)) & 0xFFFF) as f64 + 0.5;
            count += u64::from(u < threshold);
            trial += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_and_poisson_have_their_means() {
        let n = 20_000u64;
        let mean_b = (0..n).map(|i| binomial(11, 12, i, 10, 0.3)).sum::<u64>() as f64 / n as f64;
        assert!((mean_b - 3.0).abs() < 0.05, "{mean_b}");
        let mean_big =
            (0..n).map(|i| binomial(11, 12, i, 1000, 0.3)).sum::<u64>() as f64 / n as f64;
        assert!((mean_big - 300.0).abs() < 0.5, "{mean_big}");
        let mean_p = (0..n)
            .map(|i| poisson(2.5, noise::bits(5, i), 0.0))
            .sum::<u64>() as f64
            / n as f64;
        assert!((mean_p - 2.5).abs() < 0.05, "{mean_p}");
        assert_eq!(binomial(1, 3, 2, 7, 0.0), 0);
        assert_eq!(binomial(1, 3, 2, 7, 1.0), 7);
    }

    #[test]
    fn fair_splits_count_random_bits() {
        let n = 20_000u64;
        let fair: Vec<u64> = (0..n).map(|i| binomial(11, 12, i, 40, 0.5)).collect();
        let mean = fair.iter().sum::<u64>() as f64 / n as f64;
        let var = fair.iter().map(|&c| (c as f64 - 20.0).powi(2)).sum::<f64>() / n as f64;
        assert!(
            (mean - 20.0).abs() < 0.1 && (var - 10.0).abs() < 0.4,
            "{mean} {var}"
        );
        assert_eq!(
            binomial(11, 12, 5, 64, 0.5),
            u64::from(noise::bits(11, 5).count_ones())
        );
    }
}
