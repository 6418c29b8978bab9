//! The native endpoints' operations (`/`, `/health`, `/api/v1/…`, `/metrics`, `/dashboard`,
//! `/ws`, `/control/clock`, `/openapi.json`, `/docs`, `/assets/ticker.js`).

use serde_json::{json, Value};

use super::schemas::schema_ref;
use super::{get, json_ok, op, param, symbol_param, symbol_schema, text_ok, Paths};
use crate::cli::RestConfig;

fn at_param() -> Value {
    param(
        "at",
        json!({ "type": "string", "examples": ["2026-11-23T14:30:00Z", "1795444200000"] }),
        "answer as of this moment: RFC 3339 or Unix milliseconds (default: now)",
    )
}

fn time_param(name: &str, what: &str) -> Value {
    param(
        name,
        json!({ "type": "string", "examples": ["2026-11-23T14:30:00Z", "1795444200000"] }),
        &format!("{what}: RFC 3339 or Unix milliseconds"),
    )
}

fn limit_param(default: usize, max: usize, flag: &str) -> Value {
    param(
        "limit",
        json!({ "type": "integer", "minimum": 1, "maximum": max, "default": default }),
        &format!("most items to return (1 to {max}, set by {flag})"),
    )
}

fn date_param(name: &str, what: &str) -> Value {
    param(
        name,
        json!({ "type": "string", "examples": ["2026-11-23"] }),
        &format!("{what}: a date YYYY-MM-DD"),
    )
}

