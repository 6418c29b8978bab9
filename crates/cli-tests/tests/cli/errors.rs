//! The binaries' start-up errors, as a user meets them: one line on stderr that says what is
//! wrong and how to fix it, and a non-zero exit.

use std::net::TcpListener;
use std::process::Output;

use crate::support::{binary, clean_command};

const BINARIES: [(&str, &str); 2] = [("rest-api", "TICKER_REST"), ("ws-server", "TICKER_WS")];

fn run(name: &str, args: &[&str]) -> Output {
    clean_command(binary(name)).args(args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn a_taken_port_names_the_flag_and_the_variable_that_fix_it() {
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    for (name, env_prefix) in BINARIES {
        let out = run(name, &["--port", &port.to_string()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let line = stderr(&out);
        assert!(
            line.starts_with(&format!(
                "{name}: cannot listen on 127.0.0.1:{port}: Address already in use"
            )),
            "{line}"
        );
        assert!(
            line.ends_with(&format!(" (use --port or {env_prefix}_PORT)\n")),
            "{line}"
        );
        assert_eq!(line.lines().count(), 1, "{line}");
    }
}

#[test]
fn a_mistyped_flag_keeps_the_similar_flag_tip_on_one_line() {
    for (name, _) in BINARIES {
        let out = run(name, &["--prot", "9000"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_eq!(
            stderr(&out),
            format!(
                "{name}: unexpected argument '--prot' found; a similar argument exists: \
                 '--port' (see --help)\n"
            )
        );
    }
}

#[test]
fn a_lower_case_symbol_in_a_config_file_says_symbols_are_upper_case() {
    let path = std::env::temp_dir().join(format!("ticker-lower-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"symbols":[{"symbol":"brk.b","reference_price":410}]}"#,
    )
    .unwrap();
    for (name, _) in BINARIES {
        let out = run(name, &["--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(
            stderr(&out),
            format!(
                "{name}: config field `symbols[0].symbol`: \"brk.b\": symbols are upper-case, \
                 e.g. `BRK.B`\n"
            )
        );
    }
    let _ = std::fs::remove_file(&path);
}
