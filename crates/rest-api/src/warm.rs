//! The history warm-up: once the service is ready, a background thread at idle priority
//! ([`crate::idle`]) computes the daily candles charts ask for first, so that the first
//! `history?interval=1d` request finds its blocks in the market's cache instead of visiting
//! every trade of the range (seconds for a year at 1 s ticks).
//!
//! Order: the current day's candle of every symbol, then the day before for every symbol, and
//! so on (most recent first, symbols round-robin), so that even a warm-up cut short serves the
//! commonest requests (the last 100 days). It stops at the first of:
//! * `--history-warm-days` days (0: it never starts);
//! * the epoch (no candles before it);
//! * a day whose candles a history request could not reach: reaching back to it from now would
//!   span more than `--max-history-ticks` ticks (at 1 ms ticks, less than a day);
//! * the history cache a quarter full (half of one of its two generations), so that warming
//!   never pushes out a block a request uses, nor its own most recent days;
//! * shutdown: `run` returning stops it before its next candle; nothing waits for it.
//!
//! Results do not change: a block is a pure function of its key, whoever computes it first.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use clap::Args;
use ticker_core::{CandleInterval, Clock, Market};
use ticker_net::metrics::{write_metric, Kind};

use crate::idle;

/// The most `--history-warm-days`: ten years.
pub const MAX_WARM_DAYS: u32 = 3660;

/// `--history-warm-days`.
#[derive(Debug, Clone, Copy, Args)]
pub struct WarmArgs {
    /// Days of daily candles computed ahead of requests, per symbol, most recent first, by a
    /// background thread at idle priority (0..=3660; 0 turns it off). It also stops at the
    /// epoch, at days a request could not reach within --max-history-ticks, and when the
    /// history cache is a quarter full.
    #[arg(
        long = "history-warm-days",
        value_name = "DAYS",
        env = "TICKER_REST_HISTORY_WARM_DAYS",
        default_value_t = 365
    )]
    pub days: u32,

    /// Whether the thread runs at idle priority: always from the command line. Tests that
    /// wait for the warm-up turn it off, so that a machine busy with other work cannot stall
    /// them (`idle.rs` tests the priority itself).
    #[arg(skip = true)]
    pub idle_priority: bool,
}

impl Default for WarmArgs {
    fn default() -> Self {
        Self {
            days: 365,
            idle_priority: true,
        }
    }
}

impl WarmArgs {
    /// Checks the bound; the error names the flag and the value.
    pub fn validate(&self) -> Result<(), String> {
        if self.days > MAX_WARM_DAYS {
            return Err(format!(
                "--history-warm-days: {} must be 0..={MAX_WARM_DAYS}",
                self.days
            ));
        }
        Ok(())
    }
}

/// Why the warm-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// All `--history-warm-days` days are warm.
    Finished,
    /// `--history-warm-days 0`, or a history cache of 0 MiB.
    Off,
    /// The next day is before the epoch.
    Epoch,
    /// Reaching back to the next day would span more than `--max-history-ticks`.
    RequestLimit,
    /// The history cache is a quarter full.
    CacheBudget,
    /// The service is shutting down.
    Shutdown,
}

impl Stop {
    /// The name logs use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Finished => "finished",
            Self::Off => "off",
            Self::Epoch => "reached the epoch",
            Self::RequestLimit => "reached --max-history-ticks",
            Self::CacheBudget => "history cache a quarter full",
            Self::Shutdown => "shutdown",
        }
    }
}

/// The warm-up's settings and progress, shared with `/metrics`.
#[derive(Debug)]
pub struct HistoryWarm {
    days: u32,
    idle_priority: bool,
    max_history_ticks: u64,
    candles: AtomicU64,
    ticks: AtomicU64,
    done: AtomicBool,
    stop: AtomicBool,
}

impl HistoryWarm {
    /// Not started yet.
    pub fn new(args: WarmArgs, max_history_ticks: u64) -> Self {
        Self {
            days: args.days,
            idle_priority: args.idle_priority,
            max_history_ticks,
            candles: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            done: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        }
    }

