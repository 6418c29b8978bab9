/**
 * Each message once: what was delivered per symbol (the newest quote seq, trade id, bar time
 * and status seq), so that a resume's or a reconnect's repeats are dropped, and the holes in a
 * symbol's quote seqs.
 */
/** The kinds of message delivered once per key. */
export type Kind = 'quote' | 'trade' | 'bar' | 'status';
/** What was delivered, per kind and key. */
export declare class Delivery {
    /** Per kind, per key (a symbol; for bars, symbol and interval): the newest delivered. */
    private readonly last;
    /** Symbols whose next quote may jump (after a server gap or a new subscription). */
    private readonly noGapCheck;
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
    /** Forgets everything delivered (the sequence starts over). */
    clear(): void;
}
