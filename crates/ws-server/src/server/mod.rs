//! The ws-server's socket side: the accept loop, plain HTTP (`/health`, `/metrics`, and
//! `/control/clock` when a control token enables it), the WebSocket upgrade on `/` and `/ws`
//! (live, or a replay of the past with `?from=`), and graceful shutdown (close 1001 to every
//! client).
//!
//! hyper parses the HTTP request and performs the upgrade; tokio-tungstenite then runs the
//! WebSocket protocol on the upgraded stream. The connection limit is counted in WebSocket
//! sessions (503 before the upgrade beyond it); a little extra socket headroom keeps `/health`
//! answering while the server is full.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use ticker_core::{clock_report, Clock, Market, VERSION};
use ticker_net::metrics::{write_metric, write_process, HttpMetrics, Kind};
use ticker_net::{
    accept_until, Admission, ApiError, Control, GuardConfig, GuardedIo, RejectSlot,
    CONTROL_CLOCK_PATH, REJECTED_PATH,
};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::WsConfig;
use crate::faults::Faults;
use crate::shard::Writers;
use crate::stats::Stats;
use crate::ticker::Hub;

mod upgrade;
mod vendor;

use upgrade::upgrade;

/// Sockets accepted beyond the session limit, so health probes still get through.
const HTTP_HEADROOM: usize = 64;

const ROUTES: &[&str] = &[
    "upgrade", "health", "metrics", "other", "control", "asyncapi",
];
/// Label of `/control/clock`.
const CONTROL: usize = 4;

/// Where a lost client is pointed.
const WS_ROUTES: &str = "this port serves WebSocket on / and /ws (and the vendor streams /alpaca/v2/{feed}, /polygon/stocks, /finnhub and /binance/…, docs/vendors.md), plus GET /health, /metrics and /asyncapi.json";

type Body = Full<Bytes>;

/// Everything [`run`] needs besides the socket.
pub struct Settings {
    /// Service settings and limits.
    pub ws: WsConfig,
    /// The market model.
    pub market: Arc<Market>,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
}

struct State {
    config: WsConfig,
    hub: Arc<Hub>,
    sessions: Arc<Semaphore>,
    /// Places for replays (`--max-replays`).
    replays: Arc<Semaphore>,
    /// `/control/clock`.
    control: Control,
    admission: Admission,
    http: HttpMetrics,
    started: Instant,
    shutdown: watch::Receiver<bool>,
    ws_config: WebSocketConfig,
    writers: Writers,
    faults: Arc<Faults>,
    /// The Alpaca and Polygon streams' keys, limits and sessions per key.
    gateways: crate::vendor::Gateways,
    /// The live ticks. cross-tick vendor state (Binance.s klines and 24 h windows).
    series: Arc<crate::vendor::Series>,
}

