//! The market clock settings: `clock` in the config file, `--clock*` flags and `TICKER_CLOCK_*`
//! variables. They do not change any price (a price depends on the tick alone); they decide
//! which tick is "now". Both services read the same settings, so they agree on "now" too.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::validate::{check_float, invalid};
use super::ConfigError;
use crate::clock::{Clock, ManualClock};
use crate::time::{format_rfc3339, parse_time};
use crate::virtual_clock::{ClockKind, VirtualClock};

/// The fastest a virtual clock may run: a minute of market time per wall millisecond would be
/// 60 000 ticks a second at the default interval, far beyond any dashboard.
pub const MAX_CLOCK_SPEED: f64 = 1000.0;
/// The slowest: a thousandth of real time.
pub const MIN_CLOCK_SPEED: f64 = 0.001;

/// The wall time at which a virtual clock shows `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// When the process starts (one process alone: two would not agree).
    Now,
    /// A fixed wall time, Unix ms (the same for every service).
    At(i64),
}

impl Anchor {
    /// Parses `now`, Unix milliseconds or RFC 3339.
    pub fn parse(text: &str) -> Option<Self> {
        if text.trim().eq_ignore_ascii_case("now") {
            return Some(Self::Now);
        }
        parse_time(text).map(Self::At)
    }

    fn resolve(self, wall_now: i64) -> i64 {
        match self {
            Self::Now => wall_now,
            Self::At(ms) => ms,
        }
    }
}

impl Serialize for Anchor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Now => s.serialize_str("now"),
            Self::At(ms) => s.serialize_str(&format_rfc3339(*ms)),
        }
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match TimeOrText::deserialize(d)? {
            TimeOrText::Millis(ms) => Ok(Self::At(ms)),
            TimeOrText::Text(text) => Self::parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "clock anchor {text:?} is neither `now`, Unix milliseconds nor an RFC 3339 time"
                ))
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TimeOrText {
    Millis(i64),
    Text(String),
}

/// `clock` in the config file (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// `real`, `virtual` or `manual`; unset: `virtual` when `start` or `speed` is given, else
    /// `real`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ClockKind>,
    /// Market time at the anchor (virtual), or where a manual clock starts; defaults to the
    /// anchor. Unix ms (RFC 3339 or a number in JSON).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "start_json::serialize",
        deserialize_with = "start_json::deserialize"
    )]
    pub start: Option<i64>,
    /// Market milliseconds per wall millisecond (virtual only), `0.001 ..= 1000`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// The wall time at which market time is `start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
}

impl ClockConfig {
    /// The clock these settings ask for.
    pub fn kind(&self) -> ClockKind {
        match self.kind {
            Some(kind) => kind,
            None if self.start.is_some() || self.speed.is_some() => ClockKind::Virtual,
            None => ClockKind::Real,
        }
    }

