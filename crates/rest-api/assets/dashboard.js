// The live dashboard's behaviour (dashboard.html, served at /assets/dashboard.js): what the
// page does and the hooks tests read are described at the top of dashboard.html.
(() => {
  'use strict';

  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 10000;
  const HEALTH_EVERY_MS = 10000;
  const PING_EVERY_MS = 20000;
  // A connection that delivered nothing (not even a pong) for this long is presumed dead.
  const SILENCE_MS = 50000;
  const HISTORY_LIMIT = 150;
  // What the stream sends per symbol: quotes for the cards, trades for the tape, status for
  // the badges (docs/ws-protocol.md#channels).
  const CHANNELS = ['quotes', 'trades', 'status'];
  const TAPE_KEEP = 200;
  const TAPE_SHOWN = 30;
  const TICKS_KEEP = 1000;
  const EVENTS_SHOWN = 8;
  const INTERVALS = [
    ['1s', 1e3], ['5s', 5e3], ['15s', 15e3], ['30s', 3e4], ['1m', 6e4], ['5m', 3e5],
    ['15m', 9e5], ['1h', 36e5], ['1d', 864e5],
  ];

  const params = new URLSearchParams(location.search);
  const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;

  // Everything a test (or a curious developer in the console) may want to read.
  const T = window.__ticker = {
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

  const byId = (id) => document.getElementById(id);
  const els = {
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

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v != null) el.setAttribute(k, v);
    }
    for (const kid of kids) el.append(kid);
    return el;
  }

  // ---- formatting -------------------------------------------------------------------------
  const numFormats = new Map();
  function fmt(n, decimals) {
    let f = numFormats.get(decimals);
    if (!f) {
      f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
      numFormats.set(decimals, f);
    }
    return f.format(n);
  }
  const signed = (n, d) => (n > 0 ? '+' : n < 0 ? '\u2212' : '') + fmt(Math.abs(n), d);
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  const utcTime = (ms) => new Date(ms).toISOString().slice(11, 19);
  const wallTime = () => new Date().toTimeString().slice(0, 8);

  // ---- per-symbol state and cards ------------------------------------------------------------
  /** symbol → { meta, wanted, live, quote, prevPrice, els } */
  const book = new Map();

  function decimalsOf(sym) {
    const s = book.get(sym);
    return s && s.meta && Number.isInteger(s.meta.decimals) ? s.meta.decimals : 2;
  }

  function buildSymbol(sym, meta, wanted) {
    const input = h('input', { type: 'checkbox', 'data-symbol': sym, id: 'sub-' + sym });
    input.checked = wanted;
    input.addEventListener('change', () => setWanted(sym, input.checked));
    els.toggles.append(h('label', { class: 'chip', for: 'sub-' + sym, 'data-symbol': sym }, input, sym));

    const f = (name, extra) => h('span', Object.assign({ 'data-field': name }, extra || {}), '—');
    const pick = h('button', { type: 'button', class: 'sym-btn', 'aria-pressed': 'false', title: 'Show ' + sym + ' on the chart' }, sym);
    const dirText = h('span', { class: 'sr', 'data-field': 'dir-text' }, '');
    const arrow = h('span', { class: 'arrow', 'aria-hidden': 'true' }, '');
    const card = h('article', {
      class: 'card', 'data-symbol': sym, 'data-seq': '', 'data-dir': 'flat',
      'data-subscribed': String(wanted), 'data-selected': 'false', 'data-halted': 'false', 'aria-label': sym,
    },
      h('div', { class: 'flash', 'aria-hidden': 'true' }),
      h('div', { class: 'card-top' }, pick,
        h('span', { class: 'name', title: meta ? meta.name : sym }, meta && meta.name ? meta.name : ''),
        h('span', { class: 'paused' }, 'paused'),
        h('span', { class: 'mstatus', 'data-status': '', title: 'market status' }, '')),
      h('div', { class: 'price' }, f('price')),
      h('div', { class: 'chg' }, arrow, dirText, f('change'), ' ', f('change_percent')),
      h('div', { class: 'halt', role: 'status' }),
      h('div', { class: 'reopen' }),
      h('dl', { class: 'meta' },
        h('div', {}, h('dt', {}, 'High'), h('dd', {}, f('high'))),
        h('div', {}, h('dt', {}, 'Low'), h('dd', {}, f('low'))),
        h('div', { class: 'wide' }, h('dt', {}, 'Bid'), h('dd', {}, f('bid'))),
        h('div', { class: 'wide' }, h('dt', {}, 'Ask'), h('dd', {}, f('ask'))),
        h('div', {}, h('dt', {}, 'Vol'), h('dd', {}, f('volume'))),
        h('div', { class: 'wide' }, h('dt', {}, 'Prev'), h('dd', {}, f('prev_close')))));
    card.addEventListener('click', (ev) => {
      if (ev.target.closest('button') !== pick) pick.click();
    });
    pick.addEventListener('click', () => selectChart(sym));
    els.cards.append(card);

    const fields = {};
    for (const el of card.querySelectorAll('[data-field]')) fields[el.dataset.field] = el;
    book.set(sym, {
      meta, wanted, live: false, quote: null, prevPrice: null, dirty: false, flash: null,
      lastTrade: null, halt: null, reopenAt: null,
      els: {
        card, input, pick, arrow, fields, flash: card.querySelector('.flash'), mstatus: card.querySelector('.mstatus'),
        halt: card.querySelector('.halt'), reopen: card.querySelector('.reopen'),
      },
    });
    T.counts[sym] = 0;
    T.ticks[sym] = [];
    els.chartSymbol.append(h('option', { value: sym }, sym));
  }

  function renderCard(sym) {
    const s = book.get(sym);
    const q = s.quote;
    if (!q) return;
    const d = decimalsOf(sym);
    const f = s.els.fields;
    const dir = q.change > 0 ? 'up' : q.change < 0 ? 'down' : 'flat';
    f.price.textContent = fmt(q.price, d);
    f.change.textContent = signed(q.change, d);
    f.change_percent.textContent = '(' + signed(q.change_percent, 2) + '%)';
    f.high.textContent = fmt(q.high, d);
    f.low.textContent = fmt(q.low, d);
    f.bid.textContent = fmt(q.bid, d);
    f.ask.textContent = fmt(q.ask, d);
    f.prev_close.textContent = fmt(q.prev_close, d);
    f.volume.textContent = compact.format(q.volume);
    f['dir-text'].textContent = dir === 'up' ? 'up ' : dir === 'down' ? 'down ' : 'unchanged ';
    s.els.arrow.textContent = dir === 'up' ? '\u25B2' : dir === 'down' ? '\u25BC' : '\u2022';
    const card = s.els.card;
    card.dataset.dir = dir;
    card.dataset.seq = String(q.seq);
    card.dataset.price = String(q.price);
    if (s.halt) renderHalt(sym);
    if (s.flash) {
      card.dataset.flash = s.flash;
      if (!reduceMotion && s.flash !== 'flat') {
        s.els.flash.style.background = s.flash === 'up' ? 'var(--up-bg)' : 'var(--down-bg)';
        s.els.flash.animate([{ opacity: 1 }, { opacity: 0 }], { duration: 900, easing: 'ease-out' });
        const price = f.price.parentElement;
        price.animate(
          [{ color: s.flash === 'up' ? 'var(--up)' : 'var(--down)' }, { color: 'var(--text)' }],
          { duration: 900, easing: 'ease-out' });
      }
      s.flash = null;
    }
  }

  // DOM work is batched per frame: a replay burst of hundreds of ticks paints once.
  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(flushRender);
    // rAF does not run in background tabs; keep the DOM (and its test hooks) current anyway.
    setTimeout(flushRender, 250);
  }
  function flushRender() {
    if (!renderQueued) return;
    renderQueued = false;
    for (const [sym, s] of book) {
      if (s.dirty) { s.dirty = false; renderCard(sym); }
    }
    if (chart.dirty) { chart.dirty = false; renderChart(); }
    if (tapeDirty) { tapeDirty = false; renderTape(); }
    els.seq.textContent = T.seq == null ? '—' : String(T.seq);
    els.gaps.textContent = T.serverGaps ? T.gaps + ' (+' + T.serverGaps + ' server)' : String(T.gaps);
    els.reconnects.textContent = String(T.reconnects);
    els.reconnects.dataset.count = String(T.reconnects);
  }

  function markSubscribed(list) {
    T.subscribed = list.slice();
    const set = new Set(list);
    for (const [sym, s] of book) {
      s.els.card.dataset.subscribed = String(set.has(sym));
      // Not streamed: continuity is broken until a snapshot or quote re-establishes it.
      if (!set.has(sym)) s.live = false;
    }
  }

  // ---- quotes --------------------------------------------------------------------------------
  function applyQuote(q, snapshot) {
    const s = book.get(q.symbol);
    if (!s || typeof q.seq !== 'number') return;
    const prev = T.lastSeq[q.symbol];
    if (prev != null && q.seq <= prev) return;
    if (!snapshot && s.live && s.wanted && prev != null && q.seq > prev + 1) {
      T.gaps += 1;
      logEvent(`gap in ${q.symbol}: seq ${prev} → ${q.seq}`);
    }
    if (typeof q.dropped === 'number') {
      T.dropped += q.dropped;
      logEvent(`server dropped ${q.dropped} tick(s): this tab fell behind`);
    }
    s.live = s.wanted;
    s.flash = s.prevPrice == null ? null : q.price > s.prevPrice ? 'up' : q.price < s.prevPrice ? 'down' : 'flat';
    s.prevPrice = q.price;
    s.quote = q;
    s.dirty = true;
    T.lastSeq[q.symbol] = q.seq;
    T.prices[q.symbol] = q.price;
    T.counts[q.symbol] += 1;
    const ticks = T.ticks[q.symbol];
    ticks.push([q.seq, q.price]);
    if (ticks.length > TICKS_KEEP) ticks.shift();
    if (s.reopenAt != null && q.seq >= s.reopenAt) reopened(q.symbol, true);
    // Halted from an ack, before any quote: the first quote is the frozen price. (Otherwise the
    // price at the halt's status frame is: quotes come first within a tick, and the reopening
    // tick's quote comes before the status that ends the halt.)
    else if (s.halt && s.halt.price == null) s.halt.price = q.price;
    if (T.seq == null || q.seq > T.seq) {
      T.seq = q.seq;
      els.marketTime.textContent = utcTime(q.timestamp);
      if (T.replay) {
        T.replay.position = q.timestamp;
        renderMode();
      }
    }
    if (q.symbol === chart.symbol) chartTick(q);
    scheduleRender();
  }

  // ---- trades and market status ------------------------------------------------------------
  let tapeDirty = false;

  function applyTrade(t) {
    const s = book.get(t.symbol);
    if (!s || typeof t.id !== 'number') return;
    const last = T.lastTradeId[t.symbol];
    if (last != null && t.id <= last) return;
    T.lastTradeId[t.symbol] = t.id;
    const prev = s.lastTrade;
    const tick = prev == null ? 'flat' : t.price > prev ? 'up' : t.price < prev ? 'down' : 'flat';
    s.lastTrade = t.price;
    T.tape.unshift({
      symbol: t.symbol, id: t.id, price: t.price, size: t.size, exchange: t.exchange,
      timestamp: t.timestamp, seq: t.seq, tick,
    });
    if (T.tape.length > TAPE_KEEP) T.tape.length = TAPE_KEEP;
    T.trades += 1;
    tapeDirty = true;
    scheduleRender();
  }

  function renderTape() {
    const rows = [];
    for (const t of T.tape.slice(0, TAPE_SHOWN)) {
      const d = decimalsOf(t.symbol);
      rows.push(h('li', { class: 'trade', 'data-symbol': t.symbol, 'data-id': String(t.id), 'data-seq': String(t.seq), 'data-tick': t.tick },
        h('time', {}, new Date(t.timestamp).toISOString().slice(11, 23)),
        h('span', { class: 'tsym' }, t.symbol),
        h('span', { class: 'tprice' }, fmt(t.price, d)),
        h('span', { class: 'tsize' }, compact.format(t.size)),
        h('span', { class: 'tex', title: 'exchange' }, String(t.exchange))));
    }
    els.tape.replaceChildren(...rows);
    els.tape.dataset.count = String(rows.length);
    els.tapeCount.textContent = T.trades ? T.trades + ' received' : '';
  }

  /** A status from the `status` channel: a frame (`seq` says when), or an entry of an ack or
   *  the welcome (the status now). A resumed connection's welcome only sets the badge: the
   *  replayed frames that follow carry the halts and reopenings it missed, each at its tick. */
  function applyStatus(st, source) {
    const symbol = st.symbol;
    const status = st.status;
    const s = book.get(symbol);
    if (!s || typeof status !== 'string') return;
    const before = T.marketStatus[symbol];
    T.marketStatus[symbol] = status;
    s.els.mstatus.dataset.status = status;
    s.els.mstatus.textContent = status;
    if (source === 'resume') {
      // Nothing else: the replay brings the transitions.
    } else if (status === 'halted') {
      const reason = st.reason || 'halted';
      if (!s.halt || s.halt.reason !== reason) {
        s.halt = { reason, seq: st.seq != null ? st.seq : T.seq, price: s.quote ? s.quote.price : null };
        s.reopenAt = null;
        delete T.reopened[symbol];
        logEvent(`${symbol} HALTED: ${reason}`);
      }
      renderHalt(symbol);
    } else if (s.halt) {
      // Frames of one tick come quotes first: the reopening quote is normally here already.
      // An ack does not say when the halt ended: the banner goes, with no reopening price.
      if (source !== 'frame') reopened(symbol, false);
      else if (s.quote && s.quote.seq >= st.seq) reopened(symbol, true);
      else s.reopenAt = st.seq;
    } else if (before && before !== status) {
      logEvent(`${symbol}: market ${before} → ${status}`);
    }
    renderMarket();
  }

  /** The card's HALTED banner: the reason and the price it stands at. */
  function renderHalt(symbol) {
    const s = book.get(symbol);
    const halt = s.halt;
    T.halts[symbol] = { reason: halt.reason, seq: halt.seq, price: halt.price };
    const card = s.els.card;
    card.dataset.halted = 'true';
    card.dataset.haltReason = halt.reason;
    card.dataset.haltPrice = halt.price == null ? '' : String(halt.price);
    const frozen = halt.price == null ? '' : ' · frozen at ' + fmt(halt.price, decimalsOf(symbol));
    s.els.halt.replaceChildren(h('b', {}, 'HALTED'), halt.reason + frozen);
  }

  /** The halt is over: the banner goes, the reopening price and its gap stay on the card. */
  function reopened(symbol, priced) {
    const s = book.get(symbol);
    const halt = s.halt;
    if (!halt) return;
    s.halt = null;
    s.reopenAt = null;
    delete T.halts[symbol];
    const card = s.els.card;
    card.dataset.halted = 'false';
    delete card.dataset.haltReason;
    delete card.dataset.haltPrice;
    s.els.halt.replaceChildren();
    const q = s.quote;
    if (!priced || !q || halt.price == null) {
      logEvent(`${symbol}: halt over`);
      return;
    }
    const gap = (q.price / halt.price - 1) * 100;
    T.reopened[symbol] = { price: q.price, haltedPrice: halt.price, gapPercent: gap, seq: q.seq };
    card.dataset.reopenPrice = String(q.price);
    card.dataset.reopenGap = gap.toFixed(2);
    card.dataset.reopenSeq = String(q.seq);
    const d = decimalsOf(symbol);
    s.els.reopen.textContent = `Reopened ${signed(gap, 2)}% at ${fmt(q.price, d)} (halted at ${fmt(halt.price, d)})`;
    logEvent(`${symbol} reopened at ${fmt(q.price, d)}: ${signed(gap, 2)}% from the halt`);
  }

  /** The header badge: the charted symbol's market status. */
  function renderMarket() {
    const sym = chart.symbol;
    const status = sym ? T.marketStatus[sym] : null;
    els.market.dataset.symbol = sym || '';
    els.market.dataset.status = status || '';
    els.market.textContent = status ? `${sym} market ${status}` : 'Market —';
  }

  function onMessage(text) {
    let m;
    try { m = JSON.parse(text); } catch (_) { return; }
    lastHeard = Date.now();
    if (Array.isArray(m)) {
      // format=array: bare [{stock, symbol, …}] per tick.
      for (const q of m) applyQuote(q, false);
      return;
    }
    switch (m.type) {
      case 'quote':
        applyQuote(m, false);
        break;
      case 'trade':
        applyTrade(m);
        break;
      case 'status':
        applyStatus(m, 'frame');
        break;
      case 'quotes':
        for (const q of m.quotes || []) applyQuote(Object.assign({ dropped: m.dropped }, q), false);
        break;
      case 'snapshot':
        for (const q of m.quotes || []) applyQuote(q, true);
        break;
      case 'welcome':
        T.attempts = 0;
        T.intervalMs = m.interval_ms;
        markSubscribed(m.subscribed || []);
        for (const st of m.status || []) applyStatus(st, streamSince != null ? 'resume' : 'ack');
        // Nothing streamed means nothing to miss: resume from the server's tick.
        if (!(m.subscribed || []).length && (T.seq == null || m.seq > T.seq)) T.seq = m.seq;
        syncSubscription();
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
        for (const s of book.values()) s.live = false;
        logEvent(`server gap: ticks ${m.from}–${m.to} could not be replayed`);
        // The stream cannot fill the hole in the chart; history can.
        if (chart.symbol && !chart.loading) loadHistory();
        break;
      case 'error':
        if (m.code === 'invalid_since') {
          // The server is behind our last seq (restarted with another clock): start afresh.
          T.seq = null;
          T.lastSeq = {};
          T.lastTradeId = {};
          for (const s of book.values()) { s.live = false; s.prevPrice = null; }
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

  // ---- subscriptions -------------------------------------------------------------------------
  function wantedList() {
    return T.symbols.filter((sym) => book.get(sym).wanted);
  }

  function setWanted(sym, on) {
    const s = book.get(sym);
    if (!s || s.wanted === on) return;
    s.wanted = on;
    s.live = false;
    s.els.input.checked = on;
    T.wanted = wantedList();
    send(on ? { type: 'subscribe', symbols: [sym], channels: CHANNELS } : { type: 'unsubscribe', symbols: [sym] });
  }

  function setAll(on) {
    for (const s of book.values()) {
      s.wanted = on;
      s.live = false;
      s.els.input.checked = on;
    }
    T.wanted = wantedList();
    send(on ? { type: 'subscribe', symbols: ['*'], channels: CHANNELS } : { type: 'unsubscribe', symbols: ['*'] });
  }

  /** Brings the server's subscription in line with the checkboxes (toggled while connecting). */
  function syncSubscription() {
    const have = new Set(T.subscribed);
    const add = T.wanted.filter((s) => !have.has(s));
    const drop = T.subscribed.filter((s) => !T.wanted.includes(s));
    if (add.length) send({ type: 'subscribe', symbols: add, channels: CHANNELS });
    if (drop.length) send({ type: 'unsubscribe', symbols: drop });
  }

  // ---- the socket ----------------------------------------------------------------------------
  let sock = null;
  let retryTimer = null;
  let countdownTimer = null;
  let lastHeard = 0;
  // The `since` the current connection was opened with (null: a fresh stream).
  let streamSince = null;
  // Whether the page's `fault_*` parameters were used (by a connection that opened).
  let faultsUsed = false;
  const pageFaults = [...params].filter(([k]) => k.startsWith('ws_fault_')).map(([k, v]) => [k.slice(3), v]);
  T.pageFaults = Object.fromEntries(pageFaults);

  /** Where the connection stands, as the page tells it: see `T.phase`. */
  function setPhase(phase) {
    if (T.phase === phase) return;
    T.phase = phase;
    T.phases.push(phase);
    if (T.phases.length > 50) T.phases.shift();
    els.status.dataset.phase = phase;
    els.status.dataset.reconnecting = String(phase === 'reconnecting');
  }

  function send(msg) {
    if (sock && sock.readyState === WebSocket.OPEN) sock.send(JSON.stringify(msg));
  }

  function setState(state, text) {
    const changed = T.state !== state;
    T.state = state;
    els.status.dataset.state = state;
    document.body.dataset.stream = state;
    if (els.statusText.textContent !== text) els.statusText.textContent = text;
    els.retry.hidden = state !== 'disconnected';
    if (state !== 'disconnected') els.retryIn.textContent = '';
    // The ws_server health card should follow the socket without waiting for the next poll.
    if (changed && state !== 'connecting') setTimeout(pollHealth, 400);
  }

  function streamUrl() {
    const url = new URL(T.wsUrl, location.href);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    // Sent even when empty: no `symbols` at all would mean every symbol.
    url.searchParams.set('symbols', T.wanted.join(','));
    // The channels need a framing with frames besides quote arrays (the REST port's relay
    // defaults to arrays).
    if (!url.searchParams.has('format')) url.searchParams.set('format', 'quote');
    if (url.searchParams.get('format') !== 'array') url.searchParams.set('channels', CHANNELS.join(','));
    for (const p of ['since', 'from', 'speed', 'then']) url.searchParams.delete(p);
    // `?ws_fault_…=` on the page: the first connection only, so a disconnect happens once and the
    // reconnect that follows is clean (faults on every connection: put them in `?ws=`).
    if (!faultsUsed) for (const [k, v] of pageFaults) url.searchParams.set(k, v);
    streamSince = null;
    if (T.replay) {
      // A replay (re)opens where it is, and turns live when it catches up with now.
      url.searchParams.set('from', String(T.replay.position));
      url.searchParams.set('speed', String(T.replay.speed));
      url.searchParams.set('then', 'live');
    } else if (T.seq != null) {
      url.searchParams.set('since', String(T.seq));
      streamSince = T.seq;
    }
    return url.toString();
  }

  function connect() {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = null;
    if (sock) return;
    setState('connecting', T.connects ? `Reconnecting (attempt ${T.attempts + 1})…` : 'Connecting…');
    let ws;
    try {
      ws = new WebSocket(streamUrl());
    } catch (e) {
      logEvent('cannot open the stream: ' + e.message);
      scheduleReconnect('bad stream URL');
      return;
    }
    sock = ws;
    let opened = false;
    ws.onopen = () => {
      if (ws !== sock) return;
      opened = true;
      if (pageFaults.length) faultsUsed = true;
      T.connects += 1;
      lastHeard = Date.now();
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
    };
    ws.onmessage = (ev) => { if (ws === sock) onMessage(ev.data); };
    ws.onclose = (ev) => {
      if (ws !== sock) return;
      sock = null;
      const why = ev.code === 1001 ? 'server going away' : ev.code === 1006 ? 'connection lost'
        : `closed ${ev.code}${ev.reason ? ': ' + ev.reason : ''}`;
      // Failed attempts during an outage are shown by the status line, not logged one by one.
      if (opened) {
        T.closes.push({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
        if (T.closes.length > 50) T.closes.shift();
        logEvent(`stream closed (${ev.code}): ${why}`);
      }
      if (T.connects > 0) setPhase('reconnecting');
      scheduleReconnect(why);
    };
  }

  // ---- time travel -------------------------------------------------------------------------
  const isoSeconds = (ms) => new Date(ms).toISOString().slice(0, 19);

  function renderMode() {
    const replay = T.replay;
    els.mode.dataset.mode = replay ? 'replay' : 'live';
    document.body.dataset.mode = replay ? 'replay' : 'live';
    els.mode.textContent = replay
      ? `Replay ${replay.speed}× · ${utcTime(replay.position)}`
      : 'Live';
    els.ttLive.hidden = !replay;
  }

  /** Forgets the stream's position: a replay's ticks are not the live ones. */
  function resetStream() {
    T.seq = null;
    T.lastSeq = {};
    T.lastTradeId = {};
    T.tape = [];
    tapeDirty = true;
    for (const s of book.values()) { s.live = false; s.prevPrice = null; }
  }

  /** A new stream for a new time: not a reconnect (nothing was lost). */
  function reopen() {
    if (sock) {
      const old = sock;
      sock = null;
      old.onclose = null;
      old.close(1000, 'time travel');
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

  function scheduleReconnect(why) {
    // Exponential backoff with "equal jitter": half fixed, half random, capped.
    const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** T.attempts);
    const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
    T.attempts += 1;
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
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (!sock) connect();
  }

  setInterval(() => {
    if (!sock || sock.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastHeard > SILENCE_MS) {
      const dead = sock;
      sock = null;
      dead.onclose = null;
      dead.close(4000, 'no data');
      logEvent('stream silent; reconnecting');
      setPhase('reconnecting');
      scheduleReconnect('no data');
      return;
    }
    send({ type: 'ping' });
  }, PING_EVERY_MS);
  els.retry.addEventListener('click', () => { T.attempts = 0; reconnectNow(); });
  addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) reconnectNow(); });

  // ---- chart -----------------------------------------------------------------------------------
  const chart = {
    symbol: null, interval: null, ms: 0, mode: 'candles', candles: [], to: 0, loading: false,
    req: 0, pending: [], lastVol: null, dirty: false,
  };

  function selectChart(sym) {
    if (!book.has(sym)) return;
    chart.symbol = sym;
    els.chartSymbol.value = sym;
    for (const [other, s] of book) {
      const on = other === sym;
      s.els.card.dataset.selected = String(on);
      s.els.pick.setAttribute('aria-pressed', String(on));
    }
    renderMarket();
    loadHistory();
  }

  function setCandleInterval(name) {
    const iv = INTERVALS.find(([n]) => n === name);
    if (!iv) return;
    chart.interval = iv[0];
    chart.ms = iv[1];
    els.chartInterval.value = iv[0];
    if (chart.symbol) loadHistory();
  }

  function setMode(mode) {
    chart.mode = mode;
    T.chart.mode = mode;
    els.modeCandles.setAttribute('aria-pressed', String(mode === 'candles'));
    els.modeLine.setAttribute('aria-pressed', String(mode === 'line'));
    renderChart();
  }

  async function loadHistory() {
    const req = ++chart.req;
    const sym = chart.symbol;
    chart.loading = true;
    chart.candles = [];
    chart.pending = [];
    chart.lastVol = null;
    T.chart.loading = true;
    els.chartMsg.textContent = 'Loading ' + sym + '…';
    renderChart();
    try {
      const until = T.replay ? `&to=${T.replay.position}` : '';
      const url = `/api/v1/history/${encodeURIComponent(sym)}?interval=${chart.interval}&limit=${HISTORY_LIMIT}${until}`;
      const body = await getJSON(url);
      if (req !== chart.req) return;
      chart.candles = (body.candles || []).map((c) => ({
        t: c.timestamp, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume,
      }));
      chart.to = body.to;
      chart.loading = false;
      // Ticks that arrived while the request was in flight and are newer than its range.
      for (const q of chart.pending) if (q.timestamp >= chart.to) extend(q);
      chart.pending = [];
      els.chartMsg.textContent = chart.candles.length ? '' : 'No history yet';
    } catch (e) {
      if (req !== chart.req) return;
      chart.loading = false;
      els.chartMsg.textContent = 'History unavailable: ' + e.message;
    }
    T.chart.loading = false;
    renderChart();
  }

  function chartTick(q) {
    if (chart.loading) {
      chart.pending.push(q);
      if (chart.pending.length > 5000) chart.pending.shift();
      return;
    }
    extend(q);
    chart.dirty = true;
  }

  /** Folds one live tick into the candles: updates the current one or opens the next. */
  function extend(q) {
    const t = Math.floor(q.timestamp / chart.ms) * chart.ms;
    // Session volume is cumulative and resets at the session boundary.
    const dv = chart.lastVol != null && q.volume >= chart.lastVol ? q.volume - chart.lastVol : 0;
    chart.lastVol = q.volume;
    const last = chart.candles[chart.candles.length - 1];
    if (last && t === last.t) {
      last.h = Math.max(last.h, q.price);
      last.l = Math.min(last.l, q.price);
      last.c = q.price;
      last.v += dv;
    } else if (!last || t > last.t) {
      chart.candles.push({ t, o: q.price, h: q.price, l: q.price, c: q.price, v: dv });
      if (chart.candles.length > HISTORY_LIMIT) chart.candles.shift();
      els.chartMsg.textContent = '';
    }
  }

  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  }

  function renderChart() {
    const sym = chart.symbol;
    const box = els.chart;
    const W = Math.max(240, Math.floor(box.clientWidth || 600));
    const H = W < 480 ? 210 : 260;
    const d = sym ? decimalsOf(sym) : 2;
    const svg = els.svg;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('height', String(H));
    box.style.minHeight = H + 'px';
    const padL = 6, padR = 62, padT = 10, padB = 20;
    const plotW = W - padL - padR;
    const fit = Math.max(20, Math.min(HISTORY_LIMIT, Math.floor(plotW / 7)));
    const c = chart.candles.slice(-fit);
    const last = c[c.length - 1];
    box.dataset.symbol = sym || '';
    box.dataset.interval = chart.interval || '';
    box.dataset.candles = String(chart.candles.length);
    box.dataset.lastClose = last ? String(last.c) : '';
    T.chart = { symbol: sym, interval: chart.interval, mode: chart.mode, candles: chart.candles.length, lastClose: last ? last.c : null, loading: chart.loading };
    els.chartTitle.firstChild.textContent = sym ? sym + ' ' : 'Chart';
    els.chartLast.textContent = last ? fmt(last.c, d) + ' · ' + chart.interval + ' candles' : '';
    if (!c.length) { svg.innerHTML = ''; return; }

    const volH = Math.round((H - padT - padB) * 0.16);
    const priceH = H - padT - padB - volH - 6;
    let lo = Infinity, hi = -Infinity, vmax = 0;
    for (const k of c) { lo = Math.min(lo, k.l); hi = Math.max(hi, k.h); vmax = Math.max(vmax, k.v); }
    const tick = 10 ** -d;
    if (hi - lo < tick * 4) { hi += tick * 2; lo -= tick * 2; }
    const margin = (hi - lo) * 0.08;
    lo -= margin; hi += margin;
    const y = (p) => padT + ((hi - p) / (hi - lo)) * priceH;
    const slots = Math.max(c.length, 30);
    const slot = plotW / slots;
    const x0 = padL + plotW - c.length * slot;
    const x = (i) => x0 + slot * (i + 0.5);
    const bodyW = Math.max(1, Math.min(14, slot * 0.66));
    const parts = [];

    const ly = y(last.c);
    parts.push('<g class="grid">');
    const step = niceStep(hi - lo, H < 240 ? 3 : 4);
    const labels = [];
    for (let p = Math.ceil(lo / step) * step; p <= hi; p += step) {
      const yy = y(p);
      parts.push(`<line x1="${padL}" x2="${padL + plotW}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}"/>`);
      // The last-price tag sits on the same axis; a label under it would peek out.
      if (Math.abs(yy - ly) >= 14) {
        labels.push(`<text class="axis" x="${padL + plotW + 6}" y="${(yy + 4).toFixed(1)}">${fmt(p, d)}</text>`);
      }
    }
    parts.push('</g>', ...labels);

    const volTop = padT + priceH + 6;
    if (vmax > 0) {
      for (let i = 0; i < c.length; i++) {
        const vh = Math.max(1, (c[i].v / vmax) * volH);
        parts.push(`<rect class="vol" x="${(x(i) - bodyW / 2).toFixed(1)}" y="${(volTop + volH - vh).toFixed(1)}" width="${bodyW.toFixed(1)}" height="${vh.toFixed(1)}"/>`);
      }
    }

    if (chart.mode === 'line') {
      const pts = c.map((k, i) => `${x(i).toFixed(1)},${y(k.c).toFixed(1)}`);
      parts.push(`<polyline class="line" points="${pts.join(' ')}"/>`);
    } else {
      for (let i = 0; i < c.length; i++) {
        const k = c[i];
        const cls = k.c >= k.o ? 'c-up' : 'c-down';
        const xx = x(i).toFixed(1);
        const top = y(Math.max(k.o, k.c));
        const bh = Math.max(1, y(Math.min(k.o, k.c)) - top);
        parts.push(`<line class="${cls}" x1="${xx}" x2="${xx}" y1="${y(k.h).toFixed(1)}" y2="${y(k.l).toFixed(1)}" stroke-width="1"/>`);
        parts.push(`<rect class="${cls}" x="${(x(i) - bodyW / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bodyW.toFixed(1)}" height="${bh.toFixed(1)}"/>`);
      }
    }

    const every = Math.max(1, Math.ceil(80 / slot));
    for (let i = c.length - 1; i >= 0; i -= every) {
      const xx = x(i);
      if (xx < padL + 24) break;
      parts.push(`<text class="axis" text-anchor="middle" x="${xx.toFixed(1)}" y="${H - 5}">${utcTime(c[i].t)}</text>`);
    }

    const up = last.c >= (c.length > 1 ? c[c.length - 2].c : last.o);
    const colour = up ? 'var(--up)' : 'var(--down)';
    parts.push(`<line class="last-line" x1="${padL}" x2="${padL + plotW}" y1="${ly.toFixed(1)}" y2="${ly.toFixed(1)}" style="stroke:${colour}"/>`);
    parts.push(`<rect x="${padL + plotW + 1}" y="${(ly - 8).toFixed(1)}" width="${padR - 2}" height="16" rx="3" style="fill:${colour}"/>`);
    parts.push(`<text class="last-tag" x="${padL + plotW + 5}" y="${(ly + 4).toFixed(1)}">${fmt(last.c, d)}</text>`);
    svg.innerHTML = parts.join('');
    svg.setAttribute('aria-label', `${sym} ${chart.interval} ${chart.mode === 'line' ? 'line' : 'candle'} chart, last ${fmt(last.c, d)}`);
  }

  new ResizeObserver(() => renderChart()).observe(els.chart);
  els.chartSymbol.addEventListener('change', () => selectChart(els.chartSymbol.value));
  els.chartInterval.addEventListener('change', () => setCandleInterval(els.chartInterval.value));
  els.modeCandles.addEventListener('click', () => setMode('candles'));
  els.modeLine.addEventListener('click', () => setMode('line'));

  // ---- health ----------------------------------------------------------------------------------
  const NAMES = { market_clock: 'Market clock', ws_server: 'WebSocket server', rest_api: 'REST API' };
  let healthBusy = false;

  async function pollHealth() {
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

  // ---- misc ------------------------------------------------------------------------------------
  function logEvent(text) {
    const li = h('li', {}, h('time', {}, wallTime()), text);
    els.events.prepend(li);
    while (els.events.children.length > EVENTS_SHOWN) els.events.lastChild.remove();
    T.events.unshift(text);
    if (T.events.length > 50) T.events.length = 50;
  }

  async function getJSON(path) {
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

  /** `ws_url` as advertised, or `?ws=`. A loopback URL seen from another host means the
   *  server's own loopback: swap in the host this page came from. */
  function resolveWsUrl(advertised) {
    const override = params.get('ws');
    if (override) return override;
    try {
      const url = new URL(advertised);
      const loop = (host) => host === 'localhost' || host === '[::1]' || host.startsWith('127.');
      if (loop(url.hostname) && !loop(location.hostname) && location.hostname) {
        url.hostname = location.hostname;
      }
      return url.toString();
    } catch (_) {
      return advertised;
    }
  }

  let bootAttempts = 0;
  async function boot() {
    let info;
    try {
      info = await getJSON('/');
    } catch (e) {
      bootAttempts += 1;
      const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** bootAttempts);
      setState('disconnected', 'REST API unreachable (' + e.message + ')');
      setTimeout(boot, delay);
      return;
    }
    const market = info.market || {};
    const clockNow = (info.clock && info.clock.now_ms) || Date.now();
    els.ttFrom.value = isoSeconds(clockNow - 3600e3);
    const askedFrom = params.get('from');
    if (askedFrom) {
      const ms = /^[0-9]+$/.test(askedFrom) ? Number(askedFrom) : Date.parse(askedFrom);
      const speed = Number(params.get('speed') || 1);
      if (Number.isFinite(ms) && ms <= clockNow && speed > 0) {
        T.replay = { from: ms, speed, position: ms };
        T.mode = 'replay';
        els.ttFrom.value = isoSeconds(ms);
        renderMode();
      }
    }
    T.wsUrl = resolveWsUrl(info.ws_url);
    T.intervalMs = market.interval_ms || 1000;
    T.symbols = (market.symbols || []).slice();
    els.wsUrl.textContent = T.wsUrl;
    const metas = {};
    try {
      const s = await getJSON('/api/v1/symbols');
      for (const d of s.details || []) metas[d.symbol] = d;
    } catch (_) { /* names and decimals are cosmetic */ }

    const asked = (params.get('symbols') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    const initial = new Set(asked.length ? asked : T.symbols);
    for (const sym of T.symbols) buildSymbol(sym, metas[sym], initial.has(sym));
    T.wanted = wantedList();

    const fitting = INTERVALS.filter(([, ms]) => ms >= T.intervalMs);
    for (const [name] of fitting) els.chartInterval.append(h('option', { value: name }, name));
    const preferred = fitting.find(([, ms]) => ms >= 4 * T.intervalMs) || fitting[0];
    const askedIv = fitting.find(([n]) => n === params.get('interval'));
    chart.interval = (askedIv || preferred || INTERVALS[0])[0];
    chart.ms = (askedIv || preferred || INTERVALS[0])[1];
    els.chartInterval.value = chart.interval;
    byId('select-all').addEventListener('click', () => setAll(true));
    byId('select-none').addEventListener('click', () => setAll(false));

    const first = params.get('chart');
    const chartSym = first && book.has(first.toUpperCase()) ? first.toUpperCase() : (T.wanted[0] || T.symbols[0]);
    if (chartSym) selectChart(chartSym);
    connect();
    pollHealth();
    setInterval(pollHealth, HEALTH_EVERY_MS);
  }

  boot();
})();
