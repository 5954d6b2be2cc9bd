//! Local ASB service standards in the back office: choosing a case's
//! partnership, the contact form, the "Due and overdue" page, and the JSON
//! under `/api/v1/asb/` (the due list, a case's service, recording a
//! contact, a partnership's standards). The store judges and audits; these
//! handlers parse and render.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use peel_core::access::{Permission, Target};
use peel_core::asb::standards::{CONTACT_FORMAT, ContactMethod, Standards};
use peel_store::asb::{DueCase, StoredStandards};
use serde::Deserialize;
use serde_json::{Value, json};

use super::pages::{CaseForms, Chrome, Field, choices, field, refusal, render};
use super::viewer;
use crate::AppState;
use crate::JsonError;
use crate::auth::{Api, Authed, Page, need};
use crate::html::PageError;
use peel_usecases::casework;

/// The partnership chooser on the "Open a case" form: every partnership,
/// with the one the report's postcode lies in chosen unless `chosen` says
/// otherwise (`force/csp`, empty for none).
pub(super) async fn csp_field(
    state: &AppState,
    a: &Authed,
    report_id: i64,
    chosen: Option<&str>,
) -> Result<Field, PageError> {
    let mut options = vec![(String::new(), "None: use the national default standards".to_string())];
    // Only the partnerships within the caller's reach.
    let within = |c: &peel_store::Csp| {
        let target = Target::Partnership { force_id: &c.force_id, csp_id: &c.id };
        a.caller().authorise(Permission::ManageCases, target).is_ok()
    };
    for c in state.store.geography().all_csps().await?.into_iter().filter(within) {
        options.push((format!("{}/{}", c.force_id, c.id), format!("{} ({})", c.name, c.force_id)));
    }
    let suggested = state.store.asb().suggested_csp_for_report(report_id).await?;
    let value = match chosen {
        Some(c) => c.trim().to_string(),
        None => suggested.as_ref().map(|c| format!("{}/{}", c.force_id, c.id)).unwrap_or_default(),
    };
    let hint = match &suggested {
        Some(c) => {
            format!("The partnership whose service standards apply. {} is chosen from the report's postcode.", c.name)
        }
        None => "The partnership whose service standards apply to the victim.".to_string(),
    };
    Ok(field("csp", "Community safety partnership", "select", &value).options(options).hint(&hint))
}

/// The "Record a contact with the victim" form's fields.
pub(super) fn contact_fields(f: &CaseForms, now: DateTime<Utc>) -> Vec<Field> {
    let at = if f.contact_contacted_at.is_empty() {
        now.format(CONTACT_FORMAT).to_string()
    } else {
        f.contact_contacted_at.clone()
    };
    vec![
        field("contact_contacted_at", "When", "datetime-local", &at).hint("For example 2026-09-01T14:30."),
        field("contact_method", "How", "select", &f.contact_method).options(choices(
            ContactMethod::ALL,
            ContactMethod::slug,
            ContactMethod::label,
        )),
        field("contact_note", "What the victim was told or asked", "textarea", &f.contact_note),
    ]
}

/// One case in the due list, ready to show.
pub struct DueRow {
    case: DueCase,
    lines: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "asb_due.html")]
struct DuePage {
    chrome: Chrome,
    scope: &'static str,
    rows: Vec<DueRow>,
}

pub async fn due(State(state): State<AppState>, Page(a, bo, ..): Page<need::ViewCases>) -> Result<Response, PageError> {
    let cases = match state.store.asb().asb_due(&viewer(&a, bo.now())).await {
        Ok(c) => c,
        Err(e) => return refusal(e, &a),
    };
    let scope = match a.user.role {
        peel_core::access::Role::Officer => "the cases you own",
        peel_core::access::Role::PartnerCaseworker => "the cases you own and those shared with your organisation",
        _ => "your organisation's cases",
    };
    let rows = cases
        .into_iter()
        .map(|case| {
            let lines =
                case.states.iter().map(|s| (s.what.clone(), s.state.describe(), s.state.slug() == "overdue")).collect();
            DueRow { case, lines }
        })
        .collect();
    render(StatusCode::OK, &DuePage { chrome: Chrome::of(&a), scope, rows })
}

