//! Market scenarios: deterministic events (jumps, drifts, volatility and spread windows,
//! halts, circuit breakers) that are part of the price function. A scenario is data
//! ([`Scenario`], from the config file or a `--scenario` file) or a built-in name
//! ([`builtin::NAMES`]); the market resolves it once, when it is built, into one [`Plan`]
//! per symbol, and every price, trade count, volume, NBBO and bar goes through that plan.
//! Random access and sequential stepping apply the same pure functions of the tick, so they
//! still agree bit for bit, and a market without a scenario is exactly the model.
//! `docs/scenarios.md` lists every kind with its parameters and charts the built-ins.

pub mod builtin;
mod check;
mod plan;
mod resolve;
mod spec;

pub(crate) use plan::{Counts, Halt, Plan};
pub use resolve::{DEFAULT_BREAKER_HALT, DEFAULT_HALT_REASON};
pub use spec::{
    At, EventKind, EventSpec, Scenario, Span, Target, MAX_EVENTS, MAX_EVENT_MS, MAX_FACTOR,
    MAX_PERCENT, MIN_PERCENT,
};
