//! How a connection's stream begins and changes source: the welcome, a live start (the
//! latest tick, or a `since` resume from the window), a replay's start and seeks, and the
//! switch from a replay to the live stream.

use ticker_core::{clock_report, Seq};

use super::{Format, QuoteStream};
use crate::outbox::Outbox;
use crate::protocol::{self, Greeting, ProtocolError, ReplayInfo};
use crate::stats::Stats;
use crate::ticker::{Hub, Tick};

impl QuoteStream {
    /// The welcome (not in array format).
    fn welcome(&self, hub: &Hub, seq: Seq, replay: Option<ReplayInfo>, out: &mut Outbox) {
        if self.format == Format::Array {
            return;
        }
        let names = self.names(&hub.market);
        let clock = clock_report(hub.clock.as_ref());
        out.text(&protocol::welcome(
            &hub.market,
            &Greeting {
                subscribed: &names,
                seq,
                format: self.format.name(),
                clock: &clock,
                replay,
            },
            self.listing(hub, false),
        ));
    }

    /// Welcome, URL errors, then either a replay from `since` or the quotes of `latest`.
    pub fn start(
        &mut self,
        hub: &Hub,
        latest: &Tick,
        since: Option<Seq>,
        url_errors: &[ProtocolError],
        out: &mut Outbox,
    ) {
        self.welcome(hub, latest.seq, None, out);
        for e in url_errors {
            self.error(hub, e, out);
        }
        self.first_seq = latest.seq;
        self.last_seq = latest.seq;
        match since {
            Some(since) if since > latest.seq => {
                self.error(
                    hub,
                    &ProtocolError::new(
                        "invalid_since",
                        format!("since {since} is ahead of the latest tick {}", latest.seq),
                    ),
                    out,
                );
                self.frames(hub, latest, 0, out);
            }
            Some(since) => {
                self.first_seq = Seq(since.0 + 1);
                self.replay_into(hub, since, latest.seq, out);
            }
            None => {
                self.frames(hub, latest, 0, out);
            }
        }
    }

    /// The start of a replay: the welcome (saying it is one), URL errors, then the quotes of
    /// the replay's first tick, as a live connection starts with the latest.
    pub fn start_replay(
        &mut self,
        hub: &Hub,
        first: &Tick,
        replay: ReplayInfo,
        url_errors: &[ProtocolError],
        out: &mut Outbox,
    ) {
        self.welcome(hub, first.seq, Some(replay), out);
        for e in url_errors {
            self.error(hub, e, out);
        }
        self.restart_at(hub, first, out);
    }

    /// Starts the sequence afresh at `tick` (a replay's start or seek): its quotes, and from
    /// then on the ticks after it. Ticks before it may come again (after a seek back).
    pub fn restart_at(&mut self, hub: &Hub, tick: &Tick, out: &mut Outbox) {
        self.first_seq = tick.seq;
        self.last_seq = tick.seq;
        self.left.clear();
        self.dropped = 0;
        self.frames(hub, tick, 0, out);
    }

    /// From a replay to the live stream. One that `caught_up` with now continues seamlessly
    /// (the live ticks after its last, from the window); one that ended in the past starts
    /// over at the latest tick, as a new connection does.
    pub fn go_live(&mut self, hub: &Hub, caught_up: bool, out: &mut Outbox) {
        let latest = hub.latest();
        if caught_up {
            if latest.seq > self.last_seq {
                self.replay_into(hub, self.last_seq, latest.seq, out);
                self.last_seq = latest.seq;
            }
        } else {
            self.restart_at(hub, &latest, out);
        }
    }

    /// Frames of ticks `after+1 ..= through`, or a gap notice plus a snapshot.
    pub(super) fn replay_into(&self, hub: &Hub, after: Seq, through: Seq, out: &mut Outbox) {
        if after >= through {
            return;
        }
        match hub.replay(after, through) {
            Ok(ticks) => {
                Stats::bump(&hub.stats.resumes);
                for tick in &ticks {
                    self.frames(hub, tick, 0, out);
                }
            }
            Err(oldest) => {
                Stats::bump(&hub.stats.gaps);
                if self.format != Format::Array {
                    out.text(&protocol::gap(Seq(after.0 + 1), through, oldest));
                }
                if let Some(tick) = hub.tick(through) {
                    match self.format {
                        Format::Array => {
                            self.frames(hub, &tick, 0, out);
                        }
                        _ => {
                            out.frame(&tick.snapshot(&self.subs, &hub.market));
                            self.extras(hub, &tick, 0, out);
                        }
                    }
                }
            }
        }
    }
}
