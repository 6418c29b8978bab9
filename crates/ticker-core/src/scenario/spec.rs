//! A scenario as data: the JSON of `scenarios` in the config file and of a `--scenario` file,
//! checked with one-line errors naming the event and the field.

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

/// A problem with one event: the field and what is wrong.
pub(crate) type Problem = (String, String);

impl Scenario {
    /// Checks the name and every event's fields against its kind (not the symbols, which
    /// need the market).
    pub(crate) fn check(&self) -> Result<(), Problem> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name_ok {
            return Err((
                "name".into(),
                format!("{:?} is not 1–40 of a–z, 0–9, `-` and `_`", self.name),
            ));
        }
        if self.events.len() > MAX_EVENTS {
            return Err((
                "events".into(),
                format!(
                    "{} events are more than the maximum of {MAX_EVENTS}",
                    self.events.len()
                ),
            ));
        }
        for (i, e) in self.events.iter().enumerate() {
            e.check()
                .map_err(|(f, p)| (format!("events[{i}].{f}"), p))?;
        }
        Ok(())
    }
}

impl EventSpec {
    fn check(&self) -> Result<(), Problem> {
        use EventKind::*;
        let kind = self.kind.name();
        let problem = |field: &str, text: String| Err((field.to_owned(), text));
        let needs = |field: &str, present: bool, wanted: bool| -> Result<(), Problem> {
            match (present, wanted) {
                (false, true) => problem(field, format!("a {kind} needs it")),
                (true, false) => problem(field, format!("does not apply to a {kind}")),
                _ => Ok(()),
            }
        };
        let k = self.kind;
        needs(
            "percent",
            self.percent.is_some(),
            matches!(k, Jump | Drift | CircuitBreaker),
        )?;
        needs(
            "factor",
            self.factor.is_some(),
            matches!(k, Volatility | Spread),
        )?;
        needs(
            "duration",
            self.duration.is_some(),
            matches!(k, Drift | Volatility | Spread | Halt),
        )
        .or_else(|e| if k == CircuitBreaker { Ok(()) } else { Err(e) })?;
        if !matches!(k, Halt | CircuitBreaker) {
            needs("reason", self.reason.is_some(), false)?;
            needs(
                "reopen_gap_percent",
                self.reopen_gap_percent.is_some(),
                false,
            )?;
        }
        if k != CircuitBreaker {
            needs("halt", self.halt.is_some(), false)?;
        } else if !self.symbols.is_all() {
            return problem("symbols", "a circuit breaker halts the whole market".into());
        }
        if let Some(p) = self.percent {
            let hi = if k == CircuitBreaker {
                0.0
            } else {
                MAX_PERCENT
            };
            if !p.is_finite()
                || !(MIN_PERCENT..=hi).contains(&p)
                || (k == CircuitBreaker && p == 0.0)
            {
                return problem(
                    "percent",
                    if k == CircuitBreaker {
                        format!("{p} is not a fall between {MIN_PERCENT} and 0")
                    } else {
                        format!("{p} is not between {MIN_PERCENT} and {MAX_PERCENT}")
                    },
                );
            }
        }
        if let Some(g) = self.reopen_gap_percent {
            if !g.is_finite() || !(MIN_PERCENT..=MAX_PERCENT).contains(&g) {
                return problem(
                    "reopen_gap_percent",
                    format!("{g} is not between {MIN_PERCENT} and {MAX_PERCENT}"),
                );
            }
        }
        if let Some(f) = self.factor {
            let lo = if k == Spread { 1.0 } else { 0.0 };
            if !f.is_finite() || f < lo || f <= 0.0 || f > MAX_FACTOR {
                return problem(
                    "factor",
                    format!("{f} is not between {lo} (exclusive for volatility) and {MAX_FACTOR}"),
                );
            }
        }
        let min_ms = if k == CircuitBreaker { 0 } else { 1 };
        for (field, span) in [("duration", self.duration), ("halt", self.halt)] {
            if let Some(Span(ms)) = span {
                if ms < min_ms || ms > MAX_EVENT_MS {
                    return problem(
                        field,
                        format!("{ms} ms is not between {min_ms} ms and 7 days"),
                    );
                }
            }
        }
        if let Some(reason) = &self.reason {
            if reason.len() > 200 || reason.chars().any(char::is_control) {
                return problem(
                    "reason",
                    "is over 200 bytes or holds control characters".into(),
                );
            }
        }
        if let At::Session { after_open, .. } | At::AfterStart(after_open) = self.at {
            if after_open.0 < 0 || after_open.0 > MAX_EVENT_MS {
                return problem("at", format!("{after_open} is not between 0 and 7 days"));
            }
        }
        if let Target::Some(list) = &self.symbols {
            if list.is_empty() {
                return problem(
                    "symbols",
                    "is empty (leave it out, or \"*\", for all)".into(),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> Result<(), String> {
        let e: EventSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
        e.check().map_err(|(f, p)| format!("{f}: {p}"))
    }

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

    #[test]
    fn fields_are_checked_against_the_kind() {
        let at = r#""at":{"tick":10}"#;
        assert_eq!(
            event(&format!(r#"{{"kind":"jump",{at},"percent":5}}"#)),
            Ok(())
        );
        assert_eq!(
            event(&format!(r#"{{"kind":"jump",{at}}}"#)),
            Err("percent: a jump needs it".into())
        );
        assert_eq!(
            event(&format!(r#"{{"kind":"jump",{at},"percent":5,"factor":2}}"#)),
            Err("factor: does not apply to a jump".into())
        );
        assert_eq!(
            event(&format!(r#"{{"kind":"halt",{at}}}"#)),
            Err("duration: a halt needs it".into())
        );
        assert_eq!(
            event(&format!(r#"{{"kind":"jump",{at},"percent":-100}}"#)),
            Err("percent: -100 is not between -99 and 1000".into())
        );
        assert_eq!(
            event(&format!(r#"{{"kind":"circuit_breaker",{at},"percent":7}}"#)),
            Err("percent: 7 is not a fall between -99 and 0".into())
        );
        assert_eq!(
            event(&format!(
                r#"{{"kind":"circuit_breaker",{at},"percent":-7,"symbols":["AAPL"]}}"#
            )),
            Err("symbols: a circuit breaker halts the whole market".into())
        );
        assert_eq!(
            event(&format!(
                r#"{{"kind":"spread",{at},"factor":0.5,"duration":"1m"}}"#
            )),
            Err("factor: 0.5 is not between 1 (exclusive for volatility) and 100".into())
        );
        assert_eq!(
            event(&format!(
                r#"{{"kind":"drift",{at},"percent":1,"duration":"8d"}}"#
            )),
            Err("duration: 691200000 ms is not between 1 ms and 7 days".into())
        );
        let e = event(&format!(r#"{{"kind":"jump",{at},"percent":5,"size":1}}"#)).unwrap_err();
        assert!(e.contains("unknown field `size`"), "{e}");
        let e = event(&format!(r#"{{"kind":"teleport",{at}}}"#)).unwrap_err();
        assert!(e.contains("unknown variant `teleport`"), "{e}");
    }
}
