//! Test plumbing: [`spawn_app`] starts the real server on `127.0.0.1:0` with a
//! [`ManualClock`] stopped at [`NOW_MS`] and a market of seed [`SEED`], and returns a
//! [`TestApp`] to drive it (clock, market, connections, shutdown).
//!
//! Every await that depends on the server is bounded by [`IO_TIMEOUT`] (see [`within`]): a
//! misbehaving server fails a test instead of hanging the binary.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rest_api::{RestConfig, Settings};
use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::{Clock, ManualClock, Market, MarketConfig, Seq, SymbolId};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::client::{request_bytes, Client, Response};

/// The longest any single step of a test may wait on the server.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The market seed of every test server.
pub const SEED: u64 = 42;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Where every test clock starts: 12:34:56.789 UTC on the 11th day after the epoch, so the
/// current tick is mid-session and mid-minute.
pub const NOW_MS: i64 = DEFAULT_EPOCH_MS + 10 * DAY_MS + 45_296_789;

/// The configured symbols of the default market, in order.
pub const SYMBOLS: [&str; 5] = ["AAPL", "GOOGL", "MSFT", "AMZN", "TSLA"];

/// Awaits `fut`, failing the test if it takes longer than [`IO_TIMEOUT`].
pub async fn within<F: Future>(what: &str, fut: F) -> F::Output {
    match tokio::time::timeout(IO_TIMEOUT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("timed out after {IO_TIMEOUT:?} waiting for {what}"),
    }
}

/// A port on 127.0.0.1 that refuses connections for the whole run: bound, so that nothing
/// else can take it, but never listening.
pub fn refusing_port() -> u16 {
    static RESERVED: OnceLock<TcpSocket> = OnceLock::new();
    let socket = RESERVED.get_or_init(|| {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
        socket
    });
    socket.local_addr().unwrap().port()
}

/// The service settings of a test server: debug routes on, and a ws-server URL where
/// nothing listens, so no test ever probes a real process on the machine.
pub fn rest_config() -> RestConfig {
    RestConfig {
        debug_routes: true,
        ws_url: format!("ws://127.0.0.1:{}", refusing_port()),
        ..RestConfig::default()
    }
}

/// The market of a test server: the default symbols with a fixed seed.
pub fn market_config() -> MarketConfig {
    MarketConfig {
        seed: SEED,
        ..MarketConfig::default()
    }
}

/// A running server and what a test needs to drive it.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its clock; move it to move the market.
    pub clock: Arc<ManualClock>,
    /// The same market the server prices from.
    pub market: Arc<Market>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<io::Result<()>>,
}

/// Starts a server with [`rest_config`] and [`market_config`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(rest_config()).await
}

/// Starts a server with the given service settings and [`market_config`].
pub async fn spawn_app_with(rest: RestConfig) -> TestApp {
    spawn_app_on(rest, market_config()).await
}

/// Starts a server with the given service settings and market.
pub async fn spawn_app_on(rest: RestConfig, market: MarketConfig) -> TestApp {
    spawn_app_at(rest, market, NOW_MS).await
}

/// Starts a server with the given service settings and market, its clock at `now_ms`.
pub async fn spawn_app_at(rest: RestConfig, market: MarketConfig, now_ms: i64) -> TestApp {
    spawn_app_of(rest, Market::new(market).unwrap(), now_ms).await
}

/// Starts a server with the given service settings and market (e.g. with its own history
/// cache budget), its clock at `now_ms`.
pub async fn spawn_app_of(rest: RestConfig, market: Market, now_ms: i64) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clock = Arc::new(ManualClock::new(now_ms));
    let market = Arc::new(market);
    let settings = Settings {
        rest,
        market: market.clone(),
        clock: clock.clone(),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    // A dropped sender also stops the server, so a failing test never leaks it.
    let server = tokio::spawn(rest_api::run(listener, settings, async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        clock,
        market,
        stop: Some(stop),
        server,
    }
}

impl TestApp {
    /// A new connection to the server.
    pub async fn connect(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// `GET target` on a new connection.
    pub async fn get(&self, target: &str) -> Response {
        self.connect().await.get(target).await
    }

    /// The id of a configured symbol.
    pub fn id(&self, symbol: &str) -> SymbolId {
        self.market.lookup(symbol).unwrap()
    }

    /// The tick the server's clock is in.
    pub fn tick(&self) -> Seq {
        self.market.schedule().tick_at(self.clock.now_ms())
    }

    /// Moves the clock into tick `n` (a little after its start, so flooring is exercised).
    pub fn set_tick(&self, n: u64) {
        self.clock.set(self.market.schedule().time_of(Seq(n)) + 345);
    }

    /// The core's quote of `symbol` at tick `seq`, encoded as the server must send it.
    pub fn quote_json(&self, symbol: &str, seq: Seq) -> Vec<u8> {
        let mut out = Vec::new();
        self.market.quote(self.id(symbol), seq).write_json(&mut out);
        out
    }

    /// Resolves the server's shutdown future.
    pub fn trigger_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Whether `run` has returned.
    pub fn has_stopped(&self) -> bool {
        self.server.is_finished()
    }

    /// Waits (at most [`IO_TIMEOUT`]) for `run` to return, and returns its result.
    pub async fn stopped(self) -> io::Result<()> {
        within("the server to stop", self.server).await.unwrap()
    }
}
