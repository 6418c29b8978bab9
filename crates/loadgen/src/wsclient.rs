//! A minimal WebSocket client for measuring, not for general use: a hand-written handshake,
//! then server frames parsed in place from one read buffer. A full client library costs about
//! as much CPU per frame as the server does, and client and server share the same two cores,
//! so a heavy client would measure itself.

use ticker_core::{Clock, SystemClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opcodes the server sends.
pub(crate) const TEXT: u8 = 0x1;
pub(crate) const CLOSE: u8 = 0x8;
pub(crate) const PING: u8 = 0x9;

/// A connected client: the socket and bytes read but not yet parsed.
pub(crate) struct Client {
    stream: TcpStream,
    /// Fixed-size read buffer; `buf[start..end]` is read but not yet parsed.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// When the last read returned, Unix µs: the arrival time of every frame it completed.
    read_at_us: i64,
}

/// One server frame, borrowed from the client's buffer.
pub(crate) struct Frame<'a> {
    pub(crate) opcode: u8,
    pub(crate) payload: &'a [u8],
    /// When the read that completed this frame returned, Unix µs. Frames that arrived in one
    /// read share it: they reached the client together, whatever order they are parsed in.
    pub(crate) at_us: i64,
}

impl Client {
    /// Upgrades `stream` to WebSocket for the request target `path` (e.g. `/ws?symbols=`).
    pub(crate) async fn handshake(
        mut stream: TcpStream,
        host: &str,
        path: &str,
        chunk: usize,
    ) -> Result<Self, String> {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: bG9hZGdlbi1sb2FkZ2VuLQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream
            .write_all(req.as_bytes())
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let mut buf = Vec::with_capacity(chunk.max(1024));
        loop {
            let mut part = [0u8; 1024];
            let n = stream
                .read(&mut part)
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            if n == 0 {
                return Err("handshake: connection closed".to_owned());
            }
            buf.extend_from_slice(part.get(..n).unwrap_or_default());
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                if !buf.starts_with(b"HTTP/1.1 101") {
                    let line = String::from_utf8_lossy(&buf);
                    return Err(format!(
                        "handshake refused: {}",
                        line.lines().next().unwrap_or("")
                    ));
                }
                buf.drain(..end + 4);
                let end = buf.len();
                buf.resize(end.max(chunk), 0);
                return Ok(Self {
                    stream,
                    buf,
                    start: 0,
                    end,
                    read_at_us: SystemClock.now_us(),
                });
            }
            if buf.len() > 16 * 1024 {
                return Err("handshake: response head too large".to_owned());
            }
        }
    }

    /// The length of the complete frame at the start of the unread bytes, if there is one:
    /// `(header length, payload length)`.
    fn complete(&self) -> Option<(usize, usize)> {
        let b = self.buf.get(self.start..self.end)?;
        let len7 = *b.get(1)? & 0x7f;
        let (head, len) = match len7 {
            126 => (4, usize::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?]))),
            127 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(b.get(2..10)?);
                (10, usize::try_from(u64::from_be_bytes(n)).ok()?)
            }
            n => (2, usize::from(n)),
        };
        (b.len() >= head + len).then_some((head, len))
    }

    /// The next frame, reading from the socket as needed; `None` at end of stream.
    pub(crate) async fn next(&mut self) -> Option<Frame<'_>> {
        loop {
            if let Some((head, len)) = self.complete() {
                let at = self.start;
                self.start += head + len;
                let opcode = self.buf.get(at).map_or(0, |b| b & 0x0f);
                let payload = self.buf.get(at + head..at + head + len).unwrap_or_default();
                return Some(Frame {
                    opcode,
                    payload,
                    at_us: self.read_at_us,
                });
            }
            // Move the partial frame to the front (growing only for a frame larger than the
            // buffer), then read more after it.
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let read = self
                .stream
                .read(self.buf.get_mut(self.end..).unwrap_or_default())
                .await;
            match read {
                Ok(n) if n > 0 => {
                    self.end += n;
                    self.read_at_us = SystemClock.now_us();
                }
                _ => return None,
            }
        }
    }

    /// Sends a masked control frame (pong or close) with a small payload.
    pub(crate) async fn control(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let key = [0x5a, 0x17, 0xc3, 0x08];
        let len = payload.len().min(125);
        let mut frame = vec![0x80 | opcode, 0x80 | len as u8];
        frame.extend_from_slice(&key);
        frame.extend(
            payload
                .iter()
                .take(len)
                .zip(key.iter().cycle())
                .map(|(b, k)| b ^ k),
        );
        self.stream.write_all(&frame).await
    }
}
