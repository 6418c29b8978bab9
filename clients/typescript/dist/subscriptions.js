/**
 * What the user wants streamed, per channel: queued until the first welcome names the market's
 * symbols, then kept, put in each connection's URL, and brought back in line with what the
 * server reports after every reconnect.
 */
/** Every channel, in the protocol's order. */
export const CHANNELS = ['quotes', 'trades', 'bars', 'status'];
function emptySubs() {
    return { quotes: new Set(), trades: new Set(), bars: new Set(), status: new Set() };
}
function copySubs(s) {
    return {
        quotes: new Set(s.quotes),
        trades: new Set(s.trades),
        bars: new Set(s.bars),
        status: new Set(s.status),
    };
}
/** The subscription as the server reports it in a welcome or an ack. */
export function reported(m) {
    const subs = emptySubs();
    if (m.channels) {
        for (const ch of CHANNELS)
            for (const s of m.channels[ch] ?? [])
                subs[ch].add(s);
    }
    else {
        for (const s of m.subscribed ?? m.symbols ?? [])
            subs.quotes.add(s);
    }
    return subs;
}
/** The wanted subscription of one client. */
export class Subscriptions {
    constructor() {
        /** What the user wants, per channel (expanded once the symbols are known). */
        this.wanted = emptySubs();
        /** Whether {@link wanted} is known: after the first welcome. */
        this.known = false;
        /** Changes asked for before the first welcome. */
        this.pending = [];
    }
    /**
     * A change the user asked for: before the first welcome, queued (`null`); after it, applied,
     * with the message that asks the server for it and the symbols newly subscribed to quotes.
     */
    change(change, symbols) {
        if (!this.known) {
            this.pending.push(change);
            return null;
        }
        const added = this.apply(change, symbols);
        const { op, symbols: syms, channels } = change;
        const msg = channels ? { type: op, symbols: syms, channels } : { type: op, symbols: syms };
        return { msg, added };
    }
    /** Applies a change (`['*']`: every one of `symbols`); returns the symbols newly subscribed to quotes. */
    apply({ op, symbols, channels }, all) {
        const added = [];
        const list = symbols.includes('*') ? all : symbols.map((s) => s.toUpperCase());
        for (const ch of channels ?? CHANNELS) {
            for (const sym of list) {
                if (op === 'subscribe') {
                    if (ch === 'quotes' && !this.wanted.quotes.has(sym))
                        added.push(sym);
                    this.wanted[ch].add(sym);
                }
                else {
                    this.wanted[ch].delete(sym);
                }
            }
        }
        return added;
    }
    /**
     * A welcome's subscription: the first one becomes the wanted one, with the queued changes
     * applied to it; returns the symbols those newly subscribed to quotes.
     */
    welcome(server, symbols) {
        if (this.known)
            return [];
        this.wanted = copySubs(server);
        this.known = true;
        return this.pending.splice(0).flatMap((c) => this.apply(c, symbols));
    }
    /** Whether `symbol` is wanted on `ch` (anything is, before the first welcome). */
    wants(ch, symbol) {
        return !this.known || this.wanted[ch].has(symbol);
    }
    /** The messages that bring the server's subscription in line with the wanted one. */
    sync(server) {
        const msgs = [];
        for (const ch of CHANNELS) {
            const add = [...this.wanted[ch]].filter((s) => !server[ch].has(s));
            const drop = [...server[ch]].filter((s) => !this.wanted[ch].has(s));
            if (add.length)
                msgs.push({ type: 'subscribe', symbols: add, channels: [ch] });
            if (drop.length)
                msgs.push({ type: 'unsubscribe', symbols: drop, channels: [ch] });
        }
        return msgs;
    }
    /**
     * The URL's `symbols` and `channels`: the wanted ones (`symbols` in market order, as the
     * server lists them), or before the first welcome the options' (`initial`).
     */
    params(symbols, initial) {
        if (!this.known) {
            return {
                symbols: (initial.symbols ?? ['*']).join(','),
                channels: (initial.channels ?? ['quotes']).join(','),
            };
        }
        const all = new Set();
        const chans = [];
        for (const ch of CHANNELS) {
            for (const s of this.wanted[ch])
                all.add(s);
            if (this.wanted[ch].size)
                chans.push(ch);
        }
        return {
            symbols: symbols.filter((s) => all.has(s)).join(','),
            channels: (chans.length ? chans : ['quotes']).join(','),
        };
    }
}
