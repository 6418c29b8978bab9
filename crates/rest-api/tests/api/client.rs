//! A raw HTTP/1.1 client over one TCP connection: exact request bytes go out, responses are
//! parsed with `httparse` and bodies read by `content-length`. Nothing is hidden from the
//! test: malformed heads, pipelining, half-closes and stalled reads are all one call away.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::within;

/// One parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty for HEAD, 204 and 304).
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The names of all header fields except `date`, which changes between responses.
    pub fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .headers
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| *n != "date")
            .collect();
        names.sort_unstable();
        names
    }

    /// The body as UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("the body is not UTF-8")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {:?}", self.text()))
    }

    /// Asserts a `200 application/json` answer and returns its JSON.
    pub fn ok_json(&self) -> serde_json::Value {
        assert_eq!(
            self.status,
            200,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        self.json()
    }

    /// Asserts the error shape `{"error":{"code","message"}}` (nothing else) with this status
    /// and code, served as JSON; returns the message.
    pub fn error_message(&self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.header("content-type")),
            (status, Some("application/json")),
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let v = self.json();
        let top = v.as_object().expect("an error is a JSON object");
        assert_eq!(top.len(), 1, "only `error` at the top level: {v}");
        let error = v["error"].as_object().expect("`error` is an object");
        assert_eq!(error.len(), 2, "only `code` and `message`: {v}");
        assert_eq!(error["code"], code, "{v}");
        error["message"]
            .as_str()
            .expect("`message` is a string")
            .to_owned()
    }
}

