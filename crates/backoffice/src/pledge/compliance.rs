//! `GET /api/v1/pledge/compliance`.

use axum::Json;
use axum::extract::{FromRequestParts, State};

use crate::json_query::JsonQuery;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use chrono::Utc;
use peel_core::Month;
use peel_core::access::{Permission, Target};
use peel_core::pledge::Report;
use serde::Deserialize;
use serde_json::Value;

use super::Staff;
use super::standards::{known_force, known_neighbourhood};
use crate::auth::{Authed, need};
use crate::{AppState, JsonError};

/// Who asks. The figures are public; which events breached (their ids) is
/// for the force's own staff, who send an API token.
pub(super) enum Audience {
    Public,
    Staff(Box<Authed>),
}

impl FromRequestParts<AppState> for Audience {
    type Rejection = Response;

    /// Without an `Authorization` header, the public. With one, it must be
    /// a live token of a role that may see breaches: a wrong token is
    /// refused rather than quietly answered as if public.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Audience, Response> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(Audience::Public);
        }
        let Staff(a, ..) = Staff::<need::ViewPledgeBreaches>::from_request_parts(parts, state).await?;
        Ok(Audience::Staff(Box::new(a)))
    }
}

/// The report as `audience` may see it: the public answer has no
/// `breaches` lists at all.
fn for_audience(report: &Report, audience: &Audience) -> Result<Json<Value>, JsonError> {
    let mut value = serde_json::to_value(report).map_err(|e| JsonError::Internal(e.to_string()))?;
    if let (Audience::Public, Some(figures)) = (audience, value.get_mut("commitments").and_then(Value::as_array_mut)) {
        for figure in figures.iter_mut().filter_map(Value::as_object_mut) {
            figure.remove("breaches");
        }
    }
    Ok(Json(value))
}

/// Query parameters; all strings so a missing or bad one gets a message
/// that says what to send, rather than the extractor's generic answer.
#[derive(Debug, Deserialize)]
pub(super) struct ComplianceQuery {
    force: Option<String>,
    month: Option<String>,
    neighbourhood: Option<String>,
    bcu: Option<String>,
}

/// The nine figures for a force-month, or for one of its basic command units
/// or neighbourhoods, as at the time of asking (so items not yet due are pending).
pub(super) async fn compliance(
    State(state): State<AppState>,
    audience: Audience,
    JsonQuery(q): JsonQuery<ComplianceQuery>,
) -> Result<Json<Value>, JsonError> {
    let force_id = known_force(q.force.as_deref())?;
    if let Audience::Staff(a) = &audience {
        // Another force's breaches are that force's staff's to see.
        let by = a.by("pledge", Utc::now());
        state.store.authorise(&by, Permission::ViewPledgeBreaches, Target::Force(&force_id)).await?;
    }
    let month = q.month.ok_or_else(|| JsonError::BadRequest("month is required, e.g. month=2024-10".into()))?;
    let month: Month = month.parse().map_err(|e: peel_core::month::MonthError| JsonError::BadRequest(e.to_string()))?;
    let neighbourhood = q.neighbourhood.filter(|n| !n.is_empty());
    if let Some(bcu) = q.bcu.filter(|b| !b.is_empty()) {
        if neighbourhood.is_some() {
            return Err(JsonError::BadRequest("give a bcu or a neighbourhood, not both".into()));
        }
        return match state.store.pledge().pledge_compliance_bcu(&force_id, month, &bcu, Utc::now()).await? {
            Some(report) => for_audience(&report, &audience),
            None => Err(JsonError::NotFound(format!("unknown basic command unit {bcu:?} in force {force_id}"))),
        };
    }
    let neighbourhood = known_neighbourhood(&state.store, &force_id, neighbourhood.as_deref()).await?;
    let report = state.store.pledge().pledge_compliance(&force_id, month, neighbourhood.as_deref(), Utc::now()).await?;
    for_audience(&report, &audience)
}
