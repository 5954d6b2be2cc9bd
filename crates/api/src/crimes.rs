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
    street(&state, &category, params::from_query(query)?)
}

pub async fn street_post(
    State(state): State<AppState>,
    Path(category): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Response, ApiError> {
    street(&state, &category, params::from_query_and_form(query, form)?)
}

/// Crimes in a one-mile circle or a polygon. An unknown category slug means
/// all crime, as on police.uk.
fn street(state: &AppState, category: &str, params: Params) -> Result<Response, ApiError> {
    let filter = CategoryFilter::from_slug_lenient(category);
    let place = params::place(&params, Accepts { location_id: false, poly: true })?;
    let data = state.index.current();
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    let points = params::points(&data, &place).unwrap_or_default();
    let n = data.count_crimes(month, &points, filter);
    if n > MAX_AREA_RESULTS {
        return Err(ApiError::TooManyResults(n));
    }
    Ok(json::body(|out| data.write_crimes(out, month, &points, filter)))
}

/// Crimes at one map point: `location_id`, or the point nearest `lat`,`lng`.
pub async fn at_location(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params::from_query(query)?;
    let place = params::place(&params, Accepts { location_id: true, poly: false })?;
    let data = state.index.current();
    // The date is checked before the place, so a malformed one is refused
    // even where the place has no crimes (as every other area route does).
    let month = params::month(&params, &data)?;
    let point = match place {
        Place::Location(id) => data.point_by_location_id(id).ok_or(ApiError::NotFound)?,
        Place::Point(p) => match data.nearest_point(p) {
            Some(point) => point,
            None => return Ok(json::empty()),
        },
        Place::Nowhere => return Ok(json::empty()),
        Place::Poly(_) => return Err(ApiError::bad("crimes-at-location takes no poly")),
    };
    let Some(month) = month else {
        return Ok(json::empty());
    };
    Ok(json::body(|out| data.write_crimes(out, month, &[point], CategoryFilter::All)))
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
    let data = state.index.current();
    let Some(month) = params::month(&params, &data)? else {
        return Ok(json::empty());
    };
    Ok(json::body(|out| data.write_crimes_without_location(out, force_id, month, filter)))
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

/// The first day of the latest month; 404 while no crimes are held.
pub async fn last_updated(State(state): State<AppState>) -> Result<Response, ApiError> {
    let month = state.index.current().latest_month().ok_or(ApiError::NotFound)?;
    Ok(Json(LastUpdated { date: month.first_day() }).into_response())
}

#[derive(Serialize)]
struct DateEntry<'a> {
    date: String,
    #[serde(rename = "stop-and-search")]
    stop_and_search: &'a [String],
}

/// Months with street crimes, newest first, each with the forces that
/// published stop and search that month.
pub async fn street_dates(State(state): State<AppState>) -> Result<Response, ApiError> {
    let data = state.index.current();
    let out: Vec<DateEntry> = data
        .street_dates()
        .iter()
        .map(|(m, forces)| DateEntry { date: m.to_string(), stop_and_search: forces })
        .collect();
    Ok(Json(out).into_response())
}
