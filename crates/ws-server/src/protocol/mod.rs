//! The WebSocket protocol: what clients may send ([`Command`], parsed by [`parse_command`]) and
//! the control messages the server sends. Quote frames themselves are built once per tick in
//! [`crate::ticker`]. The full protocol, with examples, is `docs/ws-protocol.md`.
//!
//! Rule kept by every control message: it never has a top-level `symbol` field, so classic
//! clients that keep only objects with `symbol` and a numeric `price` ignore them.

use serde::Serialize;
use serde_json::Value;
use ticker_core::{ClockReport, Market, Seq, SymbolId};

use crate::channel::ChannelMask;

pub mod channels;
mod replay;

pub use channels::Listing;
use replay::parse_replay;
pub use replay::{ReplayCommand, ReplayInfo};

/// Which symbols a subscribe/unsubscribe names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// `"*"` was given: every symbol.
    pub all: bool,
    /// Known symbols named, in request order, without duplicates.
    pub ids: Vec<SymbolId>,
    /// Names that are not configured symbols (reported back, never fatal).
    pub unknown: Vec<String>,
    /// The channels named: quotes alone for a subscribe without `channels`, every channel
    /// for an unsubscribe without.
    pub channels: ChannelMask,
}

/// A valid client request.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Add symbols to the subscription.
    Subscribe(Selection),
    /// Remove symbols from the subscription.
    Unsubscribe(Selection),
    /// Application-level ping; `id` is echoed in the pong.
    Ping(Option<Value>),
    /// Replay ticks after `since` (the last one the client saw).
    Resume(Seq),
    /// Steer this connection's replay (`{"type":"replay","action":…}`).
    Replay(ReplayCommand),
}

/// A request the server answers with an `error` message (the connection stays open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// Stable code: `invalid_json`, `invalid_message`, `unknown_type`, `too_many_symbols`,
    /// `unknown_symbols`, `unknown_channel`, `invalid_since`, `unsupported_binary`,
    /// `not_replaying`, `invalid_replay`, `replaying`.
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
    /// For `unknown_symbols`: the names that were not found.
    pub symbols: Vec<String>,
}

impl ProtocolError {
    /// An error without a symbol list.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            symbols: Vec::new(),
        }
    }

    /// The `error` message.
    pub fn to_json(&self) -> String {
        ServerMessage::Error {
            code: self.code,
            message: &self.message,
            symbols: &self.symbols,
        }
        .to_json()
    }
}

pub(crate) fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Resolves a list of names (`"*"` for all), at most `max` entries.
pub fn select(market: &Market, names: &[&str], max: usize) -> Result<Selection, ProtocolError> {
    if names.len() > max {
        return Err(ProtocolError::new(
            "too_many_symbols",
            format!(
                "{} symbols named; at most {max} per connection",
                names.len()
            ),
        ));
    }
    let mut sel = Selection {
        all: false,
        ids: Vec::new(),
        unknown: Vec::new(),
        channels: ChannelMask::QUOTES,
    };
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if name == "*" {
            sel.all = true;
        } else if let Some(id) = market.lookup(name) {
            if !sel.ids.contains(&id) {
                sel.ids.push(id);
            }
        } else if sel.unknown.len() < 32 {
            sel.unknown.push(shorten(name));
        }
    }
    Ok(sel)
}

/// Parses one text message from a client.
pub fn parse_command(
    text: &str,
    market: &Market,
    max_symbols: usize,
) -> Result<Command, ProtocolError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ProtocolError::new("invalid_json", format!("the message is not JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(ProtocolError::new(
            "invalid_message",
            "a message must be a JSON object",
        ));
    };
    let Some(kind) = obj.get("type").and_then(Value::as_str) else {
        return Err(ProtocolError::new(
            "invalid_message",
            "a message needs a string field `type`",
        ));
    };
    match kind {
        "subscribe" | "unsubscribe" => {
            let names: Vec<&str> = match obj.get("symbols") {
                Some(Value::Array(items)) => {
                    if items.len() > max_symbols {
                        return Err(ProtocolError::new(
                            "too_many_symbols",
                            format!(
                                "{} symbols named; at most {max_symbols} per connection",
                                items.len()
                            ),
                        ));
                    }
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        let Some(s) = item.as_str() else {
                            return Err(ProtocolError::new(
                                "invalid_message",
                                "`symbols` must be an array of strings",
                            ));
                        };
                        names.push(s);
                    }
                    names
                }
                // Lenient: "AAPL,MSFT" or "*".
                Some(Value::String(s)) => s.split(',').collect(),
                _ => {
                    return Err(ProtocolError::new(
                        "invalid_message",
                        format!("`{kind}` needs `symbols`: an array of symbols, or [\"*\"]"),
                    ))
                }
            };
            let mut sel = select(market, &names, max_symbols)?;
            sel.channels = match obj.get("channels") {
                Some(value) => channels::parse_channels(value)?,
                None if kind == "subscribe" => ChannelMask::QUOTES,
                None => ChannelMask::ALL,
            };
            Ok(if kind == "subscribe" {
                Command::Subscribe(sel)
            } else {
                Command::Unsubscribe(sel)
            })
        }
        "ping" => Ok(Command::Ping(obj.get("id").cloned())),
        "replay" => parse_replay(obj).map(Command::Replay),
        "resume" => match obj.get("since").and_then(Value::as_u64) {
            Some(since) => Ok(Command::Resume(Seq(since))),
            None => Err(ProtocolError::new(
                "invalid_message",
                "`resume` needs `since`: the last seq received (a non-negative integer)",
            )),
        },
        other => Err(ProtocolError::new(
            "unknown_type",
            format!(
                "unknown message type {:?}; use subscribe, unsubscribe, ping, resume or replay",
                shorten(other)
            ),
        )),
    }
}

