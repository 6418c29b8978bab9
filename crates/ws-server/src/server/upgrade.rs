//! The WebSocket upgrade on `/` and `/ws`: the handshake checks, the URL's parameters (the
//! subscription, the framing, `since`, a replay, faults), the session and replay limits and
//! any faulted refusal, then the session on the upgraded socket.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use ticker_core::{Seq, SymbolSet};
use ticker_net::query::{shorten, Query};
use ticker_net::{ApiError, GuardedIo};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::{error_response, Body, State};
use crate::channel::ChannelMask;
use crate::cli::WsConfig;
use crate::protocol::channels::channel_names;
use crate::protocol::{self, ProtocolError};
use crate::replay::{ReplayLimits, ReplayRequest};
use crate::session::{self, Limits, Params, Setup};
use crate::stats::Stats;
use crate::stream::Format;

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
        replay: None,
        faults: None,
        channels: ChannelMask::QUOTES,
    };
    let query = Query::parse(query)?;
    params.faults = st.faults.parse(&query)?;
    let limits = ReplayLimits {
        max_speed: st.config.max_replay_speed,
        max_range_ms: st.config.max_replay_range_ms,
    };
    params.replay =
        ReplayRequest::from_query(&query, market.schedule(), st.hub.clock.now_ms(), &limits)?;
    if let Some(value) = query.get("format")? {
        params.format = Format::parse(value).ok_or_else(|| {
            ApiError::bad_request(format!(
                "query parameter `format`: {:?} is not quote, batch or array",
                shorten(value)
            ))
        })?;
    }
    if let Some(value) = query.get("channels")? {
        let names: Vec<&str> = value.split(',').collect();
        params.channels = channel_names(&names).map_err(|e| {
            ApiError::bad_request(format!("query parameter `channels`: {}", e.message))
        })?;
        if params.format == Format::Array && !params.channels.is_quotes_only() {
            return Err(ApiError::bad_request(
                "query parameter `channels`: format=array streams quote arrays and nothing else; \
                 use format=quote or batch for trades, bars and status",
            ));
        }
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

/// The checks every WebSocket upgrade passes (an upgrade request, GET, version 13, a key,
/// an allowed origin); the key, or the refusal.
#[allow(
    clippy::result_large_err,
    reason = "the refusal is the response itself, built once"
)]
pub(super) fn handshake(
    st: &State,
    req: &Request<Incoming>,
) -> Result<HeaderValue, Response<Body>> {
    let is_upgrade = header_has_token(req, header::CONNECTION, "upgrade")
        && header_has_token(req, header::UPGRADE, "websocket");
    if !is_upgrade {
        let mut resp = error_response(&ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            "this endpoint speaks WebSocket: connect with a WebSocket client (see docs/ws-protocol.md)",
        ));
        resp.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return Err(resp);
    }
    if req.method() != Method::GET {
        return Err(error_response(&ApiError::method_not_allowed(
            req.method().as_str(),
            "GET",
        )));
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
        return Err(resp);
    }
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return Err(error_response(&ApiError::bad_request(
            "missing Sec-WebSocket-Key",
        )));
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    if !st.config.origin_allowed(origin) {
        return Err(error_response(&ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!(
                "origin {:?} is not allowed (--allowed-origins)",
                origin.unwrap_or("")
            ),
        )));
    }
    Ok(key)
}

/// The `101 Switching Protocols` answer for `key`.
pub(super) fn switching(key: &HeaderValue) -> Response<Body> {
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

/// The TCP stream of an upgraded connection, with the bytes the client sent after its
/// upgrade request (the session drives the socket itself).
pub(super) fn take_socket(upgraded: hyper::upgrade::Upgraded) -> Option<(TcpStream, Vec<u8>)> {
    let Ok(parts) = upgraded.downcast::<TokioIo<GuardedIo<TcpStream>>>() else {
        tracing::error!("upgraded connection is not a guarded TCP stream");
        return None;
    };
    let hyper::upgrade::Parts { io, read_buf, .. } = parts;
    let (stream, rest) = io.into_inner().into_parts();
    // Copy, then let go of hyper's read buffer: `read_buf` is a view into its allocation.
    let mut unread = read_buf.to_vec();
    drop(read_buf);
    unread.extend_from_slice(&rest);
    Some((stream, unread))
}

pub(super) fn upgrade(st: &Arc<State>, mut req: Request<Incoming>) -> Response<Body> {
    let key = match handshake(st, &req) {
        Ok(key) => key,
        Err(resp) => return resp,
    };
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
    let replay_permit = match params.replay {
        None => None,
        Some(_) => match replay_place(st) {
            Ok(permit) => Some(permit),
            Err(e) => return error_response(&e),
        },
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    let st2 = st.clone();
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => serve_session(st2, upgraded, params, permit, replay_permit).await,
            Err(e) => tracing::debug!(error = %e, "upgrade failed"),
        }
    });
    switching(&key)
}

/// A place among `--max-replays`, or `503 too_many_replays`.
pub(super) fn replay_place(st: &State) -> Result<OwnedSemaphorePermit, ApiError> {
    st.replays.clone().try_acquire_owned().map_err(|_| {
        Stats::bump(&st.hub.stats.replays_refused);
        let max = st.config.max_replays;
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_replays",
            if max == 0 {
                "replays are off on this server (--max-replays 0)".to_owned()
            } else {
                format!("the server is replaying for {max} connections, its limit (--max-replays); retry shortly")
            },
        )
    })
}

/// A faulted refusal of the upgrade: the JSON error, `Retry-After` for 429 and 503, and
/// `x-ticker-fault` naming the fault.
pub(super) fn refusal_response((e, retry_after): &(ApiError, Option<u64>)) -> Response<Body> {
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
    replay_permit: Option<OwnedSemaphorePermit>,
) {
    // The session drives the socket itself (its writer shard writes shared frames to it
    // directly), so take the TCP stream back from hyper and the guard.
    let Some((stream, unread)) = take_socket(upgraded) else {
        return;
    };
    let setup = Setup {
        hub: st.hub.clone(),
        ws_config: st.ws_config,
        limits: Limits {
            max_symbols: st.config.max_symbols,
            message_rate: f64::from(st.config.max_message_rate),
            message_burst: f64::from(st.config.message_burst.max(1)),
            stall_timeout: WsConfig::ms(st.config.stall_timeout_ms),
            queue_ticks: st.config.queue_ticks,
            fault_held_bytes: st.config.faults.limits.max_held_bytes,
            replay: ReplayLimits {
                max_speed: st.config.max_replay_speed,
                max_range_ms: st.config.max_replay_range_ms,
            },
        },
        shutdown: st.shutdown.clone(),
        replay_permit,
        faults: st.faults.clone(),
    };
    session::run(stream, unread, setup, &st.writers, params).await;
    drop(permit);
}
