//! Where casework meets the Community Trigger: a victim's stored reports
//! checked against the case review threshold, and stored reports cited by a
//! case review application.

use chrono::{Months, NaiveDate, NaiveDateTime};
use peel_core::access::time;
use peel_core::asb::report::OCCURRED_FORMAT;
use peel_core::asb::{Identity, Problems};
use peel_core::trigger::{Complaint, Procedure, StoredReport, complaints_from_reports, detect};
use serde::Serialize;
use serde_json::json;

use super::{AsbError, ReportView, Viewer};
use crate::handles::Asb;
use crate::{StoreError, on_db};

/// Whether a victim's reports may already meet the Community Trigger
/// threshold. Advice only: an application starts a review, and the
/// partnership's adopted procedure decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseReviewCheck {
    pub may_be_entitled: bool,
    /// The rules used: the national default procedure's version.
    pub rules_version: String,
    pub summary: String,
    /// How many of the victim's reports were checked (every organisation's).
    pub reports_checked: usize,
    /// How many incidents count towards the threshold.
    pub qualifying_incidents: usize,
    /// The checked reports the viewer may see, to cite in an application.
    pub report_ids: Vec<i64>,
}

/// What a case review needs of a stored report.
#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    agency: String,
    complainant: Option<String>,
    occurred_at: String,
    recorded_at: String,
    hate_related: bool,
    location: String,
    location_key: String,
}

/// A victim's keys, for finding their other reports.
#[derive(sqlx::FromRow)]
struct KeyRow {
    name_key: String,
    postcode: String,
    phone_key: String,
    email_key: String,
    address_key: String,
}

impl Asb<'_> {
    /// What a case review needs of each report, in the order of `ids`.
    async fn stored_reports(self, ids: &[i64]) -> Result<Vec<StoredReport>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<StoredRow> = on_db!(self.0, pool => {
                sqlx::query_as(
                    "SELECT r.id, o.name AS agency, (SELECT p.name FROM asb_report_people p WHERE p.report_id = r.id \
                     AND p.role = 'reporter' ORDER BY p.position LIMIT 1) AS complainant, r.occurred_at, r.recorded_at, \
                     r.hate_related, r.location, r.location_key FROM asb_reports r \
                     JOIN organisations o ON o.id = r.recorded_by_org_id WHERE r.id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await?
            });
            let Some(r) = row else { continue };
            let corrupt = |what: &str| StoreError::Corrupt(format!("report {}: bad {what}", r.id));
            let occurred_at =
                NaiveDateTime::parse_from_str(&r.occurred_at, OCCURRED_FORMAT).map_err(|_| corrupt("occurred_at"))?;
            let recorded_on = time::parse(&r.recorded_at).ok_or_else(|| corrupt("recorded_at"))?.date_naive();
            out.push(StoredReport {
                id: r.id,
                agency: r.agency,
                complainant: r.complainant.unwrap_or_default(),
                occurred_at,
                recorded_on,
                hate_related: r.hate_related,
                location: r.location,
                location_key: r.location_key,
            });
        }
        Ok(out)
    }

    /// Checks each victim on `view` against the national default threshold
    /// as if they applied today. Their reports are found as the repeat-victim
    /// rule finds them, across every organisation, over the procedure's
    /// application window; only reports `v` may see are named.
    pub(crate) async fn add_case_review_checks(self, view: &mut ReportView, v: &Viewer<'_>) -> Result<(), AsbError> {
        let procedure = Procedure::national_default();
        let today: NaiveDate = v.at.date_naive();
        let since = today
            .checked_sub_months(Months::new(procedure.qualifying.application_within_months))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| time::format(t.and_utc()))
            .unwrap_or_default();
        let now = time::format(v.at);
        let keys: Vec<KeyRow> = on_db!(self.0, pool => {
            sqlx::query_as(
                "SELECT name_key, postcode, phone_key, email_key, address_key FROM asb_report_people \
                 WHERE report_id = $1 AND role = 'victim' ORDER BY position",
            )
            .bind(view.id)
            .fetch_all(pool)
            .await?
        });
        for (victim, KeyRow { name_key, postcode, phone_key, email_key, address_key }) in
            view.victims.iter_mut().zip(keys)
        {
            let me = Identity { name_key, postcode, phone_key, email_key, address_key };
            let mut ids: Vec<i64> = self.reports_about(&me, &since, &now).await?.into_keys().collect();
            if !ids.contains(&view.id) {
                ids.push(view.id);
            }
            let reports = self.stored_reports(&ids).await?;
            let found = detect(&procedure, &reports, today);
            let mut visible = Vec::new();
            for id in &found.reports {
                if matches!(self.report_owner(*id, v.org_id).await?, Some((_, true))) {
                    visible.push(*id);
                }
            }
            victim.case_review = Some(CaseReviewCheck {
                may_be_entitled: found.may_be_entitled,
                rules_version: found.rules_version,
                summary: found.summary,
                reports_checked: found.reports.len(),
                qualifying_incidents: found.qualifying_reports.len(),
                report_ids: visible,
            });
        }
        Ok(())
    }

    /// Checks `v` may see every report in `ids`: 422 for one that does not
    /// exist, 403 (audited) for one not shared with their organisation.
    pub async fn check_citable_asb_reports(self, ids: &[i64], v: &Viewer<'_>) -> Result<(), AsbError> {
        for id in ids {
            match self.report_owner(*id, v.org_id).await? {
                None => {
                    return Err(AsbError::Invalid(Problems::one("report_ids", format!("There is no report {id}."))));
                }
                Some((_, false)) => {
                    self.audit_refusal(&format!("asb_report:{id}"), v).await?;
                    return Err(AsbError::NotShared(format!(
                        "report {id} is not shared with your organisation: ask the organisation that owns it"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The complaint rows a case review application cites for stored
    /// reports: agency the recording organisation, complainant the reporter,
    /// the dates and hate flag from the report, and one incident for reports
    /// of the same incident. Each report is checked as
    /// [`Asb::check_citable_asb_reports`] does, and each read audited as
    /// `asb.report.read` before anything is returned.
    pub async fn asb_reports_as_complaints(self, ids: &[i64], v: &Viewer<'_>) -> Result<Vec<Complaint>, AsbError> {
        let mut unique = Vec::new();
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        self.check_citable_asb_reports(&unique, v).await?;
        for id in &unique {
            let entry =
                v.by().entry("asb.report.read", format!("asb_report:{id}"), json!({ "cited_in": "case review" }));
            self.0.audit().append_audit(&entry).await?;
        }
        let mut reports = self.stored_reports(&unique).await?;
        reports.sort_by_key(|r| (r.recorded_on, r.id));
        Ok(complaints_from_reports(&reports))
    }
}
