//! Reading a force-month back as the records its police.uk file held, for
//! `peel export` and the bulk download routes: rows in the order they were
//! imported, each with its map point's coordinates and street name.

use peel_core::geo::LatLng;
use peel_core::records::{CsvKind, OutcomeRecord, PublishedLocation, StopSearch, StopType, StreetCrime};
use peel_core::{CrimeCategory, Month, Outcome, force};

use crate::handles::OpenData;
use crate::{StoreError, on_db};

/// A street crime with its map point, as `street_crimes` reads it.
#[derive(sqlx::FromRow)]
struct StreetRow {
    persistent_id: Option<String>,
    reported_by: String,
    falls_within: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    street_name: Option<String>,
    lsoa_code: Option<String>,
    lsoa_name: Option<String>,
    category: String,
    last_outcome: Option<String>,
    context: String,
}

/// An outcome record with its map point, as `outcome_records` reads it.
#[derive(sqlx::FromRow)]
struct OutcomeRow {
    persistent_id: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    street_name: Option<String>,
    lsoa_code: Option<String>,
    lsoa_name: Option<String>,
    outcome: String,
}

/// A stop with its map point, as `stop_searches` reads it.
#[derive(sqlx::FromRow)]
struct StopRow {
    kind: String,
    datetime: String,
    operation: Option<bool>,
    operation_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    gender: Option<String>,
    age_range: Option<String>,
    self_defined_ethnicity: Option<String>,
    officer_defined_ethnicity: Option<String>,
    legislation: Option<String>,
    object_of_search: Option<String>,
    outcome: Option<String>,
    outcome_linked_to_object_of_search: Option<bool>,
    removal_of_more_than_outer_clothing: Option<bool>,
}

/// An imported file as recorded.
#[derive(sqlx::FromRow)]
struct ImportRow {
    month: String,
    kind: String,
    force_id: String,
}

fn known_force(force_id: &str) -> Result<&'static str, StoreError> {
    force::by_id(force_id).map(|f| f.id).ok_or_else(|| StoreError::NotFound(format!("force {force_id}")))
}

fn location(lat: Option<f64>, lng: Option<f64>, name: Option<String>) -> Option<PublishedLocation> {
    Some(PublishedLocation { at: LatLng { lat: lat?, lng: lng? }, street_name: name.unwrap_or_default() })
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?} in the store"))
}

impl OpenData<'_> {
    /// The rows `sql` selects for a force-month (`$1` the force, `$2` the
    /// month), on either engine.
    async fn force_month_rows<R>(self, sql: &'static str, force_id: &str, month: Month) -> Result<Vec<R>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let rows = on_db!(self.0, pool => {
            sqlx::query_as(sql).bind(force_id).bind(month.to_string()).fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The street crimes of a force-month, in the order they were imported.
    pub async fn street_crimes(self, force_id: &str, month: Month) -> Result<Vec<StreetCrime>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<StreetRow> = self
            .force_month_rows(
                "SELECT c.persistent_id, c.reported_by, c.falls_within, l.latitude, l.longitude, l.street_name, \
                 c.lsoa_code, c.lsoa_name, c.category, c.last_outcome, c.context \
                 FROM crimes c LEFT JOIN locations l ON l.id = c.location_id \
                 WHERE c.force_id = $1 AND c.month = $2 ORDER BY c.id",
                force_id,
                month,
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StreetCrime {
                    persistent_id: r.persistent_id,
                    month,
                    force_id,
                    reported_by: r.reported_by,
                    falls_within: r.falls_within,
                    location: location(r.latitude, r.longitude, r.street_name),
                    lsoa_code: r.lsoa_code,
                    lsoa_name: r.lsoa_name,
                    category: CrimeCategory::from_slug(&r.category).ok_or_else(|| corrupt("category", &r.category))?,
                    last_outcome: r
                        .last_outcome
                        .map(|o| Outcome::from_code(&o).ok_or_else(|| corrupt("outcome", &o)))
                        .transpose()?,
                    context: r.context,
                })
            })
            .collect()
    }

    /// The outcome records of a force-month, in the order they were imported.
    pub async fn outcome_records(self, force_id: &str, month: Month) -> Result<Vec<OutcomeRecord>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<OutcomeRow> = self
            .force_month_rows(
                "SELECT o.persistent_id, l.latitude, l.longitude, l.street_name, o.lsoa_code, o.lsoa_name, o.outcome \
                 FROM outcomes o LEFT JOIN locations l ON l.id = o.location_id \
                 WHERE o.force_id = $1 AND o.month = $2 ORDER BY o.id",
                force_id,
                month,
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(OutcomeRecord {
                    persistent_id: r.persistent_id,
                    month,
                    force_id,
                    location: location(r.latitude, r.longitude, r.street_name),
                    lsoa_code: r.lsoa_code,
                    lsoa_name: r.lsoa_name,
                    outcome: Outcome::from_code(&r.outcome).ok_or_else(|| corrupt("outcome", &r.outcome))?,
                })
            })
            .collect()
    }

    /// The stops and searches of a force-month, in the order they were imported.
    pub async fn stop_searches(self, force_id: &str, month: Month) -> Result<Vec<StopSearch>, StoreError> {
        let force_id = known_force(force_id)?;
        let rows: Vec<StopRow> = self
            .force_month_rows(
                "SELECT s.kind, s.datetime, s.operation, s.operation_name, l.latitude, l.longitude, s.gender, \
                 s.age_range, s.self_defined_ethnicity, s.officer_defined_ethnicity, s.legislation, \
                 s.object_of_search, s.outcome, s.outcome_linked_to_object_of_search, \
                 s.removal_of_more_than_outer_clothing \
                 FROM stops s LEFT JOIN locations l ON l.id = s.location_id \
                 WHERE s.force_id = $1 AND s.month = $2 ORDER BY s.id",
                force_id,
                month,
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StopSearch {
                    kind: StopType::parse(&r.kind).ok_or_else(|| corrupt("stop type", &r.kind))?,
                    datetime: r.datetime,
                    month,
                    force_id,
                    operation: r.operation,
                    operation_name: r.operation_name,
                    at: r.latitude.zip(r.longitude).map(|(lat, lng)| LatLng { lat, lng }),
                    gender: r.gender,
                    age_range: r.age_range,
                    self_defined_ethnicity: r.self_defined_ethnicity,
                    officer_defined_ethnicity: r.officer_defined_ethnicity,
                    legislation: r.legislation,
                    object_of_search: r.object_of_search,
                    outcome: r.outcome,
                    outcome_linked_to_object_of_search: r.outcome_linked_to_object_of_search,
                    removal_of_more_than_outer_clothing: r.removal_of_more_than_outer_clothing,
                })
            })
            .collect()
    }

    /// The force-month files imported (for `month`, or for every month), as
    /// (month, kind, force id), in the order police.uk's archive lists them.
    pub async fn imported_files(self, month: Option<Month>) -> Result<Vec<(Month, CsvKind, String)>, StoreError> {
        let month = month.map(|m| m.to_string());
        let rows: Vec<ImportRow> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT month, kind, force_id FROM imports WHERE $1 IS NULL OR month = $1")
                .bind(month.as_deref())
                .fetch_all(pool)
                .await?
        });
        let mut files = rows
            .into_iter()
            .map(|ImportRow { month, kind, force_id }| {
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
