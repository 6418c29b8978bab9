//! `/ws`: WebSocket connections relayed to the ws-server (`--ws-url`), so that a page served
//! from this port streams from the same origin, `ws://HOST:8000/ws`, with no second port and
//! no CORS. Prices are still computed only by the ws-server: the relay forwards the client's
//! upgrade request ([`upstream`]), passes the ws-server's answer back (a `101`, or its refusal
//! as it is), then copies bytes both ways unchanged ([`pump`]).
//!
//! On this path the framing defaults to the classic array (`format=array`, what seed-000 style
//! pages expect from `ws://127.0.0.1:8000/ws`); any `format=` the client gives goes through.
//!
//! Limits: `--max-relay-connections` relayed connections at once (each holds two sockets:
//! 503 beyond), a connect and a handshake timeout towards the ws-server (503 when it is down
//! or slow, never a hang), and an idle timeout. At shutdown each relayed client gets a clean
//! close through the ws-server ([`pump`]); after the grace period the rest are cut.

mod frames;
mod pump;
mod stats;
mod upstream;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ticker_net::ApiError;
use tokio::sync::{watch, Semaphore};

use self::pump::{End, Pump};
pub use self::stats::RelayStats;
use self::upstream::{Answer, Timeouts};
use crate::cli::RestConfig;
use crate::probe::WsTarget;
use crate::response::{self, Body};

/// Headers of the ws-server's `101` that are not passed on (hyper writes its own).
static OWN_HEADERS: [HeaderName; 3] = [
    header::DATE,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
];

/// The relay's settings, its connection slots and its counters.
pub struct Relay {
    target: Result<WsTarget, String>,
    url: String,
    /// Where clients may connect instead when the relay is off.
    public_url: String,
    slots: Arc<Semaphore>,
    max: usize,
    timeouts: Timeouts,
    idle: Duration,
    stop: watch::Receiver<bool>,
    kill: watch::Receiver<bool>,
    /// Counters for `/metrics`.
    pub stats: Arc<RelayStats>,
}

impl Relay {
    /// A relay to `--ws-url`. `stop` turns true when the service starts shutting down, `kill`
    /// when its grace period is over.
    pub fn new(
        config: &RestConfig,
        stop: watch::Receiver<bool>,
        kill: watch::Receiver<bool>,
    ) -> Self {
        Self {
            target: WsTarget::parse(&config.ws_url),
            url: config.ws_url.clone(),
            public_url: config.public_ws_url().to_owned(),
            slots: Arc::new(Semaphore::new(config.max_relay_connections)),
            max: config.max_relay_connections,
            timeouts: Timeouts {
                connect: Duration::from_millis(config.relay_connect_timeout_ms),
                handshake: Duration::from_millis(config.relay_handshake_timeout_ms),
            },
            idle: Duration::from_millis(config.relay_idle_timeout_ms),
            stop,
            kill,
            stats: Arc::new(RelayStats::default()),
        }
    }

    /// Resolves once no relayed connection (or relay handshake) is left.
    pub async fn drained(&self) {
        let all = u32::try_from(self.max).unwrap_or(u32::MAX);
        let _ = self.slots.acquire_many(all).await;
    }

    fn unavailable(&self, why: &str) -> ApiError {
        RelayStats::bump(&self.stats.unavailable);
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ws_server_unavailable",
            format!(
                "the ws-server at {} is not available ({why}); GET /health shows its state",
                self.url
            ),
        )
    }
}

/// `GET /ws`: relays a WebSocket upgrade to the ws-server.
pub async fn open(relay: &Relay, mut req: Request<Incoming>) -> Result<Response<Body>, ApiError> {
    if !is_websocket_upgrade(req.headers()) {
        return Ok(upgrade_required());
    }
    if ticker_net::head::declares_body(req.headers()) {
        return Err(ApiError::bad_request(
            "a WebSocket upgrade request has no body",
        ));
    }
    if *relay.stop.borrow() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the rest-api is shutting down; connect again shortly",
        ));
    }
    let target = relay
        .target
        .as_ref()
        .map_err(|why| relay.unavailable(why))?;
    let Ok(permit) = relay.slots.clone().try_acquire_owned() else {
        RelayStats::bump(&relay.stats.full);
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            if relay.max == 0 {
                format!(
                    "the /ws relay is off (--max-relay-connections 0); connect to {}",
                    relay.public_url
                )
            } else {
                format!(
                    "the /ws relay is at its limit of {} connections (--max-relay-connections); retry shortly",
                    relay.max
                )
            },
        ));
    };
    let forwarded = upstream::request(target, req.uri().query(), req.headers())
        .map_err(ApiError::bad_request)?;
    let on_client = hyper::upgrade::on(&mut req);
    let (headers, server) = match upstream::exchange(target, forwarded, relay.timeouts).await {
        Ok(Answer::Switched { headers, stream }) => (headers, stream),
        Ok(Answer::Refused(refusal)) => {
            RelayStats::bump(&relay.stats.refused);
            return Ok(refusal);
        }
        Err(why) => {
            tracing::debug!(error = %why, "relay: ws-server unavailable");
            return Err(relay.unavailable(&why));
        }
    };
    RelayStats::bump(&relay.stats.opened);
    let (stats, idle) = (relay.stats.clone(), relay.idle);
    let (stop, kill) = (relay.stop.clone(), relay.kill.clone());
    tokio::spawn(async move {
        let _permit = permit;
        let client = match on_client.await {
            Ok(client) => TokioIo::new(client),
            Err(e) => {
                tracing::debug!(error = %e, "relay: the client's upgrade failed");
                return;
            }
        };
        RelayStats::bump(&stats.open);
        let pump = Pump {
            idle,
            stop,
            kill,
            stats: &stats,
        };
        let end = pump::run(client, server, pump).await;
        stats
            .open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        if end == End::Idle {
            RelayStats::bump(&stats.idle_closed);
        }
        tracing::debug!(?end, "relayed connection ended");
    });
    Ok(switching(&headers))
}

/// The `101` for the client: the ws-server's, header for header.
fn switching(from_server: &HeaderMap) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    for (name, value) in from_server {
        if !OWN_HEADERS.contains(name) {
            resp.headers_mut().append(name, value.clone());
        }
    }
    resp
}

/// `426` for a plain request to `/ws`.
pub fn upgrade_required() -> Response<Body> {
    let mut resp = response::error(&ApiError::new(
        StatusCode::UPGRADE_REQUIRED,
        "upgrade_required",
        "/ws relays WebSocket connections to the ws-server: connect with a WebSocket client, \
         e.g. new WebSocket('ws://HOST:PORT/ws') (see docs/rest-api.md)",
    ));
    resp.headers_mut()
        .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    resp
}

/// `Connection: upgrade` and `Upgrade: websocket`, as tokens in any case.
fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let has = |name: HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}
