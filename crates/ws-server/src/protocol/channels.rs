//! The protocol's side of channels: the `channels` field of subscribe/unsubscribe (and of
//! the URL), and what acks and welcomes say about them.

use serde::Serialize;
use serde_json::Value;
use ticker_core::{Market, Seq, SymbolSet};

use super::{shorten, ProtocolError};
use crate::channel::status::symbol_status;
use crate::channel::{Channel, ChannelMask, Channels};

/// Most entries a `channels` list may have (there are four channels; duplicates allowed).
pub const MAX_CHANNEL_NAMES: usize = 8;

/// Parses channel names: an array of strings or a comma-separated string.
pub fn parse_channels(value: &Value) -> Result<ChannelMask, ProtocolError> {
    let names: Vec<&str> = match value {
        Value::Array(items) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err(ProtocolError::new(
                        "invalid_message",
                        "`channels` must be an array of strings",
                    ));
                };
                names.push(s);
            }
            names
        }
        Value::String(s) => s.split(',').collect(),
        _ => {
            return Err(ProtocolError::new(
                "invalid_message",
                "`channels` must be an array of channel names: quotes, trades, bars, status",
            ))
        }
    };
    channel_names(&names)
}

/// Resolves channel names; unknown ones are an `unknown_channel` error naming them.
pub fn channel_names(names: &[&str]) -> Result<ChannelMask, ProtocolError> {
    if names.len() > MAX_CHANNEL_NAMES {
        return Err(ProtocolError::new(
            "invalid_message",
            format!(
                "{} channels named; at most {MAX_CHANNEL_NAMES} (quotes, trades, bars, status)",
                names.len()
            ),
        ));
    }
    let mut mask = ChannelMask::default();
    let mut unknown = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Channel::parse(name) {
            Some(channel) => mask.insert(channel),
            None => unknown.push(format!("{:?}", shorten(name))),
        }
    }
    if !unknown.is_empty() {
        return Err(ProtocolError::new(
            "unknown_channel",
            format!(
                "unknown channel {}; use quotes, trades, bars or status",
                unknown.join(", ")
            ),
        ));
    }
    if mask == ChannelMask::default() {
        return Err(ProtocolError::new(
            "invalid_message",
            "`channels` names no channel; use quotes, trades, bars or status",
        ));
    }
    Ok(mask)
}

/// The symbols of each channel, as acks and welcomes list them.
#[derive(Debug, Serialize)]
pub struct ChannelNames<'a> {
    /// `quote` frames.
    pub quotes: Vec<&'a str>,
    /// `trade` frames.
    pub trades: Vec<&'a str>,
    /// `bar` frames.
    pub bars: Vec<&'a str>,
    /// `status` frames.
    pub status: Vec<&'a str>,
}

/// A symbol's current status, in an ack or welcome.
#[derive(Debug, Serialize)]
pub struct StatusEntry<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// `pre`, `open`, `post`, `closed` (`halted` once the core halts symbols).
    pub status: &'static str,
    /// Why, for a status that has a reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The symbol's calendar.
    pub calendar: &'static str,
}

/// What an ack or welcome adds for a connection that uses channels.
#[derive(Debug, Serialize)]
pub struct Listing<'a> {
    /// Each channel's symbols.
    pub channels: ChannelNames<'a>,
    /// The status, at the connection's tick, of every symbol on the `status` channel.
    pub status: Vec<StatusEntry<'a>>,
}

fn names<'m>(market: &'m Market, set: &SymbolSet) -> Vec<&'m str> {
    set.iter()
        .map(|id| market.info(id).symbol.as_str())
        .collect()
}

/// The listing of a subscription at tick `seq`.
pub fn listing<'m>(market: &'m Market, channels: &Channels, seq: Seq) -> Listing<'m> {
    Listing {
        channels: ChannelNames {
            quotes: names(market, channels.get(Channel::Quotes)),
            trades: names(market, channels.get(Channel::Trades)),
            bars: names(market, channels.get(Channel::Bars)),
            status: names(market, channels.get(Channel::Status)),
        },
        status: channels
            .get(Channel::Status)
            .iter()
            .map(|id| {
                let now = symbol_status(market, id, seq);
                StatusEntry {
                    symbol: market.info(id).symbol.as_str(),
                    status: now.status,
                    reason: now.reason,
                    calendar: market.calendar(id).kind().name(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn channel_lists_parse_or_say_what_is_wrong() {
        let mask = parse_channels(&json!(["trades", "quotes", "trades"])).unwrap();
        assert!(mask.contains(Channel::Trades) && mask.contains(Channel::Quotes));
        assert!(!mask.contains(Channel::Bars));
        assert!(parse_channels(&json!("bars,status"))
            .unwrap()
            .contains(Channel::Status));
        let code = |v: Value| parse_channels(&v).unwrap_err().code;
        assert_eq!(code(json!(["quotes", "news"])), "unknown_channel");
        assert_eq!(code(json!([])), "invalid_message");
        assert_eq!(code(json!([1])), "invalid_message");
        assert_eq!(code(json!(5)), "invalid_message");
        assert_eq!(code(Value::from(vec!["quotes"; 9])), "invalid_message");
        assert!(parse_channels(&json!(["quotes", "news"]))
            .unwrap_err()
            .message
            .contains("\"news\""));
    }
}
