/**
 * A replay streamed instead of the live market (docs/ws-protocol.md § Replay): its options,
 * where a reconnect resumes it (the newest tick time received), and whether it ended on
 * purpose (`then=close`) or went live (`then=live`).
 */
import type { ReplayOptions } from './types.js';
/** The replay of one client, if it streams one. */
export declare class Replay {
    /** The replay's options; `null` when streaming the live market. */
    private options;
    /** The newest tick's time received during the replay. */
    private position;
    /** It reached its end with `then=close`: its close is not a loss. */
    private done;
    constructor(options: ReplayOptions | undefined);
    /** Whether a replay is streamed (rather than the live market). */
    get active(): boolean;
    /** Whether it ended on purpose, so that its close is not a loss. */
    get finished(): boolean;
    /** A tick of `timestamp` was received. */
    saw(timestamp: number): void;
    /** The speed changed (a reconnect keeps it). */
    setSpeed(speed: number): void;
    /** The server's `replay_end`: `live` turns the client into a live one. */
    end(then: string): void;
    /** The URL parameters that start (or resume) it; `null` for the live market. */
    params(): Record<string, string> | null;
}
