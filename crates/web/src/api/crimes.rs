//! `crimes-street/{category}`, `crimes-at-location`, `crimes-no-location`,
//! `crime-categories`, `crime-last-updated`, `crimes-street-dates`.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use peel_core::{CategoryFilter, CrimeCategory, force};
use serde::Serialize;

use super::params::{self, Accepts, Params, Place};
use super::{ApiError, MAX_AREA_RESULTS, json};
use crate::AppState;

pub async fn street_get(
    State(state): State<AppState>,
    Path(category): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    street(&state, &category, params::from_query(query)?).await
}

pub async fn street_post(
    State(state): State<AppState>,
    Path(category): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    street(&state, &category, params::from_query_and_form(query, form)?).await
}

/// Crimes in a one-mile circle or a polygon. An unknown category slug means
/// all crime, as on police.uk.
async fn street(state: &AppState, category: &str, params: Params) -> Result<Response, ApiError> {
    let filter = CategoryFilter::from_slug_lenient(category);
    let place = params::place(&params, Accepts { location_id: false, poly: true })?;
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(Json(Vec::<()>::new()).into_response());
    };
    let ids = params::location_ids(&state.index.current(), &place);
    let n = state.store.count_crimes_at(month, &ids, filter).await?;
    if n > MAX_AREA_RESULTS {
        return Err(ApiError::TooManyResults(n));
    }
    let list = state.store.crimes_at(month, &ids, filter).await?;
    Ok(Json(json::crimes(&list)).into_response())
}

/// Crimes at one map point: `location_id`, or the point nearest `lat`,`lng`.
pub async fn at_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params::from_query(query)?;
    let place = params::place(&params, Accepts { location_id: true, poly: false })?;
    let id = match place {
        Place::Location(id) => {
            state.store.location(id).await?.ok_or(ApiError::NotFound)?;
            id
        }
        Place::Point(p) => match state.index.current().locations.nearest(p) {
            Some((id, _)) => id,
            None => return Ok(Json(Vec::<()>::new()).into_response()),
        },
        Place::Nowhere => return Ok(Json(Vec::<()>::new()).into_response()),
        Place::Poly(_) => return Err(ApiError::bad("crimes-at-location takes no poly")),
    };
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(Json(Vec::<()>::new()).into_response());
    };
    let list = state.store.crimes_at(month, &[id], CategoryFilter::All).await?;
    Ok(Json(json::crimes(&list)).into_response())
}

/// Crimes a force could not place on the map. `category` and `force` are
/// both required; an unknown force is 404.
pub async fn no_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params::from_query(query)?;
    let filter = CategoryFilter::from_slug_lenient(params::required(&params, "category")?);
    let force_id = params::required(&params, "force")?;
    force::by_id(force_id).ok_or(ApiError::NotFound)?;
    let Some(month) = params::month(&params, &state.store).await? else {
        return Ok(Json(Vec::<()>::new()).into_response());
    };
    let list = state.store.crimes_no_location(force_id, month, filter).await?;
    Ok(Json(json::crimes(&list)).into_response())
}

#[derive(Serialize)]
pub struct Category {
    url: &'static str,
    name: &'static str,
}

/// The 15 categories in police.uk's order. `date` is accepted and, as on
/// police.uk, has no effect.
pub async fn categories() -> Json<Vec<Category>> {
    let mut list = vec![Category { url: "all-crime", name: "All crime" }];
    list.extend(CrimeCategory::ALL.into_iter().map(|c| Category { url: c.slug(), name: c.name() }));
    Json(list)
}

#[derive(Serialize)]
struct LastUpdated {
    date: String,
}

/// The first day of the latest month; 404 while the store holds no crimes.
pub async fn last_updated(State(state): State<AppState>) -> Result<Response, ApiError> {
    let month = state.store.latest_month().await?.ok_or(ApiError::NotFound)?;
    Ok(Json(LastUpdated { date: month.first_day() }).into_response())
}

#[derive(Serialize)]
struct DateEntry {
    date: String,
    #[serde(rename = "stop-and-search")]
    stop_and_search: Vec<String>,
}

/// Months with street crimes, newest first, each with the forces that
/// published stop and search that month.
pub async fn street_dates(State(state): State<AppState>) -> Result<Response, ApiError> {
    let months = state.store.months_available().await?;
    let out: Vec<DateEntry> =
        months.into_iter().map(|(m, forces)| DateEntry { date: m.to_string(), stop_and_search: forces }).collect();
    Ok(Json(out).into_response())
}
