//! Colour only where a person reads it: on a terminal, and not when `NO_COLOR` is set. The
//! terminal is real: util-linux `script` (Debian's essential bsdutils) runs the command on a
//! pseudo-terminal and copies what it prints to the test. Without a terminal the output must be
//! plain, which the run.sh tests check on everything they read.

use std::net::TcpListener;

use crate::support::{binary, clean_command, free_port, repo_root, signal, wait_healthy, Spawned};

const ESC: char = '\u{1b}';

/// `script` running `command_line` (a `sh` command line) on a pseudo-terminal.
fn on_a_terminal(command_line: &str, no_color: Option<&str>) -> Spawned {
    let mut command = clean_command("script");
    command
        .args([
            "--quiet",
            "--return",
            "--command",
            command_line,
            "/dev/null",
        ])
        .env("SHELL", "/bin/sh");
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    Spawned::start(command)
}

fn quoted(path: &std::path::Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn service_logs_are_coloured_on_a_terminal_unless_no_color_is_set() {
    for (name, no_color, coloured) in [
        ("rest-api", None, true),
        ("rest-api", Some("1"), false),
        ("ws-server", None, true),
        ("ws-server", Some("1"), false),
        // An empty NO_COLOR counts as unset (no-color.org).
        ("ws-server", Some(""), true),
    ] {
        let port = free_port();
        let line = format!("exec {} --port {port}", quoted(&binary(name)));
        let mut service = on_a_terminal(&line, no_color);
        let listening = service.wait_for_line("the listening line", |l| l.contains("listening"));
        assert_eq!(
            listening.contains(ESC),
            coloured,
            "{name} NO_COLOR={no_color:?}: {listening:?}"
        );
        // Stop it the way an operator would; `script` ends with it.
        signal(wait_healthy(port), "-TERM");
        assert!(service.wait_exit().success(), "{}", service.transcript());
        if !coloured {
            assert!(!service.transcript().contains(ESC));
        }
    }
}

#[test]
fn run_sh_prefixes_are_coloured_on_a_terminal_unless_no_color_is_set() {
    for (no_color, coloured) in [(None, true), (Some("1"), false)] {
        // The ws port is taken, so run.sh ends by itself after the ws-server's error line.
        let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
        let ws_port = squatter.local_addr().unwrap().port();
        let line = format!(
            "TICKER_BIN_DIR={} TICKER_REST_PORT={} TICKER_WS_PORT={ws_port} exec {}",
            quoted(binary("rest-api").parent().unwrap()),
            free_port(),
            quoted(&repo_root().join("scripts/run.sh")),
        );
        let mut run = on_a_terminal(&line, no_color);
        let status = run.wait_exit();
        assert_eq!(status.code(), Some(1), "{}", run.transcript());
        let transcript = run.transcript();
        assert!(transcript.contains("cannot listen on"), "{transcript}");
        assert_eq!(
            transcript.contains(&format!(
                "{ESC}[36mws-server{ESC}[0m| ws-server: cannot listen"
            )),
            coloured,
            "NO_COLOR={no_color:?}:\n{transcript:?}"
        );
        if !coloured {
            assert!(!transcript.contains(ESC), "{transcript:?}");
        }
    }
}
