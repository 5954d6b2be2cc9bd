//! `peel bench …`: benchmarks that print figures and ratios against a baseline.

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Import throughput into SQLite and PostgreSQL, against PostgreSQL COPY of the same rows.
    Import {
        /// Street rows to generate (from the real category and outcome distributions).
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// PostgreSQL server for the PostgreSQL runs (a scratch database is created there).
        #[arg(long, env = "PEEL_BENCH_POSTGRES", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
        postgres: String,
    },
}

pub async fn run(cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Import { rows, postgres } => {
            let _ = (rows, postgres);
            anyhow::bail!("not built yet")
        }
    }
}