/// Adds the native operations to `paths`.
pub(crate) fn paths(paths: &mut Paths, config: &RestConfig) {
    let market = "market";
    let service = "service";
    paths.add(
        "/",
        get(op(service, "Service info and the endpoint list", &[])
            .ok(json_ok("service info", schema_ref("Info")))),
    );
    paths.add(
        "/health",
        get(op(
            service,
            "Liveness, with the market clock and ws-server components",
            &[],
        )
        .ok(json_ok(
            "health (`degraded` when a component is not healthy)",
            schema_ref("Health"),
        ))),
    );
    paths.add(
        "/api/v1/symbols",
        get(op(market, "Configured symbols and their details", &[])
            .ok(json_ok("the symbols", schema_ref("Symbols")))),
    );
    paths.add(
        "/api/v1/latest/{symbol}",
        get(op(
            market,
            "The quote of one symbol now (or at `at`)",
            &[symbol_param(), at_param()],
        )
        .ok(json_ok("the quote", schema_ref("Quote")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/latest",
        get(op(
            market,
            "Quotes of several symbols (default all) now (or at `at`)",
            &[
                param(
                    "symbols",
                    json!({ "type": "string", "examples": ["AAPL,MSFT"] }),
                    "comma-separated symbols, case-insensitive (default: all)",
                ),
                at_param(),
                param(
                    "format",
                    json!({ "type": "string", "enum": ["object", "array"], "default": "object" }),
                    "`array`: the classic `[{\"stock\",…}]` array, `change` since the previous tick",
                ),
            ],
        )
        .ok(json_ok(
            "the quotes",
            json!({ "oneOf": [schema_ref("QuoteList"), schema_ref("ClassicQuoteList")] }),
        ))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/history/{symbol}",
        get(op(
            market,
            "OHLCV candles",
            &[
                symbol_param(),
                param(
                    "interval",
                    json!({
                        "type": "string",
                        "enum": ["1s", "5s", "10s", "15s", "30s", "1m", "5m", "15m", "30m",
                                 "1h", "2h", "4h", "6h", "12h", "1d"],
                        "default": "1m",
                    }),
                    "candle interval",
                ),
                time_param("from", "first candle"),
                time_param("to", "end of the range, exclusive (default: now)"),
                limit_param(100, config.max_candles, "--max-candles"),
            ],
        )
        .ok(json_ok("the candles", schema_ref("History")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/trades/{symbol}",
        get(op(
            market,
            "Trades, oldest first, paged (the latest ones without `from`)",
            &[
                symbol_param(),
                time_param("from", "first trade"),
                time_param("to", "end of the range, exclusive (default: now)"),
                limit_param(100, config.max_trades, "--max-trades"),
                param(
                    "page_token",
                    json!({ "type": "string" }),
                    "`next_page_token` of the previous page",
                ),
            ],
        )
        .ok(json_ok("a page of trades", schema_ref("TradePage")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/trades/{symbol}/latest",
        get(op(market, "The last trade", &[symbol_param()])
            .ok(json_ok("the trade", schema_ref("Trade")))
            .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/nbbo/{symbol}",
        get(op(
            market,
            "The best bid and offer, with sizes and exchanges",
            &[symbol_param()],
        )
        .ok(json_ok("the NBBO", schema_ref("Nbbo")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/bars/{symbol}",
        get(op(
            market,
            "Minute bars (minutes with trades) and daily bars (trading days)",
            &[
                symbol_param(),
                param(
                    "interval",
                    json!({ "type": "string", "enum": ["1m", "1d"], "default": "1m" }),
                    "bar interval",
                ),
                time_param("from", "first bar"),
                time_param("to", "end of the range, exclusive (default: now)"),
                limit_param(100, config.max_candles, "--max-candles"),
            ],
        )
        .ok(json_ok("the bars", schema_ref("Bars")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/market/status",
        get(op(
            market,
            "Open / pre / post / closed now (or at `at`), with the next open and close, per calendar",
            &[
                param("symbol", symbol_schema(), "only this symbol's calendar"),
                at_param(),
            ],
        )
        .ok(json_ok("the status per calendar", schema_ref("MarketStatus")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/api/v1/calendar",
        get(op(
            market,
            "Trading days and their session times, per calendar",
            &[
                date_param("from", "first day (default: today)"),
                date_param("to", "last day (default: from + 6 days)"),
                param(
                    "symbol",
                    json!({ "type": "string" }),
                    "only this symbol's calendar",
                ),
            ],
        )
        .ok(json_ok("the days per calendar", schema_ref("Calendar")))
        .errors(&[400, 404])),
    );
    paths.add(
        "/metrics",
        get(op(service, "Prometheus metrics", &[]).ok(text_ok(
            "the metrics, Prometheus text format",
            "text/plain; version=0.0.4",
        ))),
    );
    paths.add(
        "/dashboard",
        get(op(service, "The live dashboard page", &[]).ok(text_ok("the page", "text/html"))),
    );
    paths.add(
        "/assets/ticker.js",
        get(op(
            service,
            "The TypeScript client of the stream, compiled: an ES module (clients/typescript)",
            &[],
        )
        .ok(text_ok("the module", "text/javascript"))),
    );
    paths.add(
        "/docs",
        get(
            op(service, "This API's documentation, to read and try", &[])
                .ok(text_ok("the page", "text/html")),
        ),
    );
    paths.add(
        "/openapi.json",
        get(op(service, "This OpenAPI document", &[])
            .ok(json_ok("the document", json!({ "type": "object" })))),
    );
    paths.add(
        "/ws",
        get(op(
            "stream",
            "The WebSocket stream, relayed to the ws-server (classic arrays unless `format=` says \
             otherwise; see /asyncapi.json on the ws-server for the protocol)",
            &[param(
                "format",
                json!({ "type": "string" }),
                "passed to the ws-server with every other parameter (default here: array)",
            )],
        )
        .response(
            101,
            json!({ "description": "switching to the WebSocket protocol" }),
        )
        .errors(&[426, 503])),
    );
    let clock = json!({
        "get": op("control", "The market clock (needs the control token)", &[])
            .ok(json_ok("the clock", schema_ref("ClockState")))
            .errors(&[401, 403, 404])
            .secured()
            .build(),
        "post": op("control", "Move a manual clock forward (needs the control token)", &[])
            .body(schema_ref("ClockCommand"))
            .ok(json_ok("the clock after the move", schema_ref("ClockState")))
            .errors(&[400, 401, 403, 404, 409, 413])
            .secured()
            .build(),
    });
    paths.add(ticker_net::CONTROL_CLOCK_PATH, clock);
}
