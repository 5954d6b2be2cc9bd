//! Reads behind the police.uk-compatible API.
//!
//! Area questions are answered in two steps: the spatial index (in
//! `peel-spatial`) turns an area into map-point ids, and these queries fetch
//! the records at those ids for one month. Ids go in chunked `IN` lists so
//! no statement comes near either engine's bind-parameter limit.

use std::collections::HashMap;

use peel_core::geo::LatLng;
use peel_core::{CategoryFilter, CrimeCategory, Month, Outcome};
use sqlx::AssertSqlSafe;

use crate::{Store, StoreError, on_db};

/// Ids per `IN (…)` list: far below SQLite's 32,766 and PostgreSQL's 65,535
/// parameters, and small enough to keep each plan cheap.
const IN_CHUNK: usize = 500;

/// A published map point with its street name (`street.id`/`street.name`).
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub id: i64,
    pub at: LatLng,
    pub street_name: String,
}

/// A street-level crime as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CrimeRecord {
    pub id: i64,
    pub force_id: String,
    pub month: Month,
    /// `None` for anti-social behaviour.
    pub persistent_id: Option<String>,
    pub category: CrimeCategory,
    pub location: Option<MapPoint>,
    pub context: String,
    pub location_type: String,
    pub location_subtype: String,
    /// The crime's last outcome and the month of its latest outcome record
    /// (the crime's own month when no outcome record is held).
    pub outcome_status: Option<(Outcome, Month)>,
}

/// One outcome of a crime, with the crime it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeAt {
    pub month: Month,
    pub outcome: Outcome,
    pub crime: CrimeRecord,
}

/// A stop and search as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StopRecord {
    pub id: i64,
    pub force_id: String,
    pub month: Month,
    pub kind: String,
    pub datetime: String,
    pub operation: Option<bool>,
    pub operation_name: Option<String>,
    pub location: Option<MapPoint>,
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

#[derive(sqlx::FromRow)]
struct CrimeRow {
    id: i64,
    force_id: String,
    month: String,
    persistent_id: Option<String>,
    category: String,
    location_id: Option<i64>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    street_name: Option<String>,
    context: String,
    location_type: String,
    location_subtype: String,
    last_outcome: Option<String>,
}

const CRIME_SELECT: &str = "SELECT c.id, c.force_id, c.month, c.persistent_id, c.category, c.location_id, \
     l.latitude, l.longitude, l.street_name, c.context, c.location_type, c.location_subtype, c.last_outcome \
     FROM crimes c LEFT JOIN locations l ON l.id = c.location_id";

#[derive(sqlx::FromRow)]
struct StopRow {
    id: i64,
    force_id: String,
    month: String,
    kind: String,
    datetime: String,
    operation: Option<bool>,
    operation_name: Option<String>,
    location_id: Option<i64>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    street_name: Option<String>,
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

const STOP_SELECT: &str = "SELECT s.id, s.force_id, s.month, s.kind, s.datetime, s.operation, s.operation_name, \
     s.location_id, l.latitude, l.longitude, l.street_name, s.gender, s.age_range, s.self_defined_ethnicity, \
     s.officer_defined_ethnicity, s.legislation, s.object_of_search, s.outcome, \
     s.outcome_linked_to_object_of_search, s.removal_of_more_than_outer_clothing \
     FROM stops s LEFT JOIN locations l ON l.id = s.location_id";

fn month(s: &str) -> Result<Month, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad month {s:?}")))
}

fn map_point(id: Option<i64>, lat: Option<f64>, lng: Option<f64>, name: Option<String>) -> Option<MapPoint> {
    match (id, lat, lng) {
        (Some(id), Some(lat), Some(lng)) => {
            Some(MapPoint { id, at: LatLng { lat, lng }, street_name: name.unwrap_or_default() })
        }
        _ => None,
    }
}

/// `$first,$first+1,…` for `n` parameters.
fn params(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
}

