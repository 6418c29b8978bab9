/**
 * The client's listeners: any number per kind of event, called in the order they were added,
 * each removable by the function {@link Listeners.on} returns.
 */
/** Listeners of the events `E` (a map from event name to value type). */
export class Listeners {
    constructor() {
        this.sets = new Map();
    }
    /** Adds a listener; returns the function that removes it. */
    on(event, fn) {
        let set = this.sets.get(event);
        if (!set) {
            set = new Set();
            this.sets.set(event, set);
        }
        set.add(fn);
        return () => set?.delete(fn);
    }
    /** Calls every listener of `event` (those present when it starts). */
    emit(event, value) {
        const set = this.sets.get(event);
        if (!set)
            return;
        for (const fn of [...set])
            fn(value);
    }
}
