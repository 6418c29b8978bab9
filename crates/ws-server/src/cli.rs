//! The ws-server command line. Every flag has a `TICKER_*` environment variable; market flags
//! are shared with the rest-api through [`MarketArgs`]. `docs/config.md` lists them all.
//! The rules each setting must follow are in `validate`, the fault-injection flags in `faults`.

use std::time::Duration;

use clap::{Args, Parser};
use ticker_core::MarketArgs;
use ticker_net::{ControlArgs, GatewayKeys, HeadLimits};

mod faults;
mod validate;

pub use faults::{FaultConfig, WsFaultLimits};

/// ticker WebSocket server: streams quotes with per-symbol subscriptions.
#[derive(Debug, Parser)]
#[command(name = "ws-server", version, about, long_about = None)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "TICKER_WS_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "TICKER_WS_PORT", default_value_t = 8001)]
    pub port: u16,

    /// Share the port with other ws-server processes (SO_REUSEPORT): the kernel spreads new
    /// connections over them. Every process with the same market settings sends the same
    /// bytes for the same seq, so clients cannot tell them apart.
    #[arg(long, env = "TICKER_WS_REUSE_PORT")]
    pub reuse_port: bool,

    /// Market settings shared with the rest-api.
    #[command(flatten)]
    pub market: MarketArgs,

    /// Service settings and limits.
    #[command(flatten)]
    pub ws: WsConfig,
}

/// Settings and limits of the WebSocket service.
#[derive(Debug, Clone, Args)]
pub struct WsConfig {
    /// Most concurrent WebSocket clients; more are answered HTTP 503 before the upgrade.
    #[arg(long, env = "TICKER_WS_MAX_CONNECTIONS", default_value_t = 19_500)]
    pub max_connections: usize,

    /// Most bytes in a client message or frame (closed with 1009 beyond).
    #[arg(long, env = "TICKER_WS_MAX_MESSAGE_BYTES", default_value_t = 16_384)]
    pub max_message_bytes: usize,

    /// Most symbols one connection may subscribe to.
    #[arg(long, env = "TICKER_WS_MAX_SYMBOLS", default_value_t = 1024)]
    pub max_symbols: usize,

    /// Client messages allowed per second, sustained (closed with 1008 beyond).
    #[arg(long, env = "TICKER_WS_MAX_MESSAGE_RATE", default_value_t = 20)]
    pub max_message_rate: u32,

    /// Client messages allowed in a burst above the sustained rate.
    #[arg(long, env = "TICKER_WS_MESSAGE_BURST", default_value_t = 40)]
    pub message_burst: u32,

    /// Milliseconds for the HTTP upgrade request to arrive in full.
    #[arg(long, env = "TICKER_WS_HANDSHAKE_TIMEOUT_MS", default_value_t = 10_000)]
    pub handshake_timeout_ms: u64,

    /// Milliseconds between WebSocket pings; a peer silent for twice this is closed.
    #[arg(long, env = "TICKER_WS_PING_INTERVAL_MS", default_value_t = 15_000)]
    pub ping_interval_ms: u64,

    /// Milliseconds a client may go without draining anything before it is closed (1008).
    #[arg(long, env = "TICKER_WS_STALL_TIMEOUT_MS", default_value_t = 10_000)]
    pub stall_timeout_ms: u64,

    /// Ticks a connection may have pending; older ones are dropped in favour of the newest.
    #[arg(long, env = "TICKER_WS_QUEUE_TICKS", default_value_t = 16)]
    pub queue_ticks: usize,

    /// Ticks kept for `since` resume; older requests get a snapshot plus a `gap` message.
    #[arg(long, env = "TICKER_WS_REPLAY_TICKS", default_value_t = 600)]
    pub replay_ticks: usize,

    /// Origins allowed to open a WebSocket, comma-separated; `*` allows any.
    #[arg(
        long,
        env = "TICKER_WS_ALLOWED_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub allowed_origins: Vec<String>,

    /// Kernel send buffer per connection in bytes (0 keeps the system default).
    #[arg(long, env = "TICKER_WS_SEND_BUFFER_BYTES", default_value_t = 0)]
    pub send_buffer_bytes: usize,

    /// Read buffer per connection in bytes (tungstenite allocates it up front).
    #[arg(long, env = "TICKER_WS_READ_BUFFER_BYTES", default_value_t = 1024)]
    pub read_buffer_bytes: usize,

    /// Milliseconds clients get to receive their close frame after SIGTERM.
    #[arg(long, env = "TICKER_WS_SHUTDOWN_GRACE_MS", default_value_t = 5_000)]
    pub shutdown_grace_ms: u64,

    /// Writer tasks that fan ticks out to the connections (0: one per core).
    #[arg(long, env = "TICKER_WS_WRITERS", default_value_t = 0)]
    pub writers: usize,

    /// Most connections replaying the past (?from=) at once; more are answered HTTP 503.
    #[arg(long, env = "TICKER_WS_MAX_REPLAYS", default_value_t = 64)]
    pub max_replays: usize,

