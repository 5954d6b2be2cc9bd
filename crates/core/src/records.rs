//! Street-level crimes, outcomes and stop-and-search records as police.uk
//! publishes them, and the rules for reading one bulk-CSV row of each.
//!
//! Row parsing lives here, not in the importer, because it is the definition
//! of what a valid record is; the importer only reads bytes and reports.

use serde::Serialize;

use crate::category::CrimeCategory;
use crate::force::{self, KnownForce};
use crate::geo::LatLng;
use crate::month::Month;
use crate::outcome::Outcome;

/// The three kinds of bulk CSV police.uk publishes each month per force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvKind {
    Street,
    Outcomes,
    StopAndSearch,
}

pub const STREET_HEADER: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

pub const OUTCOMES_HEADER: [&str; 10] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
];

pub const STOP_HEADER: [&str; 15] = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
];

impl CsvKind {
    pub fn header(self) -> &'static [&'static str] {
        match self {
            CsvKind::Street => &STREET_HEADER,
            CsvKind::Outcomes => &OUTCOMES_HEADER,
            CsvKind::StopAndSearch => &STOP_HEADER,
        }
    }

    /// Recognises a bulk CSV by its header row (a BOM or stray spaces allowed).
    pub fn from_header<S: AsRef<str>>(header: &[S]) -> Option<CsvKind> {
        let clean: Vec<&str> = header.iter().map(|h| h.as_ref().trim_start_matches('\u{feff}').trim()).collect();
        [CsvKind::Street, CsvKind::Outcomes, CsvKind::StopAndSearch].into_iter().find(|k| {
            k.header().len() == clean.len() && k.header().iter().zip(&clean).all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    }

    /// The suffix of the file name police.uk gives this kind.
    pub fn file_suffix(self) -> &'static str {
        match self {
            CsvKind::Street => "street",
            CsvKind::Outcomes => "outcomes",
            CsvKind::StopAndSearch => "stop-and-search",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CsvKind::Street => "street crimes",
            CsvKind::Outcomes => "outcomes",
            CsvKind::StopAndSearch => "stops and searches",
        }
    }
}

/// What a police.uk file name says: `2024-03-city-of-london-street.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkFileName {
    pub month: Month,
    pub force: &'static KnownForce,
    pub kind: CsvKind,
}

impl BulkFileName {
    pub fn parse(file_name: &str) -> Option<BulkFileName> {
        let stem = file_name.strip_suffix(".csv")?;
        let month: Month = stem.get(..7)?.parse().ok()?;
        let rest = stem.get(8..)?;
        for kind in [CsvKind::StopAndSearch, CsvKind::Outcomes, CsvKind::Street] {
            if let Some(force_id) = rest.strip_suffix(kind.file_suffix()).and_then(|r| r.strip_suffix('-')) {
                return force::by_id(force_id).map(|force| BulkFileName { month, force, kind });
            }
        }
        None
    }
}

