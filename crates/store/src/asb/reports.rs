//! Reports: recording (with the repeat-victim check), reading and listing,
//! and risk assessments.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, Utc};
use peel_core::access::time;
use peel_core::asb::report::OCCURRED_FORMAT;
use peel_core::asb::{Assessment, FieldAccess, Identity, NewReport, Problems, RuleSet};
use serde::Serialize;
use serde_json::json;

use super::{AsbError, REPORT_VISIBLE, Viewer};
use crate::audit::append_audit_in;
use crate::handles::Asb;
use crate::{StoreError, on_db};

/// A person on a report. Phone and email are `None` in the restricted view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonView {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
    pub postcode: String,
    /// Victims: whether the repeat-victim rule flagged them, and on how many
    /// reports in its window (this one included).
    pub repeat_victim: bool,
    pub reports_in_window: i64,
    /// The earlier reports that counted, those the viewer may see.
    pub earlier_reports: Vec<i64>,
    /// Victims, when a report is read on its own: whether their reports may
    /// already meet the Community Trigger threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_review: Option<super::CaseReviewCheck>,
}

/// A risk assessment. `answers` is `None` in the restricted view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskView {
    pub id: i64,
    pub rules_version: String,
    pub score: i64,
    pub band: String,
    pub answers: Option<BTreeMap<String, bool>>,
    pub escalated_by: Vec<String>,
    /// High risk: the multi-agency review is due by this date.
    pub review_due_on: Option<String>,
    pub assessed_at: String,
}

/// A report as a viewer may see it. `reporter` is `None` in the restricted view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    pub id: i64,
    pub channel: String,
    pub referred_by: String,
    pub category: String,
    pub hate_related: bool,
    pub occurred_at: String,
    pub location: String,
    pub location_postcode: String,
    pub description: String,
    pub recorded_at: String,
    pub recorded_by_organisation: String,
    /// The rule set whose repeat-victim rule judged this report.
    pub rules_version: String,
    pub repeat_victim: bool,
    pub case_id: Option<i64>,
    pub reporter: Option<PersonView>,
    pub victims: Vec<PersonView>,
    /// A link to a photo or video sent with the report; `None` in the
    /// restricted view (it may show or name the reporter).
    pub media_url: Option<String>,
    /// The latest assessment, if any.
    pub risk: Option<RiskView>,
    /// `full` or `restricted`.
    pub access: String,
}

/// A line in a list of reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReportSummary {
    pub id: i64,
    pub recorded_at: String,
    pub category: String,
    pub hate_related: bool,
    pub location: String,
    pub repeat_victim: bool,
    pub band: Option<String>,
    pub case_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    channel: String,
    referred_by: String,
    category: String,
    hate_related: bool,
    occurred_at: String,
    location: String,
    location_postcode: String,
    description: String,
    recorded_at: String,
    recorded_by_organisation: String,
    rules_version: String,
    repeat_victim: bool,
    case_id: Option<i64>,
    media_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    role: String,
    name: String,
    phone: String,
    email: String,
    address: String,
    postcode: String,
    repeat_count: i64,
    repeat_victim: bool,
}

/// A person on an earlier report: the report, when it was recorded, the
/// person's keys and the report's location key.
#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    recorded_at: String,
    name_key: String,
    postcode: String,
    phone_key: String,
    email_key: String,
    address_key: String,
    location_key: String,
}

#[derive(sqlx::FromRow)]
struct RiskRow {
    id: i64,
    rules_version: String,
    score: i64,
    band: String,
    answers: String,
    escalated_by: String,
    review_due_on: Option<String>,
    assessed_at: String,
}

const REPORT_SELECT: &str = "SELECT r.id, r.channel, r.referred_by, r.category, r.hate_related, r.occurred_at, \
     r.location, r.location_postcode, r.description, r.recorded_at, o.name AS recorded_by_organisation, \
     r.rules_version, r.repeat_victim, r.case_id, r.media_url \
     FROM asb_reports r JOIN organisations o ON o.id = r.recorded_by_org_id";

fn risk_from_row(r: RiskRow, access: FieldAccess) -> Result<RiskView, StoreError> {
    let answers: BTreeMap<String, bool> = serde_json::from_str(&r.answers)?;
    let escalated_by: Vec<String> = serde_json::from_str(&r.escalated_by)?;
    Ok(RiskView {
        id: r.id,
        rules_version: r.rules_version,
        score: r.score,
        band: r.band,
        answers: access.is_full().then_some(answers),
        escalated_by,
        review_due_on: r.review_due_on,
        assessed_at: r.assessed_at,
    })
}

