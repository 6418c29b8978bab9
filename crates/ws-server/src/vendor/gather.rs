//! A connection's frame for one tick, gathered from the shared pieces of [`super::frames`]:
//! an array header (JSON `[`…`]`, or a MessagePack array length) and the pieces it subscribed
//! to, copied; and the binary frame MessagePack goes out in.

use ticker_vendors::alpaca::Encoding;

use super::frames::Encoded;

/// A connection's frame for one tick, gathered from shared pieces.
#[derive(Debug, Default)]
pub struct Gather {
    count: usize,
    body: Vec<u8>,
}

impl Gather {
    /// Adds a piece.
    pub fn push(&mut self, e: &Encoded, msgpack: bool) {
        if e.count == 0 {
            return;
        }
        if !msgpack && self.count > 0 {
            self.body.push(b',');
        }
        self.body.extend_from_slice(&e.bytes);
        self.count += e.count;
    }

    /// Messages gathered.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The payload: a JSON array, or a MessagePack array.
    pub fn payload(&self, encoding: Encoding) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 8);
        match encoding {
            Encoding::Json => {
                out.push(b'[');
                out.extend_from_slice(&self.body);
                out.push(b']');
            }
            Encoding::Msgpack => {
                let len = u32::try_from(self.count).unwrap_or(u32::MAX);
                if rmp::encode::write_array_len(&mut out, len).is_err() {
                    return Vec::new();
                }
                out.extend_from_slice(&self.body);
            }
        }
        out
    }
}

/// Appends an unmasked final binary frame (MessagePack: the official Alpaca SDKs read nothing
/// else).
pub fn encode_binary(payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x82);
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::frames::push_item;

    #[test]
    fn gathered_msgpack_is_one_array_of_the_pieces() {
        let mut a = Encoded::default();
        push_item(&mut a, &serde_json::json!({"T": "t", "p": 1.5}), true);
        push_item(&mut a, &serde_json::json!({"T": "t", "p": 2.5}), true);
        let mut b = Encoded::default();
        push_item(&mut b, &serde_json::json!({"T": "q"}), true);
        let mut g = Gather::default();
        g.push(&a, true);
        g.push(&b, true);
        let v: serde_json::Value = rmp_serde::from_slice(&g.payload(Encoding::Msgpack)).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"T": "t", "p": 1.5}, {"T": "t", "p": 2.5}, {"T": "q"}])
        );
        let mut j = Encoded::default();
        push_item(&mut j, &serde_json::json!({"ev": "T"}), false);
        push_item(&mut j, &serde_json::json!({"ev": "Q"}), false);
        let mut g = Gather::default();
        g.push(&j, false);
        g.push(&j, false);
        assert_eq!(
            g.payload(Encoding::Json),
            br#"[{"ev":"T"},{"ev":"Q"},{"ev":"T"},{"ev":"Q"}]"#
        );
    }
}
