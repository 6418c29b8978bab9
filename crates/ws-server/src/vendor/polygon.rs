//! Polygon/Massive stocks on `/polygon/stocks`: [`ticker_vendors::polygon::Session`] on a
//! gateway connection, JSON text frames.

use ticker_core::{Market, SymbolSet};
use ticker_vendors::polygon::msg::Event;
use ticker_vendors::polygon::{Kind, Session, Step, StreamConfig};

use super::frames::{Ctx, Named, Piece};
use super::gather::Gather;
use super::protocol::{text_frame, Incoming, Protocol, Reply};
use super::series::Series;
use super::slots::Slot;
use super::Gateways;
use crate::tick::Tick;
use crate::ticker::Hub;

/// One Polygon stream connection.
pub struct Polygon {
    session: Session,
    config: StreamConfig,
    slot: Slot,
}

impl Polygon {
    /// A new connection.
    pub fn new(gateways: &Gateways) -> Self {
        Self {
            session: Session::open().0,
            config: StreamConfig {
                api_key: gateways.polygon_key.clone(),
                max_topics: gateways.max_subscriptions,
            },
            slot: gateways.polygon_slots.admission(),
        }
    }
}

fn reply(step: &Step) -> Reply {
    Reply {
        frames: step
            .replies
            .iter()
            .map(|e| text_frame(&serde_json::to_vec(std::slice::from_ref(e)).unwrap_or_default()))
            .collect(),
        close: step.close.then_some("policy violation"),
    }
}

impl Protocol for Polygon {
    fn open(&mut self) -> Reply {
        let (session, step) = Session::open();
        self.session = session;
        reply(&step)
    }

    fn message(&mut self, frame: Incoming<'_>) -> Reply {
        match frame {
            Incoming::Text(t) => reply(&self.session.handle(&self.config, t, &mut self.slot)),
            Incoming::Binary(_) => reply(&Step {
                replies: vec![Event::status(
                    "error",
                    "invalid message: binary frames are not supported; send JSON text",
                )],
                ..Step::default()
            }),
        }
    }

    fn authenticated(&self) -> bool {
        self.session.key().is_some()
    }

    fn auth_timeout(&mut self) -> Reply {
        reply(&self.session.auth_timeout())
    }

    fn wanted(&self, market: &Market) -> SymbolSet {
        let kinds = [Kind::Trades, Kind::Quotes, Kind::Minutes, Kind::Seconds];
        market
            .ids()
            .filter(|id| {
                kinds
                    .iter()
                    .any(|k| self.session.wants(*k, market.symbol(*id)))
            })
            .collect()
    }

    fn tick(&mut self, hub: &Hub, tick: &Tick, series: &Series, out: &mut Vec<u8>) -> u64 {
        let Some(data) = tick.data() else {
            return 0;
        };
        let market = &*hub.market;
        let kinds = [
            (Kind::Trades, Piece::PolygonTrades),
            (Kind::Quotes, Piece::PolygonQuote),
            (Kind::Minutes, Piece::PolygonMinute),
            (Kind::Seconds, Piece::PolygonSecond),
        ];
        let ctx = Ctx::new(market, tick, series);
        let mut gather = Gather::default();
        // The tick's own symbols (a replayed tick holds only its connection's).
        for d in data.iter() {
            let named = Named {
                id: d.id,
                name: market.symbol(d.id),
            };
            for (kind, piece) in kinds {
                if self.session.wants(kind, named.name) {
                    gather.push(&tick.vendor().get(piece, named, d, &ctx), false);
                }
            }
        }
        if gather.count() == 0 {
            return 0;
        }
        out.extend_from_slice(&text_frame(
            &gather.payload(ticker_vendors::alpaca::Encoding::Json),
        ));
        1
    }
}
