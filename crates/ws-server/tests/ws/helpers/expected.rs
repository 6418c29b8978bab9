//! What the server must send, computed through `ticker_core` (never hard-coded prices).

use serde_json::Value;
use ticker_core::{Market, Seq, SymbolId};

use super::client::{recv_text, Ws};
use super::server::TestServer;

/// The quote frame of `id` at `seq`: `{"type":"quote",` + the core's fields + `}`.
pub fn quote_frame(market: &Market, id: SymbolId, seq: Seq) -> String {
    let mut out = b"{\"type\":\"quote\",".to_vec();
    market.quote(id, seq).write_fields(&mut out);
    out.push(b'}');
    String::from_utf8(out).unwrap()
}

/// The core's quote of `id` at `seq` as a JSON object.
pub fn quote_json(market: &Market, id: SymbolId, seq: Seq) -> Value {
    let mut out = Vec::new();
    market.quote(id, seq).write_json(&mut out);
    serde_json::from_slice(&out).unwrap()
}

/// The core's classic (`stock`, `symbol`, `price`, …) element of `id` at `seq`: the quote
/// with `change` since the previous tick.
pub fn classic_json(market: &Market, id: SymbolId, seq: Seq) -> Value {
    let mut out = Vec::new();
    market
        .quote(id, seq)
        .write_classic(market.tick_change(id, seq), &mut out);
    serde_json::from_slice(&out).unwrap()
}

/// The core's quotes of `symbols` at `seq`, as the `quotes` array of a batch or snapshot.
pub fn quotes_json(server: &TestServer, symbols: &[&str], seq: Seq) -> Value {
    Value::Array(
        symbols
            .iter()
            .map(|s| quote_json(&server.market, server.id(s), seq))
            .collect(),
    )
}

/// Receives one quote frame per symbol for `seq`, in market order, byte-equal to the core's.
pub async fn expect_quote_frames(ws: &mut Ws, server: &TestServer, symbols: &[&str], seq: Seq) {
    for symbol in symbols {
        let text = recv_text(ws).await;
        assert_eq!(
            text,
            quote_frame(&server.market, server.id(symbol), seq),
            "frame of {symbol} at {seq}"
        );
    }
}
