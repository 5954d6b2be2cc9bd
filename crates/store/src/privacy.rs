//! Data protection duties over ASB casework: deleting what the retention
//! policy no longer lets peel keep, and exporting everything held on one
//! person (a subject access request).
//!
//! Both are audited. A deletion leaves one `retention.delete` entry per case
//! or report (the ids and the policy version, nothing about the people), and
//! an export leaves `subject-access.export` naming the reports disclosed and
//! which identifiers were searched on, never their values.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use peel_core::access::time;
use peel_core::asb::Identity;
use peel_core::retention::{RecordType, RetentionPolicy};
use serde_json::{Value, json};

use crate::audit::{By, append_audit_in};
use crate::handles::Privacy;
use crate::{StoreError, on_db};

/// What the policy makes due (or what was deleted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionDue {
    /// Closed cases past their period; their reports go with them.
    pub closed_cases: Vec<i64>,
    /// Reports in those cases.
    pub case_reports: Vec<i64>,
    /// Reports never made part of a case, past their period.
    pub reports_without_case: Vec<i64>,
    /// Open311 tokens past their period (apart from those of deleted reports).
    pub open311_tokens: i64,
}

impl RetentionDue {
    pub fn is_empty(&self) -> bool {
        self.closed_cases.is_empty() && self.reports_without_case.is_empty() && self.open311_tokens == 0
    }
}

/// Who a subject access request is about, as the requester identified
/// themselves. Matching uses the ASB "same person" rule (a name and one of
/// postcode, phone or email) or the same address (an address with its postcode).
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub name: String,
    pub postcode: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

impl Subject {
    fn identity(&self) -> Identity {
        Identity::new(&self.name, &self.postcode, &self.phone, &self.email, &self.address)
    }

    /// The identifiers given, by name only (for the audit log).
    fn fields(&self) -> Vec<&'static str> {
        [
            ("name", &self.name),
            ("postcode", &self.postcode),
            ("phone", &self.phone),
            ("email", &self.email),
            ("address", &self.address),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

/// Why a subject access search cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum SubjectAccessError {
    #[error(
        "give the person's name with at least one of postcode, phone or email, or an address with its postcode: a name alone matches too many people"
    )]
    TooLittle,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SubjectAccessError {
    fn from(e: sqlx::Error) -> SubjectAccessError {
        SubjectAccessError::Store(StoreError::Sqlx(e))
    }
}

/// Someone named in a report, as the subject access search finds them.
#[derive(sqlx::FromRow)]
struct PersonRow {
    report_id: i64,
    role: String,
    name: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
}

