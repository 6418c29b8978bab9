"""binance-sdk-spot and ccxt, unmodified, against the Binance gateway of a running rest-api.

Usage: binance_rest.py BASE_URL. Prints what each client returned as JSON; the Rust test
compares it with the native API at the same tick (the server's clock is stopped).
"""

import json
import sys

import ccxt
from binance_common.configuration import ConfigurationRestAPI
from binance_common.errors import BadRequestError
from binance_sdk_spot.rest_api.models import KlinesIntervalEnum
from binance_sdk_spot.spot import Spot


def sdk(base):
    spot = Spot(config_rest_api=ConfigurationRestAPI(base_path=base + "/binance"))
    api = spot.rest_api
    out = {}
    out["klines"] = api.klines(
        symbol="BTCUSDT", interval=KlinesIntervalEnum["INTERVAL_1m"].value, limit=5
    ).data()
    out["klines_5m"] = api.klines(
        symbol="BTCUSDT", interval=KlinesIntervalEnum["INTERVAL_5m"].value, limit=3
    ).data()
    out["ticker"] = api.ticker24hr(symbol="BTCUSDT").data().to_dict()
    out["price"] = api.ticker_price(symbol="ETHUSDT").data().to_dict()
    out["book"] = api.ticker_book_ticker(symbol="BTCUSDT").data().to_dict()
    out["trades"] = [t.to_dict() for t in api.get_trades(symbol="BTCUSDT", limit=3).data()]
    out["depth"] = api.depth(symbol="BTCUSDT", limit=5).data().to_dict()
    info = api.exchange_info().data()
    out["symbols"] = [s.symbol for s in info.symbols]
    try:
        api.klines(symbol="AAPL", interval=KlinesIntervalEnum["INTERVAL_1m"].value)
        out["bad_symbol"] = None
    except BadRequestError as e:
        out["bad_symbol"] = str(e)
    return out


def via_ccxt(base):
    ex = ccxt.binance(
        {
            "urls": {"api": {"public": base + "/binance/api/v3"}},
            "options": {"defaultType": "spot", "fetchMarkets": ["spot"]},
        }
    )
    markets = ex.load_markets()
    out = {"markets": sorted(markets.keys())}
    out["ohlcv"] = ex.fetch_ohlcv("BTC/USDT", "1m", limit=5)
    t = ex.fetch_ticker("BTC/USDT")
    out["ticker"] = {
        k: t[k]
        for k in ("symbol", "timestamp", "high", "low", "bid", "ask", "open", "close",
                  "last", "previousClose", "baseVolume")
    }
    try:
        ex.fetch_ticker("DOGE/USDT")
        out["bad_symbol"] = None
    except ccxt.BadSymbol as e:
        out["bad_symbol"] = type(e).__name__
    return out


def main():
    base = sys.argv[1]
    json.dump({"sdk": sdk(base), "ccxt": via_ccxt(base)}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
