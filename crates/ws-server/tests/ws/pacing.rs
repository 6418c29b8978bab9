//! Pacing, measured on real sockets: a replay at 1×, 10× and 600× delivers its ticks at the
//! rate its speed says, and a virtual clock at 60× makes the tick loop publish 60 one-second
//! ticks per wall second. Rates are counted frames per wall second, fitted over three seconds
//! (a least-squares slope, so a late frame at either end does not decide the result), and
//! must be within 2 % of the exact rate (printed, for the record).

#![allow(clippy::print_stderr)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ticker_core::{Clock, Market, MarketConfig, Seq, SystemClock, VirtualClock};
use ws_server::{Settings, WsConfig};

use crate::helpers::{config, connect, market_config, recv_json, recv_type, TestServer, Ws};

/// How long rates are measured.
const WINDOW: Duration = Duration::from_secs(3);
/// Frames before this are left out (connection set-up, first scheduling).
const SETTLE: Duration = Duration::from_millis(300);

/// The frames per wall second of `ws` (one `quotes` frame per tick), over [`WINDOW`].
async fn frames_per_second(ws: &mut Ws) -> (f64, usize) {
    let started = Instant::now();
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut last = 0;
    while started.elapsed() < SETTLE + WINDOW {
        let v = recv_json(ws).await;
        if v["type"] != "quotes" {
            continue;
        }
        assert!(v.get("dropped").is_none(), "a tick was dropped: {v}");
        let seq = v["seq"].as_u64().unwrap();
        assert!(last == 0 || seq == last + 1, "{seq} after {last}");
        last = seq;
        let t = started.elapsed();
        if t >= SETTLE {
            points.push((t.as_secs_f64(), seq as f64));
        }
    }
    let n = points.len() as f64;
    let (mt, ms) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (t, s)| (a + t / n, b + s / n));
    let (cov, var) = points.iter().fold((0.0, 0.0), |(c, v), (t, s)| {
        (c + (t - mt) * (s - ms), v + (t - mt) * (t - mt))
    });
    (cov / var, points.len())
}

/// A replay at `speed` of a market ticking every `interval_ms`: its measured rate.
async fn replay_rate(interval_ms: u64, speed: u32) -> (f64, f64) {
    let server = TestServer::spawn_market(
        config(),
        MarketConfig {
            interval_ms,
            ..market_config()
        },
    )
    .await;
    // From the start of the session (the clock is a thousand ticks into it): the replay never
    // catches up with now within the window. The session's first tick reports the interval
    // that ends at its boundary, so it closes the previous day (whose whole walk a replay
    // starting there needs); the tick after it is the first of the session.
    let first = server.market.schedule().session(server.seq()).first;
    let from = server.time_of(Seq(first.0 + 1));
    let mut ws = connect(
        &server,
        &format!("/ws?format=batch&symbols=AAPL&from={from}&speed={speed}"),
    )
    .await;
    recv_type(&mut ws, "welcome").await;
    let (rate, frames) = frames_per_second(&mut ws).await;
    let want = f64::from(speed) * 1000.0 / interval_ms as f64;
    eprintln!("replay {speed}× of {interval_ms} ms ticks: {rate:.2} frames/s over {frames} frames, want {want}");
    (rate, want)
}

fn assert_within_2_percent((got, want): (f64, f64)) {
    assert!(
        (got / want - 1.0).abs() < 0.02,
        "{got:.2} frames per second, want {want} ± 2 %"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_at_1x_sends_its_ticks_in_real_time() {
    // 5 ms ticks: 200 a second.
    assert_within_2_percent(replay_rate(5, 1).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_at_10x_is_ten_times_faster() {
    assert_within_2_percent(replay_rate(50, 10).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_at_600x_plays_ten_minutes_of_market_in_a_wall_second() {
    assert_within_2_percent(replay_rate(3000, 600).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_virtual_clock_at_60x_publishes_60_ticks_per_wall_second() {
    let market = Arc::new(Market::new(market_config_at(1000)).unwrap());
    let wall = SystemClock.now_ms();
    let start = market.schedule().time_of(Seq(40 * 86_400));
    let clock: Arc<dyn Clock> =
        Arc::new(VirtualClock::new(Arc::new(SystemClock), start, 60.0, wall));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = Settings {
        ws: WsConfig::default(),
        market,
        clock,
    };
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(ws_server::run(listener, settings, async {
        let _ = stopped.await;
    }));
    let (mut ws, _) =
        crate::helpers::connect_url(&format!("ws://{addr}/ws?format=batch&symbols=AAPL")).await;
    let welcome = recv_type(&mut ws, "welcome").await;
    assert_eq!(welcome["clock"]["kind"], "virtual");
    assert_eq!(welcome["clock"]["speed"], 60.0);
    let (rate, frames) = frames_per_second(&mut ws).await;
    eprintln!("virtual clock 60×: {rate:.2} ticks/s over {frames} frames");
    assert_within_2_percent((rate, 60.0));
}

fn market_config_at(interval_ms: u64) -> MarketConfig {
    MarketConfig {
        interval_ms,
        ..market_config()
    }
}
