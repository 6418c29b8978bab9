//! The TypeScript client (`clients/typescript/`), built and run with Node against the real
//! binaries: the committed `dist/` is what `tsc` makes of `src/` (so cargo builds never need
//! npm); the client resumes across a killed and restarted ws-server with no gap and no
//! duplicate, every (symbol, seq) at REST's price; and its message types have the property
//! names and required sets of `docs/asyncapi.json`. Against a scripted socket
//! (`test/fake-socket.mjs`): first-connection parameters, `reconnectNow`, `wasClean`, and a
//! connection cut inside a tick resuming before that tick.
//!
//! `tsc` comes from `scripts/sdk-env.sh typescript` (pinned, installed once into a cache).
//! Without it, or without `node`, the tests fail, unless `ALLOW_SKIP` names `sdks` (never
//! under `CI=true`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::{or_skip, SDKS};

use crate::support::{
    binary, clean_command, free_ports, repo_root, signal, wait_healthy, Spawned, PATIENCE,
};

fn client_dir() -> PathBuf {
    repo_root().join("clients/typescript")
}

/// The folder holding `node_modules/typescript` (`scripts/sdk-env.sh typescript node-dir`).
fn typescript_dir() -> Option<PathBuf> {
    test_support::sdk_env("typescript", "node-dir")
}

/// `node`, with the flag Node 20 needs for a global `WebSocket` (22 has it by default).
fn node() -> Option<Command> {
    let version = Command::new("node").arg("--version").output();
    let major = match version {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .ok_or_else(|| "cannot read `node --version`".to_owned()),
        Ok(_) | Err(_) => Err("no `node` on PATH: install Node.js 20 or newer".to_owned()),
    };
    let major = or_skip(SDKS, major)?;
    assert!(
        major >= 20,
        "Node.js {major} is too old: the client needs 20 or newer"
    );
    let mut command = Command::new("node");
    if major < 22 {
        command.arg("--experimental-websocket");
    }
    Some(command)
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.insert(name, std::fs::read(&path).unwrap());
    }
    out
}

#[test]
fn committed_dist_is_what_tsc_builds_from_src() {
    let Some(ts) = typescript_dir() else { return };
    let out = std::env::temp_dir().join(format!("ticker-tsc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let status = Command::new("node")
        .arg(ts.join("node_modules/typescript/bin/tsc"))
        .arg("-p")
        .arg(client_dir().join("tsconfig.json"))
        .arg("--outDir")
        .arg(&out)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "tsc failed to compile clients/typescript/src"
    );
    let built = files(&out);
    let committed = files(&client_dir().join("dist"));
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "clients/typescript/dist holds other files than tsc builds"
    );
    for (name, bytes) in &built {
        assert!(
            committed.get(name) == Some(bytes),
            "clients/typescript/dist/{name} is stale: rebuild it with \
             `$(scripts/sdk-env.sh typescript node-dir)/node_modules/.bin/tsc -p clients/typescript` \
             and commit the result"
        );
    }
    assert!(built.contains_key("ticker.js") && built.contains_key("ticker.d.ts"));
}

