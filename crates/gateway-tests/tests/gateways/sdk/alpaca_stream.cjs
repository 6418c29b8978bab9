// @alpacahq/alpaca-trade-api 4.x StockDataStream, unmodified (MessagePack), against ticker's
// /alpaca/v2/{feed} stream via its `url` override. Input (stdin, JSON): stream URL, symbol,
// counts. Output (stdout, JSON): what its callbacks received (times as RFC 3339, to the ns).
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const { Alpaca } = require(join(process.env.SDK_NODE_DIR, "node_modules/@alpacahq/alpaca-trade-api"));
const inp = JSON.parse(readFileSync(0, "utf8"));
const alpaca = new Alpaca({ keyId: "PKTEST", secret: "s3cr3t" });
const stream = alpaca.marketData.stockStream({ url: inp.url });
const got = { trades: [], quotes: [], bars: [], errors: [] };

function doneYet() {
  if (got.trades.length >= inp.trades && got.quotes.length >= inp.quotes) {
    stream.disconnect();
    console.log(JSON.stringify(got));
    process.exit(0);
  }
}
stream.onError((e) => got.errors.push(String(e)));
stream.onTrade((t) => {
  got.trades.push({ i: t.id, p: t.price, s: t.size, x: t.exchange, t: t.timestampRaw, S: t.symbol });
  doneYet();
});
stream.onQuote((q) => {
  got.quotes.push({ t: q.timestampRaw, bp: q.bidPrice, ap: q.askPrice, bs: q.bidSize, as: q.askSize, S: q.symbol });
  doneYet();
});
stream.onConnect(() => {
  stream.subscribeForTrades([inp.symbol]);
  stream.subscribeForQuotes([inp.symbol]);
});
stream.connect();
