//! `/api/v1/asb/…`: ASB casework for programs, with bearer tokens. Bad
//! input gets 422 with every problem named by field; cases not shared with
//! the caller's organisation get 403; nothing is stored on any refusal.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};

use crate::json_query::JsonQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use peel_core::asb::tools::RawToolUse;
use peel_core::asb::{Problems, RawReport};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::viewer;
use crate::AppState;
use crate::JsonError;
use crate::auth::{Api, need};
use peel_usecases::casework;

pub(super) type Answer = Result<Response, JsonError>;

pub(super) fn ok(status: StatusCode, v: Value) -> Answer {
    Ok((status, Json(v)).into_response())
}

fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, JsonError> {
    serde_json::from_slice(bytes)
        .map_err(|e| Problems::one("body", format!("Send a JSON object as the request body: {e}.")).into())
}

pub(super) fn id(raw: &str) -> Result<i64, JsonError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| JsonError::NotFound(format!("{raw:?} is not a report or case number")))
}

/// The case the path names, once the caller is known to reach it (owned by
/// or shared with their organisation): anyone else is refused (403, audited)
/// before what they sent is read.
pub(super) async fn reachable_case(
    state: &AppState,
    a: &crate::auth::Authed,
    bo: &crate::Backoffice,
    raw: &str,
) -> Result<i64, JsonError> {
    let case_id = id(raw)?;
    state.store.asb().reach_asb_case(case_id, &viewer(a, bo.now())).await?;
    Ok(case_id)
}

pub async fn rules(State(state): State<AppState>, Api(..): Api<need::RecordReport>) -> Answer {
    let r = state.store.asb().current_asb_rules().await?;
    ok(StatusCode::OK, serde_json::to_value(&r).unwrap_or_default())
}

pub async fn record_report(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RecordReport>,
    raw: Bytes,
) -> Answer {
    let raw: RawReport = body(&raw)?;
    let r = casework::record_report(&state.store, &viewer(&a, bo.now()), &raw).await?;
    ok(StatusCode::CREATED, json!({ "report": r }))
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    limit: Option<i64>,
}

pub async fn reports(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewCases>,
    JsonQuery(p): JsonQuery<ListParams>,
) -> Answer {
    let list = state.store.asb().asb_reports(&viewer(&a, bo.now()), p.limit.unwrap_or(100)).await?;
    ok(StatusCode::OK, json!({ "reports": list }))
}

pub async fn report(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewCases>,
    Path(raw): Path<String>,
) -> Answer {
    let r = state.store.asb().asb_report(id(&raw)?, &viewer(&a, bo.now())).await?;
    ok(StatusCode::OK, json!({ "report": r }))
}

#[derive(Deserialize)]
struct RiskBody {
    answers: BTreeMap<String, bool>,
}

pub async fn assess_risk(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RecordReport>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let report_id = id(&raw)?;
    let b: RiskBody = body(&b)?;
    let (assessment, view, rules) =
        casework::assess_risk(&state.store, &viewer(&a, bo.now()), report_id, &b.answers).await?;
    let review = view
        .review_due_on
        .as_ref()
        .map(|d| format!("High risk: hold a multi-agency review by {d} (rule set {}).", rules.version));
    ok(
        StatusCode::CREATED,
        json!({
            "assessment": view,
            "band": assessment.band,
            "score": assessment.score,
            "rules_version": assessment.rules_version,
            "multi_agency_review": review,
        }),
    )
}

pub async fn risk(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewCases>,
    Path(raw): Path<String>,
) -> Answer {
    let list = state.store.asb().asb_risk_assessments(id(&raw)?, &viewer(&a, bo.now())).await?;
    ok(StatusCode::OK, json!({ "assessments": list }))
}

#[derive(Deserialize)]
struct NewCaseBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    report_ids: Vec<i64>,
    /// The partnership the case is handled under, as `force/csp`.
    #[serde(default)]
    csp: Option<String>,
}

pub async fn create_case(State(state): State<AppState>, Api(a, bo, ..): Api<need::ManageCases>, b: Bytes) -> Answer {
    let b: NewCaseBody = body(&b)?;
    let csp = b.csp.unwrap_or_default();
    let id = casework::open_case(&state.store, &viewer(&a, bo.now()), &b.title, &b.report_ids, &csp).await?;
    ok(StatusCode::CREATED, json!({ "case_id": id, "href": format!("/api/v1/asb/cases/{id}") }))
}

