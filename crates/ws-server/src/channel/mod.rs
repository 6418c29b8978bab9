//! Channels: what a connection streams for each symbol besides (or instead of) its quotes.
//!
//! A subscription names symbols and, optionally, channels: `quotes` (the default, what every
//! client got before channels existed), `trades` (one `trade` frame per print), `bars` (a
//! `bar` frame when a minute, or a trading day, closes) and `status` (a `status` frame when a
//! symbol's trading status changes, e.g. `pre` → `open`). [`Channels`] holds one symbol set
//! per channel; the frames are built once per tick, symbol and channel in [`crate::tick`]
//! ([`frames`] encodes them) and shared by every connection, as quote frames are. What a
//! symbol's status is at a tick is asked of one function, [`status::symbol_status`].

use ticker_core::{SymbolId, SymbolSet};

pub mod frames;
pub mod status;

/// One kind of frame a subscription can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `quote` frames (or the batch/array a format makes of them).
    Quotes,
    /// `trade` frames.
    Trades,
    /// `bar` frames (`"interval":"1m"` and `"1d"`).
    Bars,
    /// `status` frames.
    Status,
}

impl Channel {
    /// Every channel, in the order a tick's frames of one symbol come in.
    pub const ALL: [Channel; 4] = [
        Channel::Quotes,
        Channel::Status,
        Channel::Trades,
        Channel::Bars,
    ];

    /// The channels besides quotes, in the order their frames come after a tick's quotes.
    pub const EXTRA: [Channel; 3] = [Channel::Status, Channel::Trades, Channel::Bars];

    /// Parses a channel name (`quotes`, `trades`, `bars`, `status`; `quote`, `trade`, `bar`
    /// are accepted too).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "quotes" | "quote" => Some(Self::Quotes),
            "trades" | "trade" => Some(Self::Trades),
            "bars" | "bar" => Some(Self::Bars),
            "status" => Some(Self::Status),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quotes => "quotes",
            Self::Trades => "trades",
            Self::Bars => "bars",
            Self::Status => "status",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Quotes => 0,
            Self::Trades => 1,
            Self::Bars => 2,
            Self::Status => 3,
        }
    }
}

/// A set of channels, as a subscribe or unsubscribe names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelMask(u8);

impl ChannelMask {
    /// Quotes alone: what a subscription without `channels` means.
    pub const QUOTES: ChannelMask = ChannelMask(1);
    /// Every channel: what an unsubscribe without `channels` removes.
    pub const ALL: ChannelMask = ChannelMask(0b1111);

    /// Adds a channel.
    pub fn insert(&mut self, channel: Channel) {
        self.0 |= 1 << channel.index();
    }

    /// Whether `channel` is in the set.
    pub fn contains(self, channel: Channel) -> bool {
        self.0 & (1 << channel.index()) != 0
    }

    /// Whether only quotes are named.
    pub fn is_quotes_only(self) -> bool {
        self == Self::QUOTES
    }

    /// The channels, in [`Channel::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// One connection's subscription: a symbol set per channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channels {
    quotes: SymbolSet,
    trades: SymbolSet,
    bars: SymbolSet,
    status: SymbolSet,
}

impl Channels {
    /// A quotes-only subscription of `quotes`.
    pub fn quotes(quotes: SymbolSet) -> Self {
        Self {
            quotes,
            ..Self::default()
        }
    }

    /// The symbols of one channel.
    pub fn get(&self, channel: Channel) -> &SymbolSet {
        match channel {
            Channel::Quotes => &self.quotes,
            Channel::Trades => &self.trades,
            Channel::Bars => &self.bars,
            Channel::Status => &self.status,
        }
    }

    /// The symbols of one channel, to change.
    pub fn get_mut(&mut self, channel: Channel) -> &mut SymbolSet {
        match channel {
            Channel::Quotes => &mut self.quotes,
            Channel::Trades => &mut self.trades,
            Channel::Bars => &mut self.bars,
            Channel::Status => &mut self.status,
        }
    }

    /// Whether any channel besides quotes has a symbol: false for every connection that
    /// does not use channels, which then takes exactly the quotes-only paths.
    pub fn has_extra(&self) -> bool {
        Channel::EXTRA.iter().any(|c| !self.get(*c).is_empty())
    }

    /// The symbols of any channel, in market order.
    pub fn union(&self) -> SymbolSet {
        let mut all = self.extra_union();
        for id in self.quotes.iter() {
            all.insert(id);
        }
        all
    }

    /// Whether `id` is subscribed on any channel.
    pub fn contains(&self, id: SymbolId) -> bool {
        Channel::ALL.iter().any(|c| self.get(*c).contains(id))
    }

    /// The symbols with any channel besides quotes, in market order.
    pub fn extra_union(&self) -> SymbolSet {
        let mut all = SymbolSet::new();
        for channel in Channel::EXTRA {
            for id in self.get(channel).iter() {
                all.insert(id);
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_and_sets() {
        let mut m = ChannelMask::default();
        m.insert(Channel::Trades);
        m.insert(Channel::Quotes);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            vec![Channel::Quotes, Channel::Trades]
        );
        assert!(ChannelMask::QUOTES.is_quotes_only());
        let mut c = Channels::quotes([SymbolId(3)].into_iter().collect());
        assert!(!c.has_extra());
        c.get_mut(Channel::Status).insert(SymbolId(1));
        assert!(c.has_extra());
        assert_eq!(
            c.union().iter().collect::<Vec<_>>(),
            [SymbolId(1), SymbolId(3)]
        );
        for name in ["quotes", "trades", "bars", "status"] {
            assert_eq!(Channel::parse(name).map(Channel::name), Some(name));
        }
        assert_eq!(Channel::parse("news"), None);
    }
}
