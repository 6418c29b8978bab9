/**
 * Each message once: what was delivered per symbol (the newest quote seq, trade id, bar time
 * and status seq), so that a resume's or a reconnect's repeats are dropped, and the holes in a
 * symbol's quote seqs; and where a reconnect resumes (`since`): after the newest tick received
 * in full.
 *
 * A resume with `since=N` replays whole ticks `N+1 ..` on every subscribed channel
 * (docs/ws-protocol.md § Resume), and the server sends a connection's ticks in order, each
 * tick's frames together: its quotes, then its status, trade and bar frames. So a frame of tick
 * `s` shows every tick before `s` complete, but tick `s` itself may have been cut short (say
 * after its quotes, before its status): the resume point is `s - 1`, and the frames of tick `s`
 * that come again are dropped here as repeats.
 */

/** The kinds of message delivered once per key. */
export type Kind = 'quote' | 'trade' | 'bar' | 'status';

/** What was delivered, per kind and key. */
export class Delivery {
  /** Per kind, per key (a symbol; for bars, symbol and interval): the newest delivered. */
  private readonly last: Record<Kind, Map<string, number>> = {
    quote: new Map(),
    trade: new Map(),
    bar: new Map(),
    status: new Map(),
  };
  /** Symbols whose next quote may jump (after a server gap or a new subscription). */
  private readonly noGapCheck = new Set<string>();
  /** The newest tick received in full. */
  private complete: number | null = null;

  /** Where a reconnect resumes: after the newest tick received in full (`null`: none yet). */
  resumePoint(): number | null {
    return this.complete;
  }

  /** A frame of tick `seq` arrived: the ticks before it are complete. */
  sawTick(seq: number): void {
    this.completeThrough(seq - 1);
  }

  /** Tick `seq` is complete (a welcome to a connection that streams nothing: nothing to miss). */
  completeThrough(seq: number): void {
    if (seq >= 0 && (this.complete == null || seq > this.complete)) this.complete = seq;
  }

  /** The newest seq delivered of a symbol's quotes. */
  lastSeqOf(symbol: string): number | undefined {
    return this.last.quote.get(symbol);
  }

  /** Whether `n` (a seq, trade id or bar time) of `key` was delivered already. */
  isRepeat(kind: Kind, key: string, n: number): boolean {
    const last = this.last[kind].get(key);
    return last != null && n <= last;
  }

  /** Records `n` of `key` as delivered. */
  record(kind: Kind, key: string, n: number): void {
    this.last[kind].set(key, n);
  }

  /**
   * The seqs a symbol's quotes skipped before `seq`, if any: never for a snapshot, nor for the
   * first quote after the symbol was exempted.
   */
  quoteGap(symbol: string, seq: number, snapshot: boolean): { from: number; to: number } | null {
    const last = this.last.quote.get(symbol);
    const unchecked = this.noGapCheck.delete(symbol);
    if (last != null && !snapshot && !unchecked && seq > last + 1) return { from: last + 1, to: seq - 1 };
    return null;
  }

  /** Lets these symbols' next quote jump (a new subscription). */
  exempt(symbols: Iterable<string>): void {
    for (const s of symbols) this.noGapCheck.add(s);
  }

  /** Lets every symbol's next quote jump (the server declared a gap). */
  exemptAll(): void {
    this.exempt(this.last.quote.keys());
  }

  /** Forgets everything delivered and the resume point (the sequence starts over). */
  clear(): void {
    for (const map of Object.values(this.last)) map.clear();
    this.complete = null;
  }
}
