//! Counter-based randomness: every random number in the model is a pure function of a key and a
//! position, so any tick can be computed without replaying the ones before it.
//!
//! The hash is SplitMix64's output function applied to `key + position × γ`, i.e. the value
//! SplitMix64 would produce at that position of its stream. Gaussian draws use Wichura's
//! AS 241 inverse normal CDF (accurate to about 1e-16), which needs only `+ − × ÷`, `sqrt` and
//! `log`; `log` comes from the `libm` crate so every platform computes identical bits.

use std::sync::OnceLock;

/// The golden-ratio increment of SplitMix64.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
#[inline]
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives an independent stream key from a parent key and a label.
#[inline]
pub(crate) const fn derive_key(parent: u64, label: u64) -> u64 {
    mix64(parent ^ mix64(label.wrapping_add(GAMMA)))
}

/// FNV-1a over bytes: a stable, platform-independent string hash for stream labels.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The 64 random bits at `position` of the stream `key`.
#[inline]
pub(crate) const fn bits(key: u64, position: u64) -> u64 {
    mix64(key.wrapping_add(position.wrapping_mul(GAMMA)))
}

/// A uniform draw in the open interval (0, 1) from the top 52 bits.
#[inline]
pub(crate) fn uniform(bits: u64) -> f64 {
    // (k + 0.5) / 2^52 for k in [0, 2^52): exactly representable, never 0 or 1, so the inverse
    // CDF is always finite (|z| < 8.3).
    ((bits >> 12) as f64 + 0.5) * (1.0 / 4_503_599_627_370_496.0)
}

/// A standard normal draw at `position` of the stream `key`.
#[inline]
pub(crate) fn normal(key: u64, position: u64) -> f64 {
    inverse_normal_cdf(uniform(bits(key, position)))
}

/// The layers of Marsaglia & Tsang's ziggurat for the standard normal ("The Ziggurat Method
/// for Generating Random Variables", J. Statistical Software 5(8), 2000), 256 layers.
struct Ziggurat {
    /// `x[0] = v/f(r)`, `x[1] = r`, … `x[256] = 0`: layer `i` is the rectangle of width `x[i]`
    /// between heights `f(x[i])` and `f(x[i+1])`, all of area `v`.
    x: [f64; 257],
    /// `f(x[i]) = e^(−x[i]²/2)`.
    f: [f64; 257],
    /// `x[i+1] / x[i]`: below it a point of layer `i` is under the curve for sure.
    inner: [f64; 256],
}

/// The start of the base layer's tail, and the common area of the layers.
const ZIGGURAT_R: f64 = 3.654_152_885_361_009;
const ZIGGURAT_V: f64 = 0.004_928_673_233_99;

impl Ziggurat {
    #[expect(
        clippy::indexing_slicing,
        reason = "fixed-size tables filled by loops with constant bounds"
    )]
    fn new() -> Self {
        let density = |x: f64| libm::exp(-0.5 * x * x);
        let mut x = [0.0; 257];
        x[0] = ZIGGURAT_V / density(ZIGGURAT_R);
        x[1] = ZIGGURAT_R;
        for i in 2..256 {
            let y = density(x[i - 1]) + ZIGGURAT_V / x[i - 1];
            x[i] = libm::sqrt(-2.0 * libm::log(y.min(1.0)));
        }
        let mut f = [0.0; 257];
        for (fi, xi) in f.iter_mut().zip(x) {
            *fi = density(xi);
        }
        let mut inner = [0.0; 256];
        for (i, slot) in inner.iter_mut().enumerate() {
            *slot = x[i + 1] / x[i];
        }
        Self { x, f, inner }
    }

    fn get() -> &'static Self {
        static TABLES: OnceLock<Ziggurat> = OnceLock::new();
        TABLES.get_or_init(Self::new)
    }
}

/// A standard normal draw at `position` of the stream `key`, by the ziggurat method: about
/// 99 % of draws cost one hash, a table lookup and a multiplication. The rare rejections draw
/// again from sub-streams of the same position, so the result is still a pure function of
/// `(key, position)`. Exact in distribution (the tails use `libm`'s `exp` and `log`).
#[inline(always)]
pub(crate) fn gaussian(key: u64, position: u64) -> f64 {
    let z = Ziggurat::get();
    let b = bits(key, position);
    let layer = (b & 0xFF) as usize;
    let u = uniform(b);
    if let (Some(&inner), Some(&width)) = (z.inner.get(layer), z.x.get(layer)) {
        if u < inner {
            return if b & 0x100 == 0 {
                u * width
            } else {
                -u * width
            };
        }
    }
    gaussian_rejected(key, position)
}

/// The ziggurat's slow path: the same first draw, then the wedge and tail tests.
#[cold]
#[inline(never)]
fn gaussian_rejected(key: u64, position: u64) -> f64 {
    let z = Ziggurat::get();
    let mut stream = key;
    for _ in 0..64 {
        let b = bits(stream, position);
        let layer = (b & 0xFF) as usize;
        let sign = if b & 0x100 == 0 { 1.0 } else { -1.0 };
        let u = uniform(b);
        let (Some(&inner), Some(&width)) = (z.inner.get(layer), z.x.get(layer)) else {
            break;
        };
        if u < inner {
            return sign * u * width;
        }
        let extra = bits(stream ^ 0x5851_F42D_4C95_7F2D, position);
        if layer == 0 {
            // The tail beyond r (Marsaglia 1964): x = −ln(U₁)/r, accepted if −2 ln(U₂) > x².
            let t = -libm::log(uniform(extra)) / ZIGGURAT_R;
            let y = -libm::log(uniform(mix64(extra)));
            if y + y > t * t {
                return sign * (ZIGGURAT_R + t);
            }
        } else {
            let x = u * width;
            let (lo, hi) = (z.f.get(layer).copied(), z.f.get(layer + 1).copied());
            if let (Some(lo), Some(hi)) = (lo, hi) {
                if lo + uniform(extra) * (hi - lo) < libm::exp(-0.5 * x * x) {
                    return sign * x;
                }
            }
        }
        stream = mix64(stream.wrapping_add(GAMMA));
    }
    normal(key, position)
}

