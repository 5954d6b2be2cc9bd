//! `peel audit …`: check the audit log has not been changed.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::DatabaseArg;

/// Exit status when the log has been tampered with (1 is any other failure).
pub const TAMPERED: u8 = 2;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link. Exits with status 2, naming the first
    /// broken entry, if anything was changed, deleted or reordered.
    #[command(after_help = "\
Examples:
  peel audit verify
  peel audit verify --expect 1520:3f2a…   (a head printed by an earlier run: proves nothing was cut from the end)")]
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
        /// An earlier run's `SEQ:HASH`: that entry must still be there, unchanged.
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
}

pub async fn run(cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db, expect } => {
            let expect = match expect.as_deref().map(|e| e.split_once(':')) {
                None => None,
                Some(Some((seq, hash))) => match seq.trim().parse::<i64>() {
                    Ok(seq) if seq > 0 => Some((seq, hash.trim().to_string())),
                    _ => bail!("--expect takes SEQ:HASH, as printed by an earlier `peel audit verify`"),
                },
                Some(None) => bail!("--expect takes SEQ:HASH, as printed by an earlier `peel audit verify`"),
            };
            let store = crate::open(&db.database_url).await?;
            let v = match store.audit().verify_audit().await? {
                Ok(v) => v,
                Err(broken) => {
                    eprintln!("The audit log has been tampered with: {broken}.");
                    return Ok(ExitCode::from(TAMPERED));
                }
            };
            if let Some((seq, hash)) = expect {
                let found = store.audit().audit_entries_after(seq - 1, 1).await?;
                match found.first() {
                    Some(e) if e.seq == seq && e.hash == hash => {}
                    Some(e) if e.seq == seq => {
                        eprintln!(
                            "The audit log has been tampered with: audit entry {seq} is not the one noted earlier."
                        );
                        return Ok(ExitCode::from(TAMPERED));
                    }
                    _ => {
                        eprintln!(
                            "The audit log has been tampered with: audit entry {seq}, noted earlier, is missing."
                        );
                        return Ok(ExitCode::from(TAMPERED));
                    }
                }
            }
            println!("The audit log is intact: {} entries.", v.entries);
            if v.entries > 0 {
                println!("Head: {}:{}", v.entries, v.head_hash);
                println!(
                    "Keep the head somewhere else; `peel audit verify --expect HEAD` later proves no entry was removed."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
