//! A connection's faults as its URL asks for them ([`Spec`]), and what they do to each tick
//! ([`Plan`]): pure functions of the seed and the tick's `seq`, so the same URL gets the same
//! faults at the same ticks.

use http::StatusCode;
use ticker_core::Seq;
use ticker_net::faults::{self, chance, draw, invalid, number, FaultParams, Span};
use ticker_net::ApiError;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::cli::FaultConfig;

/// What each decision is drawn for ([`faults::draw`]'s tag).
mod tag {
    pub(super) const DROP: u64 = 1;
    pub(super) const DUPLICATE: u64 = 2;
    pub(super) const REORDER: u64 = 3;
    pub(super) const REORDER_DEPTH: u64 = 4;
    pub(super) const MALFORMED: u64 = 5;
    pub(super) const DELAY: u64 = 6;
    pub(super) const STALL_AT: u64 = 7;
    pub(super) const STALL_FOR: u64 = 8;
    pub(super) const DISCONNECT_MS: u64 = 9;
    pub(super) const DISCONNECT_TICKS: u64 = 10;
}

/// The parameters a WebSocket URL may carry.
const KNOWN: &[&str] = &[
    "fault_seed",
    "fault_client",
    "fault_drop",
    "fault_duplicate",
    "fault_reorder",
    "fault_reorder_window",
    "fault_malformed",
    "fault_delay_ms",
    "fault_stall_ms",
    "fault_stall_after_ms",
    "fault_disconnect_ms",
    "fault_disconnect_ticks",
    "fault_close",
    "fault_refuse",
    "fault_refuse_status",
    "fault_retry_after",
];

/// Latest moment a time-based fault may be scheduled, in ms after the connection opened.
const MAX_AT_MS: u64 = 86_400_000;
/// Most live ticks before a tick-based disconnect.
const MAX_TICKS: u64 = 1_000_000_000;
/// Most refused attempts per client id.
const MAX_REFUSE: u64 = 1000;
/// Longest `Retry-After`, in seconds.
const MAX_RETRY_AFTER: u64 = 86_400;

/// How a faulted disconnect ends the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseStyle {
    /// A close frame with this code (reason `fault injected`).
    Code(u16),
    /// The TCP connection ends (FIN) without a close frame: the client sees 1006.
    Drop,
    /// The TCP connection is reset (RST) without a close frame.
    Reset,
}

impl CloseStyle {
    fn parse(value: &str) -> Result<Self, ApiError> {
        let name = "fault_close";
        match value.trim() {
            "drop" => return Ok(Self::Drop),
            "reset" => return Ok(Self::Reset),
            _ => {}
        }
        let code = number(name, value, 1000..=4999).map_err(|_| {
            invalid(
                name,
                format!(
                    "{:?} is not drop, reset or a close code (1000-1003, 1007-1014, 3000-4999)",
                    ticker_net::query::shorten(value)
                ),
            )
        })?;
        // Codes a server may send (RFC 6455 §7.4.1; 1004-1006 and 1015 never go on the wire).
        let sendable = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
        if !sendable {
            return Err(invalid(
                name,
                format!("{code} cannot be sent in a close frame (use 1000-1003, 1007-1014 or 3000-4999, or drop for a 1006)"),
            ));
        }
        Ok(Self::Code(code as u16))
    }

    /// The close code to send, if any.
    pub fn code(self) -> Option<CloseCode> {
        match self {
            Self::Code(c) => Some(CloseCode::from(c)),
            Self::Drop | Self::Reset => None,
        }
    }
}

/// Refuse the first `count` upgrades of a client id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refuse {
    /// Attempts refused.
    pub count: u64,
    /// HTTP status of the refusal.
    pub status: StatusCode,
    /// `Retry-After` seconds (429 and 503 only).
    pub retry_after: Option<u64>,
    /// The client id, as given.
    pub client: String,
    /// Its table key.
    pub(super) key: u64,
}

/// A connection's faults, as its URL (and `--fault-defaults`) ask.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Seed of every decision.
    pub seed: u64,
    /// Fraction of ticks not sent.
    pub drop: f64,
    /// Fraction of ticks sent twice.
    pub duplicate: f64,
    /// Fraction of ticks held back, and the window (in ticks) they stay within.
    pub reorder: f64,
    /// Reorder window: a held tick follows at most `window − 1` later ticks.
    pub reorder_window: u64,
    /// Fraction of ticks preceded by a malformed frame.
    pub malformed: f64,
    /// Milliseconds each tick is held back.
    pub delay_ms: Option<Span>,
    /// When the stall starts (ms after opening) and how long it lasts (ms).
    pub stall: Option<(Span, Span)>,
    /// Milliseconds after opening when the connection ends.
    pub disconnect_ms: Option<Span>,
    /// Live ticks after which the connection ends.
    pub disconnect_ticks: Option<Span>,
    /// How a disconnect ends the connection.
    pub close: CloseStyle,
    /// Refused upgrades.
    pub refuse: Option<Refuse>,
    /// `fault_client`, for the logs.
    pub client: Option<String>,
}

