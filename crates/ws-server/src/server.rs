//! The ws-server's socket side: the accept loop, plain HTTP (`/health`, `/metrics`), the
//! WebSocket upgrade on `/` and `/ws`, and graceful shutdown (close 1001 to every client).
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
use ticker_core::{Clock, Market, Seq, SymbolSet, VERSION};
use ticker_net::metrics::{write_metric, write_process, HttpMetrics, Kind};
use ticker_net::query::{shorten, Query};
use ticker_net::{
    accept_until, Admission, ApiError, GuardConfig, GuardedIo, RejectSlot, REJECTED_PATH,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::WsConfig;
use crate::faults::Faults;
use crate::protocol::{self, ProtocolError};
use crate::session::{self, Limits, Params, Setup};
use crate::shard::Writers;
use crate::stats::Stats;
use crate::stream::Format;
use crate::ticker::Hub;

/// Sockets accepted beyond the session limit, so health probes still get through.
const HTTP_HEADROOM: usize = 64;

const ROUTES: &[&str] = &["upgrade", "health", "metrics", "other"];

/// Where a lost client is pointed.
const WS_ROUTES: &str = "this port serves WebSocket on / and /ws, plus GET /health and /metrics";

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
    admission: Admission,
    http: HttpMetrics,
    started: Instant,
    shutdown: watch::Receiver<bool>,
    ws_config: WebSocketConfig,
    writers: Writers,
    faults: Arc<Faults>,
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
    let ticking = tokio::spawn(hub.clone().run(trackers, stop_rx.clone()));
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
        admission: admission.clone(),
        http: HttpMetrics::new(ROUTES),
        started,
        shutdown: stop_rx.clone(),
        ws_config,
        writers,
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
        let service = service_fn(move |req| {
            let st = st.clone();
            let slot = slot.clone();
            async move { Ok::<_, Infallible>(handle(&st, &slot, req)) }
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
    ticking.abort();
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
            "/" | "/ws" => (0, upgrade(st, req)),
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
    let now = hub.clock.now_ms();
    let due = hub.market.schedule().tick_at(now);
    // The loop publishes within milliseconds of each boundary; two ticks behind is a stall.
    let stalled = due.0 > latest.seq.0 + 2;
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

fn header_has_token(req: &Request<Incoming>, name: header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

fn parse_params(st: &State, query: Option<&str>) -> Result<Params, ApiError> {
    let market = &st.hub.market;
    let mut params = Params {
        format: Format::Quote,
        subscribed: SymbolSet::all(market.len()),
        since: None,
        url_errors: Vec::new(),
        faults: None,
    };
    let query = Query::parse(query)?;
    params.faults = st.faults.parse(&query)?;
    if let Some(value) = query.get("format")? {
        params.format = Format::parse(value).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter `format`: {:?} is not quote, batch or array",
                shorten(value)
            ))
        })?;
    }
    if let Some(value) = query.get("symbols")? {
        let names: Vec<&str> = value.split(',').collect();
        let sel = protocol::select(market, &names, st.config.max_symbols)
            .map_err(|e| ApiError::bad_request(e.message))?;
        params.subscribed = if sel.all {
            SymbolSet::all(market.len())
        } else {
            sel.ids.iter().copied().collect()
        };
        if !sel.unknown.is_empty() {
            let mut e = ProtocolError::new(
                "unknown_symbols",
                format!("unknown symbols: {}", sel.unknown.join(", ")),
            );
            e.symbols = sel.unknown;
            params.url_errors.push(e);
        }
    }
    if let Some(value) = query.get("since")? {
        match value.parse::<u64>() {
            Ok(n) => params.since = Some(Seq(n)),
            Err(_) => params.url_errors.push(ProtocolError::new(
                "invalid_since",
                "`since` must be the last seq received (a non-negative integer)",
            )),
        }
    }
    // "Every symbol" (the default, or `*`) means every symbol up to the per-connection limit.
    let max = st.config.max_symbols;
    if params.subscribed.len() > max {
        params.subscribed = params.subscribed.iter().take(max).collect();
        params.url_errors.push(ProtocolError::new(
            "too_many_symbols",
            format!("the market has {} symbols; subscribed to the first {max} (the limit per connection)", market.len()),
        ));
    }
    // Unknown parameters are ignored, as in the REST API.
    Ok(params)
}

