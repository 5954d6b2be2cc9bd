//! `stops-street`, `stops-at-location`, `stops-no-location`, `stops-force`.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};

use super::params::{self, Accepts, Params, Place};
use super::{ApiError, json};
use crate::AppState;

fn empty() -> Response {
    Json(Vec::<()>::new()).into_response()
}

pub async fn street_get(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    street(&state, params::from_query(query)?).await
}

pub async fn street_post(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    street(&state, params::from_query_and_form(query, form)?).await
}

/// Stops in a one-mile circle or a polygon. police.uk caps none, nor do we.
async fn street(state: &AppState, params: Params) -> Result<Response, ApiError> {
    let place = params::place(&params, Accepts { location_id: false, poly: true })?;
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(empty());
    };
    let ids = params::location_ids(&state.index.current(), &place);
    let list = state.store.stops_at(month, &ids).await?;
    Ok(Json(json::stops(&list)).into_response())
}

/// Stops at one map point. An unknown `location_id` is an empty list, not
/// 404: police.uk answers this route so.
pub async fn at_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params::from_query(query)?;
    let id = match params::place(&params, Accepts { location_id: true, poly: false }) {
        Ok(Place::Location(id)) => id,
        Err(ApiError::NotFound) => return Ok(empty()),
        Ok(_) | Err(_) => return Err(ApiError::bad("missing parameter location_id")),
    };
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(empty());
    };
    let list = state.store.stops_at(month, &[id]).await?;
    Ok(Json(json::stops(&list)).into_response())
}

/// A force's stops without a location. An unknown force is an empty list.
pub async fn no_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    for_force(&state, params::from_query(query)?, true).await
}

/// All of a force's stops, with or without a location.
pub async fn force(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    for_force(&state, params::from_query(query)?, false).await
}

async fn for_force(state: &AppState, params: Params, no_location_only: bool) -> Result<Response, ApiError> {
    let force_id = params::required(&params, "force")?;
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(empty());
    };
    let list = state.store.stops_for_force(force_id, month, no_location_only).await?;
    Ok(Json(json::stops(&list)).into_response())
}
