//! Finnhub's trade stream on `/finnhub?token=…`: [`ticker_vendors::finnhub::stream::Session`]
//! on a gateway connection, JSON text frames. The token is checked before the upgrade
//! (`crate::server::vendor`), so the connection is authenticated from its first frame.

use std::collections::HashMap;
use std::sync::Arc;

use ticker_core::{Market, SymbolId, SymbolSet};
use ticker_vendors::finnhub::stream::Session;
use ticker_vendors::instruments;

use super::frames::{piece_of, Ctx, Encoded, Piece};
use super::protocol::{text_frame, Incoming, Protocol, Reply};
use super::series::Series;
use crate::tick::Tick;
use crate::ticker::Hub;

/// One Finnhub stream connection.
pub struct Finnhub {
    session: Session,
    market: Arc<Market>,
}

impl Finnhub {
    /// A connection running `session` on `market`.
    pub fn new(session: Session, market: Arc<Market>) -> Self {
        Self { session, market }
    }
}

impl Protocol for Finnhub {
    fn message(&mut self, frame: Incoming<'_>) -> Reply {
        let text = frame.text();
        let market = &*self.market;
        let answer = self
            .session
            .on_text(&text, &|s: &str| instruments::exact(market, s));
        Reply {
            frames: answer.iter().map(|a| text_frame(a.as_bytes())).collect(),
            close: None,
        }
    }

    fn wanted(&self, _market: &Market) -> SymbolSet {
        self.session.subscriptions().iter().map(|s| s.id).collect()
    }

    fn tick(&mut self, hub: &Hub, tick: &Tick, series: &Series, out: &mut Vec<u8>) -> u64 {
        let ctx = Ctx::new(&hub.market, tick, series);
        let payloads: HashMap<SymbolId, Arc<Encoded>> = self
            .session
            .subscriptions()
            .iter()
            .filter_map(|s| Some((s.id, piece_of(tick, Piece::Finnhub, s.id, &ctx)?)))
            .collect();
        let trades = |id: SymbolId| payloads.get(&id).and_then(|p| p.texts().next());
        match self.session.on_tick(tick.timestamp, trades) {
            Some(frame) => {
                out.extend_from_slice(&text_frame(frame.as_bytes()));
                1
            }
            None => 0,
        }
    }
}
