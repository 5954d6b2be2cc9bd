//! Reading a force-month back as the records its police.uk file held, for
//! `peel export` and the bulk download routes: rows in the order they were
//! imported, each with its map point's coordinates and street name.

use peel_core::geo::LatLng;
use peel_core::records::{CsvKind, OutcomeRecord, PublishedLocation, StopSearch, StopType, StreetCrime};
use peel_core::{CrimeCategory, Month, Outcome, force};

use crate::{Store, StoreError, on_db};

type StreetRow = (
    Option<String>,
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
);

type OutcomeRow = (String, Option<f64>, Option<f64>, Option<String>, Option<String>, Option<String>, String);

type StopRow = (
    String,
    String,
    Option<bool>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<bool>,
);

fn known_force(force_id: &str) -> Result<&'static str, StoreError> {
    force::by_id(force_id).map(|f| f.id).ok_or_else(|| StoreError::NotFound(format!("force {force_id}")))
}

fn location(lat: Option<f64>, lng: Option<f64>, name: Option<String>) -> Option<PublishedLocation> {
    Some(PublishedLocation { at: LatLng { lat: lat?, lng: lng? }, street_name: name.unwrap_or_default() })
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?} in the store"))
}

impl Store {
    /// The street crimes of a force-month, in the order they were imported.
    pub async fn street_crimes(&self, force_id: &str, month: Month) -> Result<Vec<StreetCrime>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<StreetRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT c.persistent_id, c.reported_by, c.falls_within, l.latitude, l.longitude, l.street_name, \
                 c.lsoa_code, c.lsoa_name, c.category, c.last_outcome, c.context \
                 FROM crimes c LEFT JOIN locations l ON l.id = c.location_id \
                 WHERE c.force_id = $1 AND c.month = $2 ORDER BY c.id",
            )
            .bind(force_id)
            .bind(month.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(
                |(
                    pid,
                    reported_by,
                    falls_within,
                    lat,
                    lng,
                    street,
                    lsoa_code,
                    lsoa_name,
                    category,
                    outcome,
                    context,
                )| {
                    Ok(StreetCrime {
                        persistent_id: pid,
                        month,
                        force_id,
                        reported_by,
                        falls_within,
                        location: location(lat, lng, street),
                        lsoa_code,
                        lsoa_name,
                        category: CrimeCategory::from_slug(&category).ok_or_else(|| corrupt("category", &category))?,
                        last_outcome: outcome
                            .map(|o| Outcome::from_code(&o).ok_or_else(|| corrupt("outcome", &o)))
                            .transpose()?,
                        context,
                    })
                },
            )
            .collect()
    }

    /// The outcome records of a force-month, in the order they were imported.
    pub async fn outcome_records(&self, force_id: &str, month: Month) -> Result<Vec<OutcomeRecord>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<OutcomeRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT o.persistent_id, l.latitude, l.longitude, l.street_name, o.lsoa_code, o.lsoa_name, o.outcome \
                 FROM outcomes o LEFT JOIN locations l ON l.id = o.location_id \
                 WHERE o.force_id = $1 AND o.month = $2 ORDER BY o.id",
            )
            .bind(force_id)
            .bind(month.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(persistent_id, lat, lng, street, lsoa_code, lsoa_name, outcome)| {
                Ok(OutcomeRecord {
                    persistent_id,
                    month,
                    force_id,
                    location: location(lat, lng, street),
                    lsoa_code,
                    lsoa_name,
                    outcome: Outcome::from_code(&outcome).ok_or_else(|| corrupt("outcome", &outcome))?,
                })
            })
            .collect()
    }

    /// The stops and searches of a force-month, in the order they were imported.
    pub async fn stop_searches(&self, force_id: &str, month: Month) -> Result<Vec<StopSearch>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<StopRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT s.kind, s.datetime, s.operation, s.operation_name, l.latitude, l.longitude, s.gender, \
                 s.age_range, s.self_defined_ethnicity, s.officer_defined_ethnicity, s.legislation, \
                 s.object_of_search, s.outcome, s.outcome_linked_to_object_of_search, \
                 s.removal_of_more_than_outer_clothing \
                 FROM stops s LEFT JOIN locations l ON l.id = s.location_id \
                 WHERE s.force_id = $1 AND s.month = $2 ORDER BY s.id",
            )
            .bind(force_id)
            .bind(month.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let (kind, datetime, operation, operation_name, lat, lng, gender, age_range, self_defined) =
                    (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8);
                Ok(StopSearch {
                    kind: StopType::parse(&kind).ok_or_else(|| corrupt("stop type", &kind))?,
                    datetime,
                    month,
                    force_id,
                    operation,
                    operation_name,
                    at: lat.zip(lng).map(|(lat, lng)| LatLng { lat, lng }),
                    gender,
                    age_range,
                    self_defined_ethnicity: self_defined,
                    officer_defined_ethnicity: r.9,
                    legislation: r.10,
                    object_of_search: r.11,
                    outcome: r.12,
                    outcome_linked_to_object_of_search: r.13,
                    removal_of_more_than_outer_clothing: r.14,
                })
            })
            .collect()
    }

    /// The force-month files imported (for `month`, or for every month), as
    /// (month, kind, force id), in the order police.uk's archive lists them.
    pub async fn imported_files(&self, month: Option<Month>) -> Result<Vec<(Month, CsvKind, String)>, StoreError> {
        let month = month.map(|m| m.to_string());
        let rows: Vec<(String, String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT month, kind, force_id FROM imports WHERE $1 IS NULL OR month = $1")
                .bind(month.as_deref())
                .fetch_all(pool)
                .await?
        });
        let mut files = rows
            .into_iter()
            .map(|(month, kind, force_id)| {
                let month: Month = month.parse().map_err(|_| corrupt("month", &month))?;
                let kind = [CsvKind::Street, CsvKind::Outcomes, CsvKind::StopAndSearch]
                    .into_iter()
                    .find(|k| k.file_suffix() == kind)
                    .ok_or_else(|| corrupt("file kind", &kind))?;
                Ok((month, kind, force_id))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        files.sort_by(|a, b| (a.0, a.2.as_str(), a.1.file_suffix()).cmp(&(b.0, b.2.as_str(), b.1.file_suffix())));
        Ok(files)
    }
}
