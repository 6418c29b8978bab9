//! Checking a [`Scenario`] before it is resolved: its name, its event count, and each
//! event's fields against its kind, with one-line errors naming the event and the field.

use super::spec::{
    At, EventKind, EventSpec, Scenario, Span, Target, MAX_EVENTS, MAX_EVENT_MS, MAX_FACTOR,
    MAX_PERCENT, MIN_PERCENT,
};

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
