//! From a scenario's events to each symbol's [`Plan`]: times to ticks (per symbol, since a
//! session-relative time depends on its calendar), kinds to moves, halts and spreads, and
//! the constants they need from the model (its values at the events' boundaries), computed
//! once by random access when the market is built.

use std::sync::Arc;

use super::builtin::{builtin, placement, NAMES};
use super::plan::{Halt, Move, Plan, Spread};
use super::spec::{At, EventKind, EventSpec, Scenario, Span, Target};
use crate::calendar::CalendarKind;
use crate::clock::Seq;
use crate::config::{Anchor, ConfigError};
use crate::market::Market;
use crate::symbol::SymbolId;

/// The default reason of a halt.
pub const DEFAULT_HALT_REASON: &str = "news pending";
/// How long a circuit breaker halts by default.
pub const DEFAULT_BREAKER_HALT: Span = Span::minutes(15);

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

/// A halt before its constants: the event that asked for it, its ticks and its words.
struct RawHalt {
    event: usize,
    from: u64,
    until: u64,
    reason: Arc<str>,
    market_wide: bool,
    gap_percent: f64,
}

impl Market {
    /// The market's scenario, if one is selected: from `scenarios` by name, else built in.
    pub fn selected_scenario(&self) -> Result<Option<Scenario>, ConfigError> {
        let cfg = self.config();
        let Some(name) = cfg.scenario.as_deref() else {
            return Ok(None);
        };
        if let Some(s) = cfg.scenarios.iter().find(|s| s.name == name) {
            return Ok(Some(s.clone()));
        }
        if !NAMES.contains(&name) {
            let mut known: Vec<&str> = cfg.scenarios.iter().map(|s| s.name.as_str()).collect();
            known.extend(NAMES);
            return Err(invalid(
                "scenario",
                format!(
                    "{name:?} is neither a built-in scenario nor one of `scenarios` (known: {})",
                    known.join(", ")
                ),
            ));
        }
        let origin = self.clock_origin().ok_or_else(|| {
            invalid(
                "scenario",
                format!(
                    "{name:?} is placed 15 minutes after the market clock's start, but the clock \
                     has none: give --clock-start or --clock-anchor (the same to every service; \
                     scripts/run.sh passes one, `now` suits a single process)"
                ),
            )
        })?;
        let us = self
            .ids()
            .map(|id| self.calendar(id))
            .find(|c| c.kind() == CalendarKind::UsEquity);
        let first = self.symbol(SymbolId(0));
        Ok(builtin(
            name,
            placement(origin, us.as_ref()),
            first.as_str(),
        ))
    }

    /// The clock's start: `clock.start`, else a fixed `clock.anchor`.
    fn clock_origin(&self) -> Option<i64> {
        let clock = &self.config().clock;
        clock.start.or(match clock.anchor {
            Some(Anchor::At(ms)) => Some(ms),
            _ => None,
        })
    }

    /// Every symbol's plan under the selected scenario (all empty without one). The market
    /// must have none yet: the constants are the model's own values.
    pub(crate) fn plans(&self) -> Result<Vec<Plan>, ConfigError> {
        let mut plans = vec![Plan::default(); self.len()];
        let Some(scenario) = self.selected_scenario()? else {
            return Ok(plans);
        };
        let name = scenario.name.clone();
        let field = |f: &str| format!("scenarios[{name}].{f}");
        scenario.check().map_err(|(f, p)| invalid(field(&f), p))?;
        let mut halts: Vec<Vec<RawHalt>> = (0..self.len()).map(|_| Vec::new()).collect();
        for (i, e) in scenario.events.iter().enumerate() {
            let ids = self
                .targets(&e.symbols)
                .map_err(|p| invalid(field(&format!("events[{i}].symbols")), p))?;
            for id in ids {
                let start = self
                    .event_start(e.at, id)
                    .map_err(|p| invalid(field(&format!("events[{i}].at")), p))?;
                let (Some(plan), Some(halts)) =
                    (plans.get_mut(id.index()), halts.get_mut(id.index()))
                else {
                    continue;
                };
                self.add_event(plan, halts, i, e, start, id);
            }
        }
        for (i, (plan, mut raw)) in plans.iter_mut().zip(halts).enumerate() {
            raw.sort_by_key(|h| h.from);
            for pair in raw.windows(2) {
                if let [a, b] = pair {
                    if b.from < a.until {
                        return Err(invalid(
                            field(&format!("events[{}]", b.event)),
                            format!(
                                "halts {} while events[{}] has it halted already",
                                self.symbol(SymbolId(i as u16)),
                                a.event
                            ),
                        ));
                    }
                }
            }
            let id = SymbolId(i as u16);
            plan.halts = raw
                .into_iter()
                .map(|h| self.fix_halt(id, plan, h))
                .collect();
        }
        Ok(plans)
    }

