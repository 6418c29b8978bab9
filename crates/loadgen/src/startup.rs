//! Start-up time: from `exec` to the first `200` from a path of the service (`/health`, or
//! a quote: ready means a correct first quote, which needs the session statistics).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn answers_200(port: u16, path: &str, wait: Duration) -> bool {
    let Ok(Ok(mut s)) = tokio::time::timeout(
        Duration::from_millis(100),
        TcpStream::connect(("127.0.0.1", port)),
    )
    .await
    else {
        return false;
    };
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    matches!(
        tokio::time::timeout(wait, s.read_exact(&mut head)).await,
        Ok(Ok(_))
    ) && head.starts_with(b"HTTP/1.1 200")
}

/// Spawns `cmd`, polls `127.0.0.1:port` + `path` every millisecond (a request the service
/// holds until it can answer is waited for, up to `limit`), returns the time to the first 200
/// and stops the process. Gives up after `limit`.
pub(crate) async fn measure(
    cmd: &[String],
    port: u16,
    path: &str,
    limit: Duration,
) -> Result<Duration, String> {
    let (program, args) = cmd.split_first().ok_or("no command given")?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let result = loop {
        if answers_200(port, path, limit).await {
            break Ok(started.elapsed());
        }
        if started.elapsed() > limit {
            break Err(format!("no 200 from {path} within {limit:?}"));
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("{program} exited early: {status}"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}
