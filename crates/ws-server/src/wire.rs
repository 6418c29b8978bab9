//! WebSocket framing for what the server sends, done once per frame and shared.
//!
//! Server-to-client frames are never masked, so a complete frame (header and payload) is the
//! same bytes for every client. Each tick's frames are encoded once in [`crate::ticker`]; a
//! connection's writer hands the ones it needs to the kernel in one syscall
//! ([`crate::outbox`]), bypassing tungstenite's per-connection framing and copying. Reading client frames (masked,
//! fragmented, validated) stays with tungstenite.

use bytes::Bytes;

const FIN_TEXT: u8 = 0x81;

/// Appends an unmasked final text frame.
pub fn encode_text(payload: &[u8], out: &mut Vec<u8>) {
    out.push(FIN_TEXT);
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

/// A complete text frame for `payload`.
pub fn text_frame(payload: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(payload.len() + 10);
    encode_text(payload, &mut out);
    Bytes::from(out)
}

/// The payload of a frame built by [`encode_text`].
pub fn payload(frame: &[u8]) -> &[u8] {
    let header = match frame.get(1).map(|b| b & 0x7f) {
        Some(126) => 4,
        Some(127) => 10,
        Some(_) => 2,
        None => return &[],
    };
    frame.get(header..).unwrap_or_default()
}

/// The end of the frame that byte `pos` of `buf` (frames built here, back to back) lies in:
/// where a write interrupted at `pos` can stop without leaving a partial frame.
pub fn frame_end_after(buf: &[u8], pos: usize) -> usize {
    let mut at = 0;
    while at <= pos && at < buf.len() {
        let rest = buf.get(at..).unwrap_or_default();
        let (head, len) = match rest.get(1).map(|b| b & 0x7f) {
            Some(126) => (
                4,
                rest.get(2..4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, |b| usize::from(u16::from_be_bytes(b))),
            ),
            Some(127) => (
                10,
                rest.get(2..10)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, |b| u64::from_be_bytes(b) as usize),
            ),
            Some(n) => (2, usize::from(n)),
            None => break,
        };
        at += head + len;
    }
    at.min(buf.len())
}

#[cfg(test)]
mod tests {
    use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

    use super::*;

    #[test]
    fn frame_ends_are_found_from_any_byte() {
        let mut buf = Vec::new();
        encode_text(b"hello", &mut buf);
        buf.extend_from_slice(&text_frame(&[b'x'; 300]));
        buf.extend_from_slice(&[0x89, 0]);
        let (a, b) = (7, 7 + 4 + 300);
        assert_eq!(frame_end_after(&buf, 0), a);
        assert_eq!(frame_end_after(&buf, 6), a);
        assert_eq!(frame_end_after(&buf, 7), b);
        assert_eq!(frame_end_after(&buf, b - 1), b);
        assert_eq!(frame_end_after(&buf, b), b + 2);
        assert_eq!(frame_end_after(&buf, 10_000), buf.len());
    }

    #[test]
    fn frames_parse_back_with_tungstenite_at_every_length_class() {
        for len in [0usize, 125, 126, 65_535, 65_536, 100_000] {
            let body = vec![b'x'; len];
            let frame = text_frame(&body);
            let mut cursor = std::io::Cursor::new(&frame[..]);
            let (header, length) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
            assert!(header.is_final);
            assert!(header.mask.is_none(), "server frames are unmasked");
            assert_eq!(length as usize, len);
            assert_eq!(payload(&frame), &body[..]);
        }
    }
}
