//! The vendor streams' protocols with a plain WebSocket client: Binance's control methods
//! (integer, string and null ids, `result: null`), its error codes, raw and combined
//! endpoints and limits; Finnhub's errors, symbol limit, pings and token check; and the close
//! codes every vendor stream shares with the native one.

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::helpers::{
    config, connect, http, recv_json, send_json, send_text, upgrade_request, TestServer,
};
use crate::vendor_sdk::vendor_market;

async fn server(ws: ws_server::WsConfig) -> TestServer {
    TestServer::spawn_market(ws, vendor_market()).await
}

#[tokio::test]
async fn binance_control_methods_answer_with_the_callers_id() {
    let mut ws_config = config();
    ws_config.binance_max_messages = 100;
    let server = server(ws_config).await;
    let mut ws = connect(&server, "/binance/ws").await;
    let cases = [
        (
            json!({"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}),
            json!({"result":null,"id":1}),
        ),
        (
            json!({"method":"SUBSCRIBE","params":["ethusdt@bookTicker"],"id":"a-uuid"}),
            json!({"result":null,"id":"a-uuid"}),
        ),
        (
            json!({"method":"LIST_SUBSCRIPTIONS","id":null}),
            json!({"result":["btcusdt@trade","ethusdt@bookTicker"],"id":null}),
        ),
        (
            json!({"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":7}),
            json!({"result":null,"id":7}),
        ),
        (
            json!({"method":"GET_PROPERTY","params":["combined"],"id":2}),
            json!({"result":false,"id":2}),
        ),
    ];
    for (request, reply) in cases {
        send_json(&mut ws, &request).await;
        assert_eq!(recv_json(&mut ws).await, reply, "{request}");
    }
    // Now combined: payloads come wrapped with their stream's name.
    send_json(
        &mut ws,
        &json!({"method":"SET_PROPERTY","params":["combined",true],"id":5}),
    )
    .await;
    assert_eq!(recv_json(&mut ws).await, json!({"result":null,"id":5}));
    server.advance(1);
    let frame = recv_json(&mut ws).await;
    assert_eq!(frame["stream"], "ethusdt@bookTicker");
    let n = server.market.nbbo(
        server.id("ETHUSDT"),
        ticker_core::Seq(frame["data"]["u"].as_u64().unwrap()),
    );
    assert_eq!(
        frame["data"]["b"].as_str().unwrap().parse::<f64>().unwrap(),
        n.bid.to_f64()
    );
}

#[tokio::test]
async fn binance_errors_have_binances_codes() {
    let mut ws_config = config();
    ws_config.binance_max_streams = 2;
    ws_config.binance_max_messages = 100;
    let server = server(ws_config).await;
    let mut ws = connect(&server, "/binance/ws").await;
    let cases = [
        (
            r#"{"method":"SET_PROPERTY","params":["nope",true],"id":1}"#,
            0,
        ),
        (
            r#"{"method":"SET_PROPERTY","params":["combined","yes"],"id":2}"#,
            1,
        ),
        (
            r#"{"method":"SUBSCRIBE","params":["BTCUSDT@trade"],"id":3}"#,
            2,
        ),
        (
            r#"{"method":"SUBSCRIBE","params":["btcusdt@kline_7m"],"id":4}"#,
            2,
        ),
        (
            r#"{"method":"SUBSCRIBE","params":["a@trade","b@trade","c@trade"],"id":5}"#,
            2,
        ),
        (r#"{"method":"FLY","id":6}"#, 2),
        (r#"{"method":"#, 3),
    ];
    for (request, code) in cases {
        send_text(&mut ws, request).await;
        let reply = recv_json(&mut ws).await;
        assert_eq!(reply["error"]["code"], code, "{request}: {reply}");
        assert!(reply["error"]["msg"].is_string());
    }
    send_text(&mut ws, r#"{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@trade","btcusdt@ticker"],"id":9}"#).await;
    let reply = recv_json(&mut ws).await;
    assert!(
        reply["error"]["msg"]
            .as_str()
            .unwrap()
            .contains("too many streams"),
        "{reply}"
    );

    // An invalid stream in the URL is refused before the upgrade, in Binance's words.
    let r = http(
        server.addr,
        &upgrade_request("/binance/ws/btcusdt@bogus", ""),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], 2);
}

#[tokio::test]
async fn binance_raw_and_combined_endpoints_frame_payloads_as_binance_does() {
    let server = server(config()).await;
    let mut raw = connect(&server, "/binance/ws/btcusdt@bookTicker").await;
    let mut combined = connect(
        &server,
        "/binance/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker",
    )
    .await;
    server.advance(1);
    let payload = recv_json(&mut raw).await;
    assert_eq!(payload["s"], "BTCUSDT");
    let mut names = Vec::new();
    for _ in 0..2 {
        let f = recv_json(&mut combined).await;
        assert_eq!(f["data"]["u"], payload["u"]);
        names.push(f["stream"].as_str().unwrap().to_owned());
    }
    assert_eq!(names, ["btcusdt@bookTicker", "ethusdt@bookTicker"]);
}

#[tokio::test]
async fn binance_closes_a_connection_over_its_message_rate() {
    let server = server(config()).await;
    let mut ws = connect(&server, "/binance/ws").await;
    for id in 0..6 {
        send_text(
            &mut ws,
            &format!(r#"{{"method":"LIST_SUBSCRIPTIONS","id":{id}}}"#),
        )
        .await;
    }
    let mut replies = 0;
    let code = loop {
        match crate::helpers::next_message(&mut ws).await {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_))) => replies += 1,
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f))) => break f.map(|f| f.code),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(replies, 5);
    assert_eq!(code, Some(CloseCode::Policy));
}

#[tokio::test]
async fn finnhub_needs_a_token_and_says_what_is_wrong() {
    let mut ws_config = config();
    ws_config.finnhub_max_symbols = 1;
    ws_config.finnhub_ping_ms = 100;
    let server = server(ws_config).await;
    let r = http(server.addr, &upgrade_request("/finnhub", "")).await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (401, json!("Please use an API key."))
    );

    let mut ws = connect(&server, "/finnhub?token=t").await;
    send_text(&mut ws, r#"{"type":"subscribe","symbol":"NOPE"}"#).await;
    assert_eq!(
        recv_json(&mut ws).await,
        json!({"type":"error","msg":"Invalid symbol NOPE"})
    );
    send_text(&mut ws, r#"{"type":"subscribe","symbol":"BTCUSDT"}"#).await;
    send_text(&mut ws, r#"{"type":"subscribe","symbol":"ETHUSDT"}"#).await;
    let e: Value = recv_json(&mut ws).await;
    assert!(
        e["msg"]
            .as_str()
            .unwrap()
            .starts_with("Symbol limit reached"),
        "{e}"
    );
    send_text(&mut ws, "not json").await;
    assert_eq!(recv_json(&mut ws).await["type"], "error");
    send_text(&mut ws, r#"{"type":"unsubscribe","symbol":"BTCUSDT"}"#).await;
    // Nothing subscribed: after 100 ms of market time, a ping.
    server.advance(5);
    let mut ping = None;
    for _ in 0..30 {
        server.advance(5);
        if let Ok(v) =
            tokio::time::timeout(std::time::Duration::from_millis(50), recv_json(&mut ws)).await
        {
            ping = Some(v);
            break;
        }
    }
    assert_eq!(ping, Some(json!({"type":"ping"})));
}

/// The close frame (code, reason) a vendor stream answers a text frame of invalid UTF-8 with,
/// on a socket upgraded by hand (a WebSocket client will not send such a frame).
async fn close_after_invalid_utf8(server: &TestServer, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        s.write_all(upgrade_request(path, "").as_bytes())
            .await
            .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(s.read_u8().await.expect("closed during the handshake"));
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let payload = [0xff_u8, 0xfe, 0xfd];
        let mask = [1_u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
        s.write_all(&frame).await.unwrap();
        // Data frames may come first; the close frame ends the exchange.
        loop {
            let opcode = s.read_u8().await.unwrap() & 0x0f;
            let len = match s.read_u8().await.unwrap() & 0x7f {
                126 => usize::from(s.read_u16().await.unwrap()),
                127 => usize::try_from(s.read_u64().await.unwrap()).unwrap(),
                n => usize::from(n),
            };
            let mut body = vec![0; len];
            s.read_exact(&mut body).await.unwrap();
            if opcode == 0x8 {
                let code = u16::from_be_bytes([body[0], body[1]]);
                return (code, String::from_utf8_lossy(&body[2..]).into_owned());
            }
        }
    };
    tokio::time::timeout(crate::helpers::PATIENCE, exchange)
        .await
        .expect("no close frame")
}

#[tokio::test]
async fn finnhub_and_binance_close_invalid_utf8_with_1007_as_every_stream_does() {
    let server = server(config()).await;
    let want = (1007, "text frame is not valid UTF-8".to_owned());
    for path in [
        "/finnhub?token=t",
        "/binance/ws/btcusdt@trade",
        "/alpaca/v2/test",
    ] {
        assert_eq!(
            close_after_invalid_utf8(&server, path).await,
            want,
            "{path}"
        );
    }
}
