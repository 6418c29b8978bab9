//! [`App`]: everything a request handler may touch, shared by all connections.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::watch;

use http::StatusCode;
use ticker_core::{Clock, Market, Quote, Seq, SessionTracker, SymbolId};
use ticker_net::metrics::HttpMetrics;
use ticker_net::{Admission, ApiError, Control};

use crate::cli::RestConfig;
use crate::cors::Cors;
use crate::faults::Faults;
use crate::heavy::Heavy;
use crate::probe::WsProbe;
use crate::relay::Relay;
use crate::routes::ROUTE_LABELS;
use crate::warm::HistoryWarm;

/// Shared state of the REST service.
pub struct App {
    /// Settings and limits.
    pub config: RestConfig,
    /// The market model (pure; shared with nobody, agreeing with everybody).
    pub market: Arc<Market>,
    /// The wall clock (injected so tests can fix time).
    pub clock: Arc<dyn Clock>,
    /// One incremental session tracker per symbol, so `latest` costs O(1) per elapsed tick.
    trackers: Box<[Mutex<Latest>]>,
    /// Request counters and latency histograms.
    pub metrics: HttpMetrics,
    /// CORS policy.
    pub cors: Cors,
    /// The ws-server health probe.
    pub probe: WsProbe,
    /// The `/ws` relay to the ws-server.
    pub relay: Relay,
    /// Connection admission (for the open-connections gauge).
    pub admission: Admission,
    /// When the service started serving.
    pub started: Instant,
    /// Fault injection (`--faults`).
    pub faults: Faults,
    /// Quote encodings kept per symbol.
    recent: usize,
    /// `/control/clock` (off unless a token is configured).
    pub control: Control,
    /// `/openapi.json`, encoded once for this configuration.
    pub openapi: Bytes,
    /// The minute bars of Binance's 24 h statistics, per symbol.
    pub rolling: Arc<ticker_vendors::binance::window::Rolling>,
    /// True once the trackers have caught up with the session (see [`App::warm_up`]).
    warm: watch::Sender<bool>,
    /// The history warm-up, started once the trackers are warm.
    pub history_warm: Arc<HistoryWarm>,
    /// How many heavy requests run at once (`--max-heavy-requests`).
    pub heavy: Heavy,
}

/// Encodings kept per symbol: a request that read the clock just before another moved the
/// tracker on still finds its tick here instead of replaying the session. A market of many
/// symbols keeps fewer each (at least 4), so 5 000 symbols hold about 7 MB of them, not 100.
fn recent(symbols: usize) -> usize {
    (4096 / symbols.max(1)).clamp(4, 64)
}

impl App {
    /// Builds the shared state.
    pub fn new(
        config: RestConfig,
        market: Arc<Market>,
        clock: Arc<dyn Clock>,
        admission: Admission,
        relay: Relay,
        faults: Faults,
    ) -> Self {
        let recent = recent(market.len());
        let trackers = market
            .ids()
            .map(|id| {
                Mutex::new(Latest {
                    tracker: SessionTracker::new(id),
                    encoded: VecDeque::with_capacity(recent),
                })
            })
            .collect();
        Self {
            cors: Cors::new(&config.cors_origins),
            control: config.control.control(),
            rolling: Arc::default(),
            probe: WsProbe::new(&config),
            openapi: crate::openapi::encode(&config),
            history_warm: Arc::new(HistoryWarm::new(
                config.history_warm,
                config.max_history_ticks,
            )),
            heavy: Heavy::new(config.max_heavy_requests),
            relay,
            config,
            market,
            clock,
            trackers,
            metrics: HttpMetrics::new(ROUTE_LABELS),
            admission,
            started: Instant::now(),
            faults,
            recent,
            warm: watch::channel(false).0,
        }
    }

    /// Waits until the trackers are warm. Until then a quote would replay the session on an
    /// async worker (seconds, at millisecond intervals) and stall every other request.
    pub async fn warm(&self) {
        let mut ready = self.warm.subscribe();
        let _ = ready.wait_for(|warm| *warm).await;
    }

    /// The tick the clock is in now.
    pub fn current_tick(&self) -> Seq {
        self.market.schedule().tick_at(self.clock.now_ms())
    }

