//! Alpaca Market Data v2 on `/alpaca/v2/{feed}`: [`ticker_vendors::alpaca::Session`] on a
//! gateway connection. Frames are JSON text, or MessagePack binary when the upgrade's
//! `Content-Type` is `application/msgpack` (what both official SDKs send). The `test` feed
//! adds `FAKEPACA`, always open: it carries the data of the market's first 24/7 symbol (the
//! first symbol when none is 24/7), under its own name.

use ticker_core::{CalendarKind, Market, Symbol, SymbolSet};
use ticker_vendors::alpaca::stream::Channel;
use ticker_vendors::alpaca::{
    encode, Credentials, Encoding, Feed, Frame, Session, Step, StreamConfig, FAKEPACA,
};

use super::frames::{Ctx, Named, Piece};
use super::gather::{encode_binary, Gather};
use super::protocol::{Incoming, Protocol, Reply};
use super::series::Series;
use super::slots::Slot;
use super::Gateways;
use crate::tick::Tick;
use crate::ticker::Hub;
use crate::wire::encode_text;

/// The channels a connection may subscribe to, with data.
const CHANNELS: [Channel; 5] = [
    Channel::Trades,
    Channel::Quotes,
    Channel::Bars,
    Channel::DailyBars,
    Channel::Statuses,
];

/// One Alpaca stream connection.
pub struct Alpaca {
    session: Session,
    config: StreamConfig,
    slot: Slot,
    encoding: Encoding,
    header_credentials: Option<Credentials>,
    /// The test feed's `FAKEPACA`.
    fake: Option<Named>,
}

/// The symbol `FAKEPACA` mirrors.
fn fake_source(market: &Market) -> Option<Named> {
    let id = market
        .ids()
        .find(|id| market.info(*id).calendar == CalendarKind::Always)
        .or_else(|| market.ids().next())?;
    Some(Named {
        id,
        name: Symbol::parse(FAKEPACA).ok()?,
    })
}

impl Alpaca {
    /// A connection on `feed`, in the encoding its upgrade asked for, with the credentials of
    /// its upgrade headers if it sent them.
    pub fn new(
        gateways: &Gateways,
        market: &Market,
        feed: Feed,
        content_type: Option<&str>,
        header_credentials: Option<Credentials>,
    ) -> Self {
        let config = StreamConfig {
            credentials: gateways.alpaca_credentials.clone(),
            max_subscriptions: gateways.max_subscriptions,
        };
        let (session, _) = Session::open(&config, None, &mut ticker_vendors::admission::Unlimited);
        Self {
            session,
            config,
            slot: gateways.alpaca_slots.admission(),
            encoding: Encoding::from_content_type(content_type),
            header_credentials,
            fake: (feed == Feed::Test).then(|| fake_source(market)).flatten(),
        }
    }

    fn frame(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 10);
        if self.encoding.is_binary() {
            encode_binary(payload, &mut out);
        } else {
            encode_text(payload, &mut out);
        }
        out
    }

    fn reply(&self, step: &Step) -> Reply {
        Reply {
            frames: step
                .replies
                .iter()
                .map(|c| self.frame(&encode(std::slice::from_ref(c), self.encoding)))
                .collect(),
            close: step.close.map(|e| e.msg()),
        }
    }
}

impl Protocol for Alpaca {
    fn open(&mut self) -> Reply {
        let (session, step) =
            Session::open(&self.config, self.header_credentials.take(), &mut self.slot);
        self.session = session;
        self.reply(&step)
    }

    fn message(&mut self, frame: Incoming<'_>) -> Reply {
        let frame = match frame {
            Incoming::Text(t) => Frame::Text(t),
            Incoming::Binary(b) => Frame::Binary(b),
        };
        let step = self.session.handle(&self.config, frame, &mut self.slot);
        self.reply(&step)
    }

    fn authenticated(&self) -> bool {
        self.session.is_authenticated()
    }

    fn auth_timeout(&mut self) -> Reply {
        let step = self.session.auth_timeout();
        self.reply(&step)
    }

    fn slow(&mut self) -> Reply {
        let step = self.session.slow_client();
        self.reply(&step)
    }

    fn wanted(&self, market: &Market) -> SymbolSet {
        let subs = self.session.subscriptions();
        let wants = |name: Symbol| CHANNELS.iter().any(|c| subs.wants(*c, name));
        let mut set: SymbolSet = market
            .ids()
            .filter(|id| wants(market.symbol(*id)))
            .collect();
        if let Some(fake) = self.fake.filter(|f| wants(f.name)) {
            set.insert(fake.id);
        }
        set
    }

    fn tick(&mut self, hub: &Hub, tick: &Tick, series: &Series, out: &mut Vec<u8>) -> u64 {
        let Some(data) = tick.data() else {
            return 0;
        };
        let subs = self.session.subscriptions();
        let market = &*hub.market;
        let mp = self.encoding.is_binary();
        // A symbol's status first: a client learns that it reopens before its trades.
        let channels = [
            (Channel::Statuses, Piece::AlpacaStatus(mp)),
            (Channel::Trades, Piece::AlpacaTrades(mp)),
            (Channel::Quotes, Piece::AlpacaQuote(mp)),
            (Channel::Bars, Piece::AlpacaBar(mp)),
            (Channel::DailyBars, Piece::AlpacaDailyBar(mp)),
        ];
        let mut gather = Gather::default();
        let named = market.ids().map(|id| {
            (
                Named {
                    id,
                    name: market.symbol(id),
                },
                false,
            )
        });
        for (named, always_open) in named.chain(self.fake.map(|f| (f, true))) {
            // By id: a replayed tick holds only the symbols its connection streams.
            let Some(d) = data
                .binary_search_by_key(&named.id, |d| d.id)
                .ok()
                .and_then(|i| data.get(i))
            else {
                continue;
            };
            let ctx = Ctx {
                always_open,
                ..Ctx::new(market, tick, series)
            };
            for (channel, piece) in channels {
                if subs.wants(channel, named.name) {
                    gather.push(&tick.vendor().get(piece, named, d, &ctx), mp);
                }
            }
        }
        if gather.count() == 0 {
            return 0;
        }
        out.extend_from_slice(&self.frame(&gather.payload(self.encoding)));
        1
    }
}
