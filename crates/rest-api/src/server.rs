//! The accept loop and per-connection serving: admission (503 beyond the limit), the request
//! head guard, hyper HTTP/1.1 with keep-alive and upgrades (the `/ws` relay), panic
//! containment, CORS on every answer, metrics and graceful shutdown.
//!
//! Shutdown: the listener closes, every connection is asked to finish its request in flight
//! and close (hyper's graceful shutdown), every relayed WebSocket gets a clean close, and `run`
//! waits for all of them up to the grace period; whatever is left then is closed.

use std::future::Future;
use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use http::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, ORIGIN, RETRY_AFTER, UPGRADE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Either};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use ticker_core::{Clock, Market};
use ticker_net::{accept_until, Admission, ApiError, GuardConfig, GuardedIo, RejectSlot};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::app::App;
use crate::cli::RestConfig;
use crate::faults::{Cut, Fault, Faults, Hung, Kind};
use crate::relay::Relay;
use crate::response::{self, Body};
use crate::routes;
use crate::warm::StopOnDrop;

/// Everything [`run`] needs besides the socket.
pub struct Settings {
    /// Service settings and limits.
    pub rest: RestConfig,
    /// The market model.
    pub market: Arc<Market>,
    /// The wall clock.
    pub clock: Arc<dyn Clock>,
}

/// Serves the REST API on an already-bound listener until `shutdown` resolves, then drains
/// in-flight requests for up to the grace period and closes the connections that remain.
pub async fn run(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let Settings {
        rest,
        market,
        clock,
    } = settings;
    rest.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let faults =
        Faults::new(&rest.faults).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let admission = Admission::new(
        rest.max_connections,
        // The refusal is sent before the request is read, so it cannot echo an Origin: with
        // an origin list configured it carries no CORS header at all.
        ApiError::overloaded(rest.max_connections).raw_response(
            if rest.cors_origins.iter().any(|o| o.trim() == "*") {
                "access-control-allow-origin: *\r\n"
            } else {
                ""
            },
        ),
    );
    // `stop`: shutdown has begun (connections finish up); `kill`: the grace period is over.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (kill_tx, kill_rx) = watch::channel(false);
    let relay = Relay::new(&rest, stop_rx.clone(), kill_rx.clone());
    let app = Arc::new(App::new(
        rest,
        market,
        clock,
        admission.clone(),
        relay,
        faults,
    ));
    // However `run` ends, the history warm-up stops with it (before its next candle).
    let _stop_warm = StopOnDrop(app.history_warm.clone());
    {
        // Pay the session's history once, in the background, before clients ask for quotes;
        // then, at idle priority, the daily candles charts ask for first.
        let app = app.clone();
        tokio::task::spawn_blocking(move || {
            app.warm_up();
            app.history_warm
                .start(app.market.clone(), app.clock.as_ref());
        });
    }
    let guard = GuardConfig {
        limits: app.config.head_limits(),
        header_timeout: RestConfig::ms(app.config.header_timeout_ms),
        idle_timeout: RestConfig::ms(app.config.idle_timeout_ms),
        write_timeout: Some(RestConfig::ms(app.config.write_timeout_ms)),
        // A head asking for an upgrade is passed through unvetted: `/ws` relays it, any other
        // answer closes the connection (see `handle`).
        upgrades: true,
    };
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .half_close(true)
        .header_read_timeout(None)
        .max_headers(100)
        // The guard enforces the real head limit; hyper's buffer only needs to hold one head.
        .max_buf_size((app.config.max_header_bytes + 1024).max(8192));

    // Every connection task holds a sender: `recv` returns `None` once all have ended.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    tracing::info!(addr = %listener.local_addr()?, "rest-api listening");
    accept_until(listener, &admission, shutdown, |stream, peer, permit| {
        let slot = RejectSlot::default();
        let io = TokioIo::new(GuardedIo::new(stream, guard, slot.clone()));
        let app = app.clone();
        let service = service_fn(move |req| {
            let app = app.clone();
            let slot = slot.clone();
            async move { handle(&app, &slot, req).await }
        });
        // hyper-util's `GracefulShutdown` cannot watch an upgradeable connection, so the
        // drain is done here: on `stop`, hyper's own graceful shutdown of the connection.
        let conn = builder.serve_connection(io, service).with_upgrades();
        let (mut stop, mut kill, open) = (stop_rx.clone(), kill_rx.clone(), open_tx.clone());
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            let result = loop {
                tokio::select! {
                    result = conn.as_mut() => break Some(result),
                    _ = stop.wait_for(|stop| *stop), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                    _ = kill.wait_for(|kill| *kill) => break None,
                }
            };
            match result {
                Some(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                None => tracing::debug!(%peer, "connection closed at the end of the grace period"),
                Some(Ok(())) => {}
            }
            drop(permit);
            drop(open);
        });
    })
    .await;
    let _ = stop_tx.send(true);
    drop(open_tx);
    let grace = Duration::from_millis(app.config.shutdown_grace_ms);
    tracing::info!(
        in_flight = app.admission.open(),
        relayed = app
            .relay
            .stats
            .open
            .load(std::sync::atomic::Ordering::Relaxed),
        ?grace,
        "draining connections"
    );
    let all_closed = async {
        let _ = open_rx.recv().await;
        app.relay.drained().await;
    };
    tokio::select! {
        () = all_closed => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over; closing remaining connections");
            let _ = kill_tx.send(true);
        }
    }
    Ok(())
}

