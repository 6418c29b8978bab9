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
mod tests;
