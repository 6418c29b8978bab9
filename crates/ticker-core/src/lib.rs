//! # ticker-core
//!
//! The market model every ticker service shares. It has no sockets and no mutable global state:
//! the price of a symbol at tick `n` is a pure function of (configuration, seed, symbol, n).
//! That is why the REST and WebSocket services agree on every price without talking to each
//! other, why replicas need no broker, and why history needs no database.
//!
//! * [`config`]: the [`MarketConfig`] (defaults ← file ← env ← flags, via [`MarketArgs`]).
//! * [`Market`]: per-symbol models; [`Market::price`] is random access in O(log n), and so
//!   are a tick's trades ([`Market::trades`]), its NBBO ([`Market::nbbo`]), the last trade
//!   as of it ([`Market::last_price`], [`Market::latest_trade`]) and cumulative volume and
//!   trade counts ([`Market::volume_between`], [`Market::trade_count`],
//!   [`Market::tick_of_trade`]).
//! * [`SessionTracker`]: consecutive quotes in amortised O(1) per tick; [`tick_all`] steps
//!   every symbol of a tick loop (market factors advanced once per calendar class) and hands
//!   out each one's [`SymbolTick`]: quote, trades, NBBO and the bars the tick closes.
//! * [`Market::candles`], [`Market::minute_bars`], [`Market::daily_bars`]: OHLCV, trade
//!   counts and VWAP aggregated from the trades, long ranges from memoized block aggregates
//!   (`aggregate.rs`; bounded by [`Market::with_history_cache`]).
//! * [`Quote`], [`Candle`], [`SymbolInfo`], [`Trade`], [`Nbbo`]: the JSON both services send.
//! * [`write_classic`]: the classic array element (`stock`, `price`, `change` since the
//!   previous tick) of `format=array`.
//! * [`Clock`]: injected market time: real ([`SystemClock`]), [`VirtualClock`] (shifted and
//!   sped up, from [`ClockConfig`]) or [`ManualClock`] (moves only when told); [`Timeline`]
//!   is the wall ↔ market map behind the virtual clock and replays.
//! * [`facts`]: the stylized facts of returns, measured from client-visible prices.
//! * [`Activity`]: how much the market does in a span of wall time (business time).
//! * [`calendar`]: trading calendars (24/7 or `us-equity`): phases, trading days, sessions,
//!   the [`Activity`] each one runs on, and the ticks of each day ([`DayTicks`]).
//! * `universe.rs`: the generated symbols of `--universe N`.
//!
//! Start with `model.rs` for how the walk is built, and `docs/model.md` for what it produces.

pub mod activity;
mod aggregate;
pub mod calendar;
mod candle;
mod classic;
mod cli;
mod clock;
pub mod config;
mod decimal;
pub mod facts;
mod market;
mod model;
mod nbbo;
mod noise;
mod quote;
pub mod scenario;
pub mod schema;
mod session;
mod symbol;
mod tickloop;
pub mod time;
mod trade;
mod trades;
mod universe;
mod virtual_clock;

pub use activity::{Activity, SplitWeights, Uniform};
pub use aggregate::{HistoryCacheStats, BLOCK_BYTES, DEFAULT_CACHE_BYTES};
pub use calendar::{Calendar, CalendarKind, DayTicks, Phase, TradingDay, TradingTicks};
pub use candle::{CandleInterval, TickRange, UnknownInterval};
pub use classic::{open_classic, write_classic, TickChange};
pub use cli::{MarketArgs, MAX_HISTORY_CACHE_MIB};
pub use clock::{Clock, ManualClock, Schedule, Seq, Session, SystemClock};
pub use config::{Anchor, ClockConfig, ConfigError, ExchangeConfig, MarketConfig, SymbolConfig};
pub use decimal::{Decimal, TickSize, MAX_DECIMALS};
pub use market::{HaltStatus, LogOffsets, Market, TradingStatus};
pub use quote::{Candle, Quote, SymbolInfo};
pub use session::SessionTracker;
pub use symbol::{Symbol, SymbolError, SymbolId, SymbolSet, MAX_SYMBOL_LEN};
pub use tickloop::{quote_all, tick_all, warm_up, SymbolTick};
pub use trade::{Conditions, Exchange, Nbbo, Tape, Trade};
pub use trades::{TickSummary, TickTrades, Trades};
pub use virtual_clock::{
    clock_report, ClockError, ClockInfo, ClockKind, ClockReport, Timeline, VirtualClock,
};

/// The version of the ticker workspace, reported by `/health` and `/` of every service.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
