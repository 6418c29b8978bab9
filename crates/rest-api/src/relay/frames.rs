//! Where the client's WebSocket frames begin and end, so that the relay can add one frame of
//! its own, a close, without cutting one of the client's in two.
//!
//! Only the client-to-server direction is followed, and only frame headers are read (2 to 14
//! bytes per frame; payloads are skipped, never unmasked). Clients send little (subscriptions,
//! pongs), so this costs nothing on the price stream, which the relay copies blind.

/// Follows frame boundaries in the bytes a client sends.
#[derive(Debug, Default)]
pub(crate) struct FrameTracker {
    /// The header being read, and how much of it has arrived.
    header: [u8; MAX_HEADER],
    have: usize,
    /// Payload bytes of the current frame still to come.
    remaining: u64,
    /// The client sent a close frame: it may send nothing after it, nor may we.
    closed: bool,
}

/// Longest frame header: 2 bytes, an 8-byte length and a 4-byte mask.
const MAX_HEADER: usize = 14;
const OP_CLOSE: u8 = 0x8;

impl FrameTracker {
    /// Accounts for `data`, the next bytes of the client's stream.
    pub(crate) fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.remaining > 0 {
                let skip = usize::try_from(self.remaining)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                self.remaining -= skip as u64;
                data = data.get(skip..).unwrap_or_default();
                continue;
            }
            let Some((&byte, rest)) = data.split_first() else {
                break;
            };
            if let Some(slot) = self.header.get_mut(self.have) {
                *slot = byte;
            }
            self.have += 1;
            data = rest;
            if let Some(payload) = self.payload_len() {
                if self.header[0] & 0x0f == OP_CLOSE {
                    self.closed = true;
                }
                self.have = 0;
                self.remaining = payload;
            }
        }
    }

    /// The payload length, once the whole header has arrived.
    fn payload_len(&self) -> Option<u64> {
        if self.have < 2 {
            return None;
        }
        let masked = self.header[1] & 0x80 != 0;
        let (extended, short) = match self.header[1] & 0x7f {
            126 => (2, None),
            127 => (8, None),
            n => (0, Some(u64::from(n))),
        };
        let len = 2 + extended + if masked { 4 } else { 0 };
        if self.have < len {
            return None;
        }
        Some(short.unwrap_or_else(|| {
            self.header
                .get(2..2 + extended)
                .unwrap_or_default()
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        }))
    }

    /// Whether the bytes so far end exactly at a frame boundary.
    pub(crate) fn at_boundary(&self) -> bool {
        self.have == 0 && self.remaining == 0
    }

    /// Whether the client has sent a close frame.
    pub(crate) fn client_closed(&self) -> bool {
        self.closed
    }
}

/// The masking key of the relay's own close frame. Masking exists to stop a page from
/// steering what intermediaries see; this payload is fixed, so a fixed key is enough.
const MASK: [u8; 4] = [0x5e, 0xa1, 0x27, 0xc3];

/// A masked close frame from the client's side: code 1001 (going away) and `reason` (at most
/// 123 bytes, so that the frame stays a control frame).
pub(crate) fn close_frame(reason: &str) -> Vec<u8> {
    let mut payload = 1001u16.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    payload.truncate(125);
    let mut frame = Vec::with_capacity(6 + payload.len());
    frame.push(0x80 | OP_CLOSE);
    frame.push(0x80 | payload.len() as u8);
    frame.extend_from_slice(&MASK);
    frame.extend(
        payload
            .iter()
            .zip(MASK.iter().cycle())
            .map(|(byte, key)| byte ^ key),
    );
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame of `opcode` carrying `len` payload bytes.
    fn frame(opcode: u8, len: usize) -> Vec<u8> {
        let mut out = vec![0x80 | opcode];
        match len {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&[1, 2, 3, 4]);
        out.extend(std::iter::repeat_n(0x42, len));
        out
    }

    #[test]
    fn boundaries_are_found_whatever_the_chunking() {
        let mut stream = Vec::new();
        let mut ends = Vec::new();
        for (op, len) in [(0x1, 5), (0x9, 0), (0x1, 300), (0x2, 70_000), (0xA, 4)] {
            stream.extend(frame(op, len));
            ends.push(stream.len());
        }
        for chunk in [1, 2, 3, 7, 13, 4096, stream.len()] {
            let mut t = FrameTracker::default();
            let mut fed = 0;
            for part in stream.chunks(chunk) {
                t.feed(part);
                fed += part.len();
                assert_eq!(
                    t.at_boundary(),
                    ends.contains(&fed),
                    "chunk {chunk}, at {fed}"
                );
            }
            assert!(!t.client_closed());
        }
    }

    #[test]
    fn a_client_close_is_noticed() {
        let mut t = FrameTracker::default();
        t.feed(&frame(0x1, 3));
        assert!(!t.client_closed());
        t.feed(&frame(0x8, 2));
        assert!(t.client_closed() && t.at_boundary());
    }

    #[test]
    fn the_close_frame_is_masked_and_says_going_away() {
        let f = close_frame("rest-api shutting down");
        assert_eq!(f[0], 0x88, "FIN + close");
        assert_eq!(usize::from(f[1] & 0x7f), f.len() - 6);
        assert!(f[1] & 0x80 != 0, "client frames are masked");
        let payload: Vec<u8> = f[6..]
            .iter()
            .zip(f[2..6].iter().cycle())
            .map(|(b, k)| b ^ k)
            .collect();
        assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1001);
        assert_eq!(&payload[2..], b"rest-api shutting down");
        let mut t = FrameTracker::default();
        t.feed(&f);
        assert!(t.client_closed() && t.at_boundary());
    }
}
