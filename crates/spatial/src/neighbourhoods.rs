//! Neighbourhood boundaries: which neighbourhood is a point in?

use peel_core::geo::{Area, LatLng};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A neighbourhood as `locate-neighbourhood` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeighbourhoodRef {
    pub force_id: String,
    pub neighbourhood_id: String,
}

/// A polygon's bounding box in the tree, carrying the index of its area.
type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An R-tree over the bounding boxes of neighbourhood polygons; each hit is
/// confirmed with the exact point-in-polygon test.
#[derive(Debug, Default)]
pub struct NeighbourhoodIndex {
    areas: Vec<(NeighbourhoodRef, Area)>,
    tree: RTree<Entry>,
}

impl NeighbourhoodIndex {
    /// Builds the index. Each polygon of a multi-part area gets its own box,
    /// so a neighbourhood split by a river does not cover the river's box.
    pub fn new(areas: impl IntoIterator<Item = (String, String, Area)>) -> NeighbourhoodIndex {
        let mut areas: Vec<(String, String, Area)> = areas.into_iter().collect();
        areas.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut list = Vec::new();
        let mut entries = Vec::new();
        for (force_id, neighbourhood_id, area) in areas {
            let i = list.len();
            for poly in &area.polygons {
                let b = poly.bbox();
                let rect = Rectangle::from_aabb(AABB::from_corners([b.min_lng, b.min_lat], [b.max_lng, b.max_lat]));
                entries.push(GeomWithData::new(rect, i));
            }
            list.push((NeighbourhoodRef { force_id, neighbourhood_id }, area));
        }
        NeighbourhoodIndex { areas: list, tree: RTree::bulk_load(entries) }
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    /// A neighbourhood's boundary.
    pub fn area(&self, force_id: &str, neighbourhood_id: &str) -> Option<&Area> {
        self.position(force_id, neighbourhood_id).map(|(_, a)| a)
    }

    /// A neighbourhood's place in [`NeighbourhoodIndex::iter`]'s order, and its boundary.
    pub fn position(&self, force_id: &str, neighbourhood_id: &str) -> Option<(usize, &Area)> {
        self.areas
            .binary_search_by(|(r, _)| {
                (r.force_id.as_str(), r.neighbourhood_id.as_str()).cmp(&(force_id, neighbourhood_id))
            })
            .ok()
            .map(|i| (i, &self.areas[i].1))
    }

    /// Every neighbourhood with its boundary, by force id then neighbourhood id.
    pub fn iter(&self) -> impl Iterator<Item = (&NeighbourhoodRef, &Area)> {
        self.areas.iter().map(|(r, a)| (r, a))
    }

    /// The neighbourhood containing `p`. Boundaries should not overlap; where
    /// they do (a shared edge, or data from two boundary releases) the answer
    /// is the first by force id then neighbourhood id, so it never depends
    /// on the tree's layout.
    pub fn locate(&self, p: LatLng) -> Option<&NeighbourhoodRef> {
        let mut hits: Vec<usize> = self
            .tree
            .locate_all_at_point(&[p.lng, p.lat])
            .map(|e| e.data)
            .filter(|&i| self.areas[i].1.contains(p))
            .collect();
        hits.sort_unstable_by(|&a, &b| {
            let (ra, rb) = (&self.areas[a].0, &self.areas[b].0);
            (&ra.force_id, &ra.neighbourhood_id).cmp(&(&rb.force_id, &rb.neighbourhood_id))
        });
        hits.first().map(|&i| &self.areas[i].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peel_core::geo::Polygon;

    fn square(lat: f64, lng: f64, size: f64) -> Area {
        let ll = |lat, lng| LatLng { lat, lng };
        let poly =
            Polygon::new(vec![ll(lat, lng), ll(lat + size, lng), ll(lat + size, lng + size), ll(lat, lng + size)])
                .expect("square");
        Area { polygons: vec![poly] }
    }

    #[test]
    fn locates_the_containing_neighbourhood() {
        let idx = NeighbourhoodIndex::new([
            ("f".to_string(), "A".to_string(), square(51.0, 0.0, 0.1)),
            ("f".to_string(), "B".to_string(), square(51.1, 0.0, 0.1)),
        ]);
        let at = |lat, lng| idx.locate(LatLng { lat, lng }).map(|r| r.neighbourhood_id.as_str());
        assert_eq!(at(51.05, 0.05), Some("A"));
        assert_eq!(at(51.15, 0.05), Some("B"));
        assert_eq!(at(52.0, 0.05), None);
    }

    #[test]
    fn a_diamond_does_not_claim_its_box_corners() {
        let ll = |lat, lng| LatLng { lat, lng };
        let diamond =
            Polygon::new(vec![ll(51.0, 0.05), ll(51.05, 0.1), ll(51.1, 0.05), ll(51.05, 0.0)]).expect("diamond");
        let idx = NeighbourhoodIndex::new([("f".into(), "D".into(), Area { polygons: vec![diamond] })]);
        assert!(idx.locate(ll(51.05, 0.05)).is_some());
        assert!(idx.locate(ll(51.005, 0.005)).is_none());
    }
}
