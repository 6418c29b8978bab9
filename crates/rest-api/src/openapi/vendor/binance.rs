//! Binance Spot public market data (`/binance/api/v3/…`, [`crate::vendor::binance`]): the
//! configured 24/7 pairs, Binance's bodies (prices and quantities as decimal strings) and
//! `{code, msg}` errors. No credentials. `symbols` is a string holding Binance's JSON array
//! (`["BTCUSDT","ETHUSDT"]`); that it must parse as one is not stated in the schema.

use serde_json::{json, Value};

use super::super::param;
use super::super::schemas::{array_of, integer, object, schema_ref, string};
use super::{required, set, vendor_op};
use crate::openapi::{get, Paths};

const TAG: &str = "binance";
const ERROR: &str = "BinanceError";
const ERRORS: &[u16] = &[400];

fn decimal(what: &str) -> Value {
    json!({ "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": what })
}

fn symbol(needed: bool) -> Value {
    let schema = json!({ "type": "string", "examples": ["BTCUSDT"] });
    let what = "a configured 24/7 pair, upper case (others: -1121)";
    if needed {
        required("symbol", schema, what)
    } else {
        param("symbol", schema, what)
    }
}

fn symbols() -> Value {
    param(
        "symbols",
        json!({ "type": "string", "examples": ["[\"BTCUSDT\",\"ETHUSDT\"]"] }),
        "a JSON array of pairs (not with `symbol`: -1128)",
    )
}

fn limit(default: u32, max: u32) -> Value {
    param(
        "limit",
        json!({ "type": "integer", "minimum": 1, "maximum": max, "default": default }),
        &format!("most items (default {default}, at most {max})"),
    )
}

fn ticker(full: bool) -> Value {
    let mut props = json!({ "symbol": string("the pair") });
    if full {
        for key in [
            "priceChange",
            "weightedAvgPrice",
            "prevClosePrice",
            "lastQty",
            "bidPrice",
            "bidQty",
            "askPrice",
            "askQty",
        ] {
            set(&mut props, key, decimal(key));
        }
        set(
            &mut props,
            "priceChangePercent",
            decimal("priceChangePercent"),
        );
    }
    for key in [
        "openPrice",
        "highPrice",
        "lowPrice",
        "lastPrice",
        "volume",
        "quoteVolume",
    ] {
        set(&mut props, key, decimal(key));
    }
    for key in ["openTime", "closeTime"] {
        set(
            &mut props,
            key,
            integer("Unix ms (µs with X-MBX-TIME-UNIT: MICROSECOND)"),
        );
    }
    for key in ["firstId", "lastId", "count"] {
        set(&mut props, key, integer(key));
    }
    object("24 h rolling statistics", props)
}

/// Binance's schemas.
pub(super) fn schemas() -> Value {
    // Fixed-length arrays as plain `items` with bounds: schemathesis 4 reads `prefixItems`
    // as draft-4 `items` and rejects the document.
    let level = json!({
        "type": "array",
        "description": "price, quantity",
        "items": decimal("price or quantity"),
        "minItems": 2,
        "maxItems": 2,
    });
    let kline = json!({
        "type": "array",
        "description": "open time, open, high, low, close, volume, close time, quote volume, trades, taker buy base, taker buy quote, unused",
        "items": { "type": ["integer", "string"] },
        "minItems": 12,
        "maxItems": 12,
    });
    let filter = json!({ "type": "object", "required": ["filterType"], "properties": { "filterType": string("filter") } });
    let pair = json!({
        "type": "object",
        "description": "a pair, with the fields ccxt's load_markets reads",
        "required": ["symbol", "status", "baseAsset", "quoteAsset", "filters"],
        "properties": {
            "symbol": string("the pair"),
            "status": string("TRADING"),
            "baseAsset": string("base"),
            "quoteAsset": string("quote"),
            "filters": array_of(filter),
        },
    });
    json!({
        "BinanceError": object("Binance's error body", json!({
            "code": integer("Binance's error code (-1121, -1100, -1102, -1120, -1130, -1101, -1128)"),
            "msg": string("what is wrong"),
        })),
        "BinanceKline": kline,
        "BinanceTicker": ticker(true),
        "BinanceMiniTicker": ticker(false),
        "BinancePrice": object("the last price", json!({ "symbol": string("the pair"), "price": decimal("price") })),
        "BinanceBookTicker": object("the NBBO", json!({
            "symbol": string("the pair"), "bidPrice": decimal("bid"), "bidQty": decimal("bid size"),
            "askPrice": decimal("ask"), "askQty": decimal("ask size"),
        })),
        "BinanceDepth": object("the book (top: the NBBO)", json!({
            "lastUpdateId": integer("the tick"), "bids": array_of(level.clone()), "asks": array_of(level),
        })),
        "BinanceTrade": object("a trade", json!({
            "id": integer("trade id"), "price": decimal("price"), "qty": decimal("quantity"),
            "quoteQty": decimal("price × quantity"), "time": integer("Unix ms"),
            "isBuyerMaker": { "type": "boolean" }, "isBestMatch": { "type": "boolean" },
        })),
        "BinanceExchangeInfo": {
            "type": "object",
            "description": "every pair, with PRICE_FILTER and LOT_SIZE",
            "required": ["timezone", "serverTime", "rateLimits", "exchangeFilters", "symbols"],
            "properties": {
                "timezone": string("UTC"),
                "serverTime": integer("Unix ms"),
                "rateLimits": array_of(json!({ "type": "object" })),
                "exchangeFilters": array_of(json!({ "type": "object" })),
                "symbols": array_of(pair),
            },
        },
    })
}

