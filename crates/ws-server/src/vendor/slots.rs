//! Authenticated sessions per API key, as vendors ration them (Alpaca's 406, Polygon's
//! `max_connections`): a session takes a slot when its key is accepted and gives it back when
//! it ends ([`Slot`]'s drop).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ticker_vendors::admission::Admission;

/// Sessions per key, at most `max` each.
#[derive(Debug)]
pub struct Slots {
    max: usize,
    taken: Arc<Mutex<HashMap<String, usize>>>,
}

impl Slots {
    /// At most `max` sessions per key.
    pub fn new(max: usize) -> Self {
        Self {
            max,
            taken: Arc::default(),
        }
    }

    /// A session's admission: holds the slot it takes until dropped.
    pub fn admission(&self) -> Slot {
        Slot {
            max: self.max,
            taken: self.taken.clone(),
            key: None,
        }
    }

    /// Sessions holding a slot for `key`.
    pub fn held(&self, key: &str) -> usize {
        let taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        taken.get(key).copied().unwrap_or(0)
    }
}

/// One session's slot (none until its key is admitted).
#[derive(Debug)]
pub struct Slot {
    max: usize,
    taken: Arc<Mutex<HashMap<String, usize>>>,
    key: Option<String>,
}

impl Admission for Slot {
    fn admit(&mut self, key: &str) -> bool {
        if self.key.is_some() {
            return true;
        }
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        let n = taken.entry(key.to_owned()).or_insert(0);
        if *n >= self.max {
            return false;
        }
        *n += 1;
        self.key = Some(key.to_owned());
        true
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = taken.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                taken.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_at_most_max_slots_until_they_are_dropped() {
        let slots = Slots::new(1);
        let mut a = slots.admission();
        let mut b = slots.admission();
        assert!(a.admit("K"));
        assert!(!b.admit("K"));
        assert!(b.admit("OTHER"));
        assert_eq!(slots.held("K"), 1);
        drop(a);
        assert_eq!(slots.held("K"), 0);
        let mut c = slots.admission();
        assert!(c.admit("K"));
    }
}
