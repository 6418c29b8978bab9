// Drives the compiled client (dist/ticker.js) for clients-tests: connects to the stream given
// as argv[2] (all symbols, quotes and status), prints one JSON line per event on stdout, and
// on "stop" (or the end of stdin) closes the client and prints its counters. The Rust test
// kills and restarts the ws-server meanwhile and checks every (symbol, seq) against REST.
import { createInterface } from 'node:readline';
import { TickerClient } from '../dist/ticker.js';

const url = process.argv[2];
if (!url) {
  console.error('usage: node resume.mjs ws://host:port/ws');
  process.exit(2);
}
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const client = new TickerClient({
  url,
  channels: ['quotes', 'status'],
  // Short waits: the test's server is back within a second or two.
  reconnect: { baseMs: 100, capMs: 1000 },
  heartbeat: { pingEveryMs: 1000, silenceMs: 5000 },
});
client.on('welcome', (m) => out({ ev: 'welcome', seq: m.seq, subscribed: m.subscribed }));
client.on('quote', (q) => out({ ev: 'quote', symbol: q.symbol, seq: q.seq, price: q.price, timestamp: q.timestamp }));
client.on('state', (s) => out({ ev: 'state', ...s }));
client.on('gap', (g) => out({ ev: 'gap', ...g }));
client.on('error', (e) => out({ ev: 'error', code: e.code, message: e.message }));
client.connect();

let done = false;
const stop = () => {
  if (done) return;
  done = true;
  client.close();
  out({ ev: 'done', stats: client.stats, seq: client.seq });
  process.exit(0);
};
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => { if (line.trim() === 'stop') stop(); });
lines.on('close', stop);
