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

import type {
  BarMessage,
  Channel,
  ClientMessage,
  ErrorMessage,
  Quote,
  ServerMessage,
  StatusMessage,
  TradeMessage,
  WelcomeMessage,
} from './messages.js';

export type * from './messages.js';

/** Every channel, in the protocol's order. */
export const CHANNELS: readonly Channel[] = ['quotes', 'trades', 'bars', 'status'];

/** Where the connection stands. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A change of {@link ConnectionState}, with what caused it. */
export interface StateChange {
  state: ConnectionState;
  /** Reconnection attempts since the last welcome. */
  attempt: number;
  /** `reconnecting`: how long until the next attempt. */
  delayMs?: number;
  /** `reconnecting`/`closed`: the close code and reason, or why the socket was given up. */
  code?: number;
  reason?: string;
  /** `reconnecting`/`closed` after a socket closed: whether it closed cleanly. */
  wasClean?: boolean;
  /** `open` after a reconnect: the seq it resumed after (`since`), if any. */
  resumedAfter?: number | null;
}

/** A hole in the stream: seen by the client (a seq jump) or declared by the server (`gap`). */
export interface GapEvent {
  source: 'client' | 'server';
  /** The symbol, for a client-seen gap. */
  symbol?: string;
  from: number;
  to: number;
}

/** What a {@link TickerClient} emits. */
export interface TickerEvents {
  /** Every server message as received, before deduplication. */
  message: ServerMessage;
  /** Each (symbol, seq) once, in order: from `quote`, `quotes` and `snapshot` frames. */
  quote: Quote;
  /** Each (symbol, id) once. */
  trade: TradeMessage;
  /** Each (symbol, interval, bar) once. */
  bar: BarMessage;
  /** Each (symbol, seq) status once. */
  status: StatusMessage;
  state: StateChange;
  gap: GapEvent;
  /** `error` messages from the server (the connection stays open). */
  error: ErrorMessage;
  /** The welcome of each connection. */
  welcome: WelcomeMessage;
}

/** A replay to stream instead of the live market (docs/ws-protocol.md § Replay). */
export interface ReplayOptions {
  /** Where it starts: RFC 3339 or Unix ms. */
  from: string | number;
  /** Market ms per wall ms (default 1). */
  speed?: number;
  /** Where it ends (default: now). */
  to?: string | number;
  /** What follows the end: `close` (default) or `live`. */
  then?: 'close' | 'live';
}

/** The minimal WebSocket this client needs (the browser's, Node's, or a compatible one). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** How a {@link TickerClient} connects. */
export interface TickerOptions {
  /** The stream, e.g. `ws://127.0.0.1:8001/ws`; its own query parameters (say `fault_…`) are kept. */
  url: string;
  /**
   * Query parameters for the first connection only (until one opens), e.g. `fault_…` to provoke
   * one disconnect and then reconnect cleanly.
   */
  firstParams?: Record<string, string>;
  /** The initial subscription (default every symbol, `['*']`). */
  symbols?: string[];
  /** Its channels (default `['quotes']`). */
  channels?: Channel[];
  /** `quote` (one frame per symbol, the default) or `batch` (one per tick). */
  format?: 'quote' | 'batch';
  /** Stream a replay instead of the live market. */
  replay?: ReplayOptions;
  /** Reconnect after a lost connection (default on); `false`: never. */
  reconnect?: { baseMs?: number; capMs?: number; maxAttempts?: number } | false;
  /** Application pings and silence detection (default on); `false`: off. */
  heartbeat?: { pingEveryMs?: number; silenceMs?: number } | false;
  /** The WebSocket implementation (default `globalThis.WebSocket`). */
  WebSocket?: WebSocketConstructor;
  /** Randomness for the backoff's jitter (default `Math.random`). */
  random?: () => number;
}

type Listener<K extends keyof TickerEvents> = (value: TickerEvents[K]) => void;
type Subs = Record<Channel, Set<string>>;

const OPEN = 1;

function emptySubs(): Subs {
  return { quotes: new Set(), trades: new Set(), bars: new Set(), status: new Set() };
}

function copySubs(s: Subs): Subs {
  return {
    quotes: new Set(s.quotes),
    trades: new Set(s.trades),
    bars: new Set(s.bars),
    status: new Set(s.status),
  };
}