/// A report, as its subject access export shows it.
#[derive(sqlx::FromRow, serde::Serialize)]
struct ReportRecord {
    channel: String,
    referred_by: String,
    category: String,
    hate_related: bool,
    occurred_at: String,
    location: String,
    location_postcode: String,
    description: String,
    recorded_at: String,
    recorded_by: String,
    repeat_victim_rules_version: String,
    repeat_victim: bool,
    #[serde(skip)]
    case_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct RiskRecord {
    rules_version: String,
    score: i64,
    band: String,
    answers: String,
    assessed_at: String,
    multi_agency_review_due_on: Option<String>,
}

#[derive(sqlx::FromRow, serde::Serialize)]
struct CaseRecord {
    title: String,
    status: String,
    opened_at: String,
    closed_at: Option<String>,
    outcome: Option<String>,
}

#[derive(sqlx::FromRow, serde::Serialize)]
struct TimelineLine {
    at: String,
    kind: String,
    summary: String,
}

#[derive(sqlx::FromRow, serde::Serialize)]
struct ActionLine {
    taken_on: String,
    kind: String,
    description: String,
}

#[derive(sqlx::FromRow, serde::Serialize)]
struct ToolLine {
    tool: String,
    used_on: String,
    review_on: String,
    notes: String,
}

impl Privacy<'_> {
    /// What `policy` makes due for deletion at `now`.
    pub async fn retention_due(self, policy: &RetentionPolicy, now: DateTime<Utc>) -> Result<RetentionDue, StoreError> {
        let case_cut = time::format(policy.cutoff(RecordType::AsbClosedCase, now));
        let report_cut = time::format(policy.cutoff(RecordType::AsbReportWithoutCase, now));
        let token_cut = time::format(policy.cutoff(RecordType::Open311Token, now));
        let (closed_cases, case_reports, reports_without_case, open311_tokens): (Vec<i64>, Vec<i64>, Vec<i64>, i64) = on_db!(self.0, pool => {
            let cases: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM asb_cases WHERE status = 'closed' AND closed_at IS NOT NULL AND closed_at <= $1 ORDER BY id",
            )
            .bind(&case_cut)
            .fetch_all(pool)
            .await?;
            let case_reports: Vec<i64> = sqlx::query_scalar(
                "SELECT r.id FROM asb_reports r JOIN asb_cases c ON c.id = r.case_id \
                 WHERE c.status = 'closed' AND c.closed_at IS NOT NULL AND c.closed_at <= $1 ORDER BY r.id",
            )
            .bind(&case_cut)
            .fetch_all(pool)
            .await?;
            let loose: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM asb_reports WHERE case_id IS NULL AND recorded_at <= $1 ORDER BY id",
            )
            .bind(&report_cut)
            .fetch_all(pool)
            .await?;
            let tokens: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM open311_tokens t JOIN asb_reports r ON r.id = t.report_id \
                 WHERE t.issued_at <= $1 AND NOT (r.case_id IS NULL AND r.recorded_at <= $2) \
                 AND NOT EXISTS (SELECT 1 FROM asb_cases c WHERE c.id = r.case_id AND c.status = 'closed' \
                 AND c.closed_at IS NOT NULL AND c.closed_at <= $3)",
            )
            .bind(&token_cut)
            .bind(&report_cut)
            .bind(&case_cut)
            .fetch_one(pool)
            .await?;
            (cases, case_reports, loose, tokens)
        });
        Ok(RetentionDue { closed_cases, case_reports, reports_without_case, open311_tokens })
    }

    /// Deletes everything `policy` makes due at `by.at`, in one transaction,
    /// with an audit entry for each case and report deleted. Returns what was
    /// deleted.
    pub async fn apply_retention(self, policy: &RetentionPolicy, by: &By<'_>) -> Result<RetentionDue, StoreError> {
        let due = self.retention_due(policy, by.at).await?;
        if due.is_empty() {
            return Ok(due);
        }
        let token_cut = time::format(policy.cutoff(RecordType::Open311Token, by.at));
        let version = policy.version.as_str();
        let reports: Vec<(i64, RecordType)> = due
            .case_reports
            .iter()
            .map(|r| (*r, RecordType::AsbClosedCase))
            .chain(due.reports_without_case.iter().map(|r| (*r, RecordType::AsbReportWithoutCase)))
            .collect();
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            for (report, record) in &reports {
                sqlx::query(
                    "DELETE FROM asb_repeat_matches WHERE earlier_report_id = $1 \
                     OR person_id IN (SELECT id FROM asb_report_people WHERE report_id = $1)",
                )
                .bind(report)
                .execute(&mut *tx)
                .await?;
                for table in ["asb_risk_assessments", "asb_report_people", "open311_tokens"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE report_id = $1")))
                        .bind(report)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM asb_reports WHERE id = $1").bind(report).execute(&mut *tx).await?;
                let entry = by.entry(
                    "retention.delete",
                    format!("asb-report:{report}"),
                    json!({ "policy": version, "record": record.slug() }),
                );
                append_audit_in!(tx, &entry);
            }
            for case in &due.closed_cases {
                for table in ["asb_case_events", "asb_case_tools", "asb_case_actions", "asb_case_shares"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE case_id = $1")))
                        .bind(case)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM asb_cases WHERE id = $1").bind(case).execute(&mut *tx).await?;
                let entry = by.entry(
                    "retention.delete",
                    format!("asb-case:{case}"),
                    json!({ "policy": version, "record": RecordType::AsbClosedCase.slug() }),
                );
                append_audit_in!(tx, &entry);
            }
            if due.open311_tokens > 0 {
                sqlx::query("DELETE FROM open311_tokens WHERE issued_at <= $1").bind(&token_cut).execute(&mut *tx).await?;
                let entry = by.entry(
                    "retention.delete",
                    "open311-tokens".to_string(),
                    json!({ "policy": version, "record": RecordType::Open311Token.slug(), "count": due.open311_tokens }),
                );
                append_audit_in!(tx, &entry);
            }
            tx.commit().await?;
        });
        Ok(due)
    }

    /// Everything peel holds on one person from ASB casework, as a JSON
    /// document for a subject access response (audited as
    /// `subject-access.export`). Other people named in the same reports are
    /// withheld (counted, not shown); free text is included as written and
    /// the document says it must be reviewed for third parties before it
    /// is sent.
    pub async fn subject_access(self, subject: &Subject, by: &By<'_>) -> Result<Value, SubjectAccessError> {
        let me = subject.identity();
        let searchable = !me.name_key.is_empty()
            && (!me.postcode.is_empty() || !me.phone_key.is_empty() || !me.email_key.is_empty());
        if !searchable && me.address_key.is_empty() {
            return Err(SubjectAccessError::TooLittle);
        }
        let rows: Vec<PersonRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT report_id, role, name, phone, email, address, postcode FROM asb_report_people \
                 WHERE (name_key = $1 AND $1 <> '') OR (address_key = $2 AND $2 <> '') \
                 OR (email_key = $3 AND $3 <> '') OR (phone_key = $4 AND $4 <> '') ORDER BY report_id, id",
            )
            .bind(&me.name_key)
            .bind(&me.address_key)
            .bind(&me.email_key)
            .bind(&me.phone_key)
            .fetch_all(pool)
            .await?
        });
        let mine: Vec<&PersonRow> = rows
            .iter()
            .filter(|r| {
                let them = Identity::new(&r.name, &r.postcode, &r.phone, &r.email, &r.address);
                me.same_person(&them) || me.same_address(&them)
            })
            .collect();
        let report_ids: BTreeSet<i64> = mine.iter().map(|r| r.report_id).collect();
        let mut records = Vec::new();
        for id in &report_ids {
            records.push(self.subject_report(*id, &mine).await?);
        }
        let doc = json!({
            "kind": "peel subject access export",
            "generated_at": time::format(by.at),
            "purpose": by.purpose,
            "searched_on": subject.fields(),
            "matching_rule": "the same name with the same postcode, phone number or email address; or the same address with its postcode (docs/asb.md)",
            "review_before_sending": "Other people named in these reports are withheld and only counted. Descriptions, notes and timelines are included as written: read them and redact anything about other people before disclosure.",
            "reports": records,
        });
        let entry = by.entry(
            "subject-access.export",
            "subject-access".to_string(),
            json!({ "reports": report_ids, "searched_on": subject.fields() }),
        );
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            append_audit_in!(tx, &entry);
            tx.commit().await?;
        });
        Ok(doc)
    }

    async fn subject_report(self, id: i64, mine: &[&PersonRow]) -> Result<Value, StoreError> {
        let (report, others, risks, case, timeline, actions, tools) = on_db!(self.0, pool => {
            let report: ReportRecord = sqlx::query_as(
                "SELECT r.channel, r.referred_by, r.category, r.hate_related, r.occurred_at, r.location, \
                 r.location_postcode, r.description, r.recorded_at, o.name AS recorded_by, \
                 r.rules_version AS repeat_victim_rules_version, r.repeat_victim, r.case_id \
                 FROM asb_reports r JOIN organisations o ON o.id = r.recorded_by_org_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?;
            let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asb_report_people WHERE report_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?;
            let risks: Vec<RiskRecord> = sqlx::query_as(
                "SELECT rules_version, score, band, answers, assessed_at, review_due_on AS multi_agency_review_due_on \
                 FROM asb_risk_assessments WHERE report_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let (case, timeline, actions, tools): (Option<CaseRecord>, Vec<TimelineLine>, Vec<ActionLine>, Vec<ToolLine>) =
                match report.case_id {
                    Some(c) => {
                        let case = sqlx::query_as(
                            "SELECT title, status, opened_at, closed_at, outcome FROM asb_cases WHERE id = $1",
                        )
                        .bind(c)
                        .fetch_optional(pool)
                        .await?;
                        let timeline =
                            sqlx::query_as("SELECT at, kind, summary FROM asb_case_events WHERE case_id = $1 ORDER BY id")
                                .bind(c)
                                .fetch_all(pool)
                                .await?;
                        let actions = sqlx::query_as(
                            "SELECT taken_on, kind, description FROM asb_case_actions WHERE case_id = $1 ORDER BY id",
                        )
                        .bind(c)
                        .fetch_all(pool)
                        .await?;
                        let tools = sqlx::query_as(
                            "SELECT tool, used_on, review_on, notes FROM asb_case_tools WHERE case_id = $1 ORDER BY id",
                        )
                        .bind(c)
                        .fetch_all(pool)
                        .await?;
                        (case, timeline, actions, tools)
                    }
                    None => (None, vec![], vec![], vec![]),
                };
            (report, people, risks, case, timeline, actions, tools)
        });
        let yours: Vec<&&PersonRow> = mine.iter().filter(|p| p.report_id == id).collect();
        let answers = |a: &str| serde_json::from_str::<Value>(a).unwrap_or(Value::String(a.to_string()));
        let mut doc = serde_json::to_value(&report)?;
        doc["report_id"] = id.into();
        doc["your_details"] = yours
            .iter()
            .map(|p| {
                json!({
                    "as": p.role, "name": p.name, "phone": p.phone, "email": p.email, "address": p.address,
                    "postcode": p.postcode,
                })
            })
            .collect();
        doc["other_people_withheld"] = (others - yours.len() as i64).into();
        doc["risk_assessments"] = risks
            .iter()
            .map(|r| {
                json!({
                    "rules_version": r.rules_version, "score": r.score, "band": r.band, "answers": answers(&r.answers),
                    "assessed_at": r.assessed_at, "multi_agency_review_due_on": r.multi_agency_review_due_on,
                })
            })
            .collect();
        doc["case"] = match case {
            Some(c) => {
                let mut v = serde_json::to_value(&c)?;
                v["case_id"] = report.case_id.into();
                v["timeline"] = serde_json::to_value(&timeline)?;
                v["actions"] = serde_json::to_value(&actions)?;
                v["tools_and_powers"] = serde_json::to_value(&tools)?;
                v
            }
            None => Value::Null,
        };
        Ok(doc)
    }
}
