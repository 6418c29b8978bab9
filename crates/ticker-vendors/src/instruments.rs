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
