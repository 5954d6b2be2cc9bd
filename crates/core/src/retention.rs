//! How long personal data is kept: a retention policy per kind of record, as
//! versioned data, and when each record falls due for deletion.
//!
//! The periods are local decisions (each organisation's records manager sets
//! them), so they are data, like the ASB rules: peel ships a documented
//! default (`data/asb/retention-default.json`) and `peel retention run
//! --policy FILE` applies another. The audit log is not covered: it is the
//! record of who saw what, holds no case details, and its hash chain must
//! stay whole.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const DEFAULT_POLICY_JSON: &str = include_str!("../../../data/asb/retention-default.json");

/// A kind of record the policy covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordType {
    /// A closed ASB case with everything in it; counted from its closure.
    AsbClosedCase,
    /// An ASB report never made part of a case; counted from when it was recorded.
    AsbReportWithoutCase,
    /// An Open311 token; counted from when it was issued.
    Open311Token,
}

impl RecordType {
    pub const ALL: &'static [RecordType] =
        &[RecordType::AsbClosedCase, RecordType::AsbReportWithoutCase, RecordType::Open311Token];

    pub fn slug(self) -> &'static str {
        match self {
            RecordType::AsbClosedCase => "asb-closed-case",
            RecordType::AsbReportWithoutCase => "asb-report-without-case",
            RecordType::Open311Token => "open311-token",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// One record type's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub record: RecordType,
    /// Days kept after the record's starting point (N days = N × 24 h).
    pub keep_days: u32,
    /// Plain English, for people reading the policy.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    pub version: String,
    /// Where the periods come from.
    pub source: String,
    pub rules: Vec<RetentionRule>,
}

/// Longest period a policy may set: 100 years.
pub const MAX_KEEP_DAYS: u32 = 36_500;

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the retention policy is not valid JSON of the expected shape: {0}")]
    Json(String),
    #[error("the retention policy has problems: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl RetentionPolicy {
    /// The policy peel ships with.
    pub fn default_policy() -> RetentionPolicy {
        RetentionPolicy::from_json(DEFAULT_POLICY_JSON).unwrap_or_else(|e| unreachable!("the shipped policy: {e}"))
    }

    /// Reads and checks a policy: a version and a source, and every record
    /// type exactly once with a period from 1 day to 100 years.
    pub fn from_json(text: &str) -> Result<RetentionPolicy, PolicyError> {
        let p: RetentionPolicy = serde_json::from_str(text).map_err(|e| PolicyError::Json(e.to_string()))?;
        let mut problems = Vec::new();
        if p.version.trim().is_empty() {
            problems.push("give the policy a version".to_string());
        }
        if p.source.trim().is_empty() {
            problems.push("say where the periods come from (source)".to_string());
        }
        for t in RecordType::ALL {
            match p.rules.iter().filter(|r| r.record == *t).count() {
                0 => problems.push(format!("no rule for {t}")),
                1 => {}
                n => problems.push(format!("{n} rules for {t}; give one")),
            }
        }
        for r in &p.rules {
            if r.keep_days == 0 || r.keep_days > MAX_KEEP_DAYS {
                problems.push(format!("{}: keep_days must be from 1 to {MAX_KEEP_DAYS}", r.record));
            }
        }
        if problems.is_empty() { Ok(p) } else { Err(PolicyError::Invalid(problems)) }
    }

    pub fn rule(&self, t: RecordType) -> &RetentionRule {
        self.rules.iter().find(|r| r.record == t).unwrap_or_else(|| unreachable!("checked policies cover {t}"))
    }

    /// Records of type `t` whose starting point is at or before this instant
    /// are due for deletion at `now` (kept exactly `keep_days`, no longer).
    pub fn cutoff(&self, t: RecordType, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.rule(t).keep_days))
    }
}

impl FromStr for RetentionPolicy {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<RetentionPolicy, PolicyError> {
        RetentionPolicy::from_json(s)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_shipped_policy_covers_every_record_type() {
        let p = RetentionPolicy::default_policy();
        assert_eq!(p.version, "peel-default-2026-11");
        assert_eq!(p.rule(RecordType::AsbClosedCase).keep_days, 2190);
        assert_eq!(p.rule(RecordType::AsbReportWithoutCase).keep_days, 730);
        assert_eq!(p.rule(RecordType::Open311Token).keep_days, 90);
    }

    #[test]
    fn cutoffs_are_exact_days_back() {
        let p = RetentionPolicy::default_policy();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(p.cutoff(RecordType::Open311Token, now), Utc.with_ymd_and_hms(2026, 8, 27, 12, 0, 0).unwrap());
        // Two years back across a leap day: 730 days, not two calendar years.
        assert_eq!(
            p.cutoff(RecordType::AsbReportWithoutCase, now),
            Utc.with_ymd_and_hms(2024, 11, 25, 12, 0, 0).unwrap()
        );
    }

    #[test]
    fn bad_policies_are_refused_with_every_problem() {
        let e = RetentionPolicy::from_json(
            r#"{"version":" ","source":"","rules":[
                {"record":"asb-closed-case","keep_days":0,"explanation":""},
                {"record":"asb-closed-case","keep_days":10,"explanation":""},
                {"record":"open311-token","keep_days":36501,"explanation":""}]}"#,
        )
        .unwrap_err();
        let PolicyError::Invalid(p) = e else { panic!("{e:?}") };
        let text = p.join("\n");
        for want in [
            "give the policy a version",
            "source",
            "no rule for asb-report-without-case",
            "2 rules for asb-closed-case",
            "asb-closed-case: keep_days must be from 1",
            "open311-token: keep_days must be from 1",
        ] {
            assert!(text.contains(want), "{want} missing from {text}");
        }
        assert!(matches!(RetentionPolicy::from_json("{"), Err(PolicyError::Json(_))));
        assert!(matches!(
            RetentionPolicy::from_json(
                r#"{"version":"1","source":"x","rules":[{"record":"emails","keep_days":1,"explanation":""}]}"#
            ),
            Err(PolicyError::Json(_))
        ));
    }
}