/** One logical connection to the stream, kept alive across disconnects. */
export class TickerClient {
  /** Where the connection stands. */
  state: ConnectionState = 'idle';
  /** The newest tick received (any channel); what a reconnect resumes after. */
  seq: number | null = null;
  /** Every symbol the server streams (from the welcome). */
  symbols: string[] = [];
  /** Milliseconds between ticks (from the welcome). */
  intervalMs: number | null = null;
  /** Counters: connections opened, reconnects, messages dropped as repeats, gaps seen. */
  readonly stats = { connects: 0, reconnects: 0, duplicates: 0, gaps: 0, serverGaps: 0 };

  private readonly opts: TickerOptions;
  private readonly listeners = new Map<keyof TickerEvents, Set<(value: never) => void>>();
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private stopped = true;
  /** Whether a connection has opened (so {@link TickerOptions.firstParams} are spent). */
  private firstOpened = false;
  private replay: ReplayOptions | null;
  /** Replay position: the newest tick's time received during a replay. */
  private position: number | null = null;
  /** A replay with `then=close` reached its end: its close is not a loss. */
  private replayDone = false;
  /** What the user wants, per channel (expanded once the symbols are known). */
  private wanted: Subs = emptySubs();
  private wantedKnown = false;
  private pending: Array<{ op: 'subscribe' | 'unsubscribe'; symbols: string[]; channels?: Channel[] }> = [];
  /** The `since` the current connection was opened with. */
  private since: number | null = null;
  private readonly lastSeq = new Map<string, number>();
  private readonly lastTrade = new Map<string, number>();
  private readonly lastBar = new Map<string, number>();
  private readonly lastStatus = new Map<string, number>();
  /** Symbols whose next quote may jump (after a server gap or a new subscription). */
  private readonly noGapCheck = new Set<string>();

  constructor(options: TickerOptions) {
    this.opts = options;
    this.replay = options.replay ?? null;
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends keyof TickerEvents>(event: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn as (value: never) => void);
    return () => set?.delete(fn as (value: never) => void);
  }

  /** Opens the connection (and keeps it open until {@link close}). */
  connect(): void {
    this.stopped = false;
    if (!this.ws) this.open();
  }

