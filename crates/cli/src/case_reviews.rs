//! `peel case-review procedure …`: load a partnership's Community Trigger
//! procedure (threshold rules, deadlines, point of contact) from a JSON file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use peel_core::trigger::Procedure;
use peel_store::CaseReviewError;

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum CaseReviewCommand {
    /// A partnership's case review procedure: print an example, adopt one, show the one in force.
    #[command(subcommand)]
    Procedure(ProcedureCommand),
}

#[derive(Subcommand)]
pub enum ProcedureCommand {
    /// Print a procedure to start from: every documented local variant, or
    /// with --national the Act's default.
    #[command(after_help = "\
Examples:
  peel case-review procedure example > luton.json
  peel case-review procedure example --national")]
    Example {
        #[arg(long)]
        national: bool,
    },
    /// Adopt the procedure in FILE for a community safety partnership. Give
    /// each new version its own `version`: decisions record the one they used.
    #[command(after_help = "\
Examples:
  peel case-review procedure adopt --force bedfordshire --csp luton luton.json")]
    Adopt {
        #[command(flatten)]
        db: DatabaseArg,
        /// The force's police.uk id.
        #[arg(long)]
        force: String,
        /// The partnership's id within the force.
        #[arg(long)]
        csp: String,
        file: PathBuf,
    },
    /// Print the procedure in force for a partnership.
    Show {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        #[arg(long)]
        csp: String,
    },
}

pub async fn run(cmd: CaseReviewCommand) -> Result<ExitCode> {
    let CaseReviewCommand::Procedure(cmd) = cmd;
    match cmd {
        ProcedureCommand::Example { national } => {
            let p = if national { Procedure::national_default() } else { Procedure::local_example() };
            println!("{}", p.to_json());
        }
        ProcedureCommand::Adopt { db, force, csp, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let procedure = Procedure::from_json(&text).with_context(|| format!("in {}", file.display()))?;
            let store = crate::open(&db.database_url).await?;
            let by = crate::cli_by("case review procedure");
            match store.trigger().adopt_procedure(&force, &csp, &procedure, &by).await {
                Ok(p) => {
                    println!("{force}/{csp} now uses procedure version {} ({}).", p.procedure.version, p.procedure.name)
                }
                Err(CaseReviewError::Invalid(problems)) => {
                    bail!("{}", problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))
                }
                Err(e) => return Err(e.into()),
            }
        }
        ProcedureCommand::Show { db, force, csp } => {
            let store = crate::open(&db.database_url).await?;
            crate::case_reviews::require_csp(&store, &force, &csp).await?;
            match store.trigger().procedure_for(&force, &csp).await? {
                Some(p) => {
                    eprintln!("Adopted {} by {}.", p.adopted_at, p.adopted_by);
                    println!("{}", p.procedure.to_json());
                }
                None => {
                    eprintln!("{force}/{csp} has adopted no procedure: the national default applies.");
                    println!("{}", Procedure::national_default().to_json());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails unless the force has the partnership, saying where partnerships
/// come from.
pub(crate) async fn require_csp(store: &peel_store::Store, force: &str, csp: &str) -> Result<()> {
    if store.geography().csp(force, csp).await?.is_none() {
        bail!(
            "there is no community safety partnership {csp} in force {force}; see the areas file imported for {force}"
        );
    }
    Ok(())
}
