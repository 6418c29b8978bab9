//! `rest-api`: parse flags, start logging, bind, serve until SIGINT/SIGTERM.

use std::process::ExitCode;

use rest_api::{run, Cli, Settings};
use ticker_net::startup::{build_clock, parse_args, prepare, stop_signal};
use ticker_net::telemetry::{exit_status, init_tracing};

#[tokio::main]
async fn main() -> ExitCode {
    let cli: Cli = match parse_args("rest-api") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_tracing();
    exit_status("rest-api", serve(cli).await)
}

async fn serve(cli: Cli) -> Result<(), String> {
    cli.rest.validate()?;
    let (market, listener) = prepare(&cli.market, &cli.host, cli.port, "TICKER_REST").await?;
    let clock = build_clock(&market)?;
    let settings = Settings {
        rest: cli.rest,
        market,
        clock,
    };
    run(listener, settings, stop_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}
