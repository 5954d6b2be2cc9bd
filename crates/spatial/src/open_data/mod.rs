//! The open-data engine: everything peel serves from police.uk's open data,
//! held in memory so that no answer reads rows from the database.
//!
//! Each month's crimes, outcomes and stops are stored in columns sorted by
//! map point (then by id), so an area query is: the R-tree gives the map
//! points, each point's records are one contiguous run, and the JSON is
//! written straight from the columns. Map points are numbered in an order
//! that follows the map (a Z-order curve), so the runs of nearby points lie
//! near each other in memory too. Each point's `location` object, each
//! distinct street name, subtype and context are rendered to JSON once,
//! when the engine is built.
//!
//! The store stays the truth: an engine is built from one consistent read
//! of the store ([`Builder`]) and never changed; a newer store is served by
//! building a new engine and swapping it in whole, so a request never sees
//! half an import.

mod build;
mod figures;
mod groups;
mod json;
mod pids;
mod stop_figures;
mod strings;
#[cfg(test)]
mod tests;

use std::ops::Range;

use peel_core::geo::{Area, LatLng, Polygon};
use peel_core::geography::Geography;
use peel_core::{CategoryFilter, CrimeCategory, Month, Outcome};

pub use build::{BuildError, Builder};
pub use figures::{CategoryCounts, OutcomeCounts};

use self::groups::Groups;
use self::pids::Pids;
use self::strings::Pool;
use crate::{LocationIndex, NeighbourhoodIndex, NeighbourhoodRef};

/// The group key of a force's records without a map point: `UNPLACED | force`.
const UNPLACED: u32 = 0xFFFF_FF00;

/// One month's records: where each map point's (or each force's unplaced)
/// records are.
#[derive(Debug)]
struct MonthData {
    month: Month,
    /// `"YYYY-MM"`.
    label: String,
    /// All of the month's crimes, as positions in [`Crimes`].
    crime_span: Range<u32>,
    crimes: Groups,
    outcomes: Groups,
    stops: Groups,
}

/// Every crime, sorted by month, group key and id; one column per field.
#[derive(Debug, Default)]
struct Crimes {
    id: Vec<i64>,
    pid: Vec<u32>,
    category: Vec<u8>,
    /// `Outcome::ALL` index + 1; 0 for none.
    outcome: Vec<u8>,
    force: Vec<u8>,
    /// Index into [`OpenData::extras`].
    extra: Vec<u32>,
}

/// A crime's rarely varying text, rendered as JSON once per distinct value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Extra {
    location_type: String,
    location_subtype: String,
    context: String,
}

/// Outcome records with a map point, sorted by month, map point and id.
#[derive(Debug, Default)]
struct Outcomes {
    id: Vec<i64>,
    outcome: Vec<u8>,
    /// The crime's reference, or `pids::NONE` when its crime is not held
    /// (such a record counts towards the area limit but is not listed).
    pid: Vec<u32>,
}

/// What each held crime reference leads to, by [`Pids::slot`].
#[derive(Debug, Default)]
struct PidFacts {
    /// The crime with the lowest id holding the reference.
    first_crime: Vec<u32>,
    /// Where its outcome records are in `month` and `outcome`
    /// (`history[slot]..history[slot + 1]`), oldest first.
    history: Vec<u32>,
    month: Vec<Month>,
    outcome: Vec<u8>,
}

/// A stop and search, its text rendered as JSON.
#[derive(Debug, Clone)]
struct Stop {
    id: i64,
    force: u8,
    /// Two bits each (0 null, 1 false, 2 true): operation, outcome linked
    /// to object of search, removal of more than outer clothing.
    flags: u8,
    involved_person: bool,
    datetime: u32,
    /// Interned JSON: see [`StopField`].
    fields: [u32; STOP_FIELDS],
}

const STOP_FIELDS: usize = 10;

#[derive(Debug, Clone, Copy)]
enum StopField {
    AgeRange,
    OfficerEthnicity,
    SelfEthnicity,
    Gender,
    Legislation,
    OutcomeObject,
    ObjectOfSearch,
    Outcome,
    Kind,
    OperationName,
}

/// The map points: numbered in Z-order, each with its police.uk id.
#[derive(Debug, Default)]
struct Points {
    id: Vec<i64>,
    at: Vec<LatLng>,
    /// Index into [`OpenData::streets`].
    street: Vec<u32>,
    /// Each point's `location` object, rendered.
    json: Pool,
    /// (police.uk id, point), sorted by id.
    by_id: Vec<(i64, u32)>,
}

/// Everything served from the open data, as of one data version.
#[derive(Debug, Default)]
pub struct OpenData {
    version: i64,
    forces: Vec<String>,
    points: Points,
    tree: LocationIndex,
    neighbourhood_index: NeighbourhoodIndex,
    months: Vec<MonthData>,
    crimes: Crimes,
    extras: Vec<Extra>,
    pids: Pids,
    facts: PidFacts,
    outcomes: Outcomes,
    stops: Vec<Stop>,
    /// A force-month's stops, by id: (force, month) → positions in `stops`.
    force_stops: std::collections::HashMap<(u8, Month), Vec<u32>>,
    /// Interned JSON strings of stops and street names.
    strings: Pool,
    streets: Pool,
    latest: Option<Month>,
    /// Months with street crimes, newest first, with the forces that
    /// published stop and search that month.
    street_dates: Vec<(Month, Vec<String>)>,
    /// Each force-month whose stop and search file was imported, sorted.
    stop_months: Vec<(String, Month)>,
    geography: Geography,
    figures: figures::Figures,
}

