//! The writers' memo of batch and array frames, and of the per-symbol quote frames gathered
//! for one position and subscription, and the fast path's frames: what lets a writer shard
//! look up each distinct subscription once per tick instead of once per client, and hand the
//! kernel the same bytes for every client that gets the same frames (no copy per client).

use std::sync::Arc;

use bytes::Bytes;
use ticker_core::{Market, Seq, SymbolSet};

use super::{Format, QuoteStream};
use crate::ticker::Tick;

/// Most distinct (seq, format, subscription) frames one writer shard remembers per pass;
/// clients beyond get their frame built through the tick's own (bounded) cache.
const MEMO_FRAMES: usize = 64;
/// Most distinct gathered quote sequences one writer shard remembers per pass; clients beyond
/// gather their own copy.
const MEMO_GATHERED: usize = 16;

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
    gathered: Vec<Gathered>,
}

/// The quote frames of the ticks after `after` through `newest` for one subscription, back to
/// back: what every connection at that position with that subscription gets.
struct Gathered {
    after: Seq,
    newest: Seq,
    key: SetKey,
    frames: Vec<u8>,
    count: u64,
}

impl Memo {
    /// Forgets the previous pass's frames.
    pub fn clear(&mut self) {
        self.frames.clear();
        self.gathered.clear();
    }

    /// Makes sure the frames `stream` needs for `ticks` are memoised (when it needs any).
    pub fn prepare(&mut self, ticks: &[Arc<Tick>], stream: &QuoteStream, market: &Market) {
        if stream.subs.is_empty() {
            return;
        }
        if stream.format == Format::Quote {
            self.prepare_gathered(ticks, stream);
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

    /// Gathers the quote frames a connection at `stream`'s position gets from `ticks`, once
    /// for every connection at that position with that subscription, when there are several
    /// (a single frame is written from the tick itself).
    fn prepare_gathered(&mut self, ticks: &[Arc<Tick>], stream: &QuoteStream) {
        let Some(newest) = ticks.last().map(|t| t.seq) else {
            return;
        };
        if newest <= stream.last_seq
            || self.gathered.len() >= MEMO_GATHERED
            || self
                .gathered(stream.last_seq, newest, &stream.key)
                .is_some()
        {
            return;
        }
        let mut frames = Vec::new();
        if let Some((_, count, last)) = stream.gather(ticks, self, &mut frames) {
            if count > 1 && last == newest {
                self.gathered.push(Gathered {
                    after: stream.last_seq,
                    newest,
                    key: stream.key.clone(),
                    frames,
                    count,
                });
            }
        }
    }

    /// The gathered quote frames after `after` through `newest` for `key`, and how many.
    pub(super) fn gathered(&self, after: Seq, newest: Seq, key: &SetKey) -> Option<(&[u8], u64)> {
        self.gathered
            .iter()
            .find(|g| g.after == after && g.newest == newest && g.key == *key)
            .map(|g| (&g.frames[..], g.count))
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
    /// Shared frames (this many), written straight from where they lie.
    One(&'t [u8], u64),
    /// This many frames (maybe none), copied back to back into the writer's gather buffer.
    Gathered(u64),
}

#[cfg(test)]
mod tests {
    use ticker_core::{ManualClock, MarketConfig, SymbolId};

    use super::*;
    use crate::stats::Stats;
    use crate::ticker::Hub;

    #[test]
    fn connections_at_one_position_with_one_subscription_share_one_gathered_copy() {
        let market = Arc::new(Market::new(MarketConfig::default()).unwrap());
        let clock = Arc::new(ManualClock::new(market.schedule().time_of(Seq(1000))));
        let (hub, mut trackers) =
            Hub::warm_up(market.clone(), clock, 16, 50, Arc::new(Stats::default()));
        for seq in 1001..=1002 {
            hub.publish(Tick::build(&market, &mut trackers, Seq(seq)));
        }
        let ticks = hub.after(Seq(1000)).ticks;
        let all = SymbolSet::all(market.len());
        let two: SymbolSet = [SymbolId(1), SymbolId(3)].into_iter().collect();
        let want = |set: &SymbolSet, after: u64| -> Vec<u8> {
            let mut bytes = Vec::new();
            for tick in ticks.iter().filter(|t| t.seq.0 > after) {
                for id in set.iter() {
                    bytes.extend_from_slice(tick.frame(id).unwrap());
                }
            }
            bytes
        };
        let (mut memo, mut gather) = (Memo::default(), Vec::new());
        // What each connection gets: its bytes, where they lie, and how many frames.
        let mut deliver = |stream: &mut QuoteStream, memo: &mut Memo| {
            memo.prepare(&ticks, stream, &market);
            match stream.shared(&ticks, memo, &mut gather).unwrap() {
                Shared::One(bytes, n) => (bytes.to_vec(), bytes.as_ptr() as usize, n),
                Shared::Gathered(n) => (gather.clone(), 0, n),
            }
        };
        let mut a = QuoteStream::new(Format::Quote, all.clone(), Seq(1000));
        let mut b = QuoteStream::new(Format::Quote, all.clone(), Seq(1000));
        let (bytes_a, at_a, n_a) = deliver(&mut a, &mut memo);
        let (bytes_b, at_b, n_b) = deliver(&mut b, &mut memo);
        assert_eq!(bytes_a, want(&all, 1000));
        assert_eq!(n_a, 2 * market.len() as u64);
        assert_eq!((bytes_b, n_b), (bytes_a, n_a));
        assert_eq!(at_a, at_b, "one copy for both");
        assert_ne!(at_a, 0, "not gathered per connection");
        assert_eq!((a.last_seq(), b.last_seq()), (Seq(1002), Seq(1002)));

        // Another position or another subscription gets bytes of its own, exactly its frames.
        let mut later = QuoteStream::new(Format::Quote, all.clone(), Seq(1001));
        let (bytes, at, n) = deliver(&mut later, &mut memo);
        assert_eq!((bytes, n), (want(&all, 1001), market.len() as u64));
        assert_ne!(at, at_a);
        let mut fewer = QuoteStream::new(Format::Quote, two.clone(), Seq(1000));
        let (bytes, at, n) = deliver(&mut fewer, &mut memo);
        assert_eq!((bytes, n), (want(&two, 1000), 4));
        assert_ne!(at, at_a);

        // Nothing twice: a connection that has them all gets nothing more.
        let (bytes, _, n) = deliver(&mut a, &mut memo);
        assert_eq!((bytes.len(), n), (0, 0));
        // A connection with a `dropped` count to report takes its own path, not the copy.
        let mut lagged = QuoteStream::new(Format::Quote, all, Seq(1000));
        lagged.lagged(3, &hub.stats);
        memo.prepare(&ticks, &lagged, &market);
        assert!(lagged.shared(&ticks, &memo, &mut gather).is_none());
    }

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
