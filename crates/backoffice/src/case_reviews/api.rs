//! `/api/v1/asb/…`: case reviews as JSON, for programs holding a bearer
//! token of a role that may run case reviews.
//!
//! - `GET /api/v1/asb/case-reviews[?force=F&csp=C]`, `POST /api/v1/asb/case-reviews`
//! - `GET /api/v1/asb/case-reviews/{review}`, `POST /api/v1/asb/case-reviews/{review}/steps`
//! - `GET` and `POST /api/v1/asb/procedures/{force}/{csp}`: the procedure in
//!   force, and adopting a new version.
//!
//! Bad input is answered 422 with `{"error", "problems": [{field, message}]}`
//! and changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};

use crate::json_query::JsonQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use peel_core::access::{Permission, Target};
use peel_core::trigger::application::Problem;
use peel_core::trigger::{NewApplication, Procedure, Recommendation, Step};
use peel_store::StepInput;
use peel_store::asb::AsbError;
use serde::Deserialize;
use serde_json::{Value, json};

use super::view::review_json;
use super::{by, report_viewer, today};
use crate::AppState;
use crate::JsonError;
use crate::auth::{Api, need};
use peel_usecases::case_reviews::{self, ApplyError, NewStep};

fn one(field: &str, message: impl Into<String>) -> Vec<Problem> {
    vec![Problem { field: field.into(), message: message.into() }]
}

/// A JSON body, or a 422 saying what is wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Vec<Problem>> {
    b.map(|Json(v)| v).map_err(|e| one("body", e.body_text()))
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    force: Option<String>,
    csp: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    JsonQuery(p): JsonQuery<ListParams>,
) -> Response {
    let scope = match (p.force.as_deref(), p.csp.as_deref()) {
        (Some(f), Some(c)) => Some((f, c)),
        (None, None) => None,
        _ => return JsonError::Malformed(one("csp", "give both force and csp, or neither").into()).into_response(),
    };
    match state.store.trigger().case_reviews(scope, &by(&a, &bo)).await {
        Ok(list) => {
            let now = today(&bo);
            Json(json!({ "case_reviews": list.iter().map(|r| review_json(r, now)).collect::<Vec<_>>() }))
                .into_response()
        }
        Err(e) => JsonError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    force: String,
    csp: String,
    application: NewApplication,
    /// Stored ASB reports to cite: a complaint row is added for each.
    #[serde(default)]
    report_ids: Vec<i64>,
}

/// A refusal to cite stored ASB reports: its problems listed as a case
/// review's are (by message).
fn asb_error(e: AsbError) -> JsonError {
    match e {
        AsbError::Invalid(p) => JsonError::Invalid(
            p.0.into_iter().map(|x| Problem { field: x.field, message: x.message }).collect::<Vec<_>>().into(),
        ),
        other => other.into(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    bytes: Bytes,
) -> Response {
    // The partnership named first: a caller outside it is refused before
    // the application itself is read.
    let named = serde_json::from_slice::<Value>(&bytes).ok().and_then(|v| {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        s("force").zip(s("csp"))
    });
    if let Some((force_id, csp_id)) = &named {
        let target = Target::Partnership { force_id, csp_id };
        if let Err(e) = state.store.authorise(&by(&a, &bo), Permission::RunCaseReviews, target).await {
            return JsonError::from(e).into_response();
        }
    }
    let b: CreateBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return JsonError::Invalid(one("body", e.to_string()).into()).into_response(),
    };
    let v = report_viewer(&a, &bo);
    match case_reviews::apply(&state.store, &v, &b.force, &b.csp, b.application, &b.report_ids, today(&bo)).await {
        Ok(r) => (StatusCode::CREATED, Json(review_json(&r, today(&bo)))).into_response(),
        Err(ApplyError::Citation { error, .. }) => asb_error(error).into_response(),
        Err(ApplyError::Review(e)) => JsonError::from(e).into_response(),
    }
}

/// The review number in the path. Not a number (`/case-reviews/null`):
/// no such review, answered in JSON like any other unknown number rather
/// than with the router's plain-text 400.
fn review_id(raw: &str) -> Result<i64, Box<Response>> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Box::new(JsonError::NotFound(format!("{raw:?} is not a case review number")).into_response()))
}

