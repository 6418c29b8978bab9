//! The heartbeat's sweep: which of a shard's connections to visit on each slice of the ping
//! interval, so that every connection is pinged once per interval but never all at once.
//!
//! Pinging a shard's connections in one pass would send thousands of pings, and get back
//! thousands of pongs that wake as many session tasks, within one tick: the tick's fan-out
//! waits behind it, and so does its latency. The sweep cuts the interval into slices and moves
//! a cursor through the shard's connections in rounds, one round per interval: each round
//! visits the connections there were when it began at an even pace (so many per slice), and
//! whatever joined or is left when its interval is up. The pace follows the clock, not the
//! count of slices (a timer that fires late visits more in that slice), and connections that
//! leave during a round only end it sooner, so no connection waits more than an interval (and
//! a slice) between two visits, and none is visited twice in a round.

/// Most slices an interval is cut into.
const MAX_SLICES: u64 = 100;
/// Shortest slice, in milliseconds: a timer no busier than this.
const MIN_SLICE_MS: u64 = 10;

/// A cursor through a shard's connections (see the module docs).
#[derive(Debug)]
pub(crate) struct Sweep {
    interval_ms: u64,
    /// Whether a round is under way.
    in_round: bool,
    /// The next connection to visit in this round.
    at: usize,
    /// When this round began, and when the next one may.
    round_start_ms: u64,
    next_round_ms: u64,
    /// Connections when this round began, and how many it has visited.
    round_len: usize,
    visited: usize,
}

impl Sweep {
    /// A sweep for `interval_ms` whose first round starts at `start_ms` (on the clock later
    /// calls to [`Sweep::due`] use), and the length of one of its slices in milliseconds.
    pub(crate) fn new(interval_ms: u64, start_ms: u64) -> (Self, u64) {
        let interval_ms = interval_ms.max(1);
        let slices = (interval_ms / MIN_SLICE_MS).clamp(1, MAX_SLICES);
        let sweep = Self {
            interval_ms,
            in_round: false,
            at: 0,
            round_start_ms: start_ms,
            next_round_ms: start_ms,
            round_len: 0,
            visited: 0,
        };
        (sweep, (interval_ms / slices).max(1))
    }

    /// How many connections are due at `now_ms`, of the `len` the shard has now: all of them
    /// once per interval, spread evenly over it.
    pub(crate) fn due(&mut self, len: usize, now_ms: u64) -> usize {
        if !self.in_round || self.at >= len {
            // This round is over: the next begins one interval after this one did (or now,
            // after a stall of more than an interval: one round, not several at once).
            if now_ms < self.next_round_ms {
                return 0;
            }
            let late = now_ms - self.next_round_ms >= self.interval_ms;
            self.round_start_ms = if late { now_ms } else { self.next_round_ms };
            self.next_round_ms = self.round_start_ms + self.interval_ms;
            self.in_round = true;
            self.at = 0;
            self.round_len = len;
            self.visited = 0;
        }
        let left = len - self.at;
        let elapsed = now_ms.saturating_sub(self.round_start_ms);
        if elapsed >= self.interval_ms {
            return left;
        }
        // The k-th connection of the round is due once k-1 n-ths of the interval have passed
        // (rounded up: the first at the start, not after a whole slice of it).
        let interval = u128::from(self.interval_ms);
        let target = (u128::from(elapsed) * self.round_len as u128).div_ceil(interval);
        usize::try_from(target)
            .unwrap_or(usize::MAX)
            .saturating_sub(self.visited)
            .min(left)
    }

    /// The next connection to visit, of `len`; `None` once the round has visited them all.
    pub(crate) fn next(&mut self, len: usize) -> Option<usize> {
        if self.at >= len {
            return None;
        }
        let i = self.at;
        self.at += 1;
        self.visited += 1;
        Some(i)
    }

