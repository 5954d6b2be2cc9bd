//! Stop and search figures: a force-month's stops, or the stops at a set of
//! map points, counted by each published field (`peel_core::stop_search`).
//!
//! Counted on each request rather than while the engine is built: a
//! force-month holds hundreds or a few thousand stops, and each field is
//! tallied by its interned text, so only the distinct values are decoded.

use std::collections::HashMap;

use peel_core::Month;
use peel_core::stop_search::{Field, StopCounts};

use super::{OpenData, Stop, StopField, UNPLACED};

/// The engine's column of each counted field.
const COUNTED: [(Field, StopField); 7] = [
    (Field::ObjectOfSearch, StopField::ObjectOfSearch),
    (Field::Outcome, StopField::Outcome),
    (Field::SelfDefinedEthnicity, StopField::SelfEthnicity),
    (Field::OfficerDefinedEthnicity, StopField::OfficerEthnicity),
    (Field::AgeRange, StopField::AgeRange),
    (Field::Gender, StopField::Gender),
    (Field::Kind, StopField::Kind),
];

impl OpenData {
    /// The months whose stop and search file of the force was imported,
    /// oldest first: the months its figures are held for (a month's file
    /// may hold no stops; a month without one is not held, not zero).
    pub fn stop_months(&self, force_id: &str) -> Vec<Month> {
        let from = self.stop_months.partition_point(|(f, _)| f.as_str() < force_id);
        self.stop_months[from..].iter().take_while(|(f, _)| f == force_id).map(|(_, m)| *m).collect()
    }

    /// Whether the force's stop and search file of `month` was imported.
    pub fn stop_month_held(&self, force_id: &str, month: Month) -> bool {
        self.stop_months.binary_search_by(|(f, m)| (f.as_str(), *m).cmp(&(force_id, month))).is_ok()
    }

    /// Every force whose stop and search file of `month` was imported, by id.
    pub fn stop_forces(&self, month: Month) -> Vec<&str> {
        self.stop_months.iter().filter(|(_, m)| *m == month).map(|(f, _)| f.as_str()).collect()
    }

    /// A force's stops of `month`, with or without a map point, counted;
    /// none when its file of that month is not held.
    pub fn force_stop_counts(&self, force_id: &str, month: Month) -> Option<StopCounts> {
        if !self.stop_month_held(force_id, month) {
            return None;
        }
        let Some(f) = self.force_index(force_id) else {
            // Held but with no rows: an empty file.
            return Some(StopCounts::default());
        };
        let list = self.force_stops.get(&(f, month)).map_or(&[][..], Vec::as_slice);
        let mut counts = self.count_stops(list.iter().map(|&i| &self.stops[i as usize]));
        if let Some(m) = self.month(month) {
            counts.without_location = m.stops.get(UNPLACED | u32::from(f)).len() as u64;
        }
        Some(counts)
    }

    /// The stops of `month` at `points` (sorted), by any force, counted: as
    /// `stops-street` finds them for an area.
    pub fn stop_counts_at_points(&self, points: &[u32], month: Month) -> StopCounts {
        let Some(m) = self.month(month) else { return StopCounts::default() };
        let mut at = Vec::new();
        m.stops.each(points, |_, r| at.extend(r));
        self.count_stops(at.into_iter().map(|i| &self.stops[i]))
    }

    fn count_stops<'s>(&'s self, stops: impl Iterator<Item = &'s Stop>) -> StopCounts {
        let mut tallies: [HashMap<u32, u64>; COUNTED.len()] = Default::default();
        let mut linked = [0u64; 3];
        let mut total = 0;
        for s in stops {
            total += 1;
            for (tally, (_, column)) in tallies.iter_mut().zip(COUNTED) {
                *tally.entry(s.fields[column as usize]).or_default() += 1;
            }
            linked[usize::from((s.flags >> 2) & 3).min(2)] += 1;
        }
        let mut counts = StopCounts { total, ..StopCounts::default() };
        for (tally, (field, _)) in tallies.iter().zip(COUNTED) {
            for (&text, &n) in tally {
                // Interned as JSON: a string, or null for an empty field.
                let value: Option<String> = serde_json::from_str(self.strings.get(text)).unwrap_or(None);
                counts.add(field, value.as_deref(), n);
            }
        }
        counts.add_linked(None, linked[0]);
        counts.add_linked(Some(false), linked[1]);
        counts.add_linked(Some(true), linked[2]);
        counts
    }
}
