//! Invariants of the spatial index against brute force.

use peel_core::geo::{LatLng, Polygon};
use peel_spatial::LocationIndex;
use proptest::prelude::*;

fn point() -> impl Strategy<Value = LatLng> {
    (51.40f64..51.60, -0.20f64..0.00).prop_map(|(lat, lng)| LatLng { lat, lng })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A point is listed by the polygon query if and only if it is in the polygon.
    #[test]
    fn point_in_polygon_iff_listed(points in prop::collection::vec(point(), 1..300),
                                   ring in prop::collection::vec(point(), 3..9)) {
        let Ok(polygon) = Polygon::new(ring) else { return Ok(()) };
        let idx = LocationIndex::new(points.iter().enumerate().map(|(i, p)| (i as u32, *p)));
        let listed = idx.within_polygon(&polygon);
        for (i, p) in points.iter().enumerate() {
            prop_assert_eq!(polygon.contains(*p), listed.binary_search(&(i as u32)).is_ok(), "point {} {:?}", i, p);
        }
    }

    /// The radius query lists exactly the points within the radius.
    #[test]
    fn radius_iff_within_distance(points in prop::collection::vec(point(), 1..300), centre in point(),
                                  radius in 10.0f64..5_000.0) {
        let idx = LocationIndex::new(points.iter().enumerate().map(|(i, p)| (i as u32, *p)));
        let listed = idx.within_radius(centre, radius);
        for (i, p) in points.iter().enumerate() {
            prop_assert_eq!(centre.distance_m(*p) <= radius, listed.binary_search(&(i as u32)).is_ok());
        }
    }

    /// The nearest point is as near as any point.
    #[test]
    fn nearest_is_minimal(points in prop::collection::vec(point(), 1..300), to in point()) {
        let idx = LocationIndex::new(points.iter().enumerate().map(|(i, p)| (i as u32, *p)));
        let (_, d) = idx.nearest(to).expect("non-empty");
        let best = points.iter().map(|p| to.distance_m(*p)).fold(f64::INFINITY, f64::min);
        prop_assert!((d - best).abs() < 1e-9);
    }
}
