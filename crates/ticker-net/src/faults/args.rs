//! [`FaultArgs`]: the fault-injection flags both services share (`--faults`,
//! `--fault-defaults`, `--fault-max-clients`, `--fault-client-ttl-ms`), around each service's
//! own limits ([`FaultLimits`]), which also give the shared flags their environment variables
//! and the words of their help.

use clap::Args;

use super::FaultMode;

/// A service's own fault limits (flattened between `--fault-defaults` and
/// `--fault-max-clients`), and how the shared flags read on that service.
pub trait FaultLimits: Args + Clone + Default + std::fmt::Debug {
    /// `--faults`' help: what is injected or refused.
    const MODE_HELP: &'static str;
    /// `--fault-defaults`' environment variable.
    const DEFAULTS_ENV: &'static str;
    /// `--fault-defaults`' help.
    const DEFAULTS_HELP: &'static str;
    /// `--fault-max-clients`' environment variable.
    const MAX_CLIENTS_ENV: &'static str;
    /// `--fault-max-clients`' help.
    const MAX_CLIENTS_HELP: &'static str;
    /// `--fault-client-ttl-ms`' environment variable.
    const CLIENT_TTL_ENV: &'static str;
    /// `--fault-client-ttl-ms`' help.
    const CLIENT_TTL_HELP: &'static str;

    /// Checks the limits; the error names the flag and the value.
    fn validate(&self) -> Result<(), String>;
}

/// Fault injection: the switch and its limits (`docs/faults.md`).
#[derive(Debug, Clone, Args)]
pub struct FaultArgs<L: FaultLimits> {
    /// Inject the faults asked for (allow), or refuse every fault parameter with HTTP 400 (off).
    #[arg(
        long = "faults",
        env = "TICKER_FAULTS",
        value_enum,
        default_value_t = FaultMode::Off,
        help = L::MODE_HELP
    )]
    pub mode: FaultMode,

    /// Fault parameters every request or connection gets unless it sets them.
    #[arg(
        long = "fault-defaults",
        value_name = "QUERY",
        env = L::DEFAULTS_ENV,
        help = L::DEFAULTS_HELP
    )]
    pub defaults: Option<String>,

    /// The service's own limits.
    #[command(flatten)]
    pub limits: L,

    /// Most clients whose attempts or requests are counted.
    #[arg(
        long = "fault-max-clients",
        value_name = "N",
        env = L::MAX_CLIENTS_ENV,
        default_value_t = 10_000,
        help = L::MAX_CLIENTS_HELP
    )]
    pub max_clients: usize,

    /// Milliseconds after its last attempt or request that a client is forgotten.
    #[arg(
        long = "fault-client-ttl-ms",
        value_name = "MS",
        env = L::CLIENT_TTL_ENV,
        default_value_t = 600_000,
        help = L::CLIENT_TTL_HELP
    )]
    pub client_ttl_ms: u64,
}

impl<L: FaultLimits> Default for FaultArgs<L> {
    fn default() -> Self {
        Self {
            mode: FaultMode::Off,
            defaults: None,
            limits: L::default(),
            max_clients: 10_000,
            client_ttl_ms: 600_000,
        }
    }
}

impl<L: FaultLimits> FaultArgs<L> {
    /// Every fault allowed, with the default limits (for tests and examples).
    pub fn allow() -> Self {
        Self {
            mode: FaultMode::Allow,
            ..Self::default()
        }
    }

    /// Checks the service's limits, then the shared flags; the error names the flag and the
    /// value.
    pub fn validate(&self) -> Result<(), String> {
        self.limits.validate()?;
        if !(1..=1_000_000).contains(&self.max_clients) {
            return Err(format!(
                "--fault-max-clients: {} must be 1..=1000000",
                self.max_clients
            ));
        }
        if self.client_ttl_ms == 0 {
            return Err("--fault-client-ttl-ms: 0 must be at least 1".to_owned());
        }
        match &self.defaults {
            Some(query) if self.mode != FaultMode::Allow => {
                Err(format!("--fault-defaults: {query} needs --faults allow"))
            }
            _ => Ok(()),
        }
    }
}
