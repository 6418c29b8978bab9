//! The connection's delivery paths, over a real loopback socket.

use std::sync::atomic::Ordering;

use serde_json::Value;
use ticker_core::{ManualClock, Market, MarketConfig, Seq, SymbolSet};
use tokio::net::{TcpListener, TcpSocket};

use super::*;
use crate::stream::Format;
use crate::wire::{frame_end_after, payload};

const QUEUE: usize = 4;

/// Every quote frame in `bytes`: (seq, dropped).
fn quotes(bytes: &[u8]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let end = frame_end_after(bytes, at);
        let v: Value = serde_json::from_slice(payload(&bytes[at..end])).unwrap();
        out.push((
            v["seq"].as_u64().unwrap(),
            v["dropped"].as_u64().unwrap_or(0),
        ));
        at = end;
    }
    out
}

#[tokio::test]
async fn a_full_socket_hands_the_connection_to_its_task_which_drains_it_and_hands_it_back() {
    let market = Arc::new(Market::new(MarketConfig::default()).unwrap());
    let clock = Arc::new(ManualClock::new(market.schedule().time_of(Seq(1000))));
    let (hub, mut trackers) =
        Hub::warm_up(market.clone(), clock, QUEUE, 50, Arc::new(Stats::default()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let client = socket
        .connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    socket2::SockRef::from(&server)
        .set_send_buffer_size(4096)
        .unwrap();
    let stream = QuoteStream::new(Format::Quote, SymbolSet::all(market.len()), Seq(1000));
    let conn = Conn::new(server, stream, QUEUE, 0);
    let (mut memo, mut gather) = (Memo::default(), Vec::new());
    let mut seq = 1000;
    let mut tick = |seq: u64| {
        hub.publish(Tick::build(&market, &mut trackers, Seq(seq)));
        conn.deliver(&hub, &hub.after(Seq(seq - 1)), &mut memo, &mut gather)
    };

    // The shard writes straight to the socket until it is full.
    while conn.lock().driver == Driver::Shard {
        seq += 1;
        assert!(seq < 10_000, "the socket never filled");
        assert!(matches!(tick(seq), Delivery::Sent(_)));
    }
    let stuck_at = seq;
    // From then on ticks queue for the connection's task, at most QUEUE of them.
    for _ in 0..10 {
        seq += 1;
        assert_eq!(tick(seq), Delivery::Sent(0));
    }
    assert_eq!(conn.lock().queue.len(), QUEUE);
    assert_eq!(
        hub.stats.frames_dropped.load(Ordering::Relaxed),
        (10 - QUEUE as u64) * market.len() as u64
    );

    // The client reads; the task drains; the connection goes back to its shard.
    let mut got = Vec::new();
    loop {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = client.try_read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let (_, done) = conn.drain(&hub).unwrap();
        if done {
            break;
        }
        // Either side may be the one to wait for: the client for bytes, the server for
        // room (the client's window update).
        let waited = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            tokio::select! {
                r = client.readable() => r.unwrap(),
                r = conn.writable() => r.unwrap(),
            }
        });
        waited.await.expect("neither side made progress");
    }
    assert_eq!(conn.lock().driver, Driver::Shard);
    // Written is not yet received: read until the stream goes quiet.
    let mut buf = vec![0u8; 64 * 1024];
    let quiet = std::time::Duration::from_millis(300);
    'reading: while let Ok(Ok(())) = tokio::time::timeout(quiet, client.readable()).await {
        while let Ok(n) = client.try_read(&mut buf) {
            if n == 0 {
                break 'reading;
            }
            got.extend_from_slice(&buf[..n]);
        }
    }
    // Every tick up to the stuck one, then a jump whose size the first frame after it
    // states, then the queued ticks, with every symbol of each tick.
    let frames = quotes(&got);
    let seqs: Vec<u64> = frames.iter().map(|f| f.0).collect();
    let skipped = 10 - QUEUE as u64;
    let mut want: Vec<u64> = (1001..=stuck_at)
        .chain(stuck_at + 1 + skipped..=seq)
        .collect();
    want = want
        .into_iter()
        .flat_map(|s| std::iter::repeat_n(s, market.len()))
        .collect();
    assert_eq!(seqs, want);
    let jump = frames.iter().position(|f| f.0 > stuck_at).unwrap();
    assert_eq!(
        frames[jump].1, skipped,
        "the first frame after the jump says how many"
    );
    assert!(frames
        .iter()
        .enumerate()
        .all(|(i, f)| i == jump || f.1 == 0));
}
