//! The tamper-evident audit log: each entry carries the hash of the one
//! before it, so changing, deleting or reordering any entry breaks the chain.
//!
//! `hash = sha256("peel-audit-v1\0" || canonical(entry) || prev_hash)`, where
//! `canonical` writes each field as an 8-byte big-endian length and its UTF-8
//! bytes, in a fixed order, so no two different entries encode alike.
//! The first entry's `prev_hash` is [`GENESIS_HASH`].

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::time;

/// The `prev_hash` of entry 1.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to record: who did what to whom, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    /// Who acted: `user:<email>`, `token:<name>:<email>`, `cli`, `anonymous`.
    pub actor: String,
    /// What was done, dotted: `user.read`, `user.create`, `auth.login`.
    pub action: String,
    /// What it was done to: `user:12`, `organisation:3`, `users`.
    pub subject: String,
    /// Why (the lawful purpose for reads of personal data).
    pub purpose: String,
    /// Further facts, as JSON text.
    pub details: serde_json::Value,
}

/// An entry as stored, sealed into the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// In [`time::format`] form, exactly as hashed.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub purpose: String,
    /// JSON text, exactly as hashed.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Seals `new` as entry `seq`, following the entry whose hash is `prev_hash`.
    pub fn seal(new: &NewAuditEntry, seq: i64, prev_hash: &str) -> AuditEntry {
        let mut e = AuditEntry {
            seq,
            at: time::format(new.at),
            actor: new.actor.clone(),
            action: new.action.clone(),
            subject: new.subject.clone(),
            purpose: new.purpose.clone(),
            details: new.details.to_string(),
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    pub fn canonical(&self) -> Vec<u8> {
        let seq = self.seq.to_string();
        let fields: [&str; 7] =
            [&seq, &self.at, &self.actor, &self.action, &self.subject, &self.purpose, &self.details];
        let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 8).sum());
        for f in fields {
            out.extend_from_slice(&(f.len() as u64).to_be_bytes());
            out.extend_from_slice(f.as_bytes());
        }
        out
    }

    /// The hash this entry should carry, given its fields and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"peel-audit-v1\0");
        h.update(self.canonical());
        h.update(self.prev_hash.as_bytes());
        hex(&h.finalize())
    }

    pub fn at_time(&self) -> Option<DateTime<Utc>> {
        time::parse(&self.at)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {why}")]
pub struct ChainBreak {
    /// The first entry that does not fit (for a missing entry: its number).
    pub seq: i64,
    pub why: BreakKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// Entries are missing before this one: `expected` was due.
    Missing { expected: i64 },
    /// This entry is out of order or repeated: `expected` was due.
    OutOfOrder { expected: i64 },
    /// Its `prev_hash` is not the hash of the entry before it.
    PrevHashMismatch,
    /// Its content does not match its hash: it was changed.
    HashMismatch,
    /// The log ends before the recorded head: entries were removed from the end.
    TruncatedTail { head_seq: i64 },
    /// The last entry's hash is not the recorded head's.
    HeadMismatch,
}

impl fmt::Display for BreakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakKind::Missing { expected } => write!(f, "entries from {expected} are missing (deleted)"),
            BreakKind::OutOfOrder { expected } => write!(f, "out of order or repeated (expected entry {expected})"),
            BreakKind::PrevHashMismatch => f.write_str("does not follow the entry before it (reordered or relinked)"),
            BreakKind::HashMismatch => f.write_str("its content was changed after it was written"),
            BreakKind::TruncatedTail { head_seq } => {
                write!(f, "missing: the log should run to entry {head_seq} (entries removed from the end)")
            }
            BreakKind::HeadMismatch => f.write_str("the last entry is not the one recorded as the head"),
        }
    }
}

/// Checks entries one at a time, in the order read, so a long log need not
/// be held in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> ChainVerifier {
        ChainVerifier { next_seq: 1, prev_hash: GENESIS_HASH.to_string() }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq > self.next_seq {
            return Err(ChainBreak { seq: self.next_seq, why: BreakKind::Missing { expected: self.next_seq } });
        }
        if e.seq < self.next_seq {
            return Err(ChainBreak { seq: e.seq, why: BreakKind::OutOfOrder { expected: self.next_seq } });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak { seq: e.seq, why: BreakKind::HashMismatch });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak { seq: e.seq, why: BreakKind::PrevHashMismatch });
        }
        self.next_seq += 1;
        self.prev_hash.clone_from(&e.hash);
        Ok(())
    }

    /// Number of entries checked so far.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }

    /// Compares the end of the chain with a head recorded elsewhere (the
    /// database's head row, or a value noted down from an earlier run).
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<(), ChainBreak> {
        if head_seq > self.count() {
            return Err(ChainBreak { seq: self.next_seq, why: BreakKind::TruncatedTail { head_seq } });
        }
        if head_seq == self.count() && head_hash != self.prev_hash {
            return Err(ChainBreak { seq: head_seq, why: BreakKind::HeadMismatch });
        }
        Ok(())
    }
}