/// Adds Binance's operations.
pub(super) fn paths(paths: &mut Paths) {
    let base = "/binance/api/v3";
    let op = |summary: &str, params: &[Value], ok: Value| {
        // Without parameters there is nothing to get wrong.
        let errors = if params.is_empty() { &[][..] } else { ERRORS };
        get(vendor_op(TAG, summary, params, ok, ERROR, errors))
    };
    let one_or_many =
        |item: &str| json!({ "oneOf": [schema_ref(item), array_of(schema_ref(item))] });
    paths.add(
        &format!("{base}/ping"),
        op("Connectivity", &[], object("empty", json!({}))),
    );
    paths.add(
        &format!("{base}/time"),
        op(
            "The market clock",
            &[],
            object("the time", json!({ "serverTime": integer("Unix ms") })),
        ),
    );
    paths.add(
        &format!("{base}/exchangeInfo"),
        op(
            "Every pair and its filters",
            &[],
            schema_ref("BinanceExchangeInfo"),
        ),
    );
    let klines = [
        symbol(true),
        required(
            "interval",
            json!({ "type": "string", "examples": ["1m"], "enum": ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"] }),
            "kline width (whole ticks only: -1120 otherwise)",
        ),
        param("startTime", json!({ "type": "integer" }), "Unix ms (or µs)"),
        param("endTime", json!({ "type": "integer" }), "Unix ms (or µs)"),
        param(
            "timeZone",
            json!({ "type": "string", "enum": ["0"] }),
            "UTC only",
        ),
        limit(500, 1000),
    ];
    for (name, what) in [
        ("klines", "Klines (the native candles)"),
        ("uiKlines", "Klines, as `klines`"),
    ] {
        paths.add(
            &format!("{base}/{name}"),
            op(what, &klines, array_of(schema_ref("BinanceKline"))),
        );
    }
    let stats = json!({ "anyOf": [
        schema_ref("BinanceTicker"), array_of(schema_ref("BinanceTicker")),
        schema_ref("BinanceMiniTicker"), array_of(schema_ref("BinanceMiniTicker")),
    ] });
    paths.add(
        &format!("{base}/ticker/24hr"),
        op(
            "24 h rolling statistics (an object for `symbol`, else an array)",
            &[
                symbol(false),
                symbols(),
                param(
                    "type",
                    json!({ "type": "string", "enum": ["FULL", "MINI"] }),
                    "FULL (default) or MINI",
                ),
            ],
            stats,
        ),
    );
    paths.add(
        &format!("{base}/ticker/price"),
        op(
            "Last prices",
            &[symbol(false), symbols()],
            one_or_many("BinancePrice"),
        ),
    );
    paths.add(
        &format!("{base}/ticker/bookTicker"),
        op(
            "The NBBO",
            &[symbol(false), symbols()],
            one_or_many("BinanceBookTicker"),
        ),
    );
    paths.add(
        &format!("{base}/depth"),
        op(
            "A deterministic book (limit clamped to 5000)",
            &[
                symbol(true),
                param(
                    "limit",
                    json!({ "type": "integer", "default": 100 }),
                    "levels per side",
                ),
            ],
            schema_ref("BinanceDepth"),
        ),
    );
    paths.add(
        &format!("{base}/trades"),
        op(
            "Recent trades",
            &[symbol(true), limit(500, 1000)],
            array_of(schema_ref("BinanceTrade")),
        ),
    );
}
