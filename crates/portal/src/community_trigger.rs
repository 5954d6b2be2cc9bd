//! The public side of the Community Trigger: for each community safety
//! partnership, how to apply, its threshold and timescales, and the annual
//! figures the Act requires; the same as JSON. Figures and the published
//! procedure only: never anything about an applicant.
//!
//! - `GET /community-trigger`, `GET /community-trigger/{force}/{csp}`
//! - `GET /api/v1/community-trigger`, `GET /api/v1/community-trigger/{force}/{csp}`

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use peel_core::trigger::figures::{AnnualFigures, annual_figures, years_with_figures};
use peel_core::trigger::procedure::{Contact, Procedure};
use peel_store::Csp;
use serde_json::{Value, json};

use crate::AppState;
use crate::{PageError, not_found_page, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/community-trigger", get(index))
        .route("/community-trigger/{force}/{csp}", get(partnership))
        .route("/api/v1/community-trigger", get(api_index))
        .route("/api/v1/community-trigger/{force}/{csp}", get(api_partnership))
}

#[derive(Template)]
#[template(path = "community_trigger_index.html")]
struct IndexPage {
    /// (force, csp, name)
    csps: Vec<(String, String, String)>,
}

async fn index(State(state): State<AppState>) -> Result<Response, PageError> {
    let csps = state.store.geography().all_csps().await?.into_iter().map(|c| (c.force_id, c.id, c.name)).collect();
    render(&IndexPage { csps })
}

/// A partnership's procedure in force (the national default until it
/// adopts its own) and its figures for every year from its first application.
struct Published {
    csp: Csp,
    procedure: Procedure,
    figures: Vec<AnnualFigures>,
}

async fn published(state: &AppState, force: &str, csp: &str) -> Result<Option<Published>, peel_store::StoreError> {
    let Some(c) = state.store.geography().csp(force, csp).await? else { return Ok(None) };
    let procedure = state
        .store
        .trigger()
        .procedure_for(force, csp)
        .await?
        .map(|p| p.procedure)
        .unwrap_or_else(Procedure::national_default);
    let facts = state.store.trigger().case_review_facts(force, csp).await?;
    let today = Utc::now().date_naive();
    let figures = years_with_figures(&facts, today).into_iter().map(|y| annual_figures(&facts, y)).collect();
    Ok(Some(Published { csp: c, procedure, figures }))
}

fn months(n: u32) -> String {
    if n == 1 { "1 month".into() } else { format!("{n} months") }
}

#[derive(Template)]
#[template(path = "community_trigger_csp.html")]
struct PartnershipPage {
    name: String,
    force_id: String,
    csp_id: String,
    local_authority: String,
    contact: Option<Contact>,
    complaint_within: String,
    application_within: String,
    rules: Vec<String>,
    version: String,
    procedure_name: String,
    timescales: Vec<String>,
    appeal: Option<String>,
    figures: Vec<AnnualFigures>,
}

async fn partnership(
    State(state): State<AppState>,
    Path((force, csp)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some(p) = published(&state, &force, &csp).await? else {
        return Ok(not_found_page("that community safety partnership"));
    };
    let d = &p.procedure.deadlines;
    let timescales = vec![
        format!("Your application is acknowledged no later than {}.", d.acknowledge.describe()),
        format!("You are told whether a review will happen no later than {}.", d.decide.describe()),
        format!("The review meeting is held no later than {}.", d.meeting.describe()),
        format!("Recommendations are made no later than {}.", d.recommendations.describe()),
    ];
    render(&PartnershipPage {
        name: p.csp.name,
        force_id: p.csp.force_id,
        csp_id: p.csp.id,
        local_authority: p.csp.local_authority,
        contact: p.procedure.contact.clone(),
        complaint_within: months(p.procedure.qualifying.complaint_within_months),
        application_within: months(p.procedure.qualifying.application_within_months),
        rules: p.procedure.rules.iter().map(|r| r.description.clone()).collect(),
        version: p.procedure.version.clone(),
        procedure_name: p.procedure.name.clone(),
        timescales,
        appeal: p.procedure.appeal.map(|a| a.describe()),
        figures: p.figures,
    })
}

async fn api_index(State(state): State<AppState>) -> Result<Json<Value>, crate::JsonError> {
    let csps = state.store.geography().all_csps().await?;
    Ok(Json(json!({
        "partnerships": csps.iter().map(|c| json!({
            "force": c.force_id,
            "id": c.id,
            "name": c.name,
            "url": format!("/api/v1/community-trigger/{}/{}", c.force_id, c.id),
        })).collect::<Vec<_>>()
    })))
}

async fn api_partnership(State(state): State<AppState>, Path((force, csp)): Path<(String, String)>) -> Response {
    match published(&state, &force, &csp).await {
        Ok(Some(p)) => Json(json!({
            "force": p.csp.force_id,
            "id": p.csp.id,
            "name": p.csp.name,
            "procedure": {
                "version": p.procedure.version,
                "name": p.procedure.name,
                "qualifying": p.procedure.qualifying,
                "rules": p.procedure.rules.iter().map(|r| json!({ "id": r.id, "description": r.description })).collect::<Vec<_>>(),
                "deadlines": p.procedure.deadlines,
                "appeal": p.procedure.appeal,
                "contact": p.procedure.contact,
            },
            "figures": p.figures,
        }))
        .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("there is no community safety partnership {csp} in force {force}") })),
        )
            .into_response(),
        Err(e) => crate::JsonError::Store(e).into_response(),
    }
}
