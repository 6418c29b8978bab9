"""Decodes frames the way the official Python SDKs do, with their own code, and prints what
they made of each message as one JSON object per line (read by
crates/ticker-vendors/tests/sdk).

    decode_frames.py alpaca FILE   FILE: msgpack frames, each prefixed by its u32 BE length;
                                   parsed by alpaca-py's StockDataStream (raw_data=False)
    decode_frames.py polygon FILE  FILE: one JSON text frame per line; parsed by
                                   polygon-api-client's websocket model parser
"""
import json
import logging
import struct
import sys


def alpaca(path):
    import msgpack
    from alpaca.data.live.stock import StockDataStream

    stream = StockDataStream("key", "secret", raw_data=False)
    data = open(path, "rb").read()
    at = 0
    while at < len(data):
        (n,) = struct.unpack(">I", data[at : at + 4])
        frame = data[at + 4 : at + 4 + n]
        at += 4 + n
        # As DataStream._connect/_auth/_consume do: unpackb, then one message at a time.
        for msg in msgpack.unpackb(frame):
            kind = msg.get("T")
            if kind in ("success", "error", "subscription"):
                print(json.dumps({"control": msg}))
                continue
            model = stream._cast(msg)
            out = model.model_dump(mode="json")
            out["model"] = type(model).__name__
            print(json.dumps(out))


def polygon(path):
    from polygon.websocket.models import Market, parse

    log = logging.getLogger("decode")
    for line in open(path, encoding="utf-8"):
        msgs = json.loads(line)
        # As WebSocketClient.connect does: statuses are skipped, the rest parsed.
        for m in msgs:
            if m["ev"] == "status":
                print(json.dumps({"status": m["status"], "message": m["message"]}))
        for model in parse(msgs, log, Market.Stocks):
            out = dict(vars(model))
            out["model"] = type(model).__name__
            print(json.dumps(out))


if __name__ == "__main__":
    {"alpaca": alpaca, "polygon": polygon}[sys.argv[1]](sys.argv[2])
