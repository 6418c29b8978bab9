//! Connection slots per API key, as the vendors ration them (Alpaca's error 406, Polygon's
//! `max_connections`). A small helper shared by the vendor state machines: they ask, the
//! service counts.

/// Whether a key may open one more authenticated session. The service counts sessions per
/// key and releases the slot when that session ends.
pub trait Admission {
    /// Takes a slot for `key`, or says there is none.
    fn admit(&mut self, key: &str) -> bool;
}

/// Admits every session.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl Admission for Unlimited {
    fn admit(&mut self, _key: &str) -> bool {
        true
    }
}
