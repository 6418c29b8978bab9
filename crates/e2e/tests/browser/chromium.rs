//! A headless Chromium with a fresh profile, owned by a guard: however the test ends (success,
//! error, panic), dropping [`Chromium`] kills the browser and removes its temporary directory.
//!
//! The DevTools port is chosen by Chromium (`--remote-debugging-port=0`) and read from the
//! `DevToolsActivePort` file it writes into the profile, so parallel runs never collide.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::TestResult;

/// Where Debian (and `.ci/run`) install Chromium; `TICKER_E2E_CHROMIUM` overrides it.
const DEFAULT_BINARY: &str = "/usr/bin/chromium";
/// How long Chromium may take to open its DevTools port.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The Chromium binary to use, if it exists.
pub(crate) fn binary() -> Result<PathBuf, PathBuf> {
    let path = std::env::var_os("TICKER_E2E_CHROMIUM")
        .map_or_else(|| PathBuf::from(DEFAULT_BINARY), PathBuf::from);
    if path.is_file() {
        Ok(path)
    } else {
        Err(path)
    }
}

/// A running headless Chromium.
pub(crate) struct Chromium {
    child: Child,
    dir: PathBuf,
    /// The browser-level DevTools WebSocket URL.
    pub(crate) devtools_url: String,
}

impl Chromium {
    /// Starts Chromium and waits (bounded) for its DevTools endpoint.
    pub(crate) async fn launch(binary: &Path) -> TestResult<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("ticker-e2e-{}-{nanos:09}", std::process::id()));
        let profile = dir.join("profile");
        fs::create_dir_all(&profile)?;
        let log = match File::create(dir.join("chromium.log")) {
            Ok(log) => log,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(e.into());
            }
        };
        let spawned = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--no-default-browser-check",
                // Containers often have a tiny /dev/shm; Chromium then crashes without this.
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--mute-audio",
                "--window-size=1280,1000",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(format!("cannot start {}: {e}", binary.display()).into());
            }
        };
        // From here on the guard owns the process and the directory.
        let mut browser = Self {
            child,
            dir,
            devtools_url: String::new(),
        };
        browser.devtools_url = browser.wait_for_port(&profile).await?;
        Ok(browser)
    }

    async fn wait_for_port(&mut self, profile: &Path) -> TestResult<String> {
        let file = profile.join("DevToolsActivePort");
        let started = Instant::now();
        loop {
            // Written as "port\npath"; wait until both lines are there.
            if let Ok(text) = fs::read_to_string(&file) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    if let Ok(port) = port.trim().parse::<u16>() {
                        return Ok(format!("ws://127.0.0.1:{port}{}", path.trim()));
                    }
                }
            }
            if let Some(status) = self.child.try_wait()? {
                return Err(format!(
                    "chromium exited with {status} before opening DevTools; log:\n{}",
                    self.log_tail()
                )
                .into());
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                return Err(format!(
                    "chromium wrote no DevToolsActivePort within {STARTUP_TIMEOUT:?}; log:\n{}",
                    self.log_tail()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines Chromium wrote to stderr, for failure messages.
    pub(crate) fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.dir.join("chromium.log")).unwrap_or_default();
        let lines: Vec<&str> = log
            .lines()
            // D-Bus complaints are noise in a container.
            .filter(|l| !l.contains("dbus"))
            .collect();
        let skip = lines.len().saturating_sub(30);
        lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n")
    }

    /// Waits (bounded) for the browser to exit after `Browser.close`.
    pub(crate) async fn wait_for_exit(&mut self, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Helper processes can outlive the browser by a moment and still write to the profile.
        for _ in 0..50 {
            match fs::remove_dir_all(&self.dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                _ => break,
            }
        }
    }
}
