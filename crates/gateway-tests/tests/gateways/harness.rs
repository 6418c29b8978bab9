//! Finding the pinned SDKs (`scripts/sdk-env.sh alpaca-polygon`, and `finnhub-binance` for
//! `@binance/spot`) and running a script of `sdk/` with them: its input as JSON on stdin, its
//! report as JSON on stdout.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use test_support::sdk_env;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// SDK group of Alpaca's and Polygon's SDKs.
const GROUP: &str = "alpaca-polygon";
/// SDK group of Finnhub's and Binance's clients.
const BINANCE_GROUP: &str = "finnhub-binance";
/// The longest an SDK script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// A script runner: the SDK group's Python or Node.
pub enum Sdk {
    /// The virtualenv's python.
    Python(PathBuf),
    /// `node`, with the folder holding `node_modules` in `SDK_NODE_DIR`.
    Node(PathBuf),
}

/// The Python SDKs, or `None` when skipped (the rule of `test_support::sdk_env`).
pub fn python() -> Option<Sdk> {
    sdk_env(GROUP, "python").map(Sdk::Python)
}

/// The Node SDKs, or `None` when skipped.
pub fn node() -> Option<Sdk> {
    sdk_env(GROUP, "node-dir").map(Sdk::Node)
}

/// The Node clients of Finnhub and Binance (`@binance/spot`), or `None` when skipped.
pub fn binance_node() -> Option<Sdk> {
    sdk_env(BINANCE_GROUP, "node-dir").map(Sdk::Node)
}

impl Sdk {
    /// Runs `sdk/<script>` with `input` on stdin; returns the last line of its stdout parsed
    /// as JSON.
    pub async fn run(&self, script: &str, input: &Value) -> Value {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/gateways/sdk")
            .join(script);
        let mut command = match self {
            Self::Python(python) => Command::new(python),
            Self::Node(dir) => {
                let mut c = Command::new("node");
                c.env("SDK_NODE_DIR", dir);
                c
            }
        };
        let mut child = command
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SDK script");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.to_string().as_bytes()).await.unwrap();
        drop(stdin);
        let out = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{script} ran longer than {SCRIPT_TIMEOUT:?}"))
            .unwrap();
        assert!(
            out.status.success(),
            "{script} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The report is the last line (an SDK may log to stdout before it).
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!(
                "{script} printed no JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}
