//! The upgrades of the vendor streams: `/alpaca/v2/{feed}`, `/polygon/stocks` (and
//! `/polygon/delayed/stocks`), `/finnhub?token=…` and `/binance/ws…`, `/binance/stream…`.
//! Alpaca and Polygon authenticate on the socket (their protocols say so); Finnhub and Binance
//! are refused before the upgrade in the vendor's own shape (Finnhub `{"error":…}` 401,
//! Binance `{"code":2,"msg":…}` 400). All four run [`crate::vendor::session`].

use std::sync::Arc;

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use ticker_net::{ApiError, Query};
use ticker_vendors::alpaca::{Credentials, Feed};
use ticker_vendors::binance::session::OpenError;
use ticker_vendors::binance::session::{Limits as BinanceLimits, Session as BinanceSession};
use ticker_vendors::finnhub::errors::FinnhubError;
use ticker_vendors::finnhub::rest as finnhub_rest;
use ticker_vendors::finnhub::stream::{Limits as FinnhubLimits, Session as FinnhubSession};
use ticker_vendors::instruments;

use super::upgrade::{handshake, refusal_response, replay_place, switching, take_socket};
use super::{error_response, json_response, Body, State};
use crate::cli::WsConfig;
use crate::faults::Spec;
use crate::replay::{ReplayLimits, ReplayRequest};
use crate::session::Limits;
use crate::stats::Stats;
use crate::vendor::alpaca::Alpaca;
use crate::vendor::binance::Binance;
use crate::vendor::finnhub::Finnhub;
use crate::vendor::polygon::Polygon;
use crate::vendor::{session, Setup};

/// A vendor stream path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path<'a> {
    /// `/alpaca/v2/{feed}`.
    Alpaca(Feed),
    /// `/polygon/stocks` (also `/polygon/delayed/stocks`: the same stream).
    Polygon,
    /// `/finnhub`.
    Finnhub,
    /// `/binance` + this (`/ws…` or `/stream…`).
    Binance(&'a str),
}

/// The vendor stream a path names.
pub(super) fn route(path: &str) -> Option<Path<'_>> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if let Some(feed) = trimmed.strip_prefix("/alpaca/v2/") {
        return Feed::from_name(feed).map(Path::Alpaca);
    }
    if matches!(trimmed, "/polygon/stocks" | "/polygon/delayed/stocks") {
        return Some(Path::Polygon);
    }
    if matches!(path, "/finnhub" | "/finnhub/") {
        return Some(Path::Finnhub);
    }
    let rest = path.strip_prefix("/binance")?;
    let first = rest.split('/').nth(1)?;
    matches!(first, "ws" | "stream").then_some(Path::Binance(rest))
}

/// The protocol an accepted upgrade runs on [`session`].
enum Chosen {
    /// Alpaca (boxed: its state is several times the others').
    Alpaca(Box<Alpaca>),
    /// Polygon.
    Polygon(Polygon),
    /// Finnhub.
    Finnhub(Finnhub),
    /// Binance.
    Binance(Binance),
}

fn header_text(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .take(64)
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| ticker_net::query::percent_decode(s, true).unwrap_or_default();
            (decode(k), decode(v))
        })
        .collect()
}

#[allow(
    clippy::result_large_err,
    reason = "the refusal is the response itself, built once"
)]
fn protocol(st: &State, path: Path<'_>, req: &Request<Incoming>) -> Result<Chosen, Response<Body>> {
    let params = query_pairs(req.uri().query());
    let market = &st.hub.market;
    let now_ms = st.hub.clock.now_ms();
    match path {
        Path::Alpaca(feed) => {
            let credentials = header_text(req, "apca-api-key-id")
                .zip(header_text(req, "apca-api-secret-key"))
                .map(|(key, secret)| Credentials { key, secret });
            let content_type = header_text(req, "content-type");
            Ok(Chosen::Alpaca(Box::new(Alpaca::new(
                &st.gateways,
                market,
                feed,
                content_type.as_deref(),
                credentials,
            ))))
        }
        Path::Polygon => Ok(Chosen::Polygon(Polygon::new(&st.gateways))),
        Path::Finnhub => {
            finnhub_rest::authorize(
                finnhub_rest::token(&params, None),
                &st.config.finnhub_tokens,
            )
            .map_err(|e| {
                json_response(
                    StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED),
                    e.body(),
                )
            })?;
            let limits = FinnhubLimits {
                max_symbols: st.config.finnhub_max_symbols,
                ping_interval_ms: i64::try_from(st.config.finnhub_ping_ms).unwrap_or(i64::MAX),
            };
            let session = FinnhubSession::new(limits, now_ms);
            Ok(Chosen::Finnhub(Finnhub::new(session, market.clone())))
        }
        Path::Binance(rest) => {
            let limits = BinanceLimits {
                max_streams: st.config.binance_max_streams,
                max_messages_per_s: st.config.binance_max_messages,
            };
            let instruments = |s: &str| instruments::binance(market, s);
            BinanceSession::open(
                rest,
                &params,
                &instruments,
                limits,
                market.schedule().interval_ms(),
            )
            .map(|s| Chosen::Binance(Binance::new(s, market.clone())))
            .map_err(|e| json_response(StatusCode::BAD_REQUEST, e.body()))
        }
    }
}

