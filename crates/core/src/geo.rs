//! Plane geometry on WGS84 coordinates: points, polygons, distances.
//!
//! Neighbourhoods are a few kilometres across, so planar point-in-polygon
//! tests on degrees are exact enough (police.uk does the same); distances use
//! the haversine formula.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres (IUGG), as used by haversine distances.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// police.uk's point queries cover "a one mile radius".
pub const ONE_MILE_M: f64 = 1_609.344;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    #[error("{0:?} is not a coordinate: expected a decimal number")]
    NotANumber(String),
    #[error("latitude {0} is outside -90..90")]
    LatitudeRange(String),
    #[error("longitude {0} is outside -180..180")]
    LongitudeRange(String),
    #[error("{0:?} is not a point: expected lat,lng")]
    BadPoint(String),
    #[error("a polygon needs at least 3 points, got {0}")]
    TooFewPoints(usize),
}

impl LatLng {
    /// Parses a latitude and longitude given as decimal strings, checking range.
    pub fn parse(lat: &str, lng: &str) -> Result<LatLng, GeoError> {
        let lat_s = lat.trim_matches(|c: char| c.is_ascii_whitespace());
        let lng_s = lng.trim_matches(|c: char| c.is_ascii_whitespace());
        let lat: f64 = parse_decimal(lat)?;
        let lng: f64 = parse_decimal(lng)?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::LatitudeRange(lat_s.to_string()));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(GeoError::LongitudeRange(lng_s.to_string()));
        }
        Ok(LatLng { lat, lng })
    }

    /// Parses `lat,lng` as police.uk's `q` and `poly` parameters write points.
    pub fn parse_pair(s: &str) -> Result<LatLng, GeoError> {
        let (lat, lng) = s.split_once(',').ok_or_else(|| GeoError::BadPoint(s.to_string()))?;
        LatLng::parse(lat, lng)
    }

    /// Great-circle distance in metres.
    pub fn distance_m(self, other: LatLng) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }

    /// police.uk prints coordinates as strings with 6 decimal places.
    pub fn lat_string(self) -> String {
        format!("{:.6}", self.lat)
    }

    pub fn lng_string(self) -> String {
        format!("{:.6}", self.lng)
    }
}

/// The longest coordinate accepted, surrounding spaces included: enough for
/// any real one, and with at most two exponent digits it cannot overflow.
pub const MAX_COORDINATE_LEN: usize = 64;

/// A coordinate exactly as the API's OpenAPI document states it: ASCII
/// spaces around, an optional sign, digits with an optional decimal point,
/// and an optional exponent of one or two digits, at most
/// [`MAX_COORDINATE_LEN`] characters. `f64::from_str` alone also takes
/// "inf", "NaN" and exponents that overflow. The exponent form stays:
/// police.uk's boundary KML writes points near the Greenwich meridian as
/// "-2.78113836816e-05".
fn parse_decimal(raw: &str) -> Result<f64, GeoError> {
    let bad = || GeoError::NotANumber(raw.to_string());
    if raw.len() > MAX_COORDINATE_LEN {
        return Err(bad());
    }
    let s = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return Err(bad());
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !(1..=2).contains(&digits(&mut i)) {
            return Err(bad());
        }
    }
    if i != b.len() {
        return Err(bad());
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(bad)
}

/// An axis-aligned box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lat: f64,
    pub min_lng: f64,
    pub max_lat: f64,
    pub max_lng: f64,
}

impl BBox {
    pub fn of_points(points: &[LatLng]) -> Option<BBox> {
        let first = points.first()?;
        let mut b = BBox { min_lat: first.lat, min_lng: first.lng, max_lat: first.lat, max_lng: first.lng };
        for p in points {
            b.min_lat = b.min_lat.min(p.lat);
            b.max_lat = b.max_lat.max(p.lat);
            b.min_lng = b.min_lng.min(p.lng);
            b.max_lng = b.max_lng.max(p.lng);
        }
        Some(b)
    }

    pub fn contains(&self, p: LatLng) -> bool {
        p.lat >= self.min_lat && p.lat <= self.max_lat && p.lng >= self.min_lng && p.lng <= self.max_lng
    }

