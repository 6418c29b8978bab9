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
export declare class Delivery {
    /** Per kind, per key (a symbol; for bars, symbol and interval): the newest delivered. */
    private readonly last;
    /** Symbols whose next quote may jump (after a server gap or a new subscription). */
    private readonly noGapCheck;
    /** The newest tick received in full. */
    private complete;
    /** Where a reconnect resumes: after the newest tick received in full (`null`: none yet). */
    resumePoint(): number | null;
    /** A frame of tick `seq` arrived: the ticks before it are complete. */
    sawTick(seq: number): void;
    /** Tick `seq` is complete (a welcome to a connection that streams nothing: nothing to miss). */
    completeThrough(seq: number): void;
    /** The newest seq delivered of a symbol's quotes. */
    lastSeqOf(symbol: string): number | undefined;
    /** Whether `n` (a seq, trade id or bar time) of `key` was delivered already. */
    isRepeat(kind: Kind, key: string, n: number): boolean;
    /** Records `n` of `key` as delivered. */
    record(kind: Kind, key: string, n: number): void;
    /**
     * The seqs a symbol's quotes skipped before `seq`, if any: never for a snapshot, nor for the
     * first quote after the symbol was exempted.
     */
    quoteGap(symbol: string, seq: number, snapshot: boolean): {
        from: number;
        to: number;
    } | null;
    /** Lets these symbols' next quote jump (a new subscription). */
    exempt(symbols: Iterable<string>): void;
    /** Lets every symbol's next quote jump (the server declared a gap). */
    exemptAll(): void;
    /** Forgets everything delivered and the resume point (the sequence starts over). */
    clear(): void;
}
