//! The JSON shapes of police.uk records: key names, nesting and types
//! exactly as data.police.uk writes them (coordinates as strings, ids as
//! integers, `""` rather than `null` where police.uk does so). Keys are in
//! police.uk's order, which helps people comparing answers by eye.

use peel_core::Outcome;
use peel_store::{CrimeRecord, MapPoint, OutcomeAt, StopRecord};
use serde::Serialize;

#[derive(Serialize)]
pub struct Street<'a> {
    pub id: i64,
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct Location<'a> {
    pub latitude: String,
    pub street: Street<'a>,
    pub longitude: String,
}

impl<'a> Location<'a> {
    pub fn of(p: &'a MapPoint) -> Location<'a> {
        Location {
            latitude: p.at.lat_string(),
            street: Street { id: p.id, name: &p.street_name },
            longitude: p.at.lng_string(),
        }
    }
}

#[derive(Serialize)]
pub struct OutcomeStatus {
    pub category: &'static str,
    pub date: String,
}

/// A crime record. Inside outcome answers police.uk leaves `outcome_status`
/// out altogether, hence the double `Option`.
#[derive(Serialize)]
pub struct Crime<'a> {
    pub category: &'static str,
    pub persistent_id: &'a str,
    pub location_subtype: &'a str,
    pub id: i64,
    pub location: Option<Location<'a>>,
    pub context: &'a str,
    pub month: String,
    pub location_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_status: Option<Option<OutcomeStatus>>,
}

impl<'a> Crime<'a> {
    /// As the crime routes show it, with `outcome_status`.
    pub fn of(c: &'a CrimeRecord) -> Crime<'a> {
        let status =
            c.outcome_status.map(|(o, m)| OutcomeStatus { category: o.crime_status_name(), date: m.to_string() });
        Crime { outcome_status: Some(status), ..Crime::bare(c) }
    }

    /// As the outcome routes nest it, without `outcome_status`.
    pub fn bare(c: &'a CrimeRecord) -> Crime<'a> {
        Crime {
            category: c.category.slug(),
            persistent_id: c.persistent_id.as_deref().unwrap_or(""),
            location_subtype: &c.location_subtype,
            id: c.id,
            location: c.location.as_ref().map(Location::of),
            context: &c.context,
            month: c.month.to_string(),
            // police.uk gives no location type to records without a location.
            location_type: c.location.as_ref().map(|_| c.location_type.as_str()),
            outcome_status: None,
        }
    }
}

#[derive(Serialize)]
pub struct OutcomeCategory {
    pub code: &'static str,
    pub name: &'static str,
}

impl OutcomeCategory {
    pub fn of(o: Outcome) -> OutcomeCategory {
        OutcomeCategory { code: o.code(), name: o.name() }
    }
}

/// One outcome, as `outcomes-for-crime` lists them (no crime inside).
#[derive(Serialize)]
pub struct OutcomeEntry {
    pub category: OutcomeCategory,
    pub date: String,
    /// police.uk has never published person ids; always `null`.
    pub person_id: Option<()>,
}

/// One outcome with its crime, as `outcomes-at-location` lists them.
#[derive(Serialize)]
pub struct OutcomeWithCrime<'a> {
    pub category: OutcomeCategory,
    pub date: String,
    pub person_id: Option<()>,
    pub crime: Crime<'a>,
}

impl<'a> OutcomeWithCrime<'a> {
    pub fn of(o: &'a OutcomeAt) -> OutcomeWithCrime<'a> {
        OutcomeWithCrime {
            category: OutcomeCategory::of(o.outcome),
            date: o.month.to_string(),
            person_id: None,
            crime: Crime::bare(&o.crime),
        }
    }
}

#[derive(Serialize)]
pub struct OutcomeObject<'a> {
    pub id: &'static str,
    pub name: &'a str,
}

/// police.uk's ids for stop-and-search outcomes. The first four are verified
/// against live answers; the rest follow the same pattern and are marked
/// unverified in docs/api-compatibility.md.
fn stop_outcome_id(name: &str) -> &'static str {
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

#[derive(Serialize)]
pub struct Stop<'a> {
    pub age_range: Option<&'a str>,
    pub officer_defined_ethnicity: Option<&'a str>,
    pub involved_person: bool,
    pub self_defined_ethnicity: Option<&'a str>,
    pub gender: Option<&'a str>,
    pub legislation: Option<&'a str>,
    pub outcome_linked_to_object_of_search: Option<bool>,
    pub datetime: &'a str,
    pub outcome_object: OutcomeObject<'a>,
    pub location: Option<Location<'a>>,
    pub object_of_search: Option<&'a str>,
    pub operation: Option<bool>,
    pub outcome: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub operation_name: Option<&'a str>,
    pub removal_of_more_than_outer_clothing: Option<bool>,
}

impl<'a> Stop<'a> {
    pub fn of(s: &'a StopRecord) -> Stop<'a> {
        let outcome = s.outcome.as_deref().unwrap_or("");
        Stop {
            age_range: s.age_range.as_deref(),
            officer_defined_ethnicity: s.officer_defined_ethnicity.as_deref(),
            involved_person: s.kind != "Vehicle search",
            self_defined_ethnicity: s.self_defined_ethnicity.as_deref(),
            gender: s.gender.as_deref(),
            legislation: s.legislation.as_deref(),
            outcome_linked_to_object_of_search: s.outcome_linked_to_object_of_search,
            datetime: &s.datetime,
            outcome_object: OutcomeObject { id: stop_outcome_id(outcome), name: outcome },
            location: s.location.as_ref().map(Location::of),
            object_of_search: s.object_of_search.as_deref(),
            operation: s.operation,
            outcome,
            kind: &s.kind,
            operation_name: s.operation_name.as_deref(),
            removal_of_more_than_outer_clothing: s.removal_of_more_than_outer_clothing,
        }
    }
}

pub fn crimes(list: &[CrimeRecord]) -> Vec<Crime<'_>> {
    list.iter().map(Crime::of).collect()
}

pub fn stops(list: &[StopRecord]) -> Vec<Stop<'_>> {
    list.iter().map(Stop::of).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stop_outcome_ids() {
        assert_eq!(super::stop_outcome_id("A no further action disposal"), "bu-no-further-action");
        assert_eq!(super::stop_outcome_id("Arrest"), "bu-arrest");
        assert_eq!(super::stop_outcome_id(""), "");
    }
}
