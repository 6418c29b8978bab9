//! What an Alpaca stream session is subscribed to: per [`Channel`], `*` and/or symbols.
//!
//! Kept apart from the session's handshake ([`super::stream`]) because the service consults
//! it on every delivery ([`Subscriptions::wants`]) while the handshake is done after one
//! message.

use ticker_core::Symbol;

use super::wire::SubscriptionAck;

/// A subscribable channel of the stock feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `trades` (`t` messages).
    Trades,
    /// `quotes` (`q`).
    Quotes,
    /// `bars`: minute bars (`b`).
    Bars,
    /// `updatedBars` (`u`).
    UpdatedBars,
    /// `dailyBars` (`d`).
    DailyBars,
    /// `statuses` (`s`).
    Statuses,
    /// `lulds` (`l`): accepted and acknowledged; ticker has no bands to send yet.
    Lulds,
}

impl Channel {
    /// Every channel, in acknowledgement order.
    pub const ALL: [Self; 7] = [
        Self::Trades,
        Self::Quotes,
        Self::Bars,
        Self::UpdatedBars,
        Self::DailyBars,
        Self::Statuses,
        Self::Lulds,
    ];

    /// The channel a subscribe message's key names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The key in subscribe messages and acks.
    pub fn name(self) -> &'static str {
        match self {
            Self::Trades => "trades",
            Self::Quotes => "quotes",
            Self::Bars => "bars",
            Self::UpdatedBars => "updatedBars",
            Self::DailyBars => "dailyBars",
            Self::Statuses => "statuses",
            Self::Lulds => "lulds",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// One channel's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelSubscription {
    /// `*`: every symbol.
    pub all: bool,
    /// Symbols named, in the order they were added.
    pub symbols: Vec<Symbol>,
}

impl ChannelSubscription {
    /// Whether `symbol` is wanted.
    pub fn wants(&self, symbol: Symbol) -> bool {
        self.all || self.symbols.contains(&symbol)
    }

    fn entries(&self) -> usize {
        usize::from(self.all) + self.symbols.len()
    }

    fn names(&self) -> Vec<String> {
        let star = self.all.then(|| "*".to_owned());
        star.into_iter()
            .chain(self.symbols.iter().map(|s| s.as_str().to_owned()))
            .collect()
    }
}

/// A session's subscription, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscriptions {
    channels: [ChannelSubscription; 7],
}

impl Subscriptions {
    /// One channel's subscription.
    pub fn channel(&self, channel: Channel) -> &ChannelSubscription {
        // `Channel::index` is always in range; the fallback is never taken.
        self.channels.get(channel.index()).unwrap_or(&EMPTY)
    }

    /// Whether `channel` wants `symbol`.
    pub fn wants(&self, channel: Channel, symbol: Symbol) -> bool {
        self.channel(channel).wants(symbol)
    }

    /// Entries counted against the limit.
    pub fn entries(&self) -> usize {
        self.channels.iter().map(ChannelSubscription::entries).sum()
    }

    /// The acknowledgement listing the whole set (`corrections` and `cancelErrors` mirror
    /// `trades`, as Alpaca's do).
    pub fn ack(&self) -> SubscriptionAck {
        let names = |c: Channel| self.channel(c).names();
        SubscriptionAck {
            trades: names(Channel::Trades),
            quotes: names(Channel::Quotes),
            bars: names(Channel::Bars),
            updatedBars: names(Channel::UpdatedBars),
            dailyBars: names(Channel::DailyBars),
            statuses: names(Channel::Statuses),
            lulds: names(Channel::Lulds),
            corrections: names(Channel::Trades),
            cancelErrors: names(Channel::Trades),
        }
    }

    pub(crate) fn apply(&mut self, lists: &[(Channel, Vec<Symbol>, bool)], add: bool) {
        for (channel, symbols, star) in lists {
            let Some(sub) = self.channels.get_mut(channel.index()) else {
                continue;
            };
            if *star {
                sub.all = add;
            }
            for s in symbols {
                let at = sub.symbols.iter().position(|x| x == s);
                match (add, at) {
                    (true, None) => sub.symbols.push(*s),
                    (false, Some(i)) => {
                        sub.symbols.remove(i);
                    }
                    _ => {}
                }
            }
        }
    }
}

static EMPTY: ChannelSubscription = ChannelSubscription {
    all: false,
    symbols: Vec::new(),
};
