//! Community Trigger case reviews: each partnership's procedure versions,
//! applications with the complaints they cite, the threshold decision and
//! every later step.
//!
//! Each write is one transaction with its audit entry. Reads of applications
//! (which name the applicant and victim) write a `case_review.read` or
//! `case_review.list` entry in the same transaction as the read, so nothing
//! is shown that was not logged. Order checks (a decision after the
//! acknowledgement, a meeting only when the threshold is met) run inside the
//! transaction, after a write has locked the application's row.

use chrono::NaiveDate;
use peel_core::access::{Permission, Refusal, Target, time};
use peel_core::trigger::application::Problem;
use peel_core::trigger::{
    ApplicationFacts, Complaint, Discretion, Evaluation, NewApplication, Procedure, ProcedureError, Recommendation,
    Step, StepError, ThresholdInput, Timeline, evaluate,
};
use serde_json::json;

use crate::audit::{By, append_audit_in};
use crate::handles::Trigger;
use crate::{Store, StoreError, on_db};

/// Why a case review change was refused. Each variant says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CaseReviewError {
    /// The input has problems, each naming its field.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Step(#[from] StepError),
    #[error("{0}")]
    Procedure(#[from] ProcedureError),
    #[error("there is no community safety partnership {0} in force {1}")]
    UnknownCsp(String, String),
    #[error("case review {0} not found")]
    NotFound(i64),
    /// Outside the caller's reach (another force's or partnership's
    /// review); nothing was read or changed.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CaseReviewError {
    fn from(e: sqlx::Error) -> CaseReviewError {
        CaseReviewError::Store(StoreError::Sqlx(e))
    }
}

/// A partnership's versioned document: a case review procedure, or its ASB
/// service standards. Each version is adopted once and kept; the newest is
/// in force.
#[derive(Clone, Copy)]
pub(crate) enum PartnershipDocument {
    Procedure,
    AsbStandards,
}

impl PartnershipDocument {
    /// Stores a new version with its audit entry, in one transaction. `None`
    /// when the partnership already has that version (nothing is stored).
    pub(crate) async fn adopt(
        self,
        store: &Store,
        force_id: &str,
        csp_id: &str,
        version: &str,
        document: &str,
        by: &By<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let (insert, action, id_key) = match self {
            PartnershipDocument::Procedure => (
                "INSERT INTO trigger_procedures (force_id, csp_id, version, document, adopted_at, adopted_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                "case_review.procedure.adopt",
                "procedure_id",
            ),
            PartnershipDocument::AsbStandards => (
                "INSERT INTO asb_standards (force_id, csp_id, version, document, adopted_at, adopted_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                "asb.standards.adopt",
                "standards_id",
            ),
        };
        let at = time::format(by.at);
        let id = on_db!(store, pool => {
            let mut tx = pool.begin().await?;
            let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(insert)
                .bind(force_id)
                .bind(csp_id)
                .bind(version)
                .bind(document)
                .bind(&at)
                .bind(by.actor())
                .fetch_one(&mut *tx)
                .await;
            let id = match inserted {
                Ok(id) => id,
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let entry = by.entry(action, format!("csp:{force_id}/{csp_id}"), json!({ id_key: id, "version": version }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            id
        });
        Ok(Some(id))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> CaseReviewError {
    CaseReviewError::Invalid(vec![Problem { field: field.into(), message: message.into() }])
}

/// A procedure version adopted by a partnership.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProcedure {
    pub id: i64,
    pub force_id: String,
    pub csp_id: String,
    pub procedure: Procedure,
    pub adopted_at: String,
    pub adopted_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub decided_on: NaiveDate,
    pub threshold_met: bool,
    /// The rule that met the threshold, when one did.
    pub met_by: Option<String>,
    pub procedure_version: String,
    pub evaluation: Evaluation,
    /// Why, in the decision-makers' words (required when the decision is not
    /// what the rules alone give).
    pub reason: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: Step,
    pub on: NaiveDate,
    /// For an appeal's decision: `upheld` or `not-upheld`.
    pub outcome: Option<String>,
    pub notes: String,
    pub recorded_by: String,
}

/// One application and everything recorded about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReview {
    pub id: i64,
    pub force_id: String,
    pub csp_id: String,
    /// The partnership's name (its id if it is no longer configured).
    pub csp_name: String,
    pub procedure: StoredProcedure,
    pub application: NewApplication,
    /// The threshold check made when the application was recorded.
    pub evaluation: Evaluation,
    pub decision: Option<Decision>,
    pub steps: Vec<StepRecord>,
    pub recommendations: Vec<Recommendation>,
    pub created_at: String,
    pub created_by: String,
}

impl CaseReview {
    pub fn step(&self, step: Step) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.step == step)
    }

    /// Whether an appeal against the decision succeeded.
    pub fn appeal_upheld(&self) -> bool {
        self.step(Step::AppealDecided).and_then(|s| s.outcome.as_deref()) == Some("upheld")
    }

    pub fn timeline(&self) -> Timeline {
        let on = |s: Step| self.step(s).map(|r| r.on);
        Timeline {
            received: Some(self.application.received_on),
            acknowledged: on(Step::Acknowledged),
            decided: self.decision.as_ref().map(|d| d.decided_on),
            threshold_met: self.decision.as_ref().map(|d| d.threshold_met || self.appeal_upheld()),
            meeting: on(Step::Meeting),
            recommendations: on(Step::Recommendations),
            appeal_lodged: on(Step::AppealLodged),
            appeal_decided: on(Step::AppealDecided),
        }
    }

    /// What the published figures count (nothing personal).
    pub fn facts(&self) -> ApplicationFacts {
        let t = self.timeline();
        ApplicationFacts {
            received_on: self.application.received_on,
            threshold_met: t.threshold_met,
            meeting_on: t.meeting,
            recommendations: u32::try_from(self.recommendations.len()).unwrap_or(u32::MAX),
        }
    }
}

/// A step other than the decision, as recorded from a form or the API.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub on: Option<NaiveDate>,
    pub notes: String,
    pub outcome: Option<String>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(sqlx::FromRow)]
