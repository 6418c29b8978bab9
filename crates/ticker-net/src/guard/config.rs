//! What the guard enforces ([`GuardConfig`]) and where it leaves a rejected head's error for
//! the service ([`RejectSlot`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::ApiError;
use crate::head::HeadLimits;

/// Everything the guard enforces on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardConfig {
    /// Size limits of a head.
    pub limits: HeadLimits,
    /// Time allowed for a whole head to arrive.
    pub header_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Time a response write may make no progress (until the connection upgrades); `None`
    /// leaves it to the service.
    pub write_timeout: Option<Duration>,
    /// Whether `Upgrade` requests switch the guard to pass-through (the WebSocket server).
    pub upgrades: bool,
}

/// Where the guard leaves the error of a rejected head for the service.
#[derive(Debug, Clone, Default)]
pub struct RejectSlot(Arc<Mutex<Option<ApiError>>>);

impl RejectSlot {
    /// The rejection for a request to [`REJECTED_PATH`](crate::REJECTED_PATH), if the guard
    /// produced it.
    pub fn take(&self) -> Option<ApiError> {
        self.0.lock().map(|mut slot| slot.take()).unwrap_or(None)
    }

    pub(super) fn put(&self, error: ApiError) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error);
        }
    }
}
