//! The rest-api command line. Every flag has a `TICKER_*` environment variable; market flags
//! are shared with the ws-server through [`MarketArgs`]. `--help` is the reference;
//! `docs/config.md` repeats it with context.

use std::time::Duration;

use clap::{Args, Parser};
use ticker_core::MarketArgs;
use ticker_net::faults::{FaultArgs, FaultLimits};
use ticker_net::{ControlArgs, GatewayKeys, HeadLimits};

use crate::warm::WarmArgs;

/// The largest `--max-calendar-days`: every day from 1970-01-01 to 2100-12-31.
const MAX_CALENDAR_DAYS: usize = 47_847;

/// The URL of the WebSocket service when none is configured.
pub const DEFAULT_WS_URL: &str = "ws://127.0.0.1:8001";

/// ticker REST API: quotes, candles, health and metrics over HTTP.
#[derive(Debug, Parser)]
#[command(name = "rest-api", version, about, long_about = None)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "TICKER_REST_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "TICKER_REST_PORT", default_value_t = 8000)]
    pub port: u16,

    /// Market settings shared with the ws-server.
    #[command(flatten)]
    pub market: MarketArgs,

    /// Service settings and limits.
    #[command(flatten)]
    pub rest: RestConfig,
}

/// Settings and limits of the REST service.
#[derive(Debug, Clone, Args)]
pub struct RestConfig {
    /// WebSocket service URL: probed by /health, relayed to by /ws, advertised by / to clients.
    #[arg(long, env = "TICKER_WS_URL", default_value = DEFAULT_WS_URL)]
    pub ws_url: String,

    /// URL advertised to browsers when it differs from --ws-url (e.g. behind compose or a proxy).
    #[arg(long, env = "TICKER_WS_PUBLIC_URL")]
    pub ws_public_url: Option<String>,

    /// Origins allowed by CORS, comma-separated; `*` allows any.
    #[arg(
        long,
        env = "TICKER_REST_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_origins: Vec<String>,

    /// Most concurrent connections; more are answered 503.
    #[arg(long, env = "TICKER_REST_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,

    /// Most bytes in a request head (431 beyond).
    #[arg(long, env = "TICKER_REST_MAX_HEADER_BYTES", default_value_t = 16_384)]
    pub max_header_bytes: usize,

    /// Most bytes in a request target (414 beyond).
    #[arg(long, env = "TICKER_REST_MAX_URI_BYTES", default_value_t = 4096)]
    pub max_uri_bytes: usize,

    /// Most header fields in a request (431 beyond; at most 100).
    #[arg(long, env = "TICKER_REST_MAX_HEADERS", default_value_t = 64)]
    pub max_headers: usize,

    /// Most bytes in a request body (413 beyond). Only /control/clock takes one (and
    /// --control-max-body-bytes bounds it).
    #[arg(long, env = "TICKER_REST_MAX_BODY_BYTES", default_value_t = 16_384)]
    pub max_body_bytes: u64,

    /// Milliseconds for a request head to arrive in full (slowloris guard; 408 after).
    #[arg(long, env = "TICKER_REST_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,

    /// Milliseconds a keep-alive connection may idle between requests.
    #[arg(long, env = "TICKER_REST_IDLE_TIMEOUT_MS", default_value_t = 60_000)]
    pub idle_timeout_ms: u64,

    /// Milliseconds a client may stall reading a response before it is dropped.
    #[arg(long, env = "TICKER_REST_WRITE_TIMEOUT_MS", default_value_t = 30_000)]
    pub write_timeout_ms: u64,

    /// Milliseconds in-flight requests get to finish after SIGTERM.
    #[arg(long, env = "TICKER_REST_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,

    /// Most candles one history request returns.
    #[arg(long, env = "TICKER_REST_MAX_CANDLES", default_value_t = 1000)]
    pub max_candles: usize,