/// A published map point: anonymised to the centre of a street or place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedLocation {
    pub at: LatLng,
    /// "On or near …"; empty where the source gave none (stop and search).
    pub street_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreetCrime {
    /// 64 hex characters; `None` for anti-social behaviour.
    pub persistent_id: Option<String>,
    pub month: Month,
    pub force_id: &'static str,
    pub reported_by: String,
    pub falls_within: String,
    pub location: Option<PublishedLocation>,
    pub lsoa_code: Option<String>,
    pub lsoa_name: Option<String>,
    pub category: CrimeCategory,
    pub last_outcome: Option<Outcome>,
    pub context: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRecord {
    pub persistent_id: String,
    pub month: Month,
    pub force_id: &'static str,
    pub location: Option<PublishedLocation>,
    pub lsoa_code: Option<String>,
    pub lsoa_name: Option<String>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopType {
    #[serde(rename = "Person search")]
    Person,
    #[serde(rename = "Vehicle search")]
    Vehicle,
    #[serde(rename = "Person and Vehicle search")]
    PersonAndVehicle,
}

impl StopType {
    pub fn label(self) -> &'static str {
        match self {
            StopType::Person => "Person search",
            StopType::Vehicle => "Vehicle search",
            StopType::PersonAndVehicle => "Person and Vehicle search",
        }
    }

    pub fn parse(s: &str) -> Option<StopType> {
        [StopType::Person, StopType::Vehicle, StopType::PersonAndVehicle]
            .into_iter()
            .find(|t| t.label().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StopSearch {
    pub kind: StopType,
    /// ISO 8601 with offset, as published.
    pub datetime: String,
    /// The month of the file it was published in (a few rows fall in the
    /// previous month by the clock: police.uk still lists them under this one).
    pub month: Month,
    pub force_id: &'static str,
    pub operation: Option<bool>,
    pub operation_name: Option<String>,
    pub at: Option<LatLng>,
    pub gender: Option<String>,
    pub age_range: Option<String>,
    pub self_defined_ethnicity: Option<String>,
    pub officer_defined_ethnicity: Option<String>,
    pub legislation: Option<String>,
    pub object_of_search: Option<String>,
    pub outcome: Option<String>,
    pub outcome_linked_to_object_of_search: Option<bool>,
    pub removal_of_more_than_outer_clothing: Option<bool>,
}

/// A street crime as the store holds it, borrowed while it is read back:
/// what the in-memory engine is built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredCrime<'a> {
    pub id: i64,
    pub force_id: &'a str,
    pub month: Month,
    pub persistent_id: Option<&'a str>,
    pub category: CrimeCategory,
    pub location_id: Option<i64>,
    pub lsoa_name: Option<&'a str>,
    pub last_outcome: Option<Outcome>,
    pub context: &'a str,
    pub location_type: &'a str,
    pub location_subtype: &'a str,
}

/// An outcome record as the store holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredOutcome<'a> {
    pub id: i64,
    pub force_id: &'a str,
    pub month: Month,
    pub persistent_id: &'a str,
    pub outcome: Outcome,
    pub location_id: Option<i64>,
}

/// A stop and search as the store holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredStop<'a> {
    pub id: i64,
    pub force_id: &'a str,
    pub month: Month,
    /// `StopType::label`.
    pub kind: &'a str,
    pub datetime: &'a str,
    pub operation: Option<bool>,
    pub operation_name: Option<&'a str>,
    pub location_id: Option<i64>,
    pub gender: Option<&'a str>,
    pub age_range: Option<&'a str>,
    pub self_defined_ethnicity: Option<&'a str>,
    pub officer_defined_ethnicity: Option<&'a str>,
    pub legislation: Option<&'a str>,
    pub object_of_search: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub outcome_linked_to_object_of_search: Option<bool>,
    pub removal_of_more_than_outer_clothing: Option<bool>,
}

/// Why one row was refused, naming the column so a person can fix the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RowError {
    pub field: &'static str,
    pub message: String,
}

fn row_err(field: &'static str, message: impl Into<String>) -> RowError {
    RowError { field, message: message.into() }
}

/// What the file's name (if it follows police.uk's pattern) says the rows must
/// agree with.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowContext {
    pub month: Option<Month>,
    pub force: Option<&'static KnownForce>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn check_columns(fields: &[&str], header: &[&str]) -> Result<(), RowError> {
    if fields.len() != header.len() {
        return Err(row_err(
            "row",
            format!("has {} columns, expected {} ({})", fields.len(), header.len(), header.join(",")),
        ));
    }
    Ok(())
}

fn parse_month(field: &'static str, s: &str, ctx: &RowContext) -> Result<Month, RowError> {
    let month: Month = s.trim().parse().map_err(|e: crate::month::MonthError| row_err(field, e.to_string()))?;
    if let Some(expected) = ctx.month
        && expected != month
    {
        return Err(row_err(field, format!("{month} does not match the month {expected} in the file name")));
    }
    Ok(month)
}

fn parse_force(reported_by: &str, ctx: &RowContext) -> Result<&'static KnownForce, RowError> {
    if let Some(file_force) = ctx.force {
        return Ok(file_force);
    }
    force::by_name(reported_by)
        .ok_or_else(|| row_err("Reported by", format!("{reported_by:?} is not a known police force")))
}

fn parse_persistent_id(s: &str) -> Result<Option<String>, RowError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(s.to_ascii_lowercase()))
    } else {
        Err(row_err("Crime ID", format!("{s:?} is not a 64-character hexadecimal crime id")))
    }
}

fn parse_point(
    lng_field: &'static str,
    lat_field: &'static str,
    lng: &str,
    lat: &str,
) -> Result<Option<LatLng>, RowError> {
    match (lng.trim().is_empty(), lat.trim().is_empty()) {
        (true, true) => Ok(None),
        (false, true) => Err(row_err(lat_field, "is empty but the longitude is given")),
        (true, false) => Err(row_err(lng_field, "is empty but the latitude is given")),
        (false, false) => {
            let lat_v = LatLng::parse(lat, "0").map_err(|e| row_err(lat_field, e.to_string()))?;
            let lng_v = LatLng::parse("0", lng).map_err(|e| row_err(lng_field, e.to_string()))?;
            Ok(Some(LatLng { lat: lat_v.lat, lng: lng_v.lng }))
        }
    }
}

fn parse_location(lng: &str, lat: &str, name: &str) -> Result<Option<PublishedLocation>, RowError> {
    let at = parse_point("Longitude", "Latitude", lng, lat)?;
    Ok(at.map(|at| PublishedLocation { at, street_name: name.trim().to_string() }))
}

