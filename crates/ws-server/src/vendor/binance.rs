//! Binance's market streams on `/binance` (`/ws`, `/ws/<streams>`, `/stream?streams=…`):
//! [`ticker_vendors::binance::session::Session`] on a gateway connection, JSON text frames,
//! one per stream payload (wrapped as `{"stream":…,"data":…}` on a combined connection). The
//! URL's streams are checked before the upgrade (`crate::server::vendor`). Binance counts
//! every frame a client sends, pings included, against its own per-second limit.

use std::sync::Arc;

use ticker_core::{Market, SymbolSet};
use ticker_vendors::binance::events::mini_ticker_array;
use ticker_vendors::binance::session::Session;
use ticker_vendors::binance::streams::Kind;
use ticker_vendors::instruments;

use super::frames::{piece_of, Ctx, Encoded, Piece};
use super::payloads::Binance as Payload;
use super::protocol::{text_frame, Incoming, Protocol, Reply};
use super::series::Series;
use crate::tick::Tick;
use crate::ticker::Hub;

/// One Binance stream connection.
pub struct Binance {
    session: Session,
    market: Arc<Market>,
}

impl Binance {
    /// A connection running `session` on `market`.
    pub fn new(session: Session, market: Arc<Market>) -> Self {
        Self { session, market }
    }
}

/// Whether Binance lists the market symbol (`!miniTicker@arr` carries every such symbol).
fn listed(market: &Market, id: ticker_core::SymbolId) -> bool {
    instruments::binance(market, market.symbol(id).as_str()).is_some()
}

impl Protocol for Binance {
    fn frame_received(&mut self, now_ms: i64) -> Option<&'static str> {
        self.session
            .on_incoming(now_ms)
            .map(|_| "Too many messages")
    }

    fn message(&mut self, frame: Incoming<'_>) -> Reply {
        let text = frame.text();
        let market = &*self.market;
        let answer = self
            .session
            .on_text(&text, &|s: &str| instruments::binance(market, s));
        Reply {
            frames: vec![text_frame(answer.as_bytes())],
            close: None,
        }
    }

    fn wanted(&self, market: &Market) -> SymbolSet {
        let streams = self.session.streams();
        let all = streams.iter().any(|s| s.kind == Kind::AllMiniTickers);
        market
            .ids()
            .filter(|id| match all {
                true => listed(market, *id),
                false => streams.iter().any(|s| s.symbol == Some(*id)),
            })
            .collect()
    }

    fn tick(&mut self, hub: &Hub, tick: &Tick, series: &Series, out: &mut Vec<u8>) -> u64 {
        let market = &*hub.market;
        let ctx = Ctx::new(market, tick, series);
        let unit = self.session.time_unit();
        let mut sent = 0;
        let mut send = |frame: String| {
            out.extend_from_slice(&text_frame(frame.as_bytes()));
            sent += 1;
        };
        for stream in self.session.streams() {
            let kind = match stream.kind {
                Kind::Trade => Payload::Trade(unit),
                Kind::AggTrade => Payload::AggTrade(unit),
                Kind::Kline(iv) => Payload::Kline(iv.name(), unit),
                Kind::MiniTicker => Payload::Mini(unit),
                Kind::Ticker => Payload::Ticker(unit),
                Kind::BookTicker => Payload::Book,
                Kind::AllMiniTickers => {
                    let mini = Piece::Binance(Payload::Mini(unit));
                    let all: Vec<Arc<Encoded>> = market
                        .ids()
                        .filter(|id| listed(market, *id))
                        .filter_map(|id| piece_of(tick, mini, id, &ctx))
                        .collect();
                    let mut payload = String::new();
                    mini_ticker_array(&mut payload, all.iter().flat_map(|p| p.texts()));
                    send(self.session.frame(&stream.name, &payload));
                    continue;
                }
            };
            let Some(id) = stream.symbol else {
                continue;
            };
            if let Some(p) = piece_of(tick, Piece::Binance(kind), id, &ctx) {
                for payload in p.texts() {
                    send(self.session.frame(&stream.name, payload));
                }
            }
        }
        sent
    }
}
