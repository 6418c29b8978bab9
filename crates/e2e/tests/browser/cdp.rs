//! A small Chrome DevTools Protocol client over tokio-tungstenite: one browser connection, one
//! page attached in flat mode (commands carry its `sessionId`), strictly request/response.
//!
//! Events are read while waiting for answers: uncaught page exceptions and `console.error`
//! calls are collected in [`Cdp::page_errors`], so the test can insist there were none.

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::TestResult;

/// Longest a single DevTools command may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// How often [`Cdp::wait_for`] re-evaluates its condition.
const POLL: Duration = Duration::from_millis(50);

/// A DevTools connection driving one page.
pub(crate) struct Cdp {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
    /// Uncaught exceptions and `console.error` messages of the page.
    pub(crate) page_errors: Vec<String>,
}

impl Cdp {
    /// Connects to the browser endpoint and opens a blank page to drive.
    pub(crate) async fn connect(url: &str) -> TestResult<Self> {
        let (ws, _) = tokio::time::timeout(CALL_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| format!("DevTools connection to {url} timed out"))??;
        let mut cdp = Self {
            ws,
            next_id: 0,
            session: None,
            page_errors: Vec::new(),
        };
        let target = cdp
            .browser_call("Target.createTarget", json!({"url": "about:blank"}))
            .await?;
        let target_id = str_field(&target, "targetId")?;
        let attached = cdp
            .browser_call(
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
            )
            .await?;
        cdp.session = Some(str_field(&attached, "sessionId")?);
        cdp.call("Runtime.enable", json!({})).await?;
        cdp.call("Page.enable", json!({})).await?;
        Ok(cdp)
    }

    /// A command to the page.
    pub(crate) async fn call(&mut self, method: &str, params: Value) -> TestResult<Value> {
        let session = self.session.clone();
        self.send(session.as_deref(), method, params).await
    }

    /// A command to the browser itself.
    pub(crate) async fn browser_call(&mut self, method: &str, params: Value) -> TestResult<Value> {
        self.send(None, method, params).await
    }

    async fn send(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> TestResult<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let (Some(s), Some(obj)) = (session, msg.as_object_mut()) {
            obj.insert("sessionId".to_owned(), Value::from(s));
        }
        self.ws.send(Message::text(msg.to_string())).await?;
        tokio::time::timeout(CALL_TIMEOUT, self.answer(id))
            .await
            .map_err(|_| format!("DevTools {method}: no answer within {CALL_TIMEOUT:?}"))?
            .map_err(|e| format!("DevTools {method}: {e}").into())
    }

    /// Reads until the answer to `id`, noting page errors and crashes on the way.
    async fn answer(&mut self, id: u64) -> TestResult<Value> {
        loop {
            let Some(frame) = self.ws.next().await else {
                return Err("the DevTools connection closed".into());
            };
            let text = match frame? {
                Message::Text(t) => t,
                Message::Close(_) => return Err("the DevTools connection closed".into()),
                _ => continue,
            };
            let msg: Value = serde_json::from_str(text.as_str())?;
            if msg.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = msg.get("error") {
                    return Err(format!("error {err}").into());
                }
                return Ok(msg.get("result").cloned().unwrap_or(Value::Null));
            }
            self.note_event(&msg)?;
        }
    }

    fn note_event(&mut self, msg: &Value) -> TestResult<()> {
        let params = msg.get("params").unwrap_or(&Value::Null);
        match msg.get("method").and_then(Value::as_str) {
            Some("Runtime.exceptionThrown") => {
                let details = params.get("exceptionDetails").unwrap_or(&Value::Null);
                let text = details
                    .pointer("/exception/description")
                    .or_else(|| details.get("text"))
                    .map_or_else(|| details.to_string(), Value::to_string);
                self.page_errors.push(format!("uncaught: {text}"));
            }
            Some("Runtime.consoleAPICalled")
                if params.get("type").and_then(Value::as_str) == Some("error") =>
            {
                self.page_errors.push(format!(
                    "console.error: {}",
                    params.get("args").unwrap_or(&Value::Null)
                ));
            }
            Some("Inspector.targetCrashed") => return Err("the page crashed".into()),
            Some("Target.detachedFromTarget") => return Err("the page went away".into()),
            _ => {}
        }
        Ok(())
    }

    /// Loads a URL in the page.
    pub(crate) async fn navigate(&mut self, url: &str) -> TestResult<()> {
        let result = self.call("Page.navigate", json!({"url": url})).await?;
        match result.get("errorText").and_then(Value::as_str) {
            Some(err) if !err.is_empty() => Err(format!("navigating to {url}: {err}").into()),
            _ => Ok(()),
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value as JSON.
    pub(crate) async fn eval(&mut self, expression: &str) -> TestResult<Value> {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await?;
        if let Some(ex) = result.get("exceptionDetails") {
            return Err(format!("evaluating `{expression}` threw: {ex}").into());
        }
        Ok(result
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Polls a JavaScript expression until it is truthy and returns its value; on timeout the
    /// error names the condition and shows the page's `window.__ticker`.
    pub(crate) async fn wait_for(
        &mut self,
        what: &str,
        expression: &str,
        timeout: Duration,
    ) -> TestResult<Value> {
        // Exceptions inside the condition (a hook not rendered yet) mean "not yet".
        let guarded = format!(
            "(() => {{ try {{ return ({expression}); }} catch (e) {{ return null; }} }})()"
        );
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.eval(&guarded).await?;
            if truthy(&value) {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                let state = self
                    .eval("JSON.stringify(window.__ticker || null)")
                    .await
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                return Err(format!(
                    "timed out after {timeout:?} waiting for {what}\n  condition: {expression}\n  page state: {state}"
                )
                .into());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Sets the viewport (CSS pixels) and device scale.
    pub(crate) async fn viewport(
        &mut self,
        width: u32,
        height: u32,
        scale: f64,
        mobile: bool,
    ) -> TestResult<()> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile}),
        )
        .await?;
        Ok(())
    }

    /// Saves a PNG of the viewport.
    pub(crate) async fn screenshot(&mut self, path: &Path) -> TestResult<()> {
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await?;
        let data = str_field(&shot, "data")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, base64_decode(&data)?)?;
        Ok(())
    }

    /// Asks the browser to quit (its helpers go with it).
    pub(crate) async fn close_browser(&mut self) -> TestResult<()> {
        self.browser_call("Browser.close", json!({})).await?;
        Ok(())
    }
}

fn str_field(v: &Value, name: &str) -> TestResult<String> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("DevTools answer without `{name}`: {v}").into())
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Standard base64 (with padding), as `Page.captureScreenshot` returns it.
fn base64_decode(text: &str) -> TestResult<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | sextet(c).ok_or("screenshot data is not base64")?;
        }
        let n = chunk.len();
        acc <<= 6 * (4 - n as u32);
        let [_, a, b, c] = acc.to_be_bytes();
        let keep = match n {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return Err("truncated base64".into()),
        };
        out.extend([a, b, c].into_iter().take(keep));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_padding() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbA==").unwrap(), b"hell");
        assert_eq!(base64_decode("aGVs").unwrap(), b"hel");
        assert!(base64_decode("a").is_err());
    }
}
