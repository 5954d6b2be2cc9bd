//! Building an [`OpenData`] from one read of the store: map points first,
//! then crimes, outcomes and stops in any order, then the geography.
//!
//! Records are gathered in a compact form as they arrive and sorted once at
//! the end into the engine's columns.

use std::collections::HashMap;

use peel_core::Month;
use peel_core::geo::LatLng;
use peel_core::geography::{Geography, NeighbourhoodBoundary};
use peel_core::records::{StopType, StoredCrime, StoredOutcome, StoredStop};

use super::figures::FiguresBuilder;
use super::groups::Groups;
use super::json::{location_json, stop_outcome_id};
use super::pids::{NONE, Pids};
use super::strings::{Interner, json_string};
use super::{
    Crimes, Extra, MonthData, OpenData, Outcomes, PidFacts, Points, STOP_FIELDS, Stop, StopField, UNPLACED,
    category_index, outcome_index,
};
use crate::{LocationIndex, NeighbourhoodIndex};

/// The store held something the engine cannot represent.
#[derive(Debug, thiserror::Error)]
#[error("building the open-data engine: {0}")]
pub struct BuildError(String);

fn err(message: impl Into<String>) -> BuildError {
    BuildError(message.into())
}

/// A crime as gathered, before sorting.
struct CrimeIn {
    id: i64,
    month: Month,
    key: u32,
    pid: u32,
    extra: u32,
    category: u8,
    outcome: u8,
    force: u8,
}

struct OutcomeIn {
    id: i64,
    month: Month,
    key: u32,
    pid: u32,
    outcome: u8,
}

/// One outcome record in a crime's history.
struct HistoryIn {
    slot: u32,
    month: Month,
    id: i64,
    outcome: u8,
}

/// From the store's location ids to point numbers.
enum PointMap {
    /// Ids are nearly contiguous: a table indexed by `id - first`.
    Dense {
        first: i64,
        points: Vec<u32>,
    },
    Sparse(HashMap<i64, u32>),
}

