//! What a faulted request is answered with when it is not a plain response: nothing at all
//! ([`Hung`]) or a body cut short of its `content-length` ([`Cut`]).

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame};

/// A request held on purpose and never answered: hyper closes the connection.
#[derive(Debug)]
pub struct Hung;

impl fmt::Display for Hung {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("request hung on purpose (fault_hang_ms); closing unanswered")
    }
}

impl std::error::Error for Hung {}

/// How long a cut body waits, after its part, before it ends: hyper ends the connection as
/// soon as a body stops short, so the part must be on the wire first.
const CUT_LINGER: Duration = Duration::from_millis(100);

/// A body that ends before its `content-length` (set by the caller to the whole length): hyper
/// sends the part, then closes the connection.
#[derive(Debug)]
pub struct Cut {
    part: Option<Bytes>,
    linger: Pin<Box<tokio::time::Sleep>>,
}

impl Cut {
    /// The first `keep` bytes of `body`, at most all but one.
    pub fn new(body: &Bytes, keep: u64) -> Self {
        let keep = usize::try_from(keep)
            .unwrap_or(usize::MAX)
            .min(body.len().saturating_sub(1));
        Self {
            part: Some(body.slice(..keep)),
            linger: Box::pin(tokio::time::sleep(CUT_LINGER)),
        }
    }
}

impl Body for Cut {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(part) = this.part.take() {
            return Poll::Ready(Some(Ok(Frame::data(part))));
        }
        // While this waits, hyper flushes the head and the part.
        this.linger.as_mut().poll(cx).map(|()| None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cut_body_keeps_at_most_all_but_one_byte() {
        let body = Bytes::from_static(b"{\"price\":1.5}");
        assert_eq!(Cut::new(&body, 4).part.unwrap(), &b"{\"pr"[..]);
        assert_eq!(Cut::new(&body, 1000).part.unwrap().len(), body.len() - 1);
    }
}
