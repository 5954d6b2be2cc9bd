//! The portal's figures: crimes by month and category for each force and
//! each local authority (counted once, while the engine is built), and the
//! crimes inside a neighbourhood's boundary (its map points found once, on
//! first use).

use std::collections::HashMap;
use std::sync::OnceLock;

use peel_core::geography::lsoa_local_authority;
use peel_core::{CrimeCategory, Month};

use super::{CrimeRef, OpenData, category_at};
use crate::NeighbourhoodIndex;

/// Crimes by category, in `CrimeCategory::ALL` order.
pub type CategoryCounts = [u32; 14];

/// Crimes other than anti-social behaviour (which has no outcomes) by the
/// last outcome their street file gives: index 0 none, `i + 1` for
/// `Outcome::ALL[i]`.
pub type OutcomeCounts = [u32; 29];

#[derive(Debug, Default)]
pub(crate) struct Figures {
    force: HashMap<(u8, Month), CategoryCounts>,
    force_outcomes: HashMap<(u8, Month), OutcomeCounts>,
    local_authority: HashMap<(u8, u32, Month), CategoryCounts>,
    local_authority_outcomes: HashMap<(u8, u32, Month), OutcomeCounts>,
    local_authorities: HashMap<String, u32>,
    /// The map points inside each neighbourhood's boundary, in the
    /// boundary index's order, found on first use.
    neighbourhood_points: Vec<OnceLock<Vec<u32>>>,
}

#[derive(Default)]
pub(crate) struct FiguresBuilder {
    force: HashMap<(u8, Month), CategoryCounts>,
    force_outcomes: HashMap<(u8, Month), OutcomeCounts>,
    local_authority: HashMap<(u8, u32, Month), CategoryCounts>,
    local_authority_outcomes: HashMap<(u8, u32, Month), OutcomeCounts>,
    local_authorities: HashMap<String, u32>,
    last_lsoa: Option<(String, Option<u32>)>,
}

impl FiguresBuilder {
    /// Counts a crime; `outcome` as the crimes' column holds it (0 for none).
    pub(crate) fn crime(&mut self, force: u8, month: Month, category: u8, outcome: u8, lsoa_name: Option<&str>) {
        let c = category as usize;
        if let Some(counts) = self.force.entry((force, month)).or_insert([0; 14]).get_mut(c) {
            *counts += 1;
        }
        let has_outcomes = category_at(category) != CrimeCategory::AntiSocialBehaviour;
        if has_outcomes
            && let Some(n) = self.force_outcomes.entry((force, month)).or_insert([0; 29]).get_mut(outcome as usize)
        {
            *n += 1;
        }
        let Some(lsoa) = lsoa_name else { return };
        let la = match &self.last_lsoa {
            Some((last, la)) if last == lsoa => *la,
            _ => {
                let la = lsoa_local_authority(lsoa).map(|name| {
                    let next = self.local_authorities.len() as u32;
                    *self.local_authorities.entry(name.to_string()).or_insert(next)
                });
                self.last_lsoa = Some((lsoa.to_string(), la));
                la
            }
        };
        let Some(la) = la else { return };
        if let Some(counts) = self.local_authority.entry((force, la, month)).or_insert([0; 14]).get_mut(c) {
            *counts += 1;
        }
        if has_outcomes
            && let Some(n) =
                self.local_authority_outcomes.entry((force, la, month)).or_insert([0; 29]).get_mut(outcome as usize)
        {
            *n += 1;
        }
    }

    pub(crate) fn finish(self, boundaries: &NeighbourhoodIndex) -> Figures {
        Figures {
            force: self.force,
            force_outcomes: self.force_outcomes,
            local_authority: self.local_authority,
            local_authority_outcomes: self.local_authority_outcomes,
            local_authorities: self.local_authorities,
            neighbourhood_points: (0..boundaries.len()).map(|_| OnceLock::new()).collect(),
        }
    }
}

fn spread(counts: impl Iterator<Item = (Month, CategoryCounts)>) -> Vec<(Month, CrimeCategory, i64)> {
    let mut by_month: std::collections::BTreeMap<Month, CategoryCounts> = std::collections::BTreeMap::new();
    for (m, c) in counts {
        let total = by_month.entry(m).or_insert([0; 14]);
        for (t, n) in total.iter_mut().zip(c) {
            *t += n;
        }
    }
    let mut out = Vec::new();
    for (m, counts) in by_month {
        for (i, n) in counts.into_iter().enumerate() {
            if n > 0 {
                out.push((m, category_at(i as u8), i64::from(n)));
            }
        }
    }
    out
}

