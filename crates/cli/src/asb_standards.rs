//! `peel asb standards …`: a community safety partnership's local ASB
//! service standards (first contact, risk assessment, victim updates, tool
//! reviews, closure, redress), as versioned JSON documents.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::Subcommand;
use peel_core::asb::Standards;
use peel_store::By;
use peel_store::asb::AsbError;

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum StandardsCommand {
    /// Print the national default standards as JSON: a starting point for a
    /// partnership's own. Its `sources` and `notes` say where each number
    /// comes from and which are peel's own choice.
    #[command(after_help = "\
Example:
  peel asb standards example > luton-2027-1.json
  # edit: a new \"version\" and \"name\"; your hours and days; your redress;
  # then adopt it (below)")]
    Example,
    /// Adopt the standards in FILE for a community safety partnership. Cases
    /// opened from now on under that partnership are judged by them; cases
    /// opened earlier keep the version in force when they were opened.
    #[command(after_help = "\
The whole document is checked first and every problem is listed; nothing is
adopted unless all is well. A version name can be used only once per
partnership.

Example:
  peel asb standards adopt --force bedfordshire --csp luton --by cora@luton.example luton-2027-1.json")]
    Adopt {
        #[command(flatten)]
        db: DatabaseArg,
        /// The force's police.uk id.
        #[arg(long)]
        force: String,
        /// The partnership's id within the force (see the force's areas file).
        #[arg(long)]
        csp: String,
        /// The email address of the ASB coordinator adopting them (recorded in the audit log).
        #[arg(long)]
        by: String,
        /// A standards document (JSON), as `peel asb standards example` prints.
        file: PathBuf,
    },
    /// Print the standards a partnership publishes now (the national default
    /// until it adopts its own).
    #[command(after_help = "Example:\n  peel asb standards show --force bedfordshire --csp luton")]
    Show {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        force: String,
        #[arg(long)]
        csp: String,
    },
}

pub async fn run(cmd: StandardsCommand) -> Result<ExitCode> {
    match cmd {
        StandardsCommand::Example => println!("{}", Standards::national_default().to_json()),
        StandardsCommand::Adopt { db, force, csp, by, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let standards = match Standards::parse(&text) {
                Ok(s) => s,
                Err(p) => {
                    for x in &p.0 {
                        eprintln!("{}: {}", x.field, x.message);
                    }
                    bail!("{} is not a usable standards document; nothing was adopted", file.display());
                }
            };
            let store = crate::open(&db.database_url).await?;
            // Adopting standards is the decision of the partnership's ASB
            // coordinators (the `run-case-reviews` permission, within their
            // organisation's reach), checked by the store as on the API.
            let caller = crate::caller_of(&store, &by).await?;
            let by = By { caller: &caller, purpose: "ASB service standards", at: Utc::now() };
            match store.asb().adopt_asb_standards(&force, &csp, &standards, &by).await {
                Ok(s) => println!(
                    "{force}/{csp} now publishes standards version {} ({}); cases opened from now on are judged by it.",
                    s.standards.version, s.standards.name
                ),
                Err(AsbError::Conflict(m) | AsbError::NotShared(m)) => bail!("{m}"),
                Err(AsbError::NotFound(m)) => {
                    bail!("there is no {m}; import the force's areas file first (peel import DIR)")
                }
                Err(e) => return Err(e.into()),
            }
        }
        StandardsCommand::Show { db, force, csp } => {
            let store = crate::open(&db.database_url).await?;
            crate::case_reviews::require_csp(&store, &force, &csp).await?;
            match store.asb().asb_standards_for(&force, &csp).await? {
                Some(s) => {
                    eprintln!("Adopted {} by {}.", s.adopted_at, s.adopted_by);
                    println!("{}", s.standards.to_json());
                }
                None => {
                    eprintln!("{force}/{csp} has adopted no standards: the national default applies.");
                    println!("{}", Standards::national_default().to_json());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