    /// Fastest replay speed a client may ask for (?speed=, and the speed message).
    #[arg(long, env = "TICKER_WS_MAX_REPLAY_SPEED", default_value_t = 1000.0)]
    pub max_replay_speed: f64,

    /// Longest span of market time one replay may cover (from ?from= to ?to=, or to now), ms.
    #[arg(
        long,
        env = "TICKER_WS_MAX_REPLAY_RANGE_MS",
        default_value_t = 31_622_400_000
    )]
    pub max_replay_range_ms: u64,

    /// Finnhub tokens the /finnhub stream accepts, comma-separated; empty accepts any
    /// non-empty token (a sandbox).
    #[arg(long, env = "TICKER_FINNHUB_TOKENS", value_delimiter = ',')]
    pub finnhub_tokens: Vec<String>,

    /// Most symbols one /finnhub connection may subscribe to (Finnhub's free plan: 50).
    #[arg(long, env = "TICKER_FINNHUB_MAX_SYMBOLS", default_value_t = 50)]
    pub finnhub_max_symbols: usize,

    /// Milliseconds of silence after which a /finnhub connection gets {"type":"ping"}.
    #[arg(long, env = "TICKER_FINNHUB_PING_MS", default_value_t = 10_000)]
    pub finnhub_ping_ms: u64,

    /// Most streams one /binance connection may hold (Binance: 1024).
    #[arg(long, env = "TICKER_BINANCE_MAX_STREAMS", default_value_t = 1024)]
    pub binance_max_streams: usize,

    /// Incoming frames per second (text, ping, pong) a /binance connection may send before
    /// it is closed with 1008 (Binance: 5).
    #[arg(long, env = "TICKER_BINANCE_MAX_MESSAGES", default_value_t = 5)]
    pub binance_max_messages: u32,

    /// The clock control endpoint (off unless a token is set).
    #[command(flatten)]
    pub control: ControlArgs,

    /// Keys the vendor gateways (/alpaca, /polygon) accept (any non-empty one without them).
    #[command(flatten)]
    pub gateway_keys: GatewayKeys,

    /// Milliseconds a vendor-gateway client has to authenticate (Alpaca 404, Polygon
    /// auth_timeout, then close).
    #[arg(
        long,
        env = "TICKER_WS_GATEWAY_AUTH_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub gateway_auth_timeout_ms: u64,

    /// Most authenticated vendor-gateway sessions per API key and vendor (Alpaca 406, Polygon
    /// max_connections beyond).
    #[arg(
        long,
        env = "TICKER_WS_GATEWAY_MAX_SESSIONS_PER_KEY",
        default_value_t = 16
    )]
    pub gateway_max_sessions_per_key: usize,

    /// Fault injection (docs/faults.md).
    #[command(flatten)]
    pub faults: FaultConfig,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_connections: 19_500,
            max_message_bytes: 16_384,
            max_symbols: 1024,
            finnhub_tokens: Vec::new(),
            finnhub_max_symbols: 50,
            finnhub_ping_ms: 10_000,
            binance_max_streams: 1024,
            binance_max_messages: 5,
            max_message_rate: 20,
            message_burst: 40,
            handshake_timeout_ms: 10_000,
            ping_interval_ms: 15_000,
            stall_timeout_ms: 10_000,
            queue_ticks: 16,
            replay_ticks: 600,
            allowed_origins: vec!["*".to_owned()],
            send_buffer_bytes: 0,
            read_buffer_bytes: 1024,
            shutdown_grace_ms: 5_000,
            writers: 0,
            faults: FaultConfig::default(),
            max_replays: 64,
            max_replay_speed: 1000.0,
            max_replay_range_ms: 31_622_400_000,
            control: ControlArgs::default(),
            gateway_keys: GatewayKeys::default(),
            gateway_auth_timeout_ms: 10_000,
            gateway_max_sessions_per_key: 16,
        }
    }
}

impl WsConfig {
    /// Limits of the HTTP upgrade request. Only `/control/clock` takes a body, and only when
    /// a control token enables it.
    pub fn head_limits(&self) -> HeadLimits {
        let control = self.control.control();
        HeadLimits {
            max_header_bytes: 8192,
            max_uri_bytes: 2048,
            max_headers: 64,
            max_body_bytes: if control.enabled() {
                control.max_body() as u64
            } else {
                0
            },
        }
    }

    /// A millisecond setting as a duration.
    pub fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    /// Whether a browser page from `origin` may connect.
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        if self.allowed_origins.iter().any(|o| o.trim() == "*") {
            return true;
        }
        // Non-browser clients send no Origin; the check exists to stop other web pages.
        origin.is_none_or(|o| {
            self.allowed_origins
                .iter()
                .any(|a| a.trim().eq_ignore_ascii_case(o))
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn origins_are_checked_only_when_listed() {
        let any = WsConfig::default();
        assert!(any.origin_allowed(Some("http://x")));
        let listed = WsConfig {
            allowed_origins: vec!["http://localhost:5173".into()],
            ..WsConfig::default()
        };
        assert!(listed.origin_allowed(Some("http://localhost:5173")));
        assert!(!listed.origin_allowed(Some("http://evil.example")));
        assert!(listed.origin_allowed(None));
    }
}
