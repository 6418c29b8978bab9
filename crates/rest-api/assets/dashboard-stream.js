// The dashboard's stream (a module of dashboard.js), on the TypeScript client served at
// /assets/ticker.js: the client connects, subscribes, reconnects with backoff and `since`,
// deduplicates, pings and gives up a silent socket; this module turns what it reports into the
// page's status line, phases, event log and counters, keeps the subscription in line with the
// checkboxes, and starts a new client for each trip in time.

import { TickerClient } from '/assets/ticker.js';
import {
  BACKOFF_BASE_MS, BACKOFF_CAP_MS, CHANNELS, PING_EVERY_MS, SILENCE_MS, T, els, getJSON,
  isoSeconds, logEvent, params, pollHealth, renderMode,
} from '/assets/dashboard-state.js';
import {
  applyQuote, applyStatus, applyTrade, book, markSubscribed, scheduleRender, tapeChanged,
} from '/assets/dashboard-cards.js';
import { chart, loadHistory } from '/assets/dashboard-chart.js';

/** The client of the current stream, and how to stop listening to it. */
let client = null;
let unlisten = [];
// Whether the current connection opened (so its close is a loss worth logging).
let opened = false;
// The `since` the current connection was opened with (null: a fresh stream).
let streamSince = null;
let countdownTimer = null;
// Whether the page's `fault_*` parameters were used (by a connection that opened).
let faultsUsed = false;
const pageFaults = [...params].filter(([k]) => k.startsWith('ws_fault_')).map(([k, v]) => [k.slice(3), v]);
T.pageFaults = Object.fromEntries(pageFaults);

// ---- what the page shows -------------------------------------------------------------------

/** Where the connection stands, as the page tells it: see `T.phase`. */
function setPhase(phase) {
  if (T.phase === phase) return;
  T.phase = phase;
  T.phases.push(phase);
  if (T.phases.length > 50) T.phases.shift();
  els.status.dataset.phase = phase;
  els.status.dataset.reconnecting = String(phase === 'reconnecting');
}

/** The status line: `connecting`, `connected` or `disconnected`, and what to say. */
export function setState(state, text) {
  const changed = T.state !== state;
  T.state = state;
  els.status.dataset.state = state;
  document.body.dataset.stream = state;
  if (els.statusText.textContent !== text) els.statusText.textContent = text;
  els.retry.hidden = state !== 'disconnected';
  if (state !== 'disconnected') {
    els.retryIn.textContent = '';
    clearInterval(countdownTimer);
  }
  // The ws_server health card should follow the socket without waiting for the next poll.
  if (changed && state !== 'connecting') setTimeout(pollHealth, 400);
}

/** Why a socket closed, in words. */
function closeWhy(code, reason) {
  if (code === 1001) return 'server going away';
  if (code === 1006) return 'connection lost';
  return `closed ${code}${reason ? ': ' + reason : ''}`;
}

/** The client's connection state, told by the page. */
function onState(s) {
  switch (s.state) {
    case 'connecting':
      setState('connecting', T.connects ? `Reconnecting (attempt ${s.attempt + 1})…` : 'Connecting…');
      break;
    case 'open':
      opened = true;
      if (pageFaults.length) faultsUsed = true;
      T.connects += 1;
      streamSince = s.resumedAfter ?? null;
      if (T.connects > 1) {
        T.reconnects += 1;
        logEvent(streamSince != null ? `reconnected (#${T.reconnects}); resuming after seq ${streamSince}` : `reconnected (#${T.reconnects})`);
        T.resumedAfter = streamSince;
        els.status.dataset.resumedAfter = streamSince == null ? '' : String(streamSince);
        setPhase('resumed');
        setState('connected', streamSince != null ? `Resumed after seq ${streamSince}` : 'Reconnected');
      } else {
        setPhase('live');
        setState('connected', 'Connected');
      }
      scheduleRender();
      break;
    case 'reconnecting': {
      // The client gives up a socket silent for SILENCE_MS with code 4000 (no close frame).
      const silent = s.code === 4000 && s.wasClean === undefined;
      const why = silent ? 'no data' : closeWhy(s.code, s.reason);
      if (silent) {
        logEvent('stream silent; reconnecting');
      } else if (s.code === 0) {
        // The client could not even create the socket (say a malformed `?ws=`).
        logEvent('cannot open the stream: ' + s.reason);
      } else if (opened) {
        // Failed attempts during an outage are shown by the status line, not logged one by one.
        T.closes.push({ code: s.code, reason: s.reason, wasClean: s.wasClean });
        if (T.closes.length > 50) T.closes.shift();
        logEvent(`stream closed (${s.code}): ${why}`);
      }
      opened = false;
      if (T.connects > 0) setPhase('reconnecting');
      showRetry(s.attempt, s.delayMs, why);
      break;
    }
    case 'closed':
      opened = false;
      setState('disconnected', `Disconnected (${s.reason || 'closed'})`);
      break;
    default:
      break;
  }
}

