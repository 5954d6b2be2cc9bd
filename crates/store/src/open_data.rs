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

use crate::bulk_load::{self, LocationIds};
use crate::handles::OpenData;
use crate::pledge::MonthText;
use crate::sqlite_raw::{self, Connection, Value};
use crate::{Db, Engine, Store, StoreError, on_db};

/// One parsed force-month file, ready to store.
#[derive(Debug, Clone, Copy)]
pub enum OpenDataBatch<'a> {
    Street(&'a [StreetCrime]),
    Outcomes(&'a [OutcomeRecord]),
    Stops(&'a [StopSearch]),
}

impl<'a> OpenDataBatch<'a> {
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

    fn points(&self) -> Vec<(LatLng, &'a str)> {
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
    ids: PointMap<(i64, bool)>,
}

/// A map keyed by a map point's [`LocationCache::key`].
pub(crate) type PointMap<V> = HashMap<(u64, u64), V, PointHash>;

/// Hashes map point keys by a folded multiply with a seed drawn once per
/// process: a national import looks up millions of keys, and the standard
/// SipHash was a tenth of the writing thread's time. The random seed keeps
/// crafted coordinates from being chosen to collide.
#[derive(Clone, Debug)]
pub(crate) struct PointHash {
    seed: u64,
}

impl Default for PointHash {
    fn default() -> PointHash {
        use std::hash::BuildHasher as _;
        PointHash { seed: std::collections::hash_map::RandomState::new().hash_one(0x5EED_u64) | 1 }
    }
}

impl std::hash::BuildHasher for PointHash {
    type Hasher = PointHasher;

    fn build_hasher(&self) -> PointHasher {
        PointHasher(self.seed)
    }
}

pub(crate) struct PointHasher(u64);

/// The high and low halves of the full product, folded together.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

impl std::hash::Hasher for PointHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = folded_multiply(self.0 ^ v, 0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl LocationCache {
    /// The exact bits of the position, with -0.0 taken as 0.0 (adding
    /// 0.0 does that), as the databases may give either back.
    pub(crate) fn key(at: LatLng) -> (u64, u64) {
        ((at.lat + 0.0).to_bits(), (at.lng + 0.0).to_bits())
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn id(&self, key: (u64, u64)) -> Option<i64> {
        self.ids.get(&key).map(|&(id, _)| id)
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

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

impl OpenData<'_> {
    /// Replaces one force-month of one kind with `batch`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub async fn replace_force_month(
        self,
        force_id: &str,
        force_name: Option<&str>,
        month: Month,
        sha256: &str,
        source: &str,
        batch: OpenDataBatch<'_>,
        cache: &mut LocationCache,
    ) -> Result<ReplaceResult, StoreError> {
        let known = force::by_id(force_id).ok_or_else(|| StoreError::NotFound(format!("force {force_id}")))?;
        let write = ForceMonth {
            force_id,
            force_name: force_name.unwrap_or(known.name),
            month,
            sha256,
            source,
            batch,
            imported_at: chrono::Utc::now().to_rfc3339(),
        };
        let todo = new_points(&batch, cache);
        let outcome = match &self.0.db {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                // This connection's commits leave checkpoints to
                // `checkpoint_behind`, which runs them beside the import.
                sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&mut *conn).await?;
                let written = async {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    let outcome = {
                        let mut handle = tx.lock_handle().await?;
                        sqlite_raw::blocking(|| write.sqlite(&Connection::of(&mut handle), &todo, cache))?
                    };
                    if outcome.is_some() {
                        tx.commit().await?;
                    }
                    Ok::<_, StoreError>(outcome)
                }
                .await;
                let restored = sqlx::query(AssertSqlSafe(format!(
                    "PRAGMA wal_autocheckpoint = {}",
                    crate::SQLITE_WAL_AUTOCHECKPOINT_PAGES
                )))
                .execute(&mut *conn)
                .await;
                let outcome = written?;
                restored?;
                if outcome.is_some() {
                    self.0.checkpoint_behind(pool);
                }
                outcome
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let outcome = write.postgres(&mut tx, &todo, cache).await?;
                if outcome.is_some() {
                    tx.commit().await?;
                }
                outcome
            }
        };
        let Some((result, new_ids)) = outcome else { return Ok(ReplaceResult::Unchanged) };
        // Only now that the transaction committed may the ids be trusted.
        cache.ids.extend(new_ids);
        Ok(result)
    }

    /// Copies what imports left in the SQLite WAL into the database (a
    /// passive checkpoint: it waits for no reader or writer), so that a
    /// finished import does not leave hundreds of MB in the WAL file. A
    /// no-op on PostgreSQL.
    pub async fn settle_imports(self) -> Result<(), StoreError> {
        if let Db::Sqlite(pool) = &self.0.db {
            checkpoint(pool).await?;
        }
        Ok(())
    }

    /// Rows of one kind for one force-month (or all months when `month` is `None`).
    pub async fn count_rows(
        self,
        kind: CsvKind,
        force_id: Option<&str>,
        month: Option<Month>,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE ($1 IS NULL OR force_id = $1) AND ($2 IS NULL OR month = $2)",
            table(kind)
        );
        let month = month.map(|m| m.to_string());
        let n: i64 = on_db!(self.0, pool => {
            sqlx::query_scalar(AssertSqlSafe(sql.clone())).bind(force_id).bind(month.as_deref()).fetch_one(pool).await?
        });
        Ok(n)
    }

    pub async fn table_counts(self) -> Result<TableCounts, StoreError> {
        let n = |t: &'static str| async move {
            let sql = format!("SELECT COUNT(*) FROM {t}");
            let v: i64 = on_db!(self.0, pool => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(pool).await?);
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
    pub async fn months_available(self) -> Result<Vec<(Month, Vec<String>)>, StoreError> {
        let months: Vec<String> = on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT DISTINCT month FROM imports WHERE kind = 'street' ORDER BY month DESC")
                .fetch_all(pool)
                .await?
        });
        let stops: Vec<(String, String)> = on_db!(self.0, pool => {
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
    pub async fn all_location_names(self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT id, street_name FROM locations ORDER BY id").fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// Every recorded checksum, by the police.uk file name of its
    /// force-month (`2024-03-city-of-london-street.csv`): what lets an
    /// import skip reading files it already holds.
    pub async fn import_checksums(self) -> Result<HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String, String, String)> = on_db!(self.0, pool => {
            sqlx::query_as("SELECT month, force_id, kind, sha256 FROM imports").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(month, force, kind, sha)| (format!("{month}-{force}-{kind}.csv"), sha)).collect())
    }

    /// The checksum recorded for a force-month, if it was imported.
    pub async fn import_checksum(
        self,
        kind: CsvKind,
        force_id: &str,
        month: Month,
    ) -> Result<Option<String>, StoreError> {
        let v: Option<String> = on_db!(self.0, pool => {
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

impl Store {
    /// Starts a passive checkpoint of the SQLite WAL on another
    /// connection, unless one is running. A checkpoint copies the WAL
    /// into the database and waits for the disk twice; run by the
    /// importing connection at each commit, as SQLite does by default, it
    /// held a national import up for a fifth of its time. A passive
    /// checkpoint runs beside the writer (WAL mode allows both) and never
    /// waits for it; the next checkpoint catches up with what it missed.
    fn checkpoint_behind(&self, pool: &sqlx::SqlitePool) {
        use std::sync::atomic::Ordering;
        if self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (pool, running) = (pool.clone(), self.checkpointing.clone());
        tokio::spawn(async move {
            // Again while it makes progress, so that what was committed
            // while it ran is not left in the WAL until the next import.
            let mut done = -1;
            loop {
                match checkpoint(&pool).await {
                    Ok((_, log, checkpointed)) if checkpointed < log && checkpointed > done => done = checkpointed,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "a background checkpoint of the SQLite WAL failed; the next import tries again");
                        break;
                    }
                }
            }
            running.store(false, Ordering::Release);
        });
    }
}

/// A passive checkpoint of the SQLite WAL: SQLite's (busy, frames in the
/// WAL, frames checkpointed).
async fn checkpoint(pool: &sqlx::SqlitePool) -> Result<(i64, i64, i64), StoreError> {
    Ok(sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(pool).await?)
}

/// The map points of `batch` this run has not yet written with a name,
/// once each, with a street name where any row gives one (stops carry none).
fn new_points<'b>(batch: &OpenDataBatch<'b>, cache: &LocationCache) -> Vec<(LatLng, &'b str)> {
    let mut todo: Vec<(LatLng, &str)> = Vec::new();
    let mut seen: PointMap<usize> = PointMap::default();
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
    todo
}

/// Map point ids written by one force-month's transaction.
type NewIds = Vec<((u64, u64), (i64, bool))>;

/// One force-month's replacement, the same steps on either engine: skip
/// it if the same file was imported before, upsert the force and the new
/// map points, delete the force-month's old rows, write the new ones and
/// record the import. `None` means unchanged (nothing to commit).
struct ForceMonth<'a> {
    force_id: &'a str,
    force_name: &'a str,
    month: Month,
    sha256: &'a str,
    source: &'a str,
    batch: OpenDataBatch<'a>,
    imported_at: String,
}

const PREVIOUS_SHA: &str = "SELECT sha256 FROM imports WHERE kind = $1 AND force_id = $2 AND month = $3";
const UPSERT_FORCE: &str =
    "INSERT INTO forces (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name";
const RECORD_IMPORT: &str = "INSERT INTO imports (kind, force_id, month, sha256, row_count, source, imported_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, force_id, month) DO UPDATE SET \
     sha256 = excluded.sha256, row_count = excluded.row_count, source = excluded.source, \
     imported_at = excluded.imported_at";

impl ForceMonth<'_> {
    fn kind_label(&self) -> &'static str {
        self.batch.kind().file_suffix()
    }

    fn table(&self) -> &'static str {
        table(self.batch.kind())
    }

    fn replaced(&self, previous: i64) -> ReplaceResult {
        ReplaceResult::Replaced { rows: self.batch.len(), previous: usize::try_from(previous).unwrap_or(0) }
    }

    fn sqlite(
        &self,
        db: &Connection<'_>,
        todo: &[(LatLng, &str)],
        cache: &LocationCache,
    ) -> Result<Option<(ReplaceResult, NewIds)>, StoreError> {
        let month = MonthText::of(self.month);
        let key: [Value<'_>; 3] = [self.kind_label().into(), self.force_id.into(), month.as_str().into()];
        let mut previous_sha = None;
        db.prepare(PREVIOUS_SHA)?.query::<StoreError>(&key, |row| {
            previous_sha = row.text(0)?.map(str::to_string);
            Ok(())
        })?;
        if previous_sha.as_deref() == Some(self.sha256) {
            return Ok(None);
        }
        db.prepare(UPSERT_FORCE)?.execute(&[self.force_id.into(), self.force_name.into()])?;
        let new_ids = bulk_load::sqlite_locations(db, todo)?;
        let ids = LocationIds { new: new_ids.iter().map(|&(k, (id, _))| (k, id)).collect(), cache };
        let table = self.table();
        let where_force_month: [Value<'_>; 2] = [self.force_id.into(), month.as_str().into()];
        let mut previous = 0;
        db.prepare(&format!("SELECT COUNT(*) FROM {table} WHERE force_id = ? AND month = ?"))?.query::<StoreError>(
            &where_force_month,
            |row| {
                previous = row.int(0).unwrap_or(0);
                Ok(())
            },
        )?;
        db.prepare(&format!("DELETE FROM {table} WHERE force_id = ? AND month = ?"))?.execute(&where_force_month)?;
        bulk_load::sqlite_rows(db, table, &self.batch, self.force_id, &month, &ids)?;
        let rows = i64::try_from(self.batch.len()).unwrap_or(i64::MAX);
        db.prepare(RECORD_IMPORT)?.execute(&[
            self.kind_label().into(),
            self.force_id.into(),
            month.as_str().into(),
            self.sha256.into(),
            rows.into(),
            self.source.into(),
            self.imported_at.as_str().into(),
        ])?;
        Ok(Some((self.replaced(previous), new_ids)))
    }

    async fn postgres(
        &self,
        conn: &mut sqlx::PgConnection,
        todo: &[(LatLng, &str)],
        cache: &LocationCache,
    ) -> Result<Option<(ReplaceResult, NewIds)>, StoreError> {
        let month = MonthText::of(self.month);
        let previous_sha: Option<String> = sqlx::query_scalar(PREVIOUS_SHA)
            .bind(self.kind_label())
            .bind(self.force_id)
            .bind(month.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if previous_sha.as_deref() == Some(self.sha256) {
            return Ok(None);
        }
        sqlx::query(UPSERT_FORCE).bind(self.force_id).bind(self.force_name).execute(&mut *conn).await?;
        let new_ids = bulk_load::postgres_locations(conn, todo).await?;
        let ids = LocationIds { new: new_ids.iter().map(|&(k, (id, _))| (k, id)).collect(), cache };
        let table = self.table();
        let previous: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE force_id = $1 AND month = $2"
        )))
        .bind(self.force_id)
        .bind(month.as_str())
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE force_id = $1 AND month = $2")))
            .bind(self.force_id)
            .bind(month.as_str())
            .execute(&mut *conn)
            .await?;
        bulk_load::postgres_rows(conn, table, &self.batch, self.force_id, &month, &ids).await?;
        sqlx::query(RECORD_IMPORT)
            .bind(self.kind_label())
            .bind(self.force_id)
            .bind(month.as_str())
            .bind(self.sha256)
            .bind(self.batch.len() as i64)
            .bind(self.source)
            .bind(&self.imported_at)
            .execute(&mut *conn)
            .await?;
        Ok(Some((self.replaced(previous), new_ids)))
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
