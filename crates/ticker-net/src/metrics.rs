//! Lock-free request metrics in the Prometheus text format: requests by route and status, a
//! latency histogram per route, and helpers for the services' own gauges and counters.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Status codes counted individually; anything else is counted as `other`.
const STATUSES: [u16; 19] = [
    101, 200, 204, 304, 400, 403, 404, 405, 408, 413, 414, 426, 429, 431, 500, 501, 502, 503, 0,
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

struct RouteStats {
    by_status: [AtomicU64; STATUSES.len()],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_ns: AtomicU64,
}

impl RouteStats {
    fn new() -> Self {
        Self {
            by_status: std::array::from_fn(|_| AtomicU64::new(0)),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }
}

/// Per-route request counters and latency histograms for a fixed set of route names.
pub struct HttpMetrics {
    routes: &'static [&'static str],
    stats: Box<[RouteStats]>,
}

impl HttpMetrics {
    /// Metrics for the given route labels; requests are recorded by index into this list.
    pub fn new(routes: &'static [&'static str]) -> Self {
        Self {
            routes,
            stats: routes.iter().map(|_| RouteStats::new()).collect(),
        }
    }

    /// Records one answered request.
    pub fn record(&self, route: usize, status: u16, elapsed: Duration) {
        let Some(s) = self.stats.get(route) else {
            return;
        };
        let slot = STATUSES
            .iter()
            .position(|&c| c == status)
            .unwrap_or(STATUSES.len() - 1);
        if let Some(c) = s.by_status.get(slot) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|&le| secs <= le) {
            if let Some(c) = s.buckets.get(b) {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        s.count.fetch_add(1, Ordering::Relaxed);
        s.sum_ns.fetch_add(
            elapsed.as_nanos().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    /// Appends `<prefix>_requests_total` and `<prefix>_request_duration_seconds`.
    pub fn render(&self, prefix: &str, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP {prefix}_requests_total HTTP requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE {prefix}_requests_total counter");
        for (route, s) in self.routes.iter().zip(self.stats.iter()) {
            for (code, c) in STATUSES.iter().zip(s.by_status.iter()) {
                let v = c.load(Ordering::Relaxed);
                if v == 0 {
                    continue;
                }
                let status = if *code == 0 {
                    "other".to_owned()
                } else {
                    code.to_string()
                };
                let _ = writeln!(
                    out,
                    "{prefix}_requests_total{{route=\"{route}\",status=\"{status}\"}} {v}"
                );
            }
        }
        let name = format!("{prefix}_request_duration_seconds");
        let _ = writeln!(
            out,
            "# HELP {name} Time from request head to response head, by route."
        );
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (route, s) in self.routes.iter().zip(self.stats.iter()) {
            let count = s.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (le, c) in BUCKETS.iter().zip(s.buckets.iter()) {
                cumulative += c.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{name}_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let sum = s.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {count}");
        }
    }
}

/// The kind of a single-valued metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
}

/// Appends one metric with its HELP and TYPE lines.
pub fn write_metric(
    out: &mut String,
    name: &str,
    kind: Kind,
    help: &str,
    value: impl std::fmt::Display,
) {
    let kind = match kind {
        Kind::Counter => "counter",
        Kind::Gauge => "gauge",
    };
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

/// Appends `<prefix>_build_info{version=…} 1` and `<prefix>_uptime_seconds`.
pub fn write_process(out: &mut String, prefix: &str, version: &str, uptime: Duration) {
    let _ = writeln!(
        out,
        "# HELP {prefix}_build_info Build information; the value is always 1."
    );
    let _ = writeln!(out, "# TYPE {prefix}_build_info gauge");
    let _ = writeln!(out, "{prefix}_build_info{{version=\"{version}\"}} 1");
    write_metric(
        out,
        &format!("{prefix}_uptime_seconds"),
        Kind::Gauge,
        "Seconds since the process started serving.",
        uptime.as_secs_f64(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = HttpMetrics::new(&["latest", "health"]);
        m.record(0, 200, Duration::from_micros(300));
        m.record(0, 200, Duration::from_millis(3));
        m.record(0, 404, Duration::from_micros(50));
        m.record(1, 418, Duration::from_micros(50));
        m.record(9, 200, Duration::ZERO); // unknown route: ignored, no panic
        let mut out = String::new();
        m.render("ticker_rest", &mut out);
        assert!(out.contains("ticker_rest_requests_total{route=\"latest\",status=\"200\"} 2\n"));
        assert!(out.contains("ticker_rest_requests_total{route=\"latest\",status=\"404\"} 1\n"));
        assert!(out.contains("ticker_rest_requests_total{route=\"health\",status=\"other\"} 1\n"));
        assert!(out.contains(
            "ticker_rest_request_duration_seconds_bucket{route=\"latest\",le=\"0.0005\"} 2\n"
        ));
        assert!(out.contains(
            "ticker_rest_request_duration_seconds_bucket{route=\"latest\",le=\"+Inf\"} 3\n"
        ));
        assert!(out.contains("ticker_rest_request_duration_seconds_count{route=\"latest\"} 3\n"));
    }
}
