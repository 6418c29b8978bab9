//! Both ticker services, in-process on 127.0.0.1, sharing one [`Market`] and one
//! [`ManualClock`]: the test decides when a tick happens, so a price read from the page can be
//! compared with the REST quote of the very same `seq`. [`Services::start_apart`] gives each
//! service its own manual clock and a control token instead, as two processes run with
//! `--clock manual`: only `/control/clock` (scripts/clock.sh) moves them.
//!
//! The ws-server's port is picked once (bind `127.0.0.1:0`, keep the listener) and reused when
//! the server is restarted, as a real deployment would: the page must find it again at the
//! URL it was given.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rest_api::RestConfig;
use serde_json::Value;
use ticker_core::{Clock, ManualClock, Market, MarketConfig, Seq};
use ticker_net::faults::FaultMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ws_server::WsConfig;

use crate::TestResult;

/// Milliseconds between ticks. With a manual clock the value only sets the candle grid: four
/// ticks per one-second candle give the chart real bodies and wicks.
pub(crate) const INTERVAL_MS: u64 = 250;
const DAY_MS: i64 = 86_400_000;

/// One running service and the means to stop it.
struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl Running {
    fn spawn<F>(serve: impl FnOnce(oneshot::Receiver<()>) -> F) -> Self
    where
        F: std::future::Future<Output = io::Result<()>> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel();
        Self {
            stop: Some(stop),
            task: tokio::spawn(serve(stopped)),
        }
    }

    /// Triggers the shutdown future and waits (bounded) for `run` to return.
    async fn stop(mut self, name: &str) -> TestResult<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match tokio::time::timeout(Duration::from_secs(10), &mut self.task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("{name} failed: {e}").into()),
            Ok(Err(e)) => Err(format!("{name} task panicked: {e}").into()),
            Err(_) => Err(format!("{name} did not shut down within 10 s").into()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The rest-api and the ws-server on one manual clock.
pub(crate) struct Services {
    /// The clock both services read; advance it to make ticks (the rest-api's, when apart).
    pub(crate) clock: Arc<ManualClock>,
    /// The ws-server's clock: the same one, unless started apart.
    ws_clock: Arc<ManualClock>,
    /// The ws-server's control token, if any.
    control_token: Option<String>,
    /// The ws-server's `--faults` (kept for restarts).
    faults: FaultMode,
    /// The market both services compute from.
    pub(crate) market: Arc<Market>,
    /// Where the rest-api listens (and serves `/dashboard`).
    pub(crate) rest_addr: SocketAddr,
    /// Where the ws-server listens, across restarts.
    pub(crate) ws_addr: SocketAddr,
    rest: Option<Running>,
    ws: Option<Running>,
}

impl Services {
    /// Starts both services on fresh ports, the clock ten minutes into a session (so the
    /// session trackers have little history to walk).
    pub(crate) async fn start() -> TestResult<Self> {
        Self::start_with(MarketConfig {
            interval_ms: INTERVAL_MS,
            ..MarketConfig::default()
        })
        .await
    }

    /// [`Services::start`] with another market.
    pub(crate) async fn start_with(config: MarketConfig) -> TestResult<Self> {
        Self::launch(config, None).await
    }

    /// [`Services::start_with`], the clock at `start_ms`.
    pub(crate) async fn start_at(config: MarketConfig, start_ms: i64) -> TestResult<Self> {
        Self::launch_at(config, None, start_ms, FaultMode::Off).await
    }

    /// Each service with its own manual clock (stopped at the same time) and `/control/clock`
    /// enabled with `token`, as `--clock manual --control-token` processes.
    pub(crate) async fn start_apart(mut config: MarketConfig, token: &str) -> TestResult<Self> {
        // Configured as the manual kind, as those processes are: a step longer than the
        // queue is a jump (a gap and the new tick), not a catch-up through every tick.
        config.clock.kind = Some(ticker_core::ClockKind::Manual);
        Self::launch(config, Some(token)).await
    }

    /// [`Services::start_apart`] with the clocks at `start_ms` and `--faults allow` on both
    /// services, as `scripts/run.sh --clock manual --faults allow` starts them.
    pub(crate) async fn start_apart_with_faults(
        mut config: MarketConfig,
        token: &str,
        start_ms: i64,
    ) -> TestResult<Self> {
        config.clock.kind = Some(ticker_core::ClockKind::Manual);
        Self::launch_at(config, Some(token), start_ms, FaultMode::Allow).await
    }

    async fn launch(config: MarketConfig, token: Option<&str>) -> TestResult<Self> {
        let start = config.epoch_ms + 30 * DAY_MS + 10 * 60_000;
        Self::launch_at(config, token, start, FaultMode::Off).await
    }

    async fn launch_at(
        config: MarketConfig,
        token: Option<&str>,
        start: i64,
        faults: FaultMode,
    ) -> TestResult<Self> {
        let market = Arc::new(Market::new(config)?);
        let clock = Arc::new(ManualClock::new(start));
        let ws_clock = match token {
            Some(_) => Arc::new(ManualClock::new(start)),
            None => clock.clone(),
        };

        let ws_listener = TcpListener::bind("127.0.0.1:0").await?;
        let ws_addr = ws_listener.local_addr()?;
        let rest_listener = TcpListener::bind("127.0.0.1:0").await?;
        let rest_addr = rest_listener.local_addr()?;

        let mut rest = RestConfig {
            ws_url: format!("ws://{ws_addr}"),
            // /health follows the ws-server within a poll, not after a 3 s cache.
            probe_cache_ms: 100,
            shutdown_grace_ms: 1000,
            ..RestConfig::default()
        };
        rest.control.control_token = token.map(str::to_owned);
        rest.faults.mode = faults;
        let settings = rest_api::Settings {
            rest,
            market: market.clone(),
            clock: clock.clone() as Arc<dyn Clock>,
        };
        let rest = Running::spawn(|stopped| async move {
            rest_api::run(rest_listener, settings, async move {
                let _ = stopped.await;
            })
            .await
        });

        let mut services = Self {
            clock,
            ws_clock,
            control_token: token.map(str::to_owned),
            faults,
            market,
            rest_addr,
            ws_addr,
            rest: Some(rest),
            ws: None,
        };
        services.spawn_ws(ws_listener);
        Ok(services)
    }

    fn spawn_ws(&mut self, listener: TcpListener) {
        let mut ws = WsConfig {
            // Room for a burst of ticks without a lagging receiver dropping any.
            queue_ticks: 256,
            shutdown_grace_ms: 2000,
            ..WsConfig::default()
        };
        ws.control.control_token = self.control_token.clone();
        ws.faults.mode = self.faults;
        let settings = ws_server::Settings {
            ws,
            market: self.market.clone(),
            clock: self.ws_clock.clone() as Arc<dyn Clock>,
        };
        self.ws = Some(Running::spawn(|stopped| async move {
            ws_server::run(listener, settings, async move {
                let _ = stopped.await;
            })
            .await
        }));
    }

    /// Shuts the ws-server down (its clients get close 1001) and waits until it has.
    pub(crate) async fn stop_ws(&mut self) -> TestResult<()> {
        match self.ws.take() {
            Some(ws) => ws.stop("ws-server").await,
            None => Ok(()),
        }
    }

    /// Starts the ws-server again on the port it had.
    pub(crate) async fn restart_ws(&mut self) -> TestResult<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(self.ws_addr).await {
                Ok(l) => break l,
                // The old listener may take a moment to be released.
                Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => {
                    return Err(format!("cannot bind {} again: {e}", self.ws_addr).into());
                }
            }
        };
        self.spawn_ws(listener);
        Ok(())
    }

    /// Stops both services.
    pub(crate) async fn stop(mut self) -> TestResult<()> {
        self.stop_ws().await?;
        match self.rest.take() {
            Some(rest) => rest.stop("rest-api").await,
            None => Ok(()),
        }
    }

    /// The tick the clock is in.
    pub(crate) fn seq(&self) -> u64 {
        let Seq(seq) = self.market.schedule().tick_at(self.clock.now_ms());
        seq
    }

    /// Moves the clock `ticks` ticks forward (both clocks, when apart); returns the new tick.
    pub(crate) fn advance(&self, ticks: u64) -> u64 {
        let interval = self.market.schedule().interval_ms();
        self.clock.advance((ticks * interval) as i64);
        if !Arc::ptr_eq(&self.clock, &self.ws_clock) {
            self.ws_clock.advance((ticks * interval) as i64);
        }
        self.seq()
    }

    /// The time of tick `seq`.
    pub(crate) fn time_of(&self, seq: u64) -> i64 {
        self.market.schedule().time_of(Seq(seq))
    }

    /// The symbols of the market, in market order.
    pub(crate) fn symbols(&self) -> Vec<String> {
        self.market
            .ids()
            .map(|id| self.market.info(id).symbol.as_str().to_owned())
            .collect()
    }

    /// `GET path` on the rest-api, as JSON (any status other than 200 is an error).
    pub(crate) async fn rest_json(&self, path: &str) -> TestResult<Value> {
        get_json(self.rest_addr, path).await
    }

    /// REST's price of `sym` at tick `seq`: `at=` the tick's time (the current tick included),
    /// and an error unless REST answers for that very tick.
    pub(crate) async fn rest_price_at(&self, sym: &str, seq: u64) -> TestResult<f64> {
        let at = self.time_of(seq);
        let v = self
            .rest_json(&format!("/api/v1/latest/{sym}?at={at}"))
            .await?;
        if v.get("seq").and_then(Value::as_u64) != Some(seq) {
            return Err(format!("REST at={at} answered seq {:?}, not {seq}", v.get("seq")).into());
        }
        v.get("price")
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("no price in {v}").into())
    }
}

/// A minimal HTTP/1.1 GET with `Connection: close`: enough for a JSON endpoint.
async fn get_json(addr: SocketAddr, path: &str) -> TestResult<Value> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::with_capacity(4096);
        stream.read_to_end(&mut raw).await?;
        Ok::<_, io::Error>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| format!("GET {path}: no answer within 5 s"))??;
    let text = String::from_utf8(raw)?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: malformed response {text:?}"))?;
    let status = head.lines().next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200") {
        return Err(format!("GET {path}: {status}: {body}").into());
    }
    Ok(serde_json::from_str(body)?)
}
