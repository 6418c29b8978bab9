// Drives the compiled client (dist/ticker.js) against a scripted in-process WebSocket, for the
// behaviour a real server cannot easily provoke on demand: `firstParams` only on the first
// connection that opens, `reconnectNow` cutting a backoff short, `wasClean` passed through, and
// a connection cut inside a tick (after its quote, before its status) resuming before that
// tick, so that its status still comes.
// Exits non-zero (with the failed assertion) if the client misbehaves.
import assert from 'node:assert/strict';
import { TickerClient } from '../dist/ticker.js';

/** Every socket the client made, newest last; the test opens, feeds and closes them. */
const sockets = [];
class FakeSocket {
  constructor(url) {
    this.url = new URL(url);
    this.readyState = 0;
    this.sent = [];
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    sockets.push(this);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.({}); }
  feed(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  drop(code, wasClean) { this.readyState = 3; this.onclose?.({ code, reason: '', wasClean }); }
}

const welcome = (seq) => ({
  type: 'welcome', seq, interval_ms: 1000, symbols: ['AAPL', 'MSFT'],
  subscribed: ['AAPL'], channels: { quotes: ['AAPL'], trades: [], bars: [], status: [] },
});
const quote = (seq) => ({
  type: 'quote', symbol: 'AAPL', seq, price: 100 + seq, timestamp: seq * 1000,
});

const states = [];
const quotes = [];
const client = new TickerClient({
  url: 'ws://127.0.0.1:1/ws?keep=1',
  symbols: ['AAPL'],
  firstParams: { fault_disconnect_ticks: '2' },
  // A long backoff: only reconnectNow can make the next attempt happen within the test.
  reconnect: { baseMs: 60_000, capMs: 60_000 },
  heartbeat: false,
  WebSocket: FakeSocket,
  random: () => 0,
});
client.on('state', (s) => states.push(s));
client.on('quote', (q) => quotes.push(q.seq));
client.connect();

// A first attempt that fails before opening still carries the first-connection parameters.
assert.equal(sockets.length, 1);
assert.equal(sockets[0].url.searchParams.get('fault_disconnect_ticks'), '2');
sockets[0].drop(1006, false);
assert.equal(client.state, 'reconnecting');
assert.equal(states.at(-1).wasClean, false);
assert.equal(states.at(-1).delayMs, 30_000, 'equal jitter with random() = 0: half the base');

// reconnectNow does not wait out the backoff.
client.reconnectNow();
assert.equal(sockets.length, 2, 'reconnectNow opens a socket at once');
const second = sockets[1];
assert.equal(second.url.searchParams.get('fault_disconnect_ticks'), '2', 'no connection has opened yet');
assert.equal(second.url.searchParams.get('keep'), '1', "the URL's own parameters stay");
second.open();
second.feed(welcome(4));
second.feed(quote(5));
second.feed(quote(6));
client.reconnectNow();
assert.equal(sockets.length, 2, 'reconnectNow leaves an open socket alone');

// The socket closes (uncleanly): the next connection resumes without the fault parameters.
second.drop(1006, false);
const lost = states.at(-1);
assert.deepEqual([lost.state, lost.code, lost.wasClean], ['reconnecting', 1006, false]);
assert.equal(lost.attempt, 1);
client.reconnectNow(true);
const third = sockets[2];
assert.equal(third.url.searchParams.get('fault_disconnect_ticks'), null, 'first-connection parameters are spent');
// Tick 6 may have been cut short: the resume starts after 5, the newest tick seen complete.
assert.equal(third.url.searchParams.get('since'), '5');
third.open();
assert.equal(states.at(-1).resumedAfter, 5);
third.feed(welcome(7));
third.feed(quote(6));
third.feed(quote(7));
assert.deepEqual(quotes, [5, 6, 7], 'the replayed seq 6 is delivered once');

// A clean close is reported as clean.
third.drop(1000, true);
assert.equal(states.at(-1).wasClean, true);
client.close();
assert.equal(client.state, 'closed');
client.reconnectNow();
assert.equal(sockets.length, 3, 'a closed client stays closed');

// Cut between a tick's quote and that tick's status frame: the resume asks for that tick again,
// its quote comes again (dropped) and its status comes at last.
{
  const statusOf = (seq, status) => ({
    type: 'status', symbol: 'AAPL', status, previous: 'open', calendar: 'us-equity',
    timestamp: seq * 1000, seq,
  });
  const got = [];
  const c = new TickerClient({
    url: 'ws://127.0.0.1:1/ws',
    symbols: ['AAPL'],
    channels: ['quotes', 'status'],
    reconnect: { baseMs: 60_000, capMs: 60_000 },
    heartbeat: false,
    WebSocket: FakeSocket,
    random: () => 0,
  });
  c.on('quote', (q) => got.push(['quote', q.seq]));
  c.on('status', (st) => got.push(['status', st.seq, st.status]));
  c.connect();
  const first = sockets.at(-1);
  first.open();
  first.feed({ ...welcome(10), channels: { quotes: ['AAPL'], trades: [], bars: [], status: ['AAPL'] } });
  first.feed(quote(11));
  first.feed(statusOf(11, 'halted'));
  first.feed(quote(12)); // tick 12's status frame is still to come when the connection dies
  first.drop(1006, false);
  c.reconnectNow();
  const again = sockets.at(-1);
  assert.equal(again.url.searchParams.get('since'), '11', 'tick 12 was cut short: resume after 11');
  again.open();
  again.feed({ ...welcome(12), channels: { quotes: ['AAPL'], trades: [], bars: [], status: ['AAPL'] } });
  // The server replays tick 12 whole.
  again.feed(quote(12));
  again.feed(statusOf(12, 'open'));
  assert.deepEqual(got, [
    ['quote', 11], ['status', 11, 'halted'], ['quote', 12], ['status', 12, 'open'],
  ], "tick 12's status arrives, and nothing twice");
  assert.equal(c.stats.duplicates, 1, "tick 12's quote came again and was dropped");
  c.close();
}
console.log('ok');
