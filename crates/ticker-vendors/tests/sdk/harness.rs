//! Finding the pinned SDKs and running a Python script with them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn skip_allowed() -> bool {
    !under_ci()
        && std::env::var("ALLOW_SKIP").is_ok_and(|l| l.split(',').any(|c| c.trim() == "sdks"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The SDK directory (installing it on first use); `None`, after saying why, when it cannot
/// be had and `ALLOW_SKIP=sdks` allows that.
pub(crate) fn sdks() -> Option<PathBuf> {
    let root = workspace();
    let out = Command::new("bash")
        .arg(root.join("scripts/vendor-sdks-finnhub-binance.sh"))
        .arg("--path")
        .stderr(Stdio::piped())
        .output();
    let problem = match out {
        Ok(o) if o.status.success() => {
            let dir = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            return Some(PathBuf::from(dir));
        }
        Ok(o) => format!(
            "scripts/vendor-sdks-finnhub-binance.sh failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("cannot run scripts/vendor-sdks-finnhub-binance.sh: {e}"),
    };
    if skip_allowed() {
        eprintln!("SKIPPED (ALLOW_SKIP=sdks): {problem}");
        return None;
    }
    panic!("{problem}\nALLOW_SKIP=sdks skips the SDK tests (not under CI=true)");
}

/// Runs `script` (beside this file) with the SDK venv's Python, `input` on stdin, and parses
/// its stdout as JSON.
pub(crate) fn python(sdks: &Path, script: &str, input: &serde_json::Value) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let mut child = Command::new(sdks.join("venv/bin/python"))
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the SDK venv's python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the payloads");
    let out = child.wait_with_output().expect("run the script");
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}
