//! One Binance stream connection as a pure state machine: which endpoint it opened (raw
//! `/ws…` or combined `/stream…`), its streams, the `combined` property, and the documented
//! limits (incoming messages per second, streams per connection).
//!
//! The ws-server opens a session from the upgrade request ([`Session::open`]), counts every
//! incoming frame, pings and pongs included ([`Session::on_incoming`]), feeds text frames to
//! [`Session::on_text`] for the reply, and wraps each payload it sends with
//! [`Session::frame`]. Binance sends a WebSocket ping every 20 s ([`PING_INTERVAL_MS`]);
//! going over the message rate closes the connection, as on Binance.

use super::control::{self, ControlError, Method};
use super::num::TimeUnit;
use super::streams::{self, Stream};
use crate::instruments::Instruments;
use crate::json::push_str_lit;
use crate::params::Params;

/// Default for [`Limits::max_streams`] (Binance's documented 1024).
pub const DEFAULT_MAX_STREAMS: usize = 1024;
/// Default for [`Limits::max_messages_per_s`] (Binance's documented 5).
pub const DEFAULT_MAX_MESSAGES_PER_S: u32 = 5;
/// Binance's server ping period.
pub const PING_INTERVAL_MS: u64 = 20_000;
/// The WebSocket close code for going over a limit (policy violation).
pub const CLOSE_POLICY: u16 = 1008;

/// Per-connection limits (flags of the ws-server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Streams one connection may hold.
    pub max_streams: usize,
    /// Incoming frames (text, ping, pong) per second before the connection is closed.
    pub max_messages_per_s: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_streams: DEFAULT_MAX_STREAMS,
            max_messages_per_s: DEFAULT_MAX_MESSAGES_PER_S,
        }
    }
}

/// Why an upgrade request is refused (answered with HTTP 400 and this JSON body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError {
    /// Binance's control error code (2: invalid request).
    pub code: u8,
    /// What is wrong.
    pub msg: String,
}

impl OpenError {
    fn new(msg: String) -> Self {
        Self { code: 2, msg }
    }

    /// The HTTP body `{"code":2,"msg":"…"}`.
    pub fn body(&self) -> String {
        let mut out = String::from("{\"code\":");
        out.push_str(itoa::Buffer::new().format(self.code));
        out.push_str(",\"msg\":");
        push_str_lit(&mut out, &self.msg);
        out.push('}');
        out
    }
}

/// A request to close the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    /// WebSocket close code.
    pub code: u16,
    /// Close reason.
    pub reason: String,
}

/// One connection's state (see the module docs).
#[derive(Debug, Clone)]
pub struct Session {
    limits: Limits,
    tick_ms: u64,
    combined: bool,
    time_unit: TimeUnit,
    streams: Vec<Stream>,
    window_start_ms: i64,
    window_count: u32,
}

impl Session {
    /// Opens a session for a path below the gateway prefix (`/ws`, `/ws/<a>/<b>`, `/stream`)
    /// and its query (`streams=a/b`, `timeUnit=`), on a server ticking every `tick_ms`.
    pub fn open(
        path: &str,
        query: &(impl Params + ?Sized),
        market: &impl Instruments,
        limits: Limits,
        tick_ms: u64,
    ) -> Result<Self, OpenError> {
        let (combined, inline) = match path.trim_end_matches('/') {
            "/ws" => (false, ""),
            "/stream" => (true, ""),
            p => match p.strip_prefix("/ws/") {
                Some(names) => (false, names),
                None => {
                    return Err(OpenError::new(format!(
                        "Invalid request: unknown stream path {path:?} (use /ws, /ws/<stream>, /stream or /stream?streams=a/b)"
                    )))
                }
            },
        };
        let time_unit = match query.value("timeUnit") {
            None => TimeUnit::Millisecond,
            Some(t) => TimeUnit::parse(t).ok_or_else(|| {
                OpenError::new(format!(
                    "Invalid request: timeUnit {t:?} (use MILLISECOND or MICROSECOND)"
                ))
            })?,
        };
        let from_query = if combined {
            query.value("streams").unwrap_or("")
        } else {
            ""
        };
        let mut session = Self {
            limits,
            tick_ms,
            combined,
            time_unit,
            streams: Vec::new(),
            window_start_ms: i64::MIN,
            window_count: 0,
        };
        let names: Vec<&str> = inline
            .split('/')
            .chain(from_query.split('/'))
            .filter(|n| !n.is_empty())
            .collect();
        session
            .add(&names, market)
            .map_err(|e| OpenError::new(format!("Invalid request: {e}")))?;
        Ok(session)
    }

