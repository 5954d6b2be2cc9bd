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
use crate::{Store, StoreError, on_db};

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

type PersonRow = (i64, i64, String, String, String, String, String, String);

impl Store {
    /// What `policy` makes due for deletion at `now`.
    pub async fn retention_due(
        &self,
        policy: &RetentionPolicy,
        now: DateTime<Utc>,
    ) -> Result<RetentionDue, StoreError> {
        let case_cut = time::format(policy.cutoff(RecordType::AsbClosedCase, now));
        let report_cut = time::format(policy.cutoff(RecordType::AsbReportWithoutCase, now));
        let token_cut = time::format(policy.cutoff(RecordType::Open311Token, now));
        let (closed_cases, case_reports, reports_without_case, open311_tokens): (Vec<i64>, Vec<i64>, Vec<i64>, i64) = on_db!(self, pool => {
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
    pub async fn apply_retention(&self, policy: &RetentionPolicy, by: &By<'_>) -> Result<RetentionDue, StoreError> {
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
        on_db!(self, pool => {
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
    pub async fn subject_access(&self, subject: &Subject, by: &By<'_>) -> Result<Value, SubjectAccessError> {
        let me = subject.identity();
        let searchable = !me.name_key.is_empty()
            && (!me.postcode.is_empty() || !me.phone_key.is_empty() || !me.email_key.is_empty());
        if !searchable && me.address_key.is_empty() {
            return Err(SubjectAccessError::TooLittle);
        }
        let rows: Vec<PersonRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, report_id, role, name, phone, email, address, postcode FROM asb_report_people \
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
                let them = Identity::new(&r.3, &r.7, &r.4, &r.5, &r.6);
                me.same_person(&them) || me.same_address(&them)
            })
            .collect();
        let report_ids: BTreeSet<i64> = mine.iter().map(|r| r.1).collect();
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
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            append_audit_in!(tx, &entry);
            tx.commit().await?;
        });
        Ok(doc)
    }

    async fn subject_report(&self, id: i64, mine: &[&PersonRow]) -> Result<Value, StoreError> {
        type ReportRow =
            (String, String, String, bool, String, String, String, String, String, String, String, bool, Option<i64>);
        type RiskRow = (String, i64, String, String, String, Option<String>);
        type CaseRow = (String, String, String, Option<String>, Option<String>);
        type Line3 = (String, String, String);
        type ToolRow = (String, String, String, String);
        type Found = (ReportRow, i64, Vec<RiskRow>, Option<CaseRow>, Vec<Line3>, Vec<Line3>, Vec<ToolRow>);
        let (report, others, risks, case, timeline, actions, tools): Found = on_db!(self, pool => {
            let report: ReportRow = sqlx::query_as(
                "SELECT r.channel, r.referred_by, r.category, r.hate_related, r.occurred_at, r.location, \
                 r.location_postcode, r.description, r.recorded_at, o.name, r.rules_version, r.repeat_victim, r.case_id \
                 FROM asb_reports r JOIN organisations o ON o.id = r.recorded_by_org_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await?;
            let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asb_report_people WHERE report_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?;
            let risks: Vec<RiskRow> = sqlx::query_as(
                "SELECT rules_version, score, band, answers, assessed_at, review_due_on FROM asb_risk_assessments \
                 WHERE report_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let (case, timeline, actions, tools) = match report.12 {
                Some(c) => {
                    let case: Option<CaseRow> = sqlx::query_as(
                        "SELECT title, status, opened_at, closed_at, outcome FROM asb_cases WHERE id = $1",
                    )
                    .bind(c)
                    .fetch_optional(pool)
                    .await?;
                    let timeline = sqlx::query_as("SELECT at, kind, summary FROM asb_case_events WHERE case_id = $1 ORDER BY id")
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
        let yours: Vec<&&PersonRow> = mine.iter().filter(|p| p.1 == id).collect();
        let answers = |a: &str| serde_json::from_str::<Value>(a).unwrap_or(Value::String(a.to_string()));
        Ok(json!({
            "report_id": id,
            "channel": report.0,
            "referred_by": report.1,
            "category": report.2,
            "hate_related": report.3,
            "occurred_at": report.4,
            "location": report.5,
            "location_postcode": report.6,
            "description": report.7,
            "recorded_at": report.8,
            "recorded_by": report.9,
            "repeat_victim_rules_version": report.10,
            "repeat_victim": report.11,
            "your_details": yours.iter().map(|p| json!({
                "as": p.2, "name": p.3, "phone": p.4, "email": p.5, "address": p.6, "postcode": p.7,
            })).collect::<Vec<_>>(),
            "other_people_withheld": others - yours.len() as i64,
            "risk_assessments": risks.iter().map(|r| json!({
                "rules_version": r.0, "score": r.1, "band": r.2, "answers": answers(&r.3),
                "assessed_at": r.4, "multi_agency_review_due_on": r.5,
            })).collect::<Vec<_>>(),
            "case": case.map(|c| json!({
                "case_id": report.12,
                "title": c.0, "status": c.1, "opened_at": c.2, "closed_at": c.3, "outcome": c.4,
                "timeline": timeline.iter().map(|t| json!({ "at": t.0, "kind": t.1, "summary": t.2 })).collect::<Vec<_>>(),
                "actions": actions.iter().map(|a| json!({ "taken_on": a.0, "kind": a.1, "description": a.2 })).collect::<Vec<_>>(),
                "tools_and_powers": tools.iter().map(|t| json!({ "tool": t.0, "used_on": t.1, "review_on": t.2, "notes": t.3 })).collect::<Vec<_>>(),
            })),
        }))
    }
}
