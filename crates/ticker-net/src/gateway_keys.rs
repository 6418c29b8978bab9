//! The credentials the Alpaca and Polygon gateways check, shared by both binaries (REST and
//! stream must agree on them). Without any, every gateway is a sandbox: any non-empty key is
//! accepted. With them, anything else gets the vendor's own failure (Alpaca: 401/403 on REST,
//! 402 on the stream; Polygon: 401 on REST, `auth_failed` on the stream), so a frontend can
//! test its auth-error path.

/// `--alpaca-key-id`, `--alpaca-secret-key`, `--polygon-api-key`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GatewayKeys {
    /// Alpaca gateway key id (`APCA-API-KEY-ID`); with --alpaca-secret-key, only this pair is
    /// accepted. Without it any non-empty key and secret are.
    #[arg(
        long,
        env = "TICKER_ALPACA_KEY_ID",
        value_name = "KEY",
        requires = "alpaca_secret_key",
        hide_env_values = true
    )]
    pub alpaca_key_id: Option<String>,

    /// Alpaca gateway secret (`APCA-API-SECRET-KEY`), with --alpaca-key-id.
    #[arg(
        long,
        env = "TICKER_ALPACA_SECRET_KEY",
        value_name = "SECRET",
        requires = "alpaca_key_id",
        hide_env_values = true
    )]
    pub alpaca_secret_key: Option<String>,

    /// Polygon/Massive gateway API key; without it any non-empty key is accepted.
    #[arg(
        long,
        env = "TICKER_POLYGON_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub polygon_api_key: Option<String>,
}

impl GatewayKeys {
    /// The configured Alpaca pair, if any: `(key id, secret)`.
    pub fn alpaca(&self) -> Option<(&str, &str)> {
        self.alpaca_key_id
            .as_deref()
            .zip(self.alpaca_secret_key.as_deref())
    }

    /// The configured Polygon key, if any.
    pub fn polygon(&self) -> Option<&str> {
        self.polygon_api_key.as_deref()
    }
}
