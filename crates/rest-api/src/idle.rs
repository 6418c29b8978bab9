//! Idle scheduling priority for background work that must use only the cycles nobody else
//! wants (the history warm-up, [`crate::warm`]).
//!
//! On Linux a thread set to `SCHED_IDLE` runs only when no ordinary thread on its CPU wants to:
//! requests, the tick of the clock, start-up and shutdown all go first, yet on an idle machine
//! it gets a whole core. Scheduling is per thread on Linux, so the rest of the process keeps its
//! priority. Should the policy be refused, the thread falls back to the lowest `nice` (19).
//! Elsewhere the priority is left alone.
//!
//! This is the crate's only `unsafe`: two system calls that take plain values and a pointer to a
//! local, with no safe wrapper in `std`.
#![allow(unsafe_code)]

/// What [`lower_this_thread`] managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// `SCHED_IDLE`: runs only on otherwise idle CPU.
    Idle,
    /// `SCHED_OTHER` at nice 19: the least share of a busy CPU.
    Nice19,
    /// Unchanged (not Linux, or both calls refused).
    Unchanged,
}

impl Priority {
    /// The name logs use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Idle => "SCHED_IDLE",
            Self::Nice19 => "nice 19",
            Self::Unchanged => "unchanged",
        }
    }
}

/// Lowers the calling thread (and only it) to idle priority, as far as the system allows.
pub fn lower_this_thread() -> Priority {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` outlives the call, which only reads it; pid 0 is the calling thread.
        if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0 {
            return Priority::Idle;
        }
        // SAFETY: integer arguments only; on Linux `who = 0` is the calling thread.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } == 0 {
            return Priority::Nice19;
        }
    }
    Priority::Unchanged
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn policy() -> i32 {
        // SAFETY: no arguments besides pid 0, the calling thread.
        unsafe { libc::sched_getscheduler(0) }
    }

    #[test]
    fn lowers_only_the_calling_thread_to_sched_idle() {
        let before = policy();
        assert_ne!(before, libc::SCHED_IDLE);
        let (got, after) = std::thread::spawn(|| (lower_this_thread(), policy()))
            .join()
            .unwrap();
        assert_eq!(got, Priority::Idle);
        assert_eq!(after, libc::SCHED_IDLE);
        assert_eq!(policy(), before, "the spawning thread kept its policy");
    }
}
