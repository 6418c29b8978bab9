// @polygon.io/client-js, unmodified, against ticker's /polygon gateway: aggregates with the
// SDK's own pagination (it fetches each absolute next_url and appends &apiKey=), last trade
// and NBBO. Input (stdin, JSON): base URL, ticker, window (ms), page size. Output: JSON.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const sdk = join(process.env.SDK_NODE_DIR, "node_modules/@polygon.io/client-js/dist/main.js");
const { restClient } = await import(pathToFileURL(sdk).href);

const inp = JSON.parse(readFileSync(0, "utf8"));
const rest = restClient("any-key", inp.base, { pagination: true });
const aggs = await rest.getStocksAggregates(
  inp.ticker, 1, "minute", String(inp.from_ms), String(inp.to_ms), true, "asc", inp.page,
);
const results = [...aggs.results].sort((a, b) => a.t - b.t);
const trade = await rest.getLastStocksTrade(inp.ticker);
const quote = await rest.getLastStocksQuote(inp.ticker);
console.log(JSON.stringify({
  aggs: results.map((a) => [a.t, a.o, a.h, a.l, a.c, a.v, a.n, a.vw]),
  last_trade: { id: trade.results.i, price: trade.results.p, size: trade.results.s, t_ns: trade.results.t },
  last_quote: { bid: quote.results.p, ask: quote.results.P, bid_size: quote.results.s, ask_size: quote.results.S },
}));
