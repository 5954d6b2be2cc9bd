//! The ASB rule set, for the ASB coordinator: `/asb/rules` shows the rules in
//! force and every version, and loads a new version from a pasted document;
//! `POST /api/v1/asb/rules` and `GET /api/v1/asb/rules/versions` do the same
//! for programs. Loading goes through the store, which checks the document,
//! never reuses a version name and writes `asb.rules.load` to the audit log.

use std::fmt::Write;

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

use super::api::{Answer, ApiError, ok};
use crate::AppState;
use crate::auth::{Api, Authed, Page, need, percent_encode};
use crate::html::{self, FieldError, PageError, esc};

const PURPOSE: &str = "ASB rule set";

/// Checks and loads a rule-set document as the current version.
async fn load(state: &AppState, a: &Authed, at: chrono::DateTime<chrono::Utc>, doc: &str) -> Result<RuleSet, AsbError> {
    // Who may, before what: a refusal says nothing about the document.
    let by = a.by(PURPOSE, at);
    state.store.authorise(&by, Permission::ManageAsbRules, Target::Installation).await.map_err(AsbError::refused)?;
    let rules = RuleSet::parse(doc)?;
    state.store.load_asb_rules(&rules, &by).await?;
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

async fn render(
    state: &AppState,
    a: &Authed,
    notice: &str,
    doc: &str,
    errors: &[FieldError],
) -> Result<String, PageError> {
    let current = state.store.current_asb_rules().await?;
    let versions = state.store.asb_rule_versions().await?;
    let mut body = String::new();
    if !notice.is_empty() {
        let _ = write!(body, "<div role=\"status\"><p><strong>Loaded:</strong> {}</p></div>", esc(notice));
    }
    body.push_str(&html::error_summary(errors));
    let _ = write!(
        body,
        "<p>The rule set decides who is a repeat victim and scores the risk questionnaire. Every report and \
         assessment records the version that judged it, so loading a new version changes only what comes \
         after. A version name is never reused.</p>\
         <h2>In force: {title}</h2><p>Version <strong>{version}</strong>. A victim is a repeat victim with \
         {min} or more reports in {months} months. A high-risk assessment asks for a multi-agency review \
         within {days} days. Scores from {medium} are medium risk, from {high} high.</p>",
        title = esc(&current.title),
        version = esc(&current.version),
        min = current.repeat.min_reports,
        months = current.repeat.window_months,
        days = current.high_risk_review_days,
        medium = current.questionnaire.bands.medium_from,
        high = current.questionnaire.bands.high_from,
    );
    let mut rows = String::new();
    for q in &current.questionnaire.questions {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&q.text),
            q.weight,
            if q.always_high { "Yes" } else { "No" }
        );
    }
    body.push_str(&html::table(
        "Risk questions",
        &format!(
            "<caption>Risk questions and their weights</caption><thead><tr><th scope=\"col\">Question</th>\
             <th scope=\"col\" class=\"num\">Weight</th><th scope=\"col\">High risk on its own</th></tr></thead>\
             <tbody>{rows}</tbody>"
        ),
    ));
    let mut rows = String::new();
    for v in versions.iter().rev() {
        let loaded = if v.loaded_at.is_empty() {
            "shipped with peel".to_string()
        } else {
            format!("{} by {}", v.loaded_at, v.loaded_by)
        };
        let _ =
            write!(rows, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(&v.version), esc(&v.title), esc(&loaded));
    }
    body.push_str(&html::table(
        "Versions",
        &format!(
            "<caption>Every version, newest first</caption><thead><tr><th scope=\"col\">Version</th>\
             <th scope=\"col\">Title</th><th scope=\"col\">Loaded</th></tr></thead><tbody>{rows}</tbody>"
        ),
    ));
    let doc = if doc.is_empty() { current.to_json() } else { doc.to_string() };
    let error = errors
        .iter()
        .map(|e| format!("<p id=\"document-error\"><strong>Error:</strong> {}</p>", esc(&e.message)))
        .collect::<String>();
    let described = if errors.is_empty() { "" } else { " aria-describedby=\"document-error\" aria-invalid=\"true\"" };
    let _ = write!(
        body,
        "<h2>Load a new version</h2><form method=\"post\" action=\"/asb/rules\" novalidate>{csrf}\
         <div><label for=\"document\">The rule-set document (JSON)</label>\
         <p class=\"hint\">Start from the rules in force, shown here; give the new rules a new version and name \
         their sources. `peel asb rules show` prints the same document.</p>{error}\
         <textarea class=\"input code\" id=\"document\" name=\"document\" rows=\"20\" spellcheck=\"false\"{described}>{doc}</textarea></div>\
         <button type=\"submit\">Load this version</button></form>",
        csrf = html::csrf_field(a.csrf()),
        doc = esc(&doc),
    );
    Ok(html::page("ASB rule set", Some(a), &body))
}

pub async fn page(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageAsbRules>,
    Query(q): Query<Loaded>,
) -> Result<Response, PageError> {
    let notice = if q.loaded.is_empty() { String::new() } else { format!("rule set {} is now in force", q.loaded) };
    Ok(html::respond(StatusCode::OK, render(&state, &a, &notice, "", &[]).await?))
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
        Err(e) => return Err(crate::WebError::Internal(e.to_string()).into()),
    };
    // Every problem points at the one field there is.
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|p| FieldError { field: "document".into(), message: format!("{}: {}", p.field, p.message) })
        .collect();
    Ok(html::respond(status, render(&state, &a, "", &form.document, &errors).await?))
}

pub async fn load_api(State(state): State<AppState>, Api(a, bo, ..): Api<need::ManageAsbRules>, b: Bytes) -> Answer {
    let doc = std::str::from_utf8(&b)
        .map_err(|_| ApiError::from(Problems::one("body", "Send the rule-set document as UTF-8 JSON.")))?;
    let rules = load(&state, &a, bo.now(), doc).await?;
    ok(StatusCode::CREATED, json!({ "version": rules.version, "title": rules.title }))
}

pub async fn versions(State(state): State<AppState>, Api(..): Api<need::ManageAsbRules>) -> Answer {
    let list: Vec<serde_json::Value> = state
        .store
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
