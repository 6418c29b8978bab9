//! One symbol's scenario, resolved to ticks, and how it changes what the model says at a
//! tick. Every change is a pure function of the tick, the model's own value at that tick
//! and a few constants fixed when the market is built (the model's values at the events'
//! boundaries), so random access and a cursor apply it identically, bit for bit.
//!
//! With `X(n)` the model's log-price offset at tick `n`:
//!
//! * **moves** add to it: a jump `j = ln(1 + x)` from its tick on; a drift `d·(n − a)/(b − a)`
//!   over `[a, b]` (then `d`); a volatility window `(√k − 1)·(X(min(n, b)) − X(a))` from
//!   `a` on (returns inside `[a, b]` scaled by √k, variance by k, the level carried after);
//!   `Y(n)` is `X(n)` plus every move;
//! * **halts** freeze it: over the halted ticks `[a, b)` the price is `Y(a − 1)`, the last
//!   one before the halt, and from the reopening tick `b` on the path is shifted by
//!   `H = Y(a − 1) + ln(1 + g) − Y(b)`, so tick `b` prints exactly `g` away from the halted
//!   price and the model's moves continue from there. Earlier halts' shifts carry through;
//! * **trades and volume** of halted ticks are removed, and the cumulative counts after a
//!   halt lose what it removed, so trade ids stay consecutive: id `k` after a halt is the
//!   model's id `k + removed`;
//! * **spread** windows multiply the tick's spread factor (wider quotes, thinner book).

use std::sync::Arc;

/// A move added to the model's log-price.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Move {
    /// `log` from tick `at` on.
    Jump { at: u64, log: f64 },
    /// `log × (n − from)/(to − from)` over `[from, to]`, then `log`.
    Drift { from: u64, to: u64, log: f64 },
    /// Returns over `[from, to]` scaled by `scale` (= √k); `x_from`, `x_to` are the model's
    /// offsets at the ends.
    Volatility {
        from: u64,
        to: u64,
        scale: f64,
        x_from: f64,
        x_to: f64,
    },
}

impl Move {
    #[inline]
    fn at(&self, n: u64, x: f64) -> f64 {
        match *self {
            Self::Jump { at, log } => {
                if n >= at {
                    log
                } else {
                    0.0
                }
            }
            Self::Drift { from, to, log } => {
                if n <= from {
                    0.0
                } else if n >= to {
                    log
                } else {
                    log * (n - from) as f64 / (to - from) as f64
                }
            }
            Self::Volatility {
                from,
                to,
                scale,
                x_from,
                x_to,
            } => {
                if n <= from {
                    0.0
                } else {
                    let end = if n >= to { x_to } else { x };
                    (scale - 1.0) * (end - x_from)
                }
            }
        }
    }
}

/// A halt with everything it needs fixed in advance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Halt {
    /// The first halted tick.
    pub(crate) from: u64,
    /// The reopening tick (the first with trades again).
    pub(crate) until: u64,
    /// Why, as the status reports it.
    pub(crate) reason: Arc<str>,
    /// Whether a circuit breaker halted it.
    pub(crate) market_wide: bool,
    /// The reopening gap in percent.
    pub(crate) gap_percent: f64,
    /// `Y(from − 1)`: the halted price's offset (before earlier halts' shifts).
    pub(crate) freeze: f64,
    /// `H`: the shift from `until` on.
    pub(crate) shift: f64,
    /// The model's trades and volume before `from` and before `until`.
    pub(crate) trades: (u64, u64),
    pub(crate) volume: (u128, u128),
}

/// A window of wider spreads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spread {
    pub(crate) from: u64,
    pub(crate) to: u64,
    pub(crate) factor: f64,
}

/// One symbol's resolved scenario; empty when there is none.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    pub(crate) moves: Vec<Move>,
    /// Sorted by `from`, never overlapping.
    pub(crate) halts: Vec<Halt>,
    pub(crate) spreads: Vec<Spread>,
}

/// A tick's trades and volume: `(before, total)` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) trades_before: u64,
    pub(crate) trades: u64,
    pub(crate) volume_before: u128,
    pub(crate) volume: u128,
}

