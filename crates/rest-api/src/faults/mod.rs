//! Fault injection on REST requests (`docs/faults.md`): with `--faults allow`, a request's
//! `fault_*` query parameters (or its `x-ticker-fault` header) make the server answer it with
//! an error status (`Retry-After` on 429 and 503), answer it late, never answer it (the
//! connection is closed after the hang), or cut its body short, at a seeded rate.
//!
//! Which requests are hit is reproducible: the *n*-th request of a client (its `fault_client`
//! id, or, without one, its fault parameters) is hit when a draw from `(seed, n)` says so, so
//! the same sequence of requests sees the same faults. A fault never alters a price: an
//! injected error carries no quote, a late answer is computed when it is sent, and a cut body
//! is shorter than its `content-length`, so no client can take it for a whole one. The two
//! answers that are not plain responses, none and a cut body, are in `body.rs`.

mod body;

use std::time::{Duration, Instant};

use http::header::HeaderMap;
use http::{StatusCode, Uri};
use ticker_net::faults::{
    self, disabled, invalid, number, Clients, FaultCounts, FaultMode, FaultParams, Span, HEADER,
};
use ticker_net::{ApiError, Query};

use crate::cli::FaultConfig;

pub use body::{Cut, Hung};

/// Kinds counted in `ticker_rest_faults_total{kind}`, in [`Kind`] order.
pub const KINDS: &[&str] = &["status", "latency", "hang", "truncate"];

/// One kind of fault (an index into [`KINDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An error status instead of the answer.
    Status,
    /// The answer sent late.
    Latency,
    /// No answer; the connection closed after a while.
    Hang,
    /// The body cut short.
    Truncate,
}

impl Kind {
    /// Its name in metrics and logs.
    pub fn name(self) -> &'static str {
        KINDS.get(self as usize).copied().unwrap_or("unknown")
    }
}

/// The parameters a request may carry.
const KNOWN: &[&str] = &[
    "fault_seed",
    "fault_client",
    "fault_rate",
    "fault_status",
    "fault_retry_after",
    "fault_latency_ms",
    "fault_hang_ms",
    "fault_truncate",
];

/// What each decision is drawn for ([`faults::draw`]'s tag).
const RATE: u64 = 101;
const LATENCY: u64 = 102;

/// Longest `Retry-After`, in seconds.
const MAX_RETRY_AFTER: u64 = 86_400;

/// A request's faults, as its parameters (and `--fault-defaults`) ask.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Seed of every decision.
    pub seed: u64,
    /// Whose requests are counted together.
    key: u64,
    /// Fraction of requests hit.
    pub rate: f64,
    /// Error status to answer.
    pub status: Option<StatusCode>,
    /// `Retry-After` seconds (429 and 503).
    pub retry_after: Option<u64>,
    /// Milliseconds added before answering.
    pub latency_ms: Option<Span>,
    /// Milliseconds to hold the request before closing the connection unanswered.
    pub hang_ms: Option<u64>,
    /// Body bytes sent before the connection is closed.
    pub truncate: Option<u64>,
}

/// What happens to one request that the rate hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The request's number among its client's (0 first).
    pub number: u64,
    /// Answer this error instead.
    pub status: Option<StatusCode>,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
    /// Wait this long before answering.
    pub latency_ms: u64,
    /// Never answer; close the connection after this long.
    pub hang_ms: Option<u64>,
    /// Send only this many body bytes.
    pub truncate: Option<u64>,
}

impl Fault {
    /// The `x-ticker-fault` response header: what was injected.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status={}", s.as_u16()));
        }
        if self.latency_ms > 0 {
            parts.push(format!("latency_ms={}", self.latency_ms));
        }
        if let Some(n) = self.truncate {
            parts.push(format!("truncate={n}"));
        }
        parts.join("; ")
    }

    /// The injected error, if the fault is a status.
    pub fn error(&self) -> Option<ApiError> {
        let status = self.status?;
        Some(ApiError::new(
            status,
            "fault_injected",
            format!(
                "injected on purpose: {} {} (fault_status); this request carried no data",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ),
        ))
    }
}

/// The server-wide side of REST fault injection.
#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    defaults: FaultParams,
    clients: Clients,
    counts: FaultCounts,
}

