/**
 * The client's own types: its options, its events and the connection states it reports, and
 * the minimal WebSocket it drives. Types only: nothing of this module is imported at run time.
 */
export {};
