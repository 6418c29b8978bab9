//! # rest-api
//!
//! ticker's REST service (port 8000) on raw hyper 1.x. Every price comes from
//! [`ticker_core::Market`] at the current tick of the injected clock, so a quote fetched here
//! is byte-identical to the one the ws-server streams for the same tick.
//!
//! * [`server`]: accept loop, limits, graceful shutdown; [`run`] is the entry point.
//! * [`routes`]: the endpoint table and dispatch; handlers live in [`quotes`], [`history`],
//!   [`calendar`] and [`status`]; [`at`] is the `at=` of every "latest" endpoint.
//! * [`faults`]: fault injection per request (`fault_*` parameters, `--faults allow`).
//! * [`vendor`]: the vendor-compatible gateways (Finnhub, Binance) under their prefixes.
//! * [`relay`]: `/ws`, WebSocket connections relayed to the ws-server (one origin for pages).
//! * [`warm`]: the history warm-up, daily candles computed ahead of requests at idle
//!   priority ([`idle`]).
//! * [`cli`]: flags and their `TICKER_*` variables.
//! * [`openapi`]: the OpenAPI document (`/openapi.json`) and the `/docs` page.
//!
//! Endpoints, parameters and error codes are documented in `docs/rest-api.md`, and as a
//! contract in `docs/openapi.json` (served at `/openapi.json`, readable at `/docs`).

pub mod app;
pub mod assets;
pub mod at;
pub mod bars;
pub mod calendar;
pub mod cli;
pub mod cors;
pub mod faults;
pub mod heavy;
pub mod history;
pub mod idle;
pub mod openapi;
pub mod params;
pub mod probe;
pub mod quotes;
pub mod relay;
pub mod response;
pub mod routes;
pub mod server;
pub mod status;
pub mod trades;
pub mod vendor;
pub mod warm;

pub use cli::{Cli, RestConfig};
pub use server::{run, Settings};