    /// The quote's JSON at a tick. Every request within one tick gets the same bytes, so they
    /// are encoded once per symbol per tick and shared (as the ws-server does with frames).
    pub fn quote_json(&self, id: SymbolId, seq: Seq) -> Bytes {
        let encode = |quote: Quote| {
            let mut body = Vec::with_capacity(320);
            quote.write_json(&mut body);
            Bytes::from(body)
        };
        let Some(slot) = self.trackers.get(id.index()) else {
            return encode(self.market.quote(id, seq));
        };
        let mut latest = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, body)) = latest.encoded.iter().rev().find(|(at, _)| *at == seq) {
            return body.clone();
        }
        // The tracker only moves forward cheaply; an older tick (a clock set back) is
        // computed on its own rather than sending the tracker back to the session's start.
        if latest.tracker.position().is_some_and(|at| seq < at) {
            return encode(self.market.quote(id, seq));
        }
        let body = encode(latest.tracker.quote(&self.market, seq));
        if latest.encoded.len() >= self.recent {
            latest.encoded.pop_front();
        }
        latest.encoded.push_back((seq, body.clone()));
        body
    }

    /// The quote of a symbol at a tick, from its tracker (as [`App::quote_json`]); for the
    /// vendor gateways, which encode it their own way.
    pub fn quote(&self, id: SymbolId, seq: Seq) -> Quote {
        let Some(slot) = self.trackers.get(id.index()) else {
            return self.market.quote(id, seq);
        };
        let mut latest = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if latest.tracker.position().is_some_and(|at| seq < at) {
            return self.market.quote(id, seq);
        }
        latest.tracker.quote(&self.market, seq)
    }

    /// The quote JSON of each of `ids` at `seq`, in order. Ticks before the current one are
    /// computed apart (fresh trackers, their session statistics from the market's cached
    /// range aggregates, off the async threads when long), so a look into the past never
    /// disturbs the live trackers; the first, uncached computation visits the session's
    /// trading ticks once, so the span is bounded by `--max-history-ticks`.
    pub async fn quotes_json(
        &self,
        ids: &[SymbolId],
        seq: Seq,
        past: bool,
    ) -> Result<Vec<Bytes>, ApiError> {
        if !past {
            return Ok(ids.iter().map(|id| self.quote_json(*id, seq)).collect());
        }
        let session = self.market.schedule().session(seq);
        let ticks = (seq.0 - session.first.0 + 1).saturating_mul(ids.len() as u64);
        if ticks > self.config.max_history_ticks {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "range_too_large",
                format!(
                    "quoting {} symbol(s) at tick {seq} spans {ticks} ticks from its \
                     session's start; the limit is {} (--max-history-ticks): ask for fewer \
                     symbols",
                    ids.len(),
                    self.config.max_history_ticks
                ),
            ));
        }
        let market = self.market.clone();
        let ids = ids.to_vec();
        let compute = move || {
            let mut trackers: Vec<SessionTracker> =
                ids.iter().copied().map(SessionTracker::new).collect();
            let mut out = Vec::with_capacity(ids.len());
            ticker_core::quote_all(&market, &mut trackers, seq, |_, quote| {
                let mut body = Vec::with_capacity(320);
                quote.write_json(&mut body);
                out.push(Bytes::from(body));
            });
            out
        };
        self.heavy.run(ticks, compute).await
    }

    /// Brings every tracker to the current tick, so the first request does not pay for the
    /// session's history. Blocking: run it off the async threads.
    pub fn warm_up(&self) {
        let now = self.current_tick();
        let mut warmed: Vec<SessionTracker> = self.market.ids().map(SessionTracker::new).collect();
        ticker_core::warm_up(&self.market, &mut warmed, now);
        for (slot, tracker) in self.trackers.iter().zip(warmed) {
            let mut latest = slot.lock().unwrap_or_else(PoisonError::into_inner);
            // A test clock may already have been moved past `now`; keep the further tracker.
            if latest.tracker.position() <= tracker.position() {
                latest.tracker = tracker;
            }
        }
        self.warm.send_replace(true);
    }
}

/// A symbol's incremental tracker and the JSON of the last quote it produced.
struct Latest {
    tracker: SessionTracker,
    encoded: VecDeque<(Seq, Bytes)>,
}
