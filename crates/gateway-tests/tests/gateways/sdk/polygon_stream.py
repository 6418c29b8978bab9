"""polygon-api-client's WebSocketClient, unmodified, against ticker's /polygon/stocks stream.

Input (stdin, JSON): host:port/prefix (the SDK's `feed`), symbol, counts. Output (stdout,
JSON): the SDK's parsed trades, quotes, minute and second aggregates."""
import asyncio
import json
import sys

from polygon import WebSocketClient
from polygon.websocket.models import EquityAgg, EquityQuote, EquityTrade

inp = json.load(sys.stdin)
sym = inp["symbol"]
client = WebSocketClient(
    api_key="any-key",
    feed=inp["feed"],
    market="stocks",
    secure=False,
    subscriptions=[f"T.{sym}", f"Q.{sym}", f"AM.{sym}", f"A.{sym}"],
    max_reconnects=0,
)
got = {"trades": [], "quotes": [], "minutes": [], "seconds": []}


def agg(a):
    return [a.start_timestamp, a.open, a.high, a.low, a.close, a.volume, a.end_timestamp, a.vwap]


async def handle(msgs):
    for m in msgs:
        if isinstance(m, EquityTrade):
            got["trades"].append(
                {"i": m.id, "p": m.price, "s": m.size, "x": m.exchange, "t": m.timestamp, "q": m.sequence_number}
            )
        elif isinstance(m, EquityQuote):
            got["quotes"].append(
                {"t": m.timestamp, "bp": m.bid_price, "ap": m.ask_price, "bs": m.bid_size, "as": m.ask_size}
            )
        elif isinstance(m, EquityAgg) and m.event_type == "AM":
            got["minutes"].append(agg(m))
        elif isinstance(m, EquityAgg):
            got["seconds"].append(agg(m))
    if (
        len(got["trades"]) >= inp["trades"]
        and len(got["quotes"]) >= inp["quotes"]
        and got["minutes"]
        and len(got["seconds"]) >= 3
    ):
        await client.close()


asyncio.run(client.connect(handle))
print(json.dumps(got))
