//! finnhub wire format.