impl Plan {
    /// Whether the scenario changes nothing for this symbol.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.halts.is_empty() && self.spreads.is_empty()
    }

    /// `Y(n)`: the model's offset `x` at tick `n` plus every move.
    #[inline]
    pub(crate) fn moved(&self, n: u64, x: f64) -> f64 {
        let mut y = x;
        for m in &self.moves {
            y += m.at(n, x);
        }
        y
    }

    /// The scenario's offset at tick `n`, from the model's `x` there.
    #[inline]
    pub(crate) fn offset(&self, n: u64, x: f64) -> f64 {
        if self.is_empty() {
            return x;
        }
        let mut shift = 0.0;
        for h in &self.halts {
            if n < h.from {
                break;
            }
            if n < h.until {
                return h.freeze + shift;
            }
            shift += h.shift;
        }
        self.moved(n, x) + shift
    }

    /// The halt covering tick `n`, if any.
    pub(crate) fn halt_at(&self, n: u64) -> Option<&Halt> {
        self.halts
            .iter()
            .take_while(|h| h.from <= n)
            .find(|h| n < h.until)
    }

    /// The scenario's trades and volume of tick `n` from the model's.
    #[inline]
    pub(crate) fn counts(&self, n: u64, c: Counts) -> Counts {
        let (mut trades, mut volume) = (0u64, 0u128);
        for h in &self.halts {
            if n < h.from {
                break;
            }
            if n < h.until {
                return Counts {
                    trades_before: h.trades.0 - trades,
                    trades: 0,
                    volume_before: h.volume.0 - volume,
                    volume: 0,
                };
            }
            trades += h.trades.1 - h.trades.0;
            volume += h.volume.1 - h.volume.0;
        }
        Counts {
            trades_before: c.trades_before - trades,
            volume_before: c.volume_before - volume,
            ..c
        }
    }

    /// The model's id of the scenario's trade `id`.
    pub(crate) fn model_trade_id(&self, id: u64) -> u64 {
        let mut base = id;
        for h in &self.halts {
            if base <= h.trades.0 {
                break;
            }
            base = base.saturating_add(h.trades.1 - h.trades.0);
        }
        base
    }

    /// The spread multiplier at tick `n`.
    #[inline]
    pub(crate) fn spread_factor(&self, n: u64) -> f64 {
        self.spreads
            .iter()
            .filter(|s| (s.from..s.to).contains(&n))
            .map(|s| s.factor)
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_plan_changes_nothing() {
        let p = Plan::default();
        assert!(p.is_empty());
        assert_eq!(p.offset(5, 0.123).to_bits(), 0.123f64.to_bits());
        let c = Counts {
            trades_before: 3,
            trades: 2,
            volume_before: 300,
            volume: 50,
        };
        assert_eq!(p.counts(5, c), c);
        assert_eq!(p.model_trade_id(7), 7);
        assert_eq!(p.spread_factor(5), 1.0);
    }

    #[test]
    fn moves_add_up_and_halts_freeze_then_shift() {
        let p = Plan {
            moves: vec![
                Move::Jump { at: 10, log: 0.1 },
                Move::Drift {
                    from: 20,
                    to: 30,
                    log: -0.2,
                },
            ],
            halts: vec![Halt {
                from: 40,
                until: 50,
                reason: "news".into(),
                market_wide: false,
                gap_percent: 0.0,
                freeze: 1.0,
                shift: 0.5,
                trades: (100, 130),
                volume: (1000, 1300),
            }],
            spreads: vec![],
        };
        assert_eq!(p.offset(9, 0.0), 0.0);
        assert_eq!(p.offset(10, 0.0), 0.1);
        assert!((p.offset(25, 0.0) - (0.1 - 0.1)).abs() < 1e-15);
        assert_eq!(p.offset(45, 7.0), 1.0);
        assert!((p.offset(50, 0.0) - (0.1 - 0.2 + 0.5)).abs() < 1e-15);
        let c = |before: u64| Counts {
            trades_before: before,
            trades: 4,
            volume_before: u128::from(before) * 10,
            volume: 40,
        };
        assert_eq!(p.counts(39, c(99)), c(99));
        assert_eq!(p.counts(45, c(115)).trades, 0);
        assert_eq!(p.counts(45, c(115)).trades_before, 100);
        assert_eq!(p.counts(50, c(130)).trades_before, 100);
        assert_eq!(p.counts(50, c(130)).volume_before, 1000);
        assert_eq!(p.model_trade_id(100), 100);
        assert_eq!(p.model_trade_id(101), 131);
    }
}
