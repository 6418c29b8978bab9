// The dashboard's chart (a module of dashboard.js): the selected symbol's candles from
// /api/v1/history, extended by the stream's quotes, drawn as candles or a line in SVG.

import { HISTORY_LIMIT, INTERVALS, T, els, fmt, getJSON, utcTime } from '/assets/dashboard-state.js';
import { book, decimalsOf, renderMarket } from '/assets/dashboard-cards.js';

export const chart = {
  symbol: null, interval: null, ms: 0, mode: 'candles', candles: [], to: 0, loading: false,
  req: 0, pending: [], lastVol: null, dirty: false,
};

export function selectChart(sym) {
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

export async function loadHistory() {
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

export function chartTick(q) {
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

export function renderChart() {
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
