/**
 * A replay streamed instead of the live market (docs/ws-protocol.md § Replay): its options,
 * where a reconnect resumes it (the newest tick time received), and whether it ended on
 * purpose (`then=close`) or went live (`then=live`).
 */

import type { ReplayOptions } from './types.js';

/** The replay of one client, if it streams one. */
export class Replay {
  /** The replay's options; `null` when streaming the live market. */
  private options: ReplayOptions | null;
  /** The newest tick's time received during the replay. */
  private position: number | null = null;
  /** It reached its end with `then=close`: its close is not a loss. */
  private done = false;

  constructor(options: ReplayOptions | undefined) {
    this.options = options ?? null;
  }

  /** Whether a replay is streamed (rather than the live market). */
  get active(): boolean {
    return this.options != null;
  }

  /** Whether it ended on purpose, so that its close is not a loss. */
  get finished(): boolean {
    return this.options != null && this.done;
  }

  /** A tick of `timestamp` was received. */
  saw(timestamp: number): void {
    if (this.options && (this.position == null || timestamp > this.position)) this.position = timestamp;
  }

  /** The speed changed (a reconnect keeps it). */
  setSpeed(speed: number): void {
    if (this.options) this.options = { ...this.options, speed };
  }

  /** The server's `replay_end`: `live` turns the client into a live one. */
  end(then: string): void {
    if (then === 'live') {
      this.options = null;
      this.position = null;
    } else {
      this.done = true;
    }
  }

  /** The URL parameters that start (or resume) it; `null` for the live market. */
  params(): Record<string, string> | null {
    const r = this.options;
    if (!r) return null;
    const params: Record<string, string> = {
      from: String(this.position ?? r.from),
      speed: String(r.speed ?? 1),
    };
    if (r.to != null) params.to = String(r.to);
    params.then = r.then ?? 'close';
    return params;
  }
}
