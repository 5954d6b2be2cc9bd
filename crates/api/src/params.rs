//! Query and form parameters as police.uk reads them: unknown keys ignored,
//! an omitted `date` meaning the latest month, a malformed one "not found".

use std::collections::HashMap;

use axum::Form;
use axum::extract::Query;
use axum::extract::rejection::{FormRejection, QueryRejection};
use peel_core::geo::{GeoError, ONE_MILE_M};
use peel_core::{LatLng, Month, Polygon};
use peel_spatial::OpenData;

use super::ApiError;

/// Parameters by name; a repeated key keeps its last value.
pub type Params = HashMap<String, String>;

pub fn from_query(q: Result<Query<Params>, QueryRejection>) -> Result<Params, ApiError> {
    q.map(|Query(p)| p).map_err(|e| ApiError::bad(format!("bad query string: {e}")))
}

/// Query-string parameters overlaid by an `application/x-www-form-urlencoded`
/// body, which is how police.uk takes long polygons. Any other body (JSON
/// included) is refused with 400, as police.uk does.
pub fn from_query_and_form(
    q: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Params, ApiError> {
    let mut params = from_query(q)?;
    let Form(body) = form.map_err(|e| ApiError::bad(format!("expected a form-encoded body: {e}")))?;
    params.extend(body);
    Ok(params)
}

/// A parameter that must be present and non-empty.
pub fn required<'p>(params: &'p Params, key: &str) -> Result<&'p str, ApiError> {
    params
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad(format!("missing parameter {key}")))
}

/// The month asked for: `Ok(None)` when no month is asked for and no data
/// is held yet (every list is then empty).
pub fn month(params: &Params, data: &OpenData) -> Result<Option<Month>, ApiError> {
    match params.get("date").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        None => Ok(data.latest_month()),
        Some(d) => d.parse::<Month>().map(Some).map_err(|_| ApiError::NotFound),
    }
}

/// Where a query asks about.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A one-mile circle around a point.
    Point(LatLng),
    /// A custom area.
    Poly(Polygon),
    /// One map point, by its `location_id`.
    Location(i64),
    /// A point off the globe (`lat=999`): police.uk answers such a query
    /// with an empty list rather than an error, and so does peel.
    Nowhere,
}

/// Which kinds of [`Place`] a route accepts.
#[derive(Debug, Clone, Copy)]
pub struct Accepts {
    pub location_id: bool,
    pub poly: bool,
}

fn geo_error(e: GeoError) -> ApiError {
    ApiError::bad(e.to_string())
}

/// Reads a place from `location_id`, `poly` or `lat`+`lng`, in that order
/// of precedence.
pub fn place(params: &Params, accepts: Accepts) -> Result<Place, ApiError> {
    if accepts.location_id
        && let Some(id) = params.get("location_id")
    {
        // An id that is not a number names no location.
        return id.trim().parse().map(Place::Location).map_err(|_| ApiError::NotFound);
    }
    if accepts.poly
        && let Some(poly) = params.get("poly")
    {
        return Polygon::parse_police_uk(poly).map(Place::Poly).map_err(geo_error);
    }
    match (params.get("lat"), params.get("lng")) {
        (Some(lat), Some(lng)) => match LatLng::parse(lat, lng) {
            Ok(p) => Ok(Place::Point(p)),
            Err(GeoError::LatitudeRange(_) | GeoError::LongitudeRange(_)) => Ok(Place::Nowhere),
            Err(e) => Err(geo_error(e)),
        },
        (Some(_), None) => Err(ApiError::bad("missing parameter lng")),
        (None, Some(_)) => Err(ApiError::bad("missing parameter lat")),
        (None, None) => Err(ApiError::bad(match (accepts.location_id, accepts.poly) {
            (true, true) => "give location_id, poly, or lat and lng",
            (true, false) => "give location_id, or lat and lng",
            (false, true) => "give poly, or lat and lng",
            (false, false) => "give lat and lng",
        })),
    }
}

/// The map points a place covers, in the engine's point order; `None` for
/// a `location_id` that names no map point.
pub fn points(data: &OpenData, place: &Place) -> Option<Vec<u32>> {
    Some(match place {
        Place::Point(p) => data.points_within_radius(*p, ONE_MILE_M),
        Place::Poly(poly) => data.points_within_polygon(poly),
        Place::Location(id) => vec![data.point_by_location_id(*id)?],
        Place::Nowhere => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const ALL: Accepts = Accepts { location_id: true, poly: true };

    #[test]
    fn reads_places() {
        assert!(matches!(place(&p(&[("lat", "51.5"), ("lng", "-0.1")]), ALL), Ok(Place::Point(_))));
        assert!(matches!(place(&p(&[("location_id", "12")]), ALL), Ok(Place::Location(12))));
        assert!(matches!(place(&p(&[("poly", "51,0:52,0:52,1")]), ALL), Ok(Place::Poly(_))));
        assert_eq!(place(&p(&[("lat", "999"), ("lng", "0")]), ALL).ok(), Some(Place::Nowhere));
    }

    #[test]
    fn refuses_bad_places() {
        assert!(matches!(place(&p(&[("lat", "abc"), ("lng", "-0.1")]), ALL), Err(ApiError::BadRequest(_))));
        assert!(matches!(place(&p(&[("lat", "51.5")]), ALL), Err(ApiError::BadRequest(_))));
        assert!(matches!(place(&p(&[]), ALL), Err(ApiError::BadRequest(_))));
        assert!(matches!(place(&p(&[("poly", "51,0:52,0")]), ALL), Err(ApiError::BadRequest(_))));
        assert!(matches!(place(&p(&[("location_id", "x")]), ALL), Err(ApiError::NotFound)));
        let no_poly = Accepts { location_id: false, poly: false };
        assert!(matches!(place(&p(&[("poly", "51,0:52,0:52,1")]), no_poly), Err(ApiError::BadRequest(_))));
    }
}
