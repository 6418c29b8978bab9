//! The built-in scenarios, selectable by name. Each is placed so that a developer sees it
//! soon after starting: at the clock's start (`clock.start`, else `clock.anchor`) plus 15
//! minutes; when the market has `us-equity` symbols and that instant is outside their
//! regular session, 15 minutes after the next regular open instead. Single-symbol scenarios
//! use the market's first symbol.

use super::spec::{At, EventKind, EventSpec, Scenario, Span, Target};
use crate::calendar::{Calendar, Phase};

/// How long after the clock's start (or the next regular open) a built-in begins.
pub const LEAD: Span = Span::minutes(15);

/// The names of the built-in scenarios, in the order the docs list them.
pub const NAMES: [&str; 5] = [
    "flash-crash",
    "earnings-gap",
    "halt-resume",
    "volatile-open",
    "circuit-breaker",
];

/// When a built-in starts: [`LEAD`] after `origin`, or after the next regular open of
/// `calendar` (a `us-equity` class of the market, if any) when that is closed then.
pub fn placement(origin_ms: i64, calendar: Option<&Calendar>) -> i64 {
    let t = origin_ms.saturating_add(LEAD.0);
    match calendar {
        Some(c) if c.phase_at(t) != Phase::Regular => {
            c.next_open(t).map_or(t, |open| open.saturating_add(LEAD.0))
        }
        _ => t,
    }
}

fn event(kind: EventKind, at_ms: i64, symbols: &Target) -> EventSpec {
    EventSpec {
        kind,
        at: At::Time(at_ms),
        symbols: symbols.clone(),
        percent: None,
        duration: None,
        factor: None,
        reason: None,
        reopen_gap_percent: None,
        halt: None,
    }
}

/// The built-in scenario `name` starting at `t_ms`, `first` the market's first symbol.
pub fn builtin(name: &str, t_ms: i64, first: &str) -> Option<Scenario> {
    let all = Target::All;
    let one = Target::Some(vec![first.to_owned()]);
    let min = |n: i64| t_ms + n * 60_000;
    let (description, events) = match name {
        "flash-crash" => (
            "The whole market falls 8 % in 5 minutes, with volatility × 9 and spreads × 5 for \
             20 minutes, then recovers 6 % over the next 15 minutes.",
            vec![
                EventSpec {
                    percent: Some(-8.0),
                    duration: Some(Span::minutes(5)),
                    ..event(EventKind::Drift, t_ms, &all)
                },
                EventSpec {
                    factor: Some(9.0),
                    duration: Some(Span::minutes(20)),
                    ..event(EventKind::Volatility, t_ms, &all)
                },
                EventSpec {
                    factor: Some(5.0),
                    duration: Some(Span::minutes(20)),
                    ..event(EventKind::Spread, t_ms, &all)
                },
                EventSpec {
                    percent: Some(6.0),
                    duration: Some(Span::minutes(15)),
                    ..event(EventKind::Drift, min(5), &all)
                },
            ],
        ),
        "earnings-gap" => (
            "The first symbol gaps 10 % up on earnings, with volatility × 4 for an hour and \
             spreads × 3 for 15 minutes.",
            vec![
                EventSpec {
                    percent: Some(10.0),
                    ..event(EventKind::Jump, t_ms, &one)
                },
                EventSpec {
                    factor: Some(4.0),
                    duration: Some(Span::minutes(60)),
                    ..event(EventKind::Volatility, t_ms, &one)
                },
                EventSpec {
                    factor: Some(3.0),
                    duration: Some(Span::minutes(15)),
                    ..event(EventKind::Spread, t_ms, &one)
                },
            ],
        ),
        "halt-resume" => (
            "The first symbol halts for 5 minutes (news pending), then reopens 8 % lower.",
            vec![EventSpec {
                duration: Some(Span::minutes(5)),
                reason: Some("news pending".to_owned()),
                reopen_gap_percent: Some(-8.0),
                ..event(EventKind::Halt, t_ms, &one)
            }],
        ),
        "volatile-open" => (
            "Volatility × 6 across the market for 30 minutes, spreads × 4 for the first 10.",
            vec![
                EventSpec {
                    factor: Some(6.0),
                    duration: Some(Span::minutes(30)),
                    ..event(EventKind::Volatility, t_ms, &all)
                },
                EventSpec {
                    factor: Some(4.0),
                    duration: Some(Span::minutes(10)),
                    ..event(EventKind::Spread, t_ms, &all)
                },
            ],
        ),
        "circuit-breaker" => (
            "The market falls 7 % over 10 minutes (each symbol by its beta), then every symbol \
             halts for 15 minutes (a level 1 market-wide circuit breaker) and reopens where it \
             stopped.",
            vec![EventSpec {
                percent: Some(-7.0),
                duration: Some(Span::minutes(10)),
                halt: Some(Span::minutes(15)),
                ..event(EventKind::CircuitBreaker, t_ms, &all)
            }],
        ),
        _ => return None,
    };
    Some(Scenario {
        name: name.to_owned(),
        description: description.to_owned(),
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarKind;

    #[test]
    fn every_named_scenario_exists_and_is_valid() {
        for name in NAMES {
            let s = builtin(name, 1_795_000_000_000, "AAPL").unwrap();
            assert_eq!(s.name, name);
            s.check().unwrap();
        }
        assert!(builtin("meteor", 0, "AAPL").is_none());
    }

    #[test]
    fn placement_is_after_the_start_or_the_next_open() {
        // Sunday 2026-11-29 19:00 UTC: 24/7 markets start 15 minutes later; us-equity waits for
        // Monday's open, 14:30 UTC, plus 15 minutes.
        let sunday = crate::time::parse_time("2026-11-29T19:00:00Z").unwrap();
        assert_eq!(placement(sunday, None), sunday + 900_000);
        let us = Calendar::new(CalendarKind::UsEquity, 86_400_000, 0);
        let monday = crate::time::parse_time("2026-11-30T14:45:00Z").unwrap();
        assert_eq!(placement(sunday, Some(&us)), monday);
        // Inside a regular session: 15 minutes after the start.
        let open = crate::time::parse_time("2026-11-30T15:00:00Z").unwrap();
        assert_eq!(placement(open, Some(&us)), open + 900_000);
    }
}
