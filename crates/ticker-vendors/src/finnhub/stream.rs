//! The Finnhub trade stream as a pure state machine.
//!
//! ```text
//! > {"type":"subscribe","symbol":"AAPL"}
//! < {"data":[{"c":["1"],"p":185.21,"s":"AAPL","t":1772465504208,"v":100}],"type":"trade"}
//! < {"type":"ping"}
//! < {"msg":"Invalid symbol NOPE","type":"error"}
//! ```
//!
//! There is no handshake and no acknowledgement; the token is checked when the connection is
//! upgraded ([`super::rest::authorize`]). The ws-server feeds every client text to
//! [`Session::on_text`] (which may answer with an error frame) and calls [`Session::on_tick`]
//! once per tick with the tick's trades, pre-encoded per symbol ([`write_trade`]) so that each
//! connection only concatenates. A tick with no trade for any subscribed symbol (its market is
//! closed) sends nothing; after `ping_interval_ms` of silence the session sends
//! `{"type":"ping"}`, which is all a client sees while its markets are closed, as on Finnhub.
//!
//! Symbols are Finnhub's: upper case, optionally with an exchange prefix (`BINANCE:BTCUSDT`
//! for a 24/7 pair), echoed in `s` as the client wrote them.

use serde_json::Value;
use ticker_core::{Decimal, SymbolId};

use crate::instruments::Instruments;
use crate::json::{push_decimal, push_int, push_str_lit};

/// Default for [`Limits::max_symbols`]: Finnhub's free-plan limit of 50 symbols.
pub const DEFAULT_MAX_SYMBOLS: usize = 50;
/// Default for [`Limits::ping_interval_ms`].
pub const DEFAULT_PING_INTERVAL_MS: i64 = 10_000;
/// The longest exchange prefix accepted in `PREFIX:SYMBOL`.
const MAX_PREFIX_LEN: usize = 16;

/// The keep-alive frame.
pub const PING: &str = r#"{"type":"ping"}"#;

/// Per-connection limits (flags of the ws-server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Symbols one connection may subscribe to.
    pub max_symbols: usize,
    /// Silence after which a `ping` frame is sent.
    pub ping_interval_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_symbols: DEFAULT_MAX_SYMBOLS,
            ping_interval_ms: DEFAULT_PING_INTERVAL_MS,
        }
    }
}

/// A client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `{"type":"subscribe","symbol":…}`
    Subscribe(String),
    /// `{"type":"unsubscribe","symbol":…}`
    Unsubscribe(String),
}

/// The error frame `{"msg":"…","type":"error"}`.
pub fn error_frame(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len() + 24);
    out.push_str("{\"msg\":");
    push_str_lit(&mut out, msg);
    out.push_str(",\"type\":\"error\"}");
    out
}

/// Decodes a client message; the error is the message of the error frame to send.
pub fn parse_request(text: &str) -> Result<Request, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("Invalid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err(
            "Invalid message: expected an object such as {\"type\":\"subscribe\",\"symbol\":\"AAPL\"}"
                .to_owned(),
        );
    };
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| "Invalid message: missing \"type\" (subscribe or unsubscribe)".to_owned())?;
    let symbol = || {
        obj.get("symbol")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "Invalid message: missing \"symbol\"".to_owned())
    };
    match kind {
        "subscribe" => Ok(Request::Subscribe(symbol()?)),
        "unsubscribe" => Ok(Request::Unsubscribe(symbol()?)),
        "subscribe-news" | "unsubscribe-news" | "subscribe-pr" | "unsubscribe-pr" => Err(format!(
            "Unsupported message type {kind}: this gateway streams trades only"
        )),
        other => Err(format!(
            "Unknown message type {other:?} (use subscribe or unsubscribe)"
        )),
    }
}

/// Splits `BINANCE:BTCUSDT` into the canonical symbol `BTCUSDT`; a bare symbol is itself.
/// `None` when the prefix is malformed.
pub fn canonical(name: &str) -> Option<&str> {
    match name.split_once(':') {
        None => Some(name),
        Some((prefix, symbol)) => {
            let ok = !prefix.is_empty()
                && prefix.len() <= MAX_PREFIX_LEN
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            ok.then_some(symbol)
        }
    }
}

