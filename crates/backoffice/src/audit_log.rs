//! `/audit` and `/api/v1/audit`: the auditor's search of the audit log.
//! Searching is itself recorded, as the log names people.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use peel_core::access::AuditEntry;
use peel_store::AuditQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Api, Authed, Page, need};
use super::html::{FieldError, PageError};
use super::layout::{Chrome, render};
use crate::AppState;
use crate::JsonError;
use peel_usecases::accounts::audit;

#[derive(Deserialize, Default, Debug)]
pub struct AuditParams {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    subject: String,
    /// First day, YYYY-MM-DD.
    #[serde(default)]
    from: String,
    /// Last day (inclusive), YYYY-MM-DD.
    #[serde(default)]
    to: String,
    limit: Option<u32>,
}

fn day(field: &str, s: &str, next: bool) -> Result<Option<DateTime<Utc>>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| FieldError {
        field: field.into(),
        message: format!("Enter the {} date as year-month-day, like 2026-03-31.", if next { "end" } else { "start" }),
    })?;
    let d = if next { d.succ_opt().unwrap_or(d) } else { d };
    Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

fn query(p: &AuditParams) -> Result<AuditQuery, Vec<FieldError>> {
    let from = day("from", &p.from, false);
    let until = day("to", &p.to, true);
    let errors: Vec<FieldError> = [&from, &until].iter().filter_map(|r| r.as_ref().err().cloned()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AuditQuery {
        actor: Some(p.actor.clone()).filter(|s| !s.trim().is_empty()),
        subject: Some(p.subject.clone()).filter(|s| !s.trim().is_empty()),
        from: from.ok().flatten(),
        until: until.ok().flatten(),
        limit: p.limit,
    })
}

fn search_details(p: &AuditParams, found: usize, via: Value) -> Value {
    let mut d = json!({ "actor": p.actor, "subject": p.subject, "from": p.from, "to": p.to, "found": found });
    if let (Some(d), Some(v)) = (d.as_object_mut(), via.as_object()) {
        d.extend(v.clone());
    }
    d
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    chrome: Chrome,
    p: &'a AuditParams,
    entries: &'a [AuditEntry],
    errors: &'a [FieldError],
}

fn audit_page_html(
    status: StatusCode,
    a: &Authed,
    p: &AuditParams,
    entries: &[AuditEntry],
    errors: &[FieldError],
) -> Result<Response, PageError> {
    render(status, &AuditPage { chrome: Chrome::of(a), p, entries, errors })
}

pub async fn audit_page(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ReadAuditLog>,
    Query(p): Query<AuditParams>,
) -> Result<Response, PageError> {
    match query(&p) {
        Err(errors) => audit_page_html(StatusCode::UNPROCESSABLE_ENTITY, &a, &p, &[], &errors),
        Ok(q) => {
            let entries = state.store.audit().audit_for(&q, &a.by("audit", bo.now())).await?;
            let details = search_details(&p, entries.len(), a.via_details());
            audit(&state.store, bo.now(), &a.actor(), "audit.search", "audit_log", "audit", details).await?;
            audit_page_html(StatusCode::OK, &a, &p, &entries, &[])
        }
    }
}

/// `GET /api/v1/audit?actor=&subject=&from=&to=&limit=`.
pub async fn api_audit(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ReadAuditLog>,
    crate::json_query::JsonQuery(p): crate::json_query::JsonQuery<AuditParams>,
) -> Result<Response, crate::JsonError> {
    use axum::response::IntoResponse;
    let q = match query(&p) {
        Ok(q) => q,
        Err(errors) => {
            let msg = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join(" ");
            return Ok(JsonError::BadRequest(msg.to_string()).into_response());
        }
    };
    let entries = state.store.audit().audit_for(&q, &a.by("audit", bo.now())).await?;
    let details = search_details(&p, entries.len(), a.via_details());
    audit(&state.store, bo.now(), &a.actor(), "audit.search", "audit_log", "audit", details).await?;
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::String(e.details.clone()));
            json!({ "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject,
                    "purpose": e.purpose, "details": details, "prev_hash": e.prev_hash, "hash": e.hash })
        })
        .collect();
    Ok(Json(json!({ "entries": entries })).into_response())
}