/// The map points an area query covers, in point order.
pub type PointSet = Vec<u32>;

impl OpenData {
    /// The data version of the store this was built from (0: never built).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The newest month with street crimes: what an omitted `date` means.
    pub fn latest_month(&self) -> Option<Month> {
        self.latest
    }

    /// Months with street crimes, newest first, each with the forces that
    /// published stop and search that month.
    pub fn street_dates(&self) -> &[(Month, Vec<String>)] {
        &self.street_dates
    }

    pub fn geography(&self) -> &Geography {
        &self.geography
    }

    /// How many map points are held.
    pub fn point_count(&self) -> usize {
        self.points.id.len()
    }

    pub fn neighbourhood_count(&self) -> usize {
        self.neighbourhood_index.len()
    }

    /// Map points within `radius_m` metres of `centre`.
    pub fn points_within_radius(&self, centre: LatLng, radius_m: f64) -> PointSet {
        self.tree.within_radius(centre, radius_m)
    }

    /// Map points inside `polygon`.
    pub fn points_within_polygon(&self, polygon: &Polygon) -> PointSet {
        self.tree.within_polygon(polygon)
    }

    /// The map point nearest `to`.
    pub fn nearest_point(&self, to: LatLng) -> Option<u32> {
        self.tree.nearest(to).map(|(p, _)| p)
    }

    /// The map point with police.uk id `location_id`.
    pub fn point_by_location_id(&self, location_id: i64) -> Option<u32> {
        let i = self.points.by_id.binary_search_by_key(&location_id, |&(id, _)| id).ok()?;
        Some(self.points.by_id[i].1)
    }

    /// A map point's police.uk id, position and street name.
    pub fn point(&self, point: u32) -> Option<(i64, LatLng, &str)> {
        let i = point as usize;
        Some((*self.points.id.get(i)?, self.points.at[i], self.streets.get(self.points.street[i])))
    }

    /// The neighbourhood whose boundary contains `p`.
    pub fn locate(&self, p: LatLng) -> Option<&NeighbourhoodRef> {
        self.neighbourhood_index.locate(p)
    }

    /// A neighbourhood's boundary.
    pub fn neighbourhood_boundary(&self, force_id: &str, id: &str) -> Option<&Area> {
        self.neighbourhood_index.area(force_id, id)
    }

    /// Every neighbourhood boundary, by force id then neighbourhood id.
    pub fn neighbourhood_boundaries(&self) -> impl Iterator<Item = (&NeighbourhoodRef, &Area)> {
        self.neighbourhood_index.iter()
    }

    fn month(&self, m: Month) -> Option<&MonthData> {
        self.months.binary_search_by_key(&m, |d| d.month).ok().map(|i| &self.months[i])
    }

    fn force_index(&self, force_id: &str) -> Option<u8> {
        self.forces.iter().position(|f| f == force_id).map(|i| i as u8)
    }

    /// Crimes of `month` at `points` (of `filter`'s category): the figure
    /// the 10,000-record limit is checked against.
    pub fn count_crimes(&self, month: Month, points: &[u32], filter: CategoryFilter) -> usize {
        let Some(m) = self.month(month) else { return 0 };
        let mut n = 0;
        m.crimes.each(points, |_, r| {
            n += match filter {
                CategoryFilter::All => r.len(),
                CategoryFilter::Only(c) => {
                    let c = category_index(c);
                    self.crimes.category[r].iter().filter(|&&x| x == c).count()
                }
            };
        });
        n
    }

    /// Outcome records of `month` at `points`, those whose crime is not
    /// held included, as police.uk's limit counts them.
    pub fn count_outcomes(&self, month: Month, points: &[u32]) -> usize {
        let Some(m) = self.month(month) else { return 0 };
        let mut n = 0;
        m.outcomes.each(points, |_, r| n += r.len());
        n
    }

    /// The crime and the month and map point it belongs to, by position.
    fn crime_place(&self, i: u32) -> Option<(&MonthData, Option<u32>)> {
        let m = self.months.partition_point(|d| d.crime_span.end <= i);
        let month = self.months.get(m).filter(|d| d.crime_span.contains(&i))?;
        let key = month.crimes.key_of(i)?;
        Some((month, (key < UNPLACED).then_some(key)))
    }

