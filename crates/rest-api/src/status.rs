//! `/`, `/health` and `/metrics`: what the service is, whether it is well, and its counters.
//!
//! `/health` always answers 200 while the process can answer at all: it is a liveness
//! endpoint, and a ws-server outage must not make orchestrators restart a healthy REST service.
//! The overall `status` turns `degraded` instead, with the reason under `details`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use http::header::HeaderValue;
use http::{Response, StatusCode};
use serde::Serialize;
use serde_json::json;
use ticker_core::time::format_rfc3339;
use ticker_core::{clock_report, VERSION};
use ticker_net::metrics::{write_metric, write_process, Kind};

use crate::app::App;
use crate::response::{self, Body};
use crate::routes::{CONTROL_ENDPOINT, ENDPOINTS};

/// `GET /`.
pub fn info(app: &App) -> Response<Body> {
    let m = &app.market;
    let cfg = m.config();
    let control = app.control.enabled().then_some(&CONTROL_ENDPOINT);
    let endpoints: Vec<_> = ENDPOINTS
        .iter()
        .chain(control)
        .map(|(method, path, description)| json!({"method": method, "path": path, "description": description}))
        .collect();
    response::json_value(&json!({
        "name": "ticker rest-api",
        "version": VERSION,
        "uptime_s": app.started.elapsed().as_secs_f64(),
        "ws_url": app.config.public_ws_url(),
        "market": {
            "seed": cfg.seed,
            "interval_ms": cfg.interval_ms,
            "epoch": format_rfc3339(cfg.epoch_ms),
            "session_ms": cfg.session_ms,
            "symbols": m.ids().map(|id| m.info(id).symbol.as_str()).collect::<Vec<_>>(),
            "tick": app.current_tick(),
        },
        "clock": clock_report(app.clock.as_ref()),
        "endpoints": endpoints,
    }))
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    timestamp: i64,
    clock: ticker_core::ClockReport,
    version: &'static str,
    uptime_s: f64,
    pid: u32,
    components: BTreeMap<&'static str, &'static str>,
    details: BTreeMap<&'static str, serde_json::Value>,
}

/// `GET /health`: always 200; `status` is `ok` only when every component is `healthy`.
pub async fn health(app: &App) -> Response<Body> {
    let clock = clock_report(app.clock.as_ref());
    let now = clock.now_ms;
    let schedule = app.market.schedule();
    let tick = schedule.tick_at(now);
    let (market_state, market_reason) = if now < schedule.epoch_ms() {
        (
            "degraded",
            Some("the clock is before the epoch: prices stay at tick 0 until it passes"),
        )
    } else if tick >= schedule.last() {
        (
            "degraded",
            Some("the clock is past the last representable tick"),
        )
    } else {
        ("healthy", None)
    };
    let probe = app.probe.check(now).await;

    let mut components = BTreeMap::new();
    components.insert("market_clock", market_state);
    components.insert("ws_server", probe.state);
    let mut details = BTreeMap::new();
    details.insert(
        "market_clock",
        json!({
            "tick": tick,
            "tick_time": schedule.time_of(tick),
            "interval_ms": schedule.interval_ms(),
            "epoch": format_rfc3339(schedule.epoch_ms()),
            "kind": clock.kind,
            "speed": clock.speed,
            "reason": market_reason,
        }),
    );
    details.insert(
        "ws_server",
        serde_json::to_value(&probe).unwrap_or_default(),
    );
    let all_healthy = components.values().all(|s| *s == "healthy");
    response::json_value(&Health {
        status: if all_healthy { "ok" } else { "degraded" },
        timestamp: now,
        clock,
        version: VERSION,
        uptime_s: app.started.elapsed().as_secs_f64(),
        // Lets a launcher (scripts/run.sh) tell its own process from another one that holds
        // the port.
        pid: std::process::id(),
        components,
        details,
    })
}

/// The dashboard page, embedded in the binary: no build step, no CDN, works offline (its
/// styles and script are [`crate::assets`]).
const DASHBOARD_HTML: &str = include_str!("../assets/dashboard.html");

/// `GET /dashboard`.
pub fn dashboard() -> Response<Body> {
    response::with_body(
        StatusCode::OK,
        HeaderValue::from_static("text/html; charset=utf-8"),
        DASHBOARD_HTML,
    )
}

/// `GET /metrics` in the Prometheus text format.
pub fn metrics(app: &App) -> Response<Body> {
    let mut out = String::with_capacity(8 * 1024);
    app.metrics.render("ticker_rest", &mut out);
    write_process(&mut out, "ticker_rest", VERSION, app.started.elapsed());
    let stats = &app.admission.stats;
    write_metric(
        &mut out,
        "ticker_rest_open_connections",
        Kind::Gauge,
        "Connections currently open.",
        app.admission.open(),
    );
    write_metric(
        &mut out,
        "ticker_rest_connections_accepted_total",
        Kind::Counter,
        "Connections admitted.",
        stats.accepted.load(Ordering::Relaxed),
    );
    write_metric(
        &mut out,
        "ticker_rest_connections_refused_total",
        Kind::Counter,
        "Connections refused with 503 at the connection limit.",
        stats.refused.load(Ordering::Relaxed),
    );
    write_metric(
        &mut out,
        "ticker_rest_accept_errors_total",
        Kind::Counter,
        "Failed accept calls.",
        stats.errors.load(Ordering::Relaxed),
    );
    write_metric(
        &mut out,
        "ticker_rest_market_tick",
        Kind::Gauge,
        "The current tick (seq) of the market clock.",
        app.current_tick().0,
    );
    app.history_warm.render(&app.market, &mut out);
    app.heavy.render(&mut out);
    app.relay.stats.render(&mut out);
    app.faults.render(&mut out);
    response::with_body(
        StatusCode::OK,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        out,
    )
}
