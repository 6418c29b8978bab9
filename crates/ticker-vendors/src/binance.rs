//! binance wire format.
