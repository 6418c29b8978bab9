"""A Finnhub trade-stream client written the way the Finnhub docs show (websocket-client's
WebSocketApp, subscribe in on_open), pointed at the ws-server's /finnhub.

Usage: finnhub_stream.py WS_URL TRADES. Prints "ready" once its subscriptions are in (the
error for NOPE, sent last, has come back), then collects messages until TRADES trades
arrived and prints them as one JSON line.
"""

import json
import sys

import websocket

URL, WANT = sys.argv[1], int(sys.argv[2])
messages = []


def trades():
    return sum(len(m.get("data", [])) for m in messages if m.get("type") == "trade")


def on_message(ws, message):
    msg = json.loads(message)
    messages.append(msg)
    if msg.get("type") == "error" and "NOPE" in msg.get("msg", ""):
        print("ready", flush=True)
    if trades() >= WANT:
        ws.close()


def on_error(ws, error):
    print(json.dumps({"error": str(error)}), file=sys.stderr)


def on_open(ws):
    ws.send('{"type":"subscribe","symbol":"BTCUSDT"}')
    ws.send('{"type":"subscribe","symbol":"BINANCE:ETHUSDT"}')
    ws.send('{"type":"subscribe","symbol":"NOPE"}')


if __name__ == "__main__":
    ws = websocket.WebSocketApp(URL, on_message=on_message, on_error=on_error)
    ws.on_open = on_open
    ws.run_forever()
    print(json.dumps(messages), flush=True)