/// What the service answers with: a whole body, or one cut short on purpose.
type Answer = Response<Either<Body, Cut>>;

/// One request: faults, route, contain panics, add CORS, record metrics, log. `Err` only for
/// a request hung on purpose, which hyper then closes unanswered.
async fn handle(app: &App, slot: &RejectSlot, req: Request<Incoming>) -> Result<Answer, Hung> {
    let started = Instant::now();
    let origin = req.headers().get(ORIGIN).cloned();
    let method = req.method().clone();
    let label = if app.control.enabled() && req.uri().path() == ticker_net::CONTROL_CLOCK_PATH {
        routes::CONTROL
    } else {
        routes::label(req.uri().path(), app.config.debug_routes)
    };
    let path = tracing::enabled!(tracing::Level::DEBUG).then(|| req.uri().path().to_owned());
    // The guard stops vetting heads after a body or an upgrade request: unless the connection
    // switches protocols, it must end with this response.
    let close = ticker_net::head::declares_body(req.headers())
        || req.headers().contains_key(UPGRADE)
        || req.uri().path() == ticker_net::REJECTED_PATH;

    // On a vendor path, ticker's fault errors come in that vendor's shape.
    let shaped = |e: &ApiError| crate::vendor::shape::error(req.uri().path(), e);
    let (fault, refused) = match plan_fault(app, &req) {
        Ok(fault) => (fault, None),
        Err(e) => (None, Some(shaped(&e))),
    };
    if let Some(fault) = &fault {
        delay_or_hang(&app.faults, fault, req.uri().path()).await?;
    }
    let injected = fault.as_ref().and_then(Fault::error).map(|e| shaped(&e));
    let outcome = match (refused, injected) {
        (Some(resp), _) | (None, Some(resp)) => Ok(Ok(resp)),
        (None, None) => {
            AssertUnwindSafe(routes::respond(app, slot, req))
                .catch_unwind()
                .await
        }
    };
    let mut resp = match outcome {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => response::error(&e),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%method, panic = %what, "handler panicked; answering 500");
            response::error(&ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the request could not be completed; the failure was logged",
            ))
        }
    };
    app.cors.apply(origin.as_ref(), &mut resp);
    if close && resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    let status = resp.status().as_u16();
    // A client asking for the rejection path itself is just an unknown route.
    let label = if label == routes::REJECTED && status == 404 {
        routes::NOT_FOUND
    } else {
        label
    };
    app.metrics.record(label, status, started.elapsed());
    if let Some(path) = &path {
        tracing::debug!(%method, path, status, micros = started.elapsed().as_micros() as u64, "request");
    }
    Ok(match fault {
        Some(fault) => with_fault(&app.faults, &fault, resp, &method, label),
        None => resp.map(Either::Left),
    })
}

/// The fault a request asks for, if any (never on `/ws`, whose parameters are the
/// ws-server's to judge, nor on CORS preflights, which must succeed for the request itself
/// to show its fault or its error).
fn plan_fault(app: &App, req: &Request<Incoming>) -> Result<Option<Fault>, ApiError> {
    let path = req.uri().path();
    if req.method() == Method::OPTIONS
        || routes::route(path, app.config.debug_routes) == Some(routes::Route::Ws)
    {
        return Ok(None);
    }
    app.faults.plan(
        req.uri(),
        req.headers(),
        path.starts_with("/api/"),
        Instant::now(),
    )
}

/// The fault's latency, then, for a hang, the wait before the connection is closed unanswered.
async fn delay_or_hang(faults: &Faults, fault: &Fault, path: &str) -> Result<(), Hung> {
    if fault.latency_ms > 0 {
        faults.note(Kind::Latency, fault, path);
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    if let Some(ms) = fault.hang_ms {
        faults.note(Kind::Hang, fault, path);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return Err(Hung);
    }
    if fault.status.is_some() {
        faults.note(Kind::Status, fault, path);
    }
    Ok(())
}

/// Marks a faulted answer (`x-ticker-fault`, readable by pages on other origins), adds
/// `Retry-After`, and cuts its body short when asked.
fn with_fault(
    faults: &Faults,
    fault: &Fault,
    mut resp: Response<Body>,
    method: &Method,
    label: usize,
) -> Answer {
    let h = resp.headers_mut();
    if let Some(seconds) = fault.retry_after {
        h.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Ok(value) = HeaderValue::from_str(&fault.describe()) {
        h.insert(ticker_net::faults::HEADER, value);
    }
    h.insert(
        http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-ticker-fault, retry-after"),
    );
    let Some(keep) = fault.truncate else {
        return resp.map(Either::Left);
    };
    let (parts, body) = resp.into_parts();
    // A `Full` body is ready at once.
    let body = body
        .collect()
        .now_or_never()
        .and_then(Result::ok)
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let mut resp = Response::from_parts(parts, body.clone());
    if *method == Method::HEAD || body.is_empty() {
        return resp.map(|b| Either::Left(Body::new(b)));
    }
    let route = routes::ROUTE_LABELS.get(label).copied().unwrap_or("");
    faults.note(Kind::Truncate, fault, route);
    // The whole length is announced; hyper sends the part, then closes the connection.
    resp.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    resp.map(|_| Either::Right(Cut::new(&body, keep)))
}
