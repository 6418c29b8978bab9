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
