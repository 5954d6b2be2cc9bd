//! `{force}/neighbourhoods`, `{force}/{neighbourhood}` and its `boundary`,
//! `people`, `events` and `priorities`; `locate-neighbourhood`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use peel_core::LatLng;
use peel_core::force;
use peel_core::geo::GeoError;
use peel_core::geography::{ContactDetails, Link, Neighbourhood, NeighbourhoodDetails, NeighbourhoodLocation};
use peel_spatial::OpenData;
use serde::Serialize;

use super::ApiError;
use super::params::{self, Params};
use crate::AppState;

#[derive(Serialize)]
struct NeighbourhoodRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Centre {
    latitude: String,
    longitude: String,
}

#[derive(Serialize)]
struct LocationJson<'a> {
    name: Option<&'a str>,
    longitude: Option<String>,
    postcode: Option<&'a str>,
    address: Option<&'a str>,
    latitude: Option<String>,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone: Option<&'a str>,
}

impl<'a> LocationJson<'a> {
    fn of(l: &'a NeighbourhoodLocation) -> LocationJson<'a> {
        LocationJson {
            name: l.name.as_deref(),
            longitude: l.longitude.map(|v| format!("{v:.6}")),
            postcode: l.postcode.as_deref(),
            address: l.address.as_deref(),
            latitude: l.latitude.map(|v| format!("{v:.6}")),
            kind: l.kind.as_deref(),
            description: l.description.as_deref(),
            telephone: l.telephone.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct NeighbourhoodJson<'a> {
    url_force: Option<&'a str>,
    contact_details: &'a ContactDetails,
    name: &'a str,
    links: &'a [Link],
    centre: Option<Centre>,
    locations: Vec<LocationJson<'a>>,
    description: Option<&'a str>,
    id: &'a str,
    /// A string in police.uk ("0" where unknown).
    population: String,
}

impl<'a> NeighbourhoodJson<'a> {
    fn of(n: &'a Neighbourhood) -> NeighbourhoodJson<'a> {
        NeighbourhoodJson {
            url_force: n.url_force.as_deref(),
            contact_details: &n.contact_details,
            name: &n.name,
            links: &n.links,
            centre: n.centre.map(|c| Centre { latitude: c.lat_string(), longitude: c.lng_string() }),
            locations: n.locations.iter().map(LocationJson::of).collect(),
            description: n.description.as_deref(),
            id: &n.id,
            population: n.population.unwrap_or(0).to_string(),
        }
    }
}

#[derive(Serialize)]
struct Vertex {
    latitude: String,
    longitude: String,
}

#[derive(Serialize)]
struct PriorityJson<'a> {
    action: Option<&'a str>,
    #[serde(rename = "issue-date")]
    issue_date: &'a str,
    #[serde(rename = "action-date")]
    action_date: Option<&'a str>,
    issue: &'a str,
}

#[derive(Serialize)]
struct Located<'a> {
    force: &'a str,
    neighbourhood: &'a str,
}

/// Any force police.uk serves data for (BTP included); else 404.
fn known_force(id: &str) -> Result<(), ApiError> {
    force::by_id(id).map(|_| ()).ok_or(ApiError::NotFound)
}

/// The neighbourhood, or 404. Ids are case-sensitive, as on police.uk.
fn find<'d>(data: &'d OpenData, force_id: &str, id: &str) -> Result<&'d NeighbourhoodDetails, ApiError> {
    known_force(force_id)?;
    data.geography().neighbourhood(force_id, id).ok_or(ApiError::NotFound)
}

pub async fn list(State(state): State<AppState>, Path(force_id): Path<String>) -> Result<Response, ApiError> {
    known_force(&force_id)?;
    let data = state.index.current();
    let refs: Vec<NeighbourhoodRef> = data
        .geography()
        .neighbourhoods_of(&force_id)
        .iter()
        .map(|n| NeighbourhoodRef { id: &n.neighbourhood.id, name: &n.neighbourhood.name })
        .collect();
    Ok(Json(refs).into_response())
}

pub async fn one(State(state): State<AppState>, Path((f, n)): Path<(String, String)>) -> Result<Response, ApiError> {
    let data = state.index.current();
    let hood = find(&data, &f, &n)?;
    Ok(Json(NeighbourhoodJson::of(&hood.neighbourhood)).into_response())
}

/// Every outer ring, each closed (first vertex repeated last) as police.uk
/// writes them, at 10 decimal places. A multi-part area's rings follow one
/// another in the one list, since police.uk's shape has no way to separate
/// them.
pub async fn boundary(
    State(state): State<AppState>,
    Path((f, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let data = state.index.current();
    find(&data, &f, &n)?;
    let polygons = data.neighbourhood_boundary(&f, &n).map_or(&[][..], |a| &a.polygons[..]);
    let mut out = Vec::new();
    for poly in polygons {
        let ring = &poly.outer;
        let closing = match (ring.first(), ring.last()) {
            (Some(a), Some(b)) if a != b => Some(*a),
            _ => None,
        };
        for p in ring.iter().chain(closing.iter()) {
            out.push(Vertex { latitude: format!("{:.10}", p.lat), longitude: format!("{:.10}", p.lng) });
        }
    }
    Ok(Json(out).into_response())
}

pub async fn people(State(state): State<AppState>, Path((f, n)): Path<(String, String)>) -> Result<Response, ApiError> {
    let data = state.index.current();
    Ok(Json(&find(&data, &f, &n)?.team).into_response())
}

pub async fn events(State(state): State<AppState>, Path((f, n)): Path<(String, String)>) -> Result<Response, ApiError> {
    let data = state.index.current();
    Ok(Json(&find(&data, &f, &n)?.events).into_response())
}

pub async fn priorities(
    State(state): State<AppState>,
    Path((f, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let data = state.index.current();
    let list = &find(&data, &f, &n)?.priorities;
    let out: Vec<PriorityJson> = list
        .iter()
        .map(|p| PriorityJson {
            action: p.action.as_deref(),
            issue_date: &p.issue_date,
            action_date: p.action_date.as_deref(),
            issue: &p.issue,
        })
        .collect();
    Ok(Json(out).into_response())
}

/// `q=lat,lng` → the neighbourhood whose boundary contains the point.
pub async fn locate(
    State(state): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params::from_query(query)?;
    let q = params::required(&params, "q")?;
    // A point off the globe is simply in no neighbourhood.
    let at = LatLng::parse_pair(q).map_err(|e| match e {
        GeoError::LatitudeRange(_) | GeoError::LongitudeRange(_) => ApiError::NotFound,
        other => ApiError::bad(other.to_string()),
    })?;
    let data = state.index.current();
    let found = data.locate(at).ok_or(ApiError::NotFound)?;
    Ok(Json(Located { force: &found.force_id, neighbourhood: &found.neighbourhood_id }).into_response())
}
