// The live dashboard's behaviour (dashboard.html, served at /assets/dashboard.js, an ES
// module): what the page does and the hooks tests read are described at the top of
// dashboard.html. It boots here; the rest is split by concern into modules of its own:
//   dashboard-state.js   constants, `window.__ticker`, elements, formatting, REST, health
//   dashboard-cards.js   cards, the trade tape, market status and halts
//   dashboard-chart.js   the candle/line chart
//   dashboard-stream.js  the stream, on the TypeScript client (/assets/ticker.js), and time travel

import {
  BACKOFF_BASE_MS, BACKOFF_CAP_MS, HEALTH_EVERY_MS, INTERVALS, T, byId, els, getJSON, h,
  isoSeconds, params, pollHealth, renderMode,
} from '/assets/dashboard-state.js';
import { book, buildSymbol } from '/assets/dashboard-cards.js';
import { chart, selectChart } from '/assets/dashboard-chart.js';
import { connect, setAll, setState, wantedList } from '/assets/dashboard-stream.js';

// Everything a test (or a curious developer in the console) may want to read.
window.__ticker = T;

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
/** What the market is (GET /, /api/v1/symbols), then the cards, the chart and the stream. */
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
