//! The official Python SDKs read what the vendor modules write, with their own parsers.
//!
//! Frames built here go through `scripts/sdk/decode_frames.py`, which feeds them to alpaca-py
//! (msgpack, `raw_data=False`: its models, `.to_datetime()` on every timestamp extension) and
//! to polygon-api-client's event parser, and prints what the SDKs made of them. The pinned
//! SDKs come from `scripts/sdk-env.sh` (installed on first use, then cached). The gateway
//! tests against the running services drive the same SDKs as clients end to end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    unreachable_pub
)]

mod alpaca_py;
mod polygon_py;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the SDK decoder on `bytes` and returns one JSON value per decoded message.
fn decode(vendor: &str, bytes: &[u8]) -> Vec<Value> {
    let python = Command::new("bash")
        .arg(repo().join("scripts/sdk-env.sh"))
        .arg("python")
        .output()
        .expect("run scripts/sdk-env.sh");
    assert!(
        python.status.success(),
        "scripts/sdk-env.sh could not install the pinned SDKs:\n{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let python = String::from_utf8(python.stdout).unwrap();
    let file = std::env::temp_dir().join(format!(
        "ticker-sdk-{vendor}-{}-{:?}.bin",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(python.trim())
        .arg(repo().join("scripts/sdk/decode_frames.py"))
        .arg(vendor)
        .arg(&file)
        .output()
        .expect("run the SDK decoder");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "the {vendor} SDK rejected our frames:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
