//! The Pledge standards in force, and setting stricter local ones.
//!
//! - `GET /api/v1/pledge/standards?force=F[&neighbourhood=N]`: public, as the
//!   promises themselves are;
//! - `POST /api/v1/pledge/standards`: `{"force", "neighbourhood"?, "standard"}`,
//!   for a role holding `SetPledgeStandards`;
//! - `DELETE /api/v1/pledge/standards?force=F[&neighbourhood=N]&commitment=ID`:
//!   withdraws that level's local standard, for the same roles, so the
//!   force's (for a neighbourhood) or the national one applies again;
//! - `POST /api/v1/pledge/areas`: `{"force", "neighbourhood", "area"}`, the
//!   neighbourhood's urban or rural setting, which decides its emergency
//!   attendance limit.
//!
//! The back-office page (`/admin/pledge-standards`) makes the same changes
//! through [`set_local_standard`], [`withdraw_local_standard`] and
//! [`set_area`], so both are checked and audited alike.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use peel_core::force;
use peel_core::pledge::{AreaKind, CommitmentId, Standard, StandardSet};
use peel_store::{LocalStandardError, Store};
use serde::Deserialize;
use serde_json::json;

use super::Staff;
use crate::backoffice::accounts;
use crate::backoffice::auth::need;
use crate::{AppState, WebError};

const PURPOSE: &str = "pledge standards";

#[derive(Debug, Deserialize)]
pub(super) struct StandardsQuery {
    force: Option<String>,
    neighbourhood: Option<String>,
}

/// A known police.uk force id, or a message saying what to send.
pub(crate) fn known_force(force_id: Option<&str>) -> Result<String, WebError> {
    let id = force_id
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| WebError::BadRequest("force is required, e.g. force=kent".into()))?;
    if force::by_id(id).is_none() {
        return Err(WebError::NotFound(format!("unknown force {id:?}: expected a police.uk force id such as kent")));
    }
    Ok(id.to_string())
}

/// A neighbourhood of the force, if one was named.
pub(crate) async fn known_neighbourhood(
    store: &Store,
    force_id: &str,
    n: Option<&str>,
) -> Result<Option<String>, WebError> {
    let Some(n) = n.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(None) };
    if store.neighbourhood(force_id, n).await?.is_none() {
        return Err(WebError::NotFound(format!("unknown neighbourhood {n:?} in force {force_id}")));
    }
    Ok(Some(n.to_string()))
}

/// The standards in force, as `{"force", "neighbourhood"?, "standards": […]}`.
fn answer(force_id: &str, neighbourhood: Option<&str>, set: &StandardSet) -> Json<serde_json::Value> {
    let mut v = json!({ "force": force_id, "standards": set.iter().collect::<Vec<_>>() });
    if let Some(n) = neighbourhood {
        v["neighbourhood"] = n.into();
    }
    Json(v)
}

pub(super) async fn standards(
    State(state): State<AppState>,
    Query(q): Query<StandardsQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let force_id = known_force(q.force.as_deref())?;
    let neighbourhood = known_neighbourhood(&state.store, &force_id, q.neighbourhood.as_deref()).await?;
    let set = state.store.pledge_standards(&force_id, neighbourhood.as_deref()).await?;
    Ok(answer(&force_id, neighbourhood.as_deref(), &set))
}

/// Stores a stricter local standard for a force (`neighbourhood` `None`) or
/// one of its neighbourhoods, writes who did it to the audit log, and
/// returns the standards now in force there.
pub(crate) async fn set_local_standard(
    store: &Store,
    actor: &str,
    at: DateTime<Utc>,
    force_id: &str,
    neighbourhood: Option<&str>,
    standard: &Standard,
) -> Result<StandardSet, WebError> {
    let force_id = known_force(Some(force_id))?;
    let neighbourhood = known_neighbourhood(store, &force_id, neighbourhood).await?;
    if standard.description.trim().is_empty() {
        return Err(WebError::Unprocessable(format!(
            "{}: say in plain English what the public is promised (description)",
            standard.id
        )));
    }
    match store.put_local_standard(&force_id, neighbourhood.as_deref(), standard).await {
        Ok(()) => {}
        Err(LocalStandardError::Standard(e)) => return Err(WebError::Unprocessable(e.to_string())),
        Err(LocalStandardError::Store(e)) => return Err(e.into()),
    }
    let subject = match &neighbourhood {
        Some(n) => format!("neighbourhood:{force_id}/{n}"),
        None => format!("force:{force_id}"),
    };
    let details = json!({ "commitment": standard.id, "version": standard.version, "limit": standard.limit });
    accounts::audit(store, at, actor, "pledge.standard.set", &subject, PURPOSE, details).await?;
    Ok(store.pledge_standards(&force_id, neighbourhood.as_deref()).await?)
}

