//! alpaca wire format.
