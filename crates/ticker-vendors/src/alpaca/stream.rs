//! One Alpaca stream session as a pure state machine: client message in, replies out.
//!
//! The service holds the socket, the timers and the data; it feeds every client frame to
//! [`Session::handle`] and writes the [`Step`]'s replies (encoded with
//! [`super::wire::encode`]), closing the connection when the step says so. The session keeps
//! the handshake state and the subscription set, and decides every reply, error code and
//! limit, as Alpaca documents them:
//!
//! ```text
//! < [{"T":"success","msg":"connected"}]                      Session::open
//! > {"action":"auth","key":"PK…","secret":"…"}
//! < [{"T":"success","msg":"authenticated"}]                  (or 402 and close)
//! > {"action":"subscribe","trades":["AAPL"],"bars":["*"]}
//! < [{"T":"subscription","trades":["AAPL"],…,"bars":["*"],…}]   the whole set, every time
//! ```
//!
//! Credentials may also come with the upgrade request's headers (`APCA-API-KEY-ID`,
//! `APCA-API-SECRET-KEY`); then `open` authenticates at once. Without configured credentials
//! any non-empty key and secret pass (a sandbox); with them, only they do.

use ticker_core::Symbol;

pub use crate::admission::{Admission, Unlimited};

use super::errors::StreamError;
pub use super::subscription::{Channel, ChannelSubscription, Subscriptions};
use super::wire::{decode_client, ClientMessage, Control, Frame};

/// The synthetic symbol of the `test` feed, served in addition to the configured ones.
pub const FAKEPACA: &str = "FAKEPACA";

/// A stock feed: the last segment of `/v2/{feed}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// `iex`.
    Iex,
    /// `sip`.
    Sip,
    /// `delayed_sip`.
    DelayedSip,
    /// `test`: also serves [`FAKEPACA`], always open.
    Test,
}

impl Feed {
    /// The feed a path segment names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "iex" => Some(Self::Iex),
            "sip" => Some(Self::Sip),
            "delayed_sip" => Some(Self::DelayedSip),
            "test" => Some(Self::Test),
            _ => None,
        }
    }

    /// The path segment.
    pub fn name(self) -> &'static str {
        match self {
            Self::Iex => "iex",
            Self::Sip => "sip",
            Self::DelayedSip => "delayed_sip",
            Self::Test => "test",
        }
    }
}

/// A key and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `APCA-API-KEY-ID`.
    pub key: String,
    /// `APCA-API-SECRET-KEY`.
    pub secret: String,
}

/// What a session enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// The only credentials accepted, if set; otherwise any non-empty pair.
    pub credentials: Option<Credentials>,
    /// The most (channel, symbol) entries a session may hold; `*` counts as one (error 405).
    pub max_subscriptions: usize,
}

/// Where the handshake is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Waiting for credentials.
    Connected,
    /// Authenticated as this key.
    Authenticated(String),
    /// Closed after an error; nothing more is answered.
    Closed,
}

/// What to send, and whether to close afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    /// Messages to send, one frame each, in order.
    pub replies: Vec<Control>,
    /// Close the connection after sending them (the error that ended it).
    pub close: Option<StreamError>,
    /// The subscription set changed (the service updates what it delivers).
    pub changed: bool,
}

impl Step {
    fn error(e: StreamError) -> Self {
        Self {
            replies: vec![e.into()],
            close: e.closes().then_some(e),
            changed: false,
        }
    }
}

/// One client's session (see the module docs).
#[derive(Debug, Clone)]
pub struct Session {
    phase: Phase,
    subs: Subscriptions,
}

impl Session {
    /// A new connection: `connected`, then, when the upgrade carried credentials, their
    /// verdict (`authenticated`, or 402/406 and close).
    pub fn open(
        config: &StreamConfig,
        header_credentials: Option<Credentials>,
        admission: &mut impl Admission,
    ) -> (Self, Step) {
        let mut session = Self {
            phase: Phase::Connected,
            subs: Subscriptions::default(),
        };
        let mut step = Step {
            replies: vec![Control::CONNECTED],
            ..Step::default()
        };
        if let Some(c) = header_credentials {
            let verdict = session.authenticate(config, c.key, &c.secret, admission);
            step.replies.extend(verdict.replies);
            step.close = verdict.close;
        }
        (session, step)
    }

