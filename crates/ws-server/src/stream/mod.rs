//! What one connection streams: its framing, its subscription and its position in the tick
//! sequence, and every frame that follows from them.
//!
//! [`QuoteStream`] decides *what* a connection gets; it never touches a socket. For live ticks
//! it either names the shared, pre-encoded frames ([`QuoteStream::shared`]: the fast path, one
//! `send` by the connection's writer shard) or appends frames built for this connection to its
//! [`Outbox`] (a `dropped` count, a replay, an ack, a snapshot, an error).
//! Its bookkeeping (`last_seq`, `first_seq`, `left`) is what guarantees that no
//! (symbol, seq) is ever sent twice on a connection, however the live stream, resumes and
//! subscription changes interleave.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ticker_core::{Market, Seq, SymbolSet};

use crate::channel::{Channel, ChannelMask, Channels};
use crate::outbox::Outbox;
use crate::protocol::{self, Command, ProtocolError, Selection};
use crate::stats::Stats;
use crate::ticker::{with_dropped, Hub, Tick};

mod channels;
mod memo;
mod start;

use memo::SetKey;
pub use memo::{Memo, Shared};

/// How quotes are framed for one connection (`?format=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One `{"type":"quote",…}` frame per symbol per tick (default).
    Quote,
    /// One `{"type":"quotes",…}` frame per tick.
    Batch,
    /// One bare JSON array per tick, and nothing else.
    Array,
}

impl Format {
    /// Parses the `format` query value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quote" | "quotes" | "" => Some(Self::Quote),
            "batch" => Some(Self::Batch),
            "array" => Some(Self::Array),
            _ => None,
        }
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::Batch => "batch",
            Self::Array => "array",
        }
    }
}

/// Most bytes the fast path gathers for one client; beyond, it takes the outbox path.
const MAX_GATHER: usize = 256 * 1024;
/// One connection's view of the stream (see the module docs).
#[derive(Debug)]
pub struct QuoteStream {
    /// Framing.
    pub format: Format,
    /// Symbols subscribed on the quotes channel.
    subs: SymbolSet,
    /// Symbols subscribed on the other channels (its quotes set stays empty: `subs` is it).
    extra: Channels,
    /// `subs` as the writers' memo compares it (kept in step with `subs`).
    key: SetKey,
    /// The oldest tick this connection has covered (initial quotes or replay start).
    first_seq: Seq,
    /// The newest tick sent (or queued in the outbox).
    last_seq: Seq,
    /// Symbols unsubscribed since `last_seq` whose quote at `last_seq` was already sent.
    left: SymbolSet,
    /// Ticks skipped since the last frame that carried ticks.
    dropped: u64,
}

impl QuoteStream {
    /// A stream positioned at tick `at`.
    pub fn new(format: Format, subs: SymbolSet, at: Seq) -> Self {
        Self::with_channels(format, subs, ChannelMask::QUOTES, at)
    }

    /// A stream positioned at tick `at`, subscribed to `symbols` on `channels` (quotes
    /// only, whatever is asked, in array format: it promises arrays and nothing else).
    pub fn with_channels(
        format: Format,
        symbols: SymbolSet,
        channels: ChannelMask,
        at: Seq,
    ) -> Self {
        let mut extra = Channels::default();
        if format != Format::Array {
            for channel in Channel::EXTRA {
                if channels.contains(channel) {
                    *extra.get_mut(channel) = symbols.clone();
                }
            }
        }
        let subs = if channels.contains(Channel::Quotes) {
            symbols
        } else {
            SymbolSet::new()
        };
        Self {
            format,
            key: SetKey::of(&subs),
            subs,
            extra,
            first_seq: at,
            last_seq: at,
            left: SymbolSet::new(),
            dropped: 0,
        }
    }

    /// Symbols subscribed on the quotes channel.
    pub fn subs(&self) -> &SymbolSet {
        &self.subs
    }

