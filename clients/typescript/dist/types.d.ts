/**
 * The client's own types: its options, its events and the connection states it reports, and
 * the minimal WebSocket it drives. Types only: nothing of this module is imported at run time.
 */
import type { BarMessage, Channel, ErrorMessage, Quote, ServerMessage, StatusMessage, TradeMessage, WelcomeMessage } from './messages.js';
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