    /// Answers one client frame.
    pub fn handle(
        &mut self,
        config: &StreamConfig,
        frame: Frame<'_>,
        admission: &mut impl Admission,
    ) -> Step {
        if self.phase == Phase::Closed {
            return Step::default();
        }
        let message = match decode_client(frame) {
            Ok(m) => m,
            Err(e) => return self.fail(e),
        };
        match message {
            ClientMessage::Auth { key, secret } => {
                if self.is_authenticated() {
                    return self.fail(StreamError::AlreadyAuthenticated);
                }
                self.authenticate(config, key, &secret, admission)
            }
            ClientMessage::Subscribe(lists) => self.update(config, &lists, true),
            ClientMessage::Unsubscribe(lists) => self.update(config, &lists, false),
        }
    }

    /// The auth timeout passed; the service calls this only while
    /// [`Session::is_authenticated`] is false. Sends 404 and closes.
    pub fn auth_timeout(&mut self) -> Step {
        if self.is_authenticated() || self.phase == Phase::Closed {
            return Step::default();
        }
        self.fail(StreamError::AuthTimeout)
    }

    /// The client stopped reading: 407 (best effort) and close.
    pub fn slow_client(&mut self) -> Step {
        self.fail(StreamError::SlowClient)
    }

    /// Whether credentials were accepted.
    pub fn is_authenticated(&self) -> bool {
        matches!(self.phase, Phase::Authenticated(_))
    }

    /// The key the session holds a connection slot for.
    pub fn key(&self) -> Option<&str> {
        match &self.phase {
            Phase::Authenticated(key) => Some(key),
            _ => None,
        }
    }

