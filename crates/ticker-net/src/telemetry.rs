//! Logging setup shared by the binaries: `tracing` to stdout, filtered by `RUST_LOG`
//! (default `info`; one line per request at `debug`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Safe to call once per process.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
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
