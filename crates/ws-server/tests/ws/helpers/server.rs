//! The server under test: started on `127.0.0.1:0` with a [`ManualClock`], steered through
//! its clock, observed through `/metrics`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ticker_core::{Clock, ManualClock, Market, MarketConfig, Seq, SymbolId};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use ws_server::{Settings, WsConfig};

use super::raw::{http_get, try_http_get};

/// Milliseconds between ticks of the test market: short, so that on a running clock the tick
/// loop (which sleeps at most one interval) publishes within a few milliseconds; a manual
/// clock it polls every 50 ms.
pub const INTERVAL_MS: u64 = 10;
/// How long any single await may take before the test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The market every test server runs: the default symbols at a 10 ms interval.
pub fn market_config() -> MarketConfig {
    MarketConfig {
        interval_ms: INTERVAL_MS,
        ..MarketConfig::default()
    }
}

/// Limits for tests: defaults, with a short replay window so "beyond the cap" is cheap.
pub fn config() -> WsConfig {
    WsConfig {
        replay_ticks: 20,
        ..WsConfig::default()
    }
}

/// The tick the test clock starts at: a little into a session, so computing a quote from
/// scratch (`Market::quote`, O(ticks since the session opened)) stays cheap.
pub fn start_seq(market: &Market) -> Seq {
    let day = market
        .schedule()
        .tick_at(market.schedule().epoch_ms() + 30 * 86_400_000);
    Seq(market.schedule().session(day).first.0 + 1_000)
}

/// A manual clock stopped exactly at [`start_seq`].
pub fn start_clock(market: &Market) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        market.schedule().time_of(start_seq(market)),
    ))
}

/// A running server and the handles a test needs to steer it.
pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub market: Arc<Market>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<io::Result<()>>>,
}

impl TestServer {
    /// Starts a server with its own clock at [`start_seq`].
    pub async fn spawn(ws: WsConfig) -> Self {
        let market = Arc::new(Market::new(market_config()).unwrap());
        let clock = start_clock(&market);
        Self::spawn_with(ws, market, clock).await
    }

    /// Starts a server on another market, its clock at that market's [`start_seq`].
    pub async fn spawn_market(ws: WsConfig, config: MarketConfig) -> Self {
        let market = Arc::new(Market::new(config).unwrap());
        let clock = start_clock(&market);
        Self::spawn_with(ws, market, clock).await
    }

    /// Starts a server on a given market and clock (two servers may share them).
    pub async fn spawn_with(ws: WsConfig, market: Arc<Market>, clock: Arc<ManualClock>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let settings = Settings {
            ws,
            market: market.clone(),
            clock: clock.clone(),
        };
        let handle = tokio::spawn(ws_server::run(listener, settings, async {
            let _ = stopped.await;
        }));
        let server = Self {
            addr,
            clock,
            market,
            stop: Some(stop),
            handle: Some(handle),
        };
        // `run` computes the replay window before it accepts; wait until it answers.
        server
            .wait_for_metric("ticker_ws_market_tick", |_| true)
            .await;
        server
    }

    /// `ws://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// The tick the clock is at now.
    pub fn seq(&self) -> Seq {
        self.market.schedule().tick_at(self.clock.now_ms())
    }

    /// Moves the clock `ticks` intervals forward and returns the new current tick.
    pub fn advance(&self, ticks: u64) -> Seq {
        let interval = self.market.schedule().interval_ms();
        self.clock.advance((ticks * interval) as i64);
        self.seq()
    }

    /// The clock's time.
    pub fn clock_now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The time of tick `seq`.
    pub fn time_of(&self, seq: Seq) -> i64 {
        self.market.schedule().time_of(seq)
    }

    /// Symbol names in market order.
    pub fn symbols(&self) -> Vec<&str> {
        self.market
            .ids()
            .map(|id| self.market.info(id).symbol.as_str())
            .collect()
    }

    /// The id of a symbol name.
    pub fn id(&self, symbol: &str) -> SymbolId {
        self.market.lookup(symbol).unwrap()
    }

    /// Triggers shutdown and returns the running `run` future's handle.
    pub fn shutdown(&mut self) -> JoinHandle<io::Result<()>> {
        let _ = self.stop.take().unwrap().send(());
        self.handle.take().unwrap()
    }

    /// A metric's current value from `GET /metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let resp = http_get(self.addr, "/metrics").await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        metric_value(&resp.body, name)
    }

    /// Polls `/metrics` until `name` satisfies `ok`; returns the value.
    pub async fn wait_for_metric(&self, name: &str, ok: impl Fn(u64) -> bool) -> u64 {
        let poll = async {
            loop {
                if let Ok(resp) = try_http_get(self.addr, "/metrics").await {
                    if resp.status == 200 {
                        let value = metric_value(&resp.body, name);
                        if ok(value) {
                            return value;
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        timeout(PATIENCE, poll)
            .await
            .unwrap_or_else(|_| panic!("metric {name} never reached the expected value"))
    }
}

/// Polls `/health` until its JSON satisfies `ok`.
pub async fn wait_for_health(server: &TestServer, ok: impl Fn(&serde_json::Value) -> bool) {
    let poll = async {
        loop {
            if let Ok(resp) = try_http_get(server.addr, "/health").await {
                if resp.status == 200 && ok(&resp.json()) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    timeout(PATIENCE, poll)
        .await
        .unwrap_or_else(|_| panic!("/health never reached the expected state"));
}

/// Parses one unlabelled sample out of a Prometheus text page.
pub fn metric_value(page: &str, name: &str) -> u64 {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (key, value) = l.split_once(' ')?;
            (key == name).then(|| value.trim().parse::<f64>().ok())?
        })
        .unwrap_or_else(|| panic!("metric {name} missing from:\n{page}")) as u64
}
