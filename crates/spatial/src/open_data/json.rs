//! police.uk's JSON, written straight from the engine's columns: key names,
//! key order, nesting and types exactly as data.police.uk writes them
//! (coordinates as strings, ids as integers, `""` rather than `null` where
//! police.uk does so), byte for byte what serializing the records with
//! serde_json gave before the engine.

use peel_core::{CategoryFilter, Month, Outcome};

use super::pids::NONE;
use super::{MonthData, OpenData, Stop, StopField, UNPLACED, category_at, category_index, outcome_at};

/// Appends the decimal digits of `v`.
pub(crate) fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `m` as `YYYY-MM`, as its `Display` writes it, without
/// allocating (it is written for most crimes of every answer).
fn write_month(out: &mut Vec<u8>, m: Month) {
    let (y, mo) = (m.year(), m.month());
    if y > 9999 {
        out.extend_from_slice(m.to_string().as_bytes());
        return;
    }
    let d = |v: u16| b'0' + (v % 10) as u8;
    out.extend_from_slice(&[d(y / 1000), d(y / 100), d(y / 10), d(y), b'-', d(u16::from(mo) / 10), d(u16::from(mo))]);
}

/// Bytes a crime's JSON takes, roughly, to size the buffer once.
const CRIME_BYTES: usize = 360;

fn bool_json(bits: u8) -> &'static [u8] {
    match bits & 3 {
        1 => b"false",
        2 => b"true",
        _ => b"null",
    }
}

impl OpenData {
    /// Writes a crime: `with_status` as the crime routes show it, else as
    /// the outcome routes nest it (no `outcome_status` key at all).
    fn write_crime(&self, out: &mut Vec<u8>, i: usize, month: &MonthData, point: Option<u32>, with_status: bool) {
        let c = &self.crimes;
        let category = category_at(c.category[i]);
        let extra = &self.extras[c.extra[i] as usize];
        out.extend_from_slice(b"{\"category\":\"");
        out.extend_from_slice(category.slug().as_bytes());
        out.extend_from_slice(b"\",\"persistent_id\":");
        self.pids.write_json(c.pid[i], out);
        out.extend_from_slice(b",\"location_subtype\":");
        out.extend_from_slice(extra.location_subtype.as_bytes());
        out.extend_from_slice(b",\"id\":");
        write_int(out, c.id[i]);
        out.extend_from_slice(b",\"location\":");
        match point {
            Some(p) => out.extend_from_slice(self.points.json.get(p).as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"context\":");
        out.extend_from_slice(extra.context.as_bytes());
        out.extend_from_slice(b",\"month\":\"");
        out.extend_from_slice(month.label.as_bytes());
        // police.uk gives no location type to records without a location.
        out.extend_from_slice(b"\",\"location_type\":");
        match point {
            Some(_) => out.extend_from_slice(extra.location_type.as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        if with_status {
            out.extend_from_slice(b",\"outcome_status\":");
            let status = match (category, outcome_at(c.outcome[i])) {
                (peel_core::CrimeCategory::AntiSocialBehaviour, _) | (_, None) => None,
                (_, Some(o)) => {
                    let r = c.pid[i];
                    let latest = if r == NONE { None } else { self.latest_outcome_month(self.pids.slot(r)) };
                    Some((o, latest))
                }
            };
            match status {
                None => out.extend_from_slice(b"null"),
                Some((o, latest)) => {
                    out.extend_from_slice(b"{\"category\":\"");
                    out.extend_from_slice(o.crime_status_name().as_bytes());
                    out.extend_from_slice(b"\",\"date\":\"");
                    match latest {
                        Some(m) => write_month(out, m),
                        None => out.extend_from_slice(month.label.as_bytes()),
                    }
                    out.extend_from_slice(b"\"}");
                }
            }
        }
        out.push(b'}');
    }

    /// Writes the list of crimes at `ids` (crime positions), in id order.
    fn write_crime_list(&self, out: &mut Vec<u8>, mut found: Vec<(i64, u32, u32)>, month: &MonthData) {
        found.sort_unstable();
        out.reserve(found.len() * CRIME_BYTES + 2);
        out.push(b'[');
        for (k, &(_, i, key)) in found.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            self.write_crime(out, i as usize, month, (key < UNPLACED).then_some(key), true);
        }
        out.push(b']');
    }

    /// `crimes-street` and `crimes-at-location`: the crimes of `month` at
    /// `points` (of `filter`'s category), in id order, as a JSON list.
    pub fn write_crimes(&self, out: &mut Vec<u8>, month: Month, points: &[u32], filter: CategoryFilter) {
        let Some(m) = self.month(month) else {
            out.extend_from_slice(b"[]");
            return;
        };
        let only = match filter {
            CategoryFilter::All => None,
            CategoryFilter::Only(c) => Some(category_index(c)),
        };
        let mut found = Vec::new();
        m.crimes.each(points, |key, r| {
            for i in r {
                if only.is_none_or(|c| self.crimes.category[i] == c) {
                    found.push((self.crimes.id[i], i as u32, key));
                }
            }
        });
        self.write_crime_list(out, found, m);
    }

    /// `crimes-no-location`: a force's crimes of `month` without a map point.
    pub fn write_crimes_without_location(
        &self,
        out: &mut Vec<u8>,
        force_id: &str,
        month: Month,
        filter: CategoryFilter,
    ) {
        let (Some(m), Some(f)) = (self.month(month), self.force_index(force_id)) else {
            out.extend_from_slice(b"[]");
            return;
        };
        let key = UNPLACED | u32::from(f);
        let found = m
            .crimes
            .get(key)
            .filter(|&i| filter.matches(category_at(self.crimes.category[i])))
            .map(|i| (self.crimes.id[i], i as u32, key))
            .collect();
        self.write_crime_list(out, found, m);
    }

    fn write_outcome_category(out: &mut Vec<u8>, o: Outcome) {
        out.extend_from_slice(b"{\"code\":\"");
        out.extend_from_slice(o.code().as_bytes());
        out.extend_from_slice(b"\",\"name\":\"");
        out.extend_from_slice(o.name().as_bytes());
        out.extend_from_slice(b"\"}");
    }

    /// `outcomes-at-location`: outcome records of `month` at `points`, in
    /// id order, each with its crime; records whose crime is not held are
    /// left out (the API cannot describe their crime).
    pub fn write_outcomes(&self, out: &mut Vec<u8>, month: Month, points: &[u32]) {
        let Some(m) = self.month(month) else {
            out.extend_from_slice(b"[]");
            return;
        };
        let o = &self.outcomes;
        let mut found: Vec<(i64, u32)> = Vec::new();
        m.outcomes.each(points, |_, r| {
            for i in r {
                if o.pid[i] != NONE {
                    found.push((o.id[i], i as u32));
                }
            }
        });
        found.sort_unstable();
        out.reserve(found.len() * (CRIME_BYTES + 120) + 2);
        out.push(b'[');
        let mut first = true;
        for (_, i) in found {
            let i = i as usize;
            let Some(outcome) = outcome_at(o.outcome[i]) else { continue };
            let slot = self.pids.slot(o.pid[i]);
            let Some(crime) = self.facts.first_crime.get(slot).and_then(|&c| self.crime_at(c)) else { continue };
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(b"{\"category\":");
            Self::write_outcome_category(out, outcome);
            out.extend_from_slice(b",\"date\":\"");
            out.extend_from_slice(m.label.as_bytes());
            out.extend_from_slice(b"\",\"person_id\":null,\"crime\":");
            self.write_crime(out, crime.i, crime.month, crime.point, false);
            out.push(b'}');
        }
        out.push(b']');
    }

    /// `outcomes-for-crime/{id}`: the crime and every outcome recorded for
    /// it (`null` when none is). `false` when no crime has the id.
    pub fn write_case_history(&self, out: &mut Vec<u8>, persistent_id: &str) -> bool {
        let Some(crime) = self.crime(persistent_id) else { return false };
        out.extend_from_slice(b"{\"crime\":");
        self.write_crime(out, crime.i, crime.month, crime.point, false);
        out.extend_from_slice(b",\"outcomes\":");
        let history = crime.history();
        if history.is_empty() {
            out.extend_from_slice(b"null");
        } else {
            out.push(b'[');
            for (k, (m, o)) in history.into_iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"category\":");
                Self::write_outcome_category(out, o);
                out.extend_from_slice(b",\"date\":\"");
                out.extend_from_slice(m.to_string().as_bytes());
                out.extend_from_slice(b"\",\"person_id\":null}");
            }
            out.push(b']');
        }
        out.push(b'}');
        true
    }