// ---- API --------------------------------------------------------------------------------

type Answer = Result<Response, JsonError>;

pub async fn api_due(State(state): State<AppState>, Api(a, bo, ..): Api<need::ViewCases>) -> Answer {
    let cases = state.store.asb().asb_due(&viewer(&a, bo.now())).await?;
    Ok(Json(json!({ "cases": cases })).into_response())
}

pub async fn api_service(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewCases>,
    Path(raw): Path<String>,
) -> Answer {
    let s = state.store.asb().asb_case_service(super::api::id(&raw)?, &viewer(&a, bo.now())).await?;
    Ok(Json(json!({ "service": s })).into_response())
}

#[derive(Deserialize)]
struct ContactBody {
    #[serde(default)]
    contacted_at: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    note: String,
}

pub async fn api_add_contact(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case = super::api::reachable_case(&state, &a, &bo, &raw).await?;
    let b: ContactBody = serde_json::from_slice(&b)
        .map_err(|e| peel_core::asb::Problems::one("body", format!("Send a JSON object as the request body: {e}.")))?;
    let v = viewer(&a, bo.now());
    let id = casework::record_contact(&state.store, &v, case, &b.contacted_at, &b.method, &b.note).await?;
    Ok((StatusCode::CREATED, Json(json!({ "case_id": case, "contact_id": id }))).into_response())
}

fn standards_json(force: &str, csp: &str, s: Option<&StoredStandards>) -> Value {
    match s {
        Some(s) => json!({
            "default": false, "force": force, "csp": csp, "adopted_at": s.adopted_at, "adopted_by": s.adopted_by,
            "standards": s.standards,
        }),
        None => json!({
            "default": true, "force": force, "csp": csp, "adopted_at": null, "adopted_by": null,
            "standards": Standards::national_default(),
        }),
    }
}

#[derive(Deserialize)]
struct CspBody {
    #[serde(default)]
    csp: String,
}

/// Gives a case opened without a partnership its partnership (owner only, once).
pub async fn api_set_csp(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageCases>,
    Path(raw): Path<String>,
    b: Bytes,
) -> Answer {
    let case = super::api::reachable_case(&state, &a, &bo, &raw).await?;
    let b: CspBody = serde_json::from_slice(&b)
        .map_err(|e| peel_core::asb::Problems::one("body", format!("Send a JSON object as the request body: {e}.")))?;
    casework::set_partnership(&state.store, &viewer(&a, bo.now()), case, &b.csp).await?;
    Ok(Json(json!({ "case_id": case, "csp": b.csp.trim() })).into_response())
}

/// The standards a partnership publishes now (the national default until it adopts its own).
pub async fn api_standards(
    State(state): State<AppState>,
    Api(..): Api<need::ViewCases>,
    Path((force, csp)): Path<(String, String)>,
) -> Answer {
    if state.store.geography().csp(&force, &csp).await?.is_none() {
        return Ok(JsonError::NotFound(format!("there is no partnership {csp} in force {force}")).into_response());
    }
    let current = state.store.asb().asb_standards_for(&force, &csp).await?;
    Ok(Json(standards_json(&force, &csp, current.as_ref())).into_response())
}

/// Adopts a new version of a partnership's standards (an ASB coordinator's decision).
pub async fn api_adopt_standards(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::RunCaseReviews>,
    Path((force, csp)): Path<(String, String)>,
    text: String,
) -> Answer {
    // Who may, before what: a refusal says nothing about the document.
    let by = a.by("ASB service standards", bo.now());
    let target = Target::Partnership { force_id: &force, csp_id: &csp };
    state.store.authorise(&by, Permission::RunCaseReviews, target).await?;
    let standards = Standards::parse(&text)?;
    let s = state.store.asb().adopt_asb_standards(&force, &csp, &standards, &by).await?;
    Ok((StatusCode::CREATED, Json(standards_json(&force, &csp, Some(&s)))).into_response())
}
