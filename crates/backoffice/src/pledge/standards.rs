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
use axum::body::Bytes;
use axum::extract::State;

use crate::json_query::JsonQuery;
use peel_core::access::{Caller, Permission, Target};
use peel_core::force;
use peel_core::pledge::{AreaKind, CommitmentId, Standard, StandardSet};
use peel_store::{By, LocalStandardError, Store};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::Staff;
use crate::auth::need;
use crate::{AppState, JsonError};

/// The purpose recorded with every change of a standard or setting.
pub(crate) const PURPOSE: &str = "pledge standards";

/// Refuses (and audits), before anything else is checked, a caller who
/// may not set standards for `force_id` (another force's, or none).
pub(crate) async fn may_set(store: &Store, by: &By<'_>, force_id: &str) -> Result<(), JsonError> {
    Ok(store.authorise(by, Permission::SetPledgeStandards, Target::Force(force_id)).await?)
}

/// Whether `caller` may set standards for `force_id`, for what a page offers.
pub(crate) fn can_set(caller: &Caller, force_id: &str) -> bool {
    caller.authorise(Permission::SetPledgeStandards, Target::Force(force_id)).is_ok()
}

#[derive(Debug, Deserialize)]
pub(super) struct StandardsQuery {
    force: Option<String>,
    neighbourhood: Option<String>,
}

/// A known police.uk force id, or a message saying what to send.
pub(crate) fn known_force(force_id: Option<&str>) -> Result<String, JsonError> {
    let id = force_id
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| JsonError::BadRequest("force is required, e.g. force=kent".into()))?;
    if force::by_id(id).is_none() {
        return Err(JsonError::NotFound(format!("unknown force {id:?}: expected a police.uk force id such as kent")));
    }
    Ok(id.to_string())
}