fn parse_bool(field: &'static str, s: &str) -> Result<Option<bool>, RowError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        other => Err(row_err(field, format!("{other:?} is not True, False or empty"))),
    }
}

impl StreetCrime {
    /// police.uk's `location_type`: "BTP" for the crimes British Transport
    /// Police report (at stations and on the lines), "Force" for every
    /// other force's.
    pub fn location_type(&self) -> &'static str {
        if self.force_id == "btp" || self.reported_by == "British Transport Police" { "BTP" } else { "Force" }
    }

    pub fn from_row(f: &[&str], ctx: &RowContext) -> Result<StreetCrime, RowError> {
        check_columns(f, &STREET_HEADER)?;
        let persistent_id = parse_persistent_id(f[0])?;
        let month = parse_month("Month", f[1], ctx)?;
        let force = parse_force(f[2], ctx)?;
        let location = parse_location(f[4], f[5], f[6])?;
        let category = CrimeCategory::from_csv_name(f[9])
            .ok_or_else(|| row_err("Crime type", format!("{:?} is not a police.uk crime type", f[9])))?;
        let last_outcome = match f[10].trim() {
            "" => None,
            name => Some(
                Outcome::from_name(name)
                    .ok_or_else(|| row_err("Last outcome category", format!("{name:?} is not a police.uk outcome")))?,
            ),
        };
        Ok(StreetCrime {
            persistent_id,
            month,
            force_id: force.id,
            reported_by: f[2].trim().to_string(),
            falls_within: f[3].trim().to_string(),
            location,
            lsoa_code: opt(f[7]),
            lsoa_name: opt(f[8]),
            category,
            last_outcome,
            context: f[11].trim().to_string(),
        })
    }
}

impl OutcomeRecord {
    pub fn from_row(f: &[&str], ctx: &RowContext) -> Result<OutcomeRecord, RowError> {
        check_columns(f, &OUTCOMES_HEADER)?;
        let persistent_id =
            parse_persistent_id(f[0])?.ok_or_else(|| row_err("Crime ID", "is empty; every outcome names its crime"))?;
        let month = parse_month("Month", f[1], ctx)?;
        let force = parse_force(f[2], ctx)?;
        let location = parse_location(f[4], f[5], f[6])?;
        let outcome = Outcome::from_name(f[9])
            .ok_or_else(|| row_err("Outcome type", format!("{:?} is not a police.uk outcome", f[9])))?;
        Ok(OutcomeRecord {
            persistent_id,
            month,
            force_id: force.id,
            location,
            lsoa_code: opt(f[7]),
            lsoa_name: opt(f[8]),
            outcome,
        })
    }
}

