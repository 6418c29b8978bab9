//! WebSocket at the byte level, for clients no library would let us be: unmasked frames,
//! oversize control frames, bad opcodes, half-written frames and peers that never answer.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CONTINUATION: u8 = 0x0;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// Performs the upgrade by hand; returns the stream and any bytes read past the 101 head.
pub async fn handshake(addr: SocketAddr, path: &str) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let mut s = TcpStream::connect(addr).await?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("handshake timed out"))??;
        if n == 0 {
            return Err(std::io::Error::other("closed during handshake"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if !buf.starts_with(b"HTTP/1.1 101") {
                return Err(std::io::Error::other(
                    String::from_utf8_lossy(&buf).into_owned(),
                ));
            }
            return Ok((s, buf[end + 4..].to_vec()));
        }
    }
}

/// Encodes a frame; `mask: None` writes an (illegal, for clients) unmasked frame.
pub fn frame(opcode: u8, fin: bool, rsv: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(u8::from(fin) << 7 | (rsv & 0x7) << 4 | (opcode & 0xf));
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n <= 0xffff => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A masked client frame.
pub fn client(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
    frame(opcode, fin, 0, payload, Some([0x37, 0xfa, 0x21, 0x3d]))
}

/// Server frames decoded from a byte stream: `(opcode, payload)`; stops at a partial frame.
pub fn decode(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    decode_prefix(bytes).0
}

/// The complete frames at the start of `bytes`, and how many bytes they took.
pub fn decode_prefix(mut bytes: &[u8]) -> (Vec<(u8, Vec<u8>)>, usize) {
    let total = bytes.len();
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0xf;
        let (len, head) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
            127 if bytes.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&bytes[2..10]);
                (u64::from_be_bytes(n) as usize, 10)
            }
            126 | 127 => break,
            n => (usize::from(n), 2),
        };
        let Some(payload) = bytes.get(head..head + len) else {
            break;
        };
        out.push((opcode, payload.to_vec()));
        bytes = &bytes[head + len..];
    }
    (out, total - bytes.len())
}

/// The close code in a close frame's payload.
pub fn close_code(payload: &[u8]) -> u16 {
    match payload {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 1005,
    }
}

/// Reads until the server closes the connection (or `limit`), returning everything.
pub async fn read_until_closed(
    s: &mut TcpStream,
    mut already: Vec<u8>,
    limit: Duration,
) -> (Vec<u8>, bool) {
    let mut chunk = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (already, true),
            Ok(Ok(n)) => already.extend_from_slice(&chunk[..n]),
            Err(_) => return (already, false),
        }
    }
}