pub async fn cases(State(state): State<AppState>, Api(a, bo, ..): Api<need::ViewCases>) -> Answer {
    let list = state.store.asb().asb_cases(&viewer(&a, bo.now())).await?;
    ok(StatusCode::OK, json!({ "cases": list }))
}

pub async fn case(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewCases>,
    Path(raw): Path<String>,
) -> Answer {
    let c = state.store.asb().asb_case(id(&raw)?, &viewer(&a, bo.now())).await?;
    ok(StatusCode::OK, json!({ "case": c }))
}

#[derive(Deserialize)]
struct ReportRef {
    report_id: i64,
}

pub async fn link_report(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: ReportRef = body(&b)?;
    casework::link_report(&state.store, &viewer(&a, bo.now()), case_id, Some(b.report_id)).await?;
    ok(StatusCode::OK, json!({ "case_id": case_id, "report_id": b.report_id }))
}

#[derive(Deserialize)]
struct OrgRef {
    organisation_id: i64,
}

pub async fn share(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: OrgRef = body(&b)?;
    let changed = casework::share(&state.store, &viewer(&a, bo.now()), case_id, Some(b.organisation_id)).await?;
    ok(StatusCode::OK, json!({ "case_id": case_id, "organisation_id": b.organisation_id, "changed": changed }))
}

pub async fn unshare(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: OrgRef = body(&b)?;
    let changed = casework::unshare(&state.store, &viewer(&a, bo.now()), case_id, Some(b.organisation_id)).await?;
    ok(StatusCode::OK, json!({ "case_id": case_id, "organisation_id": b.organisation_id, "changed": changed }))
}

#[derive(Deserialize)]
struct ActionBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    taken_on: String,
    #[serde(default)]
    description: String,
}

pub async fn add_action(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: ActionBody = body(&b)?;
    let v = viewer(&a, bo.now());
    let action_id = casework::add_action(&state.store, &v, case_id, &b.kind, &b.taken_on, &b.description).await?;
    ok(StatusCode::CREATED, json!({ "case_id": case_id, "action_id": action_id }))
}

pub async fn add_tool(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: RawToolUse = body(&b)?;
    let (tool_id, review_on) = casework::add_tool(&state.store, &viewer(&a, bo.now()), case_id, &b).await?;
    ok(
        StatusCode::CREATED,
        json!({ "case_id": case_id, "tool_id": tool_id, "review_on": review_on.format("%Y-%m-%d").to_string() }),
    )
}

#[derive(Deserialize)]
struct CloseBody {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    notes: String,
}

pub async fn close(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: CloseBody = body(&b)?;
    let outcome = casework::close(&state.store, &viewer(&a, bo.now()), case_id, &b.outcome, &b.notes).await?;
    ok(StatusCode::OK, json!({ "case_id": case_id, "status": "closed", "outcome": outcome }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    user_id: Option<i64>,
    #[serde(default)]
    organisation_id: Option<i64>,
    #[serde(default)]
    reason: String,
}

pub async fn reassign(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::SuperviseCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: ReassignBody = body(&b)?;
    let v = viewer(&a, bo.now());
    casework::reassign(&state.store, &v, case_id, b.user_id, b.organisation_id, &b.reason).await?;
    let c = state.store.asb().asb_case(case_id, &v).await?;
    ok(StatusCode::OK, json!({ "case": c }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    #[serde(default)]
    reason: String,
}

pub async fn reopen(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case_id = reachable_case(&state, &a, &bo, &raw).await?;
    let b: ReopenBody = body(&b)?;
    casework::reopen(&state.store, &viewer(&a, bo.now()), case_id, &b.reason).await?;
    ok(StatusCode::OK, json!({ "case_id": case_id, "status": "open" }))
}

#[derive(Deserialize, Default)]
pub struct ReviewParams {
    #[serde(default)]
    due_by: String,
}

/// The last day a review may fall on to be listed: `due_by`, else 14 days from today.
pub fn due_by(raw: &str, today: NaiveDate) -> Result<NaiveDate, Problems> {
    if raw.trim().is_empty() {
        return Ok(today + chrono::Days::new(14));
    }
    peel_core::asb::parse_date(raw, "due_by", "the last due date").map_err(|e| Problems(vec![e]))
}

pub async fn reviews(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::SuperviseCases>,
    JsonQuery(p): JsonQuery<ReviewParams>,
) -> Answer {
    let now = bo.now();
    let due = due_by(&p.due_by, now.date_naive())?;
    let list = state.store.asb().asb_due_reviews(due, &viewer(&a, now)).await?;
    ok(StatusCode::OK, json!({ "due_by": due.format("%Y-%m-%d").to_string(), "reviews": list }))
}
