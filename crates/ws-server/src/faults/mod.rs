//! Fault injection on WebSocket connections (`docs/faults.md`): what a connection's
//! `fault_*` URL parameters ask for ([`Spec`]), the server-wide part ([`Faults`]: the switch,
//! the limits, refused upgrades per client id, the counters) and, in [`layer`], the
//! per-connection [`Layer`] that applies them to the stream. [`spec`] parses a URL's
//! parameters and decides what happens to each tick ([`Spec::plan`]).
//!
//! A faulted connection is driven by its own task for its whole life ([`crate::conn::Conn::pin`]):
//! its writer shard only queues its ticks, so the fast path of every other connection is
//! untouched. The layer sits between what the connection streams (each tick's frames, built by
//! [`crate::stream::QuoteStream`], or by any other tick source) and its outbox. Every random
//! decision is a pure function of the connection's seed and the tick's `seq`, so the same URL
//! gets the same faults at the same ticks, on any replica and at any time.

mod layer;
mod spec;

use std::time::{Duration, Instant};

use ticker_net::faults::{disabled, Clients, FaultCounts, FaultMode, FaultParams};
use ticker_net::{ApiError, Query};

use crate::cli::FaultConfig;

pub use layer::Layer;
pub use spec::{CloseStyle, Plan, Refuse, Spec};

/// Kinds counted in `ticker_ws_faults_total{kind}`, in [`Kind`] order.
pub const KINDS: &[&str] = &[
    "drop",
    "duplicate",
    "reorder",
    "malformed",
    "delay",
    "stall",
    "disconnect",
    "refuse",
];

/// One kind of fault (an index into [`KINDS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tick not sent.
    Drop,
    /// A tick sent twice.
    Duplicate,
    /// A tick held back behind later ones.
    Reorder,
    /// A malformed frame sent before a tick.
    Malformed,
    /// A tick sent late.
    Delay,
    /// The connection stopped sending for a while.
    Stall,
    /// The connection ended on purpose.
    Disconnect,
    /// An upgrade refused on purpose.
    Refuse,
}

impl Kind {
    /// Its name in metrics and logs.
    pub fn name(self) -> &'static str {
        KINDS.get(self as usize).copied().unwrap_or("unknown")
    }
}

/// The server-wide side of fault injection.
#[derive(Debug)]
pub struct Faults {
    config: FaultConfig,
    defaults: FaultParams,
    clients: Clients,
    /// Injected faults by kind.
    pub counts: FaultCounts,
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
            Spec::parse(&faults.defaults, &faults.config)
                .map_err(|e| format!("--fault-defaults: {}", e.message))?;
        }
        Ok(faults)
    }

    /// The faults a connection URL asks for: `None` without any, `400 faults_disabled` when
    /// fault injection is off, `400 invalid_fault` for a bad parameter.
    pub fn parse(&self, query: &Query) -> Result<Option<Spec>, ApiError> {
        let mut params = FaultParams::from_query(query);
        if let Some(name) = params.first_name() {
            if self.config.mode == FaultMode::Off {
                return Err(disabled(name));
            }
        }
        params.inherit(&self.defaults);
        if params.is_empty() {
            return Ok(None);
        }
        Spec::parse(&params, &self.config).map(Some)
    }

    /// Counts this upgrade attempt of the spec's client id; the refusal to answer when it is
    /// one of the first `fault_refuse` attempts.
    pub fn refusal(&self, spec: &Spec, now: Instant) -> Option<(ApiError, Option<u64>)> {
        let refuse = spec.refuse.as_ref()?;
        let before = self.clients.attempt(refuse.key, now);
        if before >= refuse.count {
            return None;
        }
        self.count(Kind::Refuse, 1);
        tracing::info!(
            target: "ticker::faults",
            kind = "refuse",
            client = %refuse.client,
            attempt = before + 1,
            of = refuse.count,
            status = refuse.status.as_u16(),
            "fault injected"
        );
        let e = ApiError::new(
            refuse.status,
            "fault_injected",
            format!(
                "upgrade refused on purpose: attempt {} of the {} refused for fault_client {:?} (fault_refuse)",
                before + 1,
                refuse.count,
                refuse.client
            ),
        );
        Some((e, refuse.retry_after))
    }

    /// Counts `n` faults of a kind.
    pub fn count(&self, kind: Kind, n: u64) {
        self.counts.add(kind as usize, n);
    }

    /// Appends the fault metrics.
    pub fn render(&self, out: &mut String) {
        self.counts.render(
            "ticker_ws_faults_total",
            "Faults injected on purpose (fault_* parameters), by kind.",
            out,
        );
        ticker_net::metrics::write_metric(
            out,
            "ticker_ws_fault_clients",
            ticker_net::metrics::Kind::Gauge,
            "fault_client ids remembered for fault_refuse.",
            self.clients.len(),
        );
    }
}

#[cfg(test)]
mod tests {
    use ticker_net::faults::Span;

    use super::*;

    fn faults() -> Faults {
        Faults::new(&FaultConfig::allow()).unwrap()
    }

    fn parse(f: &Faults, q: &str) -> Result<Option<Spec>, ApiError> {
        f.parse(&Query::parse(Some(q)).unwrap())
    }