/// Serves the stream on an already-bound listener until `shutdown` resolves; then every
/// client gets close 1001 and the function returns within the grace period.
pub async fn run(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let Settings {
        ws: config,
        market,
        clock,
    } = settings;
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let faults = Arc::new(
        Faults::new(&config.faults).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
    );
    let stats = Arc::new(Stats::default());
    let (queue, replay) = (config.queue_ticks, config.replay_ticks);
    let started = Instant::now();
    let (hub, trackers) =
        tokio::task::spawn_blocking(move || Hub::warm_up(market, clock, queue, replay, stats))
            .await
            .map_err(io::Error::other)?;
    let hub = Arc::new(hub);
    tracing::info!(
        tick = %hub.latest().seq,
        warm_up_ms = started.elapsed().as_millis() as u64,
        "replay window ready"
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let ticking = hub.start(trackers, stop_rx.clone())?;
    let shards = match config.writers {
        0 => Writers::per_core(),
        n => n,
    };
    let (writers, writing) = Writers::start(
        &hub,
        shards,
        WsConfig::ms(config.ping_interval_ms),
        &stop_rx,
    );

    let admission = Admission::new(
        config.max_connections + HTTP_HEADROOM,
        ApiError::overloaded(config.max_connections).raw_response(""),
    );
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(config.read_buffer_bytes)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(16 * 1024 + 4 * config.max_message_bytes.max(64 * 1024))
        .max_message_size(Some(config.max_message_bytes))
        .max_frame_size(Some(config.max_message_bytes));
    let state = Arc::new(State {
        sessions: Arc::new(Semaphore::new(config.max_connections)),
        replays: Arc::new(Semaphore::new(config.max_replays)),
        control: config.control.control(),
        admission: admission.clone(),
        http: HttpMetrics::new(ROUTES),
        started,
        shutdown: stop_rx.clone(),
        ws_config,
        writers,
        gateways: crate::vendor::Gateways::new(&config),
        series: Arc::new(crate::vendor::Series::new(hub.market.clone())),
        hub,
        config,
        faults,
    });
    let guard = GuardConfig {
        limits: state.config.head_limits(),
        header_timeout: WsConfig::ms(state.config.handshake_timeout_ms),
        idle_timeout: WsConfig::ms(state.config.handshake_timeout_ms),
        // HTTP answers (health, metrics, refusals) to a client that never reads are dropped;
        // after the upgrade the session's stall timeout takes over.
        write_timeout: Some(WsConfig::ms(state.config.handshake_timeout_ms)),
        upgrades: true,
    };
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .half_close(true)
        .header_read_timeout(None)
        .max_buf_size(16 * 1024);

    tracing::info!(addr = %listener.local_addr()?, "ws-server listening");
    accept_until(listener, &admission, shutdown, |stream, peer, permit| {
        if state.config.send_buffer_bytes > 0 {
            let _ = socket2::SockRef::from(&stream)
                .set_send_buffer_size(state.config.send_buffer_bytes);
        }
        let slot = RejectSlot::default();
        let io = TokioIo::new(GuardedIo::new(stream, guard, slot.clone()));
        let st = state.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let st = st.clone();
            let slot = slot.clone();
            async move {
                if st.control.enabled() && req.uri().path() == CONTROL_CLOCK_PATH {
                    return Ok::<_, Infallible>(control(&st, req).await);
                }
                Ok::<_, Infallible>(handle(&st, &slot, req))
            }
        });
        let conn = builder.serve_connection(io, service).with_upgrades();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
            drop(permit);
        });
    })
    .await;
    let _ = stop_tx.send(true);
    let grace = WsConfig::ms(state.config.shutdown_grace_ms);
    let open = state.config.max_connections - state.sessions.available_permits();
    tracing::info!(open, ?grace, "closing WebSocket sessions with 1001");
    // Every session returns its permit when it ends: holding all of them means all are done.
    let all = u32::try_from(state.config.max_connections).unwrap_or(u32::MAX);
    match tokio::time::timeout(grace, state.sessions.acquire_many(all)).await {
        Ok(_) => tracing::info!("all sessions closed"),
        Err(_) => tracing::warn!("grace period over; dropping remaining sessions"),
    }
    drop(ticking);
    for shard in writing {
        shard.abort();
    }
    Ok(())
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn error_response(e: &ApiError) -> Response<Body> {
    let mut resp = json_response(e.status, e.body());
    if e.status == StatusCode::METHOD_NOT_ALLOWED {
        // RFC 9110 requires `Allow` on every 405; only GET (and HEAD on the HTTP routes) works.
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    }
    resp
}

