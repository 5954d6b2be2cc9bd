//! The public side of local ASB service standards: for each community
//! safety partnership, what a victim of anti-social behaviour can expect and
//! the redress when it is not met, in plain English. The standards are
//! published commitments, so nothing here is personal.
//!
//! - `GET /asb-standards`, `GET /asb-standards/{force}/{csp}`

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use peel_core::asb::standards::{Redress, Standards};

use crate::AppState;
use crate::{PageError, not_found_page, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/asb-standards", get(index)).route("/asb-standards/{force}/{csp}", get(partnership))
}

#[derive(Template)]
#[template(path = "asb_standards_index.html")]
struct IndexPage {
    /// (force, csp, name)
    csps: Vec<(String, String, String)>,
}

async fn index(State(state): State<AppState>) -> Result<Response, PageError> {
    let csps = state.store.geography().all_csps().await?.into_iter().map(|c| (c.force_id, c.id, c.name)).collect();
    render(&IndexPage { csps })
}

#[derive(Template)]
#[template(path = "asb_standards_csp.html")]
struct PartnershipPage {
    name: String,
    force_id: String,
    csp_id: String,
    local_authority: String,
    /// Whether the partnership has adopted its own (else the national default applies).
    adopted: bool,
    adopted_at: String,
    version: String,
    standards_name: String,
    single_point_of_contact: Option<String>,
    promises: Vec<String>,
    redress: Redress,
}

async fn partnership(
    State(state): State<AppState>,
    Path((force, csp)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let Some(c) = state.store.geography().csp(&force, &csp).await? else {
        return Ok(not_found_page("that community safety partnership"));
    };
    let adopted = state.store.asb().asb_standards_for(&force, &csp).await?;
    let (standards, adopted_at) = match &adopted {
        Some(s) => (s.standards.clone(), s.adopted_at.get(..10).unwrap_or_default().to_string()),
        None => (Standards::national_default(), String::new()),
    };
    render(&PartnershipPage {
        name: c.name,
        force_id: c.force_id,
        csp_id: c.id,
        local_authority: c.local_authority,
        adopted: adopted.is_some(),
        adopted_at,
        version: standards.version.clone(),
        standards_name: standards.name.clone(),
        single_point_of_contact: standards.single_point_of_contact.clone(),
        promises: standards.describe(),
        redress: standards.redress,
    })
}