    /// The crime with this reference (the first stored, where police.uk
    /// repeated one), with its outcome records, oldest first.
    pub fn crime(&self, persistent_id: &str) -> Option<CrimeRef<'_>> {
        let r = self.pids.find(persistent_id)?;
        let slot = self.pids.slot(r);
        let i = *self.facts.first_crime.get(slot)?;
        self.crime_at(i)
    }

    fn crime_at(&self, i: u32) -> Option<CrimeRef<'_>> {
        let (month, point) = self.crime_place(i)?;
        Some(CrimeRef { data: self, i: i as usize, month, point })
    }

    /// Bytes held, by part, for the report on memory.
    pub fn memory(&self) -> Vec<(&'static str, usize)> {
        let c = &self.crimes;
        let crimes = c.id.capacity() * 8
            + c.pid.capacity() * 4
            + c.category.capacity()
            + c.outcome.capacity()
            + c.force.capacity()
            + c.extra.capacity() * 4;
        let groups: usize = self.months.iter().map(|m| m.crimes.bytes() + m.outcomes.bytes() + m.stops.bytes()).sum();
        let f = &self.facts;
        let facts =
            f.first_crime.capacity() * 4 + f.history.capacity() * 4 + f.month.capacity() * 4 + f.outcome.capacity();
        let o = &self.outcomes;
        let outcomes = o.id.capacity() * 8 + o.outcome.capacity() + o.pid.capacity() * 4;
        let p = &self.points;
        let points = p.id.capacity() * 8
            + p.at.capacity() * 16
            + p.street.capacity() * 4
            + p.json.bytes()
            + p.by_id.capacity() * 16;
        vec![
            ("crimes", crimes),
            ("crime references", self.pids.bytes() + facts),
            ("outcomes", outcomes),
            ("stops", self.stops.capacity() * std::mem::size_of::<Stop>() + self.strings.bytes()),
            ("map points", points + self.streets.bytes()),
            ("runs by map point", groups),
        ]
    }

    /// How many crimes, outcome records and stops are held.
    pub fn record_counts(&self) -> (usize, usize, usize) {
        (self.crimes.id.len(), self.outcomes.id.len(), self.stops.len())
    }
}

fn category_index(c: CrimeCategory) -> u8 {
    CrimeCategory::ALL.iter().position(|&x| x == c).unwrap_or(0) as u8
}

fn category_at(i: u8) -> CrimeCategory {
    CrimeCategory::ALL.get(i as usize).copied().unwrap_or(CrimeCategory::OtherCrime)
}

fn outcome_index(o: Option<Outcome>) -> u8 {
    o.and_then(|o| Outcome::ALL.iter().position(|&x| x == o)).map_or(0, |i| i as u8 + 1)
}

fn outcome_at(i: u8) -> Option<Outcome> {
    i.checked_sub(1).and_then(|i| Outcome::ALL.get(i as usize).copied())
}

/// One crime, for pages that show a crime rather than write its JSON.
#[derive(Clone, Copy)]
pub struct CrimeRef<'a> {
    data: &'a OpenData,
    i: usize,
    month: &'a MonthData,
    point: Option<u32>,
}

impl<'a> CrimeRef<'a> {
    pub fn id(&self) -> i64 {
        self.data.crimes.id[self.i]
    }

    pub fn month(&self) -> Month {
        self.month.month
    }

    pub fn category(&self) -> CrimeCategory {
        category_at(self.data.crimes.category[self.i])
    }

    pub fn force_id(&self) -> &'a str {
        self.data.forces.get(self.data.crimes.force[self.i] as usize).map_or("", String::as_str)
    }

    /// The map point, if the crime has one.
    pub fn point(&self) -> Option<u32> {
        self.point
    }

    /// The latest outcome the street file gave (none for anti-social behaviour).
    pub fn last_outcome(&self) -> Option<Outcome> {
        outcome_at(self.data.crimes.outcome[self.i])
    }

    pub fn persistent_id(&self) -> Option<String> {
        let r = self.data.crimes.pid[self.i];
        (r != pids::NONE).then(|| self.data.pids.text(r))
    }

    /// police.uk's `outcome_status`: the last outcome, dated by the latest
    /// outcome record (the crime's own month when none is held).
    pub fn outcome_status(&self) -> Option<(Outcome, Month)> {
        if self.category() == CrimeCategory::AntiSocialBehaviour {
            return None;
        }
        let o = self.last_outcome()?;
        let r = self.data.crimes.pid[self.i];
        let date = if r == pids::NONE { None } else { self.data.latest_outcome_month(self.data.pids.slot(r)) };
        Some((o, date.unwrap_or(self.month.month)))
    }

    /// Every outcome record of the crime's reference, oldest first.
    pub fn history(&self) -> Vec<(Month, Outcome)> {
        let r = self.data.crimes.pid[self.i];
        if r == pids::NONE {
            return Vec::new();
        }
        let f = &self.data.facts;
        let slot = self.data.pids.slot(r);
        let (a, b) = (f.history[slot] as usize, f.history[slot + 1] as usize);
        (a..b).filter_map(|k| outcome_at(f.outcome[k]).map(|o| (f.month[k], o))).collect()
    }
}

impl OpenData {
    fn latest_outcome_month(&self, slot: usize) -> Option<Month> {
        let f = &self.facts;
        let end = *f.history.get(slot + 1)? as usize;
        (end > f.history[slot] as usize).then(|| f.month[end - 1])
    }
}
