// The dashboard's shared state and helpers (a module of dashboard.js): constants, the page
// parameters, `window.__ticker` (what tests and the console read), the page's elements, DOM
// and number formatting, the event log, REST requests, the mode badge and the health panel.

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10000;
export const HEALTH_EVERY_MS = 10000;
export const PING_EVERY_MS = 20000;
// A connection that delivered nothing (not even a pong) for this long is presumed dead.
export const SILENCE_MS = 50000;
export const HISTORY_LIMIT = 150;
// What the stream sends per symbol: quotes for the cards, trades for the tape, status for
// the badges (docs/ws-protocol.md#channels).
export const CHANNELS = ['quotes', 'trades', 'status'];
export const TAPE_KEEP = 200;
export const TAPE_SHOWN = 30;
export const TICKS_KEEP = 1000;
const EVENTS_SHOWN = 8;
export const INTERVALS = [
  ['1s', 1e3], ['5s', 5e3], ['15s', 15e3], ['30s', 3e4], ['1m', 6e4], ['5m', 3e5],
  ['15m', 9e5], ['1h', 36e5], ['1d', 864e5],
];

export const params = new URLSearchParams(location.search);
export const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;

// Everything a test (or a curious developer in the console) may want to read: dashboard.js
// publishes it as `window.__ticker`.
export const T = {
  state: 'connecting',
  wsUrl: null,
  restBase: location.origin,
  symbols: [],
  subscribed: [],
  wanted: [],
  lastSeq: {},
  prices: {},
  counts: {},
  seq: null,
  gaps: 0,
  serverGaps: 0,
  dropped: 0,
  reconnects: 0,
  connects: 0,
  attempts: 0,
  nextRetryMs: null,
  intervalMs: null,
  errors: [],
  health: null,
  // 'live', or 'replay' while the stream replays the past (`replay`: from, speed, position).
  mode: 'live',
  replay: null,
  replayEnds: 0,
  chart: { symbol: null, interval: null, mode: 'candles', candles: 0, lastClose: null, loading: false },
  // Newest first; each trade at most once (ids increase per symbol).
  tape: [],
  trades: 0,
  lastTradeId: {},
  marketStatus: {},
  // Per symbol, the (seq, price) of every quote received, oldest first (the newest TICKS_KEEP).
  ticks: {},
  // Halted symbols: {symbol: {reason, seq, price}}; reopenings: {symbol: {price, haltedPrice, gapPercent, seq}}.
  halts: {},
  reopened: {},
  // The connection's story: 'connecting', 'live', 'reconnecting', 'resumed' (live again after
  // a lost connection, with `since`), newest last; closes: {code, reason, wasClean}, newest last.
  phase: 'connecting',
  phases: ['connecting'],
  closes: [],
  resumedAfter: null,
  // The page's `ws_fault_*` parameters, passed as `fault_*` to the first stream connection only.
  pageFaults: {},
  // The event log's lines, newest first.
  events: [],
};

export const byId = (id) => document.getElementById(id);
export const els = {
  status: byId('status'), statusText: byId('status-text'), retryIn: byId('retry-in'),
  retry: byId('retry'), toggles: byId('toggles'), cards: byId('cards'),
  chart: byId('chart'), svg: byId('chart-svg'), chartMsg: byId('chart-msg'),
  chartTitle: byId('chart-title'), chartLast: byId('chart-last'),
  chartSymbol: byId('chart-symbol'), chartInterval: byId('chart-interval'),
  modeCandles: byId('mode-candles'), modeLine: byId('mode-line'),
  health: byId('health'), healthSummary: byId('health-summary'), events: byId('events'),
  wsUrl: byId('ws-url'), seq: byId('seq'), marketTime: byId('market-time'),
  mode: byId('mode'), ttFrom: byId('tt-from'), ttSpeed: byId('tt-speed'),
  ttReplay: byId('tt-replay'), ttLive: byId('tt-live'), ttMsg: byId('tt-msg'),
  gaps: byId('gaps'), reconnects: byId('reconnects'),
  tape: byId('tape'), tapeCount: byId('tape-count'), market: byId('market'),
};

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null) el.setAttribute(k, v);
  }
  for (const kid of kids) el.append(kid);
  return el;
}

