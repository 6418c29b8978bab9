/**
 * A dependency-free client for ticker's native WebSocket stream (docs/ws-protocol.md), for
 * browsers and Node (22+, or 20 with `--experimental-websocket`, or any `WebSocket` given in
 * the options).
 *
 * It keeps one connection open: it reconnects with exponential backoff (equal jitter) and
 * resumes with `?since=` the newest tick received in full (a replay: `?from=<last position>`),
 * so no tick, nor any frame of a tick cut short, is lost; it
 * delivers each quote once per (symbol, seq), each trade once per (symbol, id), each bar and
 * status once, so none is repeated; and it pings, presuming a socket dead that has been silent
 * for `silenceMs`.
 *
 * ```ts
 * import { TickerClient } from './ticker.js';
 * const client = new TickerClient({ url: 'ws://127.0.0.1:8001/ws', symbols: ['AAPL'], channels: ['quotes', 'status'] });
 * client.on('quote', (q) => console.log(q.symbol, q.seq, q.price));
 * client.on('state', (s) => console.log(s.state));
 * client.connect();
 * ```
 */
import { OPEN, reconnectDelay, startHeartbeat, streamUrl } from './connection.js';
import { Delivery } from './delivery.js';
import { Listeners } from './events.js';
import { Replay } from './replay.js';
import { CHANNELS, reported, Subscriptions } from './subscriptions.js';
export { CHANNELS } from './subscriptions.js';
/** One logical connection to the stream, kept alive across disconnects. */
export class TickerClient {
    constructor(options) {
        /** Where the connection stands. */
        this.state = 'idle';
        /**
         * The newest tick received (any channel). A reconnect resumes after the tick before it (the
         * newest one received in full: the newest may have been cut short), dropping what comes again.
         */
        this.seq = null;
        /** Every symbol the server streams (from the welcome). */
        this.symbols = [];
        /** Milliseconds between ticks (from the welcome). */
        this.intervalMs = null;
        /** Counters: connections opened, reconnects, messages dropped as repeats, gaps seen. */
        this.stats = { connects: 0, reconnects: 0, duplicates: 0, gaps: 0, serverGaps: 0 };
        this.listeners = new Listeners();
        this.ws = null;
        this.attempt = 0;
        this.retryTimer = null;
        this.pingTimer = null;
        this.lastHeard = 0;
        this.stopped = true;
        /** Whether a connection has opened (so {@link TickerOptions.firstParams} are spent). */
        this.firstOpened = false;
        /** What the user wants streamed. */
        this.subs = new Subscriptions();
        /** The `since` the current connection was opened with. */
        this.since = null;
        /** What was delivered, so that nothing is delivered twice. */
        this.delivered = new Delivery();
        this.opts = options;
        this.replay = new Replay(options.replay);
    }
    /** Listens to one kind of event; returns the function that stops listening. */
    on(event, fn) {
        return this.listeners.on(event, fn);
    }
    /** Opens the connection (and keeps it open until {@link close}). */
    connect() {
        this.stopped = false;
        if (!this.ws)
            this.open();
    }
    /** Closes the connection for good (no reconnect). */
    close(code = 1000, reason = 'client closed') {
        this.stopped = true;
        this.clearTimers();
        const ws = this.ws;
        this.ws = null;
        if (ws) {
            ws.onclose = null;
            ws.onmessage = null;
            ws.close(code, reason);
        }
        this.setState({ state: 'closed', attempt: this.attempt, code, reason });
    }
    /**
     * While waiting to reconnect, tries again now (say the user asked, or the network came back);
     * `resetBackoff` starts the backoff over. Does nothing while a socket is open or opening.
     */
    reconnectNow(resetBackoff = false) {
        if (this.stopped || this.ws)
            return;
        if (resetBackoff)
            this.attempt = 0;
        this.open();
    }
    /** Adds symbols (`['*']`: all) to channels (default quotes). */
    subscribe(symbols, channels = ['quotes']) {
        this.change('subscribe', symbols, channels);
    }
    /** Removes symbols (`['*']`: all) from channels (default every channel). */
    unsubscribe(symbols, channels) {
        this.change('unsubscribe', symbols, channels);
    }
    /** The newest seq received for a symbol's quotes. */
    lastSeqOf(symbol) {
        return this.delivered.lastSeqOf(symbol);
    }
    /** Pauses a replay. */
    pause() {
        this.send({ type: 'replay', action: 'pause' });
    }
    /** Resumes a paused replay. */
    resume() {
        this.send({ type: 'replay', action: 'resume' });
    }
    /** Changes a replay's speed. */
    setSpeed(speed) {
        this.replay.setSpeed(speed);
        this.send({ type: 'replay', action: 'speed', speed });
    }
    /** Moves a replay to another moment (RFC 3339 or Unix ms). */
    seek(time) {
        this.send({ type: 'replay', action: 'seek', time });
    }
    /** Sends a message if the socket is open; returns whether it was sent. */
    send(msg) {
        const ws = this.ws;
        if (!ws || ws.readyState !== OPEN)
            return false;
        ws.send(JSON.stringify(msg));
        return true;
    }
    // ---- subscriptions -------------------------------------------------------------------------
    change(op, symbols, channels) {
        const applied = this.subs.change({ op, symbols, channels }, this.symbols);
        if (!applied)
            return;
        this.delivered.exempt(applied.added);
        this.send(applied.msg);
    }
    // ---- the socket ----------------------------------------------------------------------------
    url() {
        this.since = this.replay.active ? null : this.delivered.resumePoint();
        return streamUrl({
            url: this.opts.url,
            subs: this.subs.params(this.symbols, this.opts),
            format: this.opts.format,
            firstParams: this.firstOpened ? undefined : this.opts.firstParams,
            replay: this.replay.params(),
            since: this.since,
        });
    }
    open() {
        this.clearTimers();
        const Ctor = this.opts.WebSocket ?? globalThis.WebSocket;
        if (!Ctor)
            throw new Error('no WebSocket: pass one in the options (Node 20: run with --experimental-websocket)');
        this.setState({ state: 'connecting', attempt: this.attempt });
        let ws;
        try {
            ws = new Ctor(this.url());
        }
        catch (e) {
            this.lost(0, e instanceof Error ? e.message : String(e));
            return;
        }
        this.ws = ws;
        let opened = false;
        ws.onopen = () => {
            if (ws !== this.ws)
                return;
            opened = true;
            this.firstOpened = true;
            this.lastHeard = Date.now();
            this.stats.connects += 1;
            if (this.stats.connects > 1)
                this.stats.reconnects += 1;
            this.startHeartbeat();
            this.setState({
                state: 'open',
                attempt: this.attempt,
                resumedAfter: this.stats.connects > 1 ? this.since : undefined,
            });
        };
        ws.onmessage = (ev) => {
            if (ws !== this.ws)
                return;
            this.lastHeard = Date.now();
            if (typeof ev.data === 'string')
                this.receive(ev.data);
        };
        const gone = (code, reason, wasClean) => {
            if (ws !== this.ws)
                return;
            this.ws = null;
            ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
            this.stopHeartbeat();
            // A replay that ended on purpose (then=close) is finished, not lost.
            if (code === 1000 && this.replay.finished) {
                this.stopped = true;
                this.setState({ state: 'closed', attempt: this.attempt, code, reason, wasClean });
                return;
            }
            this.lost(code, reason || (opened ? 'connection lost' : 'connection failed'), wasClean);
        };
        ws.onerror = () => {
            // Browsers follow an error with a close that says more; some implementations (Node 20's)
            // never close a socket that failed to connect. Either way, the socket is given up.
            setTimeout(() => {
                if (ws === this.ws && !opened) {
                    try {
                        ws.close();
                    }
                    catch {
                        // already closing
                    }
                    gone(1006, 'connection failed', false);
                }
            }, opened ? 0 : 50);
            if (opened)
                setTimeout(() => gone(1006, 'connection lost', false), 1000);
        };
        ws.onclose = (ev) => gone(ev.code, ev.reason, ev.wasClean);
    }
    /** The connection is gone: try again later, unless told to stop. */
    lost(code, reason, wasClean) {
        const delayMs = this.stopped
            ? null
            : reconnectDelay(this.attempt, this.opts.reconnect, this.opts.random ?? Math.random);
        if (delayMs == null) {
            this.stopped = true;
            this.setState({ state: 'closed', attempt: this.attempt, code, reason, wasClean });
            return;
        }
        this.attempt += 1;
        this.setState({ state: 'reconnecting', attempt: this.attempt, delayMs, code, reason, wasClean });
        this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (!this.stopped && !this.ws)
                this.open();
        }, delayMs);
    }
    startHeartbeat() {
        this.stopHeartbeat();
        this.pingTimer = startHeartbeat(this.opts.heartbeat, {
            socket: () => this.ws,
            lastHeard: () => this.lastHeard,
            ping: (id) => this.send({ type: 'ping', id }),
            silent: (silence) => {
                const ws = this.ws;
                if (!ws)
                    return;
                this.ws = null;
                ws.onclose = null;
                ws.onmessage = null;
                ws.close(4000, 'silent');
                this.stopHeartbeat();
                this.lost(4000, `no data for ${silence} ms`);
            },
        });
    }
    stopHeartbeat() {
        if (this.pingTimer)
            clearInterval(this.pingTimer);
        this.pingTimer = null;
    }
    clearTimers() {
        if (this.retryTimer)
            clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.stopHeartbeat();
    }
    setState(change) {
        this.state = change.state;
        this.emit('state', change);
    }
    emit(event, value) {
        this.listeners.emit(event, value);
    }
    // ---- messages ------------------------------------------------------------------------------
    receive(text) {
        let m;
        try {
            m = JSON.parse(text);
        }
        catch {
            return; // not JSON (e.g. an injected malformed frame): nothing to act on
        }
        if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string')
            return;
        this.emit('message', m);
        switch (m.type) {
            case 'welcome':
                this.welcome(m);
                break;
            case 'quote':
                this.quote(m, false);
                break;
            case 'quotes':
                for (const q of m.quotes)
                    this.quote(q, false);
                break;
            case 'snapshot':
                for (const q of m.quotes)
                    this.quote(q, true);
                break;
            case 'trade':
                this.trade(m);
                break;
            case 'bar':
                this.bar(m);
                break;
            case 'status':
                this.status(m);
                break;
            case 'gap':
                this.stats.serverGaps += 1;
                this.delivered.exemptAll();
                this.emit('gap', { source: 'server', from: m.from, to: m.to });
                break;
            case 'error':
                if (m.code === 'invalid_since') {
                    // The server is behind what we saw (restarted on another clock): start afresh.
                    this.seq = null;
                    this.delivered.clear();
                }
                this.emit('error', m);
                break;
            case 'replay':
                if (m.action === 'seek') {
                    // The replay jumped: its seqs start over from the new moment.
                    this.delivered.clear();
                    this.seq = null;
                }
                break;
            case 'replay_end':
                this.replay.end(m.then);
                break;
            case 'subscribed':
            case 'pong':
                break;
        }
    }
    welcome(m) {
        this.attempt = 0;
        this.symbols = m.symbols.slice();
        this.intervalMs = m.interval_ms;
        const server = reported(m);
        this.delivered.exempt(this.subs.welcome(server, this.symbols));
        // Nothing streamed means nothing to miss: resume from the server's tick.
        const streamed = CHANNELS.some((c) => server[c].size > 0);
        if (!this.replay.active && !streamed && (this.seq == null || m.seq > this.seq)) {
            this.seq = m.seq;
            this.delivered.completeThrough(m.seq);
        }
        this.emit('welcome', m);
        for (const msg of this.subs.sync(server))
            this.send(msg);
    }
    tick(seq, timestamp) {
        if (this.seq == null || seq > this.seq)
            this.seq = seq;
        this.delivered.sawTick(seq);
        this.replay.saw(timestamp);
    }
    quote(q, snapshot) {
        if (!this.subs.wants('quotes', q.symbol))
            return;
        if (this.delivered.isRepeat('quote', q.symbol, q.seq)) {
            this.stats.duplicates += 1;
            return;
        }
        const gap = this.delivered.quoteGap(q.symbol, q.seq, snapshot);
        if (gap) {
            this.stats.gaps += 1;
            this.emit('gap', { source: 'client', symbol: q.symbol, ...gap });
        }
        this.delivered.record('quote', q.symbol, q.seq);
        this.tick(q.seq, q.timestamp);
        // A frame's own fields (`type`, `dropped`) are not the quote's.
        const { type: _type, dropped: _dropped, ...quote } = q;
        this.emit('quote', quote);
    }
    /** Whether `n` of `key` is new (recording it, and the tick); counts a repeat. */
    once(kind, key, n, seq, timestamp) {
        if (this.delivered.isRepeat(kind, key, n)) {
            this.stats.duplicates += 1;
            return false;
        }
        this.delivered.record(kind, key, n);
        this.tick(seq, timestamp);
        return true;
    }
    trade(t) {
        if (this.subs.wants('trades', t.symbol) && this.once('trade', t.symbol, t.id, t.seq, t.timestamp)) {
            this.emit('trade', t);
        }
    }
    bar(b) {
        const key = `${b.symbol} ${b.interval}`;
        if (this.subs.wants('bars', b.symbol) && this.once('bar', key, b.bar.timestamp, b.seq, b.timestamp)) {
            this.emit('bar', b);
        }
    }
    status(s) {
        if (this.subs.wants('status', s.symbol) && this.once('status', s.symbol, s.seq, s.seq, s.timestamp)) {
            this.emit('status', s);
        }
    }
}