#[test]
fn client_types_match_the_asyncapi_document() {
    let doc = repo_root().join("docs/asyncapi.json");
    assert!(doc.exists(), "docs/asyncapi.json is missing");
    let Some(ts) = typescript_dir() else { return };
    let out = Command::new("node")
        .arg(client_dir().join("test/check-asyncapi.mjs"))
        .arg(&doc)
        .env("SDK_NODE_DIR", &ts)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the client's types differ from docs/asyncapi.json:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn client_spends_first_params_once_reconnects_on_demand_reports_clean_closes_and_resumes_before_a_cut_tick(
) {
    let Some(mut node) = node() else { return };
    let out = node
        .arg(client_dir().join("test/fake-socket.mjs"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the client misbehaves against a scripted socket:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The Node client process: its JSON lines as they come.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    seen: Vec<Value>,
}

impl Client {
    fn start(mut node: Command, url: &str) -> Self {
        let mut child = node
            .arg(client_dir().join("test/resume.mjs"))
            .arg(url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads events until one satisfies `want`; returns it.
    fn wait_for(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if want(&v) {
                        return v;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let tail: Vec<String> = self
                        .seen
                        .iter()
                        .rev()
                        .take(20)
                        .map(Value::to_string)
                        .collect();
                    panic!("no {what}; the client's last events:\n{}", tail.join("\n"));
                }
            }
        }
    }

    /// The newest quote seq received so far.
    fn newest_seq(&self) -> u64 {
        self.seen
            .iter()
            .filter(|v| v["ev"] == "quote")
            .filter_map(|v| v["seq"].as_u64())
            .max()
            .unwrap_or(0)
    }

    /// Waits for a quote of tick `seq` or later.
    fn wait_quote_at(&mut self, seq: u64) {
        if self.newest_seq() >= seq {
            return;
        }
        self.wait_for(&format!("quote at seq {seq}"), |v| {
            v["ev"] == "quote" && v["seq"].as_u64() >= Some(seq)
        });
    }

    /// Asks the client to close and waits for its counters.
    fn stop(&mut self) -> Value {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"stop\n");
        }
        let done = self.wait_for("the client's counters", |v| v["ev"] == "done");
        let _ = self.child.wait();
        done
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange with `Connection: close`: the status line's code and the body.
fn http(port: u16, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, body.to_owned())
}

/// `GET /api/v1/latest` (every symbol, now): the tick and each symbol's price.
fn rest_latest(port: u16) -> (u64, BTreeMap<String, f64>) {
    let (code, body) = http(
        port,
        "GET /api/v1/latest HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let prices = v["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["symbol"].as_str().unwrap().to_owned(),
                q["price"].as_f64().unwrap(),
            )
        })
        .collect();
    (v["seq"].as_u64().unwrap(), prices)
}

