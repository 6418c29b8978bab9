//! `/api/v1/symbols` and `/api/v1/latest`: symbol details and current quotes (or, with
//! `?at=`, the quotes of another moment). Quotes are encoded with the core's allocation-light
//! writer, byte-identical to the ws-server's.

use http::{Response, StatusCode};
use serde::Serialize;
use ticker_core::{SymbolId, SymbolInfo};
use ticker_net::ApiError;

use crate::app::App;
use crate::at::at;
use crate::response::{self, Body};
use ticker_net::query::{percent_decode, shorten, Query};

/// Resolves a symbol from a URL path segment (percent-decoded here, once).
pub fn resolve_path_symbol(app: &App, raw: &str) -> Result<SymbolId, ApiError> {
    let text = percent_decode(raw, false).unwrap_or_else(|| raw.to_owned());
    resolve_symbol(app, &text)
}

/// Resolves an already-decoded symbol: 400 if it cannot be a symbol, 404 if it is not
/// configured.
pub fn resolve_symbol(app: &App, text: &str) -> Result<SymbolId, ApiError> {
    if let Err(e) = ticker_core::Symbol::parse_loose(text) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_symbol",
            format!("{:?} is not a valid symbol: {e}", shorten(text)),
        ));
    }
    app.market.lookup(text).ok_or_else(|| {
        let known: Vec<&str> = app
            .market
            .ids()
            .map(|id| app.market.info(id).symbol.as_str())
            .collect();
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_symbol",
            format!(
                "unknown symbol {:?}; known symbols: {}",
                text.trim().to_ascii_uppercase(),
                known.join(", ")
            ),
        )
    })
}

/// `GET /api/v1/symbols`.
pub fn symbols(app: &App) -> Response<Body> {
    #[derive(Serialize)]
    struct Symbols<'a> {
        symbols: Vec<&'a str>,
        details: Vec<&'a SymbolInfo>,
    }
    let m = &app.market;
    response::json_value(&Symbols {
        symbols: m.ids().map(|id| m.info(id).symbol.as_str()).collect(),
        details: m.ids().map(|id| m.info(id)).collect(),
    })
}

/// `GET /api/v1/latest/{symbol}[?at=]`: the quote object itself.
pub async fn latest_one(app: &App, raw: &str, query: &Query) -> Result<Response<Body>, ApiError> {
    let id = resolve_path_symbol(app, raw)?;
    let at = at(app, query)?;
    let mut quotes = app.quotes_json(&[id], at.seq, at.past).await?;
    Ok(response::json(
        StatusCode::OK,
        quotes.pop().unwrap_or_default(),
    ))
}

/// `GET /api/v1/latest?symbols=A,B[&format=array][&at=]`: several quotes of the same tick.
pub async fn latest_many(app: &App, query: &Query) -> Result<Response<Body>, ApiError> {
    let ids: Vec<SymbolId> = match query.get("symbols")? {
        Some(list) if !list.trim().is_empty() => {
            let mut ids = Vec::new();
            for raw in list.split(',').filter(|s| !s.trim().is_empty()) {
                let id = resolve_symbol(app, raw)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        }
        _ => app.market.ids().collect(),
    };
    let classic = match query.get("format")? {
        None | Some("object") => false,
        Some("array") => true,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                format!(
                    "query parameter `format`: {:?} is not `object` or `array`",
                    shorten(other)
                ),
            ))
        }
    };
    let at = at(app, query)?;
    let seq = at.seq;
    let quotes = app.quotes_json(&ids, seq, at.past).await?;
    let mut body = Vec::with_capacity(64 + 340 * ids.len());
    if classic {
        body.push(b'[');
    } else {
        body.extend_from_slice(b"{\"seq\":");
        body.extend_from_slice(seq.0.to_string().as_bytes());
        body.extend_from_slice(b",\"timestamp\":");
        body.extend_from_slice(app.market.schedule().time_of(seq).to_string().as_bytes());
        body.extend_from_slice(b",\"quotes\":[");
    }
    for (i, (id, json)) in ids.iter().zip(quotes).enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // The shared per-tick JSON; the classic element is the same fields with `stock` first
        // and `change` since the previous tick, as the ws-server's `format=array` frames.
        if classic {
            let fields = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default();
            let tick = app.market.tick_change(*id, seq);
            ticker_core::write_classic(app.market.symbol(*id), fields, tick, &mut body);
        } else {
            body.extend_from_slice(&json);
        }
    }
    body.extend_from_slice(if classic { b"]" } else { b"]}" });
    Ok(response::json(StatusCode::OK, body))
}
