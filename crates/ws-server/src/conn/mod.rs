//! One connection's write side, shared by everything that writes to it.
//!
//! A [`Conn`] holds the socket (in the same allocation: the shard touches one object per
//! client) and, under one small lock, the connection's
//! [`Link`]: its [`QuoteStream`] (what it gets), its [`Outbox`] (bytes not yet written) and
//! who drives it ([`Driver`]). Three parties write through it, always under the lock, so
//! their frames never interleave and the stream state always matches what was written:
//!
//! * its **writer shard** ([`crate::shard`]) delivers live ticks ([`Conn::deliver`]): while the
//!   connection is [`Driver::Shard`], the tick's shared frames go straight to the socket;
//! * its **session task** ([`crate::session`]) appends per-connection frames (welcome, acks,
//!   replays, errors) and, once the connection is [`Driver::Own`], drains it ([`Conn::drain`]);
//! * **tungstenite**, through [`Duplex`], appends its pongs and close frames.
//!
//! A connection with its own tick source (a replay of the past, [`crate::replay`]) is
//! [`Driver::Source`] for as long as the source runs: the shard only pings it, and its task
//! offers each tick it produces ([`Conn::offer`]) to the same bounded queue.
//!
//! A write that the socket cannot take at once moves the connection to [`Driver::Own`]: from
//! then on the shard queues live ticks for it (at most `--queue-ticks`; older ones are
//! dropped and counted for the `dropped` field) and writes what the socket takes on each of its
//! passes, while the session task, woken through [`Conn::wake`], waits for the socket with the
//! stall timer; whichever empties it hands the connection back to the shard. Other producers (a replay running at the client's own
//! pace, fault injection, other protocols) plug in the same way: drive the connection as
//! `Own` from its task, write through the outbox, and the shard keeps out of the way.
//! [`Conn::pin`] makes that permanent: the shard then only queues the connection's live ticks
//! and wakes its task, which takes them with [`Link::next_queued`] (fault injection,
//! [`crate::faults`], does so). While [`Link::hold`] is set nothing is written at all (a
//! faulted stall).

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::outbox::{write_now, Direct, Outbox, PING};

mod duplex;

use crate::stats::Stats;
use crate::stream::{Memo, QuoteStream, Shared};
use crate::ticker::{Batch, Hub, Tick};
pub use duplex::Duplex;

/// Bytes tungstenite may queue (pongs, close replies) before its writes wait for the outbox to
/// drain; client pings are rate-limited, so this is only a backstop.
const CONTROL_BACKLOG: usize = 64 * 1024;

/// Who writes a connection's live ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// Its writer shard, straight from the shared frames (the outbox is empty).
    Shard,
    /// Its own task: the shard only queues ticks (the socket was full, or another producer
    /// drives the connection).
    Own,
    /// Its own tick source (a replay): the shard neither writes nor queues live ticks, it only
    /// pings; the source offers its ticks through the same bounded queue.
    Source,
    /// The session is ending: nobody writes ticks any more.
    Closed,
}

/// Why a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The client closed or vanished; nothing to send.
    Gone,
    /// Close with this code and reason.
    Close(CloseCode, &'static str),
    /// The client stopped draining: close without waiting on the stuck socket.
    Slow,
}

/// The state behind a connection's lock (see the module docs).
#[derive(Debug)]
pub struct Link {
    /// What the connection streams and where it is.
    pub stream: QuoteStream,
    /// Bytes not yet written.
    pub out: Outbox,
    /// Who writes live ticks.
    pub driver: Driver,
    /// Live ticks waiting for the session task (while `Own`).
    queue: VecDeque<Arc<Tick>>,
    /// Set by the shard when the session must end (heartbeat, socket error).
    pub end: Option<End>,
    /// tungstenite waiting for the outbox to drain.
    writer: Option<Waker>,
    /// Driven by its own task for good ([`Conn::pin`]): the shard only queues its ticks.
    pub pinned: bool,
    /// Write nothing, ping nobody, until cleared (a faulted stall keeps the socket silent).
    pub hold: bool,
}

impl Link {
    /// The oldest live tick the shard queued for this connection's task.
    pub fn next_queued(&mut self) -> Option<Arc<Tick>> {
        self.queue.pop_front()
    }
}

/// One connection's write side (see the module docs).
pub struct Conn {
    socket: TcpStream,
    link: Mutex<Link>,
    /// Wakes the session task: the connection became `Own`, or must end.
    pub wake: Notify,
    /// When the client was last heard from, in ms since the hub started.
    heard: AtomicU64,
    /// Bytes written from the outbox, by anyone: the stall clock's sign of progress.
    written: AtomicU64,
    queue_ticks: usize,
}

/// What a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Still streaming; this many data frames went out.
    Sent(u64),
    /// The session is over: forget the connection.
    Finished,
}