    /// Whether payloads are wrapped as `{"stream":…,"data":…}`.
    pub fn combined(&self) -> bool {
        self.combined
    }

    /// The unit of every time field on this connection.
    pub fn time_unit(&self) -> TimeUnit {
        self.time_unit
    }

    /// The streams, in subscription order.
    pub fn streams(&self) -> &[Stream] {
        &self.streams
    }

    /// Counts one incoming frame at `now_ms`; `Some` when it exceeds the rate limit and the
    /// connection must be closed.
    pub fn on_incoming(&mut self, now_ms: i64) -> Option<Close> {
        if now_ms.saturating_sub(self.window_start_ms) >= 1000 {
            self.window_start_ms = now_ms;
            self.window_count = 0;
        }
        self.window_count = self.window_count.saturating_add(1);
        (self.window_count > self.limits.max_messages_per_s).then(|| Close {
            code: CLOSE_POLICY,
            reason: format!(
                "Too many messages: at most {} per second",
                self.limits.max_messages_per_s
            ),
        })
    }

    /// Handles one control message and returns the reply frame.
    pub fn on_text(&mut self, text: &str, market: &impl Instruments) -> String {
        match control::parse(text).and_then(|req| self.apply(req, market)) {
            Ok(reply) => reply,
            Err(e) => e.frame(),
        }
    }

    fn apply(
        &mut self,
        req: control::Request,
        market: &impl Instruments,
    ) -> Result<String, ControlError> {
        let id = req.id;
        match req.method {
            Method::Subscribe(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                self.add(&names, market)
                    .map_err(|e| ControlError::invalid(&e, id.clone()))?;
                Ok(control::ok_frame(&id))
            }
            Method::Unsubscribe(names) => {
                self.streams.retain(|s| !names.contains(&s.name));
                Ok(control::ok_frame(&id))
            }
            Method::ListSubscriptions => {
                let names = control::names_json(self.streams.iter().map(|s| s.name.as_str()));
                Ok(control::result_frame(&names, &id))
            }
            Method::SetCombined(on) => {
                self.combined = on;
                Ok(control::ok_frame(&id))
            }
            Method::GetCombined => Ok(control::result_frame(
                if self.combined { "true" } else { "false" },
                &id,
            )),
        }
    }

    /// Adds streams, all or none: every name must be valid and the total within the limit.
    fn add(&mut self, names: &[&str], market: &impl Instruments) -> Result<(), String> {
        let mut new: Vec<Stream> = Vec::new();
        for name in names {
            if self.streams.iter().chain(&new).any(|s| s.name == *name) {
                continue;
            }
            new.push(streams::parse(name, market, self.tick_ms).map_err(|e| e.0)?);
        }
        let total = self.streams.len() + new.len();
        if total > self.limits.max_streams {
            return Err(format!(
                "too many streams: {total} requested, at most {} per connection",
                self.limits.max_streams
            ));
        }
        self.streams.extend(new);
        Ok(())
    }

    /// The frame for one stream's payload: the payload itself on a raw connection, else
    /// `{"stream":"<name>","data":<payload>}`.
    pub fn frame(&self, stream: &str, payload: &str) -> String {
        if !self.combined {
            return payload.to_owned();
        }
        wrap_combined(stream, payload)
    }
}