struct ProcedureRow {
    id: i64,
    force_id: String,
    csp_id: String,
    adopted_by: String,
    document: String,
    adopted_at: String,
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    force_id: String,
    csp_id: String,
    procedure_id: i64,
    received_on: String,
    applicant_name: String,
    applicant_contact: String,
    on_behalf_of: Option<String>,
    consent: bool,
    summary: String,
    vulnerable: bool,
    discretion_by: Option<String>,
    discretion_reason: Option<String>,
    evaluation: String,
    created_at: String,
    created_by: String,
}

#[derive(sqlx::FromRow)]
struct ComplaintRow {
    complainant: String,
    agency: String,
    incident: String,
    behaviour_on: String,
    complained_on: String,
    hate_related: bool,
    report_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    decided_on: String,
    threshold_met: bool,
    met_by: Option<String>,
    procedure_version: String,
    evaluation: String,
    reason: String,
    recorded_by: String,
}

#[derive(sqlx::FromRow)]
struct RecommendationRow {
    recipient: String,
    action: String,
}

#[derive(sqlx::FromRow)]
struct StepRow {
    step: String,
    on_date: String,
    outcome: Option<String>,
    notes: String,
    recorded_by: String,
}

fn day(s: &str, what: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad {what} date {s:?}")))
}

fn procedure_from_row(r: ProcedureRow) -> Result<StoredProcedure, StoreError> {
    let procedure =
        Procedure::from_json(&r.document).map_err(|e| StoreError::Corrupt(format!("procedure {}: {e}", r.id)))?;
    Ok(StoredProcedure {
        id: r.id,
        force_id: r.force_id,
        csp_id: r.csp_id,
        procedure,
        adopted_at: r.adopted_at,
        adopted_by: r.adopted_by,
    })
}

const PROCEDURE_COLUMNS: &str = "id, force_id, csp_id, adopted_by, document, adopted_at";

