//! `scripts/run.sh`, run for real with the debug binaries (`TICKER_BIN_DIR`) on free ports:
//! "ticker is up" only when its own services answer, the fix when a port is taken, a bounded
//! wait for `/health`, and Ctrl-C stopping both services.

use std::fs;
use std::net::TcpListener;
use std::process::Command;

use crate::support::{
    accepting, alive, bin_dir, binary, clean_command, free_port, free_ports, repo_root, signal,
    wait_healthy, Spawned, Stream,
};

const BANNER: &str = "ticker is up";

/// run.sh on the given ports, with `bins` in place of a release build. It starts with SIGINT
/// at its default, as from a terminal: a shell cannot trap a signal it inherited ignored, which
/// is how commands started in the background of a script (such as a test run) get it.
fn run_sh(bins: &std::path::Path, rest_port: u16, ws_port: u16) -> Command {
    let mut command = clean_command("env");
    command
        .arg("--default-signal=INT")
        .arg(repo_root().join("scripts/run.sh"))
        .env("TICKER_BIN_DIR", bins)
        .env("TICKER_REST_PORT", rest_port.to_string())
        .env("TICKER_WS_PORT", ws_port.to_string());
    command
}

/// The parent pid of a process, from /proc.
fn parent_of(pid: u32) -> u32 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses): state, ppid, …
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The fix run.sh prints for taken ports: `TICKER_REST_PORT=N TICKER_WS_PORT=M scripts/run.sh`.
fn assert_prints_the_port_fix(run: &Spawned) {
    let stderr = run.lines_of(Stream::Stderr);
    let fix = stderr
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("TICKER_REST_PORT="))
        .unwrap_or_else(|| panic!("no fix printed:\n{}", run.transcript()));
    let words: Vec<&str> = fix.split(' ').collect();
    assert_eq!(words.len(), 3, "{fix}");
    assert!(
        words[0]["TICKER_REST_PORT=".len()..].parse::<u16>().is_ok(),
        "{fix}"
    );
    assert!(words[1].starts_with("TICKER_WS_PORT="), "{fix}");
    assert!(
        words[1]["TICKER_WS_PORT=".len()..].parse::<u16>().is_ok(),
        "{fix}"
    );
    assert_eq!(words[2], "scripts/run.sh", "{fix}");
}

fn assert_no_banner(run: &Spawned) {
    assert!(
        !run.transcript().contains(BANNER),
        "printed the banner:\n{}",
        run.transcript()
    );
}

#[test]
fn run_sh_prints_the_banner_for_its_own_services_and_stops_both_on_ctrl_c() {
    let [rest_port, ws_port] = free_ports();
    let mut run = Spawned::start(run_sh(bin_dir(), rest_port, ws_port));
    run.wait_for_line("the banner", |l| l.trim() == BANNER);
    run.wait_for_line("the dashboard URL", |l| {
        l.trim() == format!("Dashboard  http://127.0.0.1:{rest_port}/dashboard")
    });

    // The services answering are run.sh's own children.
    let rest_pid = wait_healthy(rest_port);
    let ws_pid = wait_healthy(ws_port);
    assert_eq!(parent_of(rest_pid), run.pid());
    assert_eq!(parent_of(ws_pid), run.pid());

    signal(run.pid(), "-INT");
    let status = run.wait_exit();
    assert!(status.success(), "{status:?}\n{}", run.transcript());
    assert!(!alive(rest_pid) && !alive(ws_pid), "{}", run.transcript());
    assert!(!accepting(rest_port) && !accepting(ws_port));

    // Both services' lines came through, prefixed, and (stdout being a pipe) without colour.
    let stdout = run.lines_of(Stream::Stdout);
    assert!(stdout.iter().any(|l| l.starts_with("rest-api | ")));
    assert!(stdout.iter().any(|l| l.starts_with("ws-server| ")));
    assert!(!run.transcript().contains('\u{1b}'), "{}", run.transcript());
    assert!(
        run.lines_of(Stream::Stderr).is_empty(),
        "{}",
        run.transcript()
    );
}

