//! `loadgen`: the load generator behind `scripts/bench.sh` and the smoke test in
//! `scripts/test.sh`. Loopback only, bounded in clients and time, stops by itself.
//!
//! * `loadgen ws`: a fleet of WebSocket clients; prints a table (and `--json`).
//! * `loadgen baseline`: a minimal raw-hyper server with a fixed body (the REST floor).
//! * `loadgen broadcaster`: a minimal threaded WebSocket broadcaster (the fan-out floor).
//! * `loadgen startup`: time from exec to the first 200 of `/health` (or `--path`).

mod baseline;
mod broadcaster;
mod fleet;
mod histogram;
mod procstat;
mod scan;
mod startup;
mod wsclient;

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::fleet::{Plan, Progress};
use crate::procstat::Proc;

/// Load generator for ticker (loopback only).
#[derive(Debug, Parser)]
#[command(name = "loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Open N WebSocket clients, hold them, report delivery, latency and losses.
    Ws(WsArgs),
    /// Serve a fixed body with bare hyper (the baseline of the REST benchmark).
    Baseline {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// Body size in bytes (match the endpoint under test).
        #[arg(long)]
        body_bytes: usize,
    },
    /// Broadcast every tick to every client with one write each, from plain threads (the
    /// baseline of the WebSocket fan-out benchmark).
    Broadcaster {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// Milliseconds between ticks (match the server under test).
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Frames to send: one per symbol per tick, or one batch per tick.
        #[arg(long, value_enum, default_value = "quote")]
        framing: broadcaster::Framing,
        /// Writer threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// Time from exec to the first 200 of PATH (/health) on 127.0.0.1:PORT.
    Startup {
        /// Port the service listens on.
        #[arg(long)]
        port: u16,
        /// Path to ask for, e.g. /api/v1/latest?symbols=AAPL,MSFT for the first quotes.
        #[arg(long, default_value = "/health")]
        path: String,
        /// The command to run.
        #[arg(last = true, required = true)]
        cmd: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
struct WsArgs {
    /// WebSocket URL (must be a loopback address), e.g. ws://127.0.0.1:8001/ws
    #[arg(long, default_value = "ws://127.0.0.1:8001/ws")]
    url: String,
    /// Number of clients (each uses one file descriptor here and one in the server: keep
    /// it under the 20 000 per-process open-file limit).
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Most handshakes in flight at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// New connections per second while ramping.
    #[arg(long, default_value_t = 2000.0)]
    ramp: f64,
    /// Seconds to hold every client after the ramp (the measurement window).
    #[arg(long, default_value_t = 5.0)]
    hold_secs: f64,
    /// Loopback source addresses to spread clients over (127.0.0.1 …), for more than the
    /// ~28 000 ephemeral ports one source address allows.
    #[arg(long, default_value_t = 4)]
    sources: u8,
    /// Connect and hold without subscribing (memory scenario).
    #[arg(long)]
    idle: bool,
    /// Server pid, to report its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The URL asks for `format=batch` (one frame per tick), for computing frames due.
    #[arg(long)]
    batch: bool,
    /// Symbols per client, to compute frames due.
    #[arg(long, default_value_t = 5)]
    symbols: u64,
    /// Print a JSON summary line after the table.
    #[arg(long)]
    json: bool,
    /// Exit non-zero on any failed connection, early close, missed or duplicate seq.
    #[arg(long)]
    assert_clean: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Ws(args) => ws(args).await,
        Cmd::Baseline { port, body_bytes } => baseline::serve(port, body_bytes).await,
        Cmd::Broadcaster {
            port,
            interval_ms,
            framing,
            threads,
        } => {
            let threads = match threads {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            };
            tokio::task::block_in_place(|| broadcaster::serve(port, interval_ms, framing, threads))
        }
        Cmd::Startup { port, path, cmd } => {
            startup::measure(&cmd, port, &path, Duration::from_secs(30))
                .await
                .map(|d| {
                    say(&format!("{:.1}", d.as_secs_f64() * 1000.0));
                })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("loadgen: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("{line}");
}

#[allow(clippy::print_stderr)]
fn progress_line(line: &str) {
    eprint!("\r{line}    ");
}

async fn ws(args: WsArgs) -> Result<(), String> {
    let url = if args.idle {
        let sep = if args.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}symbols=", args.url)
    } else {
        args.url.clone()
    };
    let path = url
        .parse::<http::Uri>()
        .ok()
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".to_owned());
    let plan = Plan {
        url,
        path,
        clients: args.clients,
        concurrency: args.concurrency,
        ramp_per_sec: args.ramp,
        hold: Duration::from_secs_f64(args.hold_secs),
        sources: args.sources,
        idle: args.idle,
    };
    let progress = Arc::new(Progress::default());
    let server = args.server_pid.map(Proc::Pid);
    let rss_before = server.and_then(Proc::rss_kib);
    let reporter = {
        let progress = progress.clone();
        let clients = args.clients;
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                progress_line(&format!(
                    "[{:>5.1}s] connected {}/{clients}, failed {}, frames {}",
                    started.elapsed().as_secs_f64(),
                    progress.connected.load(Ordering::Relaxed),
                    progress.failed.load(Ordering::Relaxed),
                    progress.frames.load(Ordering::Relaxed),
                ));
            }
        })
    };
    // Server memory while the clients stream, sampled during the measurement window.
    let streaming_rss = server.map(|pid| {
        tokio::spawn(fleet::peak_during_window(progress.clone(), move || {
            pid.rss_kib()
        }))
    });
    let window_start = Arc::new(std::sync::Mutex::new(None));
    let marks = window_start.clone();
    let (tally, ramp) = fleet::run(plan, progress.clone(), move || {
        let sample = (
            Instant::now(),
            Proc::Me.cpu(),
            server.and_then(Proc::cpu),
            server.and_then(Proc::rss_kib),
        );
        if let Ok(mut m) = marks.lock() {
            *m = Some(sample);
        }
    })
    .await?;
    reporter.abort();
    progress_line("");
    let end = (Instant::now(), Proc::Me.cpu(), server.and_then(Proc::cpu));
    let start = window_start.lock().ok().and_then(|m| *m);
    let secs = args.hold_secs.max(1e-9);
    let cpu = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => Some((b.saturating_sub(a)).as_secs_f64()),
        _ => None,
    };
    let client_cpu = start.and_then(|s| cpu(s.1, end.1));
    let server_cpu = start.and_then(|s| cpu(s.2, end.2));
    let rss_connected = start.and_then(|s| s.3);
    let rss_streaming = match streaming_rss {
        Some(task) => task.await.ok().flatten(),
        None => None,
    };
    // Every connected client is due every symbol of every tick of the window: the ticks the
    // clock put in the window, not the ones that arrived (a server silent at the start or the
    // end of the window must not count as delivering everything).
    let window = *progress
        .window
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let ticks = match (window, tally.interval_ms) {
        // With no frame at all to place the grid, assume it starts at a whole interval.
        (Some((from, to)), Some(interval)) => Some(fleet::ticks_in(
            from,
            to,
            tally.tick_time_ms.unwrap_or(0),
            interval,
        )),
        _ => None,
    };
    let per_tick = if args.batch { 1 } else { args.symbols };
    let due = ticks
        .filter(|_| !args.idle)
        .map(|ticks| (tally.connected * per_tick * ticks) as f64);
    let kib_per_conn = match (rss_before, rss_streaming) {
        (Some(b), Some(a)) if tally.connected > 0 => {
            Some((a as f64 - b as f64) / tally.connected as f64)
        }
        _ => None,
    };
    let ms = |us: u64| us as f64 / 1000.0;
    let opt = |v: Option<f64>, unit: &str| v.map_or("n/a".to_owned(), |v| format!("{v:.2}{unit}"));
    let rows = [
        (
            "clients connected / failed / closed early",
            format!(
                "{} / {} / {}",
                tally.connected, tally.failed, tally.closed_early
            ),
        ),
        ("ramp time", format!("{:.2} s", ramp.as_secs_f64())),
        ("measurement window", format!("{secs:.2} s")),
        ("frames received", tally.frames.to_string()),
        (
            "frames/s delivered",
            format!("{:.0}", tally.frames as f64 / secs),
        ),
        ("frames/s due", opt(due.map(|d| d / secs), "")),
        (
            "delivered / due",
            opt(due.map(|d| 100.0 * tally.frames as f64 / d.max(1.0)), " %"),
        ),
        ("MB/s", format!("{:.2}", tally.bytes as f64 / secs / 1e6)),
        (
            "latency p50 / p99 / max",
            format!(
                "{:.2} / {:.2} / {:.2} ms",
                ms(tally.latency.quantile(0.5)),
                ms(tally.latency.quantile(0.99)),
                ms(tally.latency.max())
            ),
        ),
        (
            "missed seq / duplicate seq / server-dropped ticks",
            format!(
                "{} / {} / {}",
                tally.missed, tally.duplicates, tally.dropped
            ),
        ),
        ("client CPU in window", opt(client_cpu, " s")),
        ("server CPU in window", opt(server_cpu, " s")),
        (
            "server RSS before / connected / peak in window",
            format!(
                "{} / {} / {} KiB",
                rss_before.map_or("n/a".into(), |v| v.to_string()),
                rss_connected.map_or("n/a".into(), |v| v.to_string()),
                rss_streaming.map_or("n/a".into(), |v| v.to_string())
            ),
        ),
        (
            "ticks due in window (clock)",
            ticks.map_or("n/a".into(), |t| t.to_string()),
        ),
        (
            "server KiB per connection (peak in window)",
            opt(kib_per_conn, ""),
        ),
    ];
    say("| metric | value |");
    say("| --- | --- |");
    for (k, v) in &rows {
        say(&format!("| {k} | {v} |"));
    }
    if !tally.errors.is_empty() {
        say(&format!("first errors: {:?}", tally.errors));
    }
    if !tally.closes.is_empty() {
        say(&format!("close codes: {:?}", tally.closes));
    }
    if args.json {
        say(&json!({
            "connected": tally.connected, "failed": tally.failed, "closed_early": tally.closed_early,
            "ramp_s": ramp.as_secs_f64(), "window_s": secs, "frames": tally.frames,
            "frames_per_s": tally.frames as f64 / secs, "due_per_s": due.map(|d| d / secs),
            "delivered_pct": due.map(|d| 100.0 * tally.frames as f64 / d.max(1.0)),
            "bytes": tally.bytes, "p50_ms": ms(tally.latency.quantile(0.5)),
            "p99_ms": ms(tally.latency.quantile(0.99)), "max_ms": ms(tally.latency.max()),
            "missed": tally.missed, "duplicates": tally.duplicates, "dropped": tally.dropped,
            "client_cpu_s": client_cpu, "server_cpu_s": server_cpu,
            "server_rss_before_kib": rss_before, "server_rss_connected_kib": rss_connected,
            "server_rss_window_peak_kib": rss_streaming, "window_ticks": ticks,
            "kib_per_conn": kib_per_conn,
        }).to_string());
    }
    if args.assert_clean {
        let problems = tally.failed + tally.closed_early + tally.missed + tally.duplicates;
        if problems > 0 || tally.connected != args.clients as u64 {
            return Err(format!(
                "not clean: {} failed, {} closed early, {} missed, {} duplicate",
                tally.failed, tally.closed_early, tally.missed, tally.duplicates
            ));
        }
        if !args.idle && tally.frames == 0 {
            return Err("no frames received".to_owned());
        }
    }
    Ok(())
}
