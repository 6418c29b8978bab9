"""binance-sdk-spot's WebSocket streams, unmodified, against the ws-server's /binance.

Usage: binance_stream.py WS_BASE KLINES. The SDK opens a combined stream (/stream) and
subscribes live (SUBSCRIBE with string ids) to btcusdt@kline_1s, btcusdt@trade and
btcusdt@bookTicker; prints "ready" once LIST_SUBSCRIPTIONS answers, then collects until
KLINES klines arrived and prints what its models parsed as one JSON line.
"""

import asyncio
import json
import sys

from binance_common.configuration import ConfigurationWebSocketStreams
from binance_sdk_spot.spot import Spot
from binance_sdk_spot.websocket_streams.models import KlineIntervalEnum

URL, WANT = sys.argv[1], int(sys.argv[2])


async def main():
    client = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=URL))
    conn = await client.websocket_streams.create_connection()
    got = {"kline": [], "trade": [], "book": []}
    kline = await conn.kline(symbol="btcusdt", interval=KlineIntervalEnum["INTERVAL_1s"].value)
    kline.on("message", lambda m: got["kline"].append(m.to_dict()))
    trade = await conn.trade(symbol="btcusdt")
    trade.on("message", lambda m: got["trade"].append(m.to_dict()))
    book = await conn.book_ticker(symbol="btcusdt")
    book.on("message", lambda m: got["book"].append(m.to_dict()))
    subs = await conn.list_subscribe()
    print("ready", flush=True)
    for _ in range(600):
        if len(got["kline"]) >= WANT:
            break
        await asyncio.sleep(0.05)
    await trade.unsubscribe()
    after = await conn.list_subscribe()
    await conn.close_connection()
    got["subscriptions"] = subs
    got["after_unsubscribe"] = after
    print(json.dumps(got, default=str), flush=True)


asyncio.run(main())