/// One trade as Finnhub sends it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trade<'a> {
    /// Price.
    pub price: Decimal,
    /// Trade time, Unix milliseconds.
    pub time_ms: i64,
    /// Shares traded.
    pub volume: u64,
    /// Finnhub trade condition codes (`"1"`, `"12"`); omitted from the frame when empty.
    pub conditions: &'a [&'a str],
}

/// Appends one trade object, keys in Finnhub's (alphabetical) order:
/// `{"c":["1"],"p":185.21,"s":"AAPL","t":1772465504208,"v":100}`.
pub fn write_trade(out: &mut String, symbol: &str, trade: &Trade<'_>) {
    out.push('{');
    if !trade.conditions.is_empty() {
        out.push_str("\"c\":[");
        for (i, c) in trade.conditions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str_lit(out, c);
        }
        out.push_str("],");
    }
    out.push_str("\"p\":");
    push_decimal(out, trade.price);
    out.push_str(",\"s\":");
    push_str_lit(out, symbol);
    out.push_str(",\"t\":");
    push_int(out, trade.time_ms);
    out.push_str(",\"v\":");
    push_int(out, trade.volume);
    out.push('}');
}

/// A subscription: the market's symbol and the name the client used for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The market's symbol.
    pub id: SymbolId,
    /// As the client wrote it (`AAPL`, `BINANCE:BTCUSDT`), echoed in `s`.
    pub name: String,
    /// `name` is an alias: `s` must be rewritten in the shared fragments.
    alias: bool,
}

/// One connection's state (see the module docs).
#[derive(Debug, Clone)]
pub struct Session {
    limits: Limits,
    subs: Vec<Subscription>,
    last_sent_ms: i64,
}

impl Session {
    /// A new connection at `now_ms` (nothing is sent on connect).
    pub fn new(limits: Limits, now_ms: i64) -> Self {
        Self {
            limits,
            subs: Vec::new(),
            last_sent_ms: now_ms,
        }
    }

    /// The current subscriptions, in the order they were made.
    pub fn subscriptions(&self) -> &[Subscription] {
        &self.subs
    }

    /// Handles one client text message; returns the error frame to send, if any.
    pub fn on_text(&mut self, text: &str, market: &impl Instruments) -> Option<String> {
        let result = parse_request(text).and_then(|req| self.apply(req, market));
        result.err().map(|msg| error_frame(&msg))
    }

    fn apply(&mut self, req: Request, market: &impl Instruments) -> Result<(), String> {
        match req {
            Request::Subscribe(name) => {
                if self.subs.iter().any(|s| s.name == name) {
                    return Ok(());
                }
                let id = canonical(&name)
                    .and_then(|symbol| market.lookup(symbol))
                    .ok_or_else(|| format!("Invalid symbol {name}"))?;
                if self.subs.len() >= self.limits.max_symbols {
                    return Err(format!(
                        "Symbol limit reached: at most {} symbols per connection",
                        self.limits.max_symbols
                    ));
                }
                let alias = canonical(&name) != Some(name.as_str());
                self.subs.push(Subscription { id, name, alias });
                Ok(())
            }
            Request::Unsubscribe(name) => {
                // Unsubscribing from something never subscribed is silently fine, as on Finnhub.
                self.subs.retain(|s| s.name != name);
                Ok(())
            }
        }
    }