#[test]
fn run_sh_does_not_claim_ports_another_ticker_holds_and_prints_the_fix() {
    let [rest_port, ws_port] = free_ports();
    // Another ticker already on both ports: it answers /health, but it is not run.sh's.
    let other = |name: &str, port: u16| {
        let mut command = clean_command(binary(name));
        command.args(["--port", &port.to_string()]);
        Spawned::start(command)
    };
    let other_ws = other("ws-server", ws_port);
    let other_rest = other("rest-api", rest_port);
    assert_eq!(wait_healthy(ws_port), other_ws.pid());
    assert_eq!(wait_healthy(rest_port), other_rest.pid());

    let mut run = Spawned::start(run_sh(bin_dir(), rest_port, ws_port));
    let status = run.wait_exit();
    assert!(!status.success(), "{}", run.transcript());
    assert_no_banner(&run);
    // Each binary's own line says which flag fixes it; run.sh says which ports and how.
    let transcript = run.transcript();
    assert!(
        transcript.contains("(use --port or TICKER_WS_PORT)")
            || transcript.contains("(use --port or TICKER_REST_PORT)"),
        "{transcript}"
    );
    assert!(
        transcript.contains(&format!(
            "ports {rest_port} and {ws_port} are held by another process"
        )),
        "{transcript}"
    );
    assert_prints_the_port_fix(&run);

    // The other ticker is untouched.
    assert_eq!(wait_healthy(ws_port), other_ws.pid());
    assert_eq!(wait_healthy(rest_port), other_rest.pid());
}

#[test]
fn run_sh_stops_its_other_service_when_one_port_is_taken() {
    let rest_port = free_port();
    // A process that holds the port and never answers.
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let ws_port = squatter.local_addr().unwrap().port();

    let mut run = Spawned::start(run_sh(bin_dir(), rest_port, ws_port));
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(1), "{}", run.transcript());
    assert_no_banner(&run);
    let transcript = run.transcript();
    assert!(
        transcript.contains(&format!(
            "cannot listen on 127.0.0.1:{ws_port}: Address already in use"
        )) && transcript.contains("(use --port or TICKER_WS_PORT)"),
        "{transcript}"
    );
    assert!(
        transcript.contains(&format!("port {ws_port} is held by another process")),
        "{transcript}"
    );
    assert_prints_the_port_fix(&run);
    // The rest-api it started is gone with it; the squatter still holds its port.
    assert!(!accepting(rest_port), "{transcript}");
    assert!(accepting(ws_port));
    assert!(!transcript.contains('\u{1b}'), "{transcript}");
}

#[test]
fn run_sh_gives_up_and_stops_both_when_health_never_answers() {
    // Stand-ins that start and stay up but never listen: /health cannot answer.
    let dir = std::env::temp_dir().join(format!("ticker-run-sh-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for name in ["rest-api", "ws-server"] {
        let path = dir.join(name);
        fs::write(
            &path,
            format!(
                "#!/bin/sh\necho $$ > '{}.pid'\nexec sleep 600\n",
                path.display()
            ),
        )
        .unwrap();
        let chmod = Command::new("chmod").arg("+x").arg(&path).status().unwrap();
        assert!(chmod.success());
    }
    let [rest_port, ws_port] = free_ports();
    let mut command = run_sh(&dir, rest_port, ws_port);
    command.env("TICKER_RUN_WAIT_S", "1");
    let mut run = Spawned::start(command);
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(1), "{}", run.transcript());
    assert_no_banner(&run);
    let stderr = run.lines_of(Stream::Stderr).join("\n");
    assert!(
        stderr.contains("the services did not answer /health within 1 s (TICKER_RUN_WAIT_S)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing answers on port"), "{stderr}");
    for name in ["rest-api", "ws-server"] {
        let pid: u32 = fs::read_to_string(dir.join(format!("{name}.pid")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "{name} (pid {pid}) still runs");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn run_sh_rejects_a_bad_wait_and_a_bin_dir_without_the_binaries() {
    let [rest_port, ws_port] = free_ports();
    let mut command = run_sh(bin_dir(), rest_port, ws_port);
    command.env("TICKER_RUN_WAIT_S", "soon");
    let mut run = Spawned::start(command);
    assert_eq!(run.wait_exit().code(), Some(2));
    assert_eq!(
        run.lines_of(Stream::Stderr),
        [r#"run.sh: TICKER_RUN_WAIT_S: "soon" is not a whole number of seconds (1 to 999999)"#]
    );

    let empty = std::env::temp_dir().join(format!("ticker-no-bins-{}", std::process::id()));
    fs::create_dir_all(&empty).unwrap();
    let mut run = Spawned::start(run_sh(&empty, rest_port, ws_port));
    assert_eq!(run.wait_exit().code(), Some(2));
    assert_eq!(
        run.lines_of(Stream::Stderr),
        [format!(
            "run.sh: no executable {}/rest-api (TICKER_BIN_DIR must hold rest-api and ws-server)",
            empty.display()
        )]
    );
    let _ = fs::remove_dir_all(&empty);
}