impl Faults {
    /// The switch and limits of `config`; errors if `--fault-defaults` is not valid.
    pub fn new(config: &FaultConfig) -> Result<Self, String> {
        let defaults = FaultParams::defaults(config.defaults.as_deref())?;
        let faults = Self {
            clients: Clients::new(
                config.max_clients,
                Duration::from_millis(config.client_ttl_ms),
            ),
            config: config.clone(),
            defaults,
            counts: FaultCounts::new(KINDS),
        };
        if !faults.defaults.is_empty() {
            faults
                .spec(&faults.defaults)
                .map_err(|e| format!("--fault-defaults: {}", e.message))?;
        }
        Ok(faults)
    }

    /// The fault for a request, if its parameters ask for one and the rate hits it; `api`
    /// says whether the path is an `/api/` route (the only ones `--fault-defaults` reach).
    /// `400 faults_disabled` when fault injection is off, `400 invalid_fault` for a bad
    /// parameter.
    pub fn plan(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        api: bool,
        now: Instant,
    ) -> Result<Option<Fault>, ApiError> {
        // A query the route cannot parse is the route's error to report.
        let query = Query::parse(uri.query()).unwrap_or_default();
        let mut params = FaultParams::from_query(&query);
        for value in headers.get_all(HEADER) {
            let value = value
                .to_str()
                .map_err(|_| invalid(HEADER, "is not visible ASCII"))?;
            params.add_header(value);
        }
        if let Some(name) = params.first_name() {
            if self.config.mode == FaultMode::Off {
                return Err(disabled(name));
            }
        }
        if api {
            params.inherit(&self.defaults);
        }
        if params.is_empty() {
            return Ok(None);
        }
        let spec = self.spec(&params)?;
        let number = self.clients.attempt(spec.key, now);
        if !faults::chance(spec.seed, RATE, number, spec.rate) {
            return Ok(None);
        }
        Ok(Some(Fault {
            number,
            status: spec.status,
            retry_after: spec.retry_after,
            latency_ms: spec
                .latency_ms
                .map_or(0, |s| s.pick(spec.seed, LATENCY, number)),
            hang_ms: spec.hang_ms,
            truncate: spec.truncate,
        }))
    }

    fn spec(&self, p: &FaultParams) -> Result<Spec, ApiError> {
        p.check_known(KNOWN)?;
        let status = match p.get("fault_status")? {
            None => None,
            Some(v) => Some(match number("fault_status", v, 100..=599)? {
                429 => StatusCode::TOO_MANY_REQUESTS,
                500 => StatusCode::INTERNAL_SERVER_ERROR,
                502 => StatusCode::BAD_GATEWAY,
                503 => StatusCode::SERVICE_UNAVAILABLE,
                other => {
                    return Err(invalid(
                        "fault_status",
                        format!("{other} is not 429, 500, 502 or 503"),
                    ))
                }
            }),
        };
        let retries = matches!(
            status,
            Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
        );
        let retry_after = match p.get("fault_retry_after")? {
            Some(_) if !retries => {
                return Err(invalid(
                    "fault_retry_after",
                    "Retry-After goes with fault_status 429 or 503",
                ))
            }
            Some(v) => Some(number("fault_retry_after", v, 0..=MAX_RETRY_AFTER)?),
            None => retries.then_some(1),
        };
        let hang_ms = p
            .get("fault_hang_ms")?
            .map(|v| {
                number(
                    "fault_hang_ms",
                    v,
                    1..=self.config.limits.max_hang_ms.max(1),
                )
            })
            .transpose()?;
        let truncate = p
            .get("fault_truncate")?
            .map(|v| number("fault_truncate", v, 0..=1 << 30))
            .transpose()?;
        let latency_ms = p
            .get("fault_latency_ms")?
            .map(|v| {
                Span::parse(
                    "fault_latency_ms",
                    v,
                    self.config.limits.max_latency_ms,
                    "ms",
                )
            })
            .transpose()?;
        if hang_ms.is_some() && (status.is_some() || truncate.is_some()) {
            return Err(invalid(
                "fault_hang_ms",
                "a hung request gets no answer: it cannot be combined with fault_status or fault_truncate",
            ));
        }
        if status.is_none() && latency_ms.is_none() && hang_ms.is_none() && truncate.is_none() {
            let name = p.first_name().unwrap_or("fault_rate");
            return Err(invalid(
                name,
                "no fault asked for: add fault_status, fault_latency_ms, fault_hang_ms or fault_truncate",
            ));
        }
        Ok(Spec {
            seed: p.seed()?,
            key: p.key()?,
            rate: p
                .get("fault_rate")?
                .map_or(Ok(1.0), |v| faults::fraction("fault_rate", v))?,
            status,
            retry_after,
            latency_ms,
            hang_ms,
            truncate,
        })
    }

