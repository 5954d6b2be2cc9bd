//! `outcomes-at-location` and `outcomes-for-crime/{persistent_id}`.

use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::params::{self, Accepts, Params};
use super::{ApiError, MAX_AREA_RESULTS, json};
use crate::AppState;

pub async fn at_location_get(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    at_location(&state, params::from_query(query)?)
}

pub async fn at_location_post(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    at_location(&state, params::from_query_and_form(query, form)?)
}

/// Outcomes recorded in a month at a map point, in a one-mile circle or in
/// a polygon.
fn at_location(state: &AppState, params: Params) -> Result<Response, ApiError> {
    let place = params::place(&params, Accepts { location_id: true, poly: true })?;
    let data = state.index.current();
    let points = params::points(&data, &place).ok_or(ApiError::NotFound)?;
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    // Counting every outcome record there, as police.uk's limit does (some
    // may then be left out: those whose crime is not held).
    let n = data.count_outcomes(month, &points);
    if n > MAX_AREA_RESULTS {
        return Err(ApiError::TooManyResults(n));
    }
    Ok(json::body(|out| data.write_outcomes(out, month, &points)))
}

/// A crime and every outcome recorded for it. Ids are matched exactly, so
/// an upper-case id is 404 as on police.uk.
pub async fn for_crime(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let data = state.index.current();
    let mut out = Vec::new();
    if !data.write_case_history(&mut out, &id) {
        return Err(ApiError::NotFound);
    }
    Ok(json::body(|o| *o = out))
}