const APPLICATION_SELECT: &str = "SELECT a.id, a.force_id, a.csp_id, a.procedure_id, a.received_on, a.applicant_name, \
     a.applicant_contact, a.on_behalf_of, a.consent, a.summary, a.vulnerable, a.discretion_by, a.discretion_reason, \
     a.evaluation, a.created_at, a.created_by FROM trigger_applications a";

/// Reads one application and all its parts through `$tx` (an open
/// transaction); evaluates to `Result<Option<CaseReview>, CaseReviewError>`.
macro_rules! load_review_in {
    ($tx:ident, $id:expr) => {{
        let id: i64 = $id;
        let sql = sqlx::AssertSqlSafe(format!("{APPLICATION_SELECT} WHERE a.id = $1"));
        let row: Option<ApplicationRow> = sqlx::query_as(sql).bind(id).fetch_optional(&mut *$tx).await?;
        match row {
            None => Ok::<Option<CaseReview>, CaseReviewError>(None),
            Some(a) => {
                let psql =
                    sqlx::AssertSqlSafe(format!("SELECT {PROCEDURE_COLUMNS} FROM trigger_procedures WHERE id = $1"));
                let p: ProcedureRow = sqlx::query_as(psql).bind(a.procedure_id).fetch_one(&mut *$tx).await?;
                let csp_name: Option<String> =
                    sqlx::query_scalar("SELECT name FROM csps WHERE force_id = $1 AND id = $2")
                        .bind(&a.force_id)
                        .bind(&a.csp_id)
                        .fetch_optional(&mut *$tx)
                        .await?;
                let complaints: Vec<ComplaintRow> = sqlx::query_as(
                    "SELECT complainant, agency, incident, behaviour_on, complained_on, hate_related, report_id \
                     FROM trigger_complaints WHERE application_id = $1 ORDER BY number",
                )
                .bind(id)
                .fetch_all(&mut *$tx)
                .await?;
                let decision: Option<DecisionRow> = sqlx::query_as(
                    "SELECT decided_on, threshold_met, met_by, procedure_version, evaluation, reason, recorded_by \
                     FROM trigger_decisions WHERE application_id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *$tx)
                .await?;
                let steps: Vec<StepRow> = sqlx::query_as(
                    "SELECT step, on_date, outcome, notes, recorded_by FROM trigger_steps \
                     WHERE application_id = $1 ORDER BY on_date, recorded_at",
                )
                .bind(id)
                .fetch_all(&mut *$tx)
                .await?;
                let recommendations: Vec<RecommendationRow> = sqlx::query_as(
                    "SELECT recipient, action FROM trigger_recommendations WHERE application_id = $1 ORDER BY number",
                )
                .bind(id)
                .fetch_all(&mut *$tx)
                .await?;
                assemble(a, p, csp_name, complaints, decision, steps, recommendations).map(Some)
            }
        }
    }};
}

fn assemble(
    a: ApplicationRow,
    p: ProcedureRow,
    csp_name: Option<String>,
    complaints: Vec<ComplaintRow>,
    decision: Option<DecisionRow>,
    steps: Vec<StepRow>,
    recommendations: Vec<RecommendationRow>,
) -> Result<CaseReview, CaseReviewError> {
    let complaints = complaints
        .into_iter()
        .map(|c| {
            Ok(Complaint {
                complainant: c.complainant,
                agency: c.agency,
                incident: c.incident,
                behaviour_on: day(&c.behaviour_on, "behaviour")?,
                complained_on: day(&c.complained_on, "complaint")?,
                hate_related: c.hate_related,
                report_id: c.report_id,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let discretion = match (a.discretion_by, a.discretion_reason) {
        (Some(by), Some(reason)) => Some(Discretion { by, reason }),
        _ => None,
    };
    let application = NewApplication {
        received_on: day(&a.received_on, "received")?,
        applicant_name: a.applicant_name,
        applicant_contact: a.applicant_contact,
        on_behalf_of: a.on_behalf_of,
        consent: a.consent,
        summary: a.summary,
        vulnerable: a.vulnerable,
        discretion,
        complaints,
    };
    let evaluation: Evaluation = serde_json::from_str(&a.evaluation).map_err(StoreError::from)?;
    let decision = decision
        .map(|d| {
            Ok::<Decision, StoreError>(Decision {
                decided_on: day(&d.decided_on, "decision")?,
                threshold_met: d.threshold_met,
                met_by: d.met_by,
                procedure_version: d.procedure_version,
                evaluation: serde_json::from_str(&d.evaluation)?,
                reason: d.reason,
                recorded_by: d.recorded_by,
            })
        })
        .transpose()?;
    let steps = steps
        .into_iter()
        .map(|s| {
            let step =
                Step::from_slug(&s.step).ok_or_else(|| StoreError::Corrupt(format!("unknown step {:?}", s.step)))?;
            Ok(StepRecord {
                step,
                on: day(&s.on_date, "step")?,
                outcome: s.outcome,
                notes: s.notes,
                recorded_by: s.recorded_by,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(CaseReview {
        id: a.id,
        csp_name: csp_name.unwrap_or_else(|| a.csp_id.clone()),
        force_id: a.force_id,
        csp_id: a.csp_id,
        procedure: procedure_from_row(p)?,
        application,
        evaluation,
        decision,
        steps,
        recommendations: recommendations
            .into_iter()
            .map(|r| Recommendation { recipient: r.recipient, action: r.action })
            .collect(),
        created_at: a.created_at,
        created_by: a.created_by,
    })
}

/// A refusal by role or reach as the case review error it is.
fn refused(e: StoreError) -> CaseReviewError {
    match e {
        StoreError::Refused(r) => CaseReviewError::Refused(r),
        e => CaseReviewError::Store(e),
    }
}

fn subject(id: i64) -> String {
    format!("case-review:{id}")
}

impl Trigger<'_> {
    /// Adopts a new version of a partnership's procedure (audited as
    /// `case_review.procedure.adopt`). Versions are never changed or removed:
    /// decisions name the version they used.
    pub async fn adopt_procedure(
        self,
        force_id: &str,
        csp_id: &str,
        procedure: &Procedure,
        by: &By<'_>,
    ) -> Result<StoredProcedure, CaseReviewError> {
        self.0
            .authorise(by, Permission::RunCaseReviews, Target::Partnership { force_id, csp_id })
            .await
            .map_err(refused)?;
        procedure.check()?;
        if self.0.geography().csp(force_id, csp_id).await?.is_none() {
            return Err(CaseReviewError::UnknownCsp(csp_id.into(), force_id.into()));
        }
        let document = serde_json::to_string(procedure).map_err(StoreError::from)?;
        let at = time::format(by.at);
        let adopted =
            PartnershipDocument::Procedure.adopt(self.0, force_id, csp_id, &procedure.version, &document, by).await?;
        let Some(id) = adopted else {
            return Err(invalid(
                "version",
                format!(
                    "{force_id}/{csp_id} already has a procedure version {:?}; give the new one its own version",
                    procedure.version
                ),
            ));
        };
        Ok(StoredProcedure {
            id,
            force_id: force_id.into(),
            csp_id: csp_id.into(),
            procedure: procedure.clone(),
            adopted_at: at,
            adopted_by: by.actor().into(),
        })
    }

    /// The procedure in force for a partnership: its newest version.
    pub async fn procedure_for(self, force_id: &str, csp_id: &str) -> Result<Option<StoredProcedure>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROCEDURE_COLUMNS} FROM trigger_procedures WHERE force_id = $1 AND csp_id = $2 ORDER BY id DESC LIMIT 1"
        ));
        let row: Option<ProcedureRow> = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(force_id).bind(csp_id).fetch_optional(pool).await?
        });
        row.map(procedure_from_row).transpose()
    }

    /// Records an application and its automatic threshold check under the
    /// partnership's procedure in force (audited as `case_review.create`).
    /// A partnership with no procedure yet adopts the national default, in
    /// the same transaction, so the check always names a stored version.
    pub async fn record_case_review(
        self,
        force_id: &str,
        csp_id: &str,
        application: NewApplication,
        today: NaiveDate,
        by: &By<'_>,
    ) -> Result<CaseReview, CaseReviewError> {
        self.0
            .authorise(by, Permission::RunCaseReviews, Target::Partnership { force_id, csp_id })
            .await
            .map_err(refused)?;
        let application = application.normalised();
        let problems = application.problems(today);
        if !problems.is_empty() {
            return Err(CaseReviewError::Invalid(problems));
        }
        if self.0.geography().csp(force_id, csp_id).await?.is_none() {
            return Err(CaseReviewError::UnknownCsp(csp_id.into(), force_id.into()));
        }
        let mut missing = Vec::new();
        for (i, c) in application.complaints.iter().enumerate() {
            let Some(report_id) = c.report_id else { continue };
            let found: Option<i64> = on_db!(self.0, pool => {
                sqlx::query_scalar("SELECT id FROM asb_reports WHERE id = $1").bind(report_id).fetch_optional(pool).await?
            });
            if found.is_none() {
                missing.push(Problem {
                    field: format!("complaints[{}].report_id", i + 1),
                    message: format!("Complaint {}: there is no ASB report {report_id}", i + 1),
                });
            }
        }
        if !missing.is_empty() {
            return Err(CaseReviewError::Invalid(missing));
        }
        let existing = self.procedure_for(force_id, csp_id).await?;
        let procedure = existing.as_ref().map(|p| p.procedure.clone()).unwrap_or_else(Procedure::national_default);
        let evaluation = evaluate(
            &procedure,
            &ThresholdInput {
                received_on: application.received_on,
                complaints: &application.complaints,
                vulnerable: application.vulnerable,
                discretion: application.discretion.as_ref(),
            },
        );
        let evaluation_json = serde_json::to_string(&evaluation).map_err(StoreError::from)?;
        let document = serde_json::to_string(&procedure).map_err(StoreError::from)?;
        let at = time::format(by.at);
        let a = &application;
        let id: i64 = on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let procedure_id: i64 = match &existing {
                Some(p) => p.id,
                None => {
                    // Two first applications at once both adopt the default:
                    // the second finds the first's row.
                    let inserted: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO trigger_procedures (force_id, csp_id, version, document, adopted_at, adopted_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (force_id, csp_id, version) DO NOTHING RETURNING id",
                    )
                    .bind(force_id)
                    .bind(csp_id)
                    .bind(&procedure.version)
                    .bind(&document)
                    .bind(&at)
                    .bind(by.actor())
                    .fetch_optional(&mut *tx)
                    .await?;
                    match inserted {
                        Some(pid) => {
                            let entry = by.entry(
                                "case_review.procedure.adopt",
                                format!("csp:{force_id}/{csp_id}"),
                                json!({ "procedure_id": pid, "version": procedure.version, "default": true }),
                            );
                            append_audit_in!(tx, &entry);
                            pid
                        }
                        None => {
                            sqlx::query_scalar(
                                "SELECT id FROM trigger_procedures WHERE force_id = $1 AND csp_id = $2 AND version = $3",
                            )
                            .bind(force_id)
                            .bind(csp_id)
                            .bind(&procedure.version)
                            .fetch_one(&mut *tx)
                            .await?
                        }
                    }
                }
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO trigger_applications (force_id, csp_id, procedure_id, received_on, applicant_name, \
                 applicant_contact, on_behalf_of, consent, summary, vulnerable, discretion_by, discretion_reason, \
                 evaluation, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(force_id)
            .bind(csp_id)
            .bind(procedure_id)
            .bind(a.received_on.to_string())
            .bind(&a.applicant_name)
            .bind(&a.applicant_contact)
            .bind(a.on_behalf_of.as_deref())
            .bind(a.on_behalf_of.is_some() && a.consent)
            .bind(&a.summary)
            .bind(a.vulnerable)
            .bind(a.discretion.as_ref().map(|d| d.by.as_str()))
            .bind(a.discretion.as_ref().map(|d| d.reason.as_str()))
            .bind(&evaluation_json)
            .bind(&at)
            .bind(by.actor())
            .fetch_one(&mut *tx)
            .await?;
            for (i, c) in a.complaints.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO trigger_complaints (application_id, number, complainant, agency, incident, \
                     behaviour_on, complained_on, hate_related, report_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id)
                .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                .bind(&c.complainant)
                .bind(&c.agency)
                .bind(&c.incident)
                .bind(c.behaviour_on.to_string())
                .bind(c.complained_on.to_string())
                .bind(c.hate_related)
                .bind(c.report_id)
                .execute(&mut *tx)
                .await?;
            }
            let entry = by.entry(
                "case_review.create",
                subject(id),
                json!({
                    "csp": format!("{force_id}/{csp_id}"),
                    "procedure_version": procedure.version,
                    "complaints": a.complaints.len(),
                    "threshold_met": evaluation.met,
                }),
            );
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            id
        });
        self.load_case_review(id).await?.ok_or(CaseReviewError::NotFound(id))
    }

    /// One application, without an audit entry: only for answering the
    /// person who has just written it.
    async fn load_case_review(self, id: i64) -> Result<Option<CaseReview>, CaseReviewError> {
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let r = load_review_in!(tx, id)?;
            tx.commit().await?;
            Ok(r)
        })
    }

    /// Whether application `id` exists, refusing (with an `access.denied`
    /// audit entry, and nothing read) if its partnership is outside the
    /// caller's reach: routes ask this before they read what was sent.
    pub async fn reach_case_review(self, id: i64, by: &By<'_>) -> Result<bool, CaseReviewError> {
        self.0.authorise(by, Permission::RunCaseReviews, Target::Own).await.map_err(refused)?;
        let place: Option<(String, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT force_id, csp_id FROM trigger_applications WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some((force_id, csp_id)) = place else { return Ok(false) };
        let target = Target::Partnership { force_id: &force_id, csp_id: &csp_id };
        self.0.authorise(by, Permission::RunCaseReviews, target).await.map_err(refused)?;
        Ok(true)
    }

    /// One application and its history, for someone with a lawful purpose
    /// (audited as `case_review.read` in the same transaction as the read).
    pub async fn case_review(self, id: i64, by: &By<'_>) -> Result<Option<CaseReview>, CaseReviewError> {
        if !self.reach_case_review(id, by).await? {
            return Ok(None);
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let r = load_review_in!(tx, id)?;
            if r.is_some() {
                let entry = by.entry("case_review.read", subject(id), json!({}));
                append_audit_in!(tx, &entry);
            }
            tx.commit().await?;
            Ok(r)
        })
    }

    /// Every application (of one partnership, when given), newest first
    /// (audited as `case_review.list`, naming how many were shown).
    pub async fn case_reviews(
        self,
        csp: Option<(&str, &str)>,
        by: &By<'_>,
    ) -> Result<Vec<CaseReview>, CaseReviewError> {
        match csp {
            Some((force_id, csp_id)) => {
                let target = Target::Partnership { force_id, csp_id };
                self.0.authorise(by, Permission::RunCaseReviews, target).await.map_err(refused)?
            }
            None => self.0.authorise(by, Permission::RunCaseReviews, Target::Own).await.map_err(refused)?,
        }
        let (force_id, csp_id) = csp.unzip();
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, force_id, csp_id FROM trigger_applications \
                 WHERE ($1 IS NULL OR force_id = $1) AND ($2 IS NULL OR csp_id = $2) \
                 ORDER BY received_on DESC, id DESC",
            )
            .bind(force_id)
            .bind(csp_id)
            .fetch_all(&mut *tx)
            .await?;
            // Only the partnerships within the caller's reach.
            let ids = rows.into_iter().filter(|(_, f, c)| {
                by.may(Permission::RunCaseReviews, Target::Partnership { force_id: f, csp_id: c })
            });
            let mut out = Vec::new();
            for (id, ..) in ids {
                if let Some(r) = load_review_in!(tx, id)? {
                    out.push(r);
                }
            }
            let scope = match csp {
                Some((f, c)) => format!("csp:{f}/{c}"),
                None => "case-reviews".into(),
            };
            let entry = by.entry("case_review.list", scope, json!({ "count": out.len() }));
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            Ok(out)
        })
    }

    /// What the published figures need, for one partnership: no names, so
    /// no audit entry.
    pub async fn case_review_facts(self, force_id: &str, csp_id: &str) -> Result<Vec<ApplicationFacts>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            received_on: String,
            threshold_met: Option<bool>,
            meeting_on: Option<String>,
            appeal: Option<String>,
            recommendations: i64,
        }
        let rows: Vec<Row> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT a.received_on, d.threshold_met, m.on_date AS meeting_on, ap.outcome AS appeal, \
                 (SELECT COUNT(*) FROM trigger_recommendations r WHERE r.application_id = a.id) AS recommendations \
                 FROM trigger_applications a \
                 LEFT JOIN trigger_decisions d ON d.application_id = a.id \
                 LEFT JOIN trigger_steps m ON m.application_id = a.id AND m.step = 'meeting' \
                 LEFT JOIN trigger_steps ap ON ap.application_id = a.id AND ap.step = 'appeal-decided' \
                 WHERE a.force_id = $1 AND a.csp_id = $2 ORDER BY a.id",
            )
            .bind(force_id)
            .bind(csp_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let upheld = r.appeal.as_deref() == Some("upheld");
                Ok(ApplicationFacts {
                    received_on: day(&r.received_on, "received")?,
                    threshold_met: r.threshold_met.map(|m| m || upheld),
                    meeting_on: r.meeting_on.as_deref().map(|s| day(s, "meeting")).transpose()?,
                    recommendations: u32::try_from(r.recommendations).unwrap_or(0),
                })
            })
            .collect()
    }

    /// Records the threshold decision (audited as `case_review.decide`).
    /// `threshold_met` of `None` takes the rules' answer; a decision against
    /// the rules (the bodies' own judgement under s104(5), say) needs a reason.
    pub async fn record_decision(
        self,
        id: i64,
        decided_on: Option<NaiveDate>,
        threshold_met: Option<bool>,
        reason: &str,
        today: NaiveDate,
        by: &By<'_>,
    ) -> Result<(), CaseReviewError> {
        if !self.reach_case_review(id, by).await? {
            return Err(CaseReviewError::NotFound(id));
        }
        let reason = reason.trim();
        if reason.chars().count() > 4000 {
            return Err(invalid("reason", "The reason must be 4,000 characters or fewer"));
        }
        let Some(decided_on) = decided_on else {
            return Err(invalid("on", "Enter the date of the decision as year-month-day, for example 2026-03-31"));
        };
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            // Lock the application before reading its history.
            let n = sqlx::query("UPDATE trigger_applications SET id = id WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(CaseReviewError::NotFound(id));
            }
            let review = load_review_in!(tx, id)?.ok_or(CaseReviewError::NotFound(id))?;
            let procedure = &review.procedure.procedure;
            review.timeline().check(procedure, Step::Decided, decided_on, today).map_err(step_problem)?;
            let a = &review.application;
            let evaluation = evaluate(
                procedure,
                &ThresholdInput {
                    received_on: a.received_on,
                    complaints: &a.complaints,
                    vulnerable: a.vulnerable,
                    discretion: a.discretion.as_ref(),
                },
            );
            let met = threshold_met.unwrap_or(evaluation.met);
            if met != evaluation.met && reason.is_empty() {
                return Err(invalid(
                    "reason",
                    if met {
                        "The rules say the threshold is not met: give the reason the relevant bodies decided it is"
                    } else {
                        "The rules say the threshold is met: give the reason the relevant bodies decided it is not"
                    },
                ));
            }
            let evaluation_json = serde_json::to_string(&evaluation).map_err(StoreError::from)?;
            let met_by = if met { evaluation.met_by.clone() } else { None };
            sqlx::query(
                "INSERT INTO trigger_decisions (application_id, decided_on, threshold_met, met_by, procedure_version, \
                 evaluation, reason, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(decided_on.to_string())
            .bind(met)
            .bind(met_by.as_deref())
            .bind(&procedure.version)
            .bind(&evaluation_json)
            .bind(reason)
            .bind(time::format(by.at))
            .bind(by.actor())
            .execute(&mut *tx)
            .await?;
            let entry = by.entry(
                "case_review.decide",
                subject(id),
                json!({
                    "threshold_met": met,
                    "met_by": met_by,
                    "procedure_version": procedure.version,
                    "as_the_rules_say": met == evaluation.met,
                }),
            );
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records any step but the decision (audited as `case_review.step`).
    pub async fn record_step(
        self,
        id: i64,
        step: Step,
        input: &StepInput,
        today: NaiveDate,
        by: &By<'_>,
    ) -> Result<(), CaseReviewError> {
        if !self.reach_case_review(id, by).await? {
            return Err(CaseReviewError::NotFound(id));
        }
        if step == Step::Decided {
            return Err(invalid("step", "Record the threshold decision with its own form"));
        }
        let Some(on) = input.on else {
            return Err(invalid("on", "Enter the date as year-month-day, for example 2026-03-31"));
        };
        let notes = input.notes.trim();
        if notes.chars().count() > 4000 {
            return Err(invalid("notes", "Notes must be 4,000 characters or fewer"));
        }
        let outcome = input.outcome.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let outcome = match (step, outcome) {
            (Step::AppealDecided, Some(o @ ("upheld" | "not-upheld"))) => Some(o),
            (Step::AppealDecided, _) => {
                return Err(invalid("outcome", "Choose whether the appeal was upheld"));
            }
            (_, Some(_)) => return Err(invalid("outcome", "Only an appeal's decision has an outcome")),
            (_, None) => None,
        };
        let recs: Vec<Recommendation> = input
            .recommendations
            .iter()
            .map(|r| Recommendation { recipient: r.recipient.trim().into(), action: r.action.trim().into() })
            .filter(|r| !(r.recipient.is_empty() && r.action.is_empty()))
            .collect();
        if step != Step::Recommendations && !recs.is_empty() {
            return Err(invalid("recommendations", "Recommendations belong to the recommendations step"));
        }
        let mut problems = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let n = i + 1;
            if r.recipient.is_empty() || r.recipient.chars().count() > 200 {
                problems.push(Problem {
                    field: format!("recommendations[{n}].recipient"),
                    message: format!("Recommendation {n}: enter the body it is made to"),
                });
            }
            if r.action.is_empty() || r.action.chars().count() > 2000 {
                problems.push(Problem {
                    field: format!("recommendations[{n}].action"),
                    message: format!("Recommendation {n}: enter what is recommended (at most 2,000 characters)"),
                });
            }
        }
        if !problems.is_empty() {
            return Err(CaseReviewError::Invalid(problems));
        }
        on_db!(self.0, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE trigger_applications SET id = id WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(CaseReviewError::NotFound(id));
            }
            let review = load_review_in!(tx, id)?.ok_or(CaseReviewError::NotFound(id))?;
            review.timeline().check(&review.procedure.procedure, step, on, today).map_err(step_problem)?;
            let at = time::format(by.at);
            sqlx::query(
                "INSERT INTO trigger_steps (application_id, step, on_date, outcome, notes, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(step.slug())
            .bind(on.to_string())
            .bind(outcome)
            .bind(notes)
            .bind(&at)
            .bind(by.actor())
            .execute(&mut *tx)
            .await?;
            for (i, r) in recs.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO trigger_recommendations (application_id, number, recipient, action) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                .bind(&r.recipient)
                .bind(&r.action)
                .execute(&mut *tx)
                .await?;
            }
            let entry = by.entry(
                "case_review.step",
                subject(id),
                json!({ "step": step.slug(), "on": on.to_string(), "outcome": outcome, "recommendations": recs.len() }),
            );
            append_audit_in!(tx, &entry);
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A step out of order: a problem with its date, or with the step itself.
fn step_problem(e: StepError) -> CaseReviewError {
    let field = match e {
        StepError::TooEarly { .. } | StepError::Future => "on",
        _ => "step",
    };
    invalid(field, capitalise(&e.to_string()))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
