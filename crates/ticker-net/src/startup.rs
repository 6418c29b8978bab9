//! What every binary does before and after serving, so both mains stay a table of contents:
//! build the market from the shared flags, bind, and stop on a signal. Whatever goes wrong
//! here is reported in one line that says how to fix it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use ticker_core::time::format_rfc3339;
use ticker_core::{clock_report, Anchor, Clock, Market, MarketArgs, SystemClock};
use tokio::net::{lookup_host, TcpListener, TcpSocket};

use crate::shutdown::{exit_on_second_signal, shutdown_signal};

/// Backlog of a listener bound with [`bind`] (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 4096;

/// The validated market and the bound listener, or one line saying what is wrong.
/// `env_prefix` names the binary's variables (`TICKER_WS` for `TICKER_WS_PORT`), so that a
/// bind failure can say which flag or variable fixes it.
pub async fn prepare(
    market: &MarketArgs,
    host: &str,
    port: u16,
    env_prefix: &str,
) -> Result<(Arc<Market>, TcpListener), String> {
    Ok((
        build_market(market)?,
        bind(host, port, false, env_prefix).await?,
    ))
}

/// The market the flags, environment and config file describe.
pub fn build_market(market: &MarketArgs) -> Result<Arc<Market>, String> {
    let mut config = market.resolve().map_err(|e| e.to_string())?;
    // `--clock-anchor now` is this instant, fixed once: the clock and the scenario's
    // placement (15 minutes after the clock's start) count from the same one.
    if config.clock.anchor == Some(Anchor::Now) {
        config.clock.anchor = Some(Anchor::At(SystemClock.now_ms()));
    }
    let cache = market.history_cache_bytes().map_err(|e| e.to_string())?;
    let market = Market::new(config)
        .map_err(|e| e.to_string())?
        .with_history_cache(cache);
    if let Some(scenario) = market.selected_scenario().map_err(|e| e.to_string())? {
        let first = market
            .ids()
            .find_map(|id| market.halts(id).into_iter().next());
        tracing::info!(
            scenario = %scenario.name,
            events = scenario.events.len(),
            first_halt = first.map_or_else(|| "-".to_owned(), |h| format_rfc3339(h.from_ms)),
            "market scenario"
        );
    }
    Ok(Arc::new(market))
}

/// The market clock the settings describe (real time unless `clock` says otherwise), logged.
pub fn build_clock(market: &Market) -> Result<Arc<dyn Clock>, String> {
    let clock = market
        .config()
        .clock
        .build(Arc::new(SystemClock))
        .map_err(|e| e.to_string())?;
    let report = clock_report(clock.as_ref());
    tracing::info!(
        kind = %report.kind,
        speed = report.speed,
        start = report.start.as_deref().unwrap_or("-"),
        anchor = report.anchor.as_deref().unwrap_or("-"),
        now = %report.now,
        "market clock"
    );
    Ok(clock)
}

/// Listens on `host:port`. With `reuse_port` (SO_REUSEPORT), other processes that set it too
/// may listen on the same port, and the kernel spreads new connections over all of them.
/// `env_prefix` names the binary's variables (`TICKER_WS` for `TICKER_WS_PORT`), so that a
/// failure can say which flag or variable fixes it.
pub async fn bind(
    host: &str,
    port: u16,
    reuse_port: bool,
    env_prefix: &str,
) -> Result<TcpListener, String> {
    let fail = |e: io::Error| bind_error(host, port, env_prefix, &e);
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
fn set_reuseport(socket: &TcpSocket) -> io::Result<()> {
    socket.set_reuseport(true)
}

#[cfg(not(unix))]
fn set_reuseport(_: &TcpSocket) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "--reuse-port needs SO_REUSEPORT (Linux, BSD, macOS)",
    ))
}

/// The line for a failed bind, ending with the flag and variable that fix it when the cause
/// is the port (taken, or privileged) or the address (not one of this machine's).
fn bind_error(host: &str, port: u16, env_prefix: &str, e: &io::Error) -> String {
    let hint = match e.kind() {
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied => {
            format!(" (use --port or {env_prefix}_PORT)")
        }
        io::ErrorKind::AddrNotAvailable => format!(" (use --host or {env_prefix}_HOST)"),
        _ => String::new(),
    };
    format!("cannot listen on {host}:{port}: {e}{hint}")
}

