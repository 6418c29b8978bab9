//! `/api/v3/klines` and `/api/v3/uiKlines`: the parameters (`symbol`, `interval`,
//! `startTime`, `endTime`, `timeZone`, `limit`) and which klines they select.

use ticker_core::SymbolId;

use super::interval::KlineInterval;
use super::rest::{limit, parse_symbol, single, timestamp, DEFAULT_LIMIT, MAX_LIMIT};
use super::BinanceError;
use crate::bars::Bucket;
use crate::instruments::Instruments;
use crate::params::Params;

/// A `/klines` or `/uiKlines` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlineQuery {
    /// The pair.
    pub symbol: SymbolId,
    /// The interval (already checked against the tick grid).
    pub interval: KlineInterval,
    /// `startTime`, ms.
    pub start_ms: Option<i64>,
    /// `endTime`, ms.
    pub end_ms: Option<i64>,
    /// `limit`, 1–1000.
    pub limit: u32,
}

/// Parses `/klines` for a server whose ticks are `tick_ms` apart.
pub fn parse_klines(
    params: &(impl Params + ?Sized),
    market: &impl Instruments,
    tick_ms: u64,
) -> Result<KlineQuery, BinanceError> {
    let symbol = parse_symbol(params, market)?;
    let name = single(params, "interval")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| BinanceError::missing("interval"))?;
    let interval = KlineInterval::parse(name).ok_or_else(BinanceError::bad_interval)?;
    interval
        .check_grid(tick_ms)
        .map_err(|why| BinanceError::interval_off_grid(&why))?;
    if let Some(tz) = single(params, "timeZone")? {
        if !matches!(
            tz,
            "0" | "+0" | "-0" | "0:00" | "+0:00" | "-0:00" | "00:00" | "+00:00"
        ) {
            return Err(BinanceError::unsupported(
                "timeZone",
                "This gateway serves UTC klines only (timeZone=0).",
            ));
        }
    }
    let start_ms = timestamp(params, "startTime")?;
    let end_ms = timestamp(params, "endTime")?;
    if let (Some(s), Some(e)) = (start_ms, end_ms) {
        if s > e {
            return Err(BinanceError::unsupported(
                "startTime",
                "startTime must not be after endTime.",
            ));
        }
    }
    Ok(KlineQuery {
        symbol,
        interval,
        start_ms,
        end_ms,
        limit: limit(params, DEFAULT_LIMIT, MAX_LIMIT, false)?,
    })
}

impl KlineQuery {
    /// The open times of the klines to return, at `now_ms`: `[from, to)`, at most `limit`
    /// klines, following Binance's rules (no bounds: the latest; `startTime`: the oldest
    /// opening there or later; `endTime`: the latest up to there; both: from the start, not
    /// past the end). Never past the kline open at `now_ms`.
    pub fn window(&self, now_ms: i64) -> (i64, i64) {
        let bucket = self.interval.bucket();
        let last_open = bucket.floor(self.end_ms.unwrap_or(now_ms).min(now_ms));
        let end = bucket.next(last_open);
        match self.start_ms {
            Some(start) => {
                // Klines opening at or after `startTime`.
                let floor = bucket.floor(start);
                let first = if floor == start {
                    start
                } else {
                    bucket.next(floor)
                };
                let mut to = first;
                for _ in 0..self.limit {
                    if to >= end {
                        break;
                    }
                    to = bucket.next(to);
                }
                (first, to.min(end).max(first))
            }
            None => {
                let mut from = last_open;
                for _ in 1..self.limit {
                    from = match bucket {
                        Bucket::Fixed(ms) => from - ms,
                        Bucket::Week => from - 7 * 86_400_000,
                        Bucket::Month => bucket.floor(from - 1),
                    };
                }
                (from, end)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market(s: &str) -> Option<SymbolId> {
        ["BTCUSDT", "ETHUSDT"]
            .iter()
            .position(|x| *x == s)
            .map(|i| SymbolId(i as u16))
    }

    #[test]
    fn kline_parameters_follow_binance() {
        let q = |extra: &[(&'static str, &'static str)]| {
            let mut p = vec![("symbol", "BTCUSDT"), ("interval", "1m")];
            p.extend_from_slice(extra);
            parse_klines(&p, &market, 1000)
        };
        let k = q(&[]).unwrap();
        assert_eq!((k.limit, k.start_ms, k.end_ms), (500, None, None));
        let k = q(&[
            ("startTime", "1700000000000"),
            ("endTime", "1700000600000"),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(
            (k.start_ms, k.end_ms, k.limit),
            (Some(1_700_000_000_000), Some(1_700_000_600_000), 5)
        );
        let micro = q(&[("startTime", "1700000000000123")]).unwrap();
        assert_eq!(
            micro.start_ms,
            Some(1_700_000_000_000),
            "microseconds accepted"
        );
        assert_eq!(q(&[("limit", "1001")]).unwrap_err().code, -1130);
        assert_eq!(q(&[("limit", "0")]).unwrap_err().code, -1130);
        assert_eq!(q(&[("limit", "x")]).unwrap_err().code, -1100);
        assert_eq!(q(&[("startTime", "-5")]).unwrap_err().code, -1100);
        assert_eq!(
            q(&[("startTime", "20"), ("endTime", "10")])
                .unwrap_err()
                .code,
            -1130
        );
        assert_eq!(q(&[("timeZone", "8")]).unwrap_err().code, -1130);
        assert!(q(&[("timeZone", "0")]).is_ok());
        let bad = parse_klines(
            &[("symbol", "BTCUSDT"), ("interval", "2m")][..],
            &market,
            1000,
        );
        assert_eq!(bad, Err(BinanceError::bad_interval()));
        let missing = parse_klines(&[("symbol", "BTCUSDT")][..], &market, 1000);
        assert_eq!(missing.unwrap_err().code, -1102);
        let off = parse_klines(
            &[("symbol", "BTCUSDT"), ("interval", "1s")][..],
            &market,
            3000,
        )
        .unwrap_err();
        assert_eq!(off.code, -1120);
        assert!(off.msg.contains("3000 ms ticks"), "{}", off.msg);
    }

    #[test]
    fn kline_windows_pick_the_right_klines() {
        let now = 1_700_000_123_456; // 2023-11-14T22:15:23.456Z
        let minute = 60_000;
        let q = |start, end, limit| KlineQuery {
            symbol: SymbolId(0),
            interval: KlineInterval::parse("1m").unwrap(),
            start_ms: start,
            end_ms: end,
            limit,
        };
        let floor = now - now % minute;
        assert_eq!(
            q(None, None, 3).window(now),
            (floor - 2 * minute, floor + minute)
        );
        let start = floor - 10 * minute + 5;
        let first = floor - 9 * minute;
        assert_eq!(
            q(Some(start), None, 3).window(now),
            (first, floor - 6 * minute)
        );
        assert_eq!(
            q(Some(start), None, 1000).window(now),
            (first, floor + minute)
        );
        assert_eq!(
            q(Some(floor), None, 5).window(now),
            (floor, floor + minute),
            "not past now"
        );
        let end = floor - 5 * minute;
        assert_eq!(
            q(None, Some(end), 2).window(now),
            (end - minute, end + minute)
        );
        assert_eq!(
            q(Some(start), Some(end), 1000).window(now),
            (first, end + minute)
        );
        let month = KlineQuery {
            interval: KlineInterval::parse("1M").unwrap(),
            ..q(None, None, 3)
        };
        // November 2023 is current: September, October, November.
        assert_eq!(month.window(now), (1_693_526_400_000, 1_701_388_800_000));
    }
}
