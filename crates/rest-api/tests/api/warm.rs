//! The history warm-up (`--history-warm-days`): what it computes is what the first daily
//! history request then finds in the cache (proved by the cache's lookup counters, not by
//! timing), requests racing it get the bytes a service without it sends, it stops where its
//! limits say, and shutdown does not wait for it.
//!
//! These servers run the warm-up at normal priority (`idle_priority: false`): at idle
//! priority a machine busy with other tests could hold it back for minutes. `idle.rs` tests
//! the priority itself.

use std::time::{Duration, Instant};

use rest_api::warm::WarmArgs;
use rest_api::RestConfig;
use ticker_core::config::DEFAULT_EPOCH_MS;
use ticker_core::{Market, MarketConfig};

use crate::helpers::{market_config, rest_config, spawn_app_at, spawn_app_of, TestApp, DAY_MS};
use crate::relayed::metric_in;

/// 12:34:56.789 UTC, `days` days after the epoch.
fn days_in(days: i64) -> i64 {
    DEFAULT_EPOCH_MS + days * DAY_MS + 45_296_789
}

/// One tick a minute: a day is 1 440 ticks, so that warming months takes a test moments.
fn minute_ticks() -> MarketConfig {
    MarketConfig {
        interval_ms: 60_000,
        ..market_config()
    }
}

fn warming(days: u32) -> RestConfig {
    RestConfig {
        history_warm: WarmArgs {
            days,
            idle_priority: false,
        },
        ..rest_config()
    }
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    metric_in(app.get("/metrics").await.text(), name)
}

/// Waits for `/metrics` to say the warm-up has ended (a hang guard, not a timing bound).
async fn warm_done(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while metric(app, "ticker_rest_history_warm_done").await != 1.0 {
        assert!(Instant::now() < deadline, "the warm-up did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn after_the_warm_up_100_daily_candles_come_from_the_cache_as_a_cold_service_computes_them() {
    let now = days_in(130);
    let warm = spawn_app_at(warming(120), minute_ticks(), now).await;
    let cold = spawn_app_at(warming(0), minute_ticks(), now).await;
    warm_done(&warm).await;
    assert_eq!(
        metric(&warm, "ticker_rest_history_warm_candles_total").await,
        120.0 * 5.0
    );
    assert!(metric(&warm, "ticker_rest_history_warm_ticks_total").await > 119.0 * 1440.0 * 5.0);
    assert_eq!(metric(&cold, "ticker_rest_history_warm_done").await, 1.0);
    assert_eq!(
        metric(&cold, "ticker_rest_history_warm_candles_total").await,
        0.0
    );

    let target = "/api/v1/history/AAPL?interval=1d&limit=100";
    let (misses, hits) = (
        metric(&warm, "ticker_rest_history_cache_misses_total").await,
        metric(&warm, "ticker_rest_history_cache_hits_total").await,
    );
    let from_warm = warm.get(target).await;
    assert_eq!(from_warm.status, 200, "{}", from_warm.text());
    assert_eq!(
        metric(&warm, "ticker_rest_history_cache_misses_total").await,
        misses,
        "the warmed service computed a block for the request"
    );
    assert!(metric(&warm, "ticker_rest_history_cache_hits_total").await > hits);

    let cold_misses = metric(&cold, "ticker_rest_history_cache_misses_total").await;
    let from_cold = cold.get(target).await;
    assert!(metric(&cold, "ticker_rest_history_cache_misses_total").await > cold_misses + 100.0);
    assert_eq!(from_warm.text(), from_cold.text());
    assert_eq!(from_warm.json()["candles"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn requests_racing_the_warm_up_get_the_bytes_of_a_service_without_it() {
    let now = days_in(200);
    let warm = spawn_app_at(warming(200), minute_ticks(), now).await;
    let cold = spawn_app_at(warming(0), minute_ticks(), now).await;
    let mut raced = 0;
    for round in 0..20 {
        let symbol = ["AAPL", "GOOGL", "MSFT", "AMZN", "TSLA"][round % 5];
        let limit = [3, 30, 100, 200][round / 5];
        let target = format!("/api/v1/history/{symbol}?interval=1d&limit={limit}");
        let (a, b) = tokio::join!(warm.get(&target), cold.get(&target));
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.text(), b.text(), "{target}");
        if metric(&warm, "ticker_rest_history_warm_done").await == 0.0 {
            raced += 1;
        }
    }
    assert!(raced > 0, "no request overlapped the warm-up");
    warm_done(&warm).await;
}

#[tokio::test]
async fn the_warm_up_stops_at_the_epoch_the_request_limit_and_a_quarter_of_the_cache() {
    let now = days_in(130);
    // The epoch: days 0 to 130 back, for 5 symbols.
    let to_epoch = spawn_app_at(warming(365), minute_ticks(), now).await;

    // --max-history-ticks: a request may reach back 9 whole days and today's 754 ticks.
    let limited = RestConfig {
        max_history_ticks: 10 * 1440,
        ..warming(365)
    };
    let limited = spawn_app_at(limited, minute_ticks(), now).await;
    let ok = limited
        .get("/api/v1/history/AAPL?interval=1d&limit=10")
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let refused = limited
        .get("/api/v1/history/AAPL?interval=1d&limit=11")
        .await;
    refused.error_message(400, "range_too_large");

    // A cache of 4 000 blocks: the warm-up stops at 1 000.
    let small = Market::new(minute_ticks())
        .unwrap()
        .with_history_cache(4000 * ticker_core::BLOCK_BYTES);
    let small = spawn_app_of(warming(365), small, now).await;

    for app in [&to_epoch, &limited, &small] {
        warm_done(app).await;
    }
    assert_eq!(
        metric(&to_epoch, "ticker_rest_history_warm_candles_total").await,
        131.0 * 5.0
    );
    assert_eq!(
        metric(&limited, "ticker_rest_history_warm_candles_total").await,
        10.0 * 5.0
    );
    let candles = metric(&small, "ticker_rest_history_warm_candles_total").await;
    let blocks = metric(&small, "ticker_rest_history_cache_blocks").await;
    assert_eq!(
        metric(&small, "ticker_rest_history_cache_max_blocks").await,
        4000.0
    );
    assert!(candles > 0.0 && candles < 131.0 * 5.0, "{candles}");
    // It checks before each candle; one candle adds a few dozen blocks.
    assert!((1000.0..1100.0).contains(&blocks), "{blocks}");
}

#[tokio::test]
async fn shutdown_does_not_wait_for_the_warm_up_which_stops_with_it() {
    // A year of daily candles at 1 s ticks: about a minute of CPU for 5 symbols.
    let mut app = spawn_app_at(warming(365), market_config(), days_in(1000)).await;
    let started = Instant::now() + Duration::from_secs(30);
    while metric(&app, "ticker_rest_history_warm_candles_total").await == 0.0 {
        assert!(Instant::now() < started, "the warm-up did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(metric(&app, "ticker_rest_history_warm_done").await, 0.0);
    let market = app.market.clone();
    app.trigger_shutdown();
    app.stopped().await.unwrap();
    // The thread finishes the candle in hand (tens of milliseconds), then computes nothing.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = market.history_cache_stats().misses;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if market.history_cache_stats().misses == before {
            break;
        }
        assert!(Instant::now() < deadline, "the warm-up kept going");
    }
}