/** The status line while the client waits to reconnect, with a countdown. */
function showRetry(attempts, delay, why) {
  T.attempts = attempts;
  T.nextRetryMs = delay;
  setState('disconnected', (T.phase === 'reconnecting' ? 'Reconnecting… (' : 'Disconnected (') + why + ')');
  const due = Date.now() + delay;
  const tick = () => {
    const left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    els.retryIn.textContent = '· retrying in ' + left + ' s';
  };
  tick();
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tick, 1000);
}

// ---- messages ------------------------------------------------------------------------------

/** Every server message, before the client deduplicates: what only the page cares about. */
function onMessage(m) {
  switch (m.type) {
    case 'quote':
    case 'quotes':
      if (typeof m.dropped === 'number') {
        T.dropped += m.dropped;
        logEvent(`server dropped ${m.dropped} tick(s): this tab fell behind`);
      }
      break;
    case 'welcome':
      T.attempts = 0;
      T.intervalMs = m.interval_ms;
      markSubscribed(m.subscribed || []);
      for (const st of m.status || []) applyStatus(st, streamSince != null ? 'resume' : 'ack');
      // Nothing streamed means nothing to miss: the page is at the server's tick.
      if (!(m.subscribed || []).length && (T.seq == null || m.seq > T.seq)) T.seq = m.seq;
      break;
    case 'subscribed':
      markSubscribed(m.symbols || []);
      for (const st of m.status || []) applyStatus(st, 'ack');
      break;
    case 'replay_end':
      T.replayEnds += 1;
      logEvent(m.reason === 'now' ? 'the replay caught up with the live market' : 'the replay ended');
      if (m.then === 'live') {
        T.mode = 'live';
        T.replay = null;
        renderMode();
      }
      break;
    case 'gap':
      T.serverGaps += 1;
      logEvent(`server gap: ticks ${m.from}–${m.to} could not be replayed`);
      // The stream cannot fill the hole in the chart; history can.
      if (chart.symbol && !chart.loading) loadHistory();
      break;
    case 'error':
      if (m.code === 'invalid_since') {
        // The server is behind our last seq (restarted with another clock): start afresh, as
        // the client does.
        T.seq = null;
        T.lastSeq = {};
        T.lastTradeId = {};
        for (const s of book.values()) s.prevPrice = null;
      }
      T.errors.push({ code: m.code, message: m.message });
      if (T.errors.length > 50) T.errors.shift();
      logEvent(`server error ${m.code}: ${m.message}`);
      break;
    default:
      break;
  }
  scheduleRender();
}

/** A jump in a symbol's seq that the client saw (a server `gap` message is counted above). */
function onGap(g) {
  if (g.source !== 'client') return;
  T.gaps += 1;
  logEvent(`gap in ${g.symbol}: seq ${g.from - 1} → ${g.to + 1}`);
}

// ---- the client ----------------------------------------------------------------------------

