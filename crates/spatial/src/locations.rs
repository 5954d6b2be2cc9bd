//! Published map points: radius, polygon and nearest-point queries.

use peel_core::geo::{BBox, LatLng, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

/// A map point in the tree: `[lng, lat]` in degrees, carrying its number
/// (the caller's index of the point).
type Point = GeomWithData<[f64; 2], u32>;

fn key(at: LatLng) -> [f64; 2] {
    [at.lng, at.lat]
}

fn envelope(b: BBox) -> AABB<[f64; 2]> {
    AABB::from_corners([b.min_lng, b.min_lat], [b.max_lng, b.max_lat])
}

/// An R-tree over every published map point (police.uk's `street.id`).
///
/// The tree works in plain degrees; every answer is then checked exactly
/// (haversine distance or point-in-polygon), so the distortion of degrees of
/// longitude only costs a slightly larger candidate set, never a wrong answer.
#[derive(Debug, Default)]
pub struct LocationIndex {
    tree: RTree<Point>,
}

impl LocationIndex {
    /// Bulk-loads the tree, which is faster and gives a better tree than
    /// inserting points one by one.
    pub fn new(points: impl IntoIterator<Item = (u32, LatLng)>) -> LocationIndex {
        let points = points
            .into_iter()
            .filter(|(_, at)| at.lat.is_finite() && at.lng.is_finite())
            .map(|(id, at)| GeomWithData::new(key(at), id))
            .collect();
        LocationIndex { tree: RTree::bulk_load(points) }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Points within `radius_m` metres (great-circle) of `centre`, sorted.
    pub fn within_radius(&self, centre: LatLng, radius_m: f64) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .tree
            .locate_in_envelope(&envelope(BBox::around(centre, radius_m)))
            .filter(|p| centre.distance_m(at(p)) <= radius_m)
            .map(|p| p.data)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Points inside `polygon` (bounding-box prefilter, then the exact
    /// test from `peel_core`, the same one the rest of peel uses), sorted.
    pub fn within_polygon(&self, polygon: &Polygon) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .tree
            .locate_in_envelope(&envelope(polygon.bbox()))
            .filter(|p| polygon.contains(at(p)))
            .map(|p| p.data)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The map point nearest to `to` by great-circle distance, with that
    /// distance in metres. police.uk's `crimes-at-location?lat=&lng=` snaps to
    /// the single nearest point this way.
    pub fn nearest(&self, to: LatLng) -> Option<(u32, f64)> {
        // The nearest point in degree space bounds the true nearest: nothing
        // farther than it (in metres) can win, so search that circle exactly.
        let first = self.tree.nearest_neighbor(&key(to))?;
        let bound = to.distance_m(at(first));
        let mut best = (first.data, bound);
        for p in self.tree.locate_in_envelope(&envelope(BBox::around(to, bound))) {
            let d = to.distance_m(at(p));
            if d < best.1 || (d == best.1 && p.data < best.0) {
                best = (p.data, d);
            }
        }
        Some(best)
    }
}

fn at(p: &Point) -> LatLng {
    let [lng, lat] = *p.geom();
    LatLng { lat, lng }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peel_core::geo::ONE_MILE_M;

    fn ll(lat: f64, lng: f64) -> LatLng {
        LatLng { lat, lng }
    }

    fn grid() -> LocationIndex {
        // A 21 × 21 grid of points 0.005° apart around the City of London.
        let mut pts = Vec::new();
        for i in 0..21 {
            for j in 0..21 {
                pts.push((i * 100 + j, ll(51.46 + i as f64 * 0.005, -0.15 + j as f64 * 0.005)));
            }
        }
        LocationIndex::new(pts)
    }

    #[test]
    fn radius_matches_brute_force() {
        let idx = grid();
        let centre = ll(51.515, -0.095);
        let got = idx.within_radius(centre, ONE_MILE_M);
        let mut want: Vec<u32> = Vec::new();
        for i in 0..21 {
            for j in 0..21 {
                if centre.distance_m(ll(51.46 + i as f64 * 0.005, -0.15 + j as f64 * 0.005)) <= ONE_MILE_M {
                    want.push(i * 100 + j);
                }
            }
        }
        assert!(!want.is_empty());
        assert_eq!(got, want);
    }

    #[test]
    fn polygon_uses_exact_test() {
        let idx = grid();
        // A triangle whose bounding box holds points the triangle does not.
        let tri = Polygon::new(vec![ll(51.46, -0.15), ll(51.56, -0.15), ll(51.46, -0.05)]).expect("triangle");
        let got = idx.within_polygon(&tri);
        assert!(got.contains(&0));
        assert!(!got.contains(&2020), "the far corner is in the box but not the triangle");
    }

    #[test]
    fn nearest_is_by_distance() {
        let idx = LocationIndex::new([(1, ll(51.5, -0.1)), (2, ll(51.5, -0.1009)), (3, ll(51.5007, -0.1))]);
        // 0.0006° of latitude (~67 m) is farther than 0.0009° of longitude
        // (~62 m) at this latitude, though nearer in degrees.
        let (id, d) = idx.nearest(ll(51.5, -0.1)).expect("a point");
        assert_eq!((id, d), (1, 0.0));
        let (id, _) = idx.nearest(ll(51.50003, -0.10075)).expect("a point");
        assert_eq!(id, 2);
        assert!(LocationIndex::default().nearest(ll(0.0, 0.0)).is_none());
    }
}
