//! The ws-server's fault-injection flags: the shared switch from `ticker-net` with the
//! ws-server's own limits on what a connection may ask for (`docs/faults.md`).

use clap::Args;
use ticker_net::faults::{FaultArgs, FaultLimits};

use super::validate::check;

/// Fault injection: the switch and its limits (`docs/faults.md`).
pub type FaultConfig = FaultArgs<WsFaultLimits>;

/// The ws-server's own fault limits.
#[derive(Debug, Clone, Args)]
pub struct WsFaultLimits {
    /// Longest `fault_delay_ms` a connection may ask for.
    #[arg(
        long = "fault-max-delay-ms",
        value_name = "MS",
        env = "TICKER_WS_FAULT_MAX_DELAY_MS",
        default_value_t = 30_000
    )]
    pub max_delay_ms: u64,

    /// Longest `fault_stall_ms` a connection may ask for.
    #[arg(
        long = "fault-max-stall-ms",
        value_name = "MS",
        env = "TICKER_WS_FAULT_MAX_STALL_MS",
        default_value_t = 120_000
    )]
    pub max_stall_ms: u64,

    /// Most bytes of ticks one connection's delay and reorder faults may hold back; beyond, the
    /// oldest are dropped (and reported with `dropped`).
    #[arg(
        long = "fault-max-held-bytes",
        value_name = "BYTES",
        env = "TICKER_WS_FAULT_MAX_HELD_BYTES",
        default_value_t = 1 << 20
    )]
    pub max_held_bytes: usize,

    /// Largest `fault_reorder_window` (ticks) a connection may ask for.
    #[arg(
        long = "fault-max-reorder-window",
        value_name = "TICKS",
        env = "TICKER_WS_FAULT_MAX_REORDER_WINDOW",
        default_value_t = 64
    )]
    pub max_reorder_window: u64,
}

impl Default for WsFaultLimits {
    fn default() -> Self {
        Self {
            max_delay_ms: 30_000,
            max_stall_ms: 120_000,
            max_held_bytes: 1 << 20,
            max_reorder_window: 64,
        }
    }
}

impl FaultLimits for WsFaultLimits {
    const MODE_HELP: &'static str = "Inject the faults clients ask for with `fault_*` URL \
        parameters (allow), or refuse every such parameter with HTTP 400 (off)";
    const DEFAULTS_ENV: &'static str = "TICKER_WS_FAULT_DEFAULTS";
    const DEFAULTS_HELP: &'static str = "Fault parameters every connection gets unless its URL \
        sets them (e.g. `fault_drop=0.01&fault_disconnect_ms=60000-300000`); needs --faults allow";
    const MAX_CLIENTS_ENV: &'static str = "TICKER_WS_FAULT_MAX_CLIENTS";
    const MAX_CLIENTS_HELP: &'static str =
        "Most `fault_client` ids whose upgrade attempts are remembered (for `fault_refuse`)";
    const CLIENT_TTL_ENV: &'static str = "TICKER_WS_FAULT_CLIENT_TTL_MS";
    const CLIENT_TTL_HELP: &'static str =
        "Milliseconds after its last attempt that a `fault_client` id is forgotten";

    fn validate(&self) -> Result<(), String> {
        check(
            self.max_delay_ms <= 3_600_000,
            "fault-max-delay-ms",
            &self.max_delay_ms,
            "must be 0..=3600000",
        )?;
        check(
            self.max_stall_ms <= 3_600_000,
            "fault-max-stall-ms",
            &self.max_stall_ms,
            "must be 0..=3600000",
        )?;
        check(
            (1024..=64 << 20).contains(&self.max_held_bytes),
            "fault-max-held-bytes",
            &self.max_held_bytes,
            "must be 1024..=67108864",
        )?;
        check(
            (2..=4096).contains(&self.max_reorder_window),
            "fault-max-reorder-window",
            &self.max_reorder_window,
            "must be 2..=4096",
        )
    }
}