fn handle(st: &Arc<State>, slot: &RejectSlot, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    // After a head that announces a body or a protocol switch the guard stops vetting heads,
    // so unless the connection is upgraded it must end with this response.
    let unvetted = req.headers().contains_key(header::UPGRADE)
        || ticker_net::head::declares_body(req.headers());
    let path = req.uri().path();
    let (route, mut resp) = if path == REJECTED_PATH {
        let e = slot
            .take()
            .unwrap_or_else(|| ApiError::not_found(REJECTED_PATH, WS_ROUTES));
        (3, error_response(&e))
    } else {
        match path {
            "/health" => (1, only_get(&req).unwrap_or_else(|| health(st))),
            "/metrics" => (2, only_get(&req).unwrap_or_else(|| metrics(st))),
            "/asyncapi.json" => (
                5,
                only_get(&req)
                    .unwrap_or_else(|| json_response(StatusCode::OK, crate::asyncapi::encoded())),
            ),
            "/" | "/ws" => (0, upgrade(st, req)),
            p if vendor::route(p).is_some() => (0, vendor::upgrade(st, req)),
            other => (3, error_response(&ApiError::not_found(other, WS_ROUTES))),
        }
    };
    if unvetted && resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    st.http
        .record(route, resp.status().as_u16(), started.elapsed());
    resp
}

/// `/control/clock` (only when a control token is configured).
async fn control(st: &State, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let unread = ticker_net::head::declares_body(req.headers());
    let timeout = WsConfig::ms(st.config.handshake_timeout_ms);
    let hub = &st.hub;
    let mut resp = st
        .control
        .respond(req, hub.clock.as_ref(), hub.market.schedule(), timeout)
        .await;
    if unread {
        // The guard stopped vetting heads at the body: this connection ends here.
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    st.http
        .record(CONTROL, resp.status().as_u16(), started.elapsed());
    resp
}

fn only_get(req: &Request<Incoming>) -> Option<Response<Body>> {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let mut resp = error_response(&ApiError::method_not_allowed(
        req.method().as_str(),
        "GET, HEAD",
    ));
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    Some(resp)
}

fn health(st: &State) -> Response<Body> {
    let hub = &st.hub;
    let latest = hub.latest();
    let clock = clock_report(hub.clock.as_ref());
    let now = clock.now_ms;
    let due = hub.market.schedule().tick_at(now);
    // The loop publishes within milliseconds of each boundary; two ticks behind is a stall.
    // A fast virtual clock passes many ticks per wall second: then a wall second's worth.
    let per_wall_second = clock.speed * 1000.0 / hub.market.schedule().interval_ms() as f64;
    let allowed = if clock.speed > 1.0 {
        (per_wall_second.ceil() as u64).max(2)
    } else {
        2
    };
    let stalled = due.0 > latest.seq.0 + allowed;
    let open = st.config.max_connections - st.sessions.available_permits();
    let body = json!({
        "status": if stalled { "degraded" } else { "ok" },
        "version": VERSION,
        "connections": open,
        "max_connections": st.config.max_connections,
        "tick": latest.seq,
        "seq": latest.seq,
        "tick_time": latest.timestamp,
        "timestamp": now,
        "interval_ms": hub.market.schedule().interval_ms(),
        "clock": clock,
        "replays": st.config.max_replays - st.replays.available_permits(),
        "uptime_s": st.started.elapsed().as_secs_f64(),
        // Lets a launcher (scripts/run.sh) tell its own process from another one on the port.
        "pid": std::process::id(),
    });
    json_response(StatusCode::OK, body.to_string())
}

fn metrics(st: &State) -> Response<Body> {
    let mut out = String::with_capacity(8 * 1024);
    st.http.render("ticker_ws_http", &mut out);
    write_process(&mut out, "ticker_ws", VERSION, st.started.elapsed());
    write_metric(
        &mut out,
        "ticker_ws_connections",
        Kind::Gauge,
        "WebSocket sessions open now.",
        st.config.max_connections - st.sessions.available_permits(),
    );
    write_metric(
        &mut out,
        "ticker_ws_sockets_refused_total",
        Kind::Counter,
        "Sockets refused at the accept limit (sessions plus HTTP headroom).",
        st.admission.stats.refused.load(Ordering::Relaxed),
    );
    write_metric(
        &mut out,
        "ticker_ws_market_tick",
        Kind::Gauge,
        "The newest published tick.",
        st.hub.latest().seq.0,
    );
    st.hub.stats.render(&mut out);
    st.faults.render(&mut out);
    let mut resp = Response::new(Full::new(Bytes::from(out)));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
