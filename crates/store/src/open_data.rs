//! Writing and counting police.uk open data: street crimes, outcomes, stops.
//!
//! A bulk file is one force-month of one kind. Importing it replaces that
//! force-month atomically (delete and insert in one transaction), and a file
//! whose checksum matches the last import of that force-month changes nothing.

use std::collections::HashMap;

use peel_core::Month;
use peel_core::force;
use peel_core::geo::LatLng;
use peel_core::records::{CsvKind, OutcomeRecord, PublishedLocation, StopSearch, StreetCrime};
use sqlx::AssertSqlSafe;

use crate::{Engine, Store, StoreError, on_db};

/// One parsed force-month file, ready to store.
#[derive(Debug, Clone, Copy)]
pub enum OpenDataBatch<'a> {
    Street(&'a [StreetCrime]),
    Outcomes(&'a [OutcomeRecord]),
    Stops(&'a [StopSearch]),
}

impl OpenDataBatch<'_> {
    pub fn kind(&self) -> CsvKind {
        match self {
            OpenDataBatch::Street(_) => CsvKind::Street,
            OpenDataBatch::Outcomes(_) => CsvKind::Outcomes,
            OpenDataBatch::Stops(_) => CsvKind::StopAndSearch,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            OpenDataBatch::Street(r) => r.len(),
            OpenDataBatch::Outcomes(r) => r.len(),
            OpenDataBatch::Stops(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn points(&self) -> Vec<(LatLng, &str)> {
        fn loc(l: &Option<PublishedLocation>) -> Option<(LatLng, &str)> {
            l.as_ref().map(|l| (l.at, l.street_name.as_str()))
        }
        match self {
            OpenDataBatch::Street(r) => r.iter().filter_map(|c| loc(&c.location)).collect(),
            OpenDataBatch::Outcomes(r) => r.iter().filter_map(|o| loc(&o.location)).collect(),
            OpenDataBatch::Stops(r) => r.iter().filter_map(|s| s.at.map(|at| (at, ""))).collect(),
        }
    }
}

fn table(kind: CsvKind) -> &'static str {
    match kind {
        CsvKind::Street => "crimes",
        CsvKind::Outcomes => "outcomes",
        CsvKind::StopAndSearch => "stops",
    }
}

/// What importing one force-month did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplaceResult {
    /// The same file was imported before; nothing was written.
    Unchanged,
    /// The force-month now holds `rows` rows (it held `previous` before).
    Replaced { rows: usize, previous: usize },
}

/// Location ids already known in this import run, so each map point is
/// written once per run rather than once per file.
#[derive(Debug, Default)]
pub struct LocationCache {
    ids: HashMap<(u64, u64), (i64, bool)>,
}

impl LocationCache {
    fn key(at: LatLng) -> (u64, u64) {
        (at.lat.to_bits(), at.lng.to_bits())
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Rows per multi-row INSERT: large enough to amortise statement overhead,
/// small enough to stay far below both engines' bind-parameter limits.
const CHUNK: usize = 400;

/// `($1,$2,$3),($4,$5,$6)…` for `rows` rows of `cols` columns; `(?,?,?),…`
/// on SQLite, where sqlx looks up each `$N` by name, a cost that grows with
/// the square of the parameter count and dominated bulk inserts.
pub(crate) fn placeholders(engine: Engine, cols: usize, rows: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            match engine {
                Engine::Sqlite => s.push('?'),
                Engine::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
            }
        }
        s.push(')');
    }
    s
}

/// Row counts per table, for summaries and the recount tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub crimes: i64,
    pub outcomes: i64,
    pub stops: i64,
    pub locations: i64,
    pub neighbourhoods: i64,
    pub postcodes: i64,
}

impl Store {
    /// Replaces one force-month of one kind with `batch`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub async fn replace_force_month(
        &self,
        force_id: &str,
        force_name: Option<&str>,
        month: Month,
        sha256: &str,
        source: &str,
        batch: OpenDataBatch<'_>,
        cache: &mut LocationCache,
    ) -> Result<ReplaceResult, StoreError> {
        let engine = self.engine();
        let kind = table(batch.kind());
        let kind_label = batch.kind().file_suffix();
        let month_s = month.to_string();
        let known = force::by_id(force_id).ok_or_else(|| StoreError::NotFound(format!("force {force_id}")))?;
        let mut new_ids: Vec<((u64, u64), (i64, bool))> = Vec::new();
        let result = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let previous_sha: Option<String> =
                sqlx::query_scalar("SELECT sha256 FROM imports WHERE kind = $1 AND force_id = $2 AND month = $3")
                    .bind(kind_label)
                    .bind(force_id)
                    .bind(&month_s)
                    .fetch_optional(&mut *tx)
                    .await?;
            if previous_sha.as_deref() == Some(sha256) {
                return Ok(ReplaceResult::Unchanged);
            }
            sqlx::query("INSERT INTO forces (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
                .bind(force_id)
                .bind(force_name.unwrap_or(known.name))
                .execute(&mut *tx)
                .await?;

            // Map points: upsert the ones this run has not seen, keeping an
            // existing street name unless it was blank (stops carry none).
            let mut todo: Vec<(LatLng, &str)> = Vec::new();
            let mut seen: HashMap<(u64, u64), usize> = HashMap::new();
            for (at, name) in batch.points() {
                let key = LocationCache::key(at);
                let cached_named = cache.ids.get(&key).map(|&(_, named)| named);
                if cached_named == Some(true) || (cached_named == Some(false) && name.is_empty()) {
                    continue;
                }
                match seen.get(&key) {
                    Some(&i) if todo[i].1.is_empty() && !name.is_empty() => todo[i].1 = name,
                    Some(_) => {}
                    None => {
                        seen.insert(key, todo.len());
                        todo.push((at, name));
                    }
                }
            }
            for chunk in todo.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO locations (latitude, longitude, street_name) VALUES {} \
                     ON CONFLICT (latitude, longitude) DO UPDATE SET street_name = \
                     CASE WHEN locations.street_name = '' THEN excluded.street_name ELSE locations.street_name END \
                     RETURNING id, latitude, longitude, street_name",
                    placeholders(engine, 3, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64, f64, f64, String)>(AssertSqlSafe(sql));
                for (at, name) in chunk {
                    q = q.bind(at.lat).bind(at.lng).bind(*name);
                }
                for (id, lat, lng, name) in q.fetch_all(&mut *tx).await? {
                    new_ids.push((LocationCache::key(LatLng { lat, lng }), (id, !name.is_empty())));
                }
            }
            let lookup: HashMap<(u64, u64), i64> = new_ids.iter().map(|&(k, (id, _))| (k, id)).collect();
            let location_id = |at: Option<LatLng>| -> Result<Option<i64>, StoreError> {
                let Some(at) = at else { return Ok(None) };
                let key = LocationCache::key(at);
                lookup
                    .get(&key)
                    .or_else(|| cache.ids.get(&key).map(|(id, _)| id))
                    .copied()
                    .map(Some)
                    .ok_or_else(|| StoreError::Corrupt(format!("no location id for {},{}", at.lat, at.lng)))
            };

            let previous: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {kind} WHERE force_id = $1 AND month = $2"
            )))
            .bind(force_id)
            .bind(&month_s)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {kind} WHERE force_id = $1 AND month = $2")))
                .bind(force_id)
                .bind(&month_s)
                .execute(&mut *tx)
                .await?;

            match batch {
                OpenDataBatch::Street(rows) => {
                    for chunk in rows.chunks(CHUNK) {
                        let sql = format!(
                            "INSERT INTO crimes (force_id, month, persistent_id, category, location_id, lsoa_code, \
                             lsoa_name, last_outcome, context, reported_by, falls_within, location_type) VALUES {}",
                            placeholders(engine, 12, chunk.len())
                        );
                        let mut q = sqlx::query(AssertSqlSafe(sql));
                        for c in chunk {
                            q = q
                                .bind(force_id)
                                .bind(&month_s)
                                .bind(c.persistent_id.as_deref())
                                .bind(c.category.slug())
                                .bind(location_id(c.location.as_ref().map(|l| l.at))?)
                                .bind(c.lsoa_code.as_deref())
                                .bind(c.lsoa_name.as_deref())
                                .bind(c.last_outcome.map(|o| o.code()))
                                .bind(c.context.as_str())
                                .bind(c.reported_by.as_str())
                                .bind(c.falls_within.as_str())
                                .bind(c.location_type());
                        }
                        q.execute(&mut *tx).await?;
                    }
                }
                OpenDataBatch::Outcomes(rows) => {
                    for chunk in rows.chunks(CHUNK) {
                        let sql = format!(
                            "INSERT INTO outcomes (force_id, month, persistent_id, outcome, location_id, lsoa_code, \
                             lsoa_name) VALUES {}",
                            placeholders(engine, 7, chunk.len())
                        );
                        let mut q = sqlx::query(AssertSqlSafe(sql));
                        for o in chunk {
                            q = q
                                .bind(force_id)
                                .bind(&month_s)
                                .bind(o.persistent_id.as_str())
                                .bind(o.outcome.code())
                                .bind(location_id(o.location.as_ref().map(|l| l.at))?)
                                .bind(o.lsoa_code.as_deref())
                                .bind(o.lsoa_name.as_deref());
                        }
                        q.execute(&mut *tx).await?;
                    }
                }
                OpenDataBatch::Stops(rows) => {
                    for chunk in rows.chunks(CHUNK) {
                        let sql = format!(
                            "INSERT INTO stops (force_id, month, kind, datetime, operation, operation_name, \
                             location_id, gender, age_range, self_defined_ethnicity, officer_defined_ethnicity, \
                             legislation, object_of_search, outcome, outcome_linked_to_object_of_search, \
                             removal_of_more_than_outer_clothing) VALUES {}",
                            placeholders(engine, 16, chunk.len())
                        );
                        let mut q = sqlx::query(AssertSqlSafe(sql));
                        for s in chunk {
                            q = q
                                .bind(force_id)
                                .bind(&month_s)
                                .bind(s.kind.label())
                                .bind(s.datetime.as_str())
                                .bind(s.operation)
                                .bind(s.operation_name.as_deref())
                                .bind(location_id(s.at)?)
                                .bind(s.gender.as_deref())
                                .bind(s.age_range.as_deref())
                                .bind(s.self_defined_ethnicity.as_deref())
                                .bind(s.officer_defined_ethnicity.as_deref())
                                .bind(s.legislation.as_deref())
                                .bind(s.object_of_search.as_deref())
                                .bind(s.outcome.as_deref())
                                .bind(s.outcome_linked_to_object_of_search)
                                .bind(s.removal_of_more_than_outer_clothing);
                        }
                        q.execute(&mut *tx).await?;
                    }
                }
            }

            sqlx::query(
                "INSERT INTO imports (kind, force_id, month, sha256, row_count, source, imported_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, force_id, month) DO UPDATE SET \
                 sha256 = excluded.sha256, row_count = excluded.row_count, source = excluded.source, \
                 imported_at = excluded.imported_at",
            )
            .bind(kind_label)
            .bind(force_id)
            .bind(&month_s)
            .bind(sha256)
            .bind(batch.len() as i64)
            .bind(source)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            ReplaceResult::Replaced { rows: batch.len(), previous: usize::try_from(previous).unwrap_or(0) }
        });
        // Only now that the transaction committed may the ids be trusted.
        cache.ids.extend(new_ids);
        Ok(result)
    }

    /// Rows of one kind for one force-month (or all months when `month` is `None`).
    pub async fn count_rows(
        &self,
        kind: CsvKind,
        force_id: Option<&str>,
        month: Option<Month>,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE ($1 IS NULL OR force_id = $1) AND ($2 IS NULL OR month = $2)",
            table(kind)
        );
        let month = month.map(|m| m.to_string());
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar(AssertSqlSafe(sql.clone())).bind(force_id).bind(month.as_deref()).fetch_one(pool).await?
        });
        Ok(n)
    }

    pub async fn table_counts(&self) -> Result<TableCounts, StoreError> {
        let n = |t: &'static str| async move {
            let sql = format!("SELECT COUNT(*) FROM {t}");
            let v: i64 = on_db!(self, pool => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(pool).await?);
            Ok::<i64, StoreError>(v)
        };
        Ok(TableCounts {
            crimes: n("crimes").await?,
            outcomes: n("outcomes").await?,
            stops: n("stops").await?,
            locations: n("locations").await?,
            neighbourhoods: n("neighbourhoods").await?,
            postcodes: n("postcodes").await?,
        })
    }

    /// Months that hold street crimes, newest first, with the forces that
    /// published stop and search that month (police.uk's `crimes-street-dates`).
    pub async fn months_available(&self) -> Result<Vec<(Month, Vec<String>)>, StoreError> {
        let months: Vec<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT month FROM imports WHERE kind = 'street' ORDER BY month DESC")
                .fetch_all(pool)
                .await?
        });
        let stops: Vec<(String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT DISTINCT month, force_id FROM imports WHERE kind = 'stop-and-search' ORDER BY force_id")
                .fetch_all(pool)
                .await?
        });
        months
            .into_iter()
            .map(|m| {
                let month: Month = m.parse().map_err(|_| StoreError::Corrupt(format!("bad month {m:?} in imports")))?;
                let forces = stops.iter().filter(|(sm, _)| *sm == m).map(|(_, f)| f.clone()).collect();
                Ok((month, forces))
            })
            .collect()
    }

    /// Every map point as (location id, street name), by id.
    pub async fn all_location_names(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, street_name FROM locations ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The checksum recorded for a force-month, if it was imported.
    pub async fn import_checksum(
        &self,
        kind: CsvKind,
        force_id: &str,
        month: Month,
    ) -> Result<Option<String>, StoreError> {
        let v: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT sha256 FROM imports WHERE kind = $1 AND force_id = $2 AND month = $3")
                .bind(kind.file_suffix())
                .bind(force_id)
                .bind(month.to_string())
                .fetch_optional(pool)
                .await?
        });
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholder_numbering() {
        assert_eq!(super::placeholders(super::Engine::Postgres, 2, 2), "($1,$2),($3,$4)");
        assert_eq!(super::placeholders(super::Engine::Sqlite, 2, 2), "(?,?),(?,?)");
    }
}
