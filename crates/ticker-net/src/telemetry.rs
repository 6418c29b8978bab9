//! Logging setup shared by the binaries: `tracing` to stdout, filtered by `RUST_LOG`
//! (default `info`; one line per request at `debug`), coloured only on a terminal and never
//! when `NO_COLOR` is set.

use std::ffi::OsStr;
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Safe to call once per process.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let colour = colour_wanted(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_target(false)
        .compact()
        .try_init();
}

/// The exit of a binary: success, or one line on stderr naming the problem (stderr, not the
/// log, so it shows whatever `RUST_LOG` says) and a non-zero status.
pub fn exit_status(binary: &str, result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{binary}: {message}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether output may carry ANSI colour: only on a terminal, and not when `NO_COLOR` is set
/// to a non-empty value (the no-color.org convention; an empty value counts as unset).
pub fn colour_wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some(OsStr::new(""))));
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        assert!(!colour_wanted(false, None));
        assert!(!colour_wanted(false, Some(OsStr::new("1"))));
    }
}
