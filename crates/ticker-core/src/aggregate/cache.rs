//! [`BlockCache`]: the memo of block aggregates, bounded in memory.
//!
//! Two generations, as a cheap approximation of least-recently-used: new and recently used
//! blocks live in the young map; when it is full it becomes the old map (the previous old one
//! is dropped), and a block found in the old map moves back to the young one. So at most
//! twice the per-generation capacity is held, and blocks in steady use are never dropped.
//! The values are pure functions of their keys, so dropping one costs only its recomputation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::Agg;

/// Which block: the symbol, the block's level (it spans `2^level` leaves) and its index.
pub(crate) type Key = (u16, u8, u64);

/// The bytes one cached block is budgeted at: key, value and the hash map's overhead.
pub const BLOCK_BYTES: usize = 160;

/// The default memory budget of a market's block cache: 64 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// A bounded memo of block aggregates, shared by every clone of a [`crate::Market`].
pub(crate) struct BlockCache {
    /// Blocks per generation; 0 caches nothing.
    capacity: usize,
    maps: Mutex<Generations>,
    /// Lookups that found their block (for `/metrics` and the warm-up's tests).
    hits: AtomicU64,
    /// Lookups that did not: the blocks computed, cached or not.
    misses: AtomicU64,
}

#[derive(Default)]
struct Generations {
    young: HashMap<Key, Agg>,
    old: HashMap<Key, Agg>,
}

impl BlockCache {
    /// A cache holding at most about `bytes` of blocks.
    pub(crate) fn new(bytes: usize) -> Self {
        Self {
            capacity: bytes / BLOCK_BYTES / 2,
            maps: Mutex::new(Generations::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached block, if any.
    pub(crate) fn get(&self, key: Key) -> Option<Agg> {
        let found = self.lookup(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup(&self, key: Key) -> Option<Agg> {
        if self.capacity == 0 {
            return None;
        }
        let mut g = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(a) = g.young.get(&key) {
            return Some(*a);
        }
        let a = g.old.remove(&key)?;
        g.put(key, a, self.capacity);
        Some(a)
    }

    /// Lookups so far that found their block, and those that did not.
    pub(crate) fn lookups(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Remembers a block.
    pub(crate) fn insert(&self, key: Key, agg: Agg) {
        if self.capacity == 0 {
            return;
        }
        let mut g = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        g.put(key, agg, self.capacity);
    }

    /// The number of blocks held.
    pub(crate) fn len(&self) -> usize {
        let g = self.maps.lock().unwrap_or_else(PoisonError::into_inner);
        g.young.len() + g.old.len()
    }

    /// The most blocks it holds at once.
    pub(crate) fn max_blocks(&self) -> usize {
        2 * self.capacity
    }
}

impl Generations {
    fn put(&mut self, key: Key, agg: Agg, capacity: usize) {
        if self.young.len() >= capacity {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, agg);
    }
}

impl std::fmt::Debug for BlockCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(trades: u64) -> Agg {
        Agg {
            trades,
            ..Agg::default()
        }
    }

    #[test]
    fn holds_at_most_two_generations_and_keeps_what_is_used() {
        let cache = BlockCache::new(4 * BLOCK_BYTES); // two blocks per generation
        assert_eq!(cache.max_blocks(), 4);
        for i in 0..10 {
            cache.insert((0, 6, i), agg(i));
            // Block 0 is used all along: it must survive every rotation.
            assert_eq!(cache.get((0, 6, 0)), Some(agg(0)));
            assert!(cache.len() <= 4, "{}", cache.len());
        }
        assert_eq!(cache.get((0, 6, 1)), None);
        assert_eq!(cache.get((0, 6, 9)), Some(agg(9)));
    }

    #[test]
    fn a_zero_budget_caches_nothing() {
        let cache = BlockCache::new(0);
        cache.insert((0, 6, 1), agg(1));
        assert_eq!(cache.get((0, 6, 1)), None);
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.lookups(), (0, 1));
    }

    #[test]
    fn counts_hits_and_misses() {
        let cache = BlockCache::new(4 * BLOCK_BYTES);
        assert_eq!(cache.get((0, 6, 1)), None);
        cache.insert((0, 6, 1), agg(1));
        assert_eq!(cache.get((0, 6, 1)), Some(agg(1)));
        assert_eq!(cache.get((0, 6, 1)), Some(agg(1)));
        assert_eq!(cache.lookups(), (2, 1));
    }
}
