//! # reliability
//!
//! No code lives here: this crate holds the worst-day test suite (`tests/reliability/`), which
//! runs real servers on loopback and attacks them with hostile input, slow and dead peers,
//! connection churn, signals and restarts. Each test records its figures under
//! `target/reliability/`; `scripts/reliability.sh` turns them into `docs/reliability.md`.