    /// Counts and logs one injected fault.
    pub fn note(&self, kind: Kind, fault: &Fault, path: &str) {
        self.counts.add(kind as usize, 1);
        tracing::info!(
            target: "ticker::faults",
            kind = kind.name(),
            path,
            request = fault.number,
            "fault injected"
        );
    }

    /// A kind's count.
    pub fn count(&self, kind: Kind) -> u64 {
        self.counts.get(kind as usize)
    }

    /// Appends the fault metrics.
    pub fn render(&self, out: &mut String) {
        self.counts.render(
            "ticker_rest_faults_total",
            "Faults injected on purpose (fault_* parameters), by kind.",
            out,
        );
        ticker_net::metrics::write_metric(
            out,
            "ticker_rest_fault_clients",
            ticker_net::metrics::Kind::Gauge,
            "Clients whose faulted requests are counted for fault_rate.",
            self.clients.len(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(f: &Faults, target: &str, header: Option<&str>) -> Result<Option<Fault>, ApiError> {
        let uri: Uri = target.parse().unwrap();
        let mut headers = HeaderMap::new();
        if let Some(h) = header {
            headers.insert(HEADER, h.parse().unwrap());
        }
        f.plan(
            &uri,
            &headers,
            uri.path().starts_with("/api/"),
            Instant::now(),
        )
    }

    #[test]
    fn off_refuses_fault_parameters_in_the_query_and_the_header() {
        let off = Faults::new(&FaultConfig::default()).unwrap();
        assert_eq!(plan(&off, "/api/v1/latest/AAPL", None).unwrap(), None);
        let e = plan(&off, "/api/v1/latest/AAPL?fault_status=503", None).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "faults_disabled"));
        let e = plan(&off, "/health", Some("status=503")).unwrap_err();
        assert!(e
            .message
            .starts_with("`fault_status`: fault injection is off"));
    }

    #[test]
    fn bad_parameters_are_named() {
        let f = Faults::new(&FaultConfig::allow()).unwrap();
        let cases = [
            (
                "fault_status=404",
                "`fault_status`: 404 is not 429, 500, 502 or 503",
            ),
            (
                "fault_status=500&fault_retry_after=2",
                "`fault_retry_after`: Retry-After goes with",
            ),
            (
                "fault_hang_ms=100&fault_status=503",
                "`fault_hang_ms`: a hung request",
            ),
            ("fault_rate=0.5", "`fault_rate`: no fault asked for"),
            (
                "fault_latency_ms=999999",
                "`fault_latency_ms`: 999999 ms is above the limit of 30000",
            ),
            (
                "fault_hang_ms=200000",
                "`fault_hang_ms`: \"200000\" is not a whole number from 1 to 120000",
            ),
            (
                "fault_stauts=503",
                "`fault_stauts`: no such fault parameter",
            ),
        ];
        for (q, want) in cases {
            let e = plan(&f, &format!("/api/v1/latest?{q}"), None).unwrap_err();
            assert_eq!(e.code, "invalid_fault", "{q}");
            assert!(e.message.starts_with(want), "{q}: {}", e.message);
        }
    }

    #[test]
    fn the_rate_hits_the_same_request_numbers_for_the_same_parameters() {
        let f = Faults::new(&FaultConfig::allow()).unwrap();
        let hits = |client: &str| -> Vec<bool> {
            (0..40)
                .map(|_| {
                    plan(
                        &f,
                        &format!("/api/v1/latest?fault_status=503&fault_rate=0.5&fault_seed=4&fault_client={client}"),
                        None,
                    )
                    .unwrap()
                    .is_some()
                })
                .collect()
        };
        let a = hits("a");
        assert_eq!(a, hits("b"), "same seed, same request numbers, same hits");
        let n = a.iter().filter(|h| **h).count();
        assert!((10..=30).contains(&n), "{n} of 40 at rate 0.5");
    }

    #[test]
    fn defaults_reach_api_routes_only() {
        let f = Faults::new(&FaultConfig {
            defaults: Some("fault_status=502".into()),
            ..FaultConfig::allow()
        })
        .unwrap();
        let hit = plan(&f, "/api/v1/latest", None).unwrap().unwrap();
        assert_eq!(hit.status, Some(StatusCode::BAD_GATEWAY));
        assert_eq!(plan(&f, "/health", None).unwrap(), None);
        let own = plan(&f, "/api/v1/latest?fault_status=429", None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (own.status.map(|s| s.as_u16()), own.retry_after),
            (Some(429), Some(1))
        );
        assert_eq!(own.describe(), "status=429");
    }
}
