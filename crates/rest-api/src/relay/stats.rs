//! Counters of the `/ws` relay, rendered into the rest-api's `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use ticker_net::metrics::{write_metric, Kind};

/// What the relay has done so far.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Relayed connections open now.
    pub open: AtomicU64,
    /// Relayed connections opened (the ws-server's 101 passed on).
    pub opened: AtomicU64,
    /// Upgrades the ws-server refused (its answer passed on).
    pub refused: AtomicU64,
    /// Upgrades answered 503 because the ws-server could not be reached in time.
    pub unavailable: AtomicU64,
    /// Upgrades answered 503 at `--max-relay-connections`.
    pub full: AtomicU64,
    /// Connections closed after `--relay-idle-timeout-ms` without a byte.
    pub idle_closed: AtomicU64,
    /// Bytes copied from the ws-server to clients.
    pub bytes_to_client: AtomicU64,
    /// Bytes copied from clients to the ws-server.
    pub bytes_to_server: AtomicU64,
}

impl RelayStats {
    /// Adds one to a counter.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Appends the relay's metrics in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        write_metric(
            out,
            "ticker_rest_relay_connections",
            Kind::Gauge,
            "WebSocket connections relayed to the ws-server now.",
            get(&self.open),
        );
        for (name, help, counter) in [
            (
                "ticker_rest_relay_connections_total",
                "WebSocket connections relayed (the ws-server's 101 passed on).",
                &self.opened,
            ),
            (
                "ticker_rest_relay_refused_total",
                "Relayed upgrades the ws-server refused (its answer passed on).",
                &self.refused,
            ),
            (
                "ticker_rest_relay_unavailable_total",
                "Relayed upgrades answered 503: the ws-server was unreachable or too slow.",
                &self.unavailable,
            ),
            (
                "ticker_rest_relay_full_total",
                "Relayed upgrades answered 503 at --max-relay-connections.",
                &self.full,
            ),
            (
                "ticker_rest_relay_idle_closed_total",
                "Relayed connections closed after --relay-idle-timeout-ms without a byte.",
                &self.idle_closed,
            ),
        ] {
            write_metric(out, name, Kind::Counter, help, get(counter));
        }
        let name = "ticker_rest_relay_bytes_total";
        let _ = writeln!(
            out,
            "# HELP {name} Bytes copied by the relay, by direction."
        );
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(
            out,
            "{name}{{direction=\"to_client\"}} {}",
            get(&self.bytes_to_client)
        );
        let _ = writeln!(
            out,
            "{name}{{direction=\"to_server\"}} {}",
            get(&self.bytes_to_server)
        );
    }
}
