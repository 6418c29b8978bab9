//! Integration tests of the ws-server: the real server on `127.0.0.1:0`, driven by a
//! [`ticker_core::ManualClock`], and real clients (tokio-tungstenite and raw HTTP). Expected
//! quotes always come from `ticker_core`, never from hard-coded prices.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr,
    missing_docs,
    unreachable_pub
)]

mod agreement;
mod channels;
mod clock;
mod contract;
mod errors;
mod faults;
mod head;
mod helpers;
mod http;
mod limits;
mod pacing;
mod replay;
mod replicas;
mod resume;
mod slow;
mod stream;
mod subscriptions;
mod universe;
mod vendor_halt;
mod vendor_protocol;
mod vendor_replay;
mod vendor_sdk;
