//! Most similar groups: the forces a force is fairly compared with.
//!
//! HMIC's published groups give each force up to seven peers chosen on
//! crime-related demographic, social and economic variables; the groups are
//! asymmetric (A may be B's peer without B being A's) and the City of London
//! has none. peel holds such a published list as imported data, and also
//! computes groups itself from imported variables so that a reader can see
//! why two forces are peers: every variable is standardised to a z-score,
//! forces are compared by Euclidean distance over the z-scores, and a
//! force's group is its k nearest. `docs/methods.md` states the method; its
//! version, [`METHOD_VERSION`], is shown wherever a computed group is.

use std::collections::{BTreeMap, BTreeSet};

/// The version of the computed-group method; change it whenever the rules
/// below change, so a page can say which rules made the group it shows.
pub const METHOD_VERSION: &str = "most-similar-1";

/// The most peers a group has, as in HMIC's published groups.
pub const MAX_PEERS: usize = 7;

/// One imported value: a force's figure for one variable, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ForceVariable {
    pub force_id: String,
    pub variable: String,
    pub value: f64,
    pub source: String,
    pub year: i32,
}

/// A published group: a force's peers in the publisher's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedGroup {
    pub force_id: String,
    pub peers: Vec<String>,
    pub source: String,
    pub year: i32,
}

/// The variables standardised: each force's z-score on each variable used.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardised {
    /// The variables used, by name, with their mean and standard deviation.
    pub variables: Vec<VariableSummary>,
    /// Each force with every variable used, its raw values and z-scores in
    /// the order of `variables`; by force id.
    pub forces: Vec<StandardisedForce>,
    /// Forces left out because they lack a value for a variable used, with
    /// the variables they lack.
    pub left_out: Vec<(String, Vec<String>)>,
    /// Variables left out because every force has the same value (no spread
    /// to standardise by).
    pub constant: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariableSummary {
    pub name: String,
    pub mean: f64,
    pub sd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StandardisedForce {
    pub force_id: String,
    pub values: Vec<f64>,
    pub z: Vec<f64>,
}

/// A peer and how far it is from the force, in standardised units.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub force_id: String,
    pub distance: f64,
}

/// Standardises every variable held to z-scores, `z = (x − mean) / sd`, with
/// the population standard deviation over the forces that have every
/// variable. A variable is used when at least two forces hold it; a force
/// missing a used variable is left out (and listed), rather than given a
/// guessed value; a variable with no spread is left out (and listed).
/// The report card's finance and workforce figures, imported the same way,
/// are not similarity variables and are never used.
pub fn standardise(values: &[ForceVariable]) -> Standardised {
    let mut by_force: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    let mut holders: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values.iter().filter(|v| !crate::report_card::FINANCE_AND_WORKFORCE.contains(&v.variable.as_str())) {
        if by_force.entry(&v.force_id).or_default().insert(&v.variable, v.value).is_none() {
            *holders.entry(&v.variable).or_default() += 1;
        }
    }
    let candidates: Vec<&str> = holders.iter().filter(|(_, n)| **n >= 2).map(|(v, _)| *v).collect();
    let mut left_out = Vec::new();
    let mut complete: Vec<(&str, Vec<f64>)> = Vec::new();
    for (force, vals) in &by_force {
        let missing: Vec<String> =
            candidates.iter().filter(|v| !vals.contains_key(*v)).map(|v| v.to_string()).collect();
        if missing.is_empty() {
            complete.push((force, candidates.iter().map(|v| vals[v]).collect()));
        } else {
            left_out.push((force.to_string(), missing));
        }
    }
    let mut variables = Vec::new();
    let mut constant = Vec::new();
    let mut used = Vec::new();
    for (i, name) in candidates.iter().enumerate() {
        let column: Vec<f64> = complete.iter().map(|(_, v)| v[i]).collect();
        let (mean, sd) = mean_sd(&column);
        if sd > 0.0 {
            variables.push(VariableSummary { name: name.to_string(), mean, sd });
            used.push(i);
        } else {
            constant.push(name.to_string());
        }
    }
    let forces = complete
        .into_iter()
        .map(|(force, raw)| {
            let values: Vec<f64> = used.iter().map(|&i| raw[i]).collect();
            let z = values.iter().zip(&variables).map(|(x, v)| (x - v.mean) / v.sd).collect();
            StandardisedForce { force_id: force.to_string(), values, z }
        })
        .collect();
    Standardised { variables, forces, left_out, constant }
}