    /// Most ticks one history request may span (bounds the CPU time of its first, uncached
    /// computation).
    #[arg(
        long,
        env = "TICKER_REST_MAX_HISTORY_TICKS",
        default_value_t = 40_000_000
    )]
    pub max_history_ticks: u64,

    /// The history warm-up (`--history-warm-days`).
    #[command(flatten)]
    pub history_warm: WarmArgs,

    /// Most trades one trades request returns (`limit`; more come in pages).
    #[arg(long, env = "TICKER_REST_MAX_TRADES", default_value_t = 1000)]
    pub max_trades: usize,

    /// Most days one calendar request may span (from..=to).
    #[arg(long, env = "TICKER_REST_MAX_CALENDAR_DAYS", default_value_t = 366)]
    pub max_calendar_days: usize,

    /// Finnhub tokens the Finnhub gateway accepts, comma-separated; empty accepts any
    /// non-empty token (a sandbox).
    #[arg(long, env = "TICKER_FINNHUB_TOKENS", value_delimiter = ',')]
    pub finnhub_tokens: Vec<String>,

    /// Milliseconds the /health probe of the ws-server may take.
    #[arg(long, env = "TICKER_REST_PROBE_TIMEOUT_MS", default_value_t = 500)]
    pub probe_timeout_ms: u64,

    /// Milliseconds a ws-server probe result is reused by /health.
    #[arg(long, env = "TICKER_REST_PROBE_CACHE_MS", default_value_t = 3000)]
    pub probe_cache_ms: u64,

    /// Most WebSocket connections relayed at /ws to the ws-server at once (503 beyond; 0 turns
    /// the relay off). Each holds a client socket and one to the ws-server.
    #[arg(
        long,
        env = "TICKER_REST_MAX_RELAY_CONNECTIONS",
        default_value_t = 1024
    )]
    pub max_relay_connections: usize,

    /// Milliseconds the /ws relay may take to connect to the ws-server (503 after).
    #[arg(
        long,
        env = "TICKER_REST_RELAY_CONNECT_TIMEOUT_MS",
        default_value_t = 2000
    )]
    pub relay_connect_timeout_ms: u64,

    /// Milliseconds the ws-server may take to answer a relayed upgrade (503 after).
    #[arg(
        long,
        env = "TICKER_REST_RELAY_HANDSHAKE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub relay_handshake_timeout_ms: u64,

    /// Milliseconds a relayed connection may pass no byte either way before it is closed
    /// (keep it above the ws-server's --ping-interval-ms).
    #[arg(
        long,
        env = "TICKER_REST_RELAY_IDLE_TIMEOUT_MS",
        default_value_t = 60_000
    )]
    pub relay_idle_timeout_ms: u64,

    /// The clock control endpoint (off unless a token is set).
    #[command(flatten)]
    pub control: ControlArgs,

    /// Keys the vendor gateways (/alpaca, /polygon) accept (any non-empty one without them).
    #[command(flatten)]
    pub gateway_keys: GatewayKeys,

    /// Most heavy requests (history, bars, vendor candles and snapshots, past quotes: more
    /// than 50 000 ticks of work) computed at once; the rest wait their turn.
    #[arg(long, env = "TICKER_REST_MAX_HEAVY_REQUESTS", default_value_t = 16)]
    pub max_heavy_requests: usize,

    /// Most symbols in one vendor-gateway request (`symbols=A,B,…`, `tickers=…`).
    #[arg(long, env = "TICKER_REST_MAX_GATEWAY_SYMBOLS", default_value_t = 1000)]
    pub max_gateway_symbols: usize,

    /// Serve /debug/panic and /debug/sleep (tests only).
    #[arg(long, env = "TICKER_REST_DEBUG_ROUTES", hide = true)]
    pub debug_routes: bool,

    /// Fault injection (docs/faults.md).
    #[command(flatten)]
    pub faults: FaultConfig,
}

/// Fault injection: the switch and its limits (`docs/faults.md`).
pub type FaultConfig = FaultArgs<RestFaultLimits>;

/// The rest-api's own fault limits.
#[derive(Debug, Clone, Args)]
pub struct RestFaultLimits {
    /// Longest `fault_latency_ms` a request may ask for.
    #[arg(
        long = "fault-max-latency-ms",
        value_name = "MS",
        env = "TICKER_REST_FAULT_MAX_LATENCY_MS",
        default_value_t = 30_000
    )]
    pub max_latency_ms: u64,

    /// Longest `fault_hang_ms` a request may ask for (then the connection is closed unanswered).
    #[arg(
        long = "fault-max-hang-ms",
        value_name = "MS",
        env = "TICKER_REST_FAULT_MAX_HANG_MS",
        default_value_t = 120_000
    )]
    pub max_hang_ms: u64,
}