impl OpenData {
    /// Crimes by month and category of a force (or of every force), `from..=to`.
    pub fn force_counts(&self, force_id: Option<&str>, from: Month, to: Month) -> Vec<(Month, CrimeCategory, i64)> {
        let force = match force_id {
            Some(f) => match self.force_index(f) {
                Some(i) => Some(i),
                None => return Vec::new(),
            },
            None => None,
        };
        spread(
            self.figures
                .force
                .iter()
                .filter(|((f, m), _)| force.is_none_or(|x| x == *f) && (from..=to).contains(m))
                .map(|((_, m), c)| (*m, *c)),
        )
    }

    /// Crimes by month and category of a force whose LSOA lies in
    /// `local_authority` (police.uk names LSOAs "<authority> 001A"), `from..=to`.
    pub fn local_authority_counts(
        &self,
        force_id: &str,
        local_authority: &str,
        from: Month,
        to: Month,
    ) -> Vec<(Month, CrimeCategory, i64)> {
        let (Some(f), Some(&la)) = (self.force_index(force_id), self.figures.local_authorities.get(local_authority))
        else {
            return Vec::new();
        };
        spread(from.through(to).filter_map(|m| self.figures.local_authority.get(&(f, la, m)).map(|c| (m, *c))))
    }

    /// Crimes other than anti-social behaviour of a force in `month` whose
    /// LSOA lies in `local_authority`, by last outcome (see [`OutcomeCounts`]);
    /// none when none are held.
    pub fn local_authority_outcomes(
        &self,
        force_id: &str,
        local_authority: &str,
        month: Month,
    ) -> Option<OutcomeCounts> {
        let f = self.force_index(force_id)?;
        let la = self.figures.local_authorities.get(local_authority)?;
        self.figures.local_authority_outcomes.get(&(f, *la, month)).copied()
    }

    /// Crimes other than anti-social behaviour of a force in `month`, with or
    /// without a location, by last outcome; none when none are held.
    pub fn force_outcomes(&self, force_id: &str, month: Month) -> Option<OutcomeCounts> {
        let f = self.force_index(force_id)?;
        self.figures.force_outcomes.get(&(f, month)).copied()
    }

    /// The months peel holds street-level crimes of a force for, oldest first.
    pub fn force_months(&self, force_id: &str) -> Vec<Month> {
        let Some(f) = self.force_index(force_id) else { return Vec::new() };
        let mut out: Vec<Month> = self.figures.force.keys().filter(|(x, _)| *x == f).map(|(_, m)| *m).collect();
        out.sort_unstable();
        out
    }

    /// Crimes of each force in `month`, by force id; forces without any are left out.
    pub fn force_totals(&self, month: Month) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = self
            .figures
            .force
            .iter()
            .filter(|((_, m), _)| *m == month)
            .filter_map(|((f, _), c)| {
                let n: u32 = c.iter().sum();
                let id = self.forces.get(*f as usize)?;
                (n > 0).then(|| (id.clone(), i64::from(n)))
            })
            .collect();
        out.sort();
        out
    }

    /// The map points inside a neighbourhood's boundary (none without one).
    pub fn neighbourhood_points(&self, force_id: &str, id: &str) -> &[u32] {
        let Some((i, area)) = self.neighbourhood_index.position(force_id, id) else {
            return &[];
        };
        self.figures.neighbourhood_points.get(i).map_or(&[], |cell| {
            cell.get_or_init(|| {
                let mut points: Vec<u32> = area.polygons.iter().flat_map(|p| self.tree.within_polygon(p)).collect();
                points.sort_unstable();
                points.dedup();
                points.retain(|&p| area.contains(self.points.at[p as usize]));
                points
            })
        })
    }

    /// The crimes at `points` in the months `from..=to`, in id order.
    pub fn crimes_at_points(&self, points: &[u32], from: Month, to: Month) -> Vec<CrimeRef<'_>> {
        let mut out = Vec::new();
        for m in self.months.iter().filter(|d| (from..=to).contains(&d.month)) {
            m.crimes.each(points, |key, r| {
                for i in r {
                    out.push(CrimeRef { data: self, i, month: m, point: Some(key) });
                }
            });
        }
        out.sort_unstable_by_key(|c| c.id());
        out
    }

    /// How many crimes of `month` are at `points`.
    pub fn count_at_points(&self, points: &[u32], month: Month) -> usize {
        self.count_crimes(month, points, peel_core::CategoryFilter::All)
    }
}