    /// The box around a circle, widened so it never cuts the circle off.
    pub fn around(centre: LatLng, radius_m: f64) -> BBox {
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
        let cos = centre.lat.to_radians().cos().max(1e-6);
        let dlng = (radius_m / (EARTH_RADIUS_M * cos)).to_degrees();
        BBox {
            min_lat: centre.lat - dlat,
            max_lat: centre.lat + dlat,
            min_lng: centre.lng - dlng,
            max_lng: centre.lng + dlng,
        }
    }

    pub fn centre(&self) -> LatLng {
        LatLng { lat: (self.min_lat + self.max_lat) / 2.0, lng: (self.min_lng + self.max_lng) / 2.0 }
    }
}

/// A polygon: one outer ring and any holes, each a list of vertices (closing
/// vertex optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    pub outer: Vec<LatLng>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holes: Vec<Vec<LatLng>>,
}

/// An area made of one or more polygons (a neighbourhood or force boundary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Area {
    pub polygons: Vec<Polygon>,
}

impl Polygon {
    pub fn new(outer: Vec<LatLng>) -> Result<Polygon, GeoError> {
        let distinct = distinct_vertices(&outer);
        if distinct < 3 {
            return Err(GeoError::TooFewPoints(distinct));
        }
        Ok(Polygon { outer, holes: Vec::new() })
    }

    /// Parses police.uk's `poly` parameter: `lat,lng:lat,lng:…`; the ring is
    /// closed implicitly.
    pub fn parse_police_uk(s: &str) -> Result<Polygon, GeoError> {
        let points = s
            .split(':')
            .filter(|p| !p.trim_matches(|c: char| c.is_ascii_whitespace()).is_empty())
            .map(LatLng::parse_pair)
            .collect::<Result<Vec<_>, _>>()?;
        Polygon::new(points)
    }

    pub fn contains(&self, p: LatLng) -> bool {
        ring_contains(&self.outer, p) && !self.holes.iter().any(|h| ring_contains(h, p))
    }

    pub fn bbox(&self) -> BBox {
        BBox::of_points(&self.outer).unwrap_or(BBox { min_lat: 0.0, min_lng: 0.0, max_lat: 0.0, max_lng: 0.0 })
    }

    /// Approximate area in km², for crime rates per km² where population is unknown.
    pub fn area_km2(&self) -> f64 {
        let ring_area = |ring: &[LatLng]| {
            let lat0 = ring.first().map_or(0.0, |p| p.lat).to_radians();
            let k = (EARTH_RADIUS_M / 1000.0).powi(2);
            let mut sum = 0.0;
            for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
                let (x1, y1) = (a.lng.to_radians() * lat0.cos(), a.lat.to_radians());
                let (x2, y2) = (b.lng.to_radians() * lat0.cos(), b.lat.to_radians());
                sum += x1 * y2 - x2 * y1;
            }
            (sum / 2.0).abs() * k
        };
        ring_area(&self.outer) - self.holes.iter().map(|h| ring_area(h)).sum::<f64>()
    }
}

impl Area {
    pub fn contains(&self, p: LatLng) -> bool {
        self.polygons.iter().any(|poly| poly.contains(p))
    }

    pub fn bbox(&self) -> Option<BBox> {
        let pts: Vec<LatLng> = self.polygons.iter().flat_map(|p| p.outer.iter().copied()).collect();
        BBox::of_points(&pts)
    }

    pub fn area_km2(&self) -> f64 {
        self.polygons.iter().map(Polygon::area_km2).sum()
    }

    /// All outer vertices in order, as police.uk's `/boundary` lists them.
    pub fn outline(&self) -> impl Iterator<Item = &LatLng> {
        self.polygons.iter().flat_map(|p| p.outer.iter())
    }
}

fn distinct_vertices(points: &[LatLng]) -> usize {
    let mut seen: Vec<LatLng> = Vec::new();
    for p in points {
        if !seen.iter().any(|q| q == p) {
            seen.push(*p);
        }
        if seen.len() >= 3 {
            break;
        }
    }
    seen.len()
}