impl Default for RestFaultLimits {
    fn default() -> Self {
        Self {
            max_latency_ms: 30_000,
            max_hang_ms: 120_000,
        }
    }
}

impl FaultLimits for RestFaultLimits {
    const MODE_HELP: &'static str = "Inject the faults requests ask for with `fault_*` query \
        parameters or the x-ticker-fault header (allow), or refuse every such request with HTTP \
        400 (off)";
    const DEFAULTS_ENV: &'static str = "TICKER_REST_FAULT_DEFAULTS";
    const DEFAULTS_HELP: &'static str = "Fault parameters every /api/ request gets unless it \
        sets them (e.g. `fault_status=503&fault_rate=0.05`); needs --faults allow";
    const MAX_CLIENTS_ENV: &'static str = "TICKER_REST_FAULT_MAX_CLIENTS";
    const MAX_CLIENTS_HELP: &'static str = "Most clients (`fault_client` ids, or distinct fault \
        parameter sets) whose requests are counted for `fault_rate`";
    const CLIENT_TTL_ENV: &'static str = "TICKER_REST_FAULT_CLIENT_TTL_MS";
    const CLIENT_TTL_HELP: &'static str =
        "Milliseconds after its last request that a client's count is forgotten";

    fn validate(&self) -> Result<(), String> {
        if self.max_latency_ms > 3_600_000 {
            return Err(format!(
                "--fault-max-latency-ms: {} must be 0..=3600000",
                self.max_latency_ms
            ));
        }
        if self.max_hang_ms > 3_600_000 {
            return Err(format!(
                "--fault-max-hang-ms: {} must be 0..=3600000",
                self.max_hang_ms
            ));
        }
        Ok(())
    }
}

impl Default for RestConfig {
    fn default() -> Self {
        Self {
            ws_url: DEFAULT_WS_URL.to_owned(),
            ws_public_url: None,
            cors_origins: vec!["*".to_owned()],
            max_connections: 4096,
            max_header_bytes: 16_384,
            max_uri_bytes: 4096,
            max_headers: 64,
            max_body_bytes: 16_384,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            write_timeout_ms: 30_000,
            shutdown_grace_ms: 10_000,
            max_candles: 1000,
            max_history_ticks: 40_000_000,
            history_warm: WarmArgs::default(),
            max_trades: 1000,
            max_calendar_days: 366,
            finnhub_tokens: Vec::new(),
            probe_timeout_ms: 500,
            probe_cache_ms: 3000,
            max_relay_connections: 1024,
            relay_connect_timeout_ms: 2000,
            relay_handshake_timeout_ms: 5000,
            relay_idle_timeout_ms: 60_000,
            control: ControlArgs::default(),
            gateway_keys: GatewayKeys::default(),
            max_heavy_requests: 16,
            max_gateway_symbols: 1000,
            debug_routes: false,
            faults: FaultConfig::default(),
        }
    }
}