impl StopSearch {
    /// Stop-and-search files name no force inside, so the force and month come
    /// from the file name or the caller.
    pub fn from_row(f: &[&str], ctx: &RowContext) -> Result<StopSearch, RowError> {
        check_columns(f, &STOP_HEADER)?;
        let kind = StopType::parse(f[0]).ok_or_else(|| {
            row_err("Type", format!("{:?} is not Person, Vehicle or Person and Vehicle search", f[0]))
        })?;
        let datetime = f[1].trim();
        let parsed = chrono::DateTime::parse_from_rfc3339(datetime)
            .map_err(|_| row_err("Date", format!("{datetime:?} is not an ISO 8601 date and time with offset")))?;
        let own_month = Month::new(
            u16::try_from(chrono::Datelike::year(&parsed)).unwrap_or(0),
            u8::try_from(chrono::Datelike::month(&parsed)).unwrap_or(0),
        )
        .ok_or_else(|| row_err("Date", format!("{datetime:?} is out of range")))?;
        let month = ctx.month.unwrap_or(own_month);
        if own_month != month && own_month.plus(1) != month {
            return Err(row_err("Date", format!("{datetime} is not in or just before the file's month {month}")));
        }
        let force = ctx
            .force
            .ok_or_else(|| row_err("row", "the force is unknown: name the file YYYY-MM-<force>-stop-and-search.csv"))?;
        Ok(StopSearch {
            kind,
            datetime: datetime.to_string(),
            month,
            force_id: force.id,
            operation: parse_bool("Part of a policing operation", f[2])?,
            operation_name: opt(f[3]),
            at: parse_point("Longitude", "Latitude", f[5], f[4])?,
            gender: opt(f[6]),
            age_range: opt(f[7]),
            self_defined_ethnicity: opt(f[8]),
            officer_defined_ethnicity: opt(f[9]),
            legislation: opt(f[10]),
            object_of_search: opt(f[11]),
            outcome: opt(f[12]),
            outcome_linked_to_object_of_search: parse_bool("Outcome linked to object of search", f[13])?,
            removal_of_more_than_outer_clothing: parse_bool("Removal of more than just outer clothing", f[14])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PID: &str = "fef00968b9b066ad38660e64f6e746eb1dfc27b22af4a023924daebfcea2ad39";

    fn street(fields: &str) -> Result<StreetCrime, RowError> {
        let f: Vec<&str> = fields.split('|').collect();
        StreetCrime::from_row(&f, &RowContext::default())
    }

    #[test]
    fn reads_a_real_street_row() {
        let c = street(&format!("{PID}|2024-01|City of London Police|City of London Police|-0.097562|51.516789|On or near Cheapside|E01000001|City of London 001A|Burglary|Offender given penalty notice|")).unwrap();
        assert_eq!(c.force_id, "city-of-london");
        assert_eq!(c.category, CrimeCategory::Burglary);
        assert_eq!(c.last_outcome, Some(Outcome::PenaltyNoticeIssued));
        assert_eq!(c.location.unwrap().street_name, "On or near Cheapside");
    }

    #[test]
    fn asb_without_id_or_location() {
        let c = street("|2024-01|City of London Police|City of London Police|||No location|||Anti-social behaviour||")
            .unwrap();
        assert_eq!(c.persistent_id, None);
        assert_eq!(c.location, None);
        assert_eq!(c.last_outcome, None);
    }

    #[test]
    fn names_the_bad_field() {
        let base = |month: &str, lng: &str, kind: &str| {
            format!("{PID}|{month}|City of London Police|City of London Police|{lng}|51.5|On or near X|||{kind}||")
        };
        assert_eq!(street(&base("2024-13", "-0.1", "Burglary")).unwrap_err().field, "Month");
        assert_eq!(street(&base("2024-01", "west", "Burglary")).unwrap_err().field, "Longitude");
        assert_eq!(street(&base("2024-01", "-0.1", "Littering")).unwrap_err().field, "Crime type");
        assert_eq!(street("a|b").unwrap_err().field, "row");
        let ctx = RowContext { month: Some("2024-02".parse().unwrap()), force: None };
        let f: Vec<String> = base("2024-01", "-0.1", "Burglary").split('|').map(String::from).collect();
        let f: Vec<&str> = f.iter().map(String::as_str).collect();
        assert_eq!(StreetCrime::from_row(&f, &ctx).unwrap_err().field, "Month");
    }

    #[test]
    fn reads_a_real_stop_row() {
        let row = "Person search,2024-03-01T09:58:14+00:00,False,,52.019256,-0.225046,Male,18-24,White - English/Welsh/Scottish/Northern Irish/British,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,,False";
        let f: Vec<&str> = row.split(',').collect();
        let ctx = RowContext { month: Some("2024-03".parse().unwrap()), force: force::by_id("bedfordshire") };
        let s = StopSearch::from_row(&f, &ctx).unwrap();
        assert_eq!(s.kind, StopType::Person);
        assert_eq!(s.at.unwrap().lat, 52.019256);
        assert_eq!(s.operation, Some(false));
        assert_eq!(s.outcome_linked_to_object_of_search, None);
        // The previous month (UTC vs BST) is accepted, two months back is not.
        let mut early = f.clone();
        early[1] = "2024-02-29T23:30:00+00:00";
        assert!(StopSearch::from_row(&early, &ctx).is_ok());
        early[1] = "2024-01-29T23:30:00+00:00";
        assert_eq!(StopSearch::from_row(&early, &ctx).unwrap_err().field, "Date");
    }

    #[test]
    fn recognises_headers_and_file_names() {
        assert_eq!(CsvKind::from_header(&STREET_HEADER), Some(CsvKind::Street));
        let mut bom = STOP_HEADER.map(String::from).to_vec();
        bom[0] = format!("\u{feff}{}", bom[0]);
        assert_eq!(CsvKind::from_header(&bom), Some(CsvKind::StopAndSearch));
        assert_eq!(CsvKind::from_header(&["postcode", "latitude"]), None);
        let n = BulkFileName::parse("2024-03-city-of-london-stop-and-search.csv").unwrap();
        assert_eq!(
            (n.force.id, n.kind, n.month.to_string().as_str()),
            ("city-of-london", CsvKind::StopAndSearch, "2024-03")
        );
        assert_eq!(BulkFileName::parse("2024-03-bedfordshire-street.csv").unwrap().kind, CsvKind::Street);
        assert!(BulkFileName::parse("2024-03-atlantis-street.csv").is_none());
        assert!(BulkFileName::parse("notes.csv").is_none());
    }

    proptest! {
        #[test]
        fn street_rows_never_panic(fields in proptest::collection::vec("\\PC{0,20}", 0..14)) {
            let f: Vec<&str> = fields.iter().map(String::as_str).collect();
            let _ = StreetCrime::from_row(&f, &RowContext::default());
            let _ = OutcomeRecord::from_row(&f, &RowContext::default());
            let _ = StopSearch::from_row(&f, &RowContext::default());
        }
    }
}
