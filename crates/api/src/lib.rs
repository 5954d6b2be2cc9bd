//! The police.uk-compatible JSON API under `/api/`.
//!
//! Paths, parameters, key names, types and status codes follow
//! data.police.uk so an existing client works by changing only its base URL.
//! Every deliberate difference is listed in `docs/api-compatibility.md`.
//! Handlers stay thin: they parse parameters (`params`) and ask the
//! open-data engine held in memory (`peel_spatial::OpenData`), which writes
//! the records' JSON itself (`json`); no answer reads the database.

mod bulk;
mod caching;
mod crimes;
mod error;
mod forces;
mod json;
mod neighbourhoods;
mod outcomes;
mod params;
mod stops;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::cors::{Any, CorsLayer};

pub use error::ApiError;

pub(crate) use peel_http::AppState;

/// police.uk refuses request lines longer than this (and says to POST).
pub const MAX_REQUEST_LINE: usize = 4094;

/// An area with more crimes (or outcomes) than this is refused with 503, as
/// police.uk does, so one request cannot monopolise the server.
pub const MAX_AREA_RESULTS: usize = 10_000;

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/forces", get(forces::list))
        .route("/forces/{force}", get(forces::one))
        .route("/forces/{force}/people", get(forces::people))
        .route("/{force}/neighbourhoods", get(neighbourhoods::list))
        .route("/{force}/{neighbourhood}", get(neighbourhoods::one))
        .route("/{force}/{neighbourhood}/boundary", get(neighbourhoods::boundary))
        .route("/{force}/{neighbourhood}/people", get(neighbourhoods::people))
        .route("/{force}/{neighbourhood}/events", get(neighbourhoods::events))
        .route("/{force}/{neighbourhood}/priorities", get(neighbourhoods::priorities))
        .route("/locate-neighbourhood", get(neighbourhoods::locate))
        .route("/crimes-street/{category}", get(crimes::street_get).post(crimes::street_post))
        .route("/crimes-at-location", get(crimes::at_location))
        .route("/crimes-no-location", get(crimes::no_location))
        .route("/crime-categories", get(crimes::categories))
        .route("/crime-last-updated", get(crimes::last_updated))
        .route("/crimes-street-dates", get(crimes::street_dates))
        .route("/outcomes-at-location", get(outcomes::at_location_get).post(outcomes::at_location_post))
        .route("/outcomes-for-crime/{persistent_id}", get(outcomes::for_crime))
        .route("/stops-street", get(stops::street_get).post(stops::street_post))
        .route("/stops-at-location", get(stops::at_location))
        .route("/stops-no-location", get(stops::no_location))
        .route("/stops-force", get(stops::force))
        .route("/openapi.json", get(openapi))
        .layer(middleware::from_fn(caching::etag))
        // Outside the ETag layer, which buffers answers: archives are streamed.
        .route("/bulk/{archive}", get(bulk::archive))
        .route("/bulk/{month}/{file}", get(bulk::file));
    // Layered outside the nest, which strips `/api` from the URI it passes on.
    Router::new().nest("/api", api).layer(cors()).layer(middleware::from_fn(limit_request_line))
}

/// The OpenAPI 3.1 description of every route above, written by hand from
/// the police.uk reference and checked against the router by the tests.
const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Lets web pages on any origin read the API: the data is public and no
/// request carries credentials. POST is allowed for the area routes, which
/// take long polygons that way.
fn cors() -> CorsLayer {
    CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD, Method::POST])
}

/// Refuses over-long request lines with 400, as police.uk's front end does,
/// so clients that split long polygons into POSTs behave the same here.
async fn limit_request_line(request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    // "METHOD SP target SP HTTP/1.1"
    let line = request.method().as_str().len() + 1 + target + 1 + "HTTP/1.1".len();
    if line > MAX_REQUEST_LINE {
        return (StatusCode::BAD_REQUEST, "Request Line is too large").into_response();
    }
    next.run(request).await
}