    /// The newest tick sent.
    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }

    /// Counts ticks this connection will never get (it lagged, or was closed with them queued).
    pub fn lagged(&mut self, ticks: u64, stats: &Stats) {
        if ticks == 0 {
            return;
        }
        self.dropped += ticks;
        stats
            .frames_dropped
            .fetch_add(ticks * self.subs.len() as u64, Ordering::Relaxed);
    }

    /// The fast path: the shared frames of the live `ticks` (oldest first) this connection has
    /// not had, as one borrowed frame (a single frame, or the memo's copy of the frames every
    /// connection at this position with this subscription gets) or gathered into `gather`;
    /// `None` when it needs bytes of its own (a `dropped` count, a frame the memo does not
    /// hold, a very large subscription). On `Some`, they count as sent.
    pub fn shared<'t>(
        &mut self,
        ticks: &'t [Arc<Tick>],
        memo: &'t Memo,
        gather: &mut Vec<u8>,
    ) -> Option<Shared<'t>> {
        gather.clear();
        // Channel frames are gathered on the outbox path: a quotes-only connection's fast
        // path stays exactly what it was.
        if self.extra.has_extra() {
            return None;
        }
        let shared = match self.memoised(ticks, memo) {
            Some((frames, count, newest)) => Some((Shared::One(frames, count), newest)),
            None => self
                .gather(ticks, memo, gather)
                .map(|(first, count, newest)| match first {
                    Some(one) if count == 1 => (Shared::One(one, 1), newest),
                    _ => (Shared::Gathered(count), newest),
                }),
        };
        let (shared, newest) = shared?;
        if newest > self.last_seq {
            self.last_seq = newest;
            self.left.clear();
        }
        Some(shared)
    }

    /// The memo's gathered frames for this connection's position and subscription, if it has
    /// them: (frames, how many, the newest tick among them).
    fn memoised<'t>(&self, ticks: &[Arc<Tick>], memo: &'t Memo) -> Option<(&'t [u8], u64, Seq)> {
        if self.dropped > 0 || self.format != Format::Quote {
            return None;
        }
        let newest = ticks.last().map(|t| t.seq).filter(|&n| n > self.last_seq)?;
        let (frames, count) = memo.gathered(self.last_seq, newest, &self.key)?;
        Some((frames, count, newest))
    }

    /// The shared frames of `ticks` this connection has not had, without moving its position:
    /// the first frame (borrowed), how many there are and the newest tick among them; from the
    /// second frame on, all of them are copied back to back into `gather`. `None` when the
    /// connection needs bytes of its own (see [`QuoteStream::shared`]).
    pub(super) fn gather<'t>(
        &self,
        ticks: &'t [Arc<Tick>],
        memo: &'t Memo,
        gather: &mut Vec<u8>,
    ) -> Option<(Option<&'t [u8]>, u64, Seq)> {
        let mut first: Option<&'t [u8]> = None;
        let mut count = 0;
        let mut add = |frame: &'t [u8]| -> bool {
            count += 1;
            match first {
                None => first = Some(frame),
                Some(one) => {
                    if gather.is_empty() {
                        gather.extend_from_slice(one);
                    }
                    gather.extend_from_slice(frame);
                }
            }
            gather.len() <= MAX_GATHER
        };
        let mut newest = self.last_seq;
        for tick in ticks.iter().filter(|t| t.seq > self.last_seq) {
            // A `dropped` count and a clock jump's gap are this connection's own bytes.
            if self.dropped > 0 || tick.jump {
                return None;
            }
            if !self.subs.is_empty() {
                match self.format {
                    Format::Quote => {
                        for id in self.subs.iter() {
                            if let Some(frame) = tick.frame(id) {
                                if !add(frame) {
                                    return None;
                                }
                            }
                        }
                    }
                    format => {
                        if !add(memo.get(tick.seq, format, &self.key)?) {
                            return None;
                        }
                    }
                }
            }
            newest = tick.seq;
        }
        Some((first, count, newest))
    }

    /// Live tick frames, built into the outbox: each (symbol, seq) at most once.
    pub fn live(&mut self, hub: &Hub, tick: &Tick, out: &mut Outbox) {
        if tick.seq <= self.last_seq {
            return;
        }
        if tick.jump && tick.seq.0 > self.last_seq.0 + 1 {
            self.jumped(hub, tick, out);
            return;
        }
        if self.frames(hub, tick, self.dropped, out) {
            self.dropped = 0;
        }
        self.last_seq = tick.seq;
        self.left.clear();
    }

    /// After a manual clock jumped past more ticks than the queue holds: a `gap` for the ticks
    /// skipped and a snapshot of the new one (in array format, just its array).
    fn jumped(&mut self, hub: &Hub, tick: &Tick, out: &mut Outbox) {
        if !self.subs.is_empty() {
            match self.format {
                Format::Array => out.frame(&tick.array(&self.subs, &hub.market)),
                _ => {
                    out.text(&protocol::jump_gap(Seq(self.last_seq.0 + 1), tick.seq));
                    out.frame(&tick.snapshot(&self.subs, &hub.market));
                }
            }
        }
        self.extras(hub, tick, 0, out);
        self.dropped = 0;
        self.last_seq = tick.seq;
        self.left.clear();
    }

    /// The frames of one tick, without touching the position: the quotes, then the other
    /// channels' frames; returns whether any frame was added.
    fn frames(&self, hub: &Hub, tick: &Tick, dropped: u64, out: &mut Outbox) -> bool {
        let quoted = self.quote_frames(hub, tick, dropped, out);
        let extra = self.extras(hub, tick, if quoted { 0 } else { dropped }, out);
        quoted || extra
    }

    /// The quote frames of one tick (per symbol, batch or array, as the format says).
    fn quote_frames(&self, hub: &Hub, tick: &Tick, dropped: u64, out: &mut Outbox) -> bool {
        let set = &self.subs;
        if set.is_empty() {
            return false;
        }
        let market = &hub.market;
        match self.format {
            Format::Quote => {
                let mut first = true;
                for id in set.iter() {
                    if let Some(frame) = tick.frame(id) {
                        if first && dropped > 0 {
                            out.frame(&with_dropped(frame, dropped));
                        } else {
                            out.frame(frame);
                        }
                        first = false;
                    }
                }
                !first
            }
            Format::Batch => {
                let frame = tick.batch(set, market);
                if dropped > 0 {
                    out.frame(&with_dropped(&frame, dropped));
                } else {
                    out.frame(&frame);
                }
                true
            }
            Format::Array => {
                out.frame(&tick.array(set, market));
                true
            }
        }
    }

    /// A snapshot of `set` at the connection's current tick (`current`, when the connection
    /// has its own tick source; else the hub's window).
    fn snapshot(&self, hub: &Hub, set: &SymbolSet, current: Option<&Tick>, out: &mut Outbox) {
        let from_hub;
        let tick = match current.filter(|t| t.seq == self.last_seq) {
            Some(tick) => tick,
            None => match hub.tick(self.last_seq) {
                Some(tick) => {
                    from_hub = tick;
                    &*from_hub
                }
                None => return,
            },
        };
        match self.format {
            Format::Array => out.frame(&tick.array(set, &hub.market)),
            _ => out.frame(&tick.snapshot(set, &hub.market)),
        }
    }

    /// An `error` message (not in array format, which promises arrays and nothing else).
    pub fn error(&self, hub: &Hub, e: &ProtocolError, out: &mut Outbox) {
        if self.format != Format::Array {
            Stats::bump(&hub.stats.errors_sent);
            out.text(&e.to_json());
        }
    }

    /// The symbols subscribed on any channel.
    fn names<'m>(&self, market: &'m Market) -> Vec<&'m str> {
        self.all_symbols()
            .iter()
            .map(|id| market.info(id).symbol.as_str())
            .collect()
    }

    /// Applies a client command, appending its answer. `current` is the connection's current
    /// tick when it has its own tick source (a replay), for snapshots of added symbols.
    pub fn command(
        &mut self,
        hub: &Hub,
        max_symbols: usize,
        cmd: Command,
        current: Option<&Tick>,
        out: &mut Outbox,
    ) {
        match cmd {
            Command::Subscribe(sel) => self.subscribe(hub, max_symbols, &sel, current, out),
            Command::Unsubscribe(sel) => self.unsubscribe(hub, &sel, out),
            Command::Ping(id) => {
                if self.format != Format::Array {
                    out.text(&protocol::pong(hub.clock.now_ms(), id));
                }
            }
            Command::Resume(since) if since > self.last_seq => {
                self.error(
                    hub,
                    &ProtocolError::new(
                        "invalid_since",
                        format!(
                            "since {since} is ahead of the latest tick {}",
                            self.last_seq
                        ),
                    ),
                    out,
                );
            }
            Command::Resume(since) => {
                // Ticks from `first_seq` on were already sent on this connection: replay only
                // the older ones, so no (symbol, seq) is ever sent twice.
                if since.0 + 1 < self.first_seq.0 {
                    let through = Seq(self.first_seq.0 - 1);
                    self.replay_into(hub, since, through, out);
                    self.first_seq = Seq(since.0 + 1);
                }
            }
            Command::Replay(_) => self.error(
                hub,
                &ProtocolError::new(
                    "not_replaying",
                    "this connection streams the live market; open one with ?from= to replay \
                     (docs/ws-protocol.md#replay)",
                ),
                out,
            ),
        }
    }

    fn report_unknown(&self, hub: &Hub, sel: &Selection, out: &mut Outbox) {
        if sel.unknown.is_empty() {
            return;
        }
        let mut e = ProtocolError::new(
            "unknown_symbols",
            format!("unknown symbols: {}", sel.unknown.join(", ")),
        );
        e.symbols.clone_from(&sel.unknown);
        self.error(hub, &e, out);
    }
}
