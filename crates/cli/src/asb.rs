//! `peel asb rules …`: see and load the versioned ASB rule set (the
//! repeat-victim rule and the risk questionnaire).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use clap::Subcommand;
use peel_core::access::Caller;
use peel_core::asb::RuleSet;
use peel_store::By;
use peel_store::asb::AsbError;

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum AsbCommand {
    /// The rule set: repeat-victim rule, risk questions, weights and bands.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// A partnership's local service standards: contact, updates, closure and redress.
    #[command(subcommand)]
    Standards(crate::asb_standards::StandardsCommand),
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Print a rule set as JSON (the current one unless --version is given):
    /// a starting point for a new version.
    #[command(
        after_help = "Examples:\n  peel asb rules show > luton-2027-1.json\n  peel asb rules show --version peel-default-1"
    )]
    Show {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        version: Option<String>,
    },
    /// List every version, oldest first; the last is current.
    List {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Load a new version and make it current. It needs a version name not
    /// used before; decisions already made keep the version that made them.
    ///
    /// One rule set judges every organisation's reports, so this is the
    /// installation's decision: the operator's at this command line, or an
    /// installation administrator's named with --by.
    #[command(after_help = "Examples:\n  peel asb rules load national-2027-1.json\n  \
        peel asb rules load --by root@peel.example national-2027-1.json")]
    Load {
        #[command(flatten)]
        db: DatabaseArg,
        /// The email address of the installation administrator loading it, recorded in the audit log
        /// (default: the command line, recorded as `cli`).
        #[arg(long)]
        by: Option<String>,
        /// A rule-set document (JSON), as `peel asb rules show` prints.
        file: PathBuf,
    },
}

pub async fn run(cmd: AsbCommand) -> Result<ExitCode> {
    let cmd = match cmd {
        AsbCommand::Rules(cmd) => cmd,
        AsbCommand::Standards(cmd) => return crate::asb_standards::run(cmd).await,
    };
    match cmd {
        RulesCommand::Show { db, version } => {
            let store = crate::open(&db.database_url).await?;
            let rules = match version {
                Some(v) => {
                    store.asb().asb_rules_version(&v).await?.ok_or_else(|| anyhow!("there is no rule set {v:?}"))?
                }
                None => store.asb().current_asb_rules().await?,
            };
            println!("{}", rules.to_json());
        }
        RulesCommand::List { db } => {
            let store = crate::open(&db.database_url).await?;
            for r in store.asb().asb_rule_versions().await? {
                if r.loaded_at.is_empty() {
                    println!("{}\tshipped with peel\t{}", r.version, r.title);
                } else {
                    println!("{}\tloaded {} by {}\t{}", r.version, r.loaded_at, r.loaded_by, r.title);
                }
            }
        }
        RulesCommand::Load { db, by, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let rules = match RuleSet::parse(&text) {
                Ok(r) => r,
                Err(p) => {
                    for x in &p.0 {
                        eprintln!("{}: {}", x.field, x.message);
                    }
                    bail!("{} is not a usable rule set; nothing was loaded", file.display());
                }
            };
            let store = crate::open(&db.database_url).await?;
            // One rule set judges every organisation's reports, so loading
            // one is the installation administrators' (docs/asb.md), checked
            // by the store as for the page and the API.
            let caller = match &by {
                Some(email) => crate::caller_of(&store, email).await?,
                None => Caller::CommandLine,
            };
            match store
                .asb()
                .load_asb_rules(&rules, &By { caller: &caller, purpose: "ASB rule set", at: Utc::now() })
                .await
            {
                Ok(()) => println!("rule set {} is now current", rules.version),
                Err(AsbError::Conflict(m) | AsbError::NotShared(m)) => bail!("{m}"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
