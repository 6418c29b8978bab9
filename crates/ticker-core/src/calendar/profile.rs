//! How activity spreads over one `us-equity` trading day: the intraday profiles of variance
//! and volume, and the spread factor.
//!
//! A trading day's budget (shares of a full day's total; an early-close day has a shorter
//! regular session, so less):
//!
//! | part | variance | volume |
//! | --- | ---: | ---: |
//! | pre-market 04:00–09:30, flat | 5 % | 3 % |
//! | point mass at the 09:30 open | 14 % (the overnight gap) | 2 % (the opening cross) |
//! | regular session 09:30–16:00, U-shaped | 75 % | 82 % |
//! | point mass in the last millisecond of the regular session | — | 7 % (the closing cross) |
//! | after-hours 16:00–20:00, flat | 6 % | 6 % |
//!
//! Why these numbers: close-to-open returns carry about a quarter of the daily variance of
//! US stocks (Hansen & Lunde 2005, "A Realized Variance for the Whole Day Based on
//! Intermittent High-Frequency Data", on the Dow Jones stocks), here 5 + 14 + 6 = 25 %; the
//! gap does not grow with the length of a weekend or holiday, because variance over a weekend
//! is barely larger than over one night (French & Roll 1986, "Stock Return Variances: The
//! Arrival of Information and the Reaction of Traders"). Within the regular session both
//! variance and volume are U-shaped, highest after the open and rising into the close (Wood,
//! McInish & Ord 1985; Harris 1986; Andersen & Bollerslev 1997 for volatility; Jain & Joh 1988
//! and Admati & Pfleiderer 1988 for volume); the regular-session rate at a fraction `x` of
//! the session is proportional to `1 + a·e^(−x/τa) + b·e^(−(1−x)/τb)`. The opening and
//! closing auctions print about 2 % and 7 % of a US stock's daily volume in the 2020s; the
//! closing cross is booked in the session's last millisecond so that it belongs to the regular
//! session's last tick rather than to the first after-hours one. Extended hours are thin:
//! the pre-market's volume rate is about 1/25 of the regular session's average.
//!
//! All rates are integers (units per millisecond, constant within each minute), so cumulative
//! weights are exact sums: `w(a, c) = w(a, b) + w(b, c)` holds bit for bit before the final
//! scaling to `f64`, at session boundaries and across days alike.

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;
/// Length of the pre-market (04:00–09:30).
pub(crate) const PRE_MS: i64 = 330 * MINUTE_MS;
/// Length of a full regular session (09:30–16:00).
pub(crate) const REGULAR_MS: i64 = 390 * MINUTE_MS;
/// Length of an early-close regular session (09:30–13:00).
pub(crate) const EARLY_REGULAR_MS: i64 = 210 * MINUTE_MS;
/// Length of after-hours (16:00–20:00, or 13:00–17:00 after an early close).
pub(crate) const POST_MS: i64 = 240 * MINUTE_MS;

/// Raw units in the budget of one full trading day. Large enough that the thinnest rate
/// (pre-market variance, about 2 800 units per ms) is exact to 0.02 %, small enough that the
/// sum over 1970–2100 (about 3.6e16) fits a `u64` many times over.
const DAY_UNITS: f64 = (1u64 << 40) as f64;

/// The regular-session U shape: `1 + a·e^(−x/τa) + b·e^(−(1−x)/τb)` at fraction `x`.
#[derive(Debug, Clone, Copy)]
struct UShape {
    open_boost: f64,
    open_decay: f64,
    close_boost: f64,
    close_decay: f64,
}

impl UShape {
    fn at(self, x: f64) -> f64 {
        1.0 + self.open_boost * libm::exp(-x / self.open_decay)
            + self.close_boost * libm::exp(-(1.0 - x) / self.close_decay)
    }
}

/// Shares of a full trading day's budget, and the regular session's shape.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pre: f64,
    open_mass: f64,
    regular: f64,
    close_mass: f64,
    post: f64,
    u: UShape,
}

/// Variance: 3 + 1 times the midday rate in the first and last minutes (a standard
/// deviation about twice midday's at the open), decaying over about 15 minutes.
pub(crate) const VARIANCE: Shape = Shape {
    pre: 0.05,
    open_mass: 0.14,
    regular: 0.75,
    close_mass: 0.0,
    post: 0.06,
    u: UShape {
        open_boost: 3.0,
        open_decay: 0.04,
        close_boost: 0.8,
        close_decay: 0.04,
    },
};

