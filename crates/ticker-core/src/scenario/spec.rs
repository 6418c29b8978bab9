//! A scenario as data: the JSON of `scenarios` in the config file and of a `--scenario` file,
//! parsed and printed (`check` validates the fields against each kind).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::{format_rfc3339, parse_time};

/// The longest window or halt an event may have: a week.
pub const MAX_EVENT_MS: i64 = 7 * 86_400_000;
/// The most events one scenario may hold.
pub const MAX_EVENTS: usize = 1000;
/// The largest volatility or spread factor.
pub const MAX_FACTOR: f64 = 100.0;
/// The largest upward move in percent (a fall is at most −99 %).
pub const MAX_PERCENT: f64 = 1000.0;
/// The lowest: a price may fall by 99 %, never to zero.
pub const MIN_PERCENT: f64 = -99.0;

/// A named list of market events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// How `scenario`/`--scenario` select it: 1–40 of `a–z 0–9 - _`.
    pub name: String,
    /// What it shows, for people.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The events, in any order.
    pub events: Vec<EventSpec>,
}

/// What an event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The price moves `percent` instantly.
    Jump,
    /// The price trends by `percent` over `duration`.
    Drift,
    /// Variance × `factor` over `duration`.
    Volatility,
    /// Trading stops for `duration` (price frozen, no trades, no volume), then reopens
    /// `reopen_gap_percent` away.
    Halt,
    /// The quoted spread × `factor` and the book `factor` times thinner over `duration`.
    Spread,
    /// The market falls `percent` over `duration` (each symbol by its beta), then every symbol
    /// halts for `halt`.
    CircuitBreaker,
}

impl EventKind {
    /// The name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jump => "jump",
            Self::Drift => "drift",
            Self::Volatility => "volatility",
            Self::Halt => "halt",
            Self::Spread => "spread",
            Self::CircuitBreaker => "circuit_breaker",
        }
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// What it does.
    pub kind: EventKind,
    /// When it starts.
    pub at: At,
    /// Which symbols (default all; a circuit breaker is always all).
    #[serde(default, skip_serializing_if = "Target::is_all")]
    pub symbols: Target,
    /// `jump`, `drift`, `circuit_breaker`: the move in percent (−99 ..= 1000; a circuit
    /// breaker's is a fall, below 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// `drift`, `volatility`, `spread`, `halt`: the window; `circuit_breaker`: how long the
    /// fall takes (default 0, instant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Span>,
    /// `volatility` (variance × factor, 0 < k ≤ 100), `spread` (1 ≤ k ≤ 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `halt`, `circuit_breaker`: why, as the status reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `halt`, `circuit_breaker`: the reopening price against the halted one, in percent
    /// (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_gap_percent: Option<f64>,
    /// `circuit_breaker`: how long every symbol halts after the fall (default 15 minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halt: Option<Span>,
}

/// When an event starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// An instant, Unix ms (RFC 3339 or a number in JSON).
    Time(i64),
    /// A tick.
    Tick(u64),
    /// A span after the regular open of a trading day of each symbol's calendar.
    Session {
        /// The trading day, exchange-local.
        date: crate::calendar::Date,
        /// How long after the open.
        after_open: Span,
    },
    /// A span after the market clock's start (`clock.start`, else `clock.anchor`): how
    /// the built-in scenarios are placed.
    AfterStart(Span),
}

/// A span of time in milliseconds; in JSON a number (ms) or text: `500ms`, `30s`, `5m`,
/// `2h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span(pub i64);

impl Span {
    /// Minutes.
    pub const fn minutes(n: i64) -> Self {
        Self(n * 60_000)
    }

    /// Parses `500ms`, `30s`, `5m`, `2h`, `1d` or bare milliseconds.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: i64 = digits.parse().ok()?;
        let scale = match unit.trim() {
            "" | "ms" => 1,
            "s" => 1000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        n.checked_mul(scale).map(Self)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, scale) in [("h", 3_600_000), ("m", 60_000), ("s", 1000)] {
            if ms != 0 && ms % scale == 0 {
                return write!(f, "{}{unit}", ms / scale);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(ms) => Ok(Self(ms)),
            NumberOrText::Text(text) => Self::parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "duration {text:?} is not milliseconds or a number with ms, s, m, h or d"
                ))
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(i64),
    Text(String),
}

