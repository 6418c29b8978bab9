//! The Alpaca stream's framing: JSON text or MessagePack binary, chosen per connection.
//!
//! Every server frame is an array of messages ([`encode`]); control messages ([`Control`])
//! always go alone. The encoding is the upgrade request's `Content-Type`
//! ([`Encoding::from_content_type`]): `application/msgpack` for both official SDKs (which
//! speak nothing else), JSON for everyone else. Client messages are read in whichever encoding
//! they arrive in, text as JSON and binary as MessagePack ([`decode_client`]), so a
//! MessagePack client and a `wscat` session both work on any connection.

use serde::Serialize;
use serde_json::Value;

use super::errors::StreamError;
use super::stream::Channel;

/// How a connection's frames are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JSON in text frames (the default).
    Json,
    /// MessagePack in binary frames; timestamps as timestamp extensions (type −1).
    Msgpack,
}

impl Encoding {
    /// The encoding an upgrade request's `Content-Type` asks for.
    pub fn from_content_type(content_type: Option<&str>) -> Self {
        match content_type {
            Some(ct) if ct.to_ascii_lowercase().contains("application/msgpack") => Self::Msgpack,
            _ => Self::Json,
        }
    }

    /// Whether frames are binary (else text).
    pub fn is_binary(self) -> bool {
        self == Self::Msgpack
    }
}

/// The subscription set as acknowledged: every channel, always, in Alpaca's order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[allow(non_snake_case)]
pub struct SubscriptionAck {
    /// `trades`.
    pub trades: Vec<String>,
    /// `quotes`.
    pub quotes: Vec<String>,
    /// `bars`.
    pub bars: Vec<String>,
    /// `updatedBars`.
    pub updatedBars: Vec<String>,
    /// `dailyBars`.
    pub dailyBars: Vec<String>,
    /// `statuses`.
    pub statuses: Vec<String>,
    /// `lulds`.
    pub lulds: Vec<String>,
    /// `corrections`: follow `trades`.
    pub corrections: Vec<String>,
    /// `cancelErrors`: follow `trades`.
    pub cancelErrors: Vec<String>,
}

/// A control message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "T")]
pub enum Control {
    /// `{"T":"success","msg":"connected"|"authenticated"}`.
    #[serde(rename = "success")]
    Success {
        /// `connected` or `authenticated`.
        msg: &'static str,
    },
    /// `{"T":"error","code":N,"msg":"…"}`.
    #[serde(rename = "error")]
    Error {
        /// Alpaca's code.
        code: u16,
        /// Alpaca's message.
        msg: &'static str,
    },
    /// `{"T":"subscription",…}`: the whole current subscription set.
    #[serde(rename = "subscription")]
    Subscription(SubscriptionAck),
}

impl Control {
    /// `[{"T":"success","msg":"connected"}]`.
    pub const CONNECTED: Self = Self::Success { msg: "connected" };
    /// `[{"T":"success","msg":"authenticated"}]`.
    pub const AUTHENTICATED: Self = Self::Success {
        msg: "authenticated",
    };
}

impl From<StreamError> for Control {
    fn from(e: StreamError) -> Self {
        Self::Error {
            code: e.code(),
            msg: e.msg(),
        }
    }
}

/// Encodes one server frame: the messages as an array (control messages go one per frame).
pub fn encode<T: Serialize>(messages: &[T], encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 160 * messages.len());
    // Neither encoder can fail on these types (string keys, no maps with other keys); an
    // empty frame would be a bug that tests catch, not a crash.
    match encoding {
        Encoding::Json => {
            let _ = serde_json::to_writer(&mut out, messages);
        }
        Encoding::Msgpack => {
            let mut se = rmp_serde::Serializer::new(&mut out).with_struct_map();
            let _ = messages.serialize(&mut se);
        }
    }
    out
}