/// Horner evaluation of `c[0] + c[1]·r + … + c[7]·r⁷`, in a fixed order (determinism).
#[inline]
fn poly(c: &[f64; 8], r: f64) -> f64 {
    let [c0, c1, c2, c3, c4, c5, c6, c7] = *c;
    ((((((c7 * r + c6) * r + c5) * r + c4) * r + c3) * r + c2) * r + c1) * r + c0
}

// AS 241 (Wichura 1988, Applied Statistics 37(3)): published rational-approximation constants,
// kept digit for digit as printed so they can be checked against the paper's hash sums.
#[allow(clippy::excessive_precision)]
const A: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
#[allow(clippy::excessive_precision)]
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
#[allow(clippy::excessive_precision)]
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
const E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// Φ⁻¹(p) for p in (0, 1): the standard normal quantile (AS 241, PPND16).
pub(crate) fn inverse_normal_cdf(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return 0.0;
    }
    let r = libm::sqrt(-libm::log(tail));
    let z = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 {
        -z
    } else {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_normal_matches_known_quantiles() {
        // Reference values from high-precision tables of the standard normal distribution.
        let cases = [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.025, -1.959_963_984_540_054),
            (0.841_344_746_068_542_9, 1.0),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
            (1.0 - 1e-7, 5.199_337_582_187_471),
        ];
        for (p, z) in cases {
            let got = inverse_normal_cdf(p);
            assert!((got - z).abs() < 1e-9, "Φ⁻¹({p}) = {got}, want {z}");
        }
    }

    #[test]
    #[allow(clippy::excessive_precision)]
    fn coefficient_hash_sums_match_the_publication() {
        // AS 241 prints the sum of each coefficient group's mantissas to check transcription.
        fn mantissa_sum(groups: &[&[f64]]) -> f64 {
            groups
                .iter()
                .flat_map(|g| g.iter())
                .filter(|&&c| c != 1.0)
                .map(|&c| c / 10f64.powi(c.abs().log10().floor() as i32))
                .sum()
        }
        let ab = mantissa_sum(&[&A, &B[1..]]);
        let cd = mantissa_sum(&[&C, &D[1..]]);
        let ef = mantissa_sum(&[&E, &F[1..]]);
        assert!(
            (ab - 55.883_192_880_614_901_443_9).abs() < 1e-12,
            "AB sum {ab}"
        );
        assert!(
            (cd - 49.332_065_033_016_102_890_36).abs() < 1e-12,
            "CD sum {cd}"
        );
        assert!(
            (ef - 47.525_833_175_492_896_716_29).abs() < 1e-12,
            "EF sum {ef}"
        );
    }

    #[test]
    fn uniform_stays_inside_the_open_interval() {
        assert!(uniform(0) > 0.0);
        assert!(uniform(u64::MAX) < 1.0);
        assert!(inverse_normal_cdf(uniform(0)).is_finite());
        assert!(inverse_normal_cdf(uniform(u64::MAX)).is_finite());
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let key = derive_key(42, fnv1a(b"moments"));
        let n = 200_000u64;
        let (mut s1, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let z = normal(key, i);
            s1 += z;
            s2 += z * z;
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
    }

    #[test]
    fn ziggurat_draws_are_standard_normal() {
        let key = derive_key(7, fnv1a(b"ziggurat"));
        let n = 1_000_000u64;
        let draws: Vec<f64> = (0..n).map(|i| gaussian(key, i)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|z| z * z).sum::<f64>() / n as f64;
        let kurt = draws.iter().map(|z| z.powi(4)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.004, "mean {mean}");
        assert!((var - 1.0).abs() < 0.005, "variance {var}");
        assert!((kurt - 3.0).abs() < 0.03, "kurtosis {kurt}");
        // The CDF at a few points, including inside the wedges and the tail.
        for (x, p) in [
            (-3.0, 0.001_349_898),
            (-1.0, 0.158_655_254),
            (0.3, 0.617_911_422),
            (2.5, 0.993_790_335),
            (3.8, 0.999_927_652),
        ] {
            let got = draws.iter().filter(|&&z| z < x).count() as f64 / n as f64;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            assert!((got - p).abs() < 5.0 * sd, "P(z < {x}) = {got}, want {p}");
        }
        assert!(
            draws.iter().any(|z| z.abs() > ZIGGURAT_R),
            "the tail is reached"
        );
        // The top layer's area closes the ziggurat: x[255]·(1 − f(x[255])) = v.
        let z = Ziggurat::get();
        assert!((z.x[255] * (1.0 - z.f[255]) / ZIGGURAT_V - 1.0).abs() < 1e-6);
    }

    #[test]
    fn streams_with_different_labels_differ() {
        let a = derive_key(1, fnv1a(b"AAPL"));
        let b = derive_key(1, fnv1a(b"MSFT"));
        let c = derive_key(2, fnv1a(b"AAPL"));
        assert_ne!(bits(a, 7), bits(b, 7));
        assert_ne!(bits(a, 7), bits(c, 7));
        assert_eq!(bits(a, 7), bits(derive_key(1, fnv1a(b"AAPL")), 7));
    }
}
