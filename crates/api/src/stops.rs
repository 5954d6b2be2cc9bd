//! `stops-street`, `stops-at-location`, `stops-no-location`, `stops-force`.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;

use super::params::{self, Accepts, Params, Place};
use super::{ApiError, json};
use crate::AppState;

pub async fn street_get(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    street(&state, params::from_query(query)?)
}

pub async fn street_post(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    street(&state, params::from_query_and_form(query, form)?)
}

/// Stops in a one-mile circle or a polygon. police.uk caps none, nor do we.
fn street(state: &AppState, params: Params) -> Result<Response, ApiError> {
    let place = params::place(&params, Accepts { location_id: false, poly: true })?;
    let data = state.index.current();
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    let points = params::points(&data, &place).unwrap_or_default();
    Ok(json::body(|out| data.write_stops(out, month, &points)))
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
        // Not a number (`location_id=null`): no such location, as at
        // crimes-at-location, rather than an empty list that hides the typo.
        Err(ApiError::NotFound) => return Err(ApiError::NotFound),
        Ok(_) | Err(_) => return Err(ApiError::bad("missing parameter location_id")),
    };
    let data = state.index.current();
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    let Some(point) = data.point_by_location_id(id) else {
        return Ok(json::empty());
    };
    Ok(json::body(|out| data.write_stops(out, month, &[point])))
}

/// A force's stops without a location. An unknown force is an empty list.
pub async fn no_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    for_force(&state, params::from_query(query)?, true)
}

/// All of a force's stops, with or without a location.
pub async fn force(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    for_force(&state, params::from_query(query)?, false)
}

fn for_force(state: &AppState, params: Params, no_location_only: bool) -> Result<Response, ApiError> {
    let force_id = params::required(&params, "force")?;
    let data = state.index.current();
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    Ok(json::body(|out| data.write_force_stops(out, force_id, month, no_location_only)))
}