/// What a connection's faults do to one tick: a pure function of the seed and the tick's
/// `seq` ([`Spec::plan`]), the same on every connection with the same parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// Not sent at all.
    pub drop: bool,
    /// Sent twice in a row.
    pub duplicate: bool,
    /// Preceded by one malformed frame.
    pub malformed: bool,
    /// Held back until this later tick has been through the faults, then sent.
    pub reorder_after: Option<Seq>,
    /// Milliseconds it is held back before going out (frames never overtake each other).
    pub delay_ms: u64,
}

impl Spec {
    /// What the faults do to tick `seq`.
    pub fn plan(&self, seq: Seq) -> Plan {
        let (seed, n) = (self.seed, seq.0);
        let drop = chance(seed, tag::DROP, n, self.drop);
        if drop {
            return Plan {
                drop,
                ..Plan::default()
            };
        }
        let reorder_after = chance(seed, tag::REORDER, n, self.reorder).then(|| {
            let depth = 1 + draw(seed, tag::REORDER_DEPTH, n) % (self.reorder_window - 1).max(1);
            Seq(n + depth)
        });
        Plan {
            drop,
            duplicate: chance(seed, tag::DUPLICATE, n, self.duplicate),
            malformed: chance(seed, tag::MALFORMED, n, self.malformed),
            reorder_after,
            delay_ms: self.delay_ms.map_or(0, |d| d.pick(seed, tag::DELAY, n)),
        }
    }

    /// Milliseconds after opening when the stall starts, and how long it lasts.
    pub fn stall_ms(&self) -> Option<(u64, u64)> {
        self.stall.map(|(at, length)| {
            (
                at.pick(self.seed, tag::STALL_AT, 0),
                length.pick(self.seed, tag::STALL_FOR, 0),
            )
        })
    }

    /// Milliseconds after opening when the connection ends.
    pub fn disconnect_after_ms(&self) -> Option<u64> {
        self.disconnect_ms
            .map(|s| s.pick(self.seed, tag::DISCONNECT_MS, 0))
    }

    /// Live ticks after which the connection ends.
    pub fn disconnect_after_ticks(&self) -> Option<u64> {
        self.disconnect_ticks
            .map(|s| s.pick(self.seed, tag::DISCONNECT_TICKS, 0))
    }
}

impl Spec {
    /// The faults `p` asks for, within `config`'s limits; `400 invalid_fault` names a bad
    /// parameter.
    pub fn parse(p: &FaultParams, config: &FaultConfig) -> Result<Self, ApiError> {
        p.check_known(KNOWN)?;
        let fraction = |name: &str| -> Result<f64, ApiError> {
            p.get(name)?.map_or(Ok(0.0), |v| faults::fraction(name, v))
        };
        let span = |name: &str, max: u64, unit: &str| -> Result<Option<Span>, ApiError> {
            p.get(name)?
                .map(|v| Span::parse(name, v, max, unit))
                .transpose()
        };
        let needs = |name: &str, other: &str| -> Result<(), ApiError> {
            match (p.get(name)?, p.get(other)?) {
                (Some(_), None) => Err(invalid(name, format!("needs {other}"))),
                _ => Ok(()),
            }
        };
        needs("fault_reorder_window", "fault_reorder")?;
        needs("fault_stall_after_ms", "fault_stall_ms")?;
        needs("fault_refuse_status", "fault_refuse")?;
        needs("fault_retry_after", "fault_refuse")?;
        let reorder_window = match p.get("fault_reorder_window")? {
            Some(v) => number(
                "fault_reorder_window",
                v,
                2..=config.limits.max_reorder_window,
            )?,
            None => 2,
        };
        let stall = match span("fault_stall_ms", config.limits.max_stall_ms, "ms")? {
            Some(length) => {
                let at =
                    span("fault_stall_after_ms", MAX_AT_MS, "ms")?.unwrap_or(Span { lo: 0, hi: 0 });
                Some((at, length))
            }
            None => None,
        };
        let disconnect_ms = span("fault_disconnect_ms", MAX_AT_MS, "ms")?;
        let disconnect_ticks = span("fault_disconnect_ticks", MAX_TICKS, "ticks")?;
        let close = match p.get("fault_close")? {
            Some(_) if disconnect_ms.is_none() && disconnect_ticks.is_none() => {
                return Err(invalid(
                    "fault_close",
                    "needs fault_disconnect_ms or fault_disconnect_ticks (when to close)",
                ));
            }
            Some(v) => CloseStyle::parse(v)?,
            None => CloseStyle::Drop,
        };
        let refuse = match p.get("fault_refuse")? {
            Some(v) => Some(Refuse::parse(
                p,
                number("fault_refuse", v, 1..=MAX_REFUSE)?,
            )?),
            None => None,
        };
        Ok(Self {
            seed: p.seed()?,
            drop: fraction("fault_drop")?,
            duplicate: fraction("fault_duplicate")?,
            reorder: fraction("fault_reorder")?,
            reorder_window,
            malformed: fraction("fault_malformed")?,
            delay_ms: span("fault_delay_ms", config.limits.max_delay_ms, "ms")?,
            stall,
            disconnect_ms,
            disconnect_ticks,
            close,
            refuse,
            client: p.client()?.map(str::to_owned),
        })
    }
}