    /// The frame for one tick, given each symbol's trade objects for it ([`write_trade`],
    /// comma-separated, written with the canonical symbol); `None` when nothing is due.
    pub fn on_tick<'t>(
        &mut self,
        now_ms: i64,
        trades: impl Fn(SymbolId) -> Option<&'t str>,
    ) -> Option<String> {
        let mut out = String::new();
        for sub in &self.subs {
            let Some(objects) = trades(sub.id).filter(|t| !t.is_empty()) else {
                continue;
            };
            out.push_str(if out.is_empty() { "{\"data\":[" } else { "," });
            if sub.alias {
                let canonical_name = canonical(&sub.name).unwrap_or_default();
                let (mut from, mut to) = (String::from("\"s\":"), String::from("\"s\":"));
                push_str_lit(&mut from, canonical_name);
                push_str_lit(&mut to, &sub.name);
                out.push_str(&objects.replace(&from, &to));
            } else {
                out.push_str(objects);
            }
        }
        if !out.is_empty() {
            out.push_str("],\"type\":\"trade\"}");
            self.last_sent_ms = now_ms;
            return Some(out);
        }
        if now_ms.saturating_sub(self.last_sent_ms) >= self.limits.ping_interval_ms {
            self.last_sent_ms = now_ms;
            return Some(PING.to_owned());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(symbol: &str) -> Option<SymbolId> {
        ["AAPL", "MSFT", "BTCUSDT"]
            .iter()
            .position(|s| *s == symbol)
            .map(|i| SymbolId(i as u16))
    }

    fn trades_of(id: SymbolId) -> Option<&'static str> {
        match id.0 {
            0 => Some(r#"{"c":["1","12"],"p":185.21,"s":"AAPL","t":1772465504208,"v":100}"#),
            2 => Some(r#"{"p":42000.5,"s":"BTCUSDT","t":1772465504208,"v":3}"#),
            _ => None,
        }
    }

    #[test]
    fn trade_objects_have_finnhubs_fields_units_and_order() {
        let mut s = String::new();
        let t = Trade {
            price: Decimal::new(18521, 2),
            time_ms: 1_772_465_504_208,
            volume: 100,
            conditions: &["1", "12"],
        };
        write_trade(&mut s, "AAPL", &t);
        assert_eq!(
            s,
            r#"{"c":["1","12"],"p":185.21,"s":"AAPL","t":1772465504208,"v":100}"#
        );
        s.clear();
        write_trade(
            &mut s,
            "X",
            &Trade {
                conditions: &[],
                ..t
            },
        );
        assert_eq!(s, r#"{"p":185.21,"s":"X","t":1772465504208,"v":100}"#);
    }

    #[test]
    fn subscribed_trades_are_batched_per_tick() {
        let mut session = Session::new(Limits::default(), 0);
        assert_eq!(
            session.on_text(r#"{"type":"subscribe","symbol":"AAPL"}"#, &market),
            None
        );
        assert_eq!(
            session.on_text(r#"{"type":"subscribe","symbol":"MSFT"}"#, &market),
            None
        );
        assert_eq!(
            session.on_text(
                r#"{"type":"subscribe","symbol":"BINANCE:BTCUSDT"}"#,
                &market
            ),
            None
        );
        let frame = session.on_tick(1000, trades_of).unwrap();
        let v: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(v["type"], "trade");
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 2, "MSFT had no trade this tick");
        assert_eq!(data[0]["s"], "AAPL");
        assert_eq!(data[0]["t"], 1_772_465_504_208_i64);
        assert_eq!(data[1]["s"], "BINANCE:BTCUSDT", "echoed as subscribed");
        assert!(frame.ends_with(r#"],"type":"trade"}"#));
    }

    #[test]
    fn only_pings_while_nothing_trades() {
        let limits = Limits {
            max_symbols: 5,
            ping_interval_ms: 10_000,
        };
        let mut session = Session::new(limits, 0);
        session.on_text(r#"{"type":"subscribe","symbol":"MSFT"}"#, &market);
        assert_eq!(session.on_tick(1_000, trades_of), None);
        assert_eq!(session.on_tick(9_999, trades_of), None);
        assert_eq!(session.on_tick(10_000, trades_of).as_deref(), Some(PING));
        assert_eq!(session.on_tick(15_000, trades_of), None);
        assert_eq!(session.on_tick(20_000, trades_of).as_deref(), Some(PING));
        // A trade resets the silence clock.
        session.on_text(r#"{"type":"subscribe","symbol":"AAPL"}"#, &market);
        assert!(session
            .on_tick(21_000, trades_of)
            .unwrap()
            .contains("\"trade\""));
        session.on_text(r#"{"type":"unsubscribe","symbol":"AAPL"}"#, &market);
        assert_eq!(session.on_tick(30_999, trades_of), None);
        assert_eq!(session.on_tick(31_000, trades_of).as_deref(), Some(PING));
    }

    #[test]
    fn errors_use_finnhubs_shape() {
        let mut session = Session::new(
            Limits {
                max_symbols: 1,
                ping_interval_ms: 1,
            },
            0,
        );
        let err = |s: &mut Session, text: &str| -> Value {
            serde_json::from_str(&s.on_text(text, &market).unwrap()).unwrap()
        };
        let e = err(&mut session, r#"{"type":"subscribe","symbol":"NOPE"}"#);
        assert_eq!(
            e,
            serde_json::json!({"msg":"Invalid symbol NOPE","type":"error"})
        );
        let e = err(&mut session, r#"{"type":"subscribe","symbol":"aapl"}"#);
        assert_eq!(e["msg"], "Invalid symbol aapl");
        let e = err(&mut session, r#"{"type":"subscribe","symbol":"bad:AAPL"}"#);
        assert_eq!(e["msg"], "Invalid symbol bad:AAPL");
        assert!(err(&mut session, "{not json")["msg"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON"));
        assert!(err(&mut session, "[1]")["msg"]
            .as_str()
            .unwrap()
            .starts_with("Invalid message"));
        assert!(err(&mut session, r#"{"symbol":"AAPL"}"#)["msg"]
            .as_str()
            .unwrap()
            .contains("missing \"type\""));
        assert!(err(&mut session, r#"{"type":"subscribe"}"#)["msg"]
            .as_str()
            .unwrap()
            .contains("missing \"symbol\""));
        assert!(
            err(&mut session, r#"{"type":"subscribe-news","symbol":"AAPL"}"#)["msg"]
                .as_str()
                .unwrap()
                .contains("trades only")
        );
        assert!(err(&mut session, r#"{"type":"hello"}"#)["msg"]
            .as_str()
            .unwrap()
            .starts_with("Unknown message type"));
        assert_eq!(
            session.on_text(r#"{"type":"subscribe","symbol":"AAPL"}"#, &market),
            None
        );
        assert_eq!(
            session.on_text(r#"{"type":"subscribe","symbol":"AAPL"}"#, &market),
            None,
            "subscribing twice is harmless"
        );
        let e = err(&mut session, r#"{"type":"subscribe","symbol":"MSFT"}"#);
        assert_eq!(
            e["msg"],
            "Symbol limit reached: at most 1 symbols per connection"
        );
        assert_eq!(
            session.subscriptions().len(),
            1,
            "state unchanged by errors"
        );
        assert_eq!(
            session.on_text(r#"{"type":"unsubscribe","symbol":"TSLA"}"#, &market),
            None,
            "unsubscribing what was never subscribed is silent"
        );
    }

    /// Truncations and byte flips of valid messages (a deterministic sweep): the answer is
    /// nothing or one error frame, never a panic, and the limit holds.
    #[test]
    fn mangled_messages_get_an_error_never_a_panic() {
        let mut session = Session::new(
            Limits {
                max_symbols: 2,
                ping_interval_ms: 1,
            },
            0,
        );
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for sample in [
            r#"{"type":"subscribe","symbol":"AAPL"}"#,
            r#"{"type":"unsubscribe","symbol":"BINANCE:BTCUSDT"}"#,
        ] {
            let bytes = sample.as_bytes();
            for cut in 0..=bytes.len() {
                let mut m = bytes[..cut].to_vec();
                for _ in 0..3 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if !m.is_empty() {
                        let i = (x % m.len() as u64) as usize;
                        m[i] = (x >> 32) as u8;
                    }
                    let text = String::from_utf8_lossy(&m);
                    if let Some(frame) = session.on_text(&text, &market) {
                        let v: Value = serde_json::from_str(&frame).unwrap();
                        assert_eq!(v["type"], "error", "{frame}");
                    }
                    assert!(session.subscriptions().len() <= 2);
                }
            }
        }
        let frame = session.on_tick(1, trades_of);
        assert!(frame.is_some(), "a trade frame or a ping");
    }
}
