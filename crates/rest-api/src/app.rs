//! [`App`]: everything a request handler may touch, shared by all connections.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use ticker_core::{Clock, Market, Quote, Seq, SessionTracker, SymbolId};
use ticker_net::metrics::HttpMetrics;
use ticker_net::Admission;

use crate::cli::RestConfig;
use crate::cors::Cors;
use crate::probe::WsProbe;
use crate::routes::ROUTE_LABELS;

/// Shared state of the REST service.
pub struct App {
    /// Settings and limits.
    pub config: RestConfig,
    /// The market model (pure; shared with nobody, agreeing with everybody).
    pub market: Arc<Market>,
    /// The wall clock (injected so tests can fix time).
    pub clock: Arc<dyn Clock>,
    /// One incremental session tracker per symbol, so `latest` costs O(1) per elapsed tick.
    trackers: Box<[Mutex<SessionTracker>]>,
    /// Request counters and latency histograms.
    pub metrics: HttpMetrics,
    /// CORS policy.
    pub cors: Cors,
    /// The ws-server health probe.
    pub probe: WsProbe,
    /// Connection admission (for the open-connections gauge).
    pub admission: Admission,
    /// When the service started serving.
    pub started: Instant,
}

impl App {
    /// Builds the shared state.
    pub fn new(
        config: RestConfig,
        market: Arc<Market>,
        clock: Arc<dyn Clock>,
        admission: Admission,
    ) -> Self {
        let trackers = market
            .ids()
            .map(|id| Mutex::new(SessionTracker::new(id)))
            .collect();
        Self {
            cors: Cors::new(&config.cors_origins),
            probe: WsProbe::new(&config),
            config,
            market,
            clock,
            trackers,
            metrics: HttpMetrics::new(ROUTE_LABELS),
            admission,
            started: Instant::now(),
        }
    }

    /// The tick the clock is in now.
    pub fn current_tick(&self) -> Seq {
        self.market.schedule().tick_at(self.clock.now_ms())
    }

    /// The quote of a symbol at a tick, via its tracker (cheap for consecutive ticks).
    pub fn quote(&self, id: SymbolId, seq: Seq) -> Quote {
        match self.trackers.get(id.index()) {
            Some(t) => t
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .quote(&self.market, seq),
            None => self.market.quote(id, seq),
        }
    }

    /// Brings every tracker to the current tick, so the first request does not pay for the
    /// session's history. Blocking: run it off the async threads.
    pub fn warm_up(&self) {
        let now = self.current_tick();
        let mut warmed: Vec<SessionTracker> = self.market.ids().map(SessionTracker::new).collect();
        ticker_core::warm_up(&self.market, &mut warmed, now);
        for (slot, tracker) in self.trackers.iter().zip(warmed) {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = tracker;
        }
    }
}