/// Even-odd ray casting. Points exactly on an edge may fall either side, as
/// in every planar test; published points never sit on boundaries by design.
fn ring_contains(ring: &[LatLng], p: LatLng) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let x = (b.lng - a.lng) * (p.lat - a.lat) / (b.lat - a.lat) + a.lng;
            if p.lng < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn square() -> Polygon {
        Polygon::parse_police_uk("0,0:0,1:1,1:1,0").unwrap()
    }

    /// The grammar the OpenAPI document states for lat, lng, q and poly
    /// (found by schemathesis: over-long numbers, exponents that overflow
    /// and Unicode spaces were accepted or refused against the document).
    #[test]
    fn coordinates_follow_the_documented_grammar() {
        for ok in ["51.5", "-0.1", "+.5", "5.", " 51.5\t", "-2.78113836816e-05", "1E+2", "0"] {
            assert!(parse_decimal(ok).is_ok(), "{ok:?}");
        }
        let long = format!("0.{}", "0".repeat(MAX_COORDINATE_LEN));
        for bad in
            ["", ".", "-", "inf", "NaN", "1e", "1e100", "1e-999", "1.2.3", "\u{a0}51.5", "0x10", "51,5", long.as_str()]
        {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
        assert!(Polygon::parse_police_uk("0,0:0,1:\u{a0}:1,1").is_err());
        let padded = format!("0{}", " ".repeat(MAX_COORDINATE_LEN));
        assert!(LatLng::parse("0", &padded).is_err(), "the length counts the spaces");
        assert!(Polygon::parse_police_uk(":0,0: :0,1::1,1:").is_ok());
    }

    #[test]
    fn contains_and_holes() {
        let mut sq = square();
        assert!(sq.contains(LatLng { lat: 0.5, lng: 0.5 }));
        assert!(!sq.contains(LatLng { lat: 1.5, lng: 0.5 }));
        sq.holes.push(vec![
            LatLng { lat: 0.4, lng: 0.4 },
            LatLng { lat: 0.4, lng: 0.6 },
            LatLng { lat: 0.6, lng: 0.6 },
            LatLng { lat: 0.6, lng: 0.4 },
        ]);
        assert!(!sq.contains(LatLng { lat: 0.5, lng: 0.5 }));
        assert!(sq.contains(LatLng { lat: 0.2, lng: 0.2 }));
    }

    #[test]
    fn poly_parameter_errors() {
        assert_eq!(Polygon::parse_police_uk("1,1:2,2"), Err(GeoError::TooFewPoints(2)));
        assert_eq!(Polygon::parse_police_uk("1,1:2,2:1,1"), Err(GeoError::TooFewPoints(2)));
        assert!(matches!(Polygon::parse_police_uk("a,1:2,2:3,3"), Err(GeoError::NotANumber(_))));
        assert!(matches!(Polygon::parse_police_uk("1:2,2:3,3"), Err(GeoError::BadPoint(_))));
    }

    #[test]
    fn coordinates_are_plain_decimals() {
        assert!(LatLng::parse("NaN", "0").is_err());
        assert!(LatLng::parse("inf", "0").is_err());
        assert!(LatLng::parse("1e999", "0").is_err());
        assert!(LatLng::parse("e5", "0").is_err());
        assert_eq!(LatLng::parse("51.5", "-2.78113836816e-05").unwrap().lng, -2.78113836816e-05);
        assert!(LatLng::parse("91", "0").is_err());
        assert!(LatLng::parse("51.5", "-0.1").is_ok());
    }

    #[test]
    fn one_mile_between_known_points() {
        let a = LatLng { lat: 51.5, lng: -0.1 };
        let b = LatLng { lat: 51.5 + (ONE_MILE_M / EARTH_RADIUS_M).to_degrees(), lng: -0.1 };
        assert!((a.distance_m(b) - ONE_MILE_M).abs() < 0.01);
        let bb = BBox::around(a, ONE_MILE_M);
        assert!(bb.contains(b));
    }

    #[test]
    fn area_of_a_small_square() {
        // 0.01° x 0.01° at the equator is about 1.11 km x 1.11 km.
        let p = Polygon::parse_police_uk("0,0:0,0.01:0.01,0.01:0.01,0").unwrap();
        assert!((p.area_km2() - 1.236).abs() < 0.01, "{}", p.area_km2());
    }

    proptest! {
        #[test]
        fn poly_parser_never_panics(s in "[0-9,.:\\-a ]{0,60}") {
            let _ = Polygon::parse_police_uk(&s);
        }

        #[test]
        fn inside_the_bbox_of_a_convex_square(lat in 0.001f64..0.999, lng in 0.001f64..0.999) {
            let p = LatLng { lat, lng };
            prop_assert!(square().contains(p));
        }
    }
}
