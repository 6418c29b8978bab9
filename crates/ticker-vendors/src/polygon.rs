//! polygon wire format.
