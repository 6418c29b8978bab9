//! One Polygon/Massive stream session as a pure state machine.
//!
//! ```text
//! < [{"ev":"status","status":"connected","message":"Connected Successfully"}]     Session::open
//! > {"action":"auth","params":"KEY"}
//! < [{"ev":"status","status":"auth_success","message":"authenticated"}]          (or auth_failed, close)
//! > {"action":"subscribe","params":"T.AAPL,Q.*,AM.MSFT"}
//! < [{"ev":"status","status":"success","message":"subscribed to: T.AAPL"}]       one frame per topic
//! ```
//!
//! Frames are JSON text, each an array of events ([`super::msg::Event`]). Topics are
//! `T.` (trades), `Q.` (quotes), `AM.` (minute aggregates) and `A.` (second aggregates)
//! followed by a symbol or `*`. Without a configured key any non-empty key passes.

use std::collections::BTreeSet;

use serde_json::Value;
use ticker_core::Symbol;

use super::msg::Event;
use crate::admission::Admission;

/// What a topic streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `T`: trades.
    Trades,
    /// `Q`: NBBO quotes.
    Quotes,
    /// `AM`: minute aggregates.
    Minutes,
    /// `A`: second aggregates.
    Seconds,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Trades, Self::Quotes, Self::Minutes, Self::Seconds];

    /// The topic prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Trades => "T",
            Self::Quotes => "Q",
            Self::Minutes => "AM",
            Self::Seconds => "A",
        }
    }
}

/// A subscription topic: a kind and a symbol, or every symbol (`T.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Topic {
    /// The kind.
    pub kind: Kind,
    /// The symbol; `None` for `*`.
    pub symbol: Option<Symbol>,
}

impl Topic {
    /// Parses `T.AAPL`, `AM.*`, ….
    pub fn parse(s: &str) -> Option<Self> {
        let (prefix, sym) = s.trim().split_once('.')?;
        let kind = Kind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        let symbol = match sym {
            "*" => None,
            s => Some(Symbol::parse(s).ok()?),
        };
        Some(Self { kind, symbol })
    }

    fn name(&self) -> String {
        let sym = self.symbol.as_ref().map_or("*", Symbol::as_str);
        format!("{}.{sym}", self.kind.prefix())
    }
}

/// What a session enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// The only API key accepted, if set; otherwise any non-empty key.
    pub api_key: Option<String>,
    /// The most topics a session may hold.
    pub max_topics: usize,
}

/// Replies to send, each its own frame, and whether to close afterwards.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    /// Events to send, one frame each.
    pub replies: Vec<Event>,
    /// Close after sending them.
    pub close: bool,
    /// The subscription set changed.
    pub changed: bool,
}

impl Step {
    fn one(event: Event, close: bool) -> Self {
        Self {
            replies: vec![event],
            close,
            changed: false,
        }
    }
}

/// The message of the status Polygon sends when a key has too many connections.
pub const MAX_CONNECTIONS: &str = "Maximum number of websocket connections exceeded. You have reached the connection limit for your account.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Connected,
    Authenticated(String),
    Closed,
}

/// One client's session.
#[derive(Debug, Clone)]
pub struct Session {
    phase: Phase,
    topics: BTreeSet<Topic>,
}

impl Session {
    /// A new connection and its `connected` status.
    pub fn open() -> (Self, Step) {
        let s = Self {
            phase: Phase::Connected,
            topics: BTreeSet::new(),
        };
        (
            s,
            Step::one(Event::status("connected", "Connected Successfully"), false),
        )
    }

