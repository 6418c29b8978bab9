/**
 * A dependency-free client for ticker's native WebSocket stream (docs/ws-protocol.md), for
 * browsers and Node (22+, or 20 with `--experimental-websocket`, or any `WebSocket` given in
 * the options).
 *
 * It keeps one connection open: it reconnects with exponential backoff (equal jitter) and
 * resumes with `?since=` the newest tick received in full (a replay: `?from=<last position>`),
 * so no tick, nor any frame of a tick cut short, is lost; it
 * delivers each quote once per (symbol, seq), each trade once per (symbol, id), each bar and
 * status once, so none is repeated; and it pings, presuming a socket dead that has been silent
 * for `silenceMs`.
 *
 * ```ts
 * import { TickerClient } from './ticker.js';
 * const client = new TickerClient({ url: 'ws://127.0.0.1:8001/ws', symbols: ['AAPL'], channels: ['quotes', 'status'] });
 * client.on('quote', (q) => console.log(q.symbol, q.seq, q.price));
 * client.on('state', (s) => console.log(s.state));
 * client.connect();
 * ```
 */
import type { Channel, ClientMessage } from './messages.js';
import type { ConnectionState, TickerEvents, TickerOptions } from './types.js';
export type * from './messages.js';
export type * from './types.js';
export { CHANNELS } from './subscriptions.js';
/** One logical connection to the stream, kept alive across disconnects. */
export declare class TickerClient {
    /** Where the connection stands. */
    state: ConnectionState;
    /**
     * The newest tick received (any channel). A reconnect resumes after the tick before it (the
     * newest one received in full: the newest may have been cut short), dropping what comes again.
     */
    seq: number | null;
    /** Every symbol the server streams (from the welcome). */
    symbols: string[];
    /** Milliseconds between ticks (from the welcome). */
    intervalMs: number | null;
    /** Counters: connections opened, reconnects, messages dropped as repeats, gaps seen. */
    readonly stats: {
        connects: number;
        reconnects: number;
        duplicates: number;
        gaps: number;
        serverGaps: number;
    };
    private readonly opts;
    private readonly listeners;
    private ws;
    private attempt;
    private retryTimer;
    private pingTimer;
    private lastHeard;
    private stopped;
    /** Whether a connection has opened (so {@link TickerOptions.firstParams} are spent). */
    private firstOpened;
    /** The replay streamed instead of the live market, if any. */
    private readonly replay;
    /** What the user wants streamed. */
    private readonly subs;
    /** The `since` the current connection was opened with. */
    private since;
    /** What was delivered, so that nothing is delivered twice. */
    private readonly delivered;
    constructor(options: TickerOptions);
    /** Listens to one kind of event; returns the function that stops listening. */
    on<K extends keyof TickerEvents>(event: K, fn: (value: TickerEvents[K]) => void): () => void;
    /** Opens the connection (and keeps it open until {@link close}). */
    connect(): void;
    /** Closes the connection for good (no reconnect). */
    close(code?: number, reason?: string): void;
    /**
     * While waiting to reconnect, tries again now (say the user asked, or the network came back);
     * `resetBackoff` starts the backoff over. Does nothing while a socket is open or opening.
     */
    reconnectNow(resetBackoff?: boolean): void;
    /** Adds symbols (`['*']`: all) to channels (default quotes). */
    subscribe(symbols: string[], channels?: Channel[]): void;
    /** Removes symbols (`['*']`: all) from channels (default every channel). */
    unsubscribe(symbols: string[], channels?: Channel[]): void;
    /** The newest seq received for a symbol's quotes. */
    lastSeqOf(symbol: string): number | undefined;
    /** Pauses a replay. */
    pause(): void;
    /** Resumes a paused replay. */
    resume(): void;
    /** Changes a replay's speed. */
    setSpeed(speed: number): void;
    /** Moves a replay to another moment (RFC 3339 or Unix ms). */
    seek(time: string | number): void;
    /** Sends a message if the socket is open; returns whether it was sent. */
    send(msg: ClientMessage): boolean;
    private change;
    private url;
    private open;
    /** The connection is gone: try again later, unless told to stop. */
    private lost;
    private startHeartbeat;
    private stopHeartbeat;
    private clearTimers;
    private setState;
    private emit;
    private receive;
    private welcome;
    private tick;
    private quote;
    /** Whether `n` of `key` is new (recording it, and the tick); counts a repeat. */
    private once;
    private trade;
    private bar;
    private status;
}
