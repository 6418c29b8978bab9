/**
 * What each connection attempt asks for and when it is made: the stream URL (subscription,
 * first-connection parameters, and the resume point `since` or the replay position `from`) and
 * the reconnect backoff (exponential, with equal jitter).
 */
/** `WebSocket.OPEN`. */
export const OPEN = 1;
/** The parameters this client sets; any others of the given URL (say `fault_…`) are kept. */
const OWN_PARAMS = ['symbols', 'channels', 'format', 'since', 'from', 'speed', 'to', 'then'];
/** The stream URL of a connection attempt. */
export function streamUrl(a) {
    const url = new URL(a.url);
    for (const p of OWN_PARAMS)
        url.searchParams.delete(p);
    url.searchParams.set('symbols', a.subs.symbols);
    url.searchParams.set('channels', a.subs.channels);
    url.searchParams.set('format', a.format ?? 'quote');
    for (const [k, v] of Object.entries(a.firstParams ?? {}))
        url.searchParams.set(k, v);
    if (a.replay) {
        for (const [k, v] of Object.entries(a.replay))
            url.searchParams.set(k, v);
    }
    else if (a.since != null) {
        url.searchParams.set('since', String(a.since));
    }
    return url.toString();
}
/**
 * How long to wait before reconnecting after `attempt` failed attempts, or `null` when the
 * options allow no more: exponential from `baseMs` (500) up to `capMs` (10 000), with equal
 * jitter (half fixed, half random).
 */
export function reconnectDelay(attempt, rc, random) {
    const max = rc === false ? 0 : rc?.maxAttempts ?? Infinity;
    if (attempt >= max)
        return null;
    const base = (rc && rc.baseMs) || 500;
    const cap = (rc && rc.capMs) || 10000;
    const exp = Math.min(cap, base * 2 ** attempt);
    return Math.round(exp / 2 + random() * (exp / 2));
}
/**
 * Starts application pings every `pingEveryMs` (15 000) and the silence check (`silenceMs`,
 * 45 000); returns the timer, or `null` when the options turn the heartbeat off.
 */
export function startHeartbeat(hb, beat) {
    if (hb === false)
        return null;
    const every = hb?.pingEveryMs ?? 15000;
    const silence = hb?.silenceMs ?? 45000;
    let id = 0;
    return setInterval(() => {
        const ws = beat.socket();
        if (!ws || ws.readyState !== OPEN)
            return;
        if (Date.now() - beat.lastHeard() > silence) {
            // Silent too long: presumed dead (a half-open TCP connection never says so).
            beat.silent(silence);
            return;
        }
        id += 1;
        beat.ping(id);
    }, Math.min(every, silence));
}