    /// Where the cursor is: connections before it have been visited in this round.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// `count` connections before the cursor were removed (the others keep their order): the
    /// cursor follows the connection it pointed at.
    pub(crate) fn removed_before(&mut self, count: usize) {
        self.at = self.at.saturating_sub(count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Visits per connection (by id) over `slices` slices of `slice_ms`; `conns` may change
    /// in `step`.
    fn run(
        sweep: &mut Sweep,
        conns: &mut Vec<u32>,
        (slices, slice_ms): (u64, u64),
        mut step: impl FnMut(u64, &mut Vec<u32>, &mut Sweep),
    ) -> std::collections::BTreeMap<u32, u32> {
        let mut visits = std::collections::BTreeMap::new();
        for s in 0..slices {
            step(s, conns, sweep);
            for _ in 0..sweep.due(conns.len(), (s + 1) * slice_ms) {
                let i = sweep.next(conns.len()).unwrap();
                *visits.entry(conns[i]).or_insert(0) += 1;
            }
        }
        visits
    }

    #[test]
    fn every_connection_is_visited_once_per_interval_whatever_their_number() {
        for n in [0u32, 1, 3, 99, 100, 101, 5_000] {
            let (mut sweep, slice_ms) = Sweep::new(15_000, 0);
            assert_eq!(slice_ms, 150);
            let mut conns: Vec<u32> = (0..n).collect();
            // Three intervals: three visits each, none more.
            let visits = run(&mut sweep, &mut conns, (300, slice_ms), |_, _, _| {});
            assert_eq!(visits.len(), n as usize, "{n} connections");
            assert!(visits.values().all(|&v| v == 3), "{n}: {visits:?}");
        }
    }

    #[test]
    fn the_visits_are_spread_evenly_over_the_slices() {
        let per_slice = |len: usize| -> Vec<usize> {
            let (mut sweep, slice) = Sweep::new(15_000, 0);
            (1..=100)
                .map(|s| {
                    let due = sweep.due(len, s * slice);
                    for _ in 0..due {
                        sweep.next(len);
                    }
                    due
                })
                .collect()
        };
        let many = per_slice(5_000);
        assert!(many.iter().all(|&n| n == 50), "{many:?}");
        let few = per_slice(150);
        assert!(few.iter().all(|&n| n <= 2), "{few:?}");
        assert_eq!(few.iter().sum::<usize>(), 150);
    }

    #[test]
    fn a_late_timer_visits_more_so_the_interval_does_not_stretch() {
        // Slices of 10 ms that fire every 15 ms: still every connection once per 200 ms.
        let (mut sweep, slice_ms) = Sweep::new(200, 0);
        assert_eq!(slice_ms, 10);
        let mut conns: Vec<u32> = (0..40).collect();
        let visits = run(&mut sweep, &mut conns, (40, 15), |_, _, _| {});
        // 600 ms: three rounds.
        assert!(visits.values().all(|&v| v == 3), "{visits:?}");
        // Before the start nothing is due, and a stall of many intervals is one round.
        let (mut sweep, _) = Sweep::new(200, 1_000);
        assert_eq!(sweep.due(40, 900), 0);
        assert_eq!(sweep.due(40, 1_000), 0);
        assert_eq!(sweep.due(40, 5_000), 40);
        for _ in 0..40 {
            sweep.next(40);
        }
        assert_eq!(sweep.due(40, 5_005), 0);
        assert_eq!(sweep.due(40, 5_105), 20);
    }

    #[test]
    fn removals_before_the_cursor_neither_skip_nor_repeat_a_connection() {
        let (mut sweep, slice_ms) = Sweep::new(1_000, 0);
        let mut conns: Vec<u32> = (0..200).collect();
        // Halfway through the first interval, every third connection leaves, wherever it is
        // relative to the cursor; the rest keep their order.
        let visits = run(
            &mut sweep,
            &mut conns,
            (100, slice_ms),
            |s, conns, sweep| {
                if s == 50 {
                    let at = sweep.at();
                    let before = conns.iter().take(at).filter(|&&c| c % 3 == 0).count();
                    conns.retain(|&c| c % 3 != 0);
                    sweep.removed_before(before);
                }
            },
        );
        for c in 0..200u32 {
            let got = visits.get(&c).copied().unwrap_or(0);
            assert!(got <= 1, "connection {c} visited {got} times");
            if c % 3 != 0 || c < 100 {
                assert_eq!(got, 1, "connection {c} skipped");
            }
        }
    }

    #[test]
    fn connections_closed_as_they_are_visited_do_not_slow_the_others() {
        // Ten silent connections, each closed (and removed) at its visit: all of them within
        // the interval, not ever later as the count falls.
        let (mut sweep, slice_ms) = Sweep::new(200, 0);
        let mut conns: Vec<u32> = (0..10).collect();
        let mut closed_at = Vec::new();
        let mut now = 0;
        while !conns.is_empty() && now <= 400 {
            now += slice_ms;
            for _ in 0..sweep.due(conns.len(), now) {
                let Some(i) = sweep.next(conns.len()) else {
                    break;
                };
                conns.remove(i);
                sweep.removed_before(1);
                closed_at.push(now);
            }
        }
        assert_eq!(closed_at.len(), 10, "{closed_at:?}");
        assert!(closed_at.iter().all(|&t| t <= 200), "{closed_at:?}");
        assert!(closed_at[0] <= 20 && closed_at[9] >= 180, "{closed_at:?}");
    }

    #[test]
    fn connections_that_join_are_visited_within_the_next_interval() {
        let (mut sweep, slice_ms) = Sweep::new(1_000, 0);
        let mut conns: Vec<u32> = (0..100).collect();
        let visits = run(&mut sweep, &mut conns, (200, slice_ms), |s, conns, _| {
            if s == 30 {
                conns.extend(100..400);
            }
        });
        // Joined 30 slices into the first interval: seen by the end of the second.
        assert!((100..400).all(|c| visits.get(&c).copied().unwrap_or(0) >= 1));
        assert!(visits.values().all(|&v| v <= 2), "{visits:?}");
    }

    #[test]
    fn short_intervals_get_fewer_slices_of_at_least_ten_ms() {
        assert_eq!(Sweep::new(100, 0).1, 10);
        assert_eq!(Sweep::new(10, 0).1, 10);
        assert_eq!(Sweep::new(15_000, 0).1, 150);
        assert_eq!(Sweep::new(60_000, 0).1, 600);
    }
}
