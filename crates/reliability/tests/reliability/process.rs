//! The real binaries as child processes: built on first use, started on a free loopback port
//! with a clean `TICKER_*` environment, signalled, and killed if a test fails first.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::helpers;

/// The path of a workspace binary, built once per test run: `cargo test -p reliability` alone
/// does not build other packages' binaries, and a stale one would test old code.
fn binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(path) = built.get_or_insert_with(HashMap::new).get(name) {
        return path.clone();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", name, "--bin", name])
        .status()
        .unwrap();
    assert!(status.success(), "could not build {name}");
    let path = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join(name);
    built
        .get_or_insert_with(HashMap::new)
        .insert(name.to_owned(), path.clone());
    path
}

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process that is killed if the test fails before it exits.
pub struct Service(pub Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Service {
    /// Starts a workspace binary with `args` and none of the caller's `TICKER_*` settings.
    pub fn start(name: &str, args: &[&str]) -> Self {
        let mut cmd = Command::new(binary(name));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TICKER_") {
                cmd.env_remove(key);
            }
        }
        Self(
            cmd.args(args)
                .env_remove("RUST_LOG")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    /// Sends a signal (`-TERM`, `-INT`, …) with `kill`.
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for exit up to `limit`; returns the status and how long it took.
    pub async fn exit_within(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(started.elapsed() < limit, "still running after {limit:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Waits until a service answers `GET /health` on the port.
pub async fn wait_port(port: u16) {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    helpers::wait_listening(addr).await;
}