// ---- formatting -------------------------------------------------------------------------
const numFormats = new Map();
export function fmt(n, decimals) {
  let f = numFormats.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    numFormats.set(decimals, f);
  }
  return f.format(n);
}
export const signed = (n, d) => (n > 0 ? '+' : n < 0 ? '\u2212' : '') + fmt(Math.abs(n), d);
export const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
export const utcTime = (ms) => new Date(ms).toISOString().slice(11, 19);
export const wallTime = () => new Date().toTimeString().slice(0, 8);

// ---- time ------------------------------------------------------------------------------------
export const isoSeconds = (ms) => new Date(ms).toISOString().slice(0, 19);

export function renderMode() {
  const replay = T.replay;
  els.mode.dataset.mode = replay ? 'replay' : 'live';
  document.body.dataset.mode = replay ? 'replay' : 'live';
  els.mode.textContent = replay
    ? `Replay ${replay.speed}× · ${utcTime(replay.position)}`
    : 'Live';
  els.ttLive.hidden = !replay;
}

// ---- health ----------------------------------------------------------------------------------
const NAMES = { market_clock: 'Market clock', ws_server: 'WebSocket server', rest_api: 'REST API' };
let healthBusy = false;

export async function pollHealth() {
  if (healthBusy) return;
  healthBusy = true;
  try {
    const body = await getJSON('/health');
    T.health = body;
    renderHealth(body);
  } catch (e) {
    els.health.dataset.status = 'unreachable';
    els.healthSummary.dataset.status = 'unreachable';
    els.healthSummary.textContent = 'REST API unreachable · ' + wallTime();
    for (const card of els.health.children) card.dataset.stale = 'true';
  } finally {
    healthBusy = false;
  }
}

function renderHealth(body) {
  const comps = body.components || {};
  const details = body.details || {};
  const cards = [];
  for (const [name, state] of Object.entries(comps)) {
    const det = details[name] || {};
    let text = '';
    if (det.reason) text = det.reason;
    else if (typeof det.latency_ms === 'number') text = 'probe ' + det.latency_ms.toFixed(1) + ' ms';
    else if (det.tick != null) text = 'tick ' + det.tick;
    cards.push(h('div', { class: 'hcard', 'data-component': name, 'data-state': String(state) },
      h('div', {}, h('div', { class: 'hname' }, NAMES[name] || name.replace(/_/g, ' ')),
        h('div', { class: 'hdetail' }, text)),
      h('span', { class: 'hstate' }, String(state))));
  }
  els.health.replaceChildren(...cards);
  const status = body.status === 'ok' ? 'ok' : 'degraded';
  els.health.dataset.status = status;
  els.healthSummary.dataset.status = status;
  els.healthSummary.textContent = (status === 'ok' ? 'all healthy' : 'degraded') + ' · ' + wallTime();
}

// ---- the event log and REST ------------------------------------------------------------------
export function logEvent(text) {
  const li = h('li', {}, h('time', {}, wallTime()), text);
  els.events.prepend(li);
  while (els.events.children.length > EVENTS_SHOWN) els.events.lastChild.remove();
  T.events.unshift(text);
  if (T.events.length > 50) T.events.length = 50;
}

export async function getJSON(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 8000);
  try {
    const resp = await fetch(new URL(path, T.restBase), { cache: 'no-store', signal: ctl.signal });
    const body = await resp.json().catch(() => null);
    if (!resp.ok) throw new Error((body && body.error && body.error.message) || (body && body.message) || 'HTTP ' + resp.status);
    return body;
  } catch (e) {
    throw e.name === 'AbortError' ? new Error('timed out') : e;
  } finally {
    clearTimeout(timer);
  }
}