/// The mean and population standard deviation; (0, 0) for no values.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Euclidean distance between two forces' z-scores.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

impl Standardised {
    pub fn force(&self, force_id: &str) -> Option<&StandardisedForce> {
        self.forces.iter().find(|f| f.force_id == force_id)
    }

    /// The `k` forces nearest `force_id`, nearest first; equal distances in
    /// force id order, so the group is the same however the data arrived.
    /// `None` when the force was not standardised (it lacks a variable).
    pub fn nearest(&self, force_id: &str, k: usize) -> Option<Vec<Peer>> {
        let me = self.force(force_id)?;
        let mut others: Vec<Peer> = self
            .forces
            .iter()
            .filter(|f| f.force_id != force_id)
            .map(|f| Peer { force_id: f.force_id.clone(), distance: distance(&me.z, &f.z) })
            .collect();
        others.sort_by(|a, b| a.distance.total_cmp(&b.distance).then_with(|| a.force_id.cmp(&b.force_id)));
        others.truncate(k);
        Some(others)
    }
}

/// Why a published group file is refused: one rule per variant, each naming
/// the force concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("{force:?} lists itself as its own peer")]
    OwnPeer { force: String },
    #[error("{force:?} lists {peer:?} twice")]
    RepeatedPeer { force: String, peer: String },
    #[error("{force:?} has {count} peers; a group has at most {MAX_PEERS}")]
    TooMany { force: String, count: usize },
    #[error("{force:?} appears on more than one row")]
    RepeatedForce { force: String },
}

