//! `peel confidence …`: the configuration of the public confidence figures.
//! The responses themselves are imported with `peel import`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use peel_core::confidence::{DEFAULT_MIN_BASE, MAX_MIN_BASE};

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum ConfidenceCommand {
    /// Show, or set, the smallest number of responses (unweighted base) an
    /// estimate is published on; below it the pages say "not published".
    #[command(
        name = "min-base",
        after_help = "Examples:\n  peel confidence min-base          (show it; 100 unless set)\n  peel confidence min-base 150"
    )]
    MinBase {
        #[command(flatten)]
        db: DatabaseArg,
        /// The new minimum (0 to 100000); leave out to show the one in force.
        #[arg(value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_MIN_BASE)))]
        n: Option<u32>,
    },
}

pub async fn run(cmd: ConfidenceCommand) -> Result<ExitCode> {
    match cmd {
        ConfidenceCommand::MinBase { db, n } => {
            let store = crate::open(&db.database_url).await?;
            if let Some(n) = n {
                store.confidence().set_min_base(n).await?;
            }
            let now = store.confidence().min_base().await?;
            let default = if now == DEFAULT_MIN_BASE { " (the default)" } else { "" };
            println!("Confidence estimates are published on at least {now} responses{default}.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