/// Control messages from the server (quote frames are built in [`crate::ticker`]).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// The first message of a connection.
    Welcome {
        /// Server version.
        version: &'a str,
        /// Every symbol the server streams.
        symbols: Vec<&'a str>,
        /// The connection's subscription.
        subscribed: Vec<&'a str>,
        /// Milliseconds between ticks.
        interval_ms: u64,
        /// The newest tick at connection time.
        seq: Seq,
        /// The framing in use.
        format: &'a str,
        /// The service's market clock.
        clock: &'a ClockReport,
        /// This connection's replay, if it is one.
        #[serde(skip_serializing_if = "Option::is_none")]
        replay: Option<ReplayInfo>,
        /// Channels and statuses, for a connection that uses channels.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        listing: Option<Listing<'a>>,
    },
    /// A replay's state, after each `replay` message.
    Replay {
        /// What was done: `pause`, `resume`, `speed`, `seek`.
        action: &'a str,
        /// `playing` or `paused`.
        state: &'a str,
        /// Market milliseconds per wall millisecond.
        speed: f64,
        /// The replay's market time now, Unix ms.
        position: i64,
        /// The newest tick sent.
        seq: Seq,
    },
    /// The replay reached its end.
    ReplayEnd {
        /// `to` (the requested end) or `now` (it caught up with the live market).
        reason: &'a str,
        /// The last tick replayed.
        seq: Seq,
        /// Its time, Unix ms.
        timestamp: i64,
        /// What follows: `close` (a close frame, 1000) or `live` (the live stream).
        then: &'a str,
    },
    /// The whole subscription after a change.
    Subscribed {
        /// Subscribed symbols (on any channel), in market order.
        symbols: Vec<&'a str>,
        /// Channels and statuses, for a connection that uses channels.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        listing: Option<Listing<'a>>,
    },
    /// Answer to an application-level ping.
    Pong {
        /// Server time, Unix ms.
        timestamp: i64,
        /// The client's `id`, echoed.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<Value>,
    },
    /// Ticks that cannot be replayed; a snapshot follows.
    Gap {
        /// First missing tick.
        from: Seq,
        /// Last missing tick.
        to: Seq,
        /// Explanation and remedy.
        message: String,
    },
    /// A request was not understood or not allowed; the connection stays open.
    Error {
        /// Stable code.
        code: &'a str,
        /// Explanation.
        message: &'a str,
        /// Unknown symbols, for `unknown_symbols`.
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        symbols: &'a [String],
    },
}

impl ServerMessage<'_> {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| format!(r#"{{"type":"error","code":"internal","message":"{e}"}}"#))
    }
}

/// What a welcome says besides the market: the connection's position, framing, the service's
/// clock and the replay, if any.
#[derive(Debug, Clone, Copy)]
pub struct Greeting<'a> {
    /// The connection's subscription.
    pub subscribed: &'a [&'a str],
    /// The tick it starts at.
    pub seq: Seq,
    /// The framing.
    pub format: &'a str,
    /// The service's market clock.
    pub clock: &'a ClockReport,
    /// The replay this connection is.
    pub replay: Option<ReplayInfo>,
}

/// `{"type":"welcome",…}`: the first message of a connection (`listing`: its channels, when
/// it uses any besides quotes).
pub fn welcome<'m>(
    market: &'m Market,
    greeting: &Greeting<'m>,
    listing: Option<Listing<'m>>,
) -> String {
    ServerMessage::Welcome {
        version: ticker_core::VERSION,
        symbols: market
            .ids()
            .map(|id| market.info(id).symbol.as_str())
            .collect(),
        subscribed: greeting.subscribed.to_vec(),
        interval_ms: market.schedule().interval_ms(),
        seq: greeting.seq,
        format: greeting.format,
        clock: greeting.clock,
        replay: greeting.replay,
        listing,
    }
    .to_json()
}

