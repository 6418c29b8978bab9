/**
 * The client's listeners: any number per kind of event, called in the order they were added,
 * each removable by the function {@link Listeners.on} returns.
 */

/** One kind of event's listener. */
export type Listener<E, K extends keyof E> = (value: E[K]) => void;

/** Listeners of the events `E` (a map from event name to value type). */
export class Listeners<E> {
  private readonly sets = new Map<keyof E, Set<(value: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, fn: Listener<E, K>): () => void {
    let set = this.sets.get(event);
    if (!set) {
      set = new Set();
      this.sets.set(event, set);
    }
    set.add(fn as (value: never) => void);
    return () => set?.delete(fn as (value: never) => void);
  }

  /** Calls every listener of `event` (those present when it starts). */
  emit<K extends keyof E>(event: K, value: E[K]): void {
    const set = this.sets.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as Listener<E, K>)(value);
  }
}
