"""polygon-api-client's RESTClient, unmodified, against ticker's /polygon gateway.

Input (stdin, JSON): base URL, ticker, a minute-aggregate window (Unix ms, both ends
inclusive) and a page size. Output (stdout, JSON): what the SDK's models hold."""
import json
import sys

from polygon import RESTClient

inp = json.load(sys.stdin)
client = RESTClient(api_key="any-key", base=inp["base"], retries=0)
ticker = inp["ticker"]

aggs = [
    [a.timestamp, a.open, a.high, a.low, a.close, a.volume, a.transactions, a.vwap]
    for a in client.list_aggs(
        ticker, 1, "minute", inp["from_ms"], inp["to_ms"], limit=inp["page"]
    )
]
trade = client.get_last_trade(ticker)
quote = client.get_last_quote(ticker)
prev = client.get_previous_close_agg(ticker)
snap = client.get_snapshot_ticker("stocks", ticker)

print(
    json.dumps(
        {
            "aggs": aggs,
            "last_trade": {
                "id": trade.id,
                "price": trade.price,
                "size": trade.size,
                "exchange": trade.exchange,
                "tape": trade.tape,
                "t_ns": trade.sip_timestamp,
                "conditions": trade.conditions,
            },
            "last_quote": {
                "bid": quote.bid_price,
                "bid_size": quote.bid_size,
                "ask": quote.ask_price,
                "ask_size": quote.ask_size,
                "t_ns": quote.sip_timestamp,
            },
            "prev": [
                [p.timestamp, p.open, p.high, p.low, p.close, p.volume, None, p.vwap]
                for p in prev
            ],
            "snapshot": {
                "day_close": snap.day.close,
                "prev_close": snap.prev_day.close,
                "last_trade_price": snap.last_trade.price,
                "last_trade_ns": snap.last_trade.sip_timestamp,
                "bid": snap.last_quote.bid_price,
                "ask": snap.last_quote.ask_price,
            },
        }
    )
)
