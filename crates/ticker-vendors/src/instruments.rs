//! The symbols a vendor path may name. The services implement [`Instruments`] for their
//! market (Binance paths: the 24/7 pairs only); tests use closures.

use ticker_core::SymbolId;

/// Resolves a canonical, upper-case symbol (`AAPL`, `BTCUSDT`) to the market's id.
pub trait Instruments {
    /// The id of `symbol`, exactly as written (no case folding), if this path serves it.
    fn lookup(&self, symbol: &str) -> Option<SymbolId>;
}

impl<F: Fn(&str) -> Option<SymbolId>> Instruments for F {
    fn lookup(&self, symbol: &str) -> Option<SymbolId> {
        self(symbol)
    }
}

/// A symbol of `market` named exactly (vendor symbols are case-sensitive).
pub fn exact(market: &ticker_core::Market, text: &str) -> Option<SymbolId> {
    market
        .lookup(text)
        .filter(|id| market.symbol(*id).as_str() == text)
}

/// A Binance instrument of `market`: a symbol on the 24/7 calendar, named exactly.
pub fn binance(market: &ticker_core::Market, text: &str) -> Option<SymbolId> {
    exact(market, text)
        .filter(|id| market.calendar(*id).kind() == ticker_core::CalendarKind::Always)
}
