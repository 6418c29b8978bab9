//! Prints the stylized-facts table (docs/model.md) for any seed and configuration:
//!
//! ```sh
//! cargo run -p ticker-core --release --example stylized-facts -- --seed 42 [--config f]
//! cargo run -p ticker-core --release --example stylized-facts -- --svg docs/model   # + plots
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub
)]

mod plots;
mod svg;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use ticker_core::facts::{measure, Options};
use ticker_core::{Market, MarketArgs};

/// Measures the stylized facts of the market's returns from client-visible prices.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    market: MarketArgs,
    /// Days of 5-minute returns per symbol.
    #[arg(long, default_value_t = 730)]
    five_minute_days: u32,
    /// Days of 1-minute returns per symbol.
    #[arg(long, default_value_t = 365)]
    one_minute_days: u32,
    /// Years of daily returns per symbol.
    #[arg(long, default_value_t = 50)]
    daily_years: u32,
    /// Also write the plots of docs/model.md (SVG) into this directory.
    #[arg(long, value_name = "DIR")]
    svg: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let market = match cli.market.resolve().and_then(Market::new) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("stylized-facts: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        five_minute_days: cli.five_minute_days,
        one_minute_days: cli.one_minute_days,
        daily_years: cli.daily_years,
        ..Options::standard(&market)
    };
    let started = Instant::now();
    let report = measure(&market, &options);
    print!("{}", report.markdown());
    eprintln!("measured in {:.1} s", started.elapsed().as_secs_f64());
    if let Some(dir) = cli.svg {
        if let Err(e) = plots::render(&market, &dir) {
            eprintln!(
                "stylized-facts: cannot write plots to {}: {e}",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
