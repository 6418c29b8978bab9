//! # cli-tests
//!
//! No code lives here: this crate holds `tests/cli/`, which runs ticker the way a user does,
//! as processes: `scripts/run.sh` (the banner only for its own services, the fix when a port
//! is taken, a bounded wait, Ctrl-C), the binaries' one-line start-up errors and their log
//! colour, and the examples of `docs/config.md`, which it regenerates with `UPDATE_DOCS=1`.
//! The binaries are built (debug) by the tests themselves, so `-p cli-tests` alone is enough.