impl Asb<'_> {
    /// Records a report and judges each victim with the current repeat-victim
    /// rule, in one transaction (audited as `asb.report.create`). Earlier
    /// reports are searched across every organisation: a victim who called
    /// the council twice and the police once is a repeat victim.
    pub async fn record_asb_report(self, r: &NewReport, v: &Viewer<'_>) -> Result<ReportView, AsbError> {
        let rules = self.current_asb_rules().await?;
        let start = time::format(rules.repeat.window_start(v.at));
        let now = time::format(v.at);
        let mut findings = Vec::new();
        for victim in &r.victims {
            let me = victim.identity();
            let earlier = self.reports_about(&me, &start, &now).await?;
            let times: Vec<_> = earlier.values().copied().collect();
            findings.push((me, rules.repeat.assess(v.at, &times), earlier.into_keys().collect::<Vec<_>>()));
        }
        let any_repeat = findings.iter().any(|f| f.1.repeat);
        let location_key = r.location_identity().address_key;
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO asb_reports (channel, referred_by, category, hate_related, occurred_at, location, \
                 location_postcode, location_key, description, recorded_at, recorded_by_user_id, recorded_by_org_id, \
                 rules_version, repeat_victim, media_url) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(r.channel.slug())
            .bind(&r.referred_by)
            .bind(r.category.slug())
            .bind(r.hate_related)
            .bind(r.occurred_at.format(OCCURRED_FORMAT).to_string())
            .bind(&r.location)
            .bind(&r.location_postcode)
            .bind(&location_key)
            .bind(&r.description)
            .bind(&now)
            .bind(v.user_id)
            .bind(v.org_id)
            .bind(&rules.version)
            .bind(any_repeat)
            .bind(r.media_url.as_deref())
            .fetch_one(&mut *tx)
            .await?;
            let people = std::iter::once(("reporter", &r.reporter, None))
                .chain(r.victims.iter().zip(&findings).map(|(p, f)| ("victim", p, Some(f))));
            for (position, (role, p, finding)) in people.enumerate() {
                let key = p.identity();
                let (count, repeat) = finding.map_or((0, false), |f| (i64::from(f.1.reports_in_window), f.1.repeat));
                let person_id: i64 = sqlx::query_scalar(
                    "INSERT INTO asb_report_people (report_id, role, position, name, phone, email, address, postcode, \
                     name_key, phone_key, email_key, address_key, repeat_count, repeat_victim) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                )
                .bind(id)
                .bind(role)
                .bind(position as i64)
                .bind(&p.name)
                .bind(&p.phone)
                .bind(&p.email)
                .bind(&p.address)
                .bind(&p.postcode)
                .bind(&key.name_key)
                .bind(&key.phone_key)
                .bind(&key.email_key)
                .bind(&key.address_key)
                .bind(count)
                .bind(repeat)
                .fetch_one(&mut *tx)
                .await?;
                for earlier in finding.map(|f| f.2.as_slice()).unwrap_or_default() {
                    sqlx::query("INSERT INTO asb_repeat_matches (person_id, earlier_report_id) VALUES ($1, $2)")
                        .bind(person_id)
                        .bind(earlier)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let details = json!({
                "channel": r.channel.slug(),
                "category": r.category.slug(),
                "victims": r.victims.len(),
                "repeat_victim": any_repeat,
                "rules_version": rules.version,
            });
            append_audit_in!(tx, &v.by().entry("asb.report.create", format!("asb_report:{id}"), details));
            tx.commit().await?;
            id
        });
        // The recorder sees what they typed; the create entry records it.
        let mut view = self.load_report(id, v.org_id, FieldAccess::Full).await?;
        self.add_case_review_checks(&mut view, v).await?;
        Ok(view)
    }

    /// Reports recorded from `start` to `end` (instants in the stored form)
    /// about the person `me` or their address: a reporter or victim who is
    /// the same person or at the same address, or it happened at their
    /// address. Across every organisation; callers show only what the
    /// viewer may see.
    pub(crate) async fn reports_about(
        self,
        me: &Identity,
        start: &str,
        end: &str,
    ) -> Result<BTreeMap<i64, DateTime<Utc>>, StoreError> {
        let rows: Vec<CandidateRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT r.id, r.recorded_at, p.name_key, p.postcode, p.phone_key, p.email_key, p.address_key, \
                 r.location_key FROM asb_reports r JOIN asb_report_people p ON p.report_id = r.id \
                 WHERE r.recorded_at >= $1 AND r.recorded_at <= $2 \
                 AND ((p.name_key = $3 AND $3 <> '') OR (p.address_key = $4 AND $4 <> '') \
                 OR (r.location_key = $4 AND $4 <> ''))",
            )
            .bind(start)
            .bind(end)
            .bind(&me.name_key)
            .bind(&me.address_key)
            .fetch_all(pool)
            .await?
        });
        let mut found: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
        for CandidateRow { id, recorded_at: at, name_key, postcode, phone_key, email_key, address_key, location_key } in
            rows
        {
            let other = Identity { name_key, postcode, phone_key, email_key, address_key };
            let place = !me.address_key.is_empty() && location_key == me.address_key;
            if me.same_person(&other) || me.same_address(&other) || place {
                let at = time::parse(&at).ok_or_else(|| StoreError::Corrupt(format!("report {id}: bad time")))?;
                found.insert(id, at);
            }
        }
        Ok(found)
    }

    /// The organisation that recorded a report and the case it is in, if it exists.
    pub(crate) async fn report_owner(self, id: i64, viewer_org: i64) -> Result<Option<(i64, bool)>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT r.recorded_by_org_id, {REPORT_VISIBLE} FROM asb_reports r WHERE r.id = $2"
        ));
        let row: Option<(i64, bool)> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(viewer_org).bind(id).fetch_optional(pool).await?
        });
        Ok(row)
    }

    /// Checks `v` may see report `id` and returns the access they get:
    /// full for the recording organisation's own staff (unless partners),
    /// else as for the case it is in. A refusal is audited.
    pub(crate) async fn report_access(self, id: i64, v: &Viewer<'_>) -> Result<FieldAccess, AsbError> {
        let Some((recorder, visible)) = self.report_owner(id, v.org_id).await? else {
            return Err(AsbError::NotFound(format!("report {id}")));
        };
        if !visible {
            self.audit_refusal(&format!("asb_report:{id}"), v).await?;
            return Err(AsbError::NotShared(format!(
                "report {id} is not shared with your organisation: ask the organisation that owns it"
            )));
        }
        if recorder == v.org_id {
            return Ok(v.access(recorder));
        }
        let owner: Option<i64> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT c.owner_org_id FROM asb_cases c JOIN asb_reports r ON r.case_id = c.id WHERE r.id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(v.access(owner.unwrap_or(recorder)))
    }

    pub(crate) async fn audit_refusal(self, subject: &str, v: &Viewer<'_>) -> Result<(), StoreError> {
        let entry = v.by().entry("access.denied", subject.to_string(), json!({ "reason": "not shared" }));
        self.0.audit().append_audit(&entry).await.map(|_| ())
    }

    /// One report, audited as `asb.report.read` before it is returned.
    pub async fn asb_report(self, id: i64, v: &Viewer<'_>) -> Result<ReportView, AsbError> {
        let access = self.report_access(id, v).await?;
        let details = json!({ "access": if access.is_full() { "full" } else { "restricted" } });
        self.0.audit().append_audit(&v.by().entry("asb.report.read", format!("asb_report:{id}"), details)).await?;
        let mut view = self.load_report(id, v.org_id, access).await?;
        self.add_case_review_checks(&mut view, v).await?;
        Ok(view)
    }

    /// The reports `v` may see, newest first (audited as `asb.report.list`).
    pub async fn asb_reports(self, v: &Viewer<'_>, limit: i64) -> Result<Vec<ReportSummary>, AsbError> {
        self.0.audit().append_audit(&v.by().entry("asb.report.list", "asb_reports".into(), json!({}))).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.recorded_at, r.category, r.hate_related, r.location, r.repeat_victim, \
             (SELECT a.band FROM asb_risk_assessments a WHERE a.report_id = r.id ORDER BY a.id DESC LIMIT 1) AS band, \
             r.case_id FROM asb_reports r WHERE {REPORT_VISIBLE} ORDER BY r.id DESC LIMIT $2"
        ));
        let rows: Vec<ReportSummary> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(v.org_id).bind(limit.clamp(1, 1000)).fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// A report's data, shaped for `access`. No audit entry: callers write it.
    pub(crate) async fn load_report(
        self,
        id: i64,
        viewer_org: i64,
        access: FieldAccess,
    ) -> Result<ReportView, AsbError> {
        let sql = sqlx::AssertSqlSafe(format!("{REPORT_SELECT} WHERE r.id = $1"));
        let row: Option<ReportRow> =
            on_db!(self.0, pool => { sqlx::query_as(sql).bind(id).fetch_optional(pool).await? });
        let Some(r) = row else { return Err(AsbError::NotFound(format!("report {id}"))) };
        let people: Vec<PersonRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT id, role, name, phone, email, address, postcode, repeat_count, repeat_victim \
                 FROM asb_report_people WHERE report_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT m.person_id, m.earlier_report_id FROM asb_repeat_matches m \
             JOIN asb_report_people p ON p.id = m.person_id JOIN asb_reports r ON r.id = m.earlier_report_id \
             WHERE p.report_id = $2 AND {REPORT_VISIBLE} ORDER BY m.earlier_report_id"
        ));
        let matches: Vec<(i64, i64)> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(viewer_org).bind(id).fetch_all(pool).await?
        });
        let full = access.is_full();
        let mut reporter = None;
        let mut victims = Vec::new();
        for p in people {
            let view = PersonView {
                name: p.name,
                phone: full.then_some(p.phone),
                email: full.then_some(p.email),
                address: p.address,
                postcode: p.postcode,
                repeat_victim: p.repeat_victim,
                reports_in_window: p.repeat_count,
                earlier_reports: matches
                    .iter()
                    .filter(|(person, _)| *person == p.id)
                    .map(|(_, earlier)| *earlier)
                    .collect(),
                case_review: None,
            };
            if p.role == "reporter" {
                reporter = full.then_some(view);
            } else {
                victims.push(view);
            }
        }
        let risk = self.risk_rows(id, 1).await?.into_iter().next().map(|r| risk_from_row(r, access)).transpose()?;
        Ok(ReportView {
            id: r.id,
            channel: r.channel,
            referred_by: r.referred_by,
            category: r.category,
            hate_related: r.hate_related,
            occurred_at: r.occurred_at,
            location: r.location,
            location_postcode: r.location_postcode,
            description: r.description,
            recorded_at: r.recorded_at,
            recorded_by_organisation: r.recorded_by_organisation,
            rules_version: r.rules_version,
            repeat_victim: r.repeat_victim,
            case_id: r.case_id,
            reporter,
            victims,
            media_url: if full { r.media_url } else { None },
            risk,
            access: if full { "full" } else { "restricted" }.into(),
        })
    }

    async fn risk_rows(self, report_id: i64, limit: i64) -> Result<Vec<RiskRow>, StoreError> {
        let rows: Vec<RiskRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT id, rules_version, score, band, answers, escalated_by, review_due_on, assessed_at \
                 FROM asb_risk_assessments WHERE report_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(report_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Scores `answers` with the current rules and stores the assessment
    /// (audited as `asb.risk.assess`). High risk sets the date by which a
    /// multi-agency review is due.
    pub async fn assess_asb_risk(
        self,
        report_id: i64,
        answers: &BTreeMap<String, bool>,
        v: &Viewer<'_>,
    ) -> Result<(Assessment, RiskView, RuleSet), AsbError> {
        let access = self.report_access(report_id, v).await?;
        let rules = self.current_asb_rules().await?;
        let a = rules.questionnaire.assess(&rules.version, answers).map_err(AsbError::Invalid)?;
        let due = (a.band == peel_core::asb::Band::High)
            .then(|| v.at.date_naive().checked_add_days(Days::new(u64::from(rules.high_risk_review_days))))
            .flatten()
            .map(|d| d.format("%Y-%m-%d").to_string());
        let escalated = serde_json::to_string(&a.escalated_by)?;
        let row: RiskRow = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let row: RiskRow = sqlx::query_as(
                "INSERT INTO asb_risk_assessments (report_id, rules_version, answers, score, band, escalated_by, \
                 review_due_on, assessed_at, assessed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id, rules_version, score, band, answers, escalated_by, review_due_on, assessed_at",
            )
            .bind(report_id)
            .bind(&a.rules_version)
            .bind(serde_json::to_string(&a.answers)?)
            .bind(i64::from(a.score))
            .bind(a.band.slug())
            .bind(&escalated)
            .bind(&due)
            .bind(time::format(v.at))
            .bind(v.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let details = json!({ "band": a.band.slug(), "score": a.score, "rules_version": a.rules_version });
            append_audit_in!(tx, &v.by().entry("asb.risk.assess", format!("asb_report:{report_id}"), details));
            tx.commit().await?;
            row
        });
        let view = risk_from_row(row, access)?;
        Ok((a, view, rules))
    }

    /// Every assessment of a report, newest first (audited as `asb.risk.read`).
    pub async fn asb_risk_assessments(self, report_id: i64, v: &Viewer<'_>) -> Result<Vec<RiskView>, AsbError> {
        let access = self.report_access(report_id, v).await?;
        self.0
            .audit()
            .append_audit(&v.by().entry("asb.risk.read", format!("asb_report:{report_id}"), json!({})))
            .await?;
        let rows = self.risk_rows(report_id, 1000).await?;
        Ok(rows.into_iter().map(|r| risk_from_row(r, access)).collect::<Result<_, _>>()?)
    }

    /// Report ids that exist but that `v` may not see, among `ids`.
    pub(crate) async fn reports_hidden_from(self, ids: &[i64], v: &Viewer<'_>) -> Result<BTreeSet<i64>, AsbError> {
        let mut hidden = BTreeSet::new();
        for id in ids {
            match self.report_owner(*id, v.org_id).await? {
                None => {
                    return Err(AsbError::Invalid(Problems::one("report_ids", format!("There is no report {id}."))));
                }
                Some((_, false)) => {
                    hidden.insert(*id);
                }
                Some(_) => {}
            }
        }
        Ok(hidden)
    }
}
