//! The rules the ws-server's settings must follow, checked at start-up: each error names the
//! flag, the value and the rule it breaks.

use super::WsConfig;

/// `Ok` if `ok`, else the error naming the flag, the value and the rule it breaks.
pub(super) fn check(
    ok: bool,
    flag: &str,
    value: &dyn std::fmt::Display,
    rule: &str,
) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("--{flag}: {value} {rule}"))
    }
}

impl WsConfig {
    /// Checks the settings; the error names the flag and the value.
    pub fn validate(&self) -> Result<(), String> {
        check(
            self.max_connections >= 1,
            "max-connections",
            &self.max_connections,
            "must be at least 1",
        )?;
        check(
            (128..=16 << 20).contains(&self.max_message_bytes),
            "max-message-bytes",
            &self.max_message_bytes,
            "must be 128..=16777216",
        )?;
        check(
            self.max_symbols >= 1,
            "max-symbols",
            &self.max_symbols,
            "must be at least 1",
        )?;
        check(
            self.finnhub_max_symbols >= 1,
            "finnhub-max-symbols",
            &self.finnhub_max_symbols,
            "must be at least 1",
        )?;
        check(
            self.finnhub_ping_ms >= 100,
            "finnhub-ping-ms",
            &self.finnhub_ping_ms,
            "must be at least 100",
        )?;
        check(
            self.binance_max_streams >= 1,
            "binance-max-streams",
            &self.binance_max_streams,
            "must be at least 1",
        )?;
        check(
            self.binance_max_messages >= 1,
            "binance-max-messages",
            &self.binance_max_messages,
            "must be at least 1",
        )?;
        check(
            self.max_message_rate >= 1,
            "max-message-rate",
            &self.max_message_rate,
            "must be at least 1",
        )?;
        check(
            self.message_burst >= 1,
            "message-burst",
            &self.message_burst,
            "must be at least 1",
        )?;
        check(
            self.ping_interval_ms >= 10,
            "ping-interval-ms",
            &self.ping_interval_ms,
            "must be at least 10",
        )?;
        check(
            self.stall_timeout_ms >= 10,
            "stall-timeout-ms",
            &self.stall_timeout_ms,
            "must be at least 10",
        )?;
        check(
            self.handshake_timeout_ms >= 10,
            "handshake-timeout-ms",
            &self.handshake_timeout_ms,
            "must be at least 10",
        )?;
        check(
            (1..=4096).contains(&self.queue_ticks),
            "queue-ticks",
            &self.queue_ticks,
            "must be 1..=4096",
        )?;
        check(
            (1..=1_000_000).contains(&self.replay_ticks),
            "replay-ticks",
            &self.replay_ticks,
            "must be 1..=1000000",
        )?;
        check(
            (256..=1 << 20).contains(&self.read_buffer_bytes),
            "read-buffer-bytes",
            &self.read_buffer_bytes,
            "must be 256..=1048576",
        )?;
        check(
            self.writers <= 1024,
            "writers",
            &self.writers,
            "must be 0 (one per core) ..= 1024",
        )?;
        check(
            !self.allowed_origins.is_empty(),
            "allowed-origins",
            &"(empty)",
            "must list origins or be *",
        )?;
        let f = &self.faults;
        f.validate()?;
        crate::faults::Faults::new(f)?;
        check(
            (1..=3_600_000).contains(&self.gateway_auth_timeout_ms),
            "gateway-auth-timeout-ms",
            &self.gateway_auth_timeout_ms,
            "must be 1..=3600000",
        )?;
        check(
            self.gateway_max_sessions_per_key >= 1,
            "gateway-max-sessions-per-key",
            &self.gateway_max_sessions_per_key,
            "must be at least 1",
        )?;
        check(
            self.max_replays <= 100_000,
            "max-replays",
            &self.max_replays,
            "must be 0 (no replays) ..= 100000",
        )?;
        check(
            self.max_replay_speed.is_finite() && (1.0..=100_000.0).contains(&self.max_replay_speed),
            "max-replay-speed",
            &self.max_replay_speed,
            "must be 1..=100000",
        )?;
        check(
            self.max_replay_range_ms >= 1000,
            "max-replay-range-ms",
            &self.max_replay_range_ms,
            "must be at least 1000",
        )?;
        self.control.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_values_name_the_flag() {
        WsConfig::default().validate().unwrap();
        let cfg = WsConfig {
            queue_ticks: 0,
            ..WsConfig::default()
        };
        assert_eq!(
            cfg.validate().unwrap_err(),
            "--queue-ticks: 0 must be 1..=4096"
        );
    }
}
