//! `outcomes-at-location` and `outcomes-for-crime/{persistent_id}`.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Serialize;

use super::json::{self, Crime, OutcomeCategory, OutcomeEntry};
use super::params::{self, Accepts, Params, Place};
use super::{ApiError, MAX_AREA_RESULTS};
use crate::AppState;

pub async fn at_location_get(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    at_location(&state, params::from_query(query)?).await
}

pub async fn at_location_post(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    at_location(&state, params::from_query_and_form(query, form)?).await
}

/// Outcomes recorded in a month at a map point, in a one-mile circle or in
/// a polygon.
async fn at_location(state: &AppState, params: Params) -> Result<Response, ApiError> {
    let place = params::place(&params, Accepts { location_id: true, poly: true })?;
    if let Place::Location(id) = place {
        state.store.location(id).await?.ok_or(ApiError::NotFound)?;
    }
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(Json(Vec::<()>::new()).into_response());
    };
    let ids = params::location_ids(&state.index.current(), &place);
    // Counted before reading, and counting every outcome record there, as
    // police.uk's limit does (some may then be left out; see outcomes_at).
    let n = state.store.count_outcomes_at(month, &ids).await?;
    if n > MAX_AREA_RESULTS {
        return Err(ApiError::TooManyResults(n));
    }
    let list = state.store.outcomes_at(month, &ids).await?;
    let out: Vec<json::OutcomeWithCrime> = list.iter().map(json::OutcomeWithCrime::of).collect();
    Ok(Json(out).into_response())
}

#[derive(Serialize)]
struct CaseHistory<'a> {
    crime: Crime<'a>,
    /// `null` when no outcome has been recorded, as police.uk answers.
    outcomes: Option<Vec<OutcomeEntry>>,
}

/// A crime and every outcome recorded for it. Ids are matched exactly, so
/// an upper-case id is 404 as on police.uk.
pub async fn for_crime(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let crime = state.store.crime_by_persistent_id(&id).await?.ok_or(ApiError::NotFound)?;
    let outcomes: Vec<OutcomeEntry> = state
        .store
        .outcomes_for_crime(&id)
        .await?
        .into_iter()
        .map(|(m, o)| OutcomeEntry { category: OutcomeCategory::of(o), date: m.to_string(), person_id: None })
        .collect();
    let outcomes = (!outcomes.is_empty()).then_some(outcomes);
    Ok(Json(CaseHistory { crime: Crime::bare(&crime), outcomes }).into_response())
}