/// `at` in JSON, before it is checked.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AtJson {
    Millis(i64),
    Text(String),
    Tick {
        tick: u64,
    },
    Session {
        session: String,
        #[serde(default)]
        after_open: Span,
    },
    AfterStart {
        after_start: Span,
    },
}

impl Serialize for At {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let json = match *self {
            Self::Time(ms) => AtJson::Text(format_rfc3339(ms)),
            Self::Tick(tick) => AtJson::Tick { tick },
            Self::Session { date, after_open } => AtJson::Session {
                session: date.to_string(),
                after_open,
            },
            Self::AfterStart(after_start) => AtJson::AfterStart { after_start },
        };
        json.serialize(s)
    }
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let json = AtJson::deserialize(d).map_err(|_| {
            D::Error::custom(
                "`at` is not an RFC 3339 time, Unix milliseconds, {\"tick\": N}, \
                 {\"session\": \"YYYY-MM-DD\", \"after_open\": \"5m\"} or {\"after_start\": \"15m\"}",
            )
        })?;
        match json {
            AtJson::Millis(ms) => Ok(Self::Time(ms)),
            AtJson::Text(text) => parse_time(&text).map(Self::Time).ok_or_else(|| {
                D::Error::custom(format!(
                    "`at` {text:?} is neither Unix milliseconds nor an RFC 3339 time"
                ))
            }),
            AtJson::Tick { tick } => Ok(Self::Tick(tick)),
            AtJson::Session {
                session,
                after_open,
            } => crate::calendar::Date::parse(&session)
                .map(|date| Self::Session { date, after_open })
                .ok_or_else(|| D::Error::custom(format!("session {session:?} is not YYYY-MM-DD"))),
            AtJson::AfterStart { after_start } => Ok(Self::AfterStart(after_start)),
        }
    }
}

/// Which symbols an event applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// Every symbol (`"*"`, or no `symbols` field).
    #[default]
    All,
    /// These (case-insensitive).
    Some(Vec<String>),
}

impl Target {
    /// Whether it is every symbol.
    pub fn is_all(&self) -> bool {
        *self == Self::All
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum TargetJson {
    One(String),
    Many(Vec<String>),
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => s.serialize_str("*"),
            Self::Some(list) => list.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match TargetJson::deserialize(d)? {
            TargetJson::One(s) if s.trim() == "*" => Self::All,
            TargetJson::One(s) => Self::Some(vec![s]),
            TargetJson::Many(list) => Self::Some(list),
        })
    }
}

impl Scenario {
    /// Reads one scenario from a JSON file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, crate::config::ConfigError> {
        let fail = |problem: String| crate::config::ConfigError::ScenarioFile {
            path: path.to_owned(),
            problem,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        serde_json::from_str(&text).map_err(|e| fail(format!("cannot parse it: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_with_units() {
        assert_eq!(Span::parse("500ms"), Some(Span(500)));
        assert_eq!(Span::parse("30s"), Some(Span(30_000)));
        assert_eq!(Span::parse("5m"), Some(Span(300_000)));
        assert_eq!(Span::parse("2h"), Some(Span(7_200_000)));
        assert_eq!(Span::parse("1d"), Some(Span(86_400_000)));
        assert_eq!(Span::parse("12"), Some(Span(12)));
        assert_eq!(Span::parse("5 weeks"), None);
        assert_eq!(Span::parse("-5m"), None);
        assert_eq!(Span(300_000).to_string(), "5m");
        assert_eq!(Span(1500).to_string(), "1500ms");
    }

    #[test]
    fn every_form_of_at_parses_and_round_trips() {
        for json in [
            r#""2026-11-30T14:30:00Z""#,
            r#"{"tick":5}"#,
            r#"{"session":"2026-11-30","after_open":"5m"}"#,
            r#"{"after_start":"15m"}"#,
        ] {
            let at: At = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&at).unwrap(), json);
        }
        let at: At = serde_json::from_str("1795000000000").unwrap();
        assert_eq!(at, At::Time(1_795_000_000_000));
        let e = serde_json::from_str::<At>(r#"{"session":"30/11/2026"}"#).unwrap_err();
        assert!(e.to_string().contains("not YYYY-MM-DD"), "{e}");
        let e = serde_json::from_str::<At>(r#"{"when":1}"#).unwrap_err();
        assert!(e.to_string().contains("`at` is not"), "{e}");
    }
}
