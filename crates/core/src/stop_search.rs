//! Stop and search figures: a month's stops counted by each field police.uk
//! publishes (object of search, outcome, ethnicity, age range, gender), and
//! the rows a page shows of them with the same month a year before.
//!
//! Pure, so the published method (`docs/methods.md`, version
//! [`METHOD_VERSION`]) can be checked against known values; the counting
//! over the held stops is the open-data engine's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::quarterly::percent_change;

/// Changes when any rule of the stop and search figures changes; shown on the pages.
pub const METHOD_VERSION: &str = "stop-search-1";

/// What a field left empty is shown as (a vehicle search names no person,
/// so its person fields are always empty).
pub const NOT_STATED: &str = "Not stated";

/// The fields counted, in the order a page shows them: (key, heading).
pub const FIELDS: [(Field, &str, &str); 7] = [
    (Field::ObjectOfSearch, "object_of_search", "Reason for the search (object of search)"),
    (Field::Outcome, "outcome", "Outcome"),
    (Field::SelfDefinedEthnicity, "self_defined_ethnicity", "Ethnicity as the person defined it"),
    (Field::OfficerDefinedEthnicity, "officer_defined_ethnicity", "Ethnicity as the officer defined it"),
    (Field::AgeRange, "age_range", "Age range"),
    (Field::Gender, "gender", "Gender"),
    (Field::Kind, "type", "Type of search"),
];

/// A published field of a stop that is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Field {
    ObjectOfSearch,
    Outcome,
    SelfDefinedEthnicity,
    OfficerDefinedEthnicity,
    AgeRange,
    Gender,
    Kind,
}

/// Whether the outcome was linked to the object of search, as published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Linked {
    pub yes: u64,
    pub no: u64,
    pub not_stated: u64,
}

impl Linked {
    /// Yes as a percentage of the stops where it is stated; none when none is.
    pub fn share_percent(&self) -> Option<f64> {
        share_percent(self.yes, self.yes + self.no)
    }
}

/// One month's stops in an area, counted. Every stop counts once in each
/// field (as "Not stated" where the field is empty), so each field's counts
/// add up to `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopCounts {
    pub total: u64,
    /// Stops published without a map point (a force's only: an area's are
    /// the stops at its map points).
    pub without_location: u64,
    pub by: BTreeMap<Field, BTreeMap<String, u64>>,
    pub linked: Linked,
}

impl StopCounts {
    /// Adds `n` stops whose `field` is `value` (none or empty: not stated).
    /// `total` is the counter's to set: it counts each stop once.
    pub fn add(&mut self, field: Field, value: Option<&str>, n: u64) {
        let value = value.map(str::trim).filter(|v| !v.is_empty()).unwrap_or(NOT_STATED);
        *self.by.entry(field).or_default().entry(value.to_string()).or_default() += n;
    }

    /// Adds `n` stops with this "outcome linked to object of search".
    pub fn add_linked(&mut self, linked: Option<bool>, n: u64) {
        match linked {
            Some(true) => self.linked.yes += n,
            Some(false) => self.linked.no += n,
            None => self.linked.not_stated += n,
        }
    }

    /// One field's counts (empty when no stop is counted).
    pub fn of(&self, field: Field) -> &BTreeMap<String, u64> {
        static EMPTY: BTreeMap<String, u64> = BTreeMap::new();
        self.by.get(&field).unwrap_or(&EMPTY)
    }
}

/// One value of a field as a page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub value: String,
    pub stops: u64,
    /// Of the month's stops, to full precision; none when there are none.
    pub share_percent: Option<f64>,
    /// None when the same month a year before is not held.
    pub same_month_last_year: Option<u64>,
    /// None when that month is not held or its count was zero.
    pub change_percent: Option<f64>,
}

/// The most rows a field's table has: police.uk's values come from short
/// fixed lists, but an imported file could hold any text, so beyond this
/// the least frequent values are added up in one row.
pub const MAX_ROWS: usize = 40;

