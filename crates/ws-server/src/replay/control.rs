//! The client's controls over its replay: `pause`, `resume`, `speed` and `seek`, each
//! re-anchoring the replay's [`Timeline`] so that pacing stays absolute, and the `replay`
//! message that answers them.

use std::sync::Arc;

use ticker_core::time::format_rfc3339;
use ticker_core::{Seq, Timeline};
use tokio::time::Instant;

use super::request::check_speed;
use super::{build, Replay, ReplayLimits};
use crate::protocol::{ProtocolError, ServerMessage};
use crate::ticker::{Hub, Tick};

impl Replay {
    /// Stops the replay's clock.
    pub fn pause(&mut self, now: Instant) {
        if self.paused_at.is_none() {
            self.paused_at = Some(self.position(now));
        }
    }

    /// Starts it again where it stopped.
    pub fn resume(&mut self, now: Instant) {
        if let Some(at) = self.paused_at.take() {
            self.timeline = Timeline::new(self.wall_us(now), at, self.speed / 1000.0);
        }
    }

    /// Plays on at another speed (at most `max`).
    pub fn set_speed(&mut self, now: Instant, speed: f64, max: f64) -> Result<(), ProtocolError> {
        let speed = check_speed(speed, max)
            .map_err(|why| ProtocolError::new("invalid_replay", format!("speed: {why}")))?;
        if self.paused_at.is_none() {
            self.timeline = self.timeline.with_speed(self.wall_us(now), speed / 1000.0);
        }
        self.speed = speed;
        Ok(())
    }

    /// Jumps to market time `to_ms` (between the epoch and now, not past `?to=`, within the
    /// range limit) and returns the tick in effect then, which the connection restarts at.
    pub async fn seek(
        &mut self,
        hub: &Hub,
        to_ms: i64,
        limits: &ReplayLimits,
    ) -> Result<Arc<Tick>, ProtocolError> {
        let schedule = self.market.schedule();
        let now_ms = hub.clock.now_ms();
        let end = self.request.to_ms.unwrap_or(now_ms);
        let bad = |why: String| ProtocolError::new("invalid_replay", format!("seek: {why}"));
        if to_ms > now_ms {
            return Err(bad(format!(
                "{} is after the market clock's now, {}",
                format_rfc3339(to_ms),
                format_rfc3339(now_ms)
            )));
        }
        if to_ms < schedule.epoch_ms() {
            return Err(bad(format!(
                "{} is before the market's epoch, {}",
                format_rfc3339(to_ms),
                format_rfc3339(schedule.epoch_ms())
            )));
        }
        if to_ms > end {
            return Err(bad(format!(
                "{} is after the replay's end, {}",
                format_rfc3339(to_ms),
                format_rfc3339(end)
            )));
        }
        if (end - to_ms) as u64 > limits.max_range_ms {
            return Err(bad(format!(
                "{} is further back than {} ms (--max-replay-range-ms)",
                format_rfc3339(to_ms),
                limits.max_range_ms
            )));
        }
        let seq = schedule.tick_at(to_ms);
        let trackers = std::mem::take(&mut self.trackers);
        let (trackers, tick) = build(self.market.clone(), trackers, seq)
            .await
            .map_err(|e| bad(format!("could not position the replay: {e}")))?;
        self.trackers = trackers;
        let now = Instant::now();
        self.timeline = Timeline::new(self.wall_us(now), to_ms, self.speed / 1000.0);
        if self.paused_at.is_some() {
            self.paused_at = Some(to_ms);
        }
        self.current = Arc::new(tick);
        self.next = Seq(seq.0 + 1);
        Ok(self.current.clone())
    }

    /// `{"type":"replay",…}`: the state after `action`.
    pub fn state(&self, action: &str, now: Instant) -> String {
        ServerMessage::Replay {
            action,
            state: if self.paused_at.is_some() {
                "paused"
            } else {
                "playing"
            },
            speed: self.speed,
            position: self.position(now),
            seq: self.current.seq,
        }
        .to_json()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ticker_core::Seq;
    use tokio::time::Instant;

    use crate::replay::tests::{hub, started, LIMITS};
    use crate::replay::{ReplayRequest, Step, Then};
    use crate::wire::payload;

    #[tokio::test(start_paused = true)]
    async fn pause_speed_and_seek_move_the_replay_clock() {
        let hub = hub();
        let s = *hub.market.schedule();
        let req = ReplayRequest {
            from_ms: s.time_of(Seq(99_000)),
            to_ms: None,
            speed: 10.0,
            then: Then::Close,
        };
        let mut replay = started(&hub, req).await;
        let t0 = replay.base;
        tokio::time::sleep(Duration::from_millis(250)).await;
        replay.pause(Instant::now());
        assert_eq!(
            replay.position(Instant::now()),
            s.time_of(Seq(99_000)) + 2500
        );
        assert!(replay.due().is_none() && matches!(replay.step(&hub, Instant::now()), Step::Wait));
        tokio::time::sleep(Duration::from_secs(10)).await;
        replay.resume(Instant::now());
        assert_eq!(
            replay.position(Instant::now()),
            s.time_of(Seq(99_000)) + 2500
        );
        // Tick 99 001 was due at 100 ms; the pause moved it 10 s later.
        assert_eq!(replay.due(), Some(t0 + Duration::from_millis(100 + 10_000)));
        replay.set_speed(Instant::now(), 1000.0, 1000.0).unwrap();
        assert_eq!(
            replay
                .set_speed(Instant::now(), 2000.0, 1000.0)
                .unwrap_err()
                .code,
            "invalid_replay"
        );
        let tick = replay
            .seek(&hub, s.time_of(Seq(50_000)) + 1, &LIMITS)
            .await
            .unwrap();
        assert_eq!(tick.seq, Seq(50_000));
        // Positioned from scratch, the tick is still the core's, byte for byte.
        let mut want = b"{\"type\":\"quote\",".to_vec();
        hub.market
            .quote(ticker_core::SymbolId(2), Seq(50_000))
            .write_fields(&mut want);
        want.push(b'}');
        assert_eq!(
            payload(tick.frame(ticker_core::SymbolId(2)).unwrap()),
            &want[..]
        );
        let err = replay
            .seek(&hub, hub.clock.now_ms() + 1, &LIMITS)
            .await
            .unwrap_err();
        assert_eq!(err.code, "invalid_replay");
        assert!(replay
            .state("seek", Instant::now())
            .contains(r#""state":"playing","speed":1000.0"#));
    }
}