    /// The current subscription.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subs
    }

    fn fail(&mut self, e: StreamError) -> Step {
        if e.closes() {
            self.phase = Phase::Closed;
        }
        Step::error(e)
    }

    fn authenticate(
        &mut self,
        config: &StreamConfig,
        key: String,
        secret: &str,
        admission: &mut impl Admission,
    ) -> Step {
        let valid = match &config.credentials {
            Some(c) => c.key == key && c.secret == secret,
            None => !key.is_empty() && !secret.is_empty(),
        };
        if !valid {
            return self.fail(StreamError::AuthFailed);
        }
        if !admission.admit(&key) {
            return self.fail(StreamError::ConnectionLimitExceeded);
        }
        self.phase = Phase::Authenticated(key);
        Step {
            replies: vec![Control::AUTHENTICATED],
            ..Step::default()
        }
    }

    fn update(
        &mut self,
        config: &StreamConfig,
        lists: &[(Channel, Vec<String>)],
        add: bool,
    ) -> Step {
        if !self.is_authenticated() {
            return self.fail(StreamError::NotAuthenticated);
        }
        let mut parsed = Vec::with_capacity(lists.len());
        for (channel, names) in lists {
            let mut star = false;
            let mut symbols = Vec::with_capacity(names.len());
            for name in names {
                if name == "*" {
                    star = true;
                } else if let Ok(s) = Symbol::parse(name) {
                    symbols.push(s);
                } else {
                    return self.fail(StreamError::InvalidSyntax);
                }
            }
            parsed.push((*channel, symbols, star));
        }
        let mut next = self.subs.clone();
        next.apply(&parsed, add);
        if add && next.entries() > config.max_subscriptions {
            return self.fail(StreamError::SymbolLimitExceeded);
        }
        let changed = next != self.subs;
        self.subs = next;
        Step {
            replies: vec![Control::Subscription(self.subs.ack())],
            close: None,
            changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alpaca::wire::{encode, Encoding};

    fn config(credentials: Option<(&str, &str)>) -> StreamConfig {
        StreamConfig {
            credentials: credentials.map(|(k, s)| Credentials {
                key: k.into(),
                secret: s.into(),
            }),
            max_subscriptions: 4,
        }
    }

    fn json(step: &Step) -> Vec<String> {
        step.replies
            .iter()
            .map(|c| String::from_utf8(encode(std::slice::from_ref(c), Encoding::Json)).unwrap())
            .collect()
    }

    fn text<'a>(s: &'a str) -> Frame<'a> {
        Frame::Text(s)
    }

    const AUTH: &str = r#"{"action":"auth","key":"PKTEST","secret":"s3cr3t"}"#;

    fn authed(cfg: &StreamConfig) -> Session {
        let (mut s, _) = Session::open(cfg, None, &mut Unlimited);
        let step = s.handle(cfg, text(AUTH), &mut Unlimited);
        assert_eq!(step.replies, [Control::AUTHENTICATED]);
        s
    }

    #[test]
    fn handshake_then_incremental_subscriptions_acked_in_full() {
        let cfg = config(None);
        let (mut s, step) = Session::open(&cfg, None, &mut Unlimited);
        assert_eq!(json(&step), [r#"[{"T":"success","msg":"connected"}]"#]);
        assert!(!s.is_authenticated());
        let step = s.handle(&cfg, text(AUTH), &mut Unlimited);
        assert_eq!(json(&step), [r#"[{"T":"success","msg":"authenticated"}]"#]);
        assert_eq!(s.key(), Some("PKTEST"));

        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","trades":["FAKEPACA"],"quotes":["FAKEPACA"],"bars":["*"]}"#),
            &mut Unlimited,
        );
        assert!(step.changed);
        assert_eq!(
            json(&step),
            [
                r#"[{"T":"subscription","trades":["FAKEPACA"],"quotes":["FAKEPACA"],"bars":["*"],"updatedBars":[],"dailyBars":[],"statuses":[],"lulds":[],"corrections":["FAKEPACA"],"cancelErrors":["FAKEPACA"]}]"#
            ]
        );
        let fake = Symbol::parse(FAKEPACA).unwrap();
        let aapl = Symbol::parse("AAPL").unwrap();
        assert!(s.subscriptions().wants(Channel::Bars, aapl));
        assert!(s.subscriptions().wants(Channel::Trades, fake));
        assert!(!s.subscriptions().wants(Channel::Trades, aapl));

        // Incremental: adding AAPL keeps FAKEPACA; removing `*` keeps the named ones.
        s.handle(
            &cfg,
            text(r#"{"action":"subscribe","trades":["AAPL"]}"#),
            &mut Unlimited,
        );
        let step = s.handle(
            &cfg,
            text(r#"{"action":"unsubscribe","bars":["*"],"trades":["FAKEPACA"]}"#),
            &mut Unlimited,
        );
        let ack = s.subscriptions().ack();
        assert_eq!(ack.trades, ["AAPL"]);
        assert_eq!(ack.quotes, ["FAKEPACA"]);
        assert!(ack.bars.is_empty());
        assert!(step.changed);
        // Resubscribing what is there changes nothing but is still acknowledged.
        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","trades":["AAPL"]}"#),
            &mut Unlimited,
        );
        assert!(!step.changed);
        assert_eq!(step.replies.len(), 1);
    }

    #[test]
    fn subscribing_before_auth_is_401_and_the_session_stays_open() {
        let cfg = config(None);
        let (mut s, _) = Session::open(&cfg, None, &mut Unlimited);
        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","trades":["AAPL"]}"#),
            &mut Unlimited,
        );
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":401,"msg":"not authenticated"}]"#]
        );
        assert_eq!(step.close, None);
        assert_eq!(
            s.handle(&cfg, text(AUTH), &mut Unlimited).replies,
            [Control::AUTHENTICATED]
        );
    }

    #[test]
    fn sandbox_accepts_any_non_empty_pair_and_configured_keys_only_themselves() {
        let open = config(None);
        let (mut s, _) = Session::open(&open, None, &mut Unlimited);
        let step = s.handle(
            &open,
            text(r#"{"action":"auth","key":"","secret":"x"}"#),
            &mut Unlimited,
        );
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":402,"msg":"auth failed"}]"#]
        );
        assert_eq!(step.close, Some(StreamError::AuthFailed));
        // Closed: nothing more is answered.
        assert_eq!(s.handle(&open, text(AUTH), &mut Unlimited), Step::default());

        let locked = config(Some(("PKTEST", "s3cr3t")));
        let (mut s, _) = Session::open(&locked, None, &mut Unlimited);
        let wrong = s.handle(
            &locked,
            text(r#"{"action":"auth","key":"PKTEST","secret":"nope"}"#),
            &mut Unlimited,
        );
        assert_eq!(wrong.close, Some(StreamError::AuthFailed));
        let s = authed(&locked);
        assert!(s.is_authenticated());
    }

    #[test]
    fn header_credentials_authenticate_on_open() {
        let cfg = config(Some(("PKTEST", "s3cr3t")));
        let good = Credentials {
            key: "PKTEST".into(),
            secret: "s3cr3t".into(),
        };
        let (s, step) = Session::open(&cfg, Some(good), &mut Unlimited);
        assert_eq!(step.replies, [Control::CONNECTED, Control::AUTHENTICATED]);
        assert!(s.is_authenticated());
        let bad = Credentials {
            key: "PKTEST".into(),
            secret: "x".into(),
        };
        let (_, step) = Session::open(&cfg, Some(bad), &mut Unlimited);
        assert_eq!(step.replies.len(), 2);
        assert_eq!(step.close, Some(StreamError::AuthFailed));
    }

    #[test]
    fn double_auth_is_403_and_keeps_the_session() {
        let cfg = config(None);
        let mut s = authed(&cfg);
        let step = s.handle(&cfg, text(AUTH), &mut Unlimited);
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":403,"msg":"already authenticated"}]"#]
        );
        assert_eq!(step.close, None);
        assert!(s.is_authenticated());
    }

    #[test]
    fn auth_timeout_is_404_and_closes_only_unauthenticated_sessions() {
        let cfg = config(None);
        let (mut s, _) = Session::open(&cfg, None, &mut Unlimited);
        let step = s.auth_timeout();
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":404,"msg":"auth timeout"}]"#]
        );
        assert_eq!(step.close, Some(StreamError::AuthTimeout));
        let mut s = authed(&cfg);
        assert_eq!(s.auth_timeout(), Step::default());
    }

    #[test]
    fn symbol_limit_is_405_and_leaves_the_set_unchanged() {
        let cfg = config(None);
        let mut s = authed(&cfg);
        s.handle(
            &cfg,
            text(r#"{"action":"subscribe","trades":["A","B"],"bars":["*"]}"#),
            &mut Unlimited,
        );
        let before = s.subscriptions().clone();
        assert_eq!(before.entries(), 3);
        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","quotes":["C","D"]}"#),
            &mut Unlimited,
        );
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":405,"msg":"symbol limit exceeded"}]"#]
        );
        assert_eq!(step.close, None);
        assert_eq!(s.subscriptions(), &before);
        // Exactly at the limit is fine.
        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","quotes":["C"]}"#),
            &mut Unlimited,
        );
        assert!(step.changed);
    }

    #[test]
    fn connection_limit_is_406_and_closes() {
        struct One(u32);
        impl Admission for One {
            fn admit(&mut self, _key: &str) -> bool {
                self.0 += 1;
                self.0 == 1
            }
        }
        let cfg = config(None);
        let mut slots = One(0);
        let (mut a, _) = Session::open(&cfg, None, &mut slots);
        assert!(a.handle(&cfg, text(AUTH), &mut slots).close.is_none());
        let (mut b, _) = Session::open(&cfg, None, &mut slots);
        let step = b.handle(&cfg, text(AUTH), &mut slots);
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":406,"msg":"connection limit exceeded"}]"#]
        );
        assert_eq!(step.close, Some(StreamError::ConnectionLimitExceeded));
        assert_eq!(b.key(), None);
    }

    #[test]
    fn slow_client_is_407_and_closes() {
        let cfg = config(None);
        let mut s = authed(&cfg);
        let step = s.slow_client();
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":407,"msg":"slow client"}]"#]
        );
        assert_eq!(step.close, Some(StreamError::SlowClient));
    }

    #[test]
    fn bad_symbols_and_syntax_are_400_and_other_feeds_410_without_closing() {
        let cfg = config(None);
        let mut s = authed(&cfg);
        for bad in [
            r#"{"action":"subscribe","trades":["aapl"]}"#,
            r#"{"action":"subscribe","trades":["TOOLONGSYMBOL1"]}"#,
            r#"{"action":"subscribe","trades":["A B"]}"#,
            "{",
        ] {
            let step = s.handle(&cfg, text(bad), &mut Unlimited);
            assert_eq!(
                json(&step),
                [r#"[{"T":"error","code":400,"msg":"invalid syntax"}]"#],
                "{bad}"
            );
            assert_eq!(step.close, None);
        }
        let step = s.handle(
            &cfg,
            text(r#"{"action":"subscribe","news":["*"]}"#),
            &mut Unlimited,
        );
        assert_eq!(
            json(&step),
            [r#"[{"T":"error","code":410,"msg":"invalid subscribe action for this feed"}]"#]
        );
        assert!(s.is_authenticated());
        assert_eq!(s.subscriptions().entries(), 0);
    }

    #[test]
    fn feeds_and_channels_round_trip_their_names() {
        for feed in [Feed::Iex, Feed::Sip, Feed::DelayedSip, Feed::Test] {
            assert_eq!(Feed::from_name(feed.name()), Some(feed));
        }
        assert_eq!(Feed::from_name("v1beta1"), None);
        for c in Channel::ALL {
            assert_eq!(Channel::from_name(c.name()), Some(c));
        }
    }
}
