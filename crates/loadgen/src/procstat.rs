//! Process figures from `/proc` (Linux): CPU time and resident memory, for
//! the load generator itself and for the server under test.

use std::time::Duration;

/// `USER_HZ`: the unit of `utime`/`stime` in `/proc/<pid>/stat`, 100 on every Linux ABI.
const USER_HZ: u64 = 100;

/// A process to sample: a pid, or `self`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Proc {
    /// The load generator.
    Me,
    /// Another process.
    Pid(u32),
}

impl Proc {
    fn path(self, file: &str) -> String {
        match self {
            Self::Me => format!("/proc/self/{file}"),
            Self::Pid(pid) => format!("/proc/{pid}/{file}"),
        }
    }

    /// User plus system CPU time consumed so far.
    pub(crate) fn cpu(self) -> Option<Duration> {
        let stat = std::fs::read_to_string(self.path("stat")).ok()?;
        // Fields after the parenthesised command name, which may contain spaces.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
    }

    /// Resident set size in KiB.
    pub(crate) fn rss_kib(self) -> Option<u64> {
        let status = std::fs::read_to_string(self.path("status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_figures() {
        assert!(Proc::Me.rss_kib().unwrap() > 0);
        assert!(Proc::Me.cpu().is_some());
    }
}
