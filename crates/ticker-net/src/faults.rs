//! What the two services share for fault injection (`docs/faults.md`).
//!
//! Started with `--faults allow`, both services misbehave on request: the ws-server per
//! connection, the rest-api per request, as the client's `fault_*` parameters say. Off (the
//! default), any such parameter is refused with `400 faults_disabled`, so a production-like
//! run can never be perturbed by a URL. This module holds the pieces both need:
//!
//! * [`FaultMode`], the switch;
//! * [`FaultParams`], a request's `fault_*` parameters (from the query string and, on the
//!   rest-api, the `x-ticker-fault` header), with errors that name the parameter;
//! * seeded draws ([`draw`], [`chance`], [`Span::pick`]) that are pure functions of
//!   (seed, what is decided, index), never of time or of the order connections arrive in: the
//!   same URL gives the same faults at the same ticks (or the same request numbers);
//! * [`Clients`], the bounded, expiring table of client ids (attempts per client);
//! * [`FaultCounts`], the per-kind counters behind each service's `/metrics`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::StatusCode;

use crate::error::ApiError;
use crate::query::{shorten, Query};

/// Every fault parameter's name starts with this.
pub const PREFIX: &str = "fault_";

/// The request header that may carry fault parameters (rest-api), without their prefix:
/// `x-ticker-fault: status=503&rate=0.5`.
pub const HEADER: &str = "x-ticker-fault";

/// Most characters in a `fault_client` id.
const MAX_CLIENT_ID: usize = 64;

/// Whether a service injects faults at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultMode {
    /// Refuse every fault parameter (the default).
    #[default]
    Off,
    /// Inject the faults clients ask for.
    Allow,
}

// By hand rather than derived: derived possible values carry the variants' docs, which would
// switch both binaries' `--help` to its long layout.
impl clap::ValueEnum for FaultMode {
    fn value_variants<'a>() -> &'a [Self] {
        &[Self::Off, Self::Allow]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            Self::Off => "off",
            Self::Allow => "allow",
        }))
    }
}

/// 400 `faults_disabled`: a fault parameter reached a service started without `--faults allow`.
pub fn disabled(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "faults_disabled",
        format!(
            "`{}`: fault injection is off on this server; start it with --faults allow \
             (TICKER_FAULTS=allow) to inject faults (docs/faults.md)",
            shorten(name)
        ),
    )
}

/// 400 `invalid_fault`: a fault parameter that is unknown, repeated or out of range.
pub fn invalid(name: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_fault",
        format!("`{}`: {message}", shorten(name)),
    )
}

/// One round of SplitMix64's finaliser: a fixed, well-mixed bijection on `u64`.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform 64-bit draw, a pure function of `(seed, tag, index)`: `tag` says what is being
/// decided (drop, delay, …), `index` which occurrence (a tick's seq, a request's number).
/// The same arguments always give the same value, in every process and release that keeps
/// this function.
pub fn draw(seed: u64, tag: u64, index: u64) -> u64 {
    mix(seed ^ mix(tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ mix(index)))
}

/// True with probability `p` (0 never, 1 always), drawn from `(seed, tag, index)`.
pub fn chance(seed: u64, tag: u64, index: u64, p: f64) -> bool {
    // 53 random bits as a fraction in [0, 1).
    let unit = (draw(seed, tag, index) >> 11) as f64 / (1u64 << 53) as f64;
    unit < p
}