fn upgrade(st: &Arc<State>, mut req: Request<Incoming>) -> Response<Body> {
    let is_upgrade = header_has_token(&req, header::CONNECTION, "upgrade")
        && header_has_token(&req, header::UPGRADE, "websocket");
    if !is_upgrade {
        let mut resp = error_response(&ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            "this endpoint speaks WebSocket: connect with a WebSocket client (see docs/ws-protocol.md)",
        ));
        resp.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return resp;
    }
    if req.method() != Method::GET {
        return error_response(&ApiError::method_not_allowed(req.method().as_str(), "GET"));
    }
    if req
        .headers()
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        let mut resp = error_response(&ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "unsupported_version",
            "only WebSocket version 13 is supported",
        ));
        resp.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return resp;
    }
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return error_response(&ApiError::bad_request("missing Sec-WebSocket-Key"));
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    if !st.config.origin_allowed(origin) {
        return error_response(&ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!(
                "origin {:?} is not allowed (--allowed-origins)",
                origin.unwrap_or("")
            ),
        ));
    }
    let params = match parse_params(st, req.uri().query()) {
        Ok(p) => p,
        Err(e) => return error_response(&e),
    };
    if let Some(refused) = params
        .faults
        .as_ref()
        .and_then(|spec| st.faults.refusal(spec, Instant::now()))
    {
        return refusal_response(&refused);
    }
    let Ok(permit) = st.sessions.clone().try_acquire_owned() else {
        Stats::bump(&st.hub.stats.refused_full);
        return error_response(&ApiError::overloaded(st.config.max_connections));
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let st2 = st.clone();
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => serve_session(st2, upgraded, params, permit).await,
            Err(e) => tracing::debug!(error = %e, "upgrade failed"),
        }
    });
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    resp
}

/// A faulted refusal of the upgrade: the JSON error, `Retry-After` for 429 and 503, and
/// `x-ticker-fault` naming the fault.
fn refusal_response((e, retry_after): &(ApiError, Option<u64>)) -> Response<Body> {
    let mut resp = error_response(e);
    let h = resp.headers_mut();
    if let Some(seconds) = retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
    }
    h.insert(
        ticker_net::faults::HEADER,
        HeaderValue::from_static("refuse"),
    );
    resp
}

async fn serve_session(
    st: Arc<State>,
    upgraded: hyper::upgrade::Upgraded,
    params: Params,
    permit: OwnedSemaphorePermit,
) {
    // The session drives the socket itself (its writer shard writes shared frames to it
    // directly), so take the TCP stream back from hyper and the guard, with any bytes the
    // client sent right after its upgrade request.
    let Ok(parts) = upgraded.downcast::<TokioIo<GuardedIo<TcpStream>>>() else {
        tracing::error!("upgraded connection is not a guarded TCP stream");
        return;
    };
    let hyper::upgrade::Parts { io, read_buf, .. } = parts;
    let (stream, rest) = io.into_inner().into_parts();
    // Copy, then let go of hyper's read buffer: `read_buf` is a view into its allocation.
    let mut unread = read_buf.to_vec();
    drop(read_buf);
    unread.extend_from_slice(&rest);
    let setup = Setup {
        hub: st.hub.clone(),
        ws_config: st.ws_config,
        limits: Limits {
            max_symbols: st.config.max_symbols,
            message_rate: f64::from(st.config.max_message_rate),
            message_burst: f64::from(st.config.message_burst.max(1)),
            stall_timeout: WsConfig::ms(st.config.stall_timeout_ms),
            queue_ticks: st.config.queue_ticks,
            fault_held_bytes: st.config.faults.max_held_bytes,
        },
        shutdown: st.shutdown.clone(),
        faults: st.faults.clone(),
    };
    session::run(stream, unread, setup, &st.writers, params).await;
    drop(permit);
}
