/**
 * A dependency-free client for ticker's native WebSocket stream (docs/ws-protocol.md), for
 * browsers and Node (22+, or 20 with `--experimental-websocket`, or any `WebSocket` given in
 * the options).
 *
 * It keeps one connection open: it reconnects with exponential backoff (equal jitter) and
 * resumes with `?since=<last seq>` (a replay: `?from=<last position>`), so no tick is lost; it
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
import type { BarMessage, Channel, ClientMessage, ErrorMessage, Quote, ServerMessage, StatusMessage, TradeMessage, WelcomeMessage } from './messages.js';
export type * from './messages.js';
/** Every channel, in the protocol's order. */
export declare const CHANNELS: readonly Channel[];
/** Where the connection stands. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
/** A change of {@link ConnectionState}, with what caused it. */
export interface StateChange {
    state: ConnectionState;
    /** Reconnection attempts since the last welcome. */
    attempt: number;
    /** `reconnecting`: how long until the next attempt. */
    delayMs?: number;
    /** `reconnecting`/`closed`: the close code and reason, or why the socket was given up. */
    code?: number;
    reason?: string;
    /** `reconnecting`/`closed` after a socket closed: whether it closed cleanly. */
    wasClean?: boolean;
    /** `open` after a reconnect: the seq it resumed after (`since`), if any. */
    resumedAfter?: number | null;
}
/** A hole in the stream: seen by the client (a seq jump) or declared by the server (`gap`). */
export interface GapEvent {
    source: 'client' | 'server';
    /** The symbol, for a client-seen gap. */
    symbol?: string;
    from: number;
    to: number;
}
/** What a {@link TickerClient} emits. */
export interface TickerEvents {
    /** Every server message as received, before deduplication. */
    message: ServerMessage;
    /** Each (symbol, seq) once, in order: from `quote`, `quotes` and `snapshot` frames. */
    quote: Quote;
    /** Each (symbol, id) once. */
    trade: TradeMessage;
    /** Each (symbol, interval, bar) once. */
    bar: BarMessage;
    /** Each (symbol, seq) status once. */
    status: StatusMessage;
    state: StateChange;
    gap: GapEvent;
    /** `error` messages from the server (the connection stays open). */
    error: ErrorMessage;
    /** The welcome of each connection. */
    welcome: WelcomeMessage;
}
/** A replay to stream instead of the live market (docs/ws-protocol.md § Replay). */
export interface ReplayOptions {
    /** Where it starts: RFC 3339 or Unix ms. */
    from: string | number;
    /** Market ms per wall ms (default 1). */
    speed?: number;
    /** Where it ends (default: now). */
    to?: string | number;
    /** What follows the end: `close` (default) or `live`. */
    then?: 'close' | 'live';
}
/** The minimal WebSocket this client needs (the browser's, Node's, or a compatible one). */
export interface WebSocketLike {
    readonly readyState: number;
    onopen: ((ev: unknown) => void) | null;
    onmessage: ((ev: {
        data: unknown;
    }) => void) | null;
    onclose: ((ev: {
        code: number;
        reason: string;
        wasClean?: boolean;
    }) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
}
/** A WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/** How a {@link TickerClient} connects. */
export interface TickerOptions {
    /** The stream, e.g. `ws://127.0.0.1:8001/ws`; its own query parameters (say `fault_…`) are kept. */
    url: string;
    /**
     * Query parameters for the first connection only (until one opens), e.g. `fault_…` to provoke
     * one disconnect and then reconnect cleanly.
     */
    firstParams?: Record<string, string>;
    /** The initial subscription (default every symbol, `['*']`). */
    symbols?: string[];
    /** Its channels (default `['quotes']`). */
    channels?: Channel[];
    /** `quote` (one frame per symbol, the default) or `batch` (one per tick). */
    format?: 'quote' | 'batch';
    /** Stream a replay instead of the live market. */
    replay?: ReplayOptions;
    /** Reconnect after a lost connection (default on); `false`: never. */
    reconnect?: {
        baseMs?: number;
        capMs?: number;
        maxAttempts?: number;
    } | false;
    /** Application pings and silence detection (default on); `false`: off. */
    heartbeat?: {
        pingEveryMs?: number;
        silenceMs?: number;
    } | false;
    /** The WebSocket implementation (default `globalThis.WebSocket`). */
    WebSocket?: WebSocketConstructor;
    /** Randomness for the backoff's jitter (default `Math.random`). */
    random?: () => number;
}
type Listener<K extends keyof TickerEvents> = (value: TickerEvents[K]) => void;
/** One logical connection to the stream, kept alive across disconnects. */
export declare class TickerClient {
    /** Where the connection stands. */
    state: ConnectionState;
    /** The newest tick received (any channel); what a reconnect resumes after. */
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
    private replay;
    /** Replay position: the newest tick's time received during a replay. */
    private position;
    /** A replay with `then=close` reached its end: its close is not a loss. */
    private replayDone;
    /** What the user wants, per channel (expanded once the symbols are known). */
    private wanted;
    private wantedKnown;
    private pending;
    /** The `since` the current connection was opened with. */
    private since;
    private readonly lastSeq;
    private readonly lastTrade;
    private readonly lastBar;
    private readonly lastStatus;
    /** Symbols whose next quote may jump (after a server gap or a new subscription). */
    private readonly noGapCheck;
    constructor(options: TickerOptions);
    /** Listens to one kind of event; returns the function that stops listening. */
    on<K extends keyof TickerEvents>(event: K, fn: Listener<K>): () => void;
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
    private apply;
    /** The subscription as the server reports it in a welcome or an ack. */
    private static reported;
    /** After a welcome: the server's subscription brought in line with the wanted one. */
    private sync;
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
    private wants;
    private tick;
    private quote;
    private trade;
    private bar;
    private status;
}
