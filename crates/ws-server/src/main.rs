//! `ws-server`: parse flags, start logging, bind, serve until SIGINT/SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use ticker_core::{Market, SystemClock};
use ticker_net::shutdown::{exit_on_second_signal, shutdown_signal};
use ticker_net::telemetry::{exit_status, init_tracing};
use ws_server::{run, Cli, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    exit_status("ws-server", serve(cli).await)
}

async fn serve(cli: Cli) -> Result<(), String> {
    let config = cli.market.resolve().map_err(|e| e.to_string())?;
    cli.ws.validate()?;
    let market = Arc::new(Market::new(config).map_err(|e| e.to_string())?);
    let listener = tokio::net::TcpListener::bind((cli.host.as_str(), cli.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", cli.host, cli.port))?;
    let settings = Settings {
        ws: cli.ws,
        market,
        clock: Arc::new(SystemClock),
    };
    let shutdown = async {
        shutdown_signal().await;
        exit_on_second_signal();
    };
    run(listener, settings, shutdown)
        .await
        .map_err(|e| format!("server error: {e}"))
}
