"""alpaca-py's StockDataStream, unmodified (MessagePack, raw_data=False: its models, and
`.to_datetime()` on every timestamp extension), against ticker's /alpaca/v2/{feed} stream.

Input (stdin, JSON): stream URL, symbol, how many trades and quotes to collect.
Output (stdout, JSON): what the SDK's models held (times as Unix microseconds)."""
import json
import sys

from alpaca.data.live import StockDataStream

inp = json.load(sys.stdin)
stream = StockDataStream("PKTEST", "s3cr3t", raw_data=False, url_override=inp["url"])
got = {"trades": [], "quotes": [], "bars": []}


def us(dt):
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


async def done_yet():
    if (
        len(got["trades"]) >= inp["trades"]
        and len(got["quotes"]) >= inp["quotes"]
        and len(got["bars"]) >= 1
    ):
        await stream.stop_ws()


async def on_trade(t):
    got["trades"].append(
        {"i": t.id, "p": t.price, "s": t.size, "x": t.exchange, "t": us(t.timestamp), "S": t.symbol}
    )
    await done_yet()


async def on_quote(q):
    got["quotes"].append(
        {
            "t": us(q.timestamp),
            "bp": q.bid_price,
            "ap": q.ask_price,
            "bs": q.bid_size,
            "as": q.ask_size,
            "S": q.symbol,
        }
    )
    await done_yet()


async def on_bar(b):
    got["bars"].append(
        [us(b.timestamp), b.open, b.high, b.low, b.close, b.volume, b.trade_count, b.vwap]
    )
    await done_yet()


symbol = inp["symbol"]
stream.subscribe_trades(on_trade, symbol)
stream.subscribe_quotes(on_quote, symbol)
stream.subscribe_bars(on_bar, symbol)
stream.run()
print(json.dumps(got))