/// Volume: busy after the open, busiest into the close.
pub(crate) const VOLUME: Shape = Shape {
    pre: 0.03,
    open_mass: 0.02,
    regular: 0.82,
    close_mass: 0.07,
    post: 0.06,
    u: UShape {
        open_boost: 1.5,
        open_decay: 0.06,
        close_boost: 2.0,
        close_decay: 0.04,
    },
};

/// One regular session's minute rates and their prefix sums.
#[derive(Debug)]
struct Regular {
    /// Units per millisecond in each minute.
    rate: Box<[u64]>,
    /// Units before each minute (one more entry than `rate`).
    before: Box<[u64]>,
}

impl Regular {
    fn new(minutes: usize, shape: &Shape, per_unit_shape: f64) -> Self {
        let rate: Box<[u64]> = (0..minutes)
            .map(|i| {
                let x = (i as f64 + 0.5) / minutes as f64;
                (shape.u.at(x) * per_unit_shape).round() as u64
            })
            .collect();
        let mut before = Vec::with_capacity(minutes + 1);
        let mut acc = 0u64;
        before.push(0);
        for r in rate.iter() {
            acc += r * MINUTE_MS as u64;
            before.push(acc);
        }
        Self {
            rate,
            before: before.into_boxed_slice(),
        }
    }

    /// Units in the first `ms` milliseconds (0 ≤ ms ≤ the session's length).
    fn cumulative(&self, ms: i64) -> u64 {
        let minute = (ms / MINUTE_MS) as usize;
        let within = (ms % MINUTE_MS) as u64;
        let before = self.before.get(minute).copied().unwrap_or(0);
        before + self.rate.get(minute).copied().unwrap_or(0) * within
    }

    fn total(&self) -> u64 {
        self.before.last().copied().unwrap_or(0)
    }
}

/// One kind of activity (variance or volume) over a trading day, in integer units.
#[derive(Debug)]
pub(crate) struct Profile {
    pre_rate: u64,
    open_mass: u64,
    close_mass: u64,
    post_rate: u64,
    full: Regular,
    early: Regular,
}

impl Profile {
    /// The same profile without its point masses: continuous trading, between the auctions.
    pub(crate) fn continuous(self) -> Self {
        Self {
            open_mass: 0,
            close_mass: 0,
            ..self
        }
    }

    pub(crate) fn new(shape: &Shape) -> Self {
        // Normalise the U shape so that a full regular session carries exactly its share;
        // an early close uses the same per-minute rates over fewer minutes.
        let minutes = (REGULAR_MS / MINUTE_MS) as usize;
        let mean = (0..minutes)
            .map(|i| shape.u.at((i as f64 + 0.5) / minutes as f64))
            .sum::<f64>()
            / minutes as f64;
        let per_unit_shape = shape.regular * DAY_UNITS / (REGULAR_MS as f64 * mean);
        let rate = |share: f64, ms: i64| (share * DAY_UNITS / ms as f64).round() as u64;
        Self {
            pre_rate: rate(shape.pre, PRE_MS),
            open_mass: (shape.open_mass * DAY_UNITS).round() as u64,
            close_mass: (shape.close_mass * DAY_UNITS).round() as u64,
            post_rate: rate(shape.post, POST_MS),
            full: Regular::new(minutes, shape, per_unit_shape),
            early: Regular::new(
                (EARLY_REGULAR_MS / MINUTE_MS) as usize,
                shape,
                per_unit_shape,
            ),
        }
    }

    fn regular(&self, early: bool) -> (&Regular, i64) {
        if early {
            (&self.early, EARLY_REGULAR_MS)
        } else {
            (&self.full, REGULAR_MS)
        }
    }

    /// Units in `[pre_open, pre_open + since_pre)` of a trading day. The open's point mass
    /// sits at `since_pre = PRE_MS`, the close's at the regular session's last millisecond;
    /// each counts once `since_pre` is past it.
    pub(crate) fn cumulative(&self, early: bool, since_pre: i64) -> u64 {
        if since_pre <= 0 {
            return 0;
        }
        if since_pre <= PRE_MS {
            return self.pre_rate * since_pre as u64;
        }
        let mut acc = self.pre_rate * PRE_MS as u64 + self.open_mass;
        let (regular, len) = self.regular(early);
        let into = since_pre - PRE_MS;
        if into < len {
            return acc + regular.cumulative(into);
        }
        acc += regular.total() + self.close_mass;
        acc + self.post_rate * (into - len).min(POST_MS) as u64
    }

