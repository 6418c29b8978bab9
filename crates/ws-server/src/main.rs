//! `ws-server`: parse flags, start logging, bind, serve until SIGINT/SIGTERM.

use std::process::ExitCode;

use ticker_net::startup::{bind, build_clock, build_market, parse_args, stop_signal};
use ticker_net::telemetry::{exit_status, init_tracing};
use ws_server::{run, Cli, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    let cli: Cli = match parse_args("ws-server") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_tracing();
    exit_status("ws-server", serve(cli).await)
}

async fn serve(cli: Cli) -> Result<(), String> {
    cli.ws.validate()?;
    let market = build_market(&cli.market)?;
    let clock = build_clock(&market)?;
    let listener = bind(&cli.host, cli.port, cli.reuse_port, "TICKER_WS").await?;
    let settings = Settings {
        ws: cli.ws,
        market,
        clock,
    };
    run(listener, settings, stop_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}
