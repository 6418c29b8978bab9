//! The worst-day suite: real servers on 127.0.0.1, attacked with hostile input, slow and dead
//! peers, churn, signals and restarts. Each test records its figures (see helpers::record);
//! `scripts/reliability.sh` renders them into docs/reliability.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod churn;
mod helpers;
mod parsers;
mod peers;
mod process;
mod rest_fuzz;
mod restart;
mod signals;
mod ws_fuzz;
mod wsraw;
