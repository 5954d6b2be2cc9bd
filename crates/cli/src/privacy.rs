//! `peel privacy …`: the data protection duties over ASB casework: delete
//! what the retention policy no longer lets peel keep, and export what is
//! held on one person.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Subcommand;
use peel_core::retention::{RecordType, RetentionPolicy};
use peel_store::{RetentionDue, Subject};

use crate::DatabaseArg;

#[derive(Subcommand)]
pub enum PrivacyCommand {
    /// Show, or with --apply delete, the ASB records the retention policy makes due.
    ///
    /// Closed cases (with their reports and the people in them) are kept for a
    /// period after closure, reports never made part of a case for a period
    /// after they were recorded, and Open311 tokens for a period after issue.
    /// The periods come from the policy file (default: peel's, in
    /// data/asb/retention-default.json). Deleting is one transaction, and
    /// each case and report deleted is written to the audit log. The audit
    /// log itself is never deleted.
    #[command(after_help = "\
Examples:
  peel privacy retention                               (what is due, changing nothing)
  peel privacy retention --apply                       (delete it; run it daily from cron)
  peel privacy retention --policy our-policy.json --apply")]
    Retention {
        #[command(flatten)]
        db: DatabaseArg,
        /// A retention policy JSON file (same shape as data/asb/retention-default.json).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Delete what is due. Without it, only list it.
        #[arg(long)]
        apply: bool,
    },
    /// Export everything ASB casework holds on one person, as JSON (a subject access request).
    ///
    /// A person matches by the same rule as repeat-victim matching: their name
    /// with the same postcode, phone number or email address; or the same
    /// address with its postcode. Other people in the same reports are
    /// withheld. The export is written to the audit log with its purpose
    /// (which reports, and which kinds of identifier were searched on).
    #[command(after_help = "\
Examples:
  peel privacy subject-access --name \"Jane Smith\" --phone \"07700 900123\" --purpose \"SAR 2026-17\" --out jane.json
  peel privacy subject-access --address \"12 High Street\" --postcode \"LU1 1AA\" --purpose \"SAR 2026-18\"")]
    SubjectAccess {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        postcode: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        address: String,
        /// Why the export is made (a request reference): recorded in the audit log.
        #[arg(long)]
        purpose: String,
        /// Write the JSON here instead of to standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn describe(policy: &RetentionPolicy, due: &RetentionDue) {
    let days = |t: RecordType| policy.rule(t).keep_days;
    println!(
        "Closed cases more than {} days after closure: {} (with {} reports)",
        days(RecordType::AsbClosedCase),
        due.closed_cases.len(),
        due.case_reports.len()
    );
    println!(
        "Reports never made part of a case, more than {} days old: {}",
        days(RecordType::AsbReportWithoutCase),
        due.reports_without_case.len()
    );
    println!("Open311 tokens more than {} days old: {}", days(RecordType::Open311Token), due.open311_tokens);
}

pub async fn run(cmd: PrivacyCommand) -> Result<ExitCode> {
    match cmd {
        PrivacyCommand::Retention { db, policy, apply } => {
            let policy = match policy {
                Some(path) => {
                    let text =
                        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    RetentionPolicy::from_json(&text).with_context(|| format!("{}", path.display()))?
                }
                None => RetentionPolicy::default_policy(),
            };
            let store = crate::open(&db.database_url).await?;
            println!("Retention policy {}.", policy.version);
            if apply {
                let by = crate::cli_by("retention policy");
                let done = store.privacy().apply_retention(&policy, &by).await?;
                describe(&policy, &done);
                println!(
                    "{}",
                    if done.is_empty() { "Nothing was due." } else { "Deleted, and written to the audit log." }
                );
            } else {
                let due = store.privacy().retention_due(&policy, Utc::now()).await?;
                describe(&policy, &due);
                if !due.is_empty() {
                    println!("Nothing was deleted: run again with --apply to delete these.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PrivacyCommand::SubjectAccess { db, name, postcode, phone, email, address, purpose, out } => {
            if purpose.trim().is_empty() {
                anyhow::bail!("--purpose must say why the export is made (a request reference, say)");
            }
            let store = crate::open(&db.database_url).await?;
            let subject = Subject { name, postcode, phone, email, address };
            let by = crate::cli_by(purpose.trim());
            let doc = store.privacy().subject_access(&subject, &by).await?;
            let text = serde_json::to_string_pretty(&doc)?;
            let n = doc["reports"].as_array().map_or(0, Vec::len);
            match out {
                Some(path) => {
                    std::fs::write(&path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "{n} reports written to {}. Review it before sending: see review_before_sending.",
                        path.display()
                    );
                }
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