/// Checks one published group against the rules every group keeps (no
/// force its own peer, no peer twice, at most [`MAX_PEERS`]), and that no
/// force has two groups among `seen`.
pub fn check_group(group: &PublishedGroup, seen: &BTreeSet<String>) -> Result<(), GroupError> {
    let force = group.force_id.clone();
    if seen.contains(&group.force_id) {
        return Err(GroupError::RepeatedForce { force });
    }
    if group.peers.len() > MAX_PEERS {
        return Err(GroupError::TooMany { force, count: group.peers.len() });
    }
    let mut peers = BTreeSet::new();
    for p in &group.peers {
        if *p == group.force_id {
            return Err(GroupError::OwnPeer { force });
        }
        if !peers.insert(p) {
            return Err(GroupError::RepeatedPeer { force, peer: p.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(force: &str, variable: &str, value: f64) -> ForceVariable {
        ForceVariable { force_id: force.into(), variable: variable.into(), value, source: "s".into(), year: 2021 }
    }

    #[test]
    fn z_scores_use_the_population_standard_deviation() {
        // density 1, 2, 3: mean 2, sd sqrt(2/3).
        let s = standardise(&[v("a", "density", 1.0), v("b", "density", 2.0), v("c", "density", 3.0)]);
        let sd = (2.0f64 / 3.0).sqrt();
        assert_eq!(s.variables, vec![VariableSummary { name: "density".into(), mean: 2.0, sd }]);
        assert_eq!(s.force("a").map(|f| f.z.clone()), Some(vec![-1.0 / sd]));
        assert_eq!(s.force("b").map(|f| f.z.clone()), Some(vec![0.0]));
    }

    #[test]
    fn nearest_by_euclidean_distance_over_z_scores() {
        // The same pattern on two scales a thousand times apart: c stands out
        // on density, d on students, by as many standard deviations, so once
        // standardised they are equally far from a.
        let data = [
            v("a", "density", 100.0),
            v("a", "students", 0.10),
            v("b", "density", 110.0),
            v("b", "students", 0.11),
            v("c", "density", 400.0),
            v("c", "students", 0.10),
            v("d", "density", 100.0),
            v("d", "students", 0.40),
        ];
        let s = standardise(&data);
        let near = s.nearest("a", 3).expect("a is standardised");
        let mut ids: Vec<&str> = near.iter().map(|p| p.force_id.as_str()).collect();
        assert_eq!(ids[0], "b");
        ids[1..].sort_unstable();
        assert_eq!(ids, ["b", "c", "d"]);
        let (za, zb) = (&s.force("a").unwrap().z, &s.force("b").unwrap().z);
        let by_hand = ((za[0] - zb[0]).powi(2) + (za[1] - zb[1]).powi(2)).sqrt();
        assert_eq!(near[0].distance, by_hand);
        assert!((near[1].distance - near[2].distance).abs() < 1e-9, "{near:?}");
        assert!(near[0].distance < near[1].distance);
    }

    #[test]
    fn groups_are_asymmetric() {
        // a, b close together; c far off: c's nearest is b, but b's nearest is a.
        let s = standardise(&[v("a", "x", 0.0), v("b", "x", 1.0), v("c", "x", 5.0)]);
        assert_eq!(s.nearest("c", 1).unwrap()[0].force_id, "b");
        assert_eq!(s.nearest("b", 1).unwrap()[0].force_id, "a");
    }

    #[test]
    fn ties_are_broken_by_force_id_and_k_bounds_the_group() {
        let s = standardise(&[v("m", "x", 0.0), v("z", "x", 1.0), v("b", "x", -1.0), v("q", "x", 3.0)]);
        let near = s.nearest("m", 2).unwrap();
        assert_eq!(near.iter().map(|p| p.force_id.as_str()).collect::<Vec<_>>(), ["b", "z"]);
        assert_eq!(s.nearest("m", 10).unwrap().len(), 3, "never more than the other forces");
    }

    #[test]
    fn missing_values_leave_the_force_out_and_constant_variables_are_dropped() {
        let s = standardise(&[
            v("a", "x", 1.0),
            v("a", "same", 5.0),
            v("b", "x", 2.0),
            v("b", "same", 5.0),
            v("c", "same", 5.0),
            v("d", "x", 4.0),
            v("d", "same", 5.0),
            v("e", "lonely", 1.0),
        ]);
        assert_eq!(s.constant, vec!["same".to_string()]);
        assert_eq!(s.variables.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["x"]);
        assert_eq!(
            s.left_out,
            vec![("c".to_string(), vec!["x".to_string()]), ("e".to_string(), vec!["same".into(), "x".into()])]
        );
        assert!(s.nearest("c", 7).is_none());
        assert_eq!(s.forces.len(), 3);
    }

    #[test]
    fn published_groups_keep_the_rules() {
        let g = |force: &str, peers: &[&str]| PublishedGroup {
            force_id: force.into(),
            peers: peers.iter().map(|p| p.to_string()).collect(),
            source: "s".into(),
            year: 2020,
        };
        let none = BTreeSet::new();
        assert_eq!(check_group(&g("city-of-london", &[]), &none), Ok(()));
        assert_eq!(check_group(&g("a", &["b", "c"]), &none), Ok(()));
        assert_eq!(check_group(&g("a", &["a"]), &none), Err(GroupError::OwnPeer { force: "a".into() }));
        assert_eq!(
            check_group(&g("a", &["b", "b"]), &none),
            Err(GroupError::RepeatedPeer { force: "a".into(), peer: "b".into() })
        );
        let eight = ["b", "c", "d", "e", "f", "g", "h", "i"];
        assert_eq!(check_group(&g("a", &eight), &none), Err(GroupError::TooMany { force: "a".into(), count: 8 }));
        let seen = BTreeSet::from(["a".to_string()]);
        assert_eq!(check_group(&g("a", &["b"]), &seen), Err(GroupError::RepeatedForce { force: "a".into() }));
    }

    #[test]
    fn mean_and_sd_of_nothing_are_zero() {
        assert_eq!(mean_sd(&[]), (0.0, 0.0));
        assert_eq!(mean_sd(&[2.0, 4.0]), (3.0, 1.0));
    }
}
