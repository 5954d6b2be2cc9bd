//! The append-only, hash-chained audit log.
//!
//! Appends are serialised: each one first updates the single `audit_head`
//! row (taking its row lock on PostgreSQL, the database write lock on
//! SQLite), reads the previous hash from it, inserts the sealed entry and
//! moves the head, all in one transaction.

use chrono::{DateTime, Utc};
use peel_core::access::audit::ChainVerifier;
use peel_core::access::time;
use peel_core::access::{AuditEntry, Caller, ChainBreak, NewAuditEntry, Permission, Target};
use serde_json::Value;

use crate::handles::Audit;
use crate::{Store, StoreError, on_db};

/// Who makes a change, why and when. Each change the store makes writes its
/// audit entry in the same transaction, so no change goes unrecorded; and
/// each first passes [`By::authorise`], so nobody acts outside their
/// organisation's reach, whichever route they came by.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub caller: &'a Caller,
    pub purpose: &'a str,
    pub at: DateTime<Utc>,
}

impl By<'_> {
    /// The audit log's name for the caller.
    pub fn actor(&self) -> &str {
        self.caller.actor()
    }

    /// Whether the caller's permission and reach allow `p` on `target`,
    /// without recording anything: for filtering what a list shows. A
    /// refusal of something asked for goes through [`Store::authorise`].
    pub(crate) fn may(&self, p: Permission, target: Target<'_>) -> bool {
        self.caller.authorise(p, target).is_ok()
    }

    pub(crate) fn entry(&self, action: &str, subject: String, details: Value) -> NewAuditEntry {
        NewAuditEntry {
            at: self.at,
            actor: self.actor().to_string(),
            action: action.to_string(),
            subject,
            purpose: self.purpose.to_string(),
            details,
        }
    }
}

/// Appends an entry inside the open transaction `$tx` and evaluates to the
/// sealed entry. The first statement updates the head row, which takes the
/// lock that serialises appends.
macro_rules! append_audit_in {
    ($tx:ident, $new:expr) => {{
        let (seq, prev): (i64, String) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await?;
        let e = peel_core::access::AuditEntry::seal($new, seq, &prev);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, subject, purpose, details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.seq)
        .bind(&e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.subject)
        .bind(&e.purpose)
        .bind(&e.details)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&e.hash).execute(&mut *$tx).await?;
        e
    }};
}
pub(crate) use append_audit_in;

/// Filters for searching the log. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Part of the actor, ignoring case (`alice@` finds `user:alice@…`).
    pub actor: Option<String>,
    /// Part of the subject, ignoring case.
    pub subject: Option<String>,
    /// Entries at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this instant.
    pub until: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// The result of checking the whole log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: i64,
    pub head_hash: String,
}

/// An entry as stored (the domain's [`AuditEntry`] knows no database).
#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    purpose: String,
    details: String,
    prev_hash: String,
    hash: String,
}

const ENTRY_COLUMNS: &str = "seq, at, actor, action, subject, purpose, details, prev_hash, hash";

fn entry_from_row(r: EntryRow) -> AuditEntry {
    let EntryRow { seq, at, actor, action, subject, purpose, details, prev_hash, hash } = r;
    AuditEntry { seq, at, actor, action, subject, purpose, details, prev_hash, hash }
}