    /// The symbols an event names.
    fn targets(&self, target: &Target) -> Result<Vec<SymbolId>, String> {
        match target {
            Target::All => Ok(self.ids().collect()),
            Target::Some(list) => list
                .iter()
                .map(|s| {
                    self.lookup(s)
                        .ok_or_else(|| format!("{s:?} is not a symbol of this market"))
                })
                .collect(),
        }
    }

    /// The tick an event starts at, for one symbol (at least 1: tick 0 has no interval).
    fn event_start(&self, at: At, id: SymbolId) -> Result<(u64, i64), String> {
        let s = self.schedule();
        let time = match at {
            At::Tick(n) => return Ok((n.clamp(1, s.last().0), s.time_of(Seq(n)))),
            At::Time(ms) => ms,
            At::AfterStart(span) => self
                .clock_origin()
                .ok_or("is after the clock's start, but the clock has none: give --clock-start or --clock-anchor")?
                .saturating_add(span.0),
            At::Session { date, after_open } => {
                let calendar = self.calendar(id);
                let day = calendar
                    .days(date, date)
                    .next()
                    .filter(|d| d.date == date)
                    .ok_or_else(|| {
                        format!(
                            "{date} is not a trading day of {} ({})",
                            self.symbol(id),
                            calendar.kind().name()
                        )
                    })?;
                day.open_ms.saturating_add(after_open.0)
            }
        };
        let n = s.tick_at_or_after(time).0.clamp(1, s.last().0);
        Ok((n, time))
    }

    /// The tick `span` after `time`, at least one after `from`.
    fn end_tick(&self, from: u64, time: i64, span: Span) -> u64 {
        let s = self.schedule();
        let end = s.tick_at_or_after(time.saturating_add(span.0)).0;
        end.max(from + 1).min(s.last().0)
    }

    fn add_event(
        &self,
        plan: &mut Plan,
        halts: &mut Vec<RawHalt>,
        index: usize,
        e: &EventSpec,
        (from, time): (u64, i64),
        id: SymbolId,
    ) {
        let log = |percent: f64| libm::log1p(percent / 100.0);
        let span = e.duration.unwrap_or_default();
        let to = self.end_tick(from, time, span);
        let gap_percent = e.reopen_gap_percent.unwrap_or(0.0);
        match e.kind {
            EventKind::Jump => plan.moves.push(Move::Jump {
                at: from,
                log: log(e.percent.unwrap_or(0.0)),
            }),
            EventKind::Drift => plan.moves.push(Move::Drift {
                from,
                to,
                log: log(e.percent.unwrap_or(0.0)),
            }),
            EventKind::Volatility => plan.moves.push(Move::Volatility {
                from,
                to,
                scale: libm::sqrt(e.factor.unwrap_or(1.0)),
                x_from: self.log_offset(id, Seq(from)),
                x_to: self.log_offset(id, Seq(to)),
            }),
            EventKind::Spread => plan.spreads.push(Spread {
                from,
                to,
                factor: e.factor.unwrap_or(1.0),
            }),
            EventKind::Halt => halts.push(RawHalt {
                event: index,
                from,
                until: to,
                reason: e.reason.as_deref().unwrap_or(DEFAULT_HALT_REASON).into(),
                market_wide: false,
                gap_percent,
            }),
            EventKind::CircuitBreaker => {
                let percent = e.percent.unwrap_or(0.0);
                let fall = self.beta(id) * log(percent);
                // The fall ends at `last`; the halt freezes the price there.
                let last = if span.0 == 0 {
                    plan.moves.push(Move::Jump {
                        at: from,
                        log: fall,
                    });
                    from
                } else {
                    plan.moves.push(Move::Drift {
                        from,
                        to,
                        log: fall,
                    });
                    to
                };
                let halt_from = last + 1;
                let halt_time = self.schedule().time_of(Seq(halt_from));
                let reason = e.reason.clone().unwrap_or_else(|| {
                    format!("market-wide circuit breaker: market down {}%", -percent)
                });
                halts.push(RawHalt {
                    event: index,
                    from: halt_from,
                    until: self.end_tick(
                        halt_from,
                        halt_time,
                        e.halt.unwrap_or(DEFAULT_BREAKER_HALT),
                    ),
                    reason: reason.into(),
                    market_wide: true,
                    gap_percent,
                });
            }
        }
    }

    /// A halt with its constants: the moved model at its ends, and the model's trades and
    /// volume before them.
    fn fix_halt(&self, id: SymbolId, plan: &Plan, h: RawHalt) -> Halt {
        let y = |n: u64| plan.moved(n, self.log_offset(id, Seq(n)));
        let freeze = y(h.from - 1);
        let shift = freeze + libm::log1p(h.gap_percent / 100.0) - y(h.until);
        let (t0, v0) = self.model_counts_before(id, h.from);
        let (t1, v1) = self.model_counts_before(id, h.until);
        Halt {
            from: h.from,
            until: h.until,
            reason: h.reason,
            market_wide: h.market_wide,
            gap_percent: h.gap_percent,
            freeze,
            shift,
            trades: (t0, t1),
            volume: (v0, v1),
        }
    }
}
