/**
 * A dependency-free client for ticker's native WebSocket stream (docs/ws-protocol.md), for
 * browsers and Node (22+, or 20 with `--experimental-websocket`, or any `WebSocket` given in
 * the options).
 *
 * It keeps one connection open: it reconnects with exponential backoff (equal jitter) and
 * resumes with `?since=<last seq>` (a replay: `?from=<last position>`), so no tick is lost; it
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
/** Every channel, in the protocol's order. */
export const CHANNELS = ['quotes', 'trades', 'bars', 'status'];
const OPEN = 1;
function emptySubs() {
    return { quotes: new Set(), trades: new Set(), bars: new Set(), status: new Set() };
}
function copySubs(s) {
    return {
        quotes: new Set(s.quotes),
        trades: new Set(s.trades),
        bars: new Set(s.bars),
        status: new Set(s.status),
    };
}
/** One logical connection to the stream, kept alive across disconnects. */
export class TickerClient {
    constructor(options) {
        /** Where the connection stands. */
        this.state = 'idle';
        /** The newest tick received (any channel); what a reconnect resumes after. */
        this.seq = null;
        /** Every symbol the server streams (from the welcome). */
        this.symbols = [];
        /** Milliseconds between ticks (from the welcome). */
        this.intervalMs = null;
        /** Counters: connections opened, reconnects, messages dropped as repeats, gaps seen. */
        this.stats = { connects: 0, reconnects: 0, duplicates: 0, gaps: 0, serverGaps: 0 };
        this.listeners = new Map();
        this.ws = null;
        this.attempt = 0;
        this.retryTimer = null;
        this.pingTimer = null;
        this.lastHeard = 0;
        this.stopped = true;
        /** Whether a connection has opened (so {@link TickerOptions.firstParams} are spent). */
        this.firstOpened = false;
        /** Replay position: the newest tick's time received during a replay. */
        this.position = null;
        /** A replay with `then=close` reached its end: its close is not a loss. */
        this.replayDone = false;
        /** What the user wants, per channel (expanded once the symbols are known). */
        this.wanted = emptySubs();
        this.wantedKnown = false;
        this.pending = [];
        /** The `since` the current connection was opened with. */
        this.since = null;
        this.lastSeq = new Map();
        this.lastTrade = new Map();
        this.lastBar = new Map();
        this.lastStatus = new Map();
        /** Symbols whose next quote may jump (after a server gap or a new subscription). */
        this.noGapCheck = new Set();
        this.opts = options;
        this.replay = options.replay ?? null;
    }
    /** Listens to one kind of event; returns the function that stops listening. */
    on(event, fn) {
        let set = this.listeners.get(event);
        if (!set) {
            set = new Set();
            this.listeners.set(event, set);
        }
        set.add(fn);
        return () => set?.delete(fn);
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
        return this.lastSeq.get(symbol);
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
        if (this.replay)
            this.replay = { ...this.replay, speed };
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
        if (!this.wantedKnown) {
            this.pending.push({ op, symbols, channels });
            return;
        }
        this.apply(op, symbols, channels);
        const msg = channels ? { type: op, symbols, channels } : { type: op, symbols };
        this.send(msg);
    }
    apply(op, symbols, channels) {
        const list = symbols.includes('*') ? this.symbols : symbols.map((s) => s.toUpperCase());
        for (const ch of channels ?? CHANNELS) {
            for (const sym of list) {
                if (op === 'subscribe') {
                    if (ch === 'quotes' && !this.wanted.quotes.has(sym))
                        this.noGapCheck.add(sym);
                    this.wanted[ch].add(sym);
                }
                else {
                    this.wanted[ch].delete(sym);
                }
            }
        }
    }
    /** The subscription as the server reports it in a welcome or an ack. */
    static reported(m) {
        const subs = emptySubs();
        if (m.channels) {
            for (const ch of CHANNELS)
                for (const s of m.channels[ch] ?? [])
                    subs[ch].add(s);
        }
        else {
            for (const s of m.subscribed ?? m.symbols ?? [])
                subs.quotes.add(s);
        }
        return subs;
    }
    /** After a welcome: the server's subscription brought in line with the wanted one. */
    sync(server) {
        for (const ch of CHANNELS) {
            const add = [...this.wanted[ch]].filter((s) => !server[ch].has(s));
            const drop = [...server[ch]].filter((s) => !this.wanted[ch].has(s));
            if (add.length)
                this.send({ type: 'subscribe', symbols: add, channels: [ch] });
            if (drop.length)
                this.send({ type: 'unsubscribe', symbols: drop, channels: [ch] });
        }
    }
    // ---- the socket ----------------------------------------------------------------------------
    url() {
        const url = new URL(this.opts.url);
        for (const p of ['symbols', 'channels', 'format', 'since', 'from', 'speed', 'to', 'then']) {
            url.searchParams.delete(p);
        }
        if (this.wantedKnown) {
            const all = new Set();
            const chans = [];
            for (const ch of CHANNELS) {
                for (const s of this.wanted[ch])
                    all.add(s);
                if (this.wanted[ch].size)
                    chans.push(ch);
            }
            // Market order, as the server lists them.
            url.searchParams.set('symbols', this.symbols.filter((s) => all.has(s)).join(','));
            url.searchParams.set('channels', (chans.length ? chans : ['quotes']).join(','));
        }
        else {
            url.searchParams.set('symbols', (this.opts.symbols ?? ['*']).join(','));
            url.searchParams.set('channels', (this.opts.channels ?? ['quotes']).join(','));
        }
        url.searchParams.set('format', this.opts.format ?? 'quote');
        if (!this.firstOpened) {
            for (const [k, v] of Object.entries(this.opts.firstParams ?? {}))
                url.searchParams.set(k, v);
        }
        this.since = null;
        if (this.replay) {
            url.searchParams.set('from', String(this.position ?? this.replay.from));
            url.searchParams.set('speed', String(this.replay.speed ?? 1));
            if (this.replay.to != null)
                url.searchParams.set('to', String(this.replay.to));
            url.searchParams.set('then', this.replay.then ?? 'close');
        }
        else if (this.seq != null) {
            url.searchParams.set('since', String(this.seq));
            this.since = this.seq;
        }
        return url.toString();
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
            if (code === 1000 && this.replay && this.replayDone) {
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
        const rc = this.opts.reconnect;
        const max = rc === false ? 0 : rc?.maxAttempts ?? Infinity;
        if (this.stopped || this.attempt >= max) {
            this.stopped = true;
            this.setState({ state: 'closed', attempt: this.attempt, code, reason, wasClean });
            return;
        }
        const base = (rc && rc.baseMs) || 500;
        const cap = (rc && rc.capMs) || 10000;
        const exp = Math.min(cap, base * 2 ** this.attempt);
        const delayMs = Math.round(exp / 2 + (this.opts.random ?? Math.random)() * (exp / 2));
        this.attempt += 1;
        this.setState({ state: 'reconnecting', attempt: this.attempt, delayMs, code, reason, wasClean });
        this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (!this.stopped && !this.ws)
                this.open();
        }, delayMs);
    }
    startHeartbeat() {
        const hb = this.opts.heartbeat;
        if (hb === false)
            return;
        const every = hb?.pingEveryMs ?? 15000;
        const silence = hb?.silenceMs ?? 45000;
        let id = 0;
        this.stopHeartbeat();
        this.pingTimer = setInterval(() => {
            const ws = this.ws;
            if (!ws || ws.readyState !== OPEN)
                return;
            if (Date.now() - this.lastHeard > silence) {
                // Silent too long: presumed dead (a half-open TCP connection never says so).
                this.ws = null;
                ws.onclose = null;
                ws.onmessage = null;
                ws.close(4000, 'silent');
                this.stopHeartbeat();
                this.lost(4000, `no data for ${silence} ms`);
                return;
            }
            id += 1;
            this.send({ type: 'ping', id });
        }, Math.min(every, silence));
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
        const set = this.listeners.get(event);
        if (!set)
            return;
        for (const fn of [...set])
            fn(value);
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
                for (const s of this.lastSeq.keys())
                    this.noGapCheck.add(s);
                this.emit('gap', { source: 'server', from: m.from, to: m.to });
                break;
            case 'error':
                if (m.code === 'invalid_since') {
                    // The server is behind what we saw (restarted on another clock): start afresh.
                    this.seq = null;
                    this.lastSeq.clear();
                    this.lastTrade.clear();
                    this.lastBar.clear();
                    this.lastStatus.clear();
                }
                this.emit('error', m);
                break;
            case 'replay':
                if (m.action === 'seek') {
                    // The replay jumped: its seqs start over from the new moment.
                    this.lastSeq.clear();
                    this.lastTrade.clear();
                    this.lastBar.clear();
                    this.lastStatus.clear();
                    this.seq = null;
                }
                break;
            case 'replay_end':
                if (m.then === 'live') {
                    this.replay = null;
                    this.position = null;
                }
                else {
                    this.replayDone = true;
                }
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
        const server = TickerClient.reported(m);
        if (!this.wantedKnown) {
            this.wanted = copySubs(server);
            this.wantedKnown = true;
            for (const p of this.pending.splice(0))
                this.apply(p.op, p.symbols, p.channels);
        }
        // Nothing streamed means nothing to miss: resume from the server's tick.
        const streamed = CHANNELS.some((c) => server[c].size > 0);
        if (!this.replay && !streamed && (this.seq == null || m.seq > this.seq))
            this.seq = m.seq;
        this.emit('welcome', m);
        this.sync(server);
    }
    wants(ch, symbol) {
        return !this.wantedKnown || this.wanted[ch].has(symbol);
    }
    tick(seq, timestamp) {
        if (this.seq == null || seq > this.seq)
            this.seq = seq;
        if (this.replay && (this.position == null || timestamp > this.position))
            this.position = timestamp;
    }
    quote(q, snapshot) {
        if (!this.wants('quotes', q.symbol))
            return;
        const last = this.lastSeq.get(q.symbol);
        if (last != null && q.seq <= last) {
            this.stats.duplicates += 1;
            return;
        }
        const unchecked = this.noGapCheck.delete(q.symbol);
        if (last != null && !snapshot && !unchecked && q.seq > last + 1) {
            this.stats.gaps += 1;
            this.emit('gap', { source: 'client', symbol: q.symbol, from: last + 1, to: q.seq - 1 });
        }
        this.lastSeq.set(q.symbol, q.seq);
        this.tick(q.seq, q.timestamp);
        // A frame's own fields (`type`, `dropped`) are not the quote's.
        const { type: _type, dropped: _dropped, ...quote } = q;
        this.emit('quote', quote);
    }
    trade(t) {
        if (!this.wants('trades', t.symbol))
            return;
        const last = this.lastTrade.get(t.symbol);
        if (last != null && t.id <= last) {
            this.stats.duplicates += 1;
            return;
        }
        this.lastTrade.set(t.symbol, t.id);
        this.tick(t.seq, t.timestamp);
        this.emit('trade', t);
    }
    bar(b) {
        if (!this.wants('bars', b.symbol))
            return;
        const key = `${b.symbol} ${b.interval}`;
        const last = this.lastBar.get(key);
        if (last != null && b.bar.timestamp <= last) {
            this.stats.duplicates += 1;
            return;
        }
        this.lastBar.set(key, b.bar.timestamp);
        this.tick(b.seq, b.timestamp);
        this.emit('bar', b);
    }
    status(s) {
        if (!this.wants('status', s.symbol))
            return;
        const last = this.lastStatus.get(s.symbol);
        if (last != null && s.seq <= last) {
            this.stats.duplicates += 1;
            return;
        }
        this.lastStatus.set(s.symbol, s.seq);
        this.tick(s.seq, s.timestamp);
        this.emit('status', s);
    }
}