impl PointMap {
    fn get(&self, id: i64) -> Option<u32> {
        match self {
            PointMap::Dense { first, points } => {
                let i = usize::try_from(id.checked_sub(*first)?).ok()?;
                points.get(i).copied().filter(|&p| p != u32::MAX)
            }
            PointMap::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// Gathers the store's records and turns them into an [`OpenData`].
#[derive(Default)]
pub struct Builder {
    forces: Vec<String>,
    last_force: Option<(String, u8)>,
    raw_points: Vec<(i64, LatLng, String)>,
    point_map: Option<PointMap>,
    points: Points,
    streets: Interner,
    crimes: Vec<CrimeIn>,
    pids: Pids,
    extras: HashMap<Extra, u32>,
    extra_list: Vec<Extra>,
    last_extra: Option<(String, String, String, u32)>,
    outcomes: Vec<OutcomeIn>,
    history: Vec<HistoryIn>,
    stops: Vec<(Month, u32, Stop)>,
    strings: Interner,
    street_months: Vec<Month>,
    stop_months: Vec<(Month, String)>,
    figures: FiguresBuilder,
}

/// A Z-order (Morton) code of a point: nearby points get nearby codes.
fn z_order(at: LatLng) -> u64 {
    let q = |v: f64, lo: f64, span: f64| (((v - lo) / span).clamp(0.0, 1.0) * f64::from(u32::MAX)) as u64;
    let spread = |mut x: u64| {
        x &= 0xFFFF_FFFF;
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333;
        x = (x | (x << 1)) & 0x5555_5555_5555_5555;
        x
    };
    (spread(q(at.lat, -90.0, 180.0)) << 1) | spread(q(at.lng, -180.0, 360.0))
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    fn force(&mut self, id: &str) -> Result<u8, BuildError> {
        if let Some((last, n)) = &self.last_force
            && last == id
        {
            return Ok(*n);
        }
        let n = match self.forces.iter().position(|f| f == id) {
            Some(n) => n,
            None => {
                self.forces.push(id.to_string());
                self.forces.len() - 1
            }
        };
        let n = u8::try_from(n).map_err(|_| err("more than 256 forces hold records"))?;
        self.last_force = Some((id.to_string(), n));
        Ok(n)
    }

    /// A published map point. Every point comes before any record.
    pub fn location(&mut self, id: i64, at: LatLng, street_name: &str) -> Result<(), BuildError> {
        if self.point_map.is_some() {
            return Err(err("a map point was read after the records"));
        }
        self.raw_points.push((id, at, street_name.to_string()));
        Ok(())
    }

    /// Numbers the points in Z-order and renders each one's `location`.
    fn seal_points(&mut self) -> Result<(), BuildError> {
        if self.point_map.is_some() {
            return Ok(());
        }
        let mut raw = std::mem::take(&mut self.raw_points);
        raw.sort_by_key(|(id, at, _)| (z_order(*at), *id));
        if raw.len() >= UNPLACED as usize {
            return Err(err("too many map points"));
        }
        let p = &mut self.points;
        let mut json = super::strings::Pool::default();
        for (n, (id, at, street)) in raw.iter().enumerate() {
            let name = json_string(street);
            let s = self.streets.intern(street).ok_or_else(|| err("street names over 4 GiB"))?;
            p.id.push(*id);
            p.at.push(*at);
            p.street.push(s);
            json.push(&location_json(*id, at.lat, at.lng, &name)).ok_or_else(|| err("map points over 4 GiB"))?;
            p.by_id.push((*id, n as u32));
        }
        json.shrink();
        p.json = json;
        p.by_id.sort_unstable();
        if let Some(w) = p.by_id.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(err(format!("location id {} is held twice", w[0].0)));
        }
        let map = match (p.by_id.first(), p.by_id.last()) {
            (Some(&(first, _)), Some(&(last, _))) if (last - first) as u128 <= 4 * p.by_id.len() as u128 + 1024 => {
                let mut points = vec![u32::MAX; (last - first + 1) as usize];
                for &(id, n) in &p.by_id {
                    points[(id - first) as usize] = n;
                }
                PointMap::Dense { first, points }
            }
            _ => PointMap::Sparse(p.by_id.iter().copied().collect()),
        };
        self.point_map = Some(map);
        Ok(())
    }

    /// The group key of a record at `location_id` of force `force`.
    fn key(&mut self, location_id: Option<i64>, force: u8) -> Result<u32, BuildError> {
        self.seal_points()?;
        match location_id {
            None => Ok(UNPLACED | u32::from(force)),
            Some(id) => self
                .point_map
                .as_ref()
                .and_then(|m| m.get(id))
                .ok_or_else(|| err(format!("a record refers to location {id}, which is not held"))),
        }
    }

    fn extra(&mut self, location_type: &str, subtype: &str, context: &str) -> Result<u32, BuildError> {
        if let Some((t, s, c, n)) = &self.last_extra
            && t == location_type
            && s == subtype
            && c == context
        {
            return Ok(*n);
        }
        let e = Extra {
            location_type: json_string(location_type),
            location_subtype: json_string(subtype),
            context: json_string(context),
        };
        let n = match self.extras.get(&e) {
            Some(&n) => n,
            None => {
                let n = u32::try_from(self.extra_list.len()).map_err(|_| err("too many distinct contexts"))?;
                self.extra_list.push(e.clone());
                self.extras.insert(e, n);
                n
            }
        };
        self.last_extra = Some((location_type.to_string(), subtype.to_string(), context.to_string(), n));
        Ok(n)
    }

    pub fn crime(&mut self, c: StoredCrime<'_>) -> Result<(), BuildError> {
        let force = self.force(c.force_id)?;
        let key = self.key(c.location_id, force)?;
        let pid = match c.persistent_id.filter(|p| !p.is_empty()) {
            Some(p) => self.pids.add(p).ok_or_else(|| err("too many crime references"))?,
            None => NONE,
        };
        let extra = self.extra(c.location_type, c.location_subtype, c.context)?;
        let category = category_index(c.category);
        let outcome = outcome_index(c.last_outcome);
        self.figures.crime(force, c.month, category, outcome, c.lsoa_name);
        self.crimes.push(CrimeIn { id: c.id, month: c.month, key, pid, extra, category, outcome, force });
        Ok(())
    }

    /// An outcome record. Every crime comes before any outcome record (an
    /// outcome is tied to its crime by the crime's reference).
    pub fn outcome(&mut self, o: StoredOutcome<'_>) -> Result<(), BuildError> {
        let force = self.force(o.force_id)?;
        let pid = self.pids.find(o.persistent_id).unwrap_or(NONE);
        let outcome = outcome_index(Some(o.outcome));
        if pid != NONE {
            let slot = u32::try_from(self.pids.slot(pid)).map_err(|_| err("too many crime references"))?;
            self.history.push(HistoryIn { slot, month: o.month, id: o.id, outcome });
        }
        if o.location_id.is_some() {
            let key = self.key(o.location_id, force)?;
            self.outcomes.push(OutcomeIn { id: o.id, month: o.month, key, pid, outcome });
        }
        Ok(())
    }

    fn text(&mut self, s: Option<&str>) -> Result<u32, BuildError> {
        let json = s.map_or_else(|| "null".to_string(), json_string);
        self.strings.intern(&json).ok_or_else(|| err("stop and search text over 4 GiB"))
    }

    pub fn stop(&mut self, s: StoredStop<'_>) -> Result<(), BuildError> {
        let force = self.force(s.force_id)?;
        let key = self.key(s.location_id, force)?;
        let outcome = s.outcome.unwrap_or("");
        let object = format!("{{\"id\":\"{}\",\"name\":{}}}", stop_outcome_id(outcome), json_string(outcome));
        let mut fields = [0u32; STOP_FIELDS];
        fields[StopField::AgeRange as usize] = self.text(s.age_range)?;
        fields[StopField::OfficerEthnicity as usize] = self.text(s.officer_defined_ethnicity)?;
        fields[StopField::SelfEthnicity as usize] = self.text(s.self_defined_ethnicity)?;
        fields[StopField::Gender as usize] = self.text(s.gender)?;
        fields[StopField::Legislation as usize] = self.text(s.legislation)?;
        fields[StopField::OutcomeObject as usize] =
            self.strings.intern(&object).ok_or_else(|| err("stop and search text over 4 GiB"))?;
        fields[StopField::ObjectOfSearch as usize] = self.text(s.object_of_search)?;
        fields[StopField::Outcome as usize] = self.text(Some(outcome))?;
        fields[StopField::Kind as usize] = self.text(Some(s.kind))?;
        fields[StopField::OperationName as usize] = self.text(s.operation_name)?;
        let bits = |b: Option<bool>| match b {
            None => 0u8,
            Some(false) => 1,
            Some(true) => 2,
        };
        let datetime = self.text(Some(s.datetime))?;
        let stop = Stop {
            id: s.id,
            force,
            flags: bits(s.operation)
                | (bits(s.outcome_linked_to_object_of_search) << 2)
                | (bits(s.removal_of_more_than_outer_clothing) << 4),
            involved_person: s.kind != StopType::Vehicle.label(),
            datetime,
            fields,
        };
        self.stops.push((s.month, key, stop));
        Ok(())
    }

    /// A force-month file recorded as imported (`kind` as the store names it).
    pub fn import(&mut self, kind: &str, force_id: &str, month: Month) {
        match kind {
            "street" => self.street_months.push(month),
            "stop-and-search" => self.stop_months.push((month, force_id.to_string())),
            _ => {}
        }
    }

    /// Sorts what was gathered into the engine of data version `version`.
    pub fn finish(
        mut self,
        version: i64,
        geography: Geography,
        boundaries: Vec<NeighbourhoodBoundary>,
    ) -> Result<OpenData, BuildError> {
        self.seal_points()?;
        let mut months: Vec<Month> = Vec::new();
        months.extend(self.crimes.iter().map(|c| c.month));
        months.extend(self.outcomes.iter().map(|o| o.month));
        months.extend(self.stops.iter().map(|s| s.0));
        months.sort_unstable();
        months.dedup();

        // Crimes.
        let mut crimes_in = std::mem::take(&mut self.crimes);
        crimes_in.sort_unstable_by_key(|c| (c.month, c.key, c.id));
        let n = crimes_in.len();
        if u32::try_from(n).is_err() {
            return Err(err("more than 4 billion crimes"));
        }
        let mut crimes = Crimes {
            id: Vec::with_capacity(n),
            pid: Vec::with_capacity(n),
            category: Vec::with_capacity(n),
            outcome: Vec::with_capacity(n),
            force: Vec::with_capacity(n),
            extra: Vec::with_capacity(n),
        };
        let mut first_crime = vec![u32::MAX; self.pids.len()];
        let mut first_id = vec![i64::MAX; self.pids.len()];
        for (i, c) in crimes_in.iter().enumerate() {
            crimes.id.push(c.id);
            crimes.pid.push(c.pid);
            crimes.category.push(c.category);
            crimes.outcome.push(c.outcome);
            crimes.force.push(c.force);
            crimes.extra.push(c.extra);
            if c.pid != NONE {
                let slot = self.pids.slot(c.pid);
                if c.id < first_id[slot] {
                    first_id[slot] = c.id;
                    first_crime[slot] = i as u32;
                }
            }
        }
        drop(first_id);

        // Each reference's outcome records, oldest first.
        let mut history = std::mem::take(&mut self.history);
        history.sort_unstable_by_key(|h| (h.slot, h.month, h.id));
        let mut facts = PidFacts {
            first_crime,
            history: Vec::with_capacity(self.pids.len() + 1),
            month: Vec::with_capacity(history.len()),
            outcome: Vec::with_capacity(history.len()),
        };
        let mut k = 0;
        for slot in 0..self.pids.len() {
            facts.history.push(k as u32);
            while k < history.len() && history[k].slot as usize == slot {
                facts.month.push(history[k].month);
                facts.outcome.push(history[k].outcome);
                k += 1;
            }
        }
        facts.history.push(k as u32);
        drop(history);

        // Outcome records at map points.
        let mut outcomes_in = std::mem::take(&mut self.outcomes);
        outcomes_in.sort_unstable_by_key(|o| (o.month, o.key, o.id));
        let outcomes = Outcomes {
            id: outcomes_in.iter().map(|o| o.id).collect(),
            outcome: outcomes_in.iter().map(|o| o.outcome).collect(),
            pid: outcomes_in.iter().map(|o| o.pid).collect(),
        };

        // Stops.
        let mut stops_in = std::mem::take(&mut self.stops);
        stops_in.sort_unstable_by_key(|(m, key, s)| (*m, *key, s.id));
        let mut force_stops: HashMap<(u8, Month), Vec<u32>> = HashMap::new();
        for (i, (m, _, s)) in stops_in.iter().enumerate() {
            force_stops.entry((s.force, *m)).or_default().push(i as u32);
        }
        for list in force_stops.values_mut() {
            list.sort_unstable_by_key(|&i| stops_in[i as usize].2.id);
        }

        // Runs per month.
        let span = |keys: &[(Month, u32)], m: Month| {
            let a = keys.partition_point(|k| k.0 < m);
            let b = keys.partition_point(|k| k.0 <= m);
            (a, b)
        };
        let crime_keys: Vec<(Month, u32)> = crimes_in.iter().map(|c| (c.month, c.key)).collect();
        drop(crimes_in);
        let outcome_keys: Vec<(Month, u32)> = outcomes_in.iter().map(|o| (o.month, o.key)).collect();
        drop(outcomes_in);
        let stop_keys: Vec<(Month, u32)> = stops_in.iter().map(|(m, k, _)| (*m, *k)).collect();
        let month_data = months
            .iter()
            .map(|&m| {
                let (ca, cb) = span(&crime_keys, m);
                let (oa, ob) = span(&outcome_keys, m);
                let (sa, sb) = span(&stop_keys, m);
                MonthData {
                    month: m,
                    label: m.to_string(),
                    crime_span: ca as u32..cb as u32,
                    crimes: Groups::of_sorted(crime_keys[ca..cb].iter().map(|k| k.1), ca as u32),
                    outcomes: Groups::of_sorted(outcome_keys[oa..ob].iter().map(|k| k.1), oa as u32),
                    stops: Groups::of_sorted(stop_keys[sa..sb].iter().map(|k| k.1), sa as u32),
                }
            })
            .collect();

        // What was imported: the latest month and the dates list.
        self.street_months.sort_unstable();
        self.street_months.dedup();
        self.stop_months.sort();
        self.stop_months.dedup();
        let street_dates = self
            .street_months
            .iter()
            .rev()
            .map(|&m| {
                let mut forces: Vec<String> =
                    self.stop_months.iter().filter(|(sm, _)| *sm == m).map(|(_, f)| f.clone()).collect();
                forces.sort();
                (m, forces)
            })
            .collect();

        let tree = LocationIndex::new(self.points.at.iter().enumerate().map(|(n, at)| (n as u32, *at)));
        let neighbourhood_index =
            NeighbourhoodIndex::new(boundaries.into_iter().map(|b| (b.force_id, b.neighbourhood_id, b.area)));
        let figures = self.figures.finish(&neighbourhood_index);
        self.pids.shrink();
        let mut points = self.points;
        points.id.shrink_to_fit();
        points.at.shrink_to_fit();
        points.street.shrink_to_fit();
        points.by_id.shrink_to_fit();
        Ok(OpenData {
            version,
            forces: self.forces,
            points,
            tree,
            neighbourhood_index,
            months: month_data,
            crimes,
            extras: self.extra_list,
            pids: self.pids,
            facts,
            outcomes,
            stops: stops_in.into_iter().map(|(_, _, s)| s).collect(),
            force_stops,
            strings: self.strings.into_pool(),
            streets: self.streets.into_pool(),
            latest: self.street_months.last().copied(),
            street_dates,
            stop_months: {
                let mut by_force: Vec<(String, Month)> = self.stop_months.into_iter().map(|(m, f)| (f, m)).collect();
                by_force.sort();
                by_force
            },
            geography,
            figures,
        })
    }
}