/// The category condition, as SQL and the value to bind as `$n`.
fn category_value(filter: CategoryFilter) -> Option<&'static str> {
    match filter {
        CategoryFilter::All => None,
        CategoryFilter::Only(c) => Some(c.slug()),
    }
}

impl CrimeRow {
    /// Converts the row; `latest` maps persistent ids to their latest outcome month.
    fn into_record(self, latest: &HashMap<String, String>) -> Result<CrimeRecord, StoreError> {
        let crime_month = month(&self.month)?;
        let category = CrimeCategory::from_slug(&self.category)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown category {:?}", self.category)))?;
        let outcome_status = match (&self.last_outcome, category) {
            (_, CrimeCategory::AntiSocialBehaviour) | (None, _) => None,
            (Some(code), _) => {
                let outcome = Outcome::from_code(code)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown outcome code {code:?}")))?;
                let date = match self.persistent_id.as_ref().and_then(|p| latest.get(p)) {
                    Some(m) => month(m)?,
                    None => crime_month,
                };
                Some((outcome, date))
            }
        };
        Ok(CrimeRecord {
            id: self.id,
            force_id: self.force_id,
            month: crime_month,
            persistent_id: self.persistent_id.filter(|p| !p.is_empty()),
            category,
            location: map_point(self.location_id, self.latitude, self.longitude, self.street_name),
            context: self.context,
            location_type: self.location_type,
            location_subtype: self.location_subtype,
            outcome_status,
        })
    }
}

impl StopRow {
    fn into_record(self) -> Result<StopRecord, StoreError> {
        Ok(StopRecord {
            id: self.id,
            force_id: self.force_id,
            month: month(&self.month)?,
            kind: self.kind,
            datetime: self.datetime,
            operation: self.operation,
            operation_name: self.operation_name,
            location: map_point(self.location_id, self.latitude, self.longitude, self.street_name),
            gender: self.gender,
            age_range: self.age_range,
            self_defined_ethnicity: self.self_defined_ethnicity,
            officer_defined_ethnicity: self.officer_defined_ethnicity,
            legislation: self.legislation,
            object_of_search: self.object_of_search,
            outcome: self.outcome,
            outcome_linked_to_object_of_search: self.outcome_linked_to_object_of_search,
            removal_of_more_than_outer_clothing: self.removal_of_more_than_outer_clothing,
        })
    }
}

