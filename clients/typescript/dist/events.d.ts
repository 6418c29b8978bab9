/**
 * The client's listeners: any number per kind of event, called in the order they were added,
 * each removable by the function {@link Listeners.on} returns.
 */
/** One kind of event's listener. */
export type Listener<E, K extends keyof E> = (value: E[K]) => void;
/** Listeners of the events `E` (a map from event name to value type). */
export declare class Listeners<E> {
    private readonly sets;
    /** Adds a listener; returns the function that removes it. */
    on<K extends keyof E>(event: K, fn: Listener<E, K>): () => void;
    /** Calls every listener of `event` (those present when it starts). */
    emit<K extends keyof E>(event: K, value: E[K]): void;
}
