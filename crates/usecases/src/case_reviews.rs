//! Community Trigger case reviews: recording an application (with the
//! stored ASB reports it cites), each later step, and a partnership's
//! procedure. The pages and the JSON API are adapters over these.

use chrono::NaiveDate;
use peel_core::access::{Permission, Target};
use peel_core::trigger::application::{MAX_COMPLAINTS, Problem};
use peel_core::trigger::{NewApplication, Procedure, Step};
use peel_store::asb::{AsbError, Viewer};
use peel_store::{By, CaseReview, CaseReviewError, StepInput, Store, StoreError, StoredProcedure};

/// A step as recorded: which, its details, and for the decision whether the
/// threshold was met (`None`: as the rules say) and why.
#[derive(Debug, Clone)]
pub struct NewStep {
    pub step: Step,
    pub input: StepInput,
    pub threshold_met: Option<bool>,
    pub reason: String,
}

/// Why an application was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A stored report the application cites cannot be cited: complaint
    /// `complaint` (counting from 1) names it, or `None` for one of the
    /// reports given to be added as complaints.
    #[error("{error}")]
    Citation { complaint: Option<usize>, error: AsbError },
    #[error(transparent)]
    Review(#[from] CaseReviewError),
}

/// Records an application to the partnership `force_id`/`csp_id`. Each
/// complaint citing a stored report must cite one `v` may see; each of
/// `report_ids` adds a complaint made from that report. Nothing is stored
/// unless all is well.
pub async fn apply(
    store: &Store,
    v: &Viewer<'_>,
    force_id: &str,
    csp_id: &str,
    mut application: NewApplication,
    report_ids: &[i64],
    today: NaiveDate,
) -> Result<CaseReview, ApplyError> {
    // Who may, before anything they sent is read.
    let target = Target::Partnership { force_id, csp_id };
    store.authorise(&v.by(), Permission::RunCaseReviews, target).await.map_err(|e| match e {
        StoreError::Refused(r) => CaseReviewError::Refused(r),
        e => CaseReviewError::Store(e),
    })?;
    if report_ids.len() + application.complaints.len() > MAX_COMPLAINTS {
        let message = format!("An application can cite at most {MAX_COMPLAINTS} complaints, stored reports included");
        return Err(CaseReviewError::Invalid(vec![Problem { field: "report_ids".into(), message }]).into());
    }
    for (i, c) in application.complaints.iter().enumerate() {
        if let Some(report_id) = c.report_id {
            store
                .asb()
                .check_citable_asb_reports(&[report_id], v)
                .await
                .map_err(|error| ApplyError::Citation { complaint: Some(i + 1), error })?;
        }
    }
    if !report_ids.is_empty() {
        let cited = store
            .asb()
            .asb_reports_as_complaints(report_ids, v)
            .await
            .map_err(|error| ApplyError::Citation { complaint: None, error })?;
        application.complaints.extend(cited);
    }
    Ok(store.trigger().record_case_review(force_id, csp_id, application, today, &v.by()).await?)
}

/// Records a step of application `id`: the threshold decision, or any other.
pub async fn record_step(
    store: &Store,
    by: &By<'_>,
    id: i64,
    s: &NewStep,
    today: NaiveDate,
) -> Result<(), CaseReviewError> {
    if s.step == Step::Decided {
        store.trigger().record_decision(id, s.input.on, s.threshold_met, &s.reason, today, by).await
    } else {
        store.trigger().record_step(id, s.step, &s.input, today, by).await
    }
}

/// Adopts a new version of a partnership's procedure from its JSON document.
pub async fn adopt_procedure(
    store: &Store,
    by: &By<'_>,
    force_id: &str,
    csp_id: &str,
    document: &str,
) -> Result<StoredProcedure, CaseReviewError> {
    let procedure = Procedure::from_json(document)?;
    store.trigger().adopt_procedure(force_id, csp_id, &procedure, by).await
}