/// Verifies a whole log, given in the order it is stored (by `seq`).
pub fn verify(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
    let mut v = ChainVerifier::default();
    entries.iter().try_for_each(|e| v.push(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn new(i: u32) -> NewAuditEntry {
        NewAuditEntry {
            at: Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, i).unwrap(),
            actor: "user:auditor@example.org".into(),
            action: "user.read".into(),
            subject: format!("user:{i}"),
            purpose: "account administration".into(),
            details: json!({ "n": i }),
        }
    }

    fn chain(n: u32) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 1..=n {
            let prev = out.last().map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
            out.push(AuditEntry::seal(&new(i), i as i64, &prev));
        }
        out
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&[]), Ok(()));
        assert_eq!(verify(&chain(1)), Ok(()));
        let c = chain(5);
        assert_eq!(verify(&c), Ok(()));
        assert_eq!(c[0].prev_hash, GENESIS_HASH);
        assert_eq!(c[1].prev_hash, c[0].hash);
        assert_eq!(c[0].hash.len(), 64);
    }

    #[test]
    fn the_hash_is_stable() {
        // Pinned: changing the canonical form would orphan every stored log.
        let e = AuditEntry::seal(&new(1), 1, GENESIS_HASH);
        assert_eq!(e.at, "2026-05-01T09:00:01.000000Z");
        assert_eq!(e.details, r#"{"n":1}"#);
        assert_eq!(e.hash, AuditEntry::seal(&new(1), 1, GENESIS_HASH).hash);
        let mut h = Sha256::new();
        h.update(b"peel-audit-v1\0");
        h.update(e.canonical());
        h.update(GENESIS_HASH.as_bytes());
        assert_eq!(e.hash, hex(&h.finalize()));
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let base = chain(3);
        type Edit = Box<dyn Fn(&mut AuditEntry)>;
        let edits: Vec<(&str, Edit)> = vec![
            ("at", Box::new(|e| e.at = "2026-05-01T09:00:09.000000Z".into())),
            ("actor", Box::new(|e| e.actor.push('x'))),
            ("action", Box::new(|e| e.action = "user.update".into())),
            ("subject", Box::new(|e| e.subject = "user:99".into())),
            ("purpose", Box::new(|e| e.purpose.clear())),
            ("details", Box::new(|e| e.details = "{}".into())),
        ];
        for (field, edit) in edits {
            let mut c = base.clone();
            edit(&mut c[1]);
            assert_eq!(verify(&c), Err(ChainBreak { seq: 2, why: BreakKind::HashMismatch }), "{field}");
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        let mut a = new(1);
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = new(1);
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(AuditEntry::seal(&a, 1, GENESIS_HASH).hash, AuditEntry::seal(&b, 1, GENESIS_HASH).hash);
    }

    #[test]
    fn a_recomputed_hash_still_breaks_the_next_link() {
        let mut c = chain(4);
        c[1].subject = "user:42".into();
        c[1].hash = c[1].compute_hash();
        assert_eq!(verify(&c), Err(ChainBreak { seq: 3, why: BreakKind::PrevHashMismatch }));
    }

    #[test]
    fn deletion_is_detected() {
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(verify(&c), Err(ChainBreak { seq: 3, why: BreakKind::Missing { expected: 3 } }));
        let mut first_gone = chain(3);
        first_gone.remove(0);
        assert_eq!(verify(&first_gone).unwrap_err().seq, 1);
    }

    #[test]
    fn deleting_and_renumbering_is_detected() {
        let mut c = chain(5);
        c.remove(2);
        for (i, e) in c.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        assert_eq!(verify(&c), Err(ChainBreak { seq: 3, why: BreakKind::HashMismatch }));
    }

    #[test]
    fn reordering_is_detected() {
        let mut c = chain(5);
        c.swap(1, 3);
        assert_eq!(verify(&c), Err(ChainBreak { seq: 2, why: BreakKind::Missing { expected: 2 } }));
        // Swapping the numbers too leaves the hashes wrong.
        let mut c = chain(5);
        c.swap(1, 3);
        c[1].seq = 2;
        c[3].seq = 4;
        assert_eq!(verify(&c), Err(ChainBreak { seq: 2, why: BreakKind::HashMismatch }));
    }

    #[test]
    fn duplicates_are_detected() {
        let mut c = chain(3);
        let dup = c[1].clone();
        c.insert(2, dup);
        assert_eq!(verify(&c), Err(ChainBreak { seq: 2, why: BreakKind::OutOfOrder { expected: 3 } }));
    }

    #[test]
    fn a_rewritten_genesis_is_detected() {
        let mut c = chain(2);
        c[0].prev_hash = "f".repeat(64);
        c[0].hash = c[0].compute_hash();
        assert_eq!(verify(&c), Err(ChainBreak { seq: 1, why: BreakKind::PrevHashMismatch }));
    }

    #[test]
    fn the_head_catches_a_truncated_tail() {
        let c = chain(5);
        let mut v = ChainVerifier::default();
        c[..4].iter().for_each(|e| v.push(e).unwrap());
        assert_eq!(v.finish(5, &c[4].hash), Err(ChainBreak { seq: 5, why: BreakKind::TruncatedTail { head_seq: 5 } }));
        v.push(&c[4]).unwrap();
        assert_eq!(v.finish(5, &c[4].hash), Ok(()));
        assert_eq!(v.finish(5, &c[3].hash), Err(ChainBreak { seq: 5, why: BreakKind::HeadMismatch }));
        // A head noted earlier is still a prefix of a longer, valid log.
        assert_eq!(v.finish(3, "anything"), Ok(()));
        assert_eq!(v.count(), 5);
        assert_eq!(v.last_hash(), c[4].hash);
    }

    #[test]
    fn messages_name_the_entry() {
        let b = ChainBreak { seq: 7, why: BreakKind::HashMismatch };
        assert_eq!(b.to_string(), "audit entry 7: its content was changed after it was written");
    }
}
