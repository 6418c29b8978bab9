"""finnhub-python, unmodified, against the Finnhub gateway of a running rest-api.

Usage: finnhub_rest.py BASE_URL FROM TO  (BASE_URL like http://127.0.0.1:PORT; FROM/TO Unix
seconds). Prints what the SDK returned as JSON; the Rust test compares it with the native API.
The client has no base-URL option: its API_URL attribute is what the Finnhub docs' users set.
"""

import json
import sys

import finnhub


def main():
    base, frm, to = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    client = finnhub.Client(api_key="sandbox-token")
    client.API_URL = base + "/finnhub/api/v1"
    out = {
        "quote": client.quote("AAPL"),
        "daily": client.stock_candles("AAPL", "D", frm, to),
        "five": client.stock_candles("AAPL", "5", to - 6 * 3600, to),
        "weekly": client.stock_candles("AAPL", "W", frm, to),
        "symbols": client.stock_symbols("US"),
        "profile": client.company_profile2(symbol="AAPL"),
        "unknown": client.quote("NOPE"),
        "none": client.stock_candles("AAPL", "D", 1_000_000_000, 1_000_086_400),
    }
    try:
        client.stock_candles("AAPL", "2", frm, to)
        out["bad_resolution"] = None
    except finnhub.FinnhubAPIException as e:
        out["bad_resolution"] = {"status": e.status_code, "message": e.message}
    bad = finnhub.Client(api_key="")
    bad.API_URL = client.API_URL
    try:
        bad.quote("AAPL")
        out["no_token"] = None
    except finnhub.FinnhubAPIException as e:
        out["no_token"] = {"status": e.status_code, "message": e.message}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