impl Store {
    /// Every published map point, for building the spatial index.
    pub async fn all_locations(&self) -> Result<Vec<(i64, LatLng)>, StoreError> {
        let rows: Vec<(i64, f64, f64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, latitude, longitude FROM locations ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(id, lat, lng)| (id, LatLng { lat, lng })).collect())
    }

    /// One map point, or `None` if the id was never published.
    pub async fn location(&self, id: i64) -> Result<Option<MapPoint>, StoreError> {
        let row: Option<(f64, f64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT latitude, longitude, street_name FROM locations WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(lat, lng, street_name)| MapPoint { id, at: LatLng { lat, lng }, street_name }))
    }

    /// The newest month with street crimes: what an omitted `date` means.
    pub async fn latest_month(&self) -> Result<Option<Month>, StoreError> {
        let m: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT MAX(month) FROM imports WHERE kind = 'street'").fetch_one(pool).await?
        });
        m.as_deref().map(month).transpose()
    }

    /// The latest outcome month of each of `ids` that has outcome records.
    async fn latest_outcome_months(&self, ids: &[&str]) -> Result<HashMap<String, String>, StoreError> {
        let mut latest = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT persistent_id, MAX(month) FROM outcomes WHERE persistent_id IN ({}) GROUP BY persistent_id",
                params(1, chunk.len())
            );
            let rows: Vec<(String, String)> = on_db!(self, pool => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            latest.extend(rows);
        }
        Ok(latest)
    }

    /// Resolves `outcome_status` dates and converts the rows.
    async fn finish_crimes(&self, rows: Vec<CrimeRow>) -> Result<Vec<CrimeRecord>, StoreError> {
        let ids: Vec<&str> = rows
            .iter()
            .filter(|r| r.last_outcome.is_some())
            .filter_map(|r| r.persistent_id.as_deref())
            .filter(|p| !p.is_empty())
            .collect();
        let latest = self.latest_outcome_months(&ids).await?;
        rows.into_iter().map(|r| r.into_record(&latest)).collect()
    }

    /// Crimes of `month` at any of `location_ids`, in id order.
    pub async fn crimes_at(
        &self,
        month: Month,
        location_ids: &[i64],
        filter: CategoryFilter,
    ) -> Result<Vec<CrimeRecord>, StoreError> {
        let month_s = month.to_string();
        let category = category_value(filter);
        let mut rows: Vec<CrimeRow> = Vec::new();
        for chunk in location_ids.chunks(IN_CHUNK) {
            let sql = format!(
                "{CRIME_SELECT} WHERE c.month = $1 AND ($2 IS NULL OR c.category = $2) AND c.location_id IN ({})",
                params(3, chunk.len())
            );
            let part: Vec<CrimeRow> = on_db!(self, pool => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(&month_s).bind(category);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            rows.extend(part);
        }
        rows.sort_by_key(|r| r.id);
        self.finish_crimes(rows).await
    }

    /// How many crimes of `month` lie at `location_ids`, so an area over the
    /// API's limit is refused before any record is read.
    pub async fn count_crimes_at(
        &self,
        month: Month,
        location_ids: &[i64],
        filter: CategoryFilter,
    ) -> Result<usize, StoreError> {
        let month_s = month.to_string();
        let category = category_value(filter);
        let mut total = 0i64;
        for chunk in location_ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT COUNT(*) FROM crimes WHERE month = $1 AND ($2 IS NULL OR category = $2) AND location_id IN ({})",
                params(3, chunk.len())
            );
            let n: i64 = on_db!(self, pool => {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(&month_s).bind(category);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_one(pool).await?
            });
            total += n;
        }
        Ok(usize::try_from(total).unwrap_or(usize::MAX))
    }

    /// How many outcome records of `month` lie at `location_ids`.
    pub async fn count_outcomes_at(&self, month: Month, location_ids: &[i64]) -> Result<usize, StoreError> {
        let month_s = month.to_string();
        let mut total = 0i64;
        for chunk in location_ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT COUNT(*) FROM outcomes WHERE month = $1 AND location_id IN ({})",
                params(2, chunk.len())
            );
            let n: i64 = on_db!(self, pool => {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(&month_s);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_one(pool).await?
            });
            total += n;
        }
        Ok(usize::try_from(total).unwrap_or(usize::MAX))
    }

    /// Crimes a force recorded in `month` without a location.
    pub async fn crimes_no_location(
        &self,
        force_id: &str,
        month: Month,
        filter: CategoryFilter,
    ) -> Result<Vec<CrimeRecord>, StoreError> {
        let sql = format!(
            "{CRIME_SELECT} WHERE c.force_id = $1 AND c.month = $2 AND ($3 IS NULL OR c.category = $3) \
             AND c.location_id IS NULL ORDER BY c.id"
        );
        let rows: Vec<CrimeRow> = on_db!(self, pool => {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(force_id)
                .bind(month.to_string())
                .bind(category_value(filter))
                .fetch_all(pool)
                .await?
        });
        self.finish_crimes(rows).await
    }

    /// The crime with this persistent id. police.uk ids are unique; if a
    /// re-published file ever repeats one, the first stored row answers.
    pub async fn crime_by_persistent_id(&self, persistent_id: &str) -> Result<Option<CrimeRecord>, StoreError> {
        let sql = format!("{CRIME_SELECT} WHERE c.persistent_id = $1 ORDER BY c.id LIMIT 1");
        let rows: Vec<CrimeRow> = on_db!(self, pool => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(persistent_id).fetch_all(pool).await?
        });
        Ok(self.finish_crimes(rows).await?.into_iter().next())
    }

    /// Every outcome recorded for a crime, oldest first.
    pub async fn outcomes_for_crime(&self, persistent_id: &str) -> Result<Vec<(Month, Outcome)>, StoreError> {
        let rows: Vec<(String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT month, outcome FROM outcomes WHERE persistent_id = $1 ORDER BY month, id")
                .bind(persistent_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(m, code)| {
                let o = Outcome::from_code(&code)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown outcome {code:?}")))?;
                Ok((month(&m)?, o))
            })
            .collect()
    }

    /// Outcomes recorded in `month` at any of `location_ids`, each with its
    /// crime. An outcome whose crime is not held (it was reported before the
    /// first imported month) is left out: the API cannot describe its crime.
    pub async fn outcomes_at(&self, in_month: Month, location_ids: &[i64]) -> Result<Vec<OutcomeAt>, StoreError> {
        let month_s = in_month.to_string();
        let mut rows: Vec<(i64, String, String, String)> = Vec::new();
        for chunk in location_ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT id, month, persistent_id, outcome FROM outcomes WHERE month = $1 AND location_id IN ({})",
                params(2, chunk.len())
            );
            let part: Vec<(i64, String, String, String)> = on_db!(self, pool => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(&month_s);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            rows.extend(part);
        }
        rows.sort_by_key(|r| r.0);
        let mut pids: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        pids.sort_unstable();
        pids.dedup();
        let crimes = self.crimes_by_persistent_ids(&pids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (_, m, pid, code) in &rows {
            let Some(crime) = crimes.get(pid) else {
                continue;
            };
            let outcome =
                Outcome::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("unknown outcome {code:?}")))?;
            out.push(OutcomeAt { month: month(m)?, outcome, crime: crime.clone() });
        }
        Ok(out)
    }

    async fn crimes_by_persistent_ids(&self, pids: &[&str]) -> Result<HashMap<String, CrimeRecord>, StoreError> {
        let mut rows: Vec<CrimeRow> = Vec::new();
        for chunk in pids.chunks(IN_CHUNK) {
            let sql = format!("{CRIME_SELECT} WHERE c.persistent_id IN ({})", params(1, chunk.len()));
            let part: Vec<CrimeRow> = on_db!(self, pool => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            rows.extend(part);
        }
        // Highest id first, so the lowest id is inserted last: a repeated
        // persistent id keeps its first stored row.
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        let mut map = HashMap::new();
        for c in self.finish_crimes(rows).await? {
            if let Some(pid) = c.persistent_id.clone() {
                map.insert(pid, c);
            }
        }
        Ok(map)
    }

    /// Stops and searches of `month` at any of `location_ids`, in id order.
    pub async fn stops_at(&self, month: Month, location_ids: &[i64]) -> Result<Vec<StopRecord>, StoreError> {
        let month_s = month.to_string();
        let mut rows: Vec<StopRow> = Vec::new();
        for chunk in location_ids.chunks(IN_CHUNK) {
            let sql = format!("{STOP_SELECT} WHERE s.month = $1 AND s.location_id IN ({})", params(2, chunk.len()));
            let part: Vec<StopRow> = on_db!(self, pool => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(&month_s);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(pool).await?
            });
            rows.extend(part);
        }
        rows.sort_by_key(|r| r.id);
        rows.into_iter().map(StopRow::into_record).collect()
    }

    /// A force's stops and searches in `month`: all of them, or only those
    /// published without a location.
    pub async fn stops_for_force(
        &self,
        force_id: &str,
        month: Month,
        no_location_only: bool,
    ) -> Result<Vec<StopRecord>, StoreError> {
        let sql = format!(
            "{STOP_SELECT} WHERE s.force_id = $1 AND s.month = $2 AND ($3 = 0 OR s.location_id IS NULL) ORDER BY s.id"
        );
        let rows: Vec<StopRow> = on_db!(self, pool => {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(force_id)
                .bind(month.to_string())
                .bind(i32::from(no_location_only))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(StopRow::into_record).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_parameters() {
        assert_eq!(super::params(3, 3), "$3,$4,$5");
        assert_eq!(super::params(1, 0), "");
    }
}
