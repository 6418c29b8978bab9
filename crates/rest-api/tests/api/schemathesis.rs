//! schemathesis (PyPI, pinned in `scripts/sdk/contracts/`, installed by `scripts/sdk-env.sh`)
//! fuzzes the live service (every gateway's credentials configured and sent, a market with
//! Binance pairs: `contract::spawn_contract_app`) from `/openapi.json`: stateless, positive
//! and negative data, every check but `positive_data_acceptance` (the document cannot state cross-parameter rules such
//! as `from` before `to`, so some schema-valid requests are rightly 400). No `5xx`, every
//! status, content type and body as documented, invalid input rejected with a `4xx`.
//!
//! Without the tool the test fails, unless `ALLOW_SKIP=sdks` (never under `CI=true`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::contract::{credentials, spawn_contract_app_with, Auth};
use crate::sdk::sdk_env;

/// Examples per operation and phase (the coverage phase adds every parameter's edge cases
/// on top): few enough for the 52 operations, vendor gateways included, to stay well under
/// three minutes inside the full test run (30 took over four there).
const MAX_EXAMPLES: &str = "15";
/// `--max-history-ticks` of the service under schemathesis (about 35 days of 1 s ticks).
const SCHEMATHESIS_MAX_TICKS: u64 = 3_000_000;

/// The contracts group's virtualenv `bin/` (schemathesis), installing it on first use.
fn tools_bin() -> Option<PathBuf> {
    let python = sdk_env("contracts", "python")?;
    python.parent().map(Path::to_path_buf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_against_the_live_service() {
    let Some(bin) = tools_bin() else { return };
    // schemathesis moves the manual clock anywhere through /control/clock (the year 2226 has
    // been seen), where nothing is cached yet: a tighter work bound keeps every answer well
    // inside its request timeout in a debug build. The limits' own errors are in the document.
    let app = spawn_contract_app_with(|rest| rest.max_history_ticks = SCHEMATHESIS_MAX_TICKS).await;
    let doc = app.get("/openapi.json").await.ok_json();
    // schemathesis leaves out the document's own operation.
    let operations: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            let path = path.clone();
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .filter(|op| op != "GET /openapi.json")
        .collect();
    let url = format!("http://{}/openapi.json", app.addr);
    let junit =
        std::env::temp_dir().join(format!("ticker-schemathesis-{}.xml", std::process::id()));
    let report = junit.clone();
    // schemathesis keeps state in `.schemathesis/` under its working directory.
    let scratch = std::env::temp_dir().join(format!("ticker-schemathesis-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let workdir = scratch.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin.join("schemathesis"))
            .arg("--config-file")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/schemathesis.toml"))
            .args(["run", &url, "--checks", "all"])
            .args(["--exclude-checks", "positive_data_acceptance"])
            .args(["--mode", "all", "--phases", "examples,coverage,fuzzing"])
            // One worker: CPython 3.11 (Debian 12's) can fail compiling in two threads at
            // once ("AST constructor recursion depth mismatch", fixed in 3.12).
            .args(["--max-examples", MAX_EXAMPLES, "--workers", "1"])
            .args(["--generation-database", "none", "--no-color"])
            .args(["--request-timeout", "10"])
            .args(credentials(Auth::Right).iter().flat_map(|(name, value)| {
                // As schemathesis spells it, so that its auth checks know to leave it out.
                let name = if *name == "authorization" {
                    "Authorization"
                } else {
                    name
                };
                ["--header".to_owned(), format!("{name}: {value}")]
            }))
            .args(["--report", "junit", "--report-junit-path"])
            .arg(&report)
            .current_dir(&workdir)
            .output()
            .expect("run schemathesis")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // It really ran every operation (a document it could not read would test nothing).
    let cases = std::fs::read_to_string(&junit).unwrap();
    let _ = std::fs::remove_file(&junit);
    let _ = std::fs::remove_dir_all(&scratch);
    for op in operations {
        assert!(
            cases.contains(&format!("testcase name=\"{op}\"")),
            "schemathesis did not test {op}:\n{stdout}"
        );
    }
}