/** The stream URL: the advertised (or `?ws=`) one, as a WebSocket URL. */
function streamUrl() {
  let url;
  try {
    url = new URL(T.wsUrl, location.href);
  } catch (_) {
    return T.wsUrl; // the client reports it as a connection that cannot open
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.toString();
}

/** Starts a client for the stream as the page wants it now (live, or a replay). */
export function connect() {
  if (client) return;
  const c = new TickerClient({
    url: streamUrl(),
    symbols: T.wanted,
    // Quote frames, not arrays: the REST port's relay defaults to arrays.
    format: 'quote',
    channels: CHANNELS,
    // A replay (re)opens where it is, and turns live when it catches up with now.
    replay: T.replay ? { from: T.replay.position, speed: T.replay.speed, then: 'live' } : undefined,
    // `?ws_fault_…=` on the page: the first connection only, so a disconnect happens once and the
    // reconnect that follows is clean (faults on every connection: put them in `?ws=`).
    firstParams: faultsUsed ? undefined : Object.fromEntries(pageFaults),
    reconnect: { baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS },
    heartbeat: { pingEveryMs: PING_EVERY_MS, silenceMs: SILENCE_MS },
  });
  client = c;
  opened = false;
  streamSince = null;
  unlisten = [
    c.on('state', onState),
    c.on('message', onMessage),
    c.on('quote', applyQuote),
    c.on('trade', applyTrade),
    c.on('status', (st) => applyStatus(st, 'frame')),
    c.on('gap', onGap),
  ];
  c.connect();
}

/** While waiting to reconnect, tries now (`resetBackoff`: the user asked). */
export function reconnectNow(resetBackoff = false) {
  if (resetBackoff) T.attempts = 0;
  if (client) client.reconnectNow(resetBackoff);
}

// ---- subscriptions -------------------------------------------------------------------------

export function wantedList() {
  return T.symbols.filter((sym) => book.get(sym).wanted);
}

export function setWanted(sym, on) {
  const s = book.get(sym);
  if (!s || s.wanted === on) return;
  s.wanted = on;
  s.els.input.checked = on;
  T.wanted = wantedList();
  if (!client) return;
  if (on) client.subscribe([sym], CHANNELS);
  else client.unsubscribe([sym]);
}

export function setAll(on) {
  for (const s of book.values()) {
    s.wanted = on;
    s.els.input.checked = on;
  }
  T.wanted = wantedList();
  if (!client) return;
  if (on) client.subscribe(['*'], CHANNELS);
  else client.unsubscribe(['*']);
}

// ---- time travel -------------------------------------------------------------------------

/** Forgets the stream's position: a replay's ticks are not the live ones. */
function resetStream() {
  T.seq = null;
  T.lastSeq = {};
  T.lastTradeId = {};
  T.tape = [];
  tapeChanged();
  for (const s of book.values()) s.prevPrice = null;
}

/** A new stream for a new time: not a reconnect (nothing was lost). */
function reopen() {
  if (client) {
    for (const off of unlisten) off();
    unlisten = [];
    client.close(1000, 'time travel');
    client = null;
  }
  T.attempts = 0;
  T.connects = 0;
  connect();
}

/** Replays the market from `fromMs` at `speed` (checked against the market clock first: the
 *  server refuses a future start, and a browser cannot read why a WebSocket was refused). */
async function startReplay(fromMs, speed) {
  els.ttMsg.textContent = '';
  let clock = null;
  try {
    clock = (await getJSON('/health')).clock;
  } catch (_) { /* the server will judge */ }
  if (!Number.isFinite(fromMs)) {
    els.ttMsg.textContent = 'pick a start time';
    return;
  }
  if (clock && fromMs > clock.now_ms) {
    els.ttMsg.textContent = 'that is in the future of the market clock (' + isoSeconds(clock.now_ms) + ' UTC)';
    return;
  }
  T.replay = { from: fromMs, speed, position: fromMs };
  T.mode = 'replay';
  logEvent(`replaying from ${isoSeconds(fromMs)} UTC at ${speed}×`);
  resetStream();
  renderMode();
  reopen();
  if (chart.symbol) loadHistory();
}

function backToLive() {
  if (!T.replay) return;
  T.replay = null;
  T.mode = 'live';
  logEvent('back to live');
  resetStream();
  renderMode();
  reopen();
  if (chart.symbol) loadHistory();
}

els.ttReplay.addEventListener('click', () => {
  startReplay(Date.parse(els.ttFrom.value + 'Z'), Number(els.ttSpeed.value));
});
els.ttLive.addEventListener('click', backToLive);
els.retry.addEventListener('click', () => reconnectNow(true));
addEventListener('online', () => reconnectNow());
document.addEventListener('visibilitychange', () => { if (!document.hidden) reconnectNow(); });
