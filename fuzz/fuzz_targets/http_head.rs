//! The request-head guard must never panic, and never accept a head longer than its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticker_net::head::{scan_head, HeadLimits, Scan};

fuzz_target!(|data: &[u8]| {
    if let Scan::Complete(head) = scan_head(data, &HeadLimits::default()) {
        assert!(head.len <= data.len());
    }
});
