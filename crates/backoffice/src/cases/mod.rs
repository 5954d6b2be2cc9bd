//! Anti-social behaviour casework in the back office: the pages under
//! `/asb` and the JSON API under `/api/v1/asb`. Handlers parse, call the
//! core's checks and the store (which audits every read and change), and
//! render; who may see which case and which fields is decided in the store.

pub mod api;
mod pages;
mod rules;
mod standards;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use peel_store::asb::Viewer;

use super::auth::Authed;
use crate::AppState;

/// The purpose recorded with every read and change made through these routes.
pub const PURPOSE: &str = "ASB casework";

pub(crate) fn viewer(a: &Authed, at: DateTime<Utc>) -> Viewer<'_> {
    a.viewer(PURPOSE, at)
}

/// The pages (behind the CSRF guard).
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/asb/reports/new", get(pages::report_form))
        .route("/asb/reports", get(pages::reports).post(pages::record_report))
        .route("/asb/reports/{id}", get(pages::report))
        .route("/asb/reports/{id}/risk", get(pages::risk_form).post(pages::assess_risk))
        .route("/asb/cases", get(pages::cases).post(pages::create_case))
        .route("/asb/cases/{id}", get(pages::case))
        .route("/asb/cases/{id}/reports", post(pages::link_report))
        .route("/asb/cases/{id}/shares", post(pages::share))
        .route("/asb/cases/{id}/unshare", post(pages::unshare))
        .route("/asb/cases/{id}/actions", post(pages::add_action))
        .route("/asb/cases/{id}/tools", post(pages::add_tool))
        .route("/asb/cases/{id}/close", post(pages::close))
        .route("/asb/cases/{id}/reassign", post(pages::reassign))
        .route("/asb/cases/{id}/reopen", post(pages::reopen))
        .route("/asb/reviews", get(pages::reviews))
        .route("/asb/rules", get(rules::page).post(rules::load_page))
        .route("/asb/cases/{id}/contacts", post(pages::add_contact))
        .route("/asb/cases/{id}/csp", post(pages::set_csp))
        .route("/asb/due", get(standards::due))
}

/// The API (bearer tokens only).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/asb/rules", get(api::rules).post(rules::load_api))
        .route("/api/v1/asb/rules/versions", get(rules::versions))
        .route("/api/v1/asb/reports", get(api::reports).post(api::record_report))
        .route("/api/v1/asb/reports/{id}", get(api::report))
        .route("/api/v1/asb/reports/{id}/risk", get(api::risk).post(api::assess_risk))
        .route("/api/v1/asb/cases", get(api::cases).post(api::create_case))
        .route("/api/v1/asb/cases/{id}", get(api::case))
        .route("/api/v1/asb/cases/{id}/reports", post(api::link_report))
        .route("/api/v1/asb/cases/{id}/shares", post(api::share))
        .route("/api/v1/asb/cases/{id}/unshare", post(api::unshare))
        .route("/api/v1/asb/cases/{id}/actions", post(api::add_action))
        .route("/api/v1/asb/cases/{id}/tools", post(api::add_tool))
        .route("/api/v1/asb/cases/{id}/close", post(api::close))
        .route("/api/v1/asb/cases/{id}/reassign", post(api::reassign))
        .route("/api/v1/asb/cases/{id}/reopen", post(api::reopen))
        .route("/api/v1/asb/reviews", get(api::reviews))
        .route("/api/v1/asb/due", get(standards::api_due))
        .route("/api/v1/asb/cases/{id}/service", get(standards::api_service))
        .route("/api/v1/asb/cases/{id}/contacts", post(standards::api_add_contact))
        .route("/api/v1/asb/cases/{id}/csp", post(standards::api_set_csp))
        .route(
            "/api/v1/asb/standards/{force}/{csp}",
            get(standards::api_standards).post(standards::api_adopt_standards),
        )
}