impl Conn {
    /// A connection at tick `stream.last_seq()`, driven by its shard.
    pub fn new(socket: TcpStream, stream: QuoteStream, queue_ticks: usize, now_ms: u64) -> Self {
        Self {
            socket,
            link: Mutex::new(Link {
                stream,
                out: Outbox::default(),
                driver: Driver::Shard,
                queue: VecDeque::new(),
                end: None,
                writer: None,
                pinned: false,
                hold: false,
            }),
            wake: Notify::new(),
            heard: AtomicU64::new(now_ms),
            written: AtomicU64::new(0),
            queue_ticks: queue_ticks.max(1),
        }
    }

    /// Half-closes the socket: no more bytes from us (FIN), while the client's remaining
    /// input can still be read and discarded.
    pub fn shutdown_write(&self) -> io::Result<()> {
        socket2::SockRef::from(&self.socket).shutdown(std::net::Shutdown::Write)
    }

    /// Hands the connection to its own task for good (before it is added to a shard): the
    /// shard queues its live ticks (at most `--queue-ticks`, the rest counted as `dropped`)
    /// and wakes the task, which takes them with [`Link::next_queued`] and writes.
    pub fn pin(&self) {
        let mut link = self.lock();
        link.pinned = true;
        link.driver = Driver::Own;
    }

    /// Makes the socket reset (RST) rather than close when it is dropped.
    pub fn reset_on_close(&self) {
        let _ = socket2::SockRef::from(&self.socket).set_linger(Some(std::time::Duration::ZERO));
    }

    /// The state, locked. Never held across an await.
    pub fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a sign of life from the client.
    pub fn heard(&self, now_ms: u64) {
        self.heard.store(now_ms, Ordering::Relaxed);
    }