    /// Starts the warm-up thread (returns at once). Call it once the service is ready.
    pub fn start(self: &Arc<Self>, market: Arc<Market>, clock: &dyn Clock) {
        if self.days == 0 {
            self.finish(Stop::Off);
            return;
        }
        let now_ms = clock.now_ms();
        let warm = self.clone();
        let spawned = std::thread::Builder::new()
            .name("history-warm".to_owned())
            .spawn(move || {
                let priority = if warm.idle_priority {
                    idle::lower_this_thread()
                } else {
                    idle::Priority::Unchanged
                };
                tracing::debug!(priority = priority.name(), "history warm-up started");
                let stop = warm.run(&market, now_ms);
                warm.finish(stop);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "history warm-up not started");
            self.finish(Stop::Off);
        }
    }

    /// Asks the thread to stop before its next candle.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether the warm-up has ended (or was off).
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn finish(&self, stop: Stop) {
        self.done.store(true, Ordering::Release);
        tracing::info!(
            stop = stop.name(),
            candles = self.candles.load(Ordering::Relaxed),
            ticks = self.ticks.load(Ordering::Relaxed),
            "history warm-up done"
        );
    }

    /// Warms daily candles, most recent first and symbols round-robin, until a [`Stop`].
    fn run(&self, market: &Market, now_ms: i64) -> Stop {
        let Ok(day) = "1d".parse::<CandleInterval>() else {
            return Stop::Off;
        };
        let budget = market.history_cache_stats().max_blocks / 4;
        if budget == 0 {
            return Stop::Off;
        }
        let until = market.schedule().tick_at(now_ms);
        let today = day.floor(now_ms);
        for back in 0..i64::from(self.days) {
            let start = today - back * day.ms();
            if market.candle_ticks(day, start, start + 1, until).is_empty() {
                return Stop::Epoch;
            }
            // What `history?interval=1d&limit={back + 1}` would span (see `history.rs`).
            if market.candle_ticks(day, start, now_ms + 1, until).len() > self.max_history_ticks {
                return Stop::RequestLimit;
            }
            for id in market.ids() {
                if self.stop.load(Ordering::Relaxed) {
                    return Stop::Shutdown;
                }
                if market.history_cache_stats().blocks >= budget {
                    return Stop::CacheBudget;
                }
                let ticks = market.warm_candle(id, day, start, until);
                self.candles.fetch_add(1, Ordering::Relaxed);
                self.ticks.fetch_add(ticks, Ordering::Relaxed);
            }
        }
        Stop::Finished
    }

    /// Appends the warm-up's and the history cache's metrics.
    pub fn render(&self, market: &Market, out: &mut String) {
        write_metric(
            out,
            "ticker_rest_history_warm_candles_total",
            Kind::Counter,
            "Daily candles the history warm-up has computed ahead of requests.",
            self.candles.load(Ordering::Relaxed),
        );
        write_metric(
            out,
            "ticker_rest_history_warm_ticks_total",
            Kind::Counter,
            "Ticks those candles span.",
            self.ticks.load(Ordering::Relaxed),
        );
        write_metric(
            out,
            "ticker_rest_history_warm_done",
            Kind::Gauge,
            "1 once the history warm-up has ended (or is off), else 0.",
            u8::from(self.is_done()),
        );
        let cache = market.history_cache_stats();
        write_metric(
            out,
            "ticker_rest_history_cache_blocks",
            Kind::Gauge,
            "Block aggregates the history cache holds.",
            cache.blocks,
        );
        write_metric(
            out,
            "ticker_rest_history_cache_max_blocks",
            Kind::Gauge,
            "The most block aggregates it holds at once (--history-cache-mib).",
            cache.max_blocks,
        );
        write_metric(
            out,
            "ticker_rest_history_cache_hits_total",
            Kind::Counter,
            "Block lookups answered from the history cache.",
            cache.hits,
        );
        write_metric(
            out,
            "ticker_rest_history_cache_misses_total",
            Kind::Counter,
            "Block lookups that were not: blocks computed.",
            cache.misses,
        );
    }
}

/// Stops the warm-up when dropped (when `run` returns, however it returns).
pub struct StopOnDrop(pub Arc<HistoryWarm>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}