    /// Checks the settings; the error names the field and says what to do.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(speed) = self.speed {
            check_float("clock.speed", speed, 0.0, true, MAX_CLOCK_SPEED)?;
            if speed < MIN_CLOCK_SPEED {
                return Err(invalid(
                    "clock.speed",
                    format!("{speed} is below the minimum of {MIN_CLOCK_SPEED}"),
                ));
            }
        }
        match self.kind() {
            ClockKind::Real => {
                if self.start.is_some() || self.speed.is_some() {
                    let field = if self.start.is_some() {
                        "clock.start"
                    } else {
                        "clock.speed"
                    };
                    return Err(invalid(
                        field,
                        "the real clock has no start or speed (use clock kind `virtual`, or \
                         `manual`)",
                    ));
                }
            }
            ClockKind::Virtual => {
                if self.anchor.is_none() {
                    return Err(invalid(
                        "clock.anchor",
                        "a virtual clock needs an anchor, the wall time at which market time is \
                         clock.start: give every service the same one (scripts/run.sh does), or \
                         `now` for a single process",
                    ));
                }
            }
            ClockKind::Manual => {
                if self.speed.is_some() {
                    return Err(invalid(
                        "clock.speed",
                        "a manual clock has no speed: it moves only when told (POST /control/clock)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The market clock, reading wall time from `wall` (the system clock outside tests).
    pub fn build(&self, wall: Arc<dyn Clock>) -> Result<Arc<dyn Clock>, ConfigError> {
        self.validate()?;
        let wall_now = wall.now_ms();
        let anchor = self.anchor.map(|a| a.resolve(wall_now));
        Ok(match self.kind() {
            ClockKind::Real => wall,
            ClockKind::Virtual => {
                let anchor = anchor.unwrap_or(wall_now);
                let start = self.start.unwrap_or(anchor);
                let speed = self.speed.unwrap_or(1.0);
                Arc::new(VirtualClock::new(wall, start, speed, anchor))
            }
            // Without a start, a manual clock starts at the anchor: scripts/run.sh passes one
            // anchor to both services, so they start at the same instant.
            ClockKind::Manual => {
                Arc::new(ManualClock::new(self.start.or(anchor).unwrap_or(wall_now)))
            }
        })
    }
}

/// `start` in JSON: an RFC 3339 string or Unix milliseconds; written as RFC 3339.
mod start_json {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{format_rfc3339, parse_time, TimeOrText};

    pub(super) fn serialize<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => s.serialize_str(&format_rfc3339(*ms)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match TimeOrText::deserialize(d)? {
            TimeOrText::Millis(ms) => Ok(Some(ms)),
            TimeOrText::Text(text) => parse_time(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "clock start {text:?} is neither Unix milliseconds nor an RFC 3339 time"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALL: i64 = 1_795_000_000_000;

    fn wall() -> Arc<dyn Clock> {
        Arc::new(ManualClock::new(WALL))
    }

    #[test]
    fn the_default_is_real_time_exactly() {
        let cfg = ClockConfig::default();
        assert_eq!(cfg.kind(), ClockKind::Real);
        assert_eq!(cfg.build(wall()).unwrap().now_ms(), WALL);
        let real = cfg.build(Arc::new(crate::SystemClock)).unwrap();
        assert_eq!(real.info().kind, ClockKind::Real);
        // An anchor alone (scripts/run.sh always passes one) leaves the real clock alone.
        let cfg = ClockConfig {
            anchor: Some(Anchor::At(5)),
            ..ClockConfig::default()
        };
        assert_eq!(cfg.build(wall()).unwrap().now_ms(), WALL);
    }

    #[test]
    fn a_start_or_speed_makes_it_virtual_and_the_start_defaults_to_the_anchor() {
        let cfg: ClockConfig =
            serde_json::from_str(r#"{"speed": 60, "anchor": "2026-11-18T11:06:40Z"}"#).unwrap();
        assert_eq!(cfg.kind(), ClockKind::Virtual);
        let clock = cfg.build(wall()).unwrap();
        let info = clock.info();
        assert_eq!(info.anchor_ms, Some(WALL));
        assert_eq!(info.start_ms, Some(WALL));
        assert_eq!(clock.now_ms(), WALL);
        let cfg: ClockConfig = serde_json::from_str(
            r#"{"start": "2026-11-17T14:30:00Z", "anchor": 1795000000000, "speed": 0.5}"#,
        )
        .unwrap();
        let clock = cfg.build(wall()).unwrap();
        assert_eq!(clock.now_ms(), 1_794_925_800_000);
    }

    #[test]
    fn a_manual_clock_starts_at_the_start_or_the_anchor_or_now() {
        let manual = |json: &str| {
            let cfg: ClockConfig = serde_json::from_str(json).unwrap();
            cfg.build(wall()).unwrap()
        };
        let c = manual(r#"{"kind": "manual", "start": 1000}"#);
        assert_eq!((c.info().kind, c.now_ms()), (ClockKind::Manual, 1000));
        assert_eq!(
            manual(r#"{"kind": "manual", "anchor": 2000}"#).now_ms(),
            2000
        );
        assert_eq!(manual(r#"{"kind": "manual"}"#).now_ms(), WALL);
        assert_eq!(
            manual(r#"{"kind": "manual", "anchor": "now"}"#).now_ms(),
            WALL
        );
    }

    #[test]
    fn bad_settings_name_the_field() {
        let err = |json: &str| {
            let cfg: ClockConfig = serde_json::from_str(json).unwrap();
            cfg.validate().unwrap_err().to_string()
        };
        assert_eq!(
            err(r#"{"speed": 0, "anchor": "now"}"#),
            "config field `clock.speed`: 0 must be greater than 0"
        );
        assert_eq!(
            err(r#"{"speed": 5000, "anchor": "now"}"#),
            "config field `clock.speed`: 5000 is above the maximum of 1000"
        );
        assert_eq!(
            err(r#"{"speed": 0.0001, "anchor": "now"}"#),
            "config field `clock.speed`: 0.0001 is below the minimum of 0.001"
        );
        assert!(err(r#"{"speed": 60}"#)
            .starts_with("config field `clock.anchor`: a virtual clock needs an anchor"));
        assert!(err(r#"{"kind": "manual", "speed": 2}"#)
            .starts_with("config field `clock.speed`: a manual clock has no speed"));
        assert!(err(r#"{"kind": "real", "start": 0}"#)
            .starts_with("config field `clock.start`: the real clock has no start"));
        let e = serde_json::from_str::<ClockConfig>(r#"{"kind": "fast"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `fast`"), "{e}");
        let e = serde_json::from_str::<ClockConfig>(r#"{"anchor": "soon"}"#).unwrap_err();
        assert!(e.to_string().contains("neither `now`"), "{e}");
    }

    #[test]
    fn round_trips_through_json() {
        let cfg = ClockConfig {
            kind: Some(ClockKind::Virtual),
            start: Some(1_704_067_200_000),
            speed: Some(60.0),
            anchor: Some(Anchor::Now),
        };
        let text = serde_json::to_string(&cfg).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"virtual","start":"2024-01-01T00:00:00Z","speed":60.0,"anchor":"now"}"#
        );
        assert_eq!(serde_json::from_str::<ClockConfig>(&text).unwrap(), cfg);
        assert_eq!(
            serde_json::to_string(&ClockConfig::default()).unwrap(),
            "{}"
        );
    }
}