    /// Milliseconds since the client was last heard from.
    pub fn silent_for(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.heard.load(Ordering::Relaxed))
    }

    /// Bytes written from the outbox so far (by the session or the shard).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Waits until the socket may take more bytes.
    pub async fn writable(&self) -> io::Result<()> {
        self.socket.writable().await
    }

    /// Writes the outbox as far as the socket allows; a full socket hands the connection to
    /// its session task. Returns the data frames that finished.
    pub fn flush(&self, link: &mut Link, stats: &Stats) -> io::Result<u64> {
        if link.hold {
            return Ok(0);
        }
        let flushed = link.out.flush(&self.socket)?;
        if flushed.wrote > 0 {
            self.written
                .fetch_add(flushed.wrote as u64, Ordering::Relaxed);
        }
        if !flushed.done && link.driver == Driver::Shard {
            link.driver = Driver::Own;
            self.wake.notify_one();
        }
        if flushed.done {
            if let Some(w) = link.writer.take() {
                w.wake();
            }
        }
        stats
            .frames_sent
            .fetch_add(flushed.frames, Ordering::Relaxed);
        Ok(flushed.frames)
    }

    /// The shard's part: offers the live ticks of `batch`. A connection that is not where
    /// the batch starts (new, or already ahead) gets the ticks that follow its own position.
    pub fn deliver(
        &self,
        hub: &Hub,
        batch: &Batch,
        memo: &mut Memo,
        gather: &mut Vec<u8>,
    ) -> Delivery {
        let mut guard = self.lock();
        let link = &mut *guard;
        if link.end.is_some() || link.driver == Driver::Closed {
            return Delivery::Finished;
        }
        if link.driver == Driver::Source {
            // Not a live connection (yet): kept for the heartbeat.
            return Delivery::Sent(0);
        }
        let at = link.queue.back().map_or(link.stream.last_seq(), |t| t.seq);
        let behind;
        let (ticks, lost) = if at == batch.after {
            (batch.ticks.as_slice(), batch.lost)
        } else if at > batch.after {
            let newer = batch.ticks.partition_point(|t| t.seq <= at);
            (batch.ticks.get(newer..).unwrap_or_default(), 0)
        } else {
            behind = hub.after(at);
            (behind.ticks.as_slice(), behind.lost)
        };
        link.stream.lagged(lost, &hub.stats);
        if link.driver == Driver::Own {
            for tick in ticks {
                link.queue.push_back(tick.clone());
            }
            let over = link.queue.len().saturating_sub(self.queue_ticks);
            link.queue.drain(..over);
            link.stream.lagged(over as u64, &hub.stats);
            if link.pinned {
                if !ticks.is_empty() {
                    self.wake.notify_one();
                }
                return Delivery::Sent(0);
            }
            // Whatever the socket takes now goes out now: a lagging client catches up without
            // waiting for its task to be scheduled (which, at millisecond ticks, competes with
            // the busy shards). The task still owns waiting and the stall timer.
            return match self.drain_locked(hub, link) {
                Ok((_, true)) => {
                    self.wake.notify_one();
                    Delivery::Sent(0)
                }
                Ok(_) => Delivery::Sent(0),
                Err(_) => self.broken(link),
            };
        }
        memo.prepare(ticks, &link.stream, &hub.market);
        if let Some(shared) = link.stream.shared(ticks, memo, gather) {
            let (bytes, frames) = match shared {
                Shared::One(frames, count) => (frames, count),
                Shared::Gathered(n) => (gather.as_slice(), n),
            };
            return match write_now(&Direct(&self.socket), bytes) {
                Ok(wrote) if wrote == bytes.len() => Delivery::Sent(frames),
                Ok(wrote) => {
                    link.out.keep(bytes, frames, wrote);
                    link.driver = Driver::Own;
                    self.wake.notify_one();
                    Delivery::Sent(0)
                }
                Err(_) => self.broken(link),
            };
        }
        // Frames of this connection's own (a `dropped` count, an uncommon subscription).
        for tick in ticks {
            link.stream.live(hub, tick, &mut link.out);
        }
        match self.flush(link, &hub.stats) {
            Ok(_) => Delivery::Sent(0),
            Err(_) => self.broken(link),
        }
    }

    fn broken(&self, link: &mut Link) -> Delivery {
        link.end = Some(End::Gone);
        self.wake.notify_one();
        Delivery::Finished
    }

    /// The shard's heartbeat: ends a connection silent for `limit_ms`, pings the others.
    pub fn heartbeat(&self, now_ms: u64, limit_ms: u64, stats: &Stats) -> Delivery {
        let mut guard = self.lock();
        let link = &mut *guard;
        if link.end.is_some() || link.driver == Driver::Closed {
            return Delivery::Finished;
        }
        if link.hold {
            // A faulted stall: no ping goes out, so no answer can be expected.
            return Delivery::Sent(0);
        }
        if self.silent_for(now_ms) >= limit_ms {
            Stats::bump(&stats.closed_heartbeat);
            link.end = Some(End::Close(CloseCode::Policy, "heartbeat timeout"));
            self.wake.notify_one();
            return Delivery::Finished;
        }
        if link.driver == Driver::Source {
            // A source may be paused and write nothing for a while: the ping goes now (after
            // what is queued), and the task is told when bytes are left.
            link.out.raw(&PING);
            return match self.flush(link, stats) {
                Ok(_) => {
                    if !link.out.is_empty() {
                        self.wake.notify_one();
                    }
                    Delivery::Sent(0)
                }
                Err(_) => self.broken(link),
            };
        }
        if link.driver != Driver::Shard {
            // Behind: the ping waits its turn in the outbox.
            link.out.raw(&PING);
            return Delivery::Sent(0);
        }
        match write_now(&self.socket, &PING) {
            Ok(2) => Delivery::Sent(0),
            Ok(wrote) => {
                link.out.keep(&PING, 1, wrote);
                link.driver = Driver::Own;
                self.wake.notify_one();
                Delivery::Sent(0)
            }
            Err(_) => self.broken(link),
        }
    }

    /// The session's part while `Own`: writes what it can, then the queued ticks, and hands
    /// the connection back to the shard once nothing is left. Returns the bytes written and
    /// whether everything went out.
    pub fn drain(&self, hub: &Hub) -> io::Result<(usize, bool)> {
        let mut guard = self.lock();
        self.drain_locked(hub, &mut guard)
    }

    fn drain_locked(&self, hub: &Hub, link: &mut Link) -> io::Result<(usize, bool)> {
        let mut wrote = 0;
        loop {
            let before = link.out.len();
            self.flush(link, &hub.stats)?;
            wrote += before - link.out.len();
            if !link.out.is_empty() {
                return Ok((wrote, false));
            }
            if link.queue.is_empty() || link.pinned {
                if link.driver == Driver::Own && !link.pinned {
                    link.driver = Driver::Shard;
                }
                return Ok((wrote, true));
            }
            self.render_queue(hub, link);
        }
    }

    /// The source's part: queues one of its ticks (at most `--queue-ticks` wait; older ones
    /// are dropped and counted, as for a live client that lags) and writes what the socket
    /// takes. Returns whether everything went out.
    pub fn offer(&self, hub: &Hub, tick: Arc<Tick>) -> io::Result<bool> {
        let mut guard = self.lock();
        let link = &mut *guard;
        self.enqueue_locked(hub, link, tick);
        Ok(self.drain_locked(hub, link)?.1)
    }

    /// A pinned source's part: queues one of its ticks, bounded as in [`Conn::offer`], for
    /// its task to take with [`Link::next_queued`] (through its faults).
    pub fn enqueue(&self, hub: &Hub, tick: Arc<Tick>) {
        let mut guard = self.lock();
        self.enqueue_locked(hub, &mut guard, tick);
    }

    fn enqueue_locked(&self, hub: &Hub, link: &mut Link, tick: Arc<Tick>) {
        link.queue.push_back(tick);
        let over = link.queue.len().saturating_sub(self.queue_ticks);
        link.queue.drain(..over);
        link.stream.lagged(over as u64, &hub.stats);
    }

    /// Renders the queued ticks into the outbox, so that what is appended next comes after
    /// them (a replay's acknowledgement, its end).
    pub fn render_queue(&self, hub: &Hub, link: &mut Link) {
        while let Some(tick) = link.queue.pop_front() {
            link.stream.live(hub, &tick, &mut link.out);
        }
    }

    /// Stops live delivery for good; returns the ticks that were still queued.
    pub fn close(&self) -> u64 {
        let mut link = self.lock();
        link.driver = Driver::Closed;
        let queued = link.queue.len() as u64;
        link.queue.clear();
        queued
    }
}

#[cfg(test)]
mod tests;
