//! ticker as a user starts it: real binaries and scripts, run as processes on 127.0.0.1 with
//! ports picked free, their output read as a user would see it.
//!
//! * [`run_script`]: `scripts/run.sh` prints its banner only when its own services answer, says
//!   how to fix a taken port, gives up after its wait, and stops both on Ctrl-C;
//! * [`errors`]: the binaries' one-line start-up errors say how to fix them;
//! * [`colour`]: colour only on a terminal, never under `NO_COLOR`;
//! * [`docs`]: the examples in `docs/config.md` are the binaries' real output;
//! * [`typescript`]: the TypeScript client, built with `tsc` and run with Node against the
//!   binaries (a killed and restarted ws-server), and its types against `docs/asyncapi.json`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod colour;
mod docs;
mod errors;
mod run_script;
mod support;
mod typescript;