    fn write_stop(&self, out: &mut Vec<u8>, s: &Stop, point: Option<u32>) {
        let field = |f: StopField| self.strings.get(s.fields[f as usize]).as_bytes();
        out.extend_from_slice(b"{\"age_range\":");
        out.extend_from_slice(field(StopField::AgeRange));
        out.extend_from_slice(b",\"officer_defined_ethnicity\":");
        out.extend_from_slice(field(StopField::OfficerEthnicity));
        out.extend_from_slice(b",\"involved_person\":");
        out.extend_from_slice(if s.involved_person { b"true" } else { b"false" });
        out.extend_from_slice(b",\"self_defined_ethnicity\":");
        out.extend_from_slice(field(StopField::SelfEthnicity));
        out.extend_from_slice(b",\"gender\":");
        out.extend_from_slice(field(StopField::Gender));
        out.extend_from_slice(b",\"legislation\":");
        out.extend_from_slice(field(StopField::Legislation));
        out.extend_from_slice(b",\"outcome_linked_to_object_of_search\":");
        out.extend_from_slice(bool_json(s.flags >> 2));
        out.extend_from_slice(b",\"datetime\":");
        out.extend_from_slice(self.strings.get(s.datetime).as_bytes());
        out.extend_from_slice(b",\"outcome_object\":");
        out.extend_from_slice(field(StopField::OutcomeObject));
        out.extend_from_slice(b",\"location\":");
        match point {
            Some(p) => out.extend_from_slice(self.points.json.get(p).as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"object_of_search\":");
        out.extend_from_slice(field(StopField::ObjectOfSearch));
        out.extend_from_slice(b",\"operation\":");
        out.extend_from_slice(bool_json(s.flags));
        out.extend_from_slice(b",\"outcome\":");
        out.extend_from_slice(field(StopField::Outcome));
        out.extend_from_slice(b",\"type\":");
        out.extend_from_slice(field(StopField::Kind));
        out.extend_from_slice(b",\"operation_name\":");
        out.extend_from_slice(field(StopField::OperationName));
        out.extend_from_slice(b",\"removal_of_more_than_outer_clothing\":");
        out.extend_from_slice(bool_json(s.flags >> 4));
        out.push(b'}');
    }

    fn write_stop_list(&self, out: &mut Vec<u8>, mut found: Vec<(i64, u32, Option<u32>)>) {
        found.sort_unstable();
        out.push(b'[');
        for (k, (_, i, point)) in found.into_iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            self.write_stop(out, &self.stops[i as usize], point);
        }
        out.push(b']');
    }

