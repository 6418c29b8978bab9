//! What every binary does before and after serving, so both mains stay a table of contents:
//! build the market from the shared flags, bind, and stop on a signal.

use std::net::SocketAddr;
use std::sync::Arc;

use ticker_core::{Market, MarketArgs};
use tokio::net::{lookup_host, TcpListener, TcpSocket};

use crate::shutdown::{exit_on_second_signal, shutdown_signal};

/// Backlog of a listener bound with [`bind`] (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 4096;

/// The validated market and the bound listener, or one line saying what is wrong.
pub async fn prepare(
    market: &MarketArgs,
    host: &str,
    port: u16,
) -> Result<(Arc<Market>, TcpListener), String> {
    Ok((build_market(market)?, bind(host, port, false).await?))
}

/// The market the flags, environment and config file describe.
pub fn build_market(market: &MarketArgs) -> Result<Arc<Market>, String> {
    let config = market.resolve().map_err(|e| e.to_string())?;
    Ok(Arc::new(Market::new(config).map_err(|e| e.to_string())?))
}

/// Listens on `host:port`. With `reuse_port` (SO_REUSEPORT), other processes that set it too
/// may listen on the same port, and the kernel spreads new connections over all of them.
pub async fn bind(host: &str, port: u16, reuse_port: bool) -> Result<TcpListener, String> {
    let fail = |e: std::io::Error| format!("cannot listen on {host}:{port}: {e}");
    if !reuse_port {
        return TcpListener::bind((host, port)).await.map_err(fail);
    }
    let addr: SocketAddr = lookup_host((host, port))
        .await
        .map_err(fail)?
        .next()
        .ok_or_else(|| format!("cannot listen on {host}:{port}: no address"))?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(fail)?;
    socket.set_reuseaddr(true).map_err(fail)?;
    set_reuseport(&socket).map_err(fail)?;
    socket.bind(addr).map_err(fail)?;
    socket.listen(BACKLOG).map_err(fail)
}

#[cfg(unix)]
fn set_reuseport(socket: &TcpSocket) -> std::io::Result<()> {
    socket.set_reuseport(true)
}

#[cfg(not(unix))]
fn set_reuseport(_: &TcpSocket) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "--reuse-port needs SO_REUSEPORT (Linux, BSD, macOS)",
    ))
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn two_listeners_share_a_port_only_when_both_reuse_it() {
        let first = bind("127.0.0.1", 0, true).await.unwrap();
        let port = first.local_addr().unwrap().port();
        let second = bind("127.0.0.1", port, true).await.unwrap();
        assert_eq!(second.local_addr().unwrap().port(), port);
        let err = bind("127.0.0.1", port, false).await.unwrap_err();
        assert!(
            err.starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")),
            "{err}"
        );
    }
}