/// FNV-1a: a stable 64-bit hash of text (client ids, parameter lists).
pub fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A whole number given as `N`, or as `A-B` for one drawn uniformly from `A..=B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Smallest value.
    pub lo: u64,
    /// Largest value.
    pub hi: u64,
}

impl Span {
    /// Parses `N` or `A-B` (A ≤ B), each at most `max`; `unit` names what is counted.
    pub fn parse(name: &str, value: &str, max: u64, unit: &str) -> Result<Self, ApiError> {
        let number = |s: &str| -> Result<u64, ApiError> {
            let n: u64 = s.trim().parse().map_err(|_| {
                invalid(
                    name,
                    format!(
                        "{:?} is not a whole number of {unit} or a range A-B",
                        shorten(value)
                    ),
                )
            })?;
            if n > max {
                return Err(invalid(
                    name,
                    format!("{n} {unit} is above the limit of {max}"),
                ));
            }
            Ok(n)
        };
        let (lo, hi) = match value.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(value)?;
                (n, n)
            }
        };
        if lo > hi {
            return Err(invalid(
                name,
                format!("the range {lo}-{hi} is empty (write the smaller bound first)"),
            ));
        }
        Ok(Self { lo, hi })
    }

    /// The value for `(seed, tag, index)`: `lo` when the span is one number.
    pub fn pick(self, seed: u64, tag: u64, index: u64) -> u64 {
        let width = self.hi - self.lo;
        if width == 0 {
            return self.lo;
        }
        match width.checked_add(1) {
            Some(n) => self.lo + draw(seed, tag, index) % n,
            None => draw(seed, tag, index),
        }
    }
}

/// Parses a probability: a decimal number from 0 to 1.
pub fn fraction(name: &str, value: &str) -> Result<f64, ApiError> {
    match value.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(invalid(
            name,
            format!(
                "{:?} is not a fraction from 0 to 1 (e.g. 0.25)",
                shorten(value)
            ),
        )),
    }
}

/// Parses a whole number in `range`.
pub fn number(
    name: &str,
    value: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ApiError> {
    match value.trim().parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(invalid(
            name,
            format!(
                "{:?} is not a whole number from {} to {}",
                shorten(value),
                range.start(),
                range.end()
            ),
        )),
    }
}

/// A request's fault parameters, by their full `fault_*` names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaultParams {
    pairs: Vec<(String, String)>,
}

impl FaultParams {
    /// The `fault_*` parameters of a query string.
    pub fn from_query(query: &Query) -> Self {
        Self {
            pairs: query
                .pairs()
                .filter(|(k, _)| k.starts_with(PREFIX))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Adds the parameters of an `x-ticker-fault` header: `name=value` pairs without the
    /// prefix, separated by `&` or `;`.
    pub fn add_header(&mut self, value: &str) {
        for part in value
            .split(['&', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            self.pairs
                .push((format!("{PREFIX}{}", k.trim()), v.trim().to_owned()));
        }
    }

    /// Whether no fault was asked for.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// How many parameters were given.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Adds the server-wide `defaults` this request does not set itself.
    pub fn inherit(&mut self, defaults: &FaultParams) {
        for (k, v) in &defaults.pairs {
            if !self.pairs.iter().any(|(own, _)| own == k) {
                self.pairs.push((k.clone(), v.clone()));
            }
        }
    }

    /// The first parameter's name (for the `faults_disabled` error).
    pub fn first_name(&self) -> Option<&str> {
        self.pairs.first().map(|(k, _)| k.as_str())
    }

    /// Refuses names that are not in `known` (a typo must not silently inject nothing).
    pub fn check_known(&self, known: &[&str]) -> Result<(), ApiError> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some((k, _)) => Err(invalid(
                k,
                format!("no such fault parameter; known: {}", known.join(", ")),
            )),
        }
    }

    /// The value of a parameter given at most once.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut found = self.pairs.iter().filter(|(k, _)| k == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(invalid(name, "is given more than once"));
        }
        Ok(first.map(|(_, v)| v.as_str()))
    }

    /// `fault_client`, checked: 1 to 64 characters from `A-Z a-z 0-9 . _ : -`.
    pub fn client(&self) -> Result<Option<&str>, ApiError> {
        let name = "fault_client";
        let Some(id) = self.get(name)? else {
            return Ok(None);
        };
        let ok = (1..=MAX_CLIENT_ID).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b));
        if !ok {
            return Err(invalid(
                name,
                format!(
                    "{:?} is not 1 to {MAX_CLIENT_ID} characters from A-Z a-z 0-9 . _ : -",
                    shorten(id)
                ),
            ));
        }
        Ok(Some(id))
    }

    /// What identifies "the same client" for counting: the `fault_client` id when given,
    /// otherwise the fault parameters themselves (same parameters, same counter).
    pub fn key(&self) -> Result<u64, ApiError> {
        if let Some(id) = self.client()? {
            return Ok(hash(id));
        }
        let mut sorted: Vec<String> = self.pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        sorted.sort();
        Ok(hash(&sorted.join("&")))
    }

    /// `fault_seed` when given, otherwise one derived from [`FaultParams::key`]: the same URL
    /// always gets the same seed.
    pub fn seed(&self) -> Result<u64, ApiError> {
        match self.get("fault_seed")? {
            Some(v) => number("fault_seed", v, 0..=u64::MAX),
            None => self.key(),
        }
    }
}

/// One tracked client.
#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    last: Instant,
}

/// Attempts per client id: at most `max` ids, each forgotten `ttl` after its last attempt.
/// When full, expired ids go first, then the one seen longest ago, so memory stays bounded
/// whatever clients send.
#[derive(Debug)]
pub struct Clients {
    max: usize,
    ttl: Duration,
    table: Mutex<HashMap<u64, Seen>>,
    evicted: AtomicU64,
}

impl Clients {
    /// A table of at most `max` ids that lives `ttl` past each id's last attempt.
    pub fn new(max: usize, ttl: Duration) -> Self {
        Self {
            max: max.max(1),
            ttl,
            table: Mutex::new(HashMap::new()),
            evicted: AtomicU64::new(0),
        }
    }

    /// Counts one attempt of `key` at `now` and returns how many came before it (0 for a new
    /// or forgotten id).
    pub fn attempt(&self, key: u64, now: Instant) -> u64 {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let ttl = self.ttl;
        let alive = |s: &Seen| now.saturating_duration_since(s.last) <= ttl;
        if let Some(seen) = table.get_mut(&key) {
            let before = if alive(seen) { seen.count } else { 0 };
            *seen = Seen {
                count: before + 1,
                last: now,
            };
            return before;
        }
        if table.len() >= self.max {
            table.retain(|_, s| alive(s));
        }
        if table.len() >= self.max {
            if let Some(oldest) = table.iter().min_by_key(|(_, s)| s.last).map(|(k, _)| *k) {
                table.remove(&oldest);
                self.evicted.fetch_add(1, Ordering::Relaxed);
            }
        }
        table.insert(
            key,
            Seen {
                count: 1,
                last: now,
            },
        );
        0
    }

    /// Ids tracked now (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no id is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live ids evicted because the table was full.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }
}

/// Injected faults by kind, rendered as one labelled Prometheus counter.
#[derive(Debug)]
pub struct FaultCounts {
    kinds: &'static [&'static str],
    counts: Box<[AtomicU64]>,
}

impl FaultCounts {
    /// Counters for these kinds (indexed by position).
    pub fn new(kinds: &'static [&'static str]) -> Self {
        Self {
            kinds,
            counts: kinds.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Adds `n` to a kind.
    pub fn add(&self, kind: usize, n: u64) {
        if let Some(c) = self.counts.get(kind) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// A kind's count.
    pub fn get(&self, kind: usize) -> u64 {
        self.counts
            .get(kind)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Appends `name{kind="…"}` for every kind, zeros included (so the series exist from the
    /// start).
    pub fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        for (kind, count) in self.kinds.iter().zip(self.counts.iter()) {
            let _ = writeln!(
                out,
                "{name}{{kind=\"{kind}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_pure_and_spread() {
        assert_eq!(draw(7, 1, 100), draw(7, 1, 100));
        assert_ne!(draw(7, 1, 100), draw(7, 1, 101));
        assert_ne!(draw(7, 1, 100), draw(7, 2, 100));
        assert_ne!(draw(7, 1, 100), draw(8, 1, 100));
        let hits = (0..10_000).filter(|&i| chance(3, 9, i, 0.3)).count();
        assert!(
            (2_800..3_200).contains(&hits),
            "{hits} of 10 000 at p = 0.3"
        );
        assert!((0..1000).all(|i| chance(3, 9, i, 1.0)));
        assert!((0..1000).all(|i| !chance(3, 9, i, 0.0)));
    }

    #[test]
    fn spans_parse_and_pick_within_bounds() {
        assert_eq!(
            Span::parse("fault_x", "250", 1000, "ms").unwrap(),
            Span { lo: 250, hi: 250 }
        );
        let span = Span::parse("fault_x", "100-200", 1000, "ms").unwrap();
        assert!((0..1000).all(|i| (100..=200).contains(&span.pick(1, 2, i))));
        assert_eq!(span.pick(1, 2, 3), span.pick(1, 2, 3));
        let e = Span::parse("fault_x", "2000", 1000, "ms").unwrap_err();
        assert_eq!(e.code, "invalid_fault");
        assert_eq!(e.message, "`fault_x`: 2000 ms is above the limit of 1000");
        assert!(Span::parse("fault_x", "9-3", 1000, "ms").is_err());
        assert!(Span::parse("fault_x", "-3", 1000, "ms").is_err());
        assert!(Span::parse("fault_x", "soon", 1000, "ms").is_err());
        let all = Span {
            lo: 0,
            hi: u64::MAX,
        };
        let _ = all.pick(1, 2, 3);
    }

    #[test]
    fn fractions_and_numbers_name_the_parameter() {
        assert_eq!(fraction("fault_drop", "0.25").unwrap(), 0.25);
        assert_eq!(fraction("fault_drop", "1").unwrap(), 1.0);
        for bad in ["1.5", "-0.1", "NaN", "lots", ""] {
            let e = fraction("fault_drop", bad).unwrap_err();
            assert!(e.message.starts_with("`fault_drop`: "), "{}", e.message);
        }
        assert_eq!(number("fault_refuse", "3", 1..=1000).unwrap(), 3);
        assert!(number("fault_refuse", "0", 1..=1000).is_err());
    }

    #[test]
    fn params_come_from_the_query_and_the_header() {
        let q = Query::parse(Some("symbols=AAPL&fault_drop=0.5&fault_seed=9")).unwrap();
        let mut p = FaultParams::from_query(&q);
        assert_eq!(p.first_name(), Some("fault_drop"));
        p.add_header(" status=503 ; rate=0.5&");
        assert_eq!(p.get("fault_status").unwrap(), Some("503"));
        assert_eq!(p.get("fault_rate").unwrap(), Some("0.5"));
        assert_eq!(p.seed().unwrap(), 9);
        p.check_known(&["fault_drop", "fault_seed", "fault_status", "fault_rate"])
            .unwrap();
        let e = p.check_known(&["fault_drop"]).unwrap_err();
        assert!(e
            .message
            .starts_with("`fault_seed`: no such fault parameter"));
        p.add_header("drop=1");
        assert!(p.get("fault_drop").is_err(), "given twice");
        let mut own = FaultParams::from_query(&Query::parse(Some("fault_a=1")).unwrap());
        own.inherit(&FaultParams::from_query(
            &Query::parse(Some("fault_a=2&fault_b=3")).unwrap(),
        ));
        assert_eq!(own.get("fault_a").unwrap(), Some("1"));
        assert_eq!(own.get("fault_b").unwrap(), Some("3"));
        assert_eq!(own.len(), 2);
        assert!(FaultParams::default().is_empty());
    }

    #[test]
    fn the_same_parameters_get_the_same_seed_in_any_order() {
        let a = FaultParams::from_query(&Query::parse(Some("fault_a=1&fault_b=2")).unwrap());
        let b = FaultParams::from_query(&Query::parse(Some("fault_b=2&fault_a=1")).unwrap());
        let c = FaultParams::from_query(&Query::parse(Some("fault_b=2&fault_a=3")).unwrap());
        assert_eq!(a.seed().unwrap(), b.seed().unwrap());
        assert_ne!(a.seed().unwrap(), c.seed().unwrap());
        let named = FaultParams::from_query(&Query::parse(Some("fault_client=t-1")).unwrap());
        assert_eq!(named.key().unwrap(), hash("t-1"));
        let bad = FaultParams::from_query(&Query::parse(Some("fault_client=a%20b")).unwrap());
        assert_eq!(bad.client().unwrap_err().code, "invalid_fault");
    }

    #[test]
    fn clients_count_attempts_expire_and_stay_bounded() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let clients = Clients::new(2, ms(100));
        assert_eq!(clients.attempt(1, t0), 0);
        assert_eq!(clients.attempt(1, t0 + ms(10)), 1);
        assert_eq!(clients.attempt(1, t0 + ms(20)), 2);
        // Forgotten 100 ms after its last attempt.
        assert_eq!(clients.attempt(1, t0 + ms(121)), 0);
        assert_eq!(clients.attempt(2, t0 + ms(130)), 0);
        // Full: the id seen longest ago (1) makes room.
        assert_eq!(clients.attempt(3, t0 + ms(140)), 0);
        assert_eq!(clients.len(), 2);
        assert_eq!(clients.evicted(), 1);
        assert_eq!(clients.attempt(2, t0 + ms(150)), 1);
        assert_eq!(clients.attempt(1, t0 + ms(160)), 0, "1 was evicted");
        assert_eq!(clients.evicted(), 2, "3 made room for it");
        // Expired ids are swept before anything alive is evicted.
        assert_eq!(clients.attempt(4, t0 + ms(400)), 0);
        assert_eq!(clients.evicted(), 2);
        assert_eq!(clients.len(), 1);
    }

    #[test]
    fn counts_render_every_kind() {
        let c = FaultCounts::new(&["drop", "delay"]);
        c.add(1, 3);
        c.add(9, 1);
        let mut out = String::new();
        c.render("ticker_ws_faults_total", "Faults injected.", &mut out);
        assert!(out.contains("ticker_ws_faults_total{kind=\"drop\"} 0\n"));
        assert!(out.contains("ticker_ws_faults_total{kind=\"delay\"} 3\n"));
        assert_eq!(c.get(1), 3);
    }
}
