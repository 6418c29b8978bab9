use ticker_core::{Market, MarketConfig, Seq, SymbolId};

/// A tiny deterministic generator for test inputs (not the model's own hash).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 ^ (self.0 >> 29)
    }
}

fn market(seed: u64) -> Market {
    Market::new(MarketConfig {
        seed,
        ..MarketConfig::default()
    })
    .unwrap()
}

#[test]
fn independently_built_markets_agree_on_random_ticks_up_to_2_pow_40() {
    let a = market(2024);
    let b = Market::new(serde_json::from_str(&serde_json::to_string(a.config()).unwrap()).unwrap())
        .unwrap();
    let mut rng = Lcg(1);
    for _ in 0..100_000 {
        let n = rng.next() % (1 << 40);
        let id = SymbolId((rng.next() % 5) as u16);
        let (x, y) = (a.log_offset(id, Seq(n)), b.log_offset(id, Seq(n)));
        assert_eq!(x.to_bits(), y.to_bits(), "tick {n}");
        assert_eq!(a.price(id, Seq(n)), b.price(id, Seq(n)));
    }
}

#[test]
fn sequential_iteration_equals_random_access_bit_for_bit() {
    let m = market(9);
    let mut rng = Lcg(2);
    for _ in 0..40 {
        let start = rng.next() % (1 << 40);
        let id = SymbolId((rng.next() % 5) as u16);
        for (seq, x) in m.log_offsets(id, Seq(start)).take(2_500) {
            assert_eq!(x.to_bits(), m.log_offset(id, seq).to_bits(), "tick {seq}");
        }
    }
    // Across the spine boundaries near the start, where the cursor changes blocks.
    for (seq, x) in m.log_offsets(SymbolId(0), Seq(0)).take(70_000) {
        assert_eq!(
            x.to_bits(),
            m.log_offset(SymbolId(0), seq).to_bits(),
            "tick {seq}"
        );
    }
}

#[test]
fn quotes_serialise_to_the_same_bytes_in_two_markets() {
    let (a, b) = (market(77), market(77));
    for n in [0u64, 1, 86_399, 86_400, 93_000_000] {
        for id in a.ids() {
            let (qa, qb) = (a.quote(id, Seq(n)), b.quote(id, Seq(n)));
            let (mut ja, mut jb) = (Vec::new(), Vec::new());
            qa.write_json(&mut ja);
            qb.write_json(&mut jb);
            assert_eq!(ja, jb);
        }
    }
}

#[test]
fn different_seeds_give_different_markets() {
    let (a, b) = (market(1), market(2));
    let differing = (1..100u64)
        .filter(|&n| a.price(SymbolId(0), Seq(n * 1000)) != b.price(SymbolId(0), Seq(n * 1000)))
        .count();
    assert!(differing > 90, "only {differing} of 99 prices differ");
}

/// Golden values: if these change, every deployed client sees different prices for the same
/// seed. Change them only on purpose, and say so in the release notes.
#[test]
fn default_market_prices_are_stable_across_releases() {
    let m = market(ticker_core::config::DEFAULT_SEED);
    let got: Vec<String> = [1u64, 1_000, 1_000_000, 1 << 30]
        .iter()
        .map(|&n| m.price(SymbolId(0), Seq(n)).to_string())
        .collect();
    assert_eq!(got, GOLDEN, "the default market's prices changed");
}

/// Changed once, on purpose, by the returns release (business-time cascade, jumps, market
/// factor); before it: 150.46, 150.47, 151.71, 154.89.
const GOLDEN: [&str; 4] = ["150.44", "150.57", "140.86", "110.19"];

/// docs/config.md promises that the example file repeats the defaults but for the calendars:
/// with every symbol on the 24/7 calendar, the five classic symbols have exactly the default
/// market's prices.
#[test]
fn the_example_config_repeats_the_default_market_but_for_calendars() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/market.example.json");
    let mut config = MarketConfig::from_file(&path).unwrap();
    for s in &mut config.symbols {
        s.calendar = ticker_core::CalendarKind::Always;
    }
    let example = Market::new(config).unwrap();
    let default = market(ticker_core::config::DEFAULT_SEED);
    let mut rng = Lcg(3);
    for id in default.ids() {
        let same = example.lookup(default.symbol(id).as_str()).unwrap();
        for _ in 0..200 {
            let n = Seq(rng.next() % (1 << 36));
            assert_eq!(
                example.price(same, n),
                default.price(id, n),
                "{id:?} tick {n}"
            );
        }
    }
}