    #[test]
    fn off_refuses_every_fault_parameter_and_ignores_the_rest() {
        let off = Faults::new(&FaultConfig::default()).unwrap();
        assert_eq!(parse(&off, "symbols=AAPL").unwrap(), None);
        let e = parse(&off, "symbols=AAPL&fault_drop=0.1").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "faults_disabled"));
        assert!(e
            .message
            .starts_with("`fault_drop`: fault injection is off"));
        let e = parse(&off, "fault_nonsense=1").unwrap_err();
        assert_eq!(e.code, "faults_disabled");
    }

    #[test]
    fn a_full_spec_parses() {
        let spec = parse(
            &faults(),
            "fault_seed=7&fault_drop=0.1&fault_duplicate=0.2&fault_reorder=0.3&fault_reorder_window=4\
             &fault_malformed=0.05&fault_delay_ms=100-200&fault_stall_ms=500&fault_stall_after_ms=1000\
             &fault_disconnect_ticks=50&fault_close=4001&fault_refuse=2&fault_client=t1&fault_refuse_status=429",
        )
        .unwrap()
        .unwrap();
        assert_eq!(spec.seed, 7);
        assert_eq!(spec.reorder_window, 4);
        assert_eq!(spec.delay_ms, Some(Span { lo: 100, hi: 200 }));
        assert_eq!(
            spec.stall,
            Some((Span { lo: 1000, hi: 1000 }, Span { lo: 500, hi: 500 }))
        );
        assert_eq!(spec.close, CloseStyle::Code(4001));
        let refuse = spec.refuse.unwrap();
        assert_eq!((refuse.count, refuse.status.as_u16()), (2, 429));
        assert_eq!(refuse.retry_after, Some(1));
    }

    #[test]
    fn bad_parameters_are_named() {
        let f = faults();
        let cases = [
            (
                "fault_drop=2",
                "`fault_drop`: \"2\" is not a fraction from 0 to 1 (e.g. 0.25)",
            ),
            ("fault_dorp=0.1", "`fault_dorp`: no such fault parameter"),
            (
                "fault_delay_ms=40000",
                "`fault_delay_ms`: 40000 ms is above the limit of 30000",
            ),
            (
                "fault_reorder_window=3",
                "`fault_reorder_window`: needs fault_reorder",
            ),
            (
                "fault_reorder=0.5&fault_reorder_window=65",
                "`fault_reorder_window`: \"65\" is not a whole number from 2 to 64",
            ),
            (
                "fault_close=1011",
                "`fault_close`: needs fault_disconnect_ms or fault_disconnect_ticks",
            ),
            (
                "fault_disconnect_ms=10&fault_close=1006",
                "`fault_close`: 1006 cannot be sent",
            ),
            ("fault_refuse=2", "`fault_refuse`: needs fault_client"),
            (
                "fault_refuse=1&fault_client=a&fault_refuse_status=404",
                "`fault_refuse_status`: 404 is not",
            ),
            (
                "fault_refuse=1&fault_client=a&fault_refuse_status=500&fault_retry_after=3",
                "`fault_retry_after`: Retry-After goes with",
            ),
            (
                "fault_stall_after_ms=5",
                "`fault_stall_after_ms`: needs fault_stall_ms",
            ),
            (
                "fault_drop=0.1&fault_drop=0.2",
                "`fault_drop`: is given more than once",
            ),
        ];
        for (q, want) in cases {
            let e = parse(&f, q).unwrap_err();
            assert_eq!((e.status.as_u16(), e.code), (400, "invalid_fault"), "{q}");
            assert!(e.message.starts_with(want), "{q}: {}", e.message);
        }
    }

    #[test]
    fn defaults_fill_in_what_the_url_leaves_out() {
        let f = Faults::new(&FaultConfig {
            defaults: Some("fault_drop=0.5&fault_seed=3".into()),
            ..FaultConfig::allow()
        })
        .unwrap();
        let plain = parse(&f, "symbols=AAPL").unwrap().unwrap();
        assert_eq!((plain.drop, plain.seed), (0.5, 3));
        let own = parse(&f, "fault_drop=0.1").unwrap().unwrap();
        assert_eq!((own.drop, own.seed), (0.1, 3));
        for bad in ["fault_drop=7", "symbols=AAPL", "fault_drop=%zz"] {
            let e = Faults::new(&FaultConfig {
                defaults: Some(bad.into()),
                ..FaultConfig::allow()
            })
            .unwrap_err();
            assert!(e.starts_with("--fault-defaults: "), "{e}");
        }
    }

    #[test]
    fn the_first_k_attempts_of_a_client_are_refused() {
        let f = faults();
        let spec = parse(&f, "fault_refuse=2&fault_client=abc")
            .unwrap()
            .unwrap();
        let now = Instant::now();
        let (e, retry) = f.refusal(&spec, now).unwrap();
        assert_eq!(
            (e.status.as_u16(), e.code, retry),
            (503, "fault_injected", Some(1))
        );
        assert!(f.refusal(&spec, now).is_some());
        assert!(f.refusal(&spec, now).is_none());
        assert!(f.refusal(&spec, now).is_none());
        assert_eq!(f.counts.get(Kind::Refuse as usize), 2);
        let other = parse(&f, "fault_refuse=1&fault_client=xyz")
            .unwrap()
            .unwrap();
        assert!(f.refusal(&other, now).is_some());
    }
}
