"""Runs the Binance SDKs' own parsers on payloads ticker-vendors encoded.

Reads {"rest": {name: body}, "stream": {name: payload}} on stdin and prints what the pinned
binance-sdk-spot models (strict pydantic types) and ccxt's binance parsers made of them, as
JSON; the Rust test (tests/sdk/main.rs) asserts on that. Nothing here talks to a network.
"""

import json
import sys

import ccxt
from binance_sdk_spot.rest_api import models as rest
from binance_sdk_spot.websocket_streams import models as streams

REST_MODELS = {
    "exchangeInfo": rest.ExchangeInfoResponse,
    "ticker24hr": rest.Ticker24hrResponse,
    "price": rest.TickerPriceResponse,
    "bookTicker": rest.TickerBookTickerResponse,
    "depth": rest.DepthResponse,
    "trades": rest.GetTradesResponse,
}
STREAM_MODELS = {
    "trade": streams.TradeResponse,
    "aggTrade": streams.AggTradeResponse,
    "kline": streams.KlineResponse,
    "miniTicker": streams.MiniTickerResponse,
    "ticker": streams.TickerResponse,
    "bookTicker": streams.BookTickerResponse,
    "allMiniTickers": streams.AllMiniTickerResponse,
}


def check(out, name, parse):
    try:
        out[name] = "ok" if parse() is not None else "parsed to None"
    except Exception as e:  # the model's own complaint is the test's message
        out[name] = f"{type(e).__name__}: {e}"


def validate_rest(payloads):
    """Each body through its model's from_dict, strictly, as the SDK first tries it
    (binance_common.utils.send_request; klines, lists of lists, it returns unparsed)."""
    out = {}
    for name, model in REST_MODELS.items():
        check(out, name, lambda: model.from_dict(json.loads(payloads[name])))
    return out


def validate_stream(payloads):
    """Each payload through model_validate_json, item by item for arrays, as the SDK's
    receive loop does (binance_common.websocket)."""
    out = {}
    for name, model in STREAM_MODELS.items():
        payload = json.loads(payloads[name])
        items = payload if isinstance(payload, list) else [payload]
        check(out, name, lambda: [model.model_validate_json(json.dumps(i)) for i in items])
    return out


def main():
    doc = json.load(sys.stdin)
    rest_bodies = doc["rest"]
    result = {
        "sdk_rest": validate_rest(rest_bodies),
        "sdk_stream": validate_stream(doc["stream"]),
    }

    ex = ccxt.binance({"options": {"defaultType": "spot", "fetchMarkets": ["spot"]}})
    ex.options["crossMarginPairsData"] = []
    ex.options["isolatedMarginPairsData"] = []
    info = json.loads(rest_bodies["exchangeInfo"])
    markets = [ex.parse_market(s) for s in info["symbols"]]
    ex.set_markets(markets)
    market = markets[0]
    symbol = market["symbol"]
    result["market"] = {
        k: market[k] for k in ("id", "symbol", "base", "quote", "spot", "active", "type")
    }
    result["market"]["precision_price"] = market["precision"]["price"]
    result["market"]["precision_amount"] = market["precision"]["amount"]
    result["ohlcv"] = ex.parse_ohlcvs(json.loads(rest_bodies["klines"]), market, "1m")
    t = ex.parse_ticker(json.loads(rest_bodies["ticker24hr"]), market)
    result["ticker"] = {
        k: t[k]
        for k in ("symbol", "timestamp", "high", "low", "bid", "bidVolume", "ask",
                  "askVolume", "vwap", "open", "close", "last", "previousClose",
                  "change", "percentage", "baseVolume", "quoteVolume")
    }
    trades = ex.parse_trades(json.loads(rest_bodies["trades"]), market)
    result["trades"] = [
        {k: tr[k] for k in ("id", "timestamp", "price", "amount", "cost", "side", "takerOrMaker")}
        for tr in trades
    ]
    book = ex.parse_order_book(json.loads(rest_bodies["depth"]), symbol)
    result["book"] = {"bids": book["bids"][:3], "asks": book["asks"][:3]}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