/// A bad replay or fault parameter in the vendor's shape where it has one for a refused
/// upgrade (Finnhub `{"error":…}`, Binance `{"code":2,"msg":…}`), else ticker's JSON error.
fn refused(path: Path<'_>, e: &ApiError) -> Response<Body> {
    match path {
        Path::Finnhub => json_response(e.status, FinnhubError::bad_param(e.message.clone()).body()),
        Path::Binance(_) => json_response(
            e.status,
            OpenError {
                code: 2,
                msg: format!("Invalid request: {}", e.message),
            }
            .body(),
        ),
        Path::Alpaca(_) | Path::Polygon => error_response(e),
    }
}

/// What the URL asks beside the vendor's own parameters: a replay (`from`, `to`, `speed`,
/// `then`, as on the native stream) and faults (`fault_*`).
#[allow(
    clippy::result_large_err,
    reason = "the refusal is the response itself, built once"
)]
fn extras(
    st: &State,
    path: Path<'_>,
    req: &Request<Incoming>,
) -> Result<(Option<ReplayRequest>, Option<Spec>), Response<Body>> {
    let parsed = Query::parse(req.uri().query()).and_then(|query| {
        let faults = st.faults.parse(&query)?;
        let limits = ReplayLimits {
            max_speed: st.config.max_replay_speed,
            max_range_ms: st.config.max_replay_range_ms,
        };
        let market = &st.hub.market;
        let replay =
            ReplayRequest::from_query(&query, market.schedule(), st.hub.clock.now_ms(), &limits)?;
        Ok((replay, faults))
    });
    parsed.map_err(|e| refused(path, &e))
}

pub(super) fn upgrade(st: &Arc<State>, mut req: Request<Incoming>) -> Response<Body> {
    let Some(path) = route(req.uri().path()) else {
        return error_response(&ApiError::not_found(
            req.uri().path(),
            "see docs/vendors.md",
        ));
    };
    let key = match handshake(st, &req) {
        Ok(key) => key,
        Err(resp) => return resp,
    };
    let protocol = match protocol(st, path, &req) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let (replay, faults) = match extras(st, path, &req) {
        Ok(extras) => extras,
        Err(resp) => return resp,
    };
    if let Some(refusal) = faults
        .as_ref()
        .and_then(|spec| st.faults.refusal(spec, std::time::Instant::now()))
    {
        return refusal_response(&refusal);
    }
    let Ok(permit) = st.sessions.clone().try_acquire_owned() else {
        Stats::bump(&st.hub.stats.refused_full);
        return error_response(&ApiError::overloaded(st.config.max_connections));
    };
    let replay = match replay.map(|r| replay_place(st).map(|p| (r, p))).transpose() {
        Ok(replay) => replay,
        Err(e) => return refused(path, &e),
    };
    let faults = faults.map(|spec| (spec, st.faults.clone()));
    let on_upgrade = hyper::upgrade::on(&mut req);
    let st2 = st.clone();
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(e) => return tracing::debug!(error = %e, "upgrade failed"),
        };
        let Some((stream, unread)) = take_socket(upgraded) else {
            return;
        };
        let setup = Setup {
            hub: st2.hub.clone(),
            series: st2.series.clone(),
            ws_config: st2.ws_config,
            limits: Limits {
                max_symbols: st2.config.max_symbols,
                message_rate: f64::from(st2.config.max_message_rate),
                message_burst: f64::from(st2.config.message_burst.max(1)),
                stall_timeout: WsConfig::ms(st2.config.stall_timeout_ms),
                queue_ticks: st2.config.queue_ticks,
                fault_held_bytes: st2.config.faults.limits.max_held_bytes,
                replay: ReplayLimits {
                    max_speed: st2.config.max_replay_speed,
                    max_range_ms: st2.config.max_replay_range_ms,
                },
            },
            shutdown: st2.shutdown.clone(),
            replay,
            faults,
        };
        let writers = &st2.writers;
        let timeout = st2.gateways.auth_timeout;
        match protocol {
            Chosen::Alpaca(p) => session::run(stream, unread, setup, writers, *p, timeout).await,
            Chosen::Polygon(p) => session::run(stream, unread, setup, writers, p, timeout).await,
            Chosen::Finnhub(p) => session::run(stream, unread, setup, writers, p, timeout).await,
            Chosen::Binance(p) => session::run(stream, unread, setup, writers, p, timeout).await,
        }
        drop(permit);
    });
    switching(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_paths_are_recognised() {
        assert_eq!(route("/finnhub"), Some(Path::Finnhub));
        assert_eq!(route("/binance/ws"), Some(Path::Binance("/ws")));
        assert_eq!(
            route("/binance/ws/btcusdt@trade"),
            Some(Path::Binance("/ws/btcusdt@trade"))
        );
        assert_eq!(route("/binance/stream"), Some(Path::Binance("/stream")));
        assert_eq!(route("/binance"), None);
        assert_eq!(route("/binance/other"), None);
        assert_eq!(route("/binancews"), None);
        assert_eq!(route("/finnhubx"), None);
    }

    #[test]
    fn alpaca_and_polygon_paths_are_recognised() {
        assert_eq!(route("/alpaca/v2/test"), Some(Path::Alpaca(Feed::Test)));
        assert_eq!(route("/alpaca/v2/iex/"), Some(Path::Alpaca(Feed::Iex)));
        assert_eq!(route("/alpaca/v2/crypto"), None);
        assert_eq!(route("/polygon/stocks"), Some(Path::Polygon));
        assert_eq!(route("/polygon/delayed/stocks"), Some(Path::Polygon));
        assert_eq!(route("/polygon/options"), None);
        assert_eq!(route("/ws"), None);
    }
}