fn like_pattern(s: &str) -> String {
    let escaped = s.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The audit subject of what a refusal was about.
fn target_subject(p: Permission, target: &Target<'_>) -> String {
    match target {
        Target::Own => format!("permission:{}", p.slug()),
        Target::Force(f) => format!("force:{f}"),
        Target::Partnership { force_id, csp_id } => format!("partnership:{force_id}/{csp_id}"),
        Target::Organisation(id) | Target::Account { organisation_id: id, .. } => format!("organisation:{id}"),
        Target::Installation => "installation".to_string(),
    }
}

impl Store {
    /// Checks that `by`'s caller may do what `p` allows to `target`: their
    /// role, and their organisation's reach. This is the one check every
    /// back-office change and every read of another organisation's data
    /// passes, before anything is read or written. A refusal is written to
    /// the audit log as `access.denied` (what was asked, and why it was
    /// refused) and returned as [`StoreError::Refused`].
    pub async fn authorise(&self, by: &By<'_>, p: Permission, target: Target<'_>) -> Result<(), StoreError> {
        let Err(refusal) = by.caller.authorise(p, target) else { return Ok(()) };
        let mut details = serde_json::json!({ "permission": p.slug(), "reason": refusal.0 });
        if let Target::Account { role, .. } = target {
            details["role"] = role.slug().into();
        }
        self.audit().append_audit(&by.entry("access.denied", target_subject(p, &target), details)).await?;
        Err(StoreError::Refused(refusal))
    }

    /// Runs one SQL statement as given. Only for tests that must reach
    /// under the application, such as simulating tampering with the log.
    #[doc(hidden)]
    pub async fn execute_raw_sql_for_tests(&self, sql: &str) -> Result<u64, StoreError> {
        let n = on_db!(self, pool => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await?.rows_affected()
        });
        Ok(n)
    }
}

impl Audit<'_> {
    /// Appends an entry to the log and returns it sealed.
    pub async fn append_audit(self, new: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let entry = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let e = append_audit_in!(tx, new);
            tx.commit().await?;
            e
        });
        Ok(entry)
    }

    /// Entries with `seq > after`, oldest first, at most `limit`.
    pub async fn audit_entries_after(self, after: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let sql =
            sqlx::AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"));
        let rows: Vec<EntryRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(after).bind(limit).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(entry_from_row).collect())
    }

    /// The recorded end of the chain: (last seq, last hash).
    pub async fn audit_head(self) -> Result<(i64, String), StoreError> {
        let head: (i64, String) = on_db!(self.0, pool => {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?
        });
        Ok(head)
    }

    /// Walks the whole log in order and checks every link and the head.
    /// `Ok(Err(break))` means the log was tampered with.
    pub async fn verify_audit(self) -> Result<Result<AuditVerification, ChainBreak>, StoreError> {
        let mut v = ChainVerifier::default();
        let mut after = 0;
        loop {
            let batch = self.audit_entries_after(after, 1000).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for e in &batch {
                if let Err(b) = v.push(e) {
                    return Ok(Err(b));
                }
            }
        }
        let (head_seq, head_hash) = self.audit_head().await?;
        if let Err(b) = v.finish(head_seq, &head_hash) {
            return Ok(Err(b));
        }
        Ok(Ok(AuditVerification { entries: v.count(), head_hash: v.last_hash().to_string() }))
    }

    /// Searches the whole log, newest first (the command line, and tests;
    /// the back office reads through [`Audit::audit_for`]).
    pub async fn search_audit(self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        self.search_audit_of(q, None).await
    }

    /// Searches the log as `by`'s caller may read it, newest first: an
    /// organisation's auditors read what its own people did (entries whose
    /// actor is one of its accounts); the command line reads everything.
    pub async fn audit_for(self, q: &AuditQuery, by: &By<'_>) -> Result<Vec<AuditEntry>, StoreError> {
        self.0.authorise(by, Permission::ReadAuditLog, Target::Own).await?;
        let org = by.caller.account().map(|a| a.organisation_id);
        self.search_audit_of(q, org).await
    }

    /// The search, within the entries of `org`'s accounts when given.
    async fn search_audit_of(self, q: &AuditQuery, org: Option<i64>) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 1000));
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log \
             WHERE ($1 IS NULL OR lower(actor) LIKE $1 ESCAPE '\\') \
             AND ($2 IS NULL OR lower(subject) LIKE $2 ESCAPE '\\') \
             AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) \
             AND ($6 IS NULL OR actor IN (SELECT 'user:' || email FROM users WHERE organisation_id = $6)) \
             ORDER BY seq DESC LIMIT $5"
        ));
        let actor = q.actor.as_deref().filter(|s| !s.trim().is_empty()).map(like_pattern);
        let subject = q.subject.as_deref().filter(|s| !s.trim().is_empty()).map(like_pattern);
        let rows: Vec<EntryRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql)
                .bind(actor)
                .bind(subject)
                .bind(q.from.map(time::format))
                .bind(q.until.map(time::format))
                .bind(limit)
                .bind(org)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(entry_from_row).collect())
    }
}
