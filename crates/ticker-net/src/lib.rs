//! # ticker-net
//!
//! HTTP plumbing shared by the two ticker services, so that limits, errors and shutdown behave
//! the same on both ports. No market logic lives here.
//!
//! * [`guard`]: [`GuardedIo`], which vets every request head (size, syntax, slowloris) before
//!   hyper parses it, so malformed requests still get the JSON error shape;
//! * [`head`]: the pure head validator behind it (fuzzed);
//! * [`rejected`]: the request that stands in for a rejected head (keeps `HEAD` and `Origin`);
//! * [`accept`]: the accept loop with a connection limit, 503 beyond it, and back-off;
//! * [`error`]: [`ApiError`], the one `{"error":{"code","message"}}` shape;
//! * [`faults`]: what fault injection shares: the switch, `fault_*` parameters, seeded draws,
//!   the bounded table of client ids and the per-kind counters;
//! * [`metrics`]: lock-free Prometheus counters and histograms;
//! * [`query`]: query strings and percent-decoding, with errors naming the parameter;
//! * [`moment`]: a past moment named in a request (`at=`, `from=`), checked the same way
//!   on both services;
//! * [`gateway_keys`]: the keys the vendor gateways (Alpaca, Polygon) accept;
//! * [`control`]: `/control/clock`, moving a manual market clock (token-protected, off by
//!   default);
//! * [`shutdown`], [`startup`], [`telemetry`]: signals, start-up and logging.

pub mod accept;
pub mod control;
pub mod error;
pub mod faults;
pub mod gateway_keys;
pub mod guard;
pub mod head;
pub mod metrics;
pub mod moment;
pub mod query;
pub mod rejected;
pub mod shutdown;
pub mod startup;
pub mod telemetry;

pub use accept::{accept_until, Admission};
pub use control::{Control, ControlArgs, CONTROL_CLOCK_PATH};
pub use error::ApiError;
pub use gateway_keys::GatewayKeys;
pub use guard::{GuardConfig, GuardedIo, RejectSlot};
pub use head::{HeadLimits, Scan};
pub use query::Query;
pub use rejected::REJECTED_PATH;