/// A message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `{"action":"auth","key":…,"secret":…}`.
    Auth {
        /// Key id.
        key: String,
        /// Secret.
        secret: String,
    },
    /// `{"action":"subscribe",…}`: channels and the symbols to add.
    Subscribe(Vec<(Channel, Vec<String>)>),
    /// `{"action":"unsubscribe",…}`: channels and the symbols to remove.
    Unsubscribe(Vec<(Channel, Vec<String>)>),
}

/// A client frame as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum Frame<'a> {
    /// A text frame: JSON.
    Text(&'a str),
    /// A binary frame: MessagePack.
    Binary(&'a [u8]),
}

/// Channels that exist on other Alpaca feeds (or need a plan ticker does not model): asking
/// for them is error 410, not 400.
const OTHER_FEED_CHANNELS: [&str; 3] = ["orderbooks", "news", "imbalances"];

/// Reads a client message. Anything that is not an object with a known `action` and
/// well-typed fields is [`StreamError::InvalidSyntax`]; a channel of another feed is
/// [`StreamError::InvalidSubscribeAction`].
pub fn decode_client(frame: Frame<'_>) -> Result<ClientMessage, StreamError> {
    let value: Value = match frame {
        Frame::Text(text) => serde_json::from_str(text).map_err(|_| StreamError::InvalidSyntax)?,
        Frame::Binary(bytes) => {
            rmp_serde::from_slice(bytes).map_err(|_| StreamError::InvalidSyntax)?
        }
    };
    let Value::Object(obj) = value else {
        return Err(StreamError::InvalidSyntax);
    };
    let action = obj.get("action").and_then(Value::as_str);
    match action {
        Some("auth") => {
            let field = |name: &str| obj.get(name).and_then(Value::as_str).map(str::to_owned);
            match (field("key"), field("secret")) {
                (Some(key), Some(secret)) => Ok(ClientMessage::Auth { key, secret }),
                _ => Err(StreamError::InvalidSyntax),
            }
        }
        Some(kind @ ("subscribe" | "unsubscribe")) => {
            let mut lists = Vec::new();
            for (name, value) in &obj {
                if name == "action" {
                    continue;
                }
                let Some(symbols) = value.as_array().and_then(|items| {
                    items
                        .iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                }) else {
                    return Err(StreamError::InvalidSyntax);
                };
                match Channel::from_name(name) {
                    Some(channel) => lists.push((channel, symbols)),
                    // Derived from `trades`; alpaca-py never sends them, a hand-written
                    // client might: nothing to do.
                    None if name == "corrections" || name == "cancelErrors" => {}
                    None if OTHER_FEED_CHANNELS.contains(&name.as_str()) => {
                        return Err(StreamError::InvalidSubscribeAction)
                    }
                    None => return Err(StreamError::InvalidSyntax),
                }
            }
            Ok(if kind == "subscribe" {
                ClientMessage::Subscribe(lists)
            } else {
                ClientMessage::Unsubscribe(lists)
            })
        }
        _ => Err(StreamError::InvalidSyntax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alpaca::msg::tests::{sym, trade};
    use crate::alpaca::msg::Item;

    #[test]
    fn content_type_selects_the_encoding() {
        assert_eq!(Encoding::from_content_type(None), Encoding::Json);
        assert_eq!(
            Encoding::from_content_type(Some("application/json")),
            Encoding::Json
        );
        assert_eq!(
            Encoding::from_content_type(Some("Application/MsgPack")),
            Encoding::Msgpack
        );
        assert!(Encoding::Msgpack.is_binary());
    }

    #[test]
    fn control_frames_are_arrays_of_one() {
        let json = |c: Control| String::from_utf8(encode(&[c], Encoding::Json)).unwrap();
        assert_eq!(
            json(Control::CONNECTED),
            r#"[{"T":"success","msg":"connected"}]"#
        );
        assert_eq!(
            json(Control::AUTHENTICATED),
            r#"[{"T":"success","msg":"authenticated"}]"#
        );
        assert_eq!(
            json(StreamError::SymbolLimitExceeded.into()),
            r#"[{"T":"error","code":405,"msg":"symbol limit exceeded"}]"#
        );
        let ack = SubscriptionAck {
            trades: vec!["AAPL".into()],
            corrections: vec!["AAPL".into()],
            cancelErrors: vec!["AAPL".into()],
            bars: vec!["*".into()],
            ..Default::default()
        };
        assert_eq!(
            json(Control::Subscription(ack)),
            r#"[{"T":"subscription","trades":["AAPL"],"quotes":[],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["AAPL"],"cancelErrors":["AAPL"]}]"#
        );
    }

    #[test]
    fn msgpack_frames_are_maps_with_ext_timestamps() {
        let bytes = encode(&[Item::Trade(sym("AAPL"), trade())], Encoding::Msgpack);
        // fixarray(1), fixmap(9), fixstr "T", fixstr "t", …
        assert_eq!(&bytes[..5], &[0x91, 0x89, 0xa1, b'T', 0xa1]);
        let back: Value = rmp_serde::from_slice(&bytes[..]).unwrap_or(Value::Null);
        // serde_json cannot hold an extension: the decode fails, proving it is not a string.
        assert_eq!(back, Value::Null);
        let ts = trade().time.msgpack_ext();
        let needle: Vec<u8> = [&[0xd7, 0xff][..], &ts.0[..8]].concat();
        assert!(bytes.windows(10).any(|w| w == needle.as_slice()));
        let connected = encode(&[Control::CONNECTED], Encoding::Msgpack);
        let v: Value = rmp_serde::from_slice(&connected).unwrap();
        assert_eq!(v, serde_json::json!([{"T":"success","msg":"connected"}]));
    }

    #[test]
    fn client_messages_decode_from_json_and_msgpack() {
        let want = ClientMessage::Auth {
            key: "PK".into(),
            secret: "s3".into(),
        };
        let text = r#"{"action":"auth","key":"PK","secret":"s3"}"#;
        assert_eq!(decode_client(Frame::Text(text)).unwrap(), want);
        let packed =
            rmp_serde::to_vec_named(&serde_json::json!({"action":"auth","key":"PK","secret":"s3"}))
                .unwrap();
        assert_eq!(decode_client(Frame::Binary(&packed)).unwrap(), want);
        let sub = r#"{"action":"subscribe","trades":["AAPL"],"bars":["*"],"corrections":["AAPL"]}"#;
        assert_eq!(
            decode_client(Frame::Text(sub)).unwrap(),
            // Keys come in name order (the channels are independent).
            ClientMessage::Subscribe(vec![
                (Channel::Bars, vec!["*".into()]),
                (Channel::Trades, vec!["AAPL".into()]),
            ])
        );
        let unsub = r#"{"action":"unsubscribe","dailyBars":[]}"#;
        assert_eq!(
            decode_client(Frame::Text(unsub)).unwrap(),
            ClientMessage::Unsubscribe(vec![(Channel::DailyBars, vec![])])
        );
    }

    #[test]
    fn malformed_messages_are_invalid_syntax_and_other_feeds_410() {
        for bad in [
            "",
            "not json",
            "[]",
            r#"{"action":"dance"}"#,
            r#"{"key":"a"}"#,
            r#"{"action":"auth","key":"a"}"#,
            r#"{"action":"auth","key":1,"secret":"b"}"#,
            r#"{"action":"subscribe","trades":"AAPL"}"#,
            r#"{"action":"subscribe","trades":[1]}"#,
            r#"{"action":"subscribe","trade":["AAPL"]}"#,
        ] {
            assert_eq!(
                decode_client(Frame::Text(bad)),
                Err(StreamError::InvalidSyntax),
                "{bad:?}"
            );
        }
        for bad in [
            &[0xc1][..],
            &[0x92, 0x01][..],
            &[][..],
            &[0xd9, 0x05, b'a'][..],
        ] {
            assert_eq!(
                decode_client(Frame::Binary(bad)),
                Err(StreamError::InvalidSyntax)
            );
        }
        assert_eq!(
            decode_client(Frame::Text(
                r#"{"action":"subscribe","orderbooks":["AAPL"]}"#
            )),
            Err(StreamError::InvalidSubscribeAction)
        );
    }
}
