// @binance/spot (the official connector), unmodified: its WebsocketStreams against ticker's
// /binance streams via `configurationWebsocketStreams.wsURL`. It connects a combined stream
// (`/stream?streams=<symbol>@trade`), then subscribes `<symbol>@bookTicker` live through its
// own API (a SUBSCRIBE on the same connection). Input (stdin, JSON): wsURL, symbol, counts.
// Output (stdout, JSON): the payloads its callbacks received.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const { Spot } = require(join(process.env.SDK_NODE_DIR, "node_modules/@binance/spot"));
const inp = JSON.parse(readFileSync(0, "utf8"));
const symbol = inp.symbol.toLowerCase();

async function main() {
  const client = new Spot({ configurationWebsocketStreams: { wsURL: inp.wsURL, reconnectDelay: 60000 } });
  const connection = await client.websocketStreams.connect({ stream: [`${symbol}@trade`] });
  const got = { trades: [], books: [] };
  let finished = false;
  const doneYet = () => {
    if (finished || got.trades.length < inp.trades || got.books.length < inp.books) return;
    finished = true;
    console.log(JSON.stringify(got));
    connection.disconnect().finally(() => process.exit(0));
  };
  connection.trade({ symbol }).on("message", (t) => {
    got.trades.push(t);
    doneYet();
  });
  connection.bookTicker({ symbol }).on("message", (b) => {
    got.books.push(b);
    doneYet();
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