  /** Closes the connection for good (no reconnect). */
  close(code = 1000, reason = 'client closed'): void {
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
  reconnectNow(resetBackoff = false): void {
    if (this.stopped || this.ws) return;
    if (resetBackoff) this.attempt = 0;
    this.open();
  }

  /** Adds symbols (`['*']`: all) to channels (default quotes). */
  subscribe(symbols: string[], channels: Channel[] = ['quotes']): void {
    this.change('subscribe', symbols, channels);
  }

  /** Removes symbols (`['*']`: all) from channels (default every channel). */
  unsubscribe(symbols: string[], channels?: Channel[]): void {
    this.change('unsubscribe', symbols, channels);
  }

  /** The newest seq received for a symbol's quotes. */
  lastSeqOf(symbol: string): number | undefined {
    return this.lastSeq.get(symbol);
  }

  /** Pauses a replay. */
  pause(): void {
    this.send({ type: 'replay', action: 'pause' });
  }

  /** Resumes a paused replay. */
  resume(): void {
    this.send({ type: 'replay', action: 'resume' });
  }

  /** Changes a replay's speed. */
  setSpeed(speed: number): void {
    if (this.replay) this.replay = { ...this.replay, speed };
    this.send({ type: 'replay', action: 'speed', speed });
  }

  /** Moves a replay to another moment (RFC 3339 or Unix ms). */
  seek(time: string | number): void {
    this.send({ type: 'replay', action: 'seek', time });
  }

  /** Sends a message if the socket is open; returns whether it was sent. */
  send(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  // ---- subscriptions -------------------------------------------------------------------------

  private change(op: 'subscribe' | 'unsubscribe', symbols: string[], channels?: Channel[]): void {
    if (!this.wantedKnown) {
      this.pending.push({ op, symbols, channels });
      return;
    }
    this.apply(op, symbols, channels);
    const msg: ClientMessage = channels ? { type: op, symbols, channels } : { type: op, symbols };
    this.send(msg);
  }

  private apply(op: 'subscribe' | 'unsubscribe', symbols: string[], channels?: Channel[]): void {
    const list = symbols.includes('*') ? this.symbols : symbols.map((s) => s.toUpperCase());
    for (const ch of channels ?? CHANNELS) {
      for (const sym of list) {
        if (op === 'subscribe') {
          if (ch === 'quotes' && !this.wanted.quotes.has(sym)) this.noGapCheck.add(sym);
          this.wanted[ch].add(sym);
        } else {
          this.wanted[ch].delete(sym);
        }
      }
    }
  }

  /** The subscription as the server reports it in a welcome or an ack. */
  private static reported(m: { symbols?: string[]; subscribed?: string[]; channels?: Record<Channel, string[]> }): Subs {
    const subs = emptySubs();
    if (m.channels) {
      for (const ch of CHANNELS) for (const s of m.channels[ch] ?? []) subs[ch].add(s);
    } else {
      for (const s of m.subscribed ?? m.symbols ?? []) subs.quotes.add(s);
    }
    return subs;
  }

  /** After a welcome: the server's subscription brought in line with the wanted one. */
  private sync(server: Subs): void {
    for (const ch of CHANNELS) {
      const add = [...this.wanted[ch]].filter((s) => !server[ch].has(s));
      const drop = [...server[ch]].filter((s) => !this.wanted[ch].has(s));
      if (add.length) this.send({ type: 'subscribe', symbols: add, channels: [ch] });
      if (drop.length) this.send({ type: 'unsubscribe', symbols: drop, channels: [ch] });
    }
  }

  // ---- the socket ----------------------------------------------------------------------------

  private url(): string {
    const url = new URL(this.opts.url);
    for (const p of ['symbols', 'channels', 'format', 'since', 'from', 'speed', 'to', 'then']) {
      url.searchParams.delete(p);
    }
    if (this.wantedKnown) {
      const all = new Set<string>();
      const chans: Channel[] = [];
      for (const ch of CHANNELS) {
        for (const s of this.wanted[ch]) all.add(s);
        if (this.wanted[ch].size) chans.push(ch);
      }
      // Market order, as the server lists them.
      url.searchParams.set('symbols', this.symbols.filter((s) => all.has(s)).join(','));
      url.searchParams.set('channels', (chans.length ? chans : ['quotes']).join(','));
    } else {
      url.searchParams.set('symbols', (this.opts.symbols ?? ['*']).join(','));
      url.searchParams.set('channels', (this.opts.channels ?? ['quotes']).join(','));
    }
    url.searchParams.set('format', this.opts.format ?? 'quote');
    if (!this.firstOpened) {
      for (const [k, v] of Object.entries(this.opts.firstParams ?? {})) url.searchParams.set(k, v);
    }
    this.since = null;
    if (this.replay) {
      url.searchParams.set('from', String(this.position ?? this.replay.from));
      url.searchParams.set('speed', String(this.replay.speed ?? 1));
      if (this.replay.to != null) url.searchParams.set('to', String(this.replay.to));
      url.searchParams.set('then', this.replay.then ?? 'close');
    } else if (this.seq != null) {
      url.searchParams.set('since', String(this.seq));
      this.since = this.seq;
    }
    return url.toString();
  }

  private open(): void {
    this.clearTimers();
    const Ctor = this.opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket: pass one in the options (Node 20: run with --experimental-websocket)');
    this.setState({ state: 'connecting', attempt: this.attempt });
    let ws: WebSocketLike;
    try {
      ws = new Ctor(this.url());
    } catch (e) {
      this.lost(0, e instanceof Error ? e.message : String(e));
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      opened = true;
      this.firstOpened = true;
      this.lastHeard = Date.now();
      this.stats.connects += 1;
      if (this.stats.connects > 1) this.stats.reconnects += 1;
      this.startHeartbeat();
      this.setState({
        state: 'open',
        attempt: this.attempt,
        resumedAfter: this.stats.connects > 1 ? this.since : undefined,
      });
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      if (typeof ev.data === 'string') this.receive(ev.data);
    };
    const gone = (code: number, reason: string, wasClean?: boolean) => {
      if (ws !== this.ws) return;
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
          } catch {
            // already closing
          }
          gone(1006, 'connection failed', false);
        }
      }, opened ? 0 : 50);
      if (opened) setTimeout(() => gone(1006, 'connection lost', false), 1000);
    };
    ws.onclose = (ev) => gone(ev.code, ev.reason, ev.wasClean);
  }

  /** The connection is gone: try again later, unless told to stop. */
  private lost(code: number, reason: string, wasClean?: boolean): void {
    const rc = this.opts.reconnect;
    const max = rc === false ? 0 : rc?.maxAttempts ?? Infinity;
    if (this.stopped || this.attempt >= max) {
      this.stopped = true;
      this.setState({ state: 'closed', attempt: this.attempt, code, reason, wasClean });
      return;
    }
    const base = (rc && rc.baseMs) || 500;
    const cap = (rc && rc.capMs) || 10_000;
    const exp = Math.min(cap, base * 2 ** this.attempt);
    const delayMs = Math.round(exp / 2 + (this.opts.random ?? Math.random)() * (exp / 2));
    this.attempt += 1;
    this.setState({ state: 'reconnecting', attempt: this.attempt, delayMs, code, reason, wasClean });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped && !this.ws) this.open();
    }, delayMs);
  }

  private startHeartbeat(): void {
    const hb = this.opts.heartbeat;
    if (hb === false) return;
    const every = hb?.pingEveryMs ?? 15_000;
    const silence = hb?.silenceMs ?? 45_000;
    let id = 0;
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || ws.readyState !== OPEN) return;
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

  private stopHeartbeat(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopHeartbeat();
  }

  private setState(change: StateChange): void {
    this.state = change.state;
    this.emit('state', change);
  }

  private emit<K extends keyof TickerEvents>(event: K, value: TickerEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as Listener<K>)(value);
  }

  // ---- messages ------------------------------------------------------------------------------

  private receive(text: string): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(text) as ServerMessage;
    } catch {
      return; // not JSON (e.g. an injected malformed frame): nothing to act on
    }
    if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.type !== 'string') return;
    this.emit('message', m);
    switch (m.type) {
      case 'welcome':
        this.welcome(m);
        break;
      case 'quote':
        this.quote(m, false);
        break;
      case 'quotes':
        for (const q of m.quotes) this.quote(q, false);
        break;
      case 'snapshot':
        for (const q of m.quotes) this.quote(q, true);
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
        for (const s of this.lastSeq.keys()) this.noGapCheck.add(s);
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
        } else {
          this.replayDone = true;
        }
        break;
      case 'subscribed':
      case 'pong':
        break;
    }
  }

  private welcome(m: WelcomeMessage): void {
    this.attempt = 0;
    this.symbols = m.symbols.slice();
    this.intervalMs = m.interval_ms;
    const server = TickerClient.reported(m);
    if (!this.wantedKnown) {
      this.wanted = copySubs(server);
      this.wantedKnown = true;
      for (const p of this.pending.splice(0)) this.apply(p.op, p.symbols, p.channels);
    }
    // Nothing streamed means nothing to miss: resume from the server's tick.
    const streamed = CHANNELS.some((c) => server[c].size > 0);
    if (!this.replay && !streamed && (this.seq == null || m.seq > this.seq)) this.seq = m.seq;
    this.emit('welcome', m);
    this.sync(server);
  }

  private wants(ch: Channel, symbol: string): boolean {
    return !this.wantedKnown || this.wanted[ch].has(symbol);
  }

  private tick(seq: number, timestamp: number): void {
    if (this.seq == null || seq > this.seq) this.seq = seq;
    if (this.replay && (this.position == null || timestamp > this.position)) this.position = timestamp;
  }

  private quote(q: Quote, snapshot: boolean): void {
    if (!this.wants('quotes', q.symbol)) return;
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
    const { type: _type, dropped: _dropped, ...quote } = q as Quote & { type?: string; dropped?: number };
    this.emit('quote', quote as Quote);
  }

  private trade(t: TradeMessage): void {
    if (!this.wants('trades', t.symbol)) return;
    const last = this.lastTrade.get(t.symbol);
    if (last != null && t.id <= last) {
      this.stats.duplicates += 1;
      return;
    }
    this.lastTrade.set(t.symbol, t.id);
    this.tick(t.seq, t.timestamp);
    this.emit('trade', t);
  }

  private bar(b: BarMessage): void {
    if (!this.wants('bars', b.symbol)) return;
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

  private status(s: StatusMessage): void {
    if (!this.wants('status', s.symbol)) return;
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
