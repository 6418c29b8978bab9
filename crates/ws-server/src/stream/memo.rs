//! The writers' memo of batch and array frames, and the fast path's frames: what lets a
//! writer shard look up each distinct subscription once per tick instead of once per client.

use std::sync::Arc;

use bytes::Bytes;
use ticker_core::{Market, Seq, SymbolSet};

use super::{Format, QuoteStream};
use crate::ticker::Tick;

/// Most distinct (seq, format, subscription) frames one writer shard remembers per pass;
/// clients beyond get their frame built through the tick's own (bounded) cache.
const MEMO_FRAMES: usize = 64;

/// A subscription as the writers compare it: the set itself, or, in a market of at most 64
/// symbols, its exact bit mask, compared without touching the set's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SetKey {
    Mask(u64),
    Set(SymbolSet),
}

impl SetKey {
    pub(super) fn of(set: &SymbolSet) -> Self {
        let mut mask = 0u64;
        for id in set.iter() {
            match 1u64.checked_shl(u32::from(id.0)) {
                Some(bit) if id.0 < 64 => mask |= bit,
                _ => return Self::Set(set.clone()),
            }
        }
        Self::Mask(mask)
    }
}

/// One writer shard's memo of batch and array frames for the ticks it is fanning out, so the
/// shard looks each distinct subscription up once per tick instead of once per client.
#[derive(Default)]
pub struct Memo {
    frames: Vec<(Seq, Format, SetKey, Bytes)>,
}

impl Memo {
    /// Forgets the previous pass's frames.
    pub fn clear(&mut self) {
        self.frames.clear();
    }

    /// Makes sure the frames `stream` needs for `ticks` are memoised (when it needs any).
    pub fn prepare(&mut self, ticks: &[Arc<Tick>], stream: &QuoteStream, market: &Market) {
        if stream.format == Format::Quote || stream.subs.is_empty() {
            return;
        }
        for tick in ticks.iter().filter(|t| t.seq > stream.last_seq) {
            if self.get(tick.seq, stream.format, &stream.key).is_some() {
                continue;
            }
            if self.frames.len() >= MEMO_FRAMES {
                return;
            }
            let frame = match stream.format {
                Format::Array => tick.array(&stream.subs, market),
                _ => tick.batch(&stream.subs, market),
            };
            self.frames
                .push((tick.seq, stream.format, stream.key.clone(), frame));
        }
    }

    pub(super) fn get(&self, seq: Seq, format: Format, key: &SetKey) -> Option<&[u8]> {
        self.frames
            .iter()
            .find(|(q, f, k, _)| *q == seq && *f == format && k == key)
            .map(|(_, _, _, b)| &b[..])
    }
}

/// The fast path's frames for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared<'t> {
    /// One shared frame, written straight from where it lies.
    One(&'t [u8]),
    /// This many frames (maybe none), copied back to back into the writer's gather buffer.
    Gathered(u64),
}

#[cfg(test)]
mod tests {
    use ticker_core::SymbolId;

    use super::*;

    #[test]
    fn set_keys_are_exact() {
        let set = |ids: &[u16]| ids.iter().map(|&i| SymbolId(i)).collect::<SymbolSet>();
        assert_eq!(SetKey::of(&set(&[0, 3])), SetKey::Mask(0b1001));
        assert_ne!(SetKey::of(&set(&[0, 3])), SetKey::of(&set(&[0, 4])));
        assert_eq!(SetKey::of(&set(&[])), SetKey::Mask(0));
        assert_eq!(SetKey::of(&set(&[63])), SetKey::Mask(1 << 63));
        assert_eq!(SetKey::of(&set(&[1, 64])), SetKey::Set(set(&[1, 64])));
    }
}