/// A raw HTTP/1.1 client on one TCP connection.
pub struct Client {
    stream: TcpStream,
    /// Bytes received and not yet consumed as a response.
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> Self {
        let stream = within("connect", TcpStream::connect(addr))
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Connects to `addr` with a receive buffer of about `bytes`, so that a client which stops
    /// reading makes the server's writes stall soon.
    pub async fn connect_with_receive_buffer(addr: SocketAddr, bytes: u32) -> Self {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(bytes).unwrap();
        let stream = within("connect", socket.connect(addr))
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends raw bytes.
    pub async fn send(&mut self, bytes: &[u8]) {
        within("a write", self.stream.write_all(bytes))
            .await
            .unwrap_or_else(|e| panic!("write failed: {e}"));
    }

    /// Closes the sending half of the connection (the server sees end of stream).
    pub async fn shutdown_write(&mut self) {
        within("a write shutdown", self.stream.shutdown())
            .await
            .unwrap();
    }

    /// Sends `bytes` one at a time, `every` apart, until the server sends something or closes
    /// (or a write fails); returns how many bytes were sent.
    pub async fn drip(&mut self, bytes: &[u8], every: Duration) -> usize {
        within("an answer to a dripped request", async {
            let mut ticks = tokio::time::interval(every);
            let mut sent = 0;
            loop {
                tokio::select! {
                    ready = self.stream.readable() => {
                        ready.unwrap();
                        return sent;
                    }
                    _ = ticks.tick(), if sent < bytes.len() => {
                        if self.stream.write_all(&bytes[sent..=sent]).await.is_err() {
                            return sent;
                        }
                        sent += 1;
                    }
                }
            }
        })
        .await
    }

    /// Sends `METHOD target HTTP/1.1` with a `host` header plus `headers`, reads the answer.
    pub async fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        self.send(&request_bytes(method, target, headers)).await;
        if method == "HEAD" {
            self.read_bodyless_response().await
        } else {
            self.read_response().await
        }
    }

    /// `GET target`.
    pub async fn get(&mut self, target: &str) -> Response {
        self.request("GET", target, &[]).await
    }

    /// `POST target` with a JSON body (and `content-length`) plus `headers`.
    pub async fn post_json(
        &mut self,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let length = body.len().to_string();
        let mut all = vec![
            ("content-type", "application/json"),
            ("content-length", length.as_str()),
        ];
        all.extend_from_slice(headers);
        let mut bytes = request_bytes("POST", target, &all);
        bytes.extend_from_slice(body.as_bytes());
        self.send(&bytes).await;
        self.read_response().await
    }

    /// Reads one response whose body length follows from its head.
    pub async fn read_response(&mut self) -> Response {
        within("a response", self.read(false)).await
    }

    /// Reads one response to a HEAD request: a head only, whatever `content-length` says.
    pub async fn read_bodyless_response(&mut self) -> Response {
        within("a response", self.read(true)).await
    }

    /// Waits for the server to close the connection (EOF or reset) and returns the time it
    /// took. Fails if the server sends anything more.
    pub async fn closed(&mut self) -> Duration {
        let started = tokio::time::Instant::now();
        within("the server to close the connection", async {
            loop {
                match self.fill().await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(
            self.buf.is_empty(),
            "unexpected bytes before the close: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        started.elapsed()
    }

    /// Whether the connection is still open after `wait`: no bytes and no close in that time.
    pub async fn still_open_after(&mut self, wait: Duration) -> bool {
        let mut byte = [0u8; 1];
        tokio::time::timeout(wait, self.stream.peek(&mut byte))
            .await
            .is_err()
    }

    /// Waits, without reading, until the server resets the connection; returns the time that
    /// took. (Reading would reopen the receive window; the reset shows up as `SO_ERROR`.)
    pub async fn reset_without_reading(&mut self) -> Duration {
        let started = tokio::time::Instant::now();
        within("the server to reset the connection", async {
            loop {
                if let Some(e) = self.stream.take_error().unwrap() {
                    assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}");
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        started.elapsed()
    }

    /// Reads what is left until the end of the connection and returns it unparsed.
    pub async fn bytes_until_closed(&mut self) -> Vec<u8> {
        within("the end of the connection", async {
            while matches!(self.fill().await, Ok(n) if n > 0) {}
        })
        .await;
        std::mem::take(&mut self.buf)
    }

    /// Reads exactly `n` bytes past the responses read so far (WebSocket frames after a 101).
    pub async fn read_bytes(&mut self, n: usize) -> Vec<u8> {
        within("more bytes", async {
            while self.buf.len() < n {
                match self.fill().await {
                    Ok(0) => panic!("connection closed after {:?}", self.buf),
                    Ok(_) => {}
                    Err(e) => panic!("reading failed: {e}"),
                }
            }
        })
        .await;
        self.buf.drain(..n).collect()
    }

    /// Reads more bytes into the buffer; `Ok(0)` is end of stream.
    async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(16 * 1024);
        self.stream.read_buf(&mut self.buf).await
    }

    async fn read(&mut self, bodyless: bool) -> Response {
        loop {
            if let Some(resp) = take_response(&mut self.buf, bodyless, false) {
                return resp;
            }
            match self.fill().await {
                Ok(0) => {
                    if let Some(resp) = take_response(&mut self.buf, bodyless, true) {
                        return resp;
                    }
                    panic!(
                        "connection closed before a complete response; got {:?}",
                        String::from_utf8_lossy(&self.buf)
                    );
                }
                Ok(_) => {}
                Err(e) => panic!(
                    "reading a response failed: {e}; got {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
    }
}

/// Takes one complete response off the front of `buf`, if it holds one. `closed` says the
/// connection has ended, which completes a body delimited by the close.
fn take_response(buf: &mut Vec<u8>, bodyless: bool, closed: bool) -> Option<Response> {
    let (head_len, mut response) = parse_head(buf)?;
    let status = response.status;
    assert!(
        response.header("transfer-encoding").is_none(),
        "the server is expected to send content-length, not chunked bodies"
    );
    let no_body = bodyless || status == 204 || status == 304 || (100..200).contains(&status);
    let end = if no_body {
        head_len
    } else if let Some(len) = response.header("content-length") {
        head_len + len.parse::<usize>().expect("a numeric content-length")
    } else if closed {
        buf.len()
    } else {
        return None;
    };
    if buf.len() < end {
        return None;
    }
    response.body = buf[head_len..end].to_vec();
    buf.drain(..end);
    Some(response)
}

/// A request head: `METHOD target HTTP/1.1`, `host`, then `headers`.
pub fn request_bytes(method: &str, target: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nhost: ticker.test\r\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Parses a complete response head at the start of `buf`: its length, and the response
/// without its body.
fn parse_head(buf: &[u8]) -> Option<(usize, Response)> {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut fields);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => {
            let headers = resp
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        String::from_utf8(h.value.to_vec()).expect("a UTF-8 header value"),
                    )
                })
                .collect();
            let status = resp.code.expect("a status code");
            Some((
                len,
                Response {
                    status,
                    headers,
                    body: Vec::new(),
                },
            ))
        }
        Ok(httparse::Status::Partial) => None,
        Err(e) => panic!(
            "malformed response head ({e}): {:?}",
            String::from_utf8_lossy(buf)
        ),
    }
}
