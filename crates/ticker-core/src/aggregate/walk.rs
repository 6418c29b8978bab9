//! The tick-by-tick path: every tick of a range in order, with a cursor over the tree. It is
//! what short candles use (cheaper than aggregates when a candle is a few ticks) and the
//! reference the aggregates are tested against.

use crate::calendar::{DayTicks, TickWindow};
use crate::candle::{Bar, CandleInterval, TickRange};
use crate::clock::Seq;
use crate::market::Market;
use crate::model::Cursor;
use crate::quote::Candle;
use crate::symbol::SymbolId;
use crate::trades::TickSummary;

impl Market {
    /// [`Market::candles`] as it was computed before range aggregates: every tick of the
    /// range walked, nothing cached. The baseline of `cargo bench -p ticker-core`.
    #[doc(hidden)]
    pub fn candles_tick_by_tick(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        from_ms: i64,
        to_ms: i64,
        until: Seq,
    ) -> Vec<Candle> {
        self.candles_walked(
            id,
            interval,
            self.candle_ticks(interval, from_ms, to_ms, until),
        )
    }

    /// [`Market::candles`] by walking every tick of `range`.
    pub(crate) fn candles_walked(
        &self,
        id: SymbolId,
        interval: CandleInterval,
        range: TickRange,
    ) -> Vec<Candle> {
        let mut out = Vec::new();
        if range.is_empty() {
            return out;
        }
        out.reserve(
            (range.len() / (interval.ms() as u64 / self.schedule().interval_ms()).max(1))
                .min(100_000) as usize
                + 1,
        );
        let s = *self.schedule();
        let bucket = |n: Seq| interval.floor(s.time_of(n) - s.interval_ms() as i64);
        let mut bar: Option<Bar> = None;
        self.walk_ticks(id, range, |t| {
            let start = bucket(t.seq);
            let current = match bar.as_mut() {
                Some(b) if b.start == start => b,
                _ => {
                    let prior = match bar.take() {
                        Some(done) => {
                            out.push(done.candle());
                            done.close()
                        }
                        None => self.last_price(id, Seq(t.seq.0 - 1)),
                    };
                    bar.insert(Bar::new(start, prior))
                }
            };
            current.add(t);
        });
        if let Some(done) = bar {
            out.push(done.candle());
        }
        out
    }

    /// Calls `each` with the trade summary of every tick in `range`, in order: a cursor over
    /// the tree, the calendar looked up once per day.
    pub(crate) fn walk_ticks(
        &self,
        id: SymbolId,
        range: TickRange,
        mut each: impl FnMut(&TickSummary),
    ) {
        if range.is_empty() || range.first.0 == 0 {
            return;
        }
        let s = self.schedule();
        let model = self.model(id);
        let calendar = self.calendar(id);
        let joint = self.joint(id);
        let mut cursor = Cursor::new(&joint, range.first.0 - 1, |_| ());
        let mut day: Option<DayTicks> = None;
        loop {
            let n = Seq(cursor.tick() + 1);
            let leaf = cursor.leaf();
            let c = model.counts(cursor.tick(), &leaf.symbol);
            let mut window = if c.trades == 0 {
                TickWindow::closed(1.0)
            } else {
                if !day.is_some_and(|d| d.contains(n)) {
                    day = calendar.locate(s, n).day.filter(|d| d.contains(n));
                }
                match day {
                    Some(d) => d.window(s, n),
                    None => TickWindow::whole(s, n),
                }
            };
            window.spread_factor *= model.spread_factor(n.0);
            let last =
                model.price_of(model.offset_after(cursor.tick(), &leaf.market, &leaf.symbol));
            let volume = u64::try_from(c.volume).unwrap_or(u64::MAX);
            let summary =
                TickSummary::new(model, n, c.trades, volume, c.trades_before, last, window);
            each(&summary);
            if n.0 + 1 >= range.end.0 {
                break;
            }
            cursor.advance(&joint, |_| ());
        }
    }
}
