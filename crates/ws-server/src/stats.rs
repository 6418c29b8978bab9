//! Counters of the WebSocket service, rendered by `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

use ticker_net::metrics::{write_metric, Kind};

/// Service counters (all monotonic except `publish_lag_ms`).
#[derive(Debug, Default)]
pub struct Stats {
    /// WebSocket sessions started.
    pub sessions_total: AtomicU64,
    /// Ticks published by the loop.
    pub ticks_published: AtomicU64,
    /// Ticks the loop skipped after falling far behind.
    pub ticks_skipped: AtomicU64,
    /// Milliseconds between the last tick's time and its publication.
    pub publish_lag_ms: AtomicU64,
    /// Data frames sent to clients (quotes, batches, arrays, control messages).
    pub frames_sent: AtomicU64,
    /// Per-symbol quote frames not delivered to slow clients.
    pub frames_dropped: AtomicU64,
    /// Clients closed for not draining (1008).
    pub closed_slow: AtomicU64,
    /// Clients closed for missing heartbeats.
    pub closed_heartbeat: AtomicU64,
    /// Clients closed for exceeding the message rate (1008).
    pub closed_rate: AtomicU64,
    /// Clients closed for oversize messages (1009).
    pub closed_oversize: AtomicU64,
    /// Clients closed for protocol violations (1002/1007).
    pub closed_protocol: AtomicU64,
    /// Client messages received (text and binary).
    pub client_messages: AtomicU64,
    /// `error` messages sent.
    pub errors_sent: AtomicU64,
    /// Resumes served from the replay window.
    pub resumes: AtomicU64,
    /// Resumes beyond the window (answered with `gap`).
    pub gaps: AtomicU64,
    /// Upgrades refused with 503 at the connection limit.
    pub refused_full: AtomicU64,
    /// Times a manual clock jumped further than a connection's queue (published as a gap).
    pub clock_jumps: AtomicU64,
    /// Replays started (`?from=`).
    pub replays_total: AtomicU64,
    /// Replays refused with 503 at `--max-replays`.
    pub replays_refused: AtomicU64,
}

impl Stats {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Appends every counter as `ticker_ws_*` metrics.
    pub fn render(&self, out: &mut String) {
        let rows: [(&str, Kind, &str, &AtomicU64); 19] = [
            (
                "sessions_total",
                Kind::Counter,
                "WebSocket sessions started.",
                &self.sessions_total,
            ),
            (
                "ticks_published_total",
                Kind::Counter,
                "Ticks published by the tick loop.",
                &self.ticks_published,
            ),
            (
                "ticks_skipped_total",
                Kind::Counter,
                "Ticks skipped after the loop fell far behind.",
                &self.ticks_skipped,
            ),
            (
                "publish_lag_milliseconds",
                Kind::Gauge,
                "Delay between the last tick's time and its publication.",
                &self.publish_lag_ms,
            ),
            (
                "frames_sent_total",
                Kind::Counter,
                "Frames sent to clients.",
                &self.frames_sent,
            ),
            (
                "frames_dropped_total",
                Kind::Counter,
                "Per-symbol quote frames not delivered to slow clients.",
                &self.frames_dropped,
            ),
            (
                "closed_slow_total",
                Kind::Counter,
                "Clients closed for not draining their queue.",
                &self.closed_slow,
            ),
            (
                "closed_heartbeat_total",
                Kind::Counter,
                "Clients closed for missing heartbeats.",
                &self.closed_heartbeat,
            ),
            (
                "closed_rate_total",
                Kind::Counter,
                "Clients closed for exceeding the message rate.",
                &self.closed_rate,
            ),
            (
                "closed_oversize_total",
                Kind::Counter,
                "Clients closed for oversize messages.",
                &self.closed_oversize,
            ),
            (
                "closed_protocol_total",
                Kind::Counter,
                "Clients closed for protocol violations.",
                &self.closed_protocol,
            ),
            (
                "client_messages_total",
                Kind::Counter,
                "Messages received from clients.",
                &self.client_messages,
            ),
            (
                "errors_sent_total",
                Kind::Counter,
                "Error messages sent to clients.",
                &self.errors_sent,
            ),
            (
                "resumes_total",
                Kind::Counter,
                "Resumes served from the replay window.",
                &self.resumes,
            ),
            (
                "gaps_total",
                Kind::Counter,
                "Resumes older than the replay window.",
                &self.gaps,
            ),
            (
                "refused_full_total",
                Kind::Counter,
                "Upgrades refused at the connection limit.",
                &self.refused_full,
            ),
            (
                "clock_jumps_total",
                Kind::Counter,
                "Manual clock moves too long to stream tick by tick (sent as a gap).",
                &self.clock_jumps,
            ),
            (
                "replays_total",
                Kind::Counter,
                "Replays of the past started (?from=).",
                &self.replays_total,
            ),
            (
                "replays_refused_total",
                Kind::Counter,
                "Replays refused at --max-replays.",
                &self.replays_refused,
            ),
        ];
        for (name, kind, help, value) in rows {
            write_metric(
                out,
                &format!("ticker_ws_{name}"),
                kind,
                help,
                value.load(Ordering::Relaxed),
            );
        }
    }
}