/// Resolves on the first SIGINT/SIGTERM (graceful shutdown); a second one exits at once. The
/// handlers are installed by this call (see [`shutdown_signal`]), before the service serves.
pub fn stop_signal() -> impl std::future::Future<Output = ()> {
    let first = shutdown_signal();
    async move {
        first.await;
        exit_on_second_signal();
    }
}

/// Parses the command line. `--help` and `--version` print as usual; a bad flag or value is
/// reported in one line on stderr (naming the flag, keeping clap's "a similar argument
/// exists" tip; its `TICKER_*` variable is listed by `--help`) with exit status 2.
pub fn parse_args<P: clap::Parser>(binary: &str) -> Result<P, std::process::ExitCode> {
    P::try_parse().map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return std::process::ExitCode::SUCCESS;
        }
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{binary}: {}", one_line(&e));
        }
        std::process::ExitCode::from(2)
    })
}

/// clap's multi-line error as one line: the error itself, then each of its tips (`a similar
/// argument exists: '--port'`), then a pointer to `--help`. Usage and blank lines are left
/// out: `--help` has them.
fn one_line(e: &clap::Error) -> String {
    // `to_string` renders without colour whatever the terminal.
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut line = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned();
    for tip in lines.filter_map(|l| l.strip_prefix("tip: ")) {
        line.push_str("; ");
        line.push_str(tip);
    }
    line.push_str(" (see --help)");
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    #[command(name = "svc")]
    struct Cli {
        #[arg(long, env = "TICKER_TEST_PORT", default_value_t = 8000)]
        port: u16,
        #[arg(long)]
        seed: Option<u64>,
    }

    fn error_of(args: &[&str]) -> String {
        let e =
            Cli::try_parse_from(std::iter::once("svc").chain(args.iter().copied())).unwrap_err();
        one_line(&e)
    }

    #[test]
    fn a_mistyped_flag_keeps_the_suggestion_on_one_line() {
        assert_eq!(
            error_of(&["--prot", "9000"]),
            "unexpected argument '--prot' found; a similar argument exists: '--port' (see --help)"
        );
    }

    #[test]
    fn an_unknown_flag_without_a_near_miss_is_one_line() {
        assert_eq!(
            error_of(&["--xyzzy"]),
            "unexpected argument '--xyzzy' found (see --help)"
        );
    }

    #[test]
    fn a_bad_value_names_the_flag() {
        assert_eq!(
            error_of(&["--port", "abc"]),
            "invalid value 'abc' for '--port <PORT>': invalid digit found in string (see --help)"
        );
    }

    #[test]
    fn bind_errors_say_which_flag_and_variable_fix_them() {
        let in_use = io::Error::from(io::ErrorKind::AddrInUse);
        assert_eq!(
            bind_error("127.0.0.1", 8001, "TICKER_WS", &in_use),
            format!("cannot listen on 127.0.0.1:8001: {in_use} (use --port or TICKER_WS_PORT)")
        );
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(bind_error("0.0.0.0", 80, "TICKER_REST", &denied)
            .ends_with(" (use --port or TICKER_REST_PORT)"));
        let foreign = io::Error::from(io::ErrorKind::AddrNotAvailable);
        assert!(bind_error("10.1.2.3", 8000, "TICKER_REST", &foreign)
            .ends_with(" (use --host or TICKER_REST_HOST)"));
        let other = io::Error::other("something else");
        assert_eq!(
            bind_error("127.0.0.1", 8000, "TICKER_REST", &other),
            "cannot listen on 127.0.0.1:8000: something else"
        );
    }

    #[tokio::test]
    async fn binding_a_taken_port_names_the_fix() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let Err(line) = prepare(&Default::default(), "127.0.0.1", port, "TICKER_WS").await else {
            panic!("bound a port that is taken");
        };
        assert!(
            line.starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")),
            "{line}"
        );
        assert!(line.ends_with(" (use --port or TICKER_WS_PORT)"), "{line}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn two_listeners_share_a_port_only_when_both_reuse_it() {
        let first = bind("127.0.0.1", 0, true, "TICKER_WS").await.unwrap();
        let port = first.local_addr().unwrap().port();
        let second = bind("127.0.0.1", port, true, "TICKER_WS").await.unwrap();
        assert_eq!(second.local_addr().unwrap().port(), port);
        let err = bind("127.0.0.1", port, false, "TICKER_WS")
            .await
            .unwrap_err();
        assert!(
            err.starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")),
            "{err}"
        );
        assert!(err.ends_with(" (use --port or TICKER_WS_PORT)"), "{err}");
    }
}
