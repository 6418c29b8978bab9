//! A connection's channels: subscribing and unsubscribing per channel, the acks that name
//! them, and each tick's channel frames after its quotes.
//!
//! Per tick a connection gets its quotes as before, then, for each symbol (market order) on
//! any other channel, its `status` frame (at a transition), its `trade` frames and its `bar`
//! frames, all built once per tick and shared ([`Tick::channel`]). A connection on quotes
//! alone never reaches this code: its acks and frames are what they were before channels.

use bytes::Bytes;
use ticker_core::{SymbolId, SymbolSet};

use super::{Format, QuoteStream, SetKey};
use crate::channel::{Channel, ChannelMask, Channels};
use crate::outbox::Outbox;
use crate::protocol::{self, Listing, ProtocolError, Selection};
use crate::ticker::{with_dropped, Hub, Tick};

impl QuoteStream {
    /// The symbols subscribed on any channel, in market order.
    pub(super) fn all_symbols(&self) -> SymbolSet {
        if !self.extra.has_extra() {
            return self.subs.clone();
        }
        let mut all = self.extra.union();
        for id in self.subs.iter() {
            all.insert(id);
        }
        all
    }

    /// The whole subscription, per channel.
    pub fn channels(&self) -> Channels {
        let mut channels = self.extra.clone();
        *channels.get_mut(Channel::Quotes) = self.subs.clone();
        channels
    }

    /// What acks and the welcome say about channels: nothing for a quotes-only connection
    /// (unless `named` says the request named channels), else each channel's symbols and the
    /// statuses at the connection's tick.
    pub(super) fn listing<'m>(&self, hub: &'m Hub, named: bool) -> Option<Listing<'m>> {
        (named || self.extra.has_extra())
            .then(|| protocol::channels::listing(&hub.market, &self.channels(), self.last_seq))
    }

    /// The frames of the channels besides quotes for one tick (`dropped` spliced into the
    /// first); returns whether any frame was added.
    pub(super) fn extras(&self, hub: &Hub, tick: &Tick, dropped: u64, out: &mut Outbox) -> bool {
        if !self.extra.has_extra() {
            return false;
        }
        let mut added = false;
        for id in self.extra.extra_union().iter() {
            for channel in Channel::EXTRA {
                if !self.extra.get(channel).contains(id) {
                    continue;
                }
                let frames = tick.channel(id, channel, &hub.market);
                if frames.count == 0 {
                    continue;
                }
                match frames.bytes.split_at_checked(frames.first_len) {
                    Some((first, rest)) if !added && dropped > 0 => {
                        out.frame(&with_dropped(&Bytes::copy_from_slice(first), dropped));
                        out.frames(rest, frames.count - 1);
                    }
                    _ => out.frames(&frames.bytes, frames.count),
                }
                added = true;
            }
        }
        added
    }

    /// `subscribe`: adds the symbols to each channel named, acknowledges, and sends a
    /// snapshot of the quotes newly subscribed.
    pub(super) fn subscribe(
        &mut self,
        hub: &Hub,
        max_symbols: usize,
        sel: &Selection,
        current: Option<&Tick>,
        out: &mut Outbox,
    ) {
        let wanted: SymbolSet = if sel.all {
            hub.market.ids().collect()
        } else {
            sel.ids.iter().copied().collect()
        };
        let mask = self.allowed(sel.channels);
        let mut all = self.all_symbols();
        for id in wanted.iter() {
            all.insert(id);
        }
        if all.len() > max_symbols {
            self.error(
                hub,
                &ProtocolError::new(
                    "too_many_symbols",
                    format!(
                        "subscribing would reach {} symbols; at most {max_symbols} per connection",
                        all.len(),
                    ),
                ),
                out,
            );
            return;
        }
        let added: SymbolSet = if mask.contains(Channel::Quotes) {
            wanted
                .iter()
                .filter(|id| !self.subs.contains(*id))
                .collect()
        } else {
            SymbolSet::new()
        };
        for id in added.iter() {
            self.subs.insert(id);
        }
        self.key = SetKey::of(&self.subs);
        for channel in Channel::EXTRA.into_iter().filter(|c| mask.contains(*c)) {
            let set = self.extra.get_mut(channel);
            for id in wanted.iter() {
                set.insert(id);
            }
        }
        self.ack(hub, !sel.channels.is_quotes_only(), out);
        // A symbol dropped and re-added within one tick already has this tick's quote.
        let fresh: SymbolSet = added.iter().filter(|id| !self.left.contains(*id)).collect();
        if !fresh.is_empty() {
            self.snapshot(hub, &fresh, current, out);
        }
        self.report_unknown(hub, sel, out);
    }

    /// `unsubscribe`: removes the symbols from each channel named (every channel when the
    /// request names none) and acknowledges.
    pub(super) fn unsubscribe(&mut self, hub: &Hub, sel: &Selection, out: &mut Outbox) {
        let ids: Vec<SymbolId> = if sel.all {
            self.all_symbols().iter().collect()
        } else {
            sel.ids.clone()
        };
        let mask = self.allowed(sel.channels);
        for id in ids {
            if mask.contains(Channel::Quotes) && self.subs.remove(id) {
                self.left.insert(id);
            }
            for channel in Channel::EXTRA.into_iter().filter(|c| mask.contains(*c)) {
                self.extra.get_mut(channel).remove(id);
            }
        }
        self.key = SetKey::of(&self.subs);
        let named = sel.channels != ChannelMask::ALL && !sel.channels.is_quotes_only();
        self.ack(hub, named, out);
        self.report_unknown(hub, sel, out);
    }

    /// The channels a request may change: in array format, quotes alone.
    fn allowed(&self, asked: ChannelMask) -> ChannelMask {
        if self.format == Format::Array {
            let mut mask = ChannelMask::default();
            if asked.contains(Channel::Quotes) {
                mask.insert(Channel::Quotes);
            }
            mask
        } else {
            asked
        }
    }

    /// `{"type":"subscribed",…}` (not in array format).
    pub(super) fn ack(&self, hub: &Hub, named: bool, out: &mut Outbox) {
        if self.format != Format::Array {
            let listing = self.listing(hub, named);
            out.text(&protocol::subscribed(&self.names(&hub.market), listing));
        }
    }
}
