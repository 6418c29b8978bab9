"""alpaca-py's historical client, unmodified, against ticker's /alpaca gateway.

Input (stdin, JSON): base URL, symbols, a minute-bar window and a trade window (Unix ms).
Output (stdout, JSON): what the SDK's models hold, in plain numbers (times as Unix
microseconds: Python's datetime has no nanoseconds)."""
import json
import sys
from datetime import datetime, timezone

from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
    StockSnapshotRequest,
    StockTradesRequest,
)
from alpaca.data.timeframe import TimeFrame

inp = json.load(sys.stdin)
client = StockHistoricalDataClient("PKTEST", "s3cr3t", url_override=inp["base"])


def at(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def us(dt):
    return (int(dt.timestamp()) * 1_000_000) + dt.microsecond


def bar(b):
    return [us(b.timestamp), b.open, b.high, b.low, b.close, b.volume, b.trade_count, b.vwap]


symbols = inp["symbols"]
bars = client.get_stock_bars(
    StockBarsRequest(
        symbol_or_symbols=symbols,
        timeframe=TimeFrame.Minute,
        start=at(inp["bars_from_ms"]),
        end=at(inp["bars_to_ms"]),
    )
)
trades = client.get_stock_trades(
    StockTradesRequest(
        symbol_or_symbols=symbols[0],
        start=at(inp["trades_from_ms"]),
        end=at(inp["trades_to_ms"]),
    )
)
latest_trade = client.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols=symbols))
latest_quote = client.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols=symbols))
snapshots = client.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=symbols))


def trade(t):
    return {
        "t": us(t.timestamp),
        "p": t.price,
        "s": t.size,
        "x": t.exchange,
        "i": t.id,
        "c": t.conditions,
        "z": t.tape,
    }


def quote(q):
    return {
        "t": us(q.timestamp),
        "bp": q.bid_price,
        "bs": q.bid_size,
        "bx": q.bid_exchange,
        "ap": q.ask_price,
        "as": q.ask_size,
        "ax": q.ask_exchange,
    }


print(
    json.dumps(
        {
            "bars": {s: [bar(b) for b in bars.data.get(s, [])] for s in symbols},
            "trades": [trade(t) for t in trades.data.get(symbols[0], [])],
            "latest_trade": {s: trade(t) for s, t in latest_trade.items()},
            "latest_quote": {s: quote(q) for s, q in latest_quote.items()},
            "daily_bar": {s: bar(snap.daily_bar) for s, snap in snapshots.items()},
            "prev_daily_bar": {s: bar(snap.previous_daily_bar) for s, snap in snapshots.items()},
            "snapshot_trade": {s: trade(snap.latest_trade) for s, snap in snapshots.items()},
        }
    )
)
