//! Finding the pinned SDKs (`scripts/sdk-env.sh`, one group per pair of vendors) and running
//! a Python script with them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Python of SDK group `group` (installing it on first use); `None`, after saying why,
/// when it cannot be had and `ALLOW_SKIP=sdks` allows that.
pub(crate) fn sdk_python(group: &str) -> Option<PathBuf> {
    test_support::sdk_env(group, "python")
}

/// Runs `script` with `python`, `args` after it and `input` on stdin; returns its stdout.
pub(crate) fn run_python(python: &Path, script: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the SDK virtualenv's python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write the input");
    let out = child.wait_with_output().expect("run the script");
    assert!(
        out.status.success(),
        "{} rejected our input:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `script` (beside this file) with `python`, `input` on stdin, and parses its stdout as
/// JSON.
pub(crate) fn python(python: &Path, script: &str, input: &serde_json::Value) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let out = run_python(python, &path, &[], input.to_string().as_bytes());
    serde_json::from_slice(&out).expect("the script prints JSON")
}
