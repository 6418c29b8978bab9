/**
 * What the user wants streamed, per channel: queued until the first welcome names the market's
 * symbols, then kept, put in each connection's URL, and brought back in line with what the
 * server reports after every reconnect.
 */
import type { Channel, ClientMessage } from './messages.js';
/** Every channel, in the protocol's order. */
export declare const CHANNELS: readonly Channel[];
/** Symbols per channel. */
export type Subs = Record<Channel, Set<string>>;
/** A `subscribe` or `unsubscribe` the user asked for. */
interface Change {
    op: 'subscribe' | 'unsubscribe';
    symbols: string[];
    channels?: Channel[];
}
/** The subscription as the server reports it in a welcome or an ack. */
export declare function reported(m: {
    symbols?: string[];
    subscribed?: string[];
    channels?: Record<Channel, string[]>;
}): Subs;
/** The wanted subscription of one client. */
export declare class Subscriptions {
    /** What the user wants, per channel (expanded once the symbols are known). */
    private wanted;
    /** Whether {@link wanted} is known: after the first welcome. */
    private known;
    /** Changes asked for before the first welcome. */
    private pending;
    /**
     * A change the user asked for: before the first welcome, queued (`null`); after it, applied,
     * with the message that asks the server for it and the symbols newly subscribed to quotes.
     */
    change(change: Change, symbols: readonly string[]): {
        msg: ClientMessage;
        added: string[];
    } | null;
    /** Applies a change (`['*']`: every one of `symbols`); returns the symbols newly subscribed to quotes. */
    private apply;
    /**
     * A welcome's subscription: the first one becomes the wanted one, with the queued changes
     * applied to it; returns the symbols those newly subscribed to quotes.
     */
    welcome(server: Subs, symbols: readonly string[]): string[];
    /** Whether `symbol` is wanted on `ch` (anything is, before the first welcome). */
    wants(ch: Channel, symbol: string): boolean;
    /** The messages that bring the server's subscription in line with the wanted one. */
    sync(server: Subs): ClientMessage[];
    /**
     * The URL's `symbols` and `channels`: the wanted ones (`symbols` in market order, as the
     * server lists them), or before the first welcome the options' (`initial`).
     */
    params(symbols: readonly string[], initial: {
        symbols?: string[];
        channels?: Channel[];
    }): {
        symbols: string;
        channels: string;
    };
}
export {};
