//! What every test here needs: the freshly built binaries, free ports, a clean environment,
//! plain HTTP to `/health`, and child processes whose output can be awaited line by line and
//! that never outlive a failed test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long anything here may take before the test fails: generous, because the machine may
/// be busy; nothing waits this long when things work.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The repository root (where `scripts/` and `docs/` are).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The directory holding `rest-api` and `ws-server`, built first: `-p cli-tests` alone does not
/// build other packages' binaries, and a stale one would test old code. (A no-op when fresh.)
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // This test runs from <target>/<profile>/deps/; the binaries go to <target>/<profile>/.
        let dir = std::env::current_exe()
            .unwrap()
            .parent()
            .and_then(Path::parent)
            .unwrap()
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "rest-api", "-p", "ws-server"]);
        match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some(profile) => {
                build.args(["--profile", profile]);
            }
        }
        let status = build.current_dir(repo_root()).status().unwrap();
        assert!(status.success(), "could not build rest-api and ws-server");
        dir
    })
}

/// The path of one binary, built.
pub fn binary(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// A command with none of ticker's settings inherited from the environment running the
/// tests, so that only what a test sets applies.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("TICKER_") || key_text == "RUST_LOG" || key_text == "NO_COLOR" {
            command.env_remove(&key);
        }
    }
    command
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

/// `N` distinct ports that were free a moment ago (held together while picked, so that they
/// differ).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| held[i].local_addr().unwrap().port())
}

/// Whether anything accepts connections on the port.
pub fn accepting(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// `GET /health` on the port: the JSON body when it answers 200, else `None`.
pub fn health(port: u16) -> Option<serde_json::Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200 ") {
        return None;
    }
    serde_json::from_str(body).ok()
}

/// Waits until `/health` on the port answers 200; returns the `pid` it reports.
pub fn wait_healthy(port: u16) -> u32 {
    let started = Instant::now();
    loop {
        if let Some(pid) = health(port).and_then(|h| h["pid"].as_u64()) {
            return pid as u32;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "port {port}: no /health answer"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a process exists (it may be a zombie not yet reaped by its parent).
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Sends a signal (`-INT`, `-TERM`, …) to a process.
pub fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig} {pid}");
}

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A running child whose stdout and stderr are read line by line as they come. Dropping it
/// asks the child to stop (SIGTERM, so that run.sh stops its own services), then kills it.
pub struct Spawned {
    child: Child,
    lines: Receiver<(Stream, String)>,
    seen: Vec<(Stream, String)>,
}

impl Spawned {
    /// Starts the command with piped output (and no input).
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for (stream, pipe) in [
            (Stream::Stdout, Box::new(out) as Box<dyn Read + Send>),
            (Stream::Stderr, Box::new(err)),
        ] {
            let tx = tx.clone();
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    if tx.send((stream, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Reads until a line satisfies `want`, and returns it; fails with the output so far if
    /// the output ends or `PATIENCE` passes first.
    pub fn wait_for_line(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((stream, line)) => {
                    self.seen.push((stream, line.clone()));
                    if want(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no {what} within {PATIENCE:?}:\n{}", self.transcript())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output ended without {what}:\n{}", self.transcript())
                }
            }
        }
    }

    /// Waits for the child to exit and for its output to end (every process holding the
    /// pipes has gone); returns the exit status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "output still open after {PATIENCE:?}:\n{}",
                        self.transcript()
                    )
                }
            }
        }
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running after {PATIENCE:?}:\n{}",
                self.transcript()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The lines of one stream seen so far.
    pub fn lines_of(&self, stream: Stream) -> Vec<&str> {
        self.seen
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, l)| l.as_str())
            .collect()
    }

    /// Everything seen so far, both streams, in arrival order: for failure messages.
    pub fn transcript(&self) -> String {
        self.seen
            .iter()
            .map(|(s, l)| format!("{}{l}\n", if *s == Stream::Stderr { "! " } else { "  " }))
            .collect()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