/// The rows of one field: most stops first (ties by value), "Not stated"
/// last; a value seen only a year before is listed with no stops now, so
/// a fall to zero shows. Past [`MAX_ROWS`] values, the rest are one row,
/// "Every other value (N values)", so the table still adds up.
pub fn rows(now: &BTreeMap<String, u64>, total: u64, before: Option<&BTreeMap<String, u64>>) -> Vec<Row> {
    let mut all = ranked(now, total, before);
    let not_stated = all.iter().position(|r| r.value == NOT_STATED).map(|i| all.remove(i));
    if all.len() > MAX_ROWS {
        let rest = all.split_off(MAX_ROWS - 1);
        let stops = rest.iter().map(|r| r.stops).sum();
        let last = before.map(|_| rest.iter().filter_map(|r| r.same_month_last_year).sum());
        all.push(Row {
            value: format!("Every other value ({} values)", rest.len()),
            stops,
            share_percent: share_percent(stops, total),
            same_month_last_year: last,
            change_percent: last.and_then(|l| percent_change(stops, l)),
        });
    }
    all.extend(not_stated);
    all
}

fn ranked(now: &BTreeMap<String, u64>, total: u64, before: Option<&BTreeMap<String, u64>>) -> Vec<Row> {
    let mut values: Vec<&String> = now.keys().collect();
    if let Some(b) = before {
        values.extend(b.keys().filter(|k| !now.contains_key(*k)));
    }
    let count = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
    values.sort_by(|a, b| {
        (a.as_str() == NOT_STATED)
            .cmp(&(b.as_str() == NOT_STATED))
            .then(count(now, b).cmp(&count(now, a)))
            .then(a.cmp(b))
    });
    values
        .into_iter()
        .map(|v| {
            let stops = count(now, v);
            let last = before.map(|b| count(b, v));
            Row {
                value: v.clone(),
                stops,
                share_percent: share_percent(stops, total),
                same_month_last_year: last,
                change_percent: last.and_then(|l| percent_change(stops, l)),
            }
        })
        .collect()
}

/// `part × 100 / whole`; none when `whole` is zero.
pub fn share_percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn every_stop_counts_once_per_field() {
        let mut c = StopCounts { total: 4, ..StopCounts::default() };
        c.add(Field::Kind, Some("Person search"), 3);
        c.add(Field::Kind, Some("Vehicle search"), 1);
        c.add(Field::Gender, Some("Male"), 3);
        c.add(Field::Gender, None, 1);
        c.add(Field::Gender, Some("  "), 0);
        assert_eq!(c.of(Field::Gender), &counts(&[("Male", 3), (NOT_STATED, 1)]));
        assert!(c.of(Field::AgeRange).is_empty());
        c.add_linked(Some(true), 1);
        c.add_linked(Some(false), 2);
        c.add_linked(None, 1);
        assert_eq!(c.linked.share_percent(), Some(100.0 / 3.0));
        assert_eq!(Linked::default().share_percent(), None);
    }

    #[test]
    fn rows_rank_by_count_and_compare_with_a_year_before() {
        let now = counts(&[("Drugs", 5), ("Offensive weapons", 5), (NOT_STATED, 9), ("Stolen goods", 2)]);
        let before = counts(&[("Drugs", 4), ("Stolen goods", 0), ("Firearms", 3)]);
        let r = rows(&now, 21, Some(&before));
        let names: Vec<&str> = r.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(names, ["Drugs", "Offensive weapons", "Stolen goods", "Firearms", NOT_STATED]);
        assert_eq!(r[0].change_percent, Some(25.0));
        assert_eq!(r[0].share_percent, Some(5.0 * 100.0 / 21.0));
        assert_eq!((r[2].same_month_last_year, r[2].change_percent), (Some(0), None), "none a year before");
        assert_eq!((r[3].stops, r[3].change_percent), (0, Some(-100.0)), "a fall to zero shows");
        let r = rows(&now, 21, None);
        assert_eq!(r.len(), 4);
        assert!(r.iter().all(|r| r.same_month_last_year.is_none() && r.change_percent.is_none()));
        assert_eq!(share_percent(1, 0), None);
    }

    #[test]
    fn rows_are_bounded_and_still_add_up() {
        let now: BTreeMap<String, u64> =
            (0..100u64).map(|i| (format!("v{i:03}"), i + 1)).chain([(NOT_STATED.to_string(), 7)]).collect();
        let total: u64 = now.values().sum();
        let r = rows(&now, total, Some(&BTreeMap::new()));
        assert_eq!(r.len(), MAX_ROWS + 1, "the bound, and Not stated");
        assert_eq!(r[0].value, "v099");
        assert_eq!(r[MAX_ROWS - 1].value, "Every other value (61 values)");
        assert_eq!(r[MAX_ROWS].value, NOT_STATED);
        assert_eq!(r.iter().map(|r| r.stops).sum::<u64>(), total);
        assert_eq!(r[MAX_ROWS - 1].same_month_last_year, Some(0));
    }
}