/// `{"stream":"<name>","data":<payload>}`.
pub fn wrap_combined(stream: &str, payload: &str) -> String {
    let mut out = String::with_capacity(stream.len() + payload.len() + 22);
    out.push_str("{\"stream\":");
    push_str_lit(&mut out, stream);
    out.push_str(",\"data\":");
    out.push_str(payload);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticker_core::SymbolId;

    fn market(s: &str) -> Option<SymbolId> {
        ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
            .iter()
            .position(|x| *x == s)
            .map(|i| SymbolId(i as u16))
    }

    const NONE: [(&str, &str); 0] = [];

    fn open(path: &str, query: &[(&str, &str)]) -> Result<Session, OpenError> {
        Session::open(path, query, &market, Limits::default(), 1000)
    }

    fn names(s: &Session) -> Vec<&str> {
        s.streams().iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn opens_every_endpoint_form() {
        let s = open("/ws", &NONE).unwrap();
        assert!(!s.combined() && s.streams().is_empty());
        let s = open("/ws/btcusdt@trade", &NONE).unwrap();
        assert_eq!(names(&s), ["btcusdt@trade"]);
        let s = open("/ws/btcusdt@trade/ethusdt@kline_1m", &NONE).unwrap();
        assert_eq!(names(&s), ["btcusdt@trade", "ethusdt@kline_1m"]);
        let s = open("/stream", &NONE).unwrap();
        assert!(s.combined() && s.streams().is_empty());
        let s = open("/stream", &[("streams", "")]).unwrap();
        assert!(
            s.streams().is_empty(),
            "@binance/spot opens ?streams= with no names"
        );
        let s = open("/stream", &[("streams", "btcusdt@trade/!miniTicker@arr")]).unwrap();
        assert_eq!(names(&s), ["btcusdt@trade", "!miniTicker@arr"]);
        let s = open("/stream/", &[("timeUnit", "MICROSECOND")]).unwrap();
        assert_eq!(s.time_unit(), TimeUnit::Microsecond);
    }

    #[test]
    fn refuses_bad_upgrades_with_a_clear_body() {
        let e = open("/wss", &NONE).unwrap_err();
        assert!(e.msg.contains("unknown stream path"), "{}", e.msg);
        let e = open("/ws/BTCUSDT@trade", &NONE).unwrap_err();
        assert!(e.msg.contains("lower case"));
        let e = open("/stream", &[("streams", "btcusdt@nope")]).unwrap_err();
        assert!(e
            .body()
            .starts_with(r#"{"code":2,"msg":"Invalid request: invalid stream"#));
        let e = open("/ws", &[("timeUnit", "SECOND")]).unwrap_err();
        assert!(e.msg.contains("timeUnit"));
        let few = Limits {
            max_streams: 1,
            ..Limits::default()
        };
        let e = Session::open(
            "/ws/btcusdt@trade/ethusdt@trade",
            &NONE[..],
            &market,
            few,
            1000,
        );
        assert!(e
            .unwrap_err()
            .msg
            .contains("too many streams: 2 requested, at most 1"));
    }

    #[test]
    fn live_subscribe_unsubscribe_list_and_properties() {
        let mut s = open("/ws", &NONE).unwrap();
        let r = s.on_text(
            r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@kline_1m"],"id":1}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":null,"id":1}"#);
        let r = s.on_text(
            r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@bookTicker"],"id":"ab12"}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":null,"id":"ab12"}"#);
        let r = s.on_text(r#"{"method":"LIST_SUBSCRIPTIONS","id":3}"#, &market);
        assert_eq!(
            r,
            r#"{"result":["btcusdt@trade","btcusdt@kline_1m","ethusdt@bookTicker"],"id":3}"#
        );
        let r = s.on_text(
            r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade","never@trade"],"id":312}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":null,"id":312}"#);
        assert_eq!(names(&s), ["btcusdt@kline_1m", "ethusdt@bookTicker"]);
        assert_eq!(s.frame("ethusdt@bookTicker", "{}"), "{}");
        let r = s.on_text(
            r#"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":false,"id":2}"#);
        let r = s.on_text(
            r#"{"method":"SET_PROPERTY","params":["combined",true],"id":5}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":null,"id":5}"#);
        assert_eq!(
            s.frame("ethusdt@bookTicker", r#"{"u":1}"#),
            r#"{"stream":"ethusdt@bookTicker","data":{"u":1}}"#
        );
        let r = s.on_text(
            r#"{"method":"GET_PROPERTY","params":["combined"],"id":null}"#,
            &market,
        );
        assert_eq!(r, r#"{"result":true,"id":null}"#);
    }

    #[test]
    fn a_bad_subscribe_changes_nothing_and_says_why() {
        let mut s = open("/stream", &[("streams", "btcusdt@trade")]).unwrap();
        let r = s.on_text(
            r#"{"method":"SUBSCRIBE","params":["ethusdt@trade","xrpusdt@trade"],"id":9}"#,
            &market,
        );
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["id"], 9);
        assert_eq!(v["error"]["code"], 2);
        assert!(v["error"]["msg"]
            .as_str()
            .unwrap()
            .contains("unknown symbol XRPUSDT"));
        assert_eq!(names(&s), ["btcusdt@trade"], "all or nothing");
        let mut s = Session::open(
            "/ws",
            &NONE[..],
            &market,
            Limits {
                max_streams: 2,
                ..Limits::default()
            },
            1000,
        )
        .unwrap();
        let r = s.on_text(r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@trade","solusdt@trade"],"id":1}"#, &market);
        assert!(
            r.contains("too many streams: 3 requested, at most 2 per connection"),
            "{r}"
        );
        assert!(s.streams().is_empty());
        let r = s.on_text("not json", &market);
        assert!(
            r.starts_with(r#"{"error":{"code":3,"msg":"Invalid JSON"#),
            "{r}"
        );
        assert!(r.ends_with(r#""id":null}"#));
    }

    #[test]
    fn more_than_five_messages_a_second_closes_the_connection() {
        let mut s = open("/ws", &NONE).unwrap();
        for i in 0..5 {
            assert_eq!(s.on_incoming(1_000 + i * 100), None);
        }
        let close = s.on_incoming(1_900).unwrap();
        assert_eq!(close.code, CLOSE_POLICY);
        assert_eq!(close.reason, "Too many messages: at most 5 per second");
        let mut s = open("/ws", &NONE).unwrap();
        for i in 0..20 {
            assert_eq!(s.on_incoming(i * 250), None, "4 a second is fine");
        }
    }

    /// Truncations and byte flips of valid messages (a deterministic sweep): every reply is
    /// one JSON object with a `result` or an `error`, and the limits hold.
    #[test]
    fn mangled_messages_get_an_error_never_a_panic() {
        let samples = [
            r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@kline_1m"],"id":1}"#,
            r#"{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":"3f2504e0-4f89"}"#,
            r#"{"method":"SET_PROPERTY","params":["combined",true],"id":null}"#,
            r#"{"method":"GET_PROPERTY","params":["combined"],"id":2}"#,
            r#"{"method":"LIST_SUBSCRIPTIONS","id":3}"#,
        ];
        let limits = Limits {
            max_streams: 3,
            ..Limits::default()
        };
        let mut s = Session::open("/stream", &NONE[..], &market, limits, 1000).unwrap();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for sample in samples {
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
                    let reply = s.on_text(&text, &market);
                    let v: serde_json::Value = serde_json::from_str(&reply)
                        .unwrap_or_else(|e| panic!("{text:?} → {reply:?}: {e}"));
                    assert!(
                        v.get("result").is_some() || v["error"]["code"].is_u64(),
                        "{reply}"
                    );
                    assert!(s.streams().len() <= 3);
                }
            }
        }
    }
}