pub async fn show(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    Path(raw): Path<String>,
) -> Response {
    let id = match review_id(&raw) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match state.store.trigger().case_review(id, &by(&a, &bo)).await {
        Ok(Some(r)) => Json(review_json(&r, today(&bo))).into_response(),
        Ok(None) => JsonError::NotFound(format!("case review {id} not found")).into_response(),
        Err(e) => JsonError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    step: String,
    on: NaiveDate,
    #[serde(default)]
    notes: String,
    /// For `appeal-decided`: `upheld` or `not-upheld`.
    #[serde(default)]
    outcome: Option<String>,
    /// For `decided`: `true`/`false` to decide against the rules (with a
    /// reason), absent to take the rules' answer.
    #[serde(default)]
    threshold_met: Option<bool>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    recommendations: Vec<Recommendation>,
}

/// The step a program sent, if it names one and sends only that step's
/// fields: a program sending the wrong ones is told.
fn new_step(b: StepBody) -> Result<NewStep, Vec<Problem>> {
    let Some(step) = Step::from_slug(&b.step) else {
        let choices = Step::ALL.iter().map(|s| s.slug()).collect::<Vec<_>>().join(", ");
        return Err(one("step", format!("step must be one of: {choices}")));
    };
    if step == Step::Decided && (b.outcome.is_some() || !b.recommendations.is_empty()) {
        return Err(one("step", "a decision takes threshold_met and reason, not an outcome or recommendations"));
    }
    if step != Step::Decided && (b.threshold_met.is_some() || !b.reason.trim().is_empty()) {
        return Err(one("threshold_met", "only the decided step takes threshold_met and reason"));
    }
    let input = StepInput { on: Some(b.on), notes: b.notes, outcome: b.outcome, recommendations: b.recommendations };
    Ok(NewStep { step, input, threshold_met: b.threshold_met, reason: b.reason })
}

pub async fn record_step(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    Path(raw): Path<String>,
    b: Result<Json<StepBody>, JsonRejection>,
) -> Response {
    let id = match review_id(&raw) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    // A review outside the caller's reach is refused before the step is read.
    match state.store.trigger().reach_case_review(id, &by(&a, &bo)).await {
        Ok(true) => {}
        Ok(false) => return JsonError::NotFound(format!("case review {id} not found")).into_response(),
        Err(e) => return JsonError::from(e).into_response(),
    }
    let b = match body(b) {
        Ok(b) => b,
        Err(p) => return JsonError::Invalid(p.into()).into_response(),
    };
    let s = match new_step(b) {
        Ok(s) => s,
        Err(p) => return JsonError::Invalid(p.into()).into_response(),
    };
    let by = by(&a, &bo);
    let now = today(&bo);
    if let Err(e) = case_reviews::record_step(&state.store, &by, id, &s, now).await {
        return JsonError::from(e).into_response();
    }
    match state.store.trigger().case_review(id, &by).await {
        Ok(Some(r)) => Json(review_json(&r, now)).into_response(),
        Ok(None) => JsonError::NotFound(format!("case review {id} not found")).into_response(),
        Err(e) => JsonError::from(e).into_response(),
    }
}

fn procedure_json(p: &peel_store::StoredProcedure) -> Value {
    json!({
        "force": p.force_id,
        "csp": p.csp_id,
        "adopted_at": p.adopted_at,
        "adopted_by": p.adopted_by,
        "procedure": p.procedure,
    })
}

pub async fn procedure(
    State(state): State<AppState>,
    Api(..): Api<need::RunCaseReviews>,
    Path((force, csp)): Path<(String, String)>,
) -> Response {
    match state.store.geography().csp(&force, &csp).await {
        Ok(None) => {
            return JsonError::NotFound(format!("there is no partnership {csp} in force {force}")).into_response();
        }
        Err(e) => return JsonError::from(e).into_response(),
        Ok(Some(_)) => {}
    }
    match state.store.trigger().procedure_for(&force, &csp).await {
        Ok(Some(p)) => Json(json!({ "default": false, "current": procedure_json(&p) })).into_response(),
        Ok(None) => Json(json!({
            "default": true,
            "current": { "force": force, "csp": csp, "adopted_at": null, "adopted_by": null, "procedure": Procedure::national_default() },
        }))
        .into_response(),
        Err(e) => JsonError::from(e).into_response(),
    }
}

pub async fn adopt_procedure(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    Path((force, csp)): Path<(String, String)>,
    text: String,
) -> Response {
    let target = Target::Partnership { force_id: &force, csp_id: &csp };
    if let Err(e) = state.store.authorise(&by(&a, &bo), Permission::RunCaseReviews, target).await {
        return JsonError::from(e).into_response();
    }
    match case_reviews::adopt_procedure(&state.store, &by(&a, &bo), &force, &csp, &text).await {
        Ok(p) => {
            (StatusCode::CREATED, Json(json!({ "default": false, "current": procedure_json(&p) }))).into_response()
        }
        Err(e) => JsonError::from(e).into_response(),
    }
}
