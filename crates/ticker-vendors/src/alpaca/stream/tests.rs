//! The session's behaviour as Alpaca documents it: the handshake, incremental subscriptions
//! acknowledged in full, and each error code (400–410) with whether it closes.

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