/// What `scripts/clock.sh ticks 1` does, to one service: the tick it is at afterwards.
fn step(port: u16) -> u64 {
    let body = r#"{"ticks":1}"#;
    let (code, answer) = http(
        port,
        &format!(
            "POST /control/clock HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(code, 200, "POST /control/clock: {answer}");
    let v: Value = serde_json::from_str(&answer).unwrap();
    v["tick"].as_u64().unwrap()
}

/// The control token of both services.
const TOKEN: &str = "ts-client-test";
/// Where the manual clocks start (a fixed moment: nothing depends on the time of day).
const START_MS: i64 = 1_773_154_800_000; // 2026-03-10T15:00:00Z

fn ws_server(port: u16, start_ms: i64) -> Spawned {
    let mut command = clean_command(binary("ws-server"));
    command
        .args(["--port", &port.to_string(), "--host", "127.0.0.1"])
        .args(["--clock", "manual", "--control-token", TOKEN])
        .args(["--clock-start", &start_ms.to_string()]);
    Spawned::start(command)
}

#[test]
fn client_resumes_across_a_ws_server_restart_with_no_gap_and_no_duplicate() {
    let Some(node) = node() else { return };
    let [rest_port, ws_port] = free_ports();
    let mut ws = ws_server(ws_port, START_MS);
    // Ours, not another test's process that took the port meanwhile (it will be killed).
    let ws_pid = ws.pid();
    assert_eq!(
        wait_healthy(ws_port),
        ws_pid,
        "port {ws_port} is another process's"
    );
    let mut rest = clean_command(binary("rest-api"));
    rest.args(["--port", &rest_port.to_string(), "--host", "127.0.0.1"])
        .args(["--ws-url", &format!("ws://127.0.0.1:{ws_port}")])
        .args(["--clock", "manual", "--control-token", TOKEN])
        .args(["--clock-start", &START_MS.to_string()]);
    let rest = Spawned::start(rest);
    assert_eq!(
        wait_healthy(rest_port),
        rest.pid(),
        "port {rest_port} is another process's"
    );
    // REST's price of every (symbol, seq), recorded as the clock moves.
    let mut rest_prices: BTreeMap<(String, u64), f64> = BTreeMap::new();
    let record = |prices: &mut BTreeMap<(String, u64), f64>| {
        let (seq, quotes) = rest_latest(rest_port);
        for (symbol, price) in quotes {
            prices.insert((symbol, seq), price);
        }
        seq
    };

    // 1. Streaming, tick by tick.
    let mut client = Client::start(node, &format!("ws://127.0.0.1:{ws_port}/ws"));
    let welcome = client.wait_for("the welcome", |v| v["ev"] == "welcome");
    let first = welcome["seq"].as_u64().unwrap();
    assert_eq!(record(&mut rest_prices), first);
    client.wait_quote_at(first);
    let mut seq = first;
    for _ in 0..10 {
        seq = step(ws_port);
        assert_eq!(step(rest_port), seq);
        record(&mut rest_prices);
        client.wait_quote_at(seq);
    }
    let last_before = seq;

    // 2. The ws-server dies (no close frame); the market goes on for five ticks.
    signal(ws_pid, "-KILL");
    ws.wait_exit();
    let down = client.wait_for("the client to notice", |v| {
        v["ev"] == "state" && v["state"] == "reconnecting"
    });
    for _ in 0..5 {
        seq = step(rest_port);
        record(&mut rest_prices);
    }

    // 3. Back on the same port, its clock where the market is: the client resumes after the
    //    last tick it had, and the five it missed are replayed.
    let now_ms = START_MS + (seq - first) as i64 * 1000;
    let ws = ws_server(ws_port, now_ms);
    assert_eq!(
        wait_healthy(ws_port),
        ws.pid(),
        "port {ws_port} is another process's"
    );
    let reopened = client.wait_for("the client to reconnect", |v| {
        v["ev"] == "state" && v["state"] == "open"
    });
    // The newest tick may have been cut short (its status frames come after its quotes): the
    // client resumes after the one before it, and drops the newest tick's frames that come again.
    assert_eq!(
        reopened["resumedAfter"].as_u64(),
        Some(last_before - 1),
        "the reconnect resumes after the last tick received in full ({down})"
    );
    let welcome = client.wait_for("the second welcome", |v| v["ev"] == "welcome");
    assert_eq!(
        welcome["seq"].as_u64(),
        Some(seq),
        "the restarted server's tick"
    );
    client.wait_quote_at(seq);
    for _ in 0..5 {
        seq = step(ws_port);
        assert_eq!(step(rest_port), seq);
        record(&mut rest_prices);
        client.wait_quote_at(seq);
    }
    let done = client.stop();

    // 4. Every tick of every symbol once, in order, at REST's price.
    let mut by_symbol: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for v in client.seen.iter().filter(|v| v["ev"] == "quote") {
        by_symbol
            .entry(v["symbol"].as_str().unwrap().to_owned())
            .or_default()
            .push((v["seq"].as_u64().unwrap(), v["price"].as_f64().unwrap()));
    }
    assert_eq!(by_symbol.len(), 5, "every symbol streamed");
    for (symbol, quotes) in &by_symbol {
        let seqs: Vec<u64> = quotes.iter().map(|q| q.0).collect();
        let want: Vec<u64> = (first..=seq).collect();
        assert_eq!(
            seqs, want,
            "{symbol}: every seq once, in order, across the restart"
        );
        for &(n, price) in quotes {
            assert_eq!(
                rest_prices.get(&(symbol.clone(), n)),
                Some(&price),
                "{symbol} at seq {n}: the client's price against REST's"
            );
        }
    }
    assert!(
        !client.seen.iter().any(|v| v["ev"] == "gap"),
        "the client saw a gap"
    );
    assert_eq!(done["stats"]["reconnects"], 1, "{done}");
    assert_eq!(done["stats"]["gaps"], 0, "{done}");
    assert_eq!(done["stats"]["serverGaps"], 0, "{done}");
    eprintln!(
        "[ts-client] resumed after seq {}, six ticks replayed, {} quotes equal REST; {done}",
        last_before - 1,
        by_symbol.values().map(Vec::len).sum::<usize>()
    );
}
