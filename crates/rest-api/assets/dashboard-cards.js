// The dashboard's cards, trade tape and market status (a module of dashboard.js): per-symbol
// state, the quotes, trades and status the stream delivers (each once: the TypeScript client
// deduplicates), halts and reopenings, and the batched repaint of all of it.

import {
  T, TAPE_KEEP, TAPE_SHOWN, TICKS_KEEP, compact, els, fmt, h, logEvent, reduceMotion, renderMode,
  signed, utcTime,
} from '/assets/dashboard-state.js';
import { chart, chartTick, renderChart, selectChart } from '/assets/dashboard-chart.js';
import { setWanted } from '/assets/dashboard-stream.js';

/** symbol → { meta, wanted, quote, prevPrice, els, … } */
export const book = new Map();

export function decimalsOf(sym) {
  const s = book.get(sym);
  return s && s.meta && Number.isInteger(s.meta.decimals) ? s.meta.decimals : 2;
}

export function buildSymbol(sym, meta, wanted) {
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
    meta, wanted, quote: null, prevPrice: null, dirty: false, flash: null,
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
export function scheduleRender() {
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

export function markSubscribed(list) {
  T.subscribed = list.slice();
  const set = new Set(list);
  for (const [sym, s] of book) {
    s.els.card.dataset.subscribed = String(set.has(sym));
  }
}

// ---- quotes --------------------------------------------------------------------------------
/** A quote from the client: each (symbol, seq) once, in order (gaps are the client's events). */
export function applyQuote(q) {
  const s = book.get(q.symbol);
  if (!s || typeof q.seq !== 'number') return;
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
/** The tape changed outside a trade (a new stream cleared it). */
export function tapeChanged() {
  tapeDirty = true;
}

export function applyTrade(t) {
  const s = book.get(t.symbol);
  if (!s || typeof t.id !== 'number') return;
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
export function applyStatus(st, source) {
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
export function renderMarket() {
  const sym = chart.symbol;
  const status = sym ? T.marketStatus[sym] : null;
  els.market.dataset.symbol = sym || '';
  els.market.dataset.status = status || '';
  els.market.textContent = status ? `${sym} market ${status}` : 'Market —';
}