/// `{"type":"subscribed","symbols":[…]}`: the whole current subscription (with its channels
/// and statuses, when it uses channels besides quotes).
pub fn subscribed<'m>(symbols: &[&'m str], listing: Option<Listing<'m>>) -> String {
    ServerMessage::Subscribed {
        symbols: symbols.to_vec(),
        listing,
    }
    .to_json()
}

/// `{"type":"pong","timestamp":…}` (with the client's `id`, if any).
pub fn pong(now_ms: i64, id: Option<Value>) -> String {
    ServerMessage::Pong {
        timestamp: now_ms,
        id,
    }
    .to_json()
}

/// `{"type":"gap",…}`: ticks `from..=to` cannot be replayed; a snapshot follows.
pub fn gap(from: Seq, to: Seq, oldest: Seq) -> String {
    ServerMessage::Gap {
        from,
        to,
        message: format!(
            "ticks {from}..={to} are older than the replay window (oldest {oldest}); \
             fetch them from the REST history endpoint"
        ),
    }
    .to_json()
}

/// `{"type":"gap",…}` after a manual clock jumped from tick `from − 1` to `to`: the ticks in
/// between were not streamed; a snapshot of `to` follows.
pub fn jump_gap(from: Seq, to: Seq) -> String {
    ServerMessage::Gap {
        from,
        to,
        message: format!(
            "the market clock jumped {} ticks, more than a connection's queue \
             (--queue-ticks): ticks {from}..={} were not streamed and a snapshot of {to} \
             follows; fetch the others from the REST history endpoint",
            to.0 - from.0 + 1,
            to.0.saturating_sub(1)
        ),
    }
    .to_json()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use ticker_core::MarketConfig;

    use super::*;

    fn market() -> Market {
        Market::new(MarketConfig::default()).unwrap()
    }

    #[test]
    fn parses_every_command() {
        let m = market();
        assert_eq!(
            parse_command(
                r#"{"type":"subscribe","symbols":["aapl","NOPE","AAPL","*"]}"#,
                &m,
                10
            ),
            Ok(Command::Subscribe(Selection {
                all: true,
                ids: vec![SymbolId(0)],
                unknown: vec!["NOPE".into()],
                channels: ChannelMask::QUOTES,
            }))
        );
        assert!(matches!(
            parse_command(r#"{"type":"unsubscribe","symbols":"MSFT,TSLA"}"#, &m, 10),
            Ok(Command::Unsubscribe(Selection { ids, .. })) if ids == vec![SymbolId(2), SymbolId(4)]
        ));
        assert_eq!(
            parse_command(r#"{"type":"ping","id":7}"#, &m, 10),
            Ok(Command::Ping(Some(json!(7))))
        );
        assert_eq!(
            parse_command(r#"{"type":"resume","since":12}"#, &m, 10),
            Ok(Command::Resume(Seq(12)))
        );
    }

    #[test]
    fn every_bad_message_has_a_code() {
        let m = market();
        let code = |t: &str| parse_command(t, &m, 3).unwrap_err().code;
        assert_eq!(code("{"), "invalid_json");
        assert_eq!(code("[1]"), "invalid_message");
        assert_eq!(code(r#"{"symbols":[]}"#), "invalid_message");
        assert_eq!(code(r#"{"type":5}"#), "invalid_message");
        assert_eq!(code(r#"{"type":"dance"}"#), "unknown_type");
        assert_eq!(code(r#"{"type":"subscribe"}"#), "invalid_message");
        assert_eq!(
            code(r#"{"type":"subscribe","symbols":[1]}"#),
            "invalid_message"
        );
        assert_eq!(
            code(r#"{"type":"subscribe","symbols":["A","B","C","D"]}"#),
            "too_many_symbols"
        );
        assert_eq!(code(r#"{"type":"resume","since":-1}"#), "invalid_message");
    }

    #[test]
    fn control_messages_never_carry_a_top_level_symbol() {
        let m = market();
        let clock = ticker_core::ClockInfo::real().report(5);
        let greeting = Greeting {
            subscribed: &["AAPL"],
            seq: Seq(3),
            format: "quote",
            clock: &clock,
            replay: Some(ReplayInfo {
                from: 1,
                to: None,
                speed: 2.0,
                then: "close",
            }),
        };
        for text in [
            welcome(&m, &greeting, None),
            ServerMessage::Replay {
                action: "pause",
                state: "paused",
                speed: 1.0,
                position: 0,
                seq: Seq(1),
            }
            .to_json(),
            ServerMessage::ReplayEnd {
                reason: "to",
                seq: Seq(1),
                timestamp: 0,
                then: "close",
            }
            .to_json(),
            subscribed(&["AAPL"], None),
            pong(1, Some(json!("x"))),
            gap(Seq(1), Seq(2), Seq(3)),
            ProtocolError::new("unknown_symbols", "x").to_json(),
        ] {
            let v: Value = serde_json::from_str(&text).unwrap();
            assert!(v.get("symbol").is_none(), "{text}");
            assert!(text.starts_with(r#"{"type":""#), "type comes first: {text}");
        }
    }
}
