/**
 * What each connection attempt asks for and when it is made: the stream URL (subscription,
 * first-connection parameters, and the resume point `since` or the replay position `from`) and
 * the reconnect backoff (exponential, with equal jitter).
 */
import type { TickerOptions, WebSocketLike } from './types.js';
/** `WebSocket.OPEN`. */
export declare const OPEN = 1;
/** What one connection attempt asks for. */
export interface Attempt {
    /** The URL of the options. */
    url: string;
    /** The subscription, as the URL's `symbols` and `channels`. */
    subs: {
        symbols: string;
        channels: string;
    };
    format?: 'quote' | 'batch';
    /** The first connection's extra parameters (until one opens). */
    firstParams?: Record<string, string>;
    /** A replay's parameters (`from`, `speed`, `to`, `then`), if one is streamed. */
    replay: Record<string, string> | null;
    /** The live stream's resume point: the tick to resume after. */
    since: number | null;
}
/** The stream URL of a connection attempt. */
export declare function streamUrl(a: Attempt): string;
/**
 * How long to wait before reconnecting after `attempt` failed attempts, or `null` when the
 * options allow no more: exponential from `baseMs` (500) up to `capMs` (10 000), with equal
 * jitter (half fixed, half random).
 */
export declare function reconnectDelay(attempt: number, rc: TickerOptions['reconnect'], random: () => number): number | null;
/** What a heartbeat needs of its connection. */
export interface Beat {
    /** The open socket, if any. */
    socket(): WebSocketLike | null;
    /** When the socket was last heard from (`Date.now()`). */
    lastHeard(): number;
    /** Sends an application ping. */
    ping(id: number): void;
    /** The socket has been silent for longer than `silenceMs`: presume it dead. */
    silent(silenceMs: number): void;
}
/**
 * Starts application pings every `pingEveryMs` (15 000) and the silence check (`silenceMs`,
 * 45 000); returns the timer, or `null` when the options turn the heartbeat off.
 */
export declare function startHeartbeat(hb: TickerOptions['heartbeat'], beat: Beat): ReturnType<typeof setInterval> | null;