/// Withdraws a force's (`neighbourhood` `None`) or a neighbourhood's local
/// standard for one commitment, writes who did it (and which version went)
/// to the audit log, and returns the version withdrawn and the standards
/// now in force there. [`WebError::NotFound`] when that level has no local
/// standard for the commitment, so a caller can tell "nothing to withdraw"
/// from a withdrawal.
pub(crate) async fn withdraw_local_standard(
    store: &Store,
    actor: &str,
    at: DateTime<Utc>,
    force_id: &str,
    neighbourhood: Option<&str>,
    commitment: CommitmentId,
) -> Result<(Standard, StandardSet), WebError> {
    let force_id = known_force(Some(force_id))?;
    let neighbourhood = known_neighbourhood(store, &force_id, neighbourhood).await?;
    let place = match &neighbourhood {
        Some(n) => format!("neighbourhood {n} of {force_id}"),
        None => format!("force {force_id}"),
    };
    let withdrawn = match store.withdraw_local_standard(&force_id, neighbourhood.as_deref(), commitment).await {
        Ok(Some(withdrawn)) => withdrawn,
        Ok(None) => {
            return Err(WebError::NotFound(format!(
                "the {place} has no local {commitment} standard of its own to withdraw; nothing was changed"
            )));
        }
        Err(LocalStandardError::Standard(e)) => return Err(WebError::Unprocessable(e.to_string())),
        Err(LocalStandardError::Store(e)) => return Err(e.into()),
    };
    let subject = match &neighbourhood {
        Some(n) => format!("neighbourhood:{force_id}/{n}"),
        None => format!("force:{force_id}"),
    };
    let now = store.pledge_standards(&force_id, neighbourhood.as_deref()).await?;
    let details = json!({
        "commitment": commitment,
        "version": withdrawn.version,
        "limit": withdrawn.limit,
        "now_in_force": now.get(commitment).version,
    });
    accounts::audit(store, at, actor, "pledge.standard.withdraw", &subject, PURPOSE, details).await?;
    Ok((withdrawn, now))
}

/// Sets a neighbourhood's urban or rural setting and audits it.
pub(crate) async fn set_area(
    store: &Store,
    actor: &str,
    at: DateTime<Utc>,
    force_id: &str,
    neighbourhood: &str,
    area: AreaKind,
) -> Result<(), WebError> {
    let force_id = known_force(Some(force_id))?;
    let Some(neighbourhood) = known_neighbourhood(store, &force_id, Some(neighbourhood)).await? else {
        return Err(WebError::BadRequest("neighbourhood is required".into()));
    };
    store.set_neighbourhood_area(&force_id, &neighbourhood, area).await?;
    let subject = format!("neighbourhood:{force_id}/{neighbourhood}");
    accounts::audit(store, at, actor, "pledge.area.set", &subject, PURPOSE, json!({ "area": area.as_str() })).await?;
    Ok(())
}

/// A JSON body, or a message that says what was wrong with it.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    b.map(|Json(t)| t).map_err(|e| WebError::BadRequest(e.body_text()))
}

#[derive(Debug, Deserialize)]
pub(super) struct StandardBody {
    force: String,
    #[serde(default)]
    neighbourhood: Option<String>,
    standard: Standard,
}

pub(super) async fn set_standard(
    State(state): State<AppState>,
    Staff(a, bo, _): Staff<need::SetPledgeStandards>,
    b: Result<Json<StandardBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let b = body(b)?;
    let hood = b.neighbourhood.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let set = set_local_standard(&state.store, &a.actor(), bo.now(), &b.force, hood, &b.standard).await?;
    Ok(answer(b.force.trim(), hood, &set))
}

#[derive(Debug, Deserialize)]
pub(super) struct WithdrawQuery {
    force: Option<String>,
    neighbourhood: Option<String>,
    commitment: Option<String>,
}

pub(super) async fn withdraw_standard(
    State(state): State<AppState>,
    Staff(a, bo, _): Staff<need::SetPledgeStandards>,
    Query(q): Query<WithdrawQuery>,
) -> Result<Json<serde_json::Value>, WebError> {
    let commitment: CommitmentId = q
        .commitment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| WebError::BadRequest("commitment is required, e.g. commitment=999-answer".into()))?
        .parse()
        .map_err(|e: peel_core::pledge::StandardError| WebError::BadRequest(e.to_string()))?;
    let force_id = q.force.as_deref().unwrap_or("");
    let hood = q.neighbourhood.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let (_, set) = withdraw_local_standard(&state.store, &a.actor(), bo.now(), force_id, hood, commitment).await?;
    Ok(answer(force_id.trim(), hood, &set))
}

#[derive(Debug, Deserialize)]
pub(super) struct AreaBody {
    force: String,
    neighbourhood: String,
    area: String,
}

pub(super) async fn set_area_api(
    State(state): State<AppState>,
    Staff(a, bo, _): Staff<need::SetPledgeStandards>,
    b: Result<Json<AreaBody>, JsonRejection>,
) -> Result<Json<serde_json::Value>, WebError> {
    let b = body(b)?;
    let area: AreaKind = b.area.parse().map_err(WebError::BadRequest)?;
    set_area(&state.store, &a.actor(), bo.now(), &b.force, &b.neighbourhood, area).await?;
    Ok(Json(json!({ "force": b.force.trim(), "neighbourhood": b.neighbourhood.trim(), "area": area.as_str() })))
}
