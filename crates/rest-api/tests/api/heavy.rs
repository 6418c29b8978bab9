//! `--max-heavy-requests`: long history requests beyond the limit wait for a slot instead of
//! running beside each other, and every one of them is still answered in full.

use rest_api::warm::WarmArgs;
use rest_api::RestConfig;

use crate::helpers::{rest_config, spawn_app_with};
use crate::relayed::metric_in;

#[tokio::test]
async fn heavy_requests_past_the_limit_wait_their_turn_and_are_all_answered() {
    let app = spawn_app_with(RestConfig {
        max_heavy_requests: 1,
        history_warm: WarmArgs {
            days: 0,
            idle_priority: false,
        },
        ..rest_config()
    })
    .await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metric_in(metrics.text(), "ticker_rest_heavy_limit"), 1.0);
    // 100 hourly candles at 1 s ticks: 360 000 ticks each, a different symbol each, so no
    // request finds another's blocks cached and each holds its slot for a while.
    let targets: Vec<String> = ["AAPL", "GOOGL", "MSFT", "AMZN", "TSLA"]
        .iter()
        .map(|s| format!("/api/v1/history/{s}?interval=1h&limit=100"))
        .collect();
    let answers =
        futures_util::future::join_all(targets.iter().map(|target| app.get(target))).await;
    for (target, answer) in targets.iter().zip(&answers) {
        assert_eq!(answer.status, 200, "{target}: {}", answer.text());
        assert_eq!(answer.json()["candles"].as_array().unwrap().len(), 100);
    }
    let metrics = app.get("/metrics").await;
    let text = metrics.text();
    assert_eq!(metric_in(text, "ticker_rest_heavy_requests_total"), 5.0);
    assert!(
        metric_in(text, "ticker_rest_heavy_waited_total") >= 1.0,
        "five requests at once, one slot, and none waited:\n{text}"
    );
    assert_eq!(metric_in(text, "ticker_rest_heavy_running"), 0.0);
    // The limit holds the work, not the answers: the same request again is answered alike.
    let again = app.get(&targets[0]).await;
    assert_eq!(again.text(), answers[0].text());
}
