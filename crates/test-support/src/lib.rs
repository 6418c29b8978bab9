//! Helpers the workspace's tests share, and nothing else: a dev-dependency only, never part of
//! a service. It finds the pinned SDKs and tools that `scripts/sdk-env.sh` installs, and holds
//! the one rule for a test whose tool is missing:
//!
//! - it **fails**, saying what is missing and how to skip it;
//! - unless `ALLOW_SKIP` (a comma-separated list) names the check (`sdks`, `chromium`), when it
//!   says why on stderr and skips;
//! - but never under CI (`CI` set to anything but empty, `false` or `0`): there a missing tool
//!   always fails, so a CI run cannot pass by skipping.
//!
//! `scripts/test.sh` applies the same rule to the whole run.

// A failing check is a panic and a skip is a line on stderr: that is how a test reports.
#![allow(clippy::panic, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The check name that lets the tests needing `scripts/sdk-env.sh` skip.
pub const SDKS: &str = "sdks";

/// The workspace root (where `scripts/` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether this runs under CI (`CI` set to anything but empty, `false` or `0`).
pub fn under_ci() -> bool {
    is_ci(std::env::var("CI").ok().as_deref())
}

/// Whether the user allowed skipping `check` (`ALLOW_SKIP` names it); never under CI.
pub fn skip_allowed(check: &str) -> bool {
    allows_skip(
        std::env::var("CI").ok().as_deref(),
        std::env::var("ALLOW_SKIP").ok().as_deref(),
        check,
    )
}

fn is_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The rule itself, given the values of `CI` and `ALLOW_SKIP`.
fn allows_skip(ci: Option<&str>, allow_skip: Option<&str>, check: &str) -> bool {
    !is_ci(ci) && allow_skip.is_some_and(|list| list.split(',').any(|c| c.trim() == check))
}

/// `found`'s value; else, when `check` may be skipped, `None` after saying why on stderr;
/// else a panic saying why and how to skip.
pub fn or_skip<T>(check: &str, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(value) => Some(value),
        Err(problem) if skip_allowed(check) => {
            eprintln!("SKIPPED (ALLOW_SKIP={check}): {problem}");
            None
        }
        Err(problem) => {
            panic!("{problem}\nALLOW_SKIP={check} skips the tests that need it (not under CI=true)")
        }
    }
}

/// The path `scripts/sdk-env.sh <group> <what>` prints (installing the group's pinned tools on
/// first use, cached after); `None` when they cannot be had and `ALLOW_SKIP=sdks` allows
/// skipping, else a panic (see the crate docs).
pub fn sdk_env(group: &str, what: &str) -> Option<PathBuf> {
    or_skip(SDKS, run_sdk_env(group, what))
}

fn run_sdk_env(group: &str, what: &str) -> Result<PathBuf, String> {
    let out = Command::new("bash")
        .arg(workspace_root().join("scripts/sdk-env.sh"))
        .args([group, what])
        .stderr(Stdio::piped())
        .output();
    match out {
        Ok(o) if o.status.success() => Ok(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        Ok(o) => Err(format!(
            "scripts/sdk-env.sh {group} could not install its pinned tools: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("cannot run scripts/sdk-env.sh: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_needs_allow_skip_to_name_the_check() {
        assert!(!allows_skip(None, None, SDKS));
        assert!(!allows_skip(None, Some(""), SDKS));
        assert!(!allows_skip(None, Some("chromium,compose"), SDKS));
        assert!(!allows_skip(None, Some("sdk"), SDKS));
        assert!(allows_skip(None, Some("sdks"), SDKS));
        assert!(allows_skip(None, Some("chromium, sdks ,compose"), SDKS));
        assert!(allows_skip(Some("false"), Some("sdks"), SDKS));
        assert!(allows_skip(Some("0"), Some("sdks"), SDKS));
        assert!(allows_skip(Some(""), Some("sdks"), SDKS));
    }

    #[test]
    fn ci_never_skips() {
        for ci in ["true", "1", "yes"] {
            assert!(!allows_skip(Some(ci), Some("sdks"), SDKS), "CI={ci}");
            assert!(
                !allows_skip(Some(ci), Some("sdks,chromium"), "chromium"),
                "CI={ci}"
            );
        }
    }

    #[test]
    fn a_found_tool_is_returned_as_is() {
        assert_eq!(or_skip(SDKS, Ok::<_, String>(7)), Some(7));
    }
}
