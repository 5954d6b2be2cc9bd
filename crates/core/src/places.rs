//! Place search over street names: streets of the same name in different
//! towns stay apart, and the likeliest match comes first.
//!
//! police.uk names each anonymous map point after a street ("On or near
//! Cheapside"). Two towns can have a Cheapside; treating every point of that
//! name as one place puts the place between them (in a field in another
//! county). So points are first gathered per name and coarse grid cell (the
//! store does that in SQL), then pieces of one street cut by a cell edge are
//! joined again here, and what is left is ranked.

use crate::geo::LatLng;

/// Pieces of a street closer than this are one street (a long road, or
/// one cut by a grid cell's edge); further apart, two places.
pub const SAME_STREET_M: f64 = 3_000.0;

/// A street matching a search: its name, the middle of its map points, and
/// how many map points it has (a longer or busier street has more).
#[derive(Debug, Clone, PartialEq)]
pub struct Street {
    pub name: String,
    pub at: LatLng,
    pub points: i64,
}

/// Joins the pieces of each street: same name (ignoring case), centres
/// within [`SAME_STREET_M`]. The joined centre is weighted by points.
pub fn join_pieces(pieces: Vec<Street>) -> Vec<Street> {
    let mut joined: Vec<Street> = Vec::new();
    for p in pieces {
        let near =
            joined.iter_mut().find(|s| s.name.eq_ignore_ascii_case(&p.name) && s.at.distance_m(p.at) <= SAME_STREET_M);
        match near {
            Some(s) => {
                let (a, b) = (s.points as f64, p.points as f64);
                let total = (a + b).max(1.0);
                s.at =
                    LatLng { lat: (s.at.lat * a + p.at.lat * b) / total, lng: (s.at.lng * a + p.at.lng * b) / total };
                s.points += p.points;
            }
            None => joined.push(p),
        }
    }
    joined
}

/// How well `name` matches what was typed: 0 for the whole name, 1 for its
/// start, 2 for anywhere in it (lower is better).
pub fn closeness(name: &str, typed: &str) -> u8 {
    let (name, typed) = (name.trim().to_lowercase(), typed.trim().to_lowercase());
    if name == typed {
        0
    } else if name.starts_with(&typed) {
        1
    } else {
        2
    }
}

/// Streets in the order to offer them: closest name first, then the
/// street with more map points, then by name, then south to north (so
/// the order never depends on the database's).
pub fn rank(streets: &mut [Street], typed: &str) {
    streets.sort_by(|a, b| {
        closeness(&a.name, typed)
            .cmp(&closeness(&b.name, typed))
            .then(b.points.cmp(&a.points))
            .then(a.name.cmp(&b.name))
            .then(a.at.lat.total_cmp(&b.at.lat))
            .then(a.at.lng.total_cmp(&b.at.lng))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street(name: &str, lat: f64, lng: f64, points: i64) -> Street {
        Street { name: name.into(), at: LatLng { lat, lng }, points }
    }

    #[test]
    fn same_names_far_apart_stay_two_places() {
        let london = street("Cheapside", 51.5138, -0.0940, 12);
        let herts = street("Cheapside", 51.7520, -0.3370, 2);
        let joined = join_pieces(vec![london.clone(), herts.clone()]);
        assert_eq!(joined, vec![london, herts]);
    }

    #[test]
    fn pieces_of_one_street_join_weighted_by_points() {
        let joined = join_pieces(vec![street("High Street", 51.0, 0.0, 3), street("high street", 51.01, 0.0, 1)]);
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].points, 4);
        assert!((joined[0].at.lat - 51.0025).abs() < 1e-9);
    }

    #[test]
    fn whole_names_then_starts_then_more_points() {
        let mut s = vec![
            street("Old Cheapside Lane", 51.0, 0.0, 50),
            street("Cheapside Court", 51.0, 0.1, 1),
            street("Cheapside", 51.7, -0.3, 2),
            street("Cheapside", 51.5, -0.09, 12),
        ];
        rank(&mut s, " cheapside ");
        let order: Vec<(&str, i64)> = s.iter().map(|s| (s.name.as_str(), s.points)).collect();
        assert_eq!(order, [("Cheapside", 12), ("Cheapside", 2), ("Cheapside Court", 1), ("Old Cheapside Lane", 50)]);
    }
}
