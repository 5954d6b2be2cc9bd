//! The ASB rule set, for the ASB coordinator: `/asb/rules` shows the rules in
//! force and every version, and loads a new version from a pasted document;
//! `POST /api/v1/asb/rules` and `GET /api/v1/asb/rules/versions` do the same
//! for programs. Loading goes through the store, which checks the document,
//! never reuses a version name and writes `asb.rules.load` to the audit log.

use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use peel_core::access::{Permission, Target};
use peel_core::asb::{Problems, RuleSet};
use peel_store::asb::AsbError;
use serde::Deserialize;
use serde_json::json;

use super::api::{Answer, ok};
use crate::AppState;
use crate::JsonError;
use crate::auth::{Api, Authed, Page, need, percent_encode};
use crate::html::{FieldError, PageError};
use crate::layout::{Chrome, render};

const PURPOSE: &str = "ASB rule set";

/// Checks and loads a rule-set document as the current version.
async fn load(state: &AppState, a: &Authed, at: chrono::DateTime<chrono::Utc>, doc: &str) -> Result<RuleSet, AsbError> {
    // Who may, before what: a refusal says nothing about the document.
    let by = a.by(PURPOSE, at);
    state.store.authorise(&by, Permission::ManageAsbRules, Target::Installation).await.map_err(AsbError::refused)?;
    let rules = RuleSet::parse(doc)?;
    state.store.asb().load_asb_rules(&rules, &by).await?;
    Ok(rules)
}

#[derive(Debug, Deserialize, Default)]
pub struct Loaded {
    #[serde(default)]
    loaded: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct RulesForm {
    #[serde(default)]
    document: String,
}

#[derive(Template)]
#[template(path = "asb_rules.html")]
struct RulesPage<'a> {
    chrome: Chrome,
    notice: &'a str,
    current: RuleSet,
    versions: Vec<peel_store::asb::RuleSetRecord>,
    /// What is in the text area: what was sent, or the rules in force.
    document: String,
    errors: &'a [FieldError],
}

async fn rules_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    notice: &str,
    doc: &str,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let current = state.store.asb().current_asb_rules().await?;
    let versions = state.store.asb().asb_rule_versions().await?;
    let document = if doc.is_empty() { current.to_json() } else { doc.to_string() };
    render(status, &RulesPage { chrome: Chrome::of(a), notice, current, versions, document, errors })
}

pub async fn page(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageAsbRules>,
    Query(q): Query<Loaded>,
) -> Result<Response, PageError> {
    let notice = if q.loaded.is_empty() { String::new() } else { format!("rule set {} is now in force", q.loaded) };
    rules_page(&state, &a, StatusCode::OK, &notice, "", &[]).await
}

pub async fn load_page(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageAsbRules>,
    Form(form): Form<RulesForm>,
) -> Result<Response, PageError> {
    let (status, errors) = match load(&state, &a, bo.now(), &form.document).await {
        Ok(rules) => {
            return Ok(Redirect::to(&format!("/asb/rules?loaded={}", percent_encode(&rules.version))).into_response());
        }
        Err(AsbError::Invalid(Problems(p))) => (StatusCode::UNPROCESSABLE_ENTITY, p),
        Err(AsbError::Conflict(m)) => (StatusCode::CONFLICT, vec![peel_core::asb::Invalid::new("version", m)]),
        Err(AsbError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(crate::JsonError::Internal(e.to_string()).into()),
    };
    // Every problem points at the one field there is.
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|p| FieldError { field: "document".into(), message: format!("{}: {}", p.field, p.message) })
        .collect();
    rules_page(&state, &a, status, "", &form.document, &errors).await
}

pub async fn load_api(State(state): State<AppState>, Api(a, bo, ..): Api<need::ManageAsbRules>, b: Bytes) -> Answer {
    let doc = std::str::from_utf8(&b)
        .map_err(|_| JsonError::from(Problems::one("body", "Send the rule-set document as UTF-8 JSON.")))?;
    let rules = load(&state, &a, bo.now(), doc).await?;
    ok(StatusCode::CREATED, json!({ "version": rules.version, "title": rules.title }))
}

pub async fn versions(State(state): State<AppState>, Api(..): Api<need::ManageAsbRules>) -> Answer {
    let list: Vec<serde_json::Value> = state
        .store
        .asb()
        .asb_rule_versions()
        .await?
        .into_iter()
        .map(|v| {
            json!({
                "version": v.version,
                "title": v.title,
                "loaded_at": (!v.loaded_at.is_empty()).then_some(&v.loaded_at),
                "loaded_by": (!v.loaded_by.is_empty()).then_some(&v.loaded_by),
            })
        })
        .collect();
    let current = list.last().and_then(|v| v["version"].as_str()).unwrap_or_default().to_string();
    ok(StatusCode::OK, json!({ "current": current, "versions": list }))
}
