//! Properties of the market model that the whole product relies on: determinism, random access
//! equal to sequential iteration, realistic statistics and long-run stationarity.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stderr,
    missing_docs
)]

mod activity;
mod determinism;
mod facts;
mod microstructure;
mod parameters;
mod scenarios;
mod sessions;
mod statistics;
mod trades;