impl RestConfig {
    /// Checks the settings; the error names the flag and the value.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |flag: &str, value: &dyn std::fmt::Display, rule: &str| {
            Err(format!("--{flag}: {value} {rule}"))
        };
        let urls = std::iter::once(("ws-url", &self.ws_url))
            .chain(self.ws_public_url.iter().map(|u| ("ws-public-url", u)));
        for (flag, url) in urls {
            if !(url.starts_with("ws://") || url.starts_with("wss://"))
                || url
                    .parse::<http::Uri>()
                    .map_or(true, |u| u.host().is_none())
            {
                return bad(flag, url, "is not a ws:// or wss:// URL with a host");
            }
        }
        if self.max_connections == 0 {
            return bad(
                "max-connections",
                &self.max_connections,
                "must be at least 1",
            );
        }
        if !(1024..=1 << 20).contains(&self.max_header_bytes) {
            return bad(
                "max-header-bytes",
                &self.max_header_bytes,
                "must be 1024..=1048576",
            );
        }
        if !(64..=self.max_header_bytes).contains(&self.max_uri_bytes) {
            return bad(
                "max-uri-bytes",
                &self.max_uri_bytes,
                "must be 64..=max-header-bytes",
            );
        }
        if !(1..=100).contains(&self.max_headers) {
            return bad("max-headers", &self.max_headers, "must be 1..=100");
        }
        if self.header_timeout_ms == 0 || self.idle_timeout_ms == 0 || self.write_timeout_ms == 0 {
            return Err("timeouts must be at least 1 ms".to_owned());
        }
        if self.max_history_ticks == 0 {
            return bad("max-history-ticks", &0, "must be at least 1");
        }
        self.history_warm.validate()?;
        for (flag, value) in [
            ("relay-connect-timeout-ms", self.relay_connect_timeout_ms),
            (
                "relay-handshake-timeout-ms",
                self.relay_handshake_timeout_ms,
            ),
            ("relay-idle-timeout-ms", self.relay_idle_timeout_ms),
        ] {
            if value == 0 {
                return bad(flag, &0, "must be at least 1");
            }
        }
        if self.probe_timeout_ms == 0 {
            return bad("probe-timeout-ms", &0, "must be at least 1");
        }
        if !(1..=100_000).contains(&self.max_candles) {
            return bad("max-candles", &self.max_candles, "must be 1..=100000");
        }
        if !(1..=1024).contains(&self.max_heavy_requests) {
            return bad(
                "max-heavy-requests",
                &self.max_heavy_requests,
                "must be 1..=1024",
            );
        }
        if !(1..=10_000).contains(&self.max_gateway_symbols) {
            return bad(
                "max-gateway-symbols",
                &self.max_gateway_symbols,
                "must be 1..=10000",
            );
        }
        if !(1..=50_000).contains(&self.max_trades) {
            return bad("max-trades", &self.max_trades, "must be 1..=50000");
        }
        if !(1..=MAX_CALENDAR_DAYS).contains(&self.max_calendar_days) {
            return bad(
                "max-calendar-days",
                &self.max_calendar_days,
                "must be 1..=47847",
            );
        }
        if self.cors_origins.is_empty() {
            return bad("cors-origins", &"(empty)", "must list origins or be *");
        }
        let f = &self.faults;
        f.validate()?;
        crate::faults::Faults::new(f)?;
        self.control.validate()
    }

    /// The URL `/` advertises to clients.
    pub fn public_ws_url(&self) -> &str {
        self.ws_public_url.as_deref().unwrap_or(&self.ws_url)
    }

    /// Head limits for the connection guard.
    pub fn head_limits(&self) -> HeadLimits {
        HeadLimits {
            max_header_bytes: self.max_header_bytes,
            max_uri_bytes: self.max_uri_bytes,
            max_headers: self.max_headers,
            max_body_bytes: self.max_body_bytes,
        }
    }

    /// `ms` flags as durations.
    pub(crate) fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
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
    fn defaults_validate_and_bad_values_name_the_flag() {
        RestConfig::default().validate().unwrap();
        let cfg = RestConfig {
            ws_url: "http://x".into(),
            ..RestConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--ws-url: http://x is not a ws:// or wss:// URL with a host"
        );
        let cfg = RestConfig {
            max_headers: 500,
            ..RestConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--max-headers: 500 must be 1..=100"
        );
        let cfg = RestConfig {
            max_calendar_days: 0,
            ..RestConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--max-calendar-days: 0 must be 1..=47847"
        );
        let cfg = RestConfig {
            history_warm: WarmArgs {
                days: 3661,
                ..WarmArgs::default()
            },
            ..RestConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--history-warm-days: 3661 must be 0..=3660"
        );
        let cfg = RestConfig {
            max_heavy_requests: 0,
            ..RestConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--max-heavy-requests: 0 must be 1..=1024"
        );
    }

    #[test]
    fn help_documents_every_env_var() {
        let help = Cli::command().render_long_help().to_string();
        for var in [
            "TICKER_REST_PORT",
            "TICKER_SEED",
            "TICKER_WS_URL",
            "TICKER_REST_MAX_CONNECTIONS",
        ] {
            assert!(help.contains(var), "{var} missing from --help");
        }
    }
}
