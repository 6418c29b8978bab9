//! `docs/config.md` shows the binaries' real output: each command of the "Validation" example
//! block is run (in a scratch directory, with the binaries on `PATH` and no `TICKER_*` set)
//! and must print exactly what the page says, with the exit status noted after it
//! (`# exit N`); the `--help` blocks must be what `--help` prints.
//!
//! To regenerate after changing a message or a flag:
//! `UPDATE_DOCS=1 cargo nextest run -p cli-tests docs` (or `cargo test`), then review the diff.

use std::fs;
use std::path::PathBuf;

use crate::support::{bin_dir, binary, clean_command, repo_root};

const EXIT_NOTE: &str = "  # exit ";

fn config_md() -> PathBuf {
    repo_root().join("docs/config.md")
}

/// The byte range of the body of the first fenced block of kind `fence` (`console`, `text`)
/// after `marker`.
fn block_after(doc: &str, marker: &str, fence: &str) -> std::ops::Range<usize> {
    let at = doc
        .find(marker)
        .unwrap_or_else(|| panic!("docs/config.md has no {marker:?}"));
    let open = format!("```{fence}\n");
    let start = at + doc[at..].find(&open).unwrap() + open.len();
    let end = start + doc[start..].find("```\n").unwrap();
    start..end
}

/// What the command line prints (stdout and stderr, as a terminal would interleave them) and
/// its exit status, run by `sh` in a scratch directory.
fn run_shell(command_line: &str, scratch: &std::path::Path) -> (String, i32) {
    let path = std::env::join_paths(std::iter::once(bin_dir().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = clean_command("sh")
        .arg("-c")
        .arg(format!("exec 2>&1; {command_line}"))
        .current_dir(scratch)
        .env("PATH", path)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap(),
    )
}

/// The Validation block as the binaries write it today, from the commands the page shows.
fn validation_block(current: &str) -> String {
    let scratch = std::env::temp_dir().join(format!("ticker-docs-{}", std::process::id()));
    fs::create_dir_all(&scratch).unwrap();
    let mut block = String::new();
    for line in current.lines().filter_map(|l| l.strip_prefix("$ ")) {
        let command_line = line.split(EXIT_NOTE).next().unwrap();
        let (output, status) = run_shell(command_line, &scratch);
        assert_ne!(status, 0, "`{command_line}` succeeded: {output}");
        block.push_str(&format!("$ {command_line}{EXIT_NOTE}{status}\n{output}"));
    }
    let _ = fs::remove_dir_all(&scratch);
    block
}

fn help_of(name: &str) -> String {
    let out = clean_command(binary(name)).arg("--help").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn config_md_examples_are_the_binaries_real_output() {
    let doc = fs::read_to_string(config_md()).unwrap();
    let mut fresh = doc.clone();
    // Replace from the end of the page backwards, so earlier ranges stay valid.
    let mut blocks = vec![
        (block_after(&doc, "\n## Validation\n", "console"), None),
        (
            block_after(&doc, "`rest-api --help`, verbatim:", "text"),
            Some("rest-api"),
        ),
        (
            block_after(&doc, "`ws-server --help`, verbatim:", "text"),
            Some("ws-server"),
        ),
    ];
    blocks.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, help) in blocks {
        let body = match help {
            Some(name) => help_of(name),
            None => validation_block(&doc[range.clone()]),
        };
        fresh.replace_range(range, &body);
    }
    if fresh == doc {
        return;
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::write(config_md(), &fresh).unwrap();
        eprintln!("docs/config.md regenerated; review the diff");
        return;
    }
    panic!(
        "docs/config.md differs from the binaries' real output; regenerate it with \
         `UPDATE_DOCS=1 cargo nextest run -p cli-tests docs` and review the diff.\n{}",
        first_difference(&doc, &fresh)
    );
}

/// A few lines of each text from the first line where they differ.
fn first_difference(old: &str, new: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let at = old
        .iter()
        .zip(&new)
        .position(|(o, n)| o != n)
        .unwrap_or(old.len().min(new.len()));
    let show = |lines: &[&str], mark: &str| -> String {
        lines
            .iter()
            .skip(at)
            .take(6)
            .map(|l| format!("{mark} {l}\n"))
            .collect()
    };
    format!(
        "from line {}:\n{}{}",
        at + 1,
        show(&old, "doc: "),
        show(&new, "real:")
    )
}