    /// Units in a whole trading day.
    pub(crate) fn day_total(&self, early: bool) -> u64 {
        let (_, len) = self.regular(early);
        self.cumulative(early, PRE_MS + len + POST_MS)
    }
}

/// Spread multiplier (≥ 1) at `since_open` ms after a regular open, for the regular session:
/// three times the midday spread at the open, within 5 % of it after half an hour.
pub(crate) fn regular_spread_factor(since_open: i64) -> f64 {
    1.0 + 2.0 * libm::exp(-(since_open as f64) / (10.0 * MINUTE_MS as f64))
}

/// Spread multiplier in the pre-market (and while closed: the last quote stands).
pub(crate) const PRE_SPREAD_FACTOR: f64 = 4.0;
/// Spread multiplier after hours.
pub(crate) const POST_SPREAD_FACTOR: f64 = 3.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn share(p: &Profile, from: i64, to: i64) -> f64 {
        (p.cumulative(false, to) - p.cumulative(false, from)) as f64 / p.day_total(false) as f64
    }

    #[test]
    fn a_full_day_splits_as_documented() {
        let end = PRE_MS + REGULAR_MS + POST_MS;
        for (shape, name) in [(VARIANCE, "variance"), (VOLUME, "volume")] {
            let p = Profile::new(&shape);
            let total = p.day_total(false) as f64;
            assert!((total / DAY_UNITS - 1.0).abs() < 1e-4, "{name}: {total}");
            let near =
                |got: f64, want: f64| assert!((got - want).abs() < 2e-4, "{name}: {got} vs {want}");
            near(share(&p, 0, PRE_MS), shape.pre);
            near(share(&p, PRE_MS, PRE_MS + 1), shape.open_mass);
            near(
                share(&p, PRE_MS, PRE_MS + REGULAR_MS),
                shape.open_mass + shape.regular + shape.close_mass,
            );
            near(share(&p, PRE_MS + REGULAR_MS, end), shape.post);
            assert_eq!(p.cumulative(false, end + 1), p.cumulative(false, end));
        }
    }

    #[test]
    fn the_regular_session_is_u_shaped() {
        for shape in [VARIANCE, VOLUME] {
            let p = Profile::new(&shape);
            let minute =
                |m: i64| share(&p, PRE_MS + m * MINUTE_MS + 1, PRE_MS + (m + 1) * MINUTE_MS);
            let (first, noon, last) = (minute(0), minute(180), minute(388));
            assert!(
                first > 2.0 * noon && last > 1.5 * noon,
                "{first} {noon} {last}"
            );
            // Extended hours are thinner than the quietest regular minute.
            let pre_minute = share(&p, 0, MINUTE_MS);
            let post_minute = share(
                &p,
                PRE_MS + REGULAR_MS + 1,
                PRE_MS + REGULAR_MS + MINUTE_MS + 1,
            );
            assert!(pre_minute < noon / 2.0 && post_minute < noon / 2.0);
        }
    }

    #[test]
    fn an_early_close_day_has_a_shorter_regular_session() {
        let p = Profile::new(&VOLUME);
        let early = p.day_total(true) as f64;
        let full = p.day_total(false) as f64;
        assert!(
            early < 0.8 * full && early > 0.4 * full,
            "{early} vs {full}"
        );
        // The closing cross sits in the early session's last millisecond.
        let close = PRE_MS + EARLY_REGULAR_MS;
        let last_ms = p.cumulative(true, close) - p.cumulative(true, close - 1);
        assert!(last_ms as f64 > 0.06 * DAY_UNITS);
    }

    #[test]
    fn spread_is_widest_at_the_open_and_settles() {
        assert!((regular_spread_factor(0) - 3.0).abs() < 1e-12);
        assert!(regular_spread_factor(30 * MINUTE_MS) < 1.11);
        assert!(regular_spread_factor(REGULAR_MS) >= 1.0);
    }
}