    /// Answers one client text frame.
    pub fn handle(
        &mut self,
        config: &StreamConfig,
        text: &str,
        admission: &mut impl Admission,
    ) -> Step {
        if self.phase == Phase::Closed {
            return Step::default();
        }
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => return Step::one(Event::status("error", "invalid message: not JSON"), false),
        };
        let action = value.get("action").and_then(Value::as_str);
        let params = value.get("params").and_then(Value::as_str);
        match (action, params) {
            (Some("auth"), Some(key)) => self.auth(config, key, admission),
            (Some(a @ ("subscribe" | "unsubscribe")), Some(p)) => {
                if self.key().is_none() {
                    return Step::one(Event::status("error", "not authorized"), false);
                }
                self.update(config, p, a == "subscribe")
            }
            (Some(a @ ("auth" | "subscribe" | "unsubscribe")), None) => Step::one(
                Event::status("error", format!("{a}: `params` must be a string")),
                false,
            ),
            _ => Step::one(Event::status("error", "invalid action"), false),
        }
    }

    /// The auth timeout passed without an auth: an error status and close.
    pub fn auth_timeout(&mut self) -> Step {
        if self.phase != Phase::Connected {
            return Step::default();
        }
        self.phase = Phase::Closed;
        Step::one(
            Event::status("auth_timeout", "authentication timed out"),
            true,
        )
    }

    /// The key the session holds a connection slot for.
    pub fn key(&self) -> Option<&str> {
        match &self.phase {
            Phase::Authenticated(k) => Some(k),
            _ => None,
        }
    }

    /// Whether `kind` is subscribed for `symbol` (by name or by `*`).
    pub fn wants(&self, kind: Kind, symbol: Symbol) -> bool {
        self.topics.contains(&Topic { kind, symbol: None })
            || self.topics.contains(&Topic {
                kind,
                symbol: Some(symbol),
            })
    }

    /// The subscribed topics.
    pub fn topics(&self) -> impl Iterator<Item = &Topic> {
        self.topics.iter()
    }

    fn auth(&mut self, config: &StreamConfig, key: &str, admission: &mut impl Admission) -> Step {
        if self.key().is_some() {
            return Step::one(Event::status("auth_success", "authenticated"), false);
        }
        let valid = match &config.api_key {
            Some(k) => k == key,
            None => !key.trim().is_empty(),
        };
        if !valid {
            self.phase = Phase::Closed;
            return Step::one(Event::status("auth_failed", "authentication failed"), true);
        }
        if !admission.admit(key) {
            self.phase = Phase::Closed;
            return Step::one(Event::status("max_connections", MAX_CONNECTIONS), true);
        }
        self.phase = Phase::Authenticated(key.to_owned());
        Step::one(Event::status("auth_success", "authenticated"), false)
    }

    fn update(&mut self, config: &StreamConfig, params: &str, add: bool) -> Step {
        let mut step = Step::default();
        for raw in params.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some(topic) = Topic::parse(raw) else {
                let shown: String = raw.chars().take(40).collect();
                step.replies.push(Event::status(
                    "error",
                    format!("invalid subscription: {shown}"),
                ));
                continue;
            };
            let name = topic.name();
            if add {
                if !self.topics.contains(&topic) && self.topics.len() >= config.max_topics {
                    step.replies.push(Event::status(
                        "error",
                        format!(
                            "subscription limit of {} topics reached: {name}",
                            config.max_topics
                        ),
                    ));
                    continue;
                }
                step.changed |= self.topics.insert(topic);
                step.replies
                    .push(Event::status("success", format!("subscribed to: {name}")));
            } else {
                step.changed |= self.topics.remove(&topic);
                step.replies
                    .push(Event::status("success", format!("unsubscribed to: {name}")));
            }
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::Unlimited;

    fn cfg(key: Option<&str>) -> StreamConfig {
        StreamConfig {
            api_key: key.map(str::to_owned),
            max_topics: 3,
        }
    }

    fn texts(step: &Step) -> Vec<String> {
        step.replies
            .iter()
            .map(|e| serde_json::to_string(std::slice::from_ref(e)).unwrap())
            .collect()
    }

    fn sym(s: &str) -> Symbol {
        Symbol::parse(s).unwrap()
    }

    #[test]
    fn handshake_and_one_status_per_topic() {
        let c = cfg(None);
        let (mut s, step) = Session::open();
        assert_eq!(
            texts(&step),
            [r#"[{"ev":"status","status":"connected","message":"Connected Successfully"}]"#]
        );
        let step = s.handle(&c, r#"{"action":"auth","params":"KEY"}"#, &mut Unlimited);
        assert_eq!(
            texts(&step),
            [r#"[{"ev":"status","status":"auth_success","message":"authenticated"}]"#]
        );
        let step = s.handle(
            &c,
            r#"{"action":"subscribe","params":"T.AAPL,Q.*, AM.MSFT"}"#,
            &mut Unlimited,
        );
        assert_eq!(
            texts(&step),
            [
                r#"[{"ev":"status","status":"success","message":"subscribed to: T.AAPL"}]"#,
                r#"[{"ev":"status","status":"success","message":"subscribed to: Q.*"}]"#,
                r#"[{"ev":"status","status":"success","message":"subscribed to: AM.MSFT"}]"#,
            ]
        );
        assert!(step.changed);
        assert!(s.wants(Kind::Trades, sym("AAPL")));
        assert!(!s.wants(Kind::Trades, sym("MSFT")));
        assert!(s.wants(Kind::Quotes, sym("TSLA")));
        assert!(!s.wants(Kind::Seconds, sym("MSFT")));
        let step = s.handle(
            &c,
            r#"{"action":"unsubscribe","params":"T.AAPL"}"#,
            &mut Unlimited,
        );
        assert_eq!(
            texts(&step),
            [r#"[{"ev":"status","status":"success","message":"unsubscribed to: T.AAPL"}]"#]
        );
        assert!(!s.wants(Kind::Trades, sym("AAPL")));
        assert_eq!(s.topics().count(), 2);
    }

    #[test]
    fn wrong_key_fails_and_closes() {
        let c = cfg(Some("secret"));
        let (mut s, _) = Session::open();
        let step = s.handle(&c, r#"{"action":"auth","params":"guess"}"#, &mut Unlimited);
        assert_eq!(
            texts(&step),
            [r#"[{"ev":"status","status":"auth_failed","message":"authentication failed"}]"#]
        );
        assert!(step.close);
        assert_eq!(
            s.handle(&c, r#"{"action":"auth","params":"secret"}"#, &mut Unlimited),
            Step::default()
        );
        let (mut s, _) = Session::open();
        assert!(!s
            .handle(
                &cfg(None),
                r#"{"action":"auth","params":" "}"#,
                &mut Unlimited
            )
            .replies
            .is_empty());
        assert_eq!(s.key(), None);
    }

    #[test]
    fn subscribing_before_auth_and_bad_messages_get_error_statuses() {
        let c = cfg(None);
        let (mut s, _) = Session::open();
        let step = s.handle(
            &c,
            r#"{"action":"subscribe","params":"T.AAPL"}"#,
            &mut Unlimited,
        );
        assert_eq!(
            texts(&step),
            [r#"[{"ev":"status","status":"error","message":"not authorized"}]"#]
        );
        assert!(!step.close);
        for bad in [
            "nope",
            "[]",
            r#"{"action":"dance","params":"x"}"#,
            r#"{"action":"auth"}"#,
        ] {
            let step = s.handle(&c, bad, &mut Unlimited);
            assert_eq!(step.replies.len(), 1, "{bad}");
            assert!(
                matches!(
                    &step.replies[0],
                    Event::Status {
                        status: "error",
                        ..
                    }
                ),
                "{bad}"
            );
        }
        s.handle(&c, r#"{"action":"auth","params":"k"}"#, &mut Unlimited);
        let step = s.handle(
            &c,
            r#"{"action":"subscribe","params":"X.AAPL,T.aapl,T.AAPL"}"#,
            &mut Unlimited,
        );
        assert_eq!(
            texts(&step),
            [
                r#"[{"ev":"status","status":"error","message":"invalid subscription: X.AAPL"}]"#,
                r#"[{"ev":"status","status":"error","message":"invalid subscription: T.aapl"}]"#,
                r#"[{"ev":"status","status":"success","message":"subscribed to: T.AAPL"}]"#,
            ]
        );
    }

    #[test]
    fn topic_limit_refuses_the_excess_and_connection_limit_closes() {
        let c = cfg(None);
        let (mut s, _) = Session::open();
        s.handle(&c, r#"{"action":"auth","params":"k"}"#, &mut Unlimited);
        let step = s.handle(
            &c,
            r#"{"action":"subscribe","params":"T.A,T.B,T.C,T.D,T.A"}"#,
            &mut Unlimited,
        );
        let statuses: Vec<&str> = step
            .replies
            .iter()
            .map(|e| match e {
                Event::Status { status, .. } => *status,
                _ => "",
            })
            .collect();
        assert_eq!(
            statuses,
            ["success", "success", "success", "error", "success"]
        );
        assert_eq!(s.topics().count(), 3);

        struct Full;
        impl Admission for Full {
            fn admit(&mut self, _: &str) -> bool {
                false
            }
        }
        let (mut s, _) = Session::open();
        let step = s.handle(&c, r#"{"action":"auth","params":"k"}"#, &mut Full);
        assert!(step.close);
        assert!(matches!(
            &step.replies[0],
            Event::Status {
                status: "max_connections",
                ..
            }
        ));
    }

    #[test]
    fn auth_timeout_closes_unauthenticated_sessions_only() {
        let (mut s, _) = Session::open();
        let step = s.auth_timeout();
        assert!(step.close);
        let (mut s, _) = Session::open();
        s.handle(
            &cfg(None),
            r#"{"action":"auth","params":"k"}"#,
            &mut Unlimited,
        );
        assert_eq!(s.auth_timeout(), Step::default());
    }
}