/// A neighbourhood of the force, if one was named.
pub(crate) async fn known_neighbourhood(
    store: &Store,
    force_id: &str,
    n: Option<&str>,
) -> Result<Option<String>, JsonError> {
    let Some(n) = n.map(str::trim).filter(|n| !n.is_empty()) else { return Ok(None) };
    if store.geography().neighbourhood(force_id, n).await?.is_none() {
        return Err(JsonError::NotFound(format!("unknown neighbourhood {n:?} in force {force_id}")));
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
    JsonQuery(q): JsonQuery<StandardsQuery>,
) -> Result<Json<serde_json::Value>, JsonError> {
    let force_id = known_force(q.force.as_deref())?;
    let neighbourhood = known_neighbourhood(&state.store, &force_id, q.neighbourhood.as_deref()).await?;
    let set = state.store.pledge().pledge_standards(&force_id, neighbourhood.as_deref()).await?;
    Ok(answer(&force_id, neighbourhood.as_deref(), &set))
}

/// Stores a stricter local standard for a force (`neighbourhood` `None`) or
/// one of its neighbourhoods (the store writes who did it to the audit
/// log), and returns the standards now in force there.
pub(crate) async fn set_local_standard(
    store: &Store,
    by: &By<'_>,
    force_id: &str,
    neighbourhood: Option<&str>,
    standard: &Standard,
) -> Result<StandardSet, JsonError> {
    let force_id = known_force(Some(force_id))?;
    may_set(store, by, &force_id).await?;
    let neighbourhood = known_neighbourhood(store, &force_id, neighbourhood).await?;
    if standard.description.trim().is_empty() {
        return Err(JsonError::Unprocessable(format!(
            "{}: say in plain English what the public is promised (description)",
            standard.id
        )));
    }
    match store.pledge().put_local_standard(&force_id, neighbourhood.as_deref(), standard, by).await {
        Ok(()) => {}
        Err(LocalStandardError::Standard(e)) => return Err(JsonError::Unprocessable(e.to_string())),
        Err(LocalStandardError::Store(e)) => return Err(e.into()),
    }
    Ok(store.pledge().pledge_standards(&force_id, neighbourhood.as_deref()).await?)
}

/// Withdraws a force's (`neighbourhood` `None`) or a neighbourhood's local
/// standard for one commitment (the store writes who did it, and which
/// version went, to the audit log), and returns the version withdrawn and
/// the standards now in force there. [`JsonError::NotFound`] when that level
/// has no local standard for the commitment, so a caller can tell "nothing
/// to withdraw" from a withdrawal.
pub(crate) async fn withdraw_local_standard(
    store: &Store,
    by: &By<'_>,
    force_id: &str,
    neighbourhood: Option<&str>,
    commitment: CommitmentId,
) -> Result<(Standard, StandardSet), JsonError> {
    let force_id = known_force(Some(force_id))?;
    may_set(store, by, &force_id).await?;
    let neighbourhood = known_neighbourhood(store, &force_id, neighbourhood).await?;
    let place = match &neighbourhood {
        Some(n) => format!("neighbourhood {n} of {force_id}"),
        None => format!("force {force_id}"),
    };
    let withdrawn =
        match store.pledge().withdraw_local_standard(&force_id, neighbourhood.as_deref(), commitment, by).await {
            Ok(Some(withdrawn)) => withdrawn,
            Ok(None) => {
                return Err(JsonError::NotFound(format!(
                    "the {place} has no local {commitment} standard of its own to withdraw; nothing was changed"
                )));
            }
            Err(LocalStandardError::Standard(e)) => return Err(JsonError::Unprocessable(e.to_string())),
            Err(LocalStandardError::Store(e)) => return Err(e.into()),
        };
    let now = store.pledge().pledge_standards(&force_id, neighbourhood.as_deref()).await?;
    Ok((withdrawn, now))
}

/// Sets a neighbourhood's urban or rural setting (audited by the store).
pub(crate) async fn set_area(
    store: &Store,
    by: &By<'_>,
    force_id: &str,
    neighbourhood: &str,
    area: AreaKind,
) -> Result<(), JsonError> {
    let force_id = known_force(Some(force_id))?;
    may_set(store, by, &force_id).await?;
    let Some(neighbourhood) = known_neighbourhood(store, &force_id, Some(neighbourhood)).await? else {
        return Err(JsonError::BadRequest("neighbourhood is required".into()));
    };
    store.pledge().set_neighbourhood_area(&force_id, &neighbourhood, area, by).await?;
    Ok(())
}

/// A JSON body naming a force, read once the caller is known to reach
/// that force: a caller who may not set standards there is refused before
/// anything else in the body is checked, so the answer tells them nothing
/// about it. A body that names no force is then read as usual, and its
/// errors told.
async fn body<T: DeserializeOwned>(store: &Store, by: &By<'_>, bytes: &[u8]) -> Result<T, JsonError> {
    let named = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("force").and_then(|f| f.as_str()).map(|f| f.trim().to_string()))
        .filter(|f| force::by_id(f).is_some());
    match (named, by.caller.account().and_then(|a| a.reach.force())) {
        (Some(force_id), _) => may_set(store, by, &force_id).await?,
        // No force at all within reach: refused, whatever the body says.
        (None, None) if by.caller.account().is_some() => may_set(store, by, "").await?,
        (None, _) => {}
    }
    serde_json::from_slice(bytes).map_err(|e| JsonError::BadRequest(format!("the body is not the JSON expected: {e}")))
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
    bytes: Bytes,
) -> Result<Json<serde_json::Value>, JsonError> {
    let by = a.by(PURPOSE, bo.now());
    let b: StandardBody = body(&state.store, &by, &bytes).await?;
    let hood = b.neighbourhood.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let set = set_local_standard(&state.store, &by, &b.force, hood, &b.standard).await?;
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
    JsonQuery(q): JsonQuery<WithdrawQuery>,
) -> Result<Json<serde_json::Value>, JsonError> {
    let by = a.by(PURPOSE, bo.now());
    if let Some(force_id) = q.force.as_deref().map(str::trim).filter(|f| force::by_id(f).is_some()) {
        may_set(&state.store, &by, force_id).await?;
    }
    let commitment: CommitmentId = q
        .commitment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| JsonError::BadRequest("commitment is required, e.g. commitment=999-answer".into()))?
        .parse()
        .map_err(|e: peel_core::pledge::StandardError| JsonError::BadRequest(e.to_string()))?;
    let force_id = q.force.as_deref().unwrap_or("");
    let hood = q.neighbourhood.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let (_, set) = withdraw_local_standard(&state.store, &by, force_id, hood, commitment).await?;
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
    bytes: Bytes,
) -> Result<Json<serde_json::Value>, JsonError> {
    let by = a.by(PURPOSE, bo.now());
    let b: AreaBody = body(&state.store, &by, &bytes).await?;
    let area: AreaKind = b.area.parse().map_err(JsonError::BadRequest)?;
    set_area(&state.store, &by, &b.force, &b.neighbourhood, area).await?;
    Ok(Json(json!({ "force": b.force.trim(), "neighbourhood": b.neighbourhood.trim(), "area": area.as_str() })))
}