impl Refuse {
    fn parse(p: &FaultParams, count: u64) -> Result<Self, ApiError> {
        let Some(client) = p.client()? else {
            return Err(invalid(
                "fault_refuse",
                "needs fault_client (the id whose attempts are counted)",
            ));
        };
        let status = match p.get("fault_refuse_status")? {
            None => StatusCode::SERVICE_UNAVAILABLE,
            Some(v) => match number("fault_refuse_status", v, 100..=599)? {
                429 => StatusCode::TOO_MANY_REQUESTS,
                500 => StatusCode::INTERNAL_SERVER_ERROR,
                502 => StatusCode::BAD_GATEWAY,
                503 => StatusCode::SERVICE_UNAVAILABLE,
                other => {
                    return Err(invalid(
                        "fault_refuse_status",
                        format!("{other} is not 429, 500, 502 or 503"),
                    ))
                }
            },
        };
        let retries = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        );
        let retry_after = match p.get("fault_retry_after")? {
            Some(_) if !retries => {
                return Err(invalid(
                    "fault_retry_after",
                    "Retry-After goes with fault_refuse_status 429 or 503",
                ))
            }
            Some(v) => Some(number("fault_retry_after", v, 0..=MAX_RETRY_AFTER)?),
            None => retries.then_some(1),
        };
        Ok(Self {
            count,
            status,
            retry_after,
            client: client.to_owned(),
            key: faults::hash(client),
        })
    }
}

#[cfg(test)]
mod tests {
    use ticker_net::Query;

    use super::*;
    use crate::faults::Faults;

    fn spec(q: &str) -> Spec {
        Faults::new(&FaultConfig::allow())
            .unwrap()
            .parse(&Query::parse(Some(q)).unwrap())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn plans_follow_the_rates_and_the_seed() {
        let s = spec("fault_seed=1&fault_drop=0.2&fault_duplicate=0.3&fault_malformed=0.1&fault_reorder=0.25&fault_reorder_window=5&fault_delay_ms=10-20");
        let plans: Vec<Plan> = (0..10_000).map(|n| s.plan(Seq(n))).collect();
        let rate = |f: &dyn Fn(&Plan) -> bool| plans.iter().filter(|p| f(p)).count();
        assert!((1_800..2_200).contains(&rate(&|p| p.drop)));
        // The other faults apply to the ticks that are not dropped.
        assert!((2_200..2_600).contains(&rate(&|p| p.duplicate)));
        assert!((650..950).contains(&rate(&|p| p.malformed)));
        assert!((1_800..2_200).contains(&rate(&|p| p.reorder_after.is_some())));
        for (n, p) in plans.iter().enumerate() {
            if let Some(after) = p.reorder_after {
                assert!((n as u64 + 1..=n as u64 + 4).contains(&after.0), "window 5");
            }
            if !p.drop {
                assert!((10..=20).contains(&p.delay_ms));
            }
        }
        assert_eq!(s.plan(Seq(77)), spec("fault_seed=1&fault_drop=0.2&fault_duplicate=0.3&fault_malformed=0.1&fault_reorder=0.25&fault_reorder_window=5&fault_delay_ms=10-20").plan(Seq(77)));
        let other = spec("fault_seed=2&fault_drop=0.2");
        assert!((0..100).any(|n| other.plan(Seq(n)).drop != s.plan(Seq(n)).drop));
    }

    #[test]
    fn random_moments_come_from_the_seed() {
        let a = spec("fault_seed=3&fault_disconnect_ticks=5-50&fault_stall_ms=100-900&fault_stall_after_ms=0-5000");
        let ticks = a.disconnect_after_ticks().unwrap();
        assert!((5..=50).contains(&ticks));
        let (at, length) = a.stall_ms().unwrap();
        assert!((0..=5000).contains(&at) && (100..=900).contains(&length));
        let b = spec("fault_seed=3&fault_disconnect_ticks=5-50&fault_stall_ms=100-900&fault_stall_after_ms=0-5000");
        assert_eq!(b.disconnect_after_ticks(), Some(ticks));
        assert_eq!(b.stall_ms(), Some((at, length)));
        let spread: std::collections::HashSet<u64> = (0..50)
            .map(|seed| {
                spec(&format!("fault_seed={seed}&fault_disconnect_ticks=5-50"))
                    .disconnect_after_ticks()
                    .unwrap()
            })
            .collect();
        assert!(spread.len() > 10, "{spread:?}");
    }
}