    /// `stops-street` and `stops-at-location`: stops of `month` at `points`, in id order.
    pub fn write_stops(&self, out: &mut Vec<u8>, month: Month, points: &[u32]) {
        let Some(m) = self.month(month) else {
            out.extend_from_slice(b"[]");
            return;
        };
        let mut found = Vec::new();
        m.stops.each(points, |key, r| {
            for i in r {
                found.push((self.stops[i].id, i as u32, Some(key)));
            }
        });
        self.write_stop_list(out, found);
    }

    /// `stops-force` and `stops-no-location`: a force's stops in `month`,
    /// all of them or only those without a map point, in id order.
    pub fn write_force_stops(&self, out: &mut Vec<u8>, force_id: &str, month: Month, without_location_only: bool) {
        let (Some(m), Some(f)) = (self.month(month), self.force_index(force_id)) else {
            out.extend_from_slice(b"[]");
            return;
        };
        let found = if without_location_only {
            m.stops.get(UNPLACED | u32::from(f)).map(|i| (self.stops[i].id, i as u32, None)).collect()
        } else {
            self.force_stops
                .get(&(f, month))
                .map(|list| {
                    list.iter()
                        .map(|&i| {
                            let key = m.stops.key_of(i).filter(|&k| k < UNPLACED);
                            (self.stops[i as usize].id, i, key)
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        self.write_stop_list(out, found);
    }
}

/// The `id` police.uk gives a stop's `outcome_object`.
pub(crate) fn stop_outcome_id(name: &str) -> &'static str {
    match name.trim().to_ascii_lowercase().as_str() {
        "a no further action disposal" => "bu-no-further-action",
        "community resolution" => "bu-community-resolution",
        "summons / charged by post" => "bu-summons",
        "arrest" => "bu-arrest",
        "caution (simple or conditional)" => "bu-caution",
        "khat or cannabis warning" => "bu-warning",
        "penalty notice for disorder" => "bu-penalty-notice",
        "" => "",
        _ => "bu-other",
    }
}

/// A point's `location` object.
pub(crate) fn location_json(id: i64, lat: f64, lng: f64, street_json: &str) -> String {
    let mut out = Vec::with_capacity(96);
    out.extend_from_slice(b"{\"latitude\":\"");
    out.extend_from_slice(format!("{lat:.6}").as_bytes());
    out.extend_from_slice(b"\",\"street\":{\"id\":");
    write_int(&mut out, id);
    out.extend_from_slice(b",\"name\":");
    out.extend_from_slice(street_json.as_bytes());
    out.extend_from_slice(b"},\"longitude\":\"");
    out.extend_from_slice(format!("{lng:.6}").as_bytes());
    out.extend_from_slice(b"\"}");
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use peel_core::CrimeCategory;

    #[test]
    fn writes_integers() {
        for v in [0i64, 7, -7, 10, 1234567890123, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_int(&mut out, v);
            assert_eq!(String::from_utf8(out).expect("digits"), v.to_string());
        }
    }

    #[test]
    fn writes_months_as_display_does() {
        for (y, m) in [(2024, 1), (2023, 12), (1999, 10), (2030, 9)] {
            let month = Month::new(y, m).expect("a month");
            let mut out = Vec::new();
            write_month(&mut out, month);
            assert_eq!(String::from_utf8(out).expect("text"), month.to_string());
        }
    }

    /// Category slugs and outcome names and codes are written without
    /// escaping, which is right only while none needs it.
    #[test]
    fn static_text_needs_no_escaping() {
        let plain = |s: &str| super::super::strings::json_string(s) == format!("\"{s}\"");
        assert!(CrimeCategory::ALL.iter().all(|c| plain(c.slug())));
        assert!(Outcome::ALL.iter().all(|o| plain(o.code()) && plain(o.name()) && plain(o.crime_status_name())));
    }

    #[test]
    fn stop_outcome_ids() {
        assert_eq!(stop_outcome_id("A no further action disposal"), "bu-no-further-action");
        assert_eq!(stop_outcome_id("Arrest"), "bu-arrest");
        assert_eq!(stop_outcome_id(""), "");
    }
}
