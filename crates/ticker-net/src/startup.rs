//! What every binary does before and after serving, so both mains stay a table of contents:
//! build the market from the shared flags, bind, and stop on a signal.

use std::sync::Arc;

use ticker_core::{Market, MarketArgs};
use tokio::net::TcpListener;

use crate::shutdown::{exit_on_second_signal, shutdown_signal};

/// The validated market and the bound listener, or one line saying what is wrong.
pub async fn prepare(
    market: &MarketArgs,
    host: &str,
    port: u16,
) -> Result<(Arc<Market>, TcpListener), String> {
    let config = market.resolve().map_err(|e| e.to_string())?;
    let market = Arc::new(Market::new(config).map_err(|e| e.to_string())?);
    let listener = TcpListener::bind((host, port))
        .await
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    Ok((market, listener))
}

/// Resolves on the first SIGINT/SIGTERM (graceful shutdown); a second one exits at once.
pub async fn stop_signal() {
    shutdown_signal().await;
    exit_on_second_signal();
}

/// Parses the command line. `--help` and `--version` print as usual; a bad flag or value is
/// reported in one line on stderr (naming the flag; its `TICKER_*` variable is listed by
/// `--help`) with exit status 2.
pub fn parse_args<P: clap::Parser>(binary: &str) -> Result<P, std::process::ExitCode> {
    P::try_parse().map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return std::process::ExitCode::SUCCESS;
        }
        let text = e.to_string();
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid arguments")
            .trim_start_matches("error: ");
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{binary}: {line} (see --help)");
        }
        std::process::ExitCode::from(2)
    })
}
