//! Prices by random access and in sequence: the model price and log-price offset of any
//! tick in O(log n), and a cursor over consecutive ticks in amortised O(1) each, the two
//! bit-identical.

use crate::clock::Seq;
use crate::decimal::Decimal;
use crate::model::{leaf, Cursor, Joint, JointNode};
use crate::symbol::SymbolId;

use super::{Market, SymbolModel};

impl Market {
    /// The model price at a tick, by random access: O(log n). It is the last trade's price
    /// whenever the tick has trades ([`Market::last_price`] is the quote's `price`, which a
    /// tick without trades carries over).
    pub fn price(&self, id: SymbolId, seq: Seq) -> Decimal {
        let m = self.model(id);
        m.price_of(m.offset(seq.0, &leaf(&self.price_tree(id), seq.0)))
    }

    /// The unrounded log-price offset `ln(price / reference)` at a tick, by random access.
    pub fn log_offset(&self, id: SymbolId, seq: Seq) -> f64 {
        self.model(id)
            .offset(seq.0, &leaf(&self.price_tree(id), seq.0))
    }

    /// Consecutive ticks of one symbol from `from` on, as `(seq, log offset)`: amortised O(1)
    /// per tick and bit-identical to [`Market::log_offset`].
    pub fn log_offsets(&self, id: SymbolId, from: Seq) -> LogOffsets<'_> {
        let joint = self.price_tree(id);
        LogOffsets {
            model: self.model(id),
            joint,
            cursor: Cursor::new(&joint, from.0, |_| ()),
            started: false,
        }
    }

    /// Consecutive prices of one symbol from `from` on: amortised O(1) per tick.
    pub fn prices(&self, id: SymbolId, from: Seq) -> impl Iterator<Item = (Seq, Decimal)> + '_ {
        let model = self.model(id);
        self.log_offsets(id, from)
            .map(move |(seq, x)| (seq, model.price_of(x)))
    }
}

/// Iterator returned by [`Market::log_offsets`].
pub struct LogOffsets<'a> {
    model: &'a SymbolModel,
    joint: Joint<'a, false>,
    cursor: Cursor<JointNode>,
    started: bool,
}

impl Iterator for LogOffsets<'_> {
    type Item = (Seq, f64);

    #[inline]
    fn next(&mut self) -> Option<(Seq, f64)> {
        if self.started {
            let before = self.cursor.tick();
            self.cursor.advance(&self.joint, |_| ());
            if self.cursor.tick() == before {
                return None; // the end of the representable ticks
            }
        }
        self.started = true;
        Some((
            Seq(self.cursor.tick()),
            self.model.offset(self.cursor.tick(), &self.cursor.leaf()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Seq;
    use crate::config::MarketConfig;
    use crate::model::Cursor;
    use crate::noise;
    use crate::symbol::SymbolId;

    use super::Market;

    #[test]
    fn tick_zero_is_the_reference_price() {
        let m = Market::new(MarketConfig::default()).unwrap();
        for id in m.ids() {
            assert_eq!(m.price(id, Seq(0)), m.info(id).reference_price);
        }
    }

    /// Every field of every node (the market factor, the symbol's walk, its jumps, variance
    /// and volume) is the same by cursor and by random access, at ticks up to 2^40.
    #[test]
    fn cursor_matches_random_access_in_every_field() {
        let m = Market::new(MarketConfig::default()).unwrap();
        let mut x = 0x1234_5678_9ABC_DEF0u64;
        for round in 0..60 {
            x = noise::mix64(x);
            let start = if round < 8 { round * 7 } else { x % (1 << 40) };
            let id = SymbolId((x >> 50) as u16 % 5);
            let joint = m.joint(id);
            let mut c = Cursor::new(&joint, start, |_| ());
            for _ in 0..700 {
                assert_eq!(c.leaf(), m.leaf(id, c.tick()), "{id:?} tick {}", c.tick());
                c.advance(&joint, |_| ());
            }
        }
        // Across the first spine blocks, where the cursor changes blocks often.
        let joint = m.joint(SymbolId(4));
        let mut c = Cursor::new(&joint, 0, |_| ());
        for _ in 0..20_000 {
            assert_eq!(c.leaf(), m.leaf(SymbolId(4), c.tick()));
            c.advance(&joint, |_| ());
        }
        // The descents above split jumps: the spine blocks of the sampled ticks hold many.
        use crate::model::tree::Tree;
        assert!(joint.root(30).market.k > 10 && joint.root(30).symbol.own.k > 10);
    }
}
