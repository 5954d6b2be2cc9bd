//! Writing one force-month of open data at national scale.
//!
//! A national year is about 6.5 million street rows. Bound one by one
//! through sqlx, each value crossed to SQLite's worker thread and each
//! 400-row `INSERT` was parsed anew (37–40k rows/s, docs/benchmarks.md). Here
//! SQLite gets one prepared statement stepped on the caller's thread with
//! borrowed values ([`crate::sqlite_raw`]), and PostgreSQL gets `COPY`. The
//! rows of both are the same [`Value`]s, made once per row by [`row_values`].
//!
//! The only secondary index these tables keep is `(force_id, month)`
//! (schema 19 dropped the others, which no query used), so the rows go in
//! at the end of each table and each index, in the order they came.

use peel_core::geo::LatLng;
use peel_core::records::{OutcomeRecord, StopSearch, StreetCrime};

use crate::StoreError;
use crate::open_data::{LocationCache, OpenDataBatch, PointMap};
use crate::pledge::{COPY_SEND_BYTES, MonthText, copy_row};
use crate::sqlite_raw::{Connection, Row, Statement, Value};

/// The columns written for each kind, in [`row_values`] order.
pub(crate) fn columns(batch: &OpenDataBatch<'_>) -> &'static str {
    match batch {
        OpenDataBatch::Street(_) => {
            "force_id, month, persistent_id, category, location_id, lsoa_code, lsoa_name, last_outcome, context, \
             reported_by, falls_within, location_type"
        }
        OpenDataBatch::Outcomes(_) => "force_id, month, persistent_id, outcome, location_id, lsoa_code, lsoa_name",
        OpenDataBatch::Stops(_) => {
            "force_id, month, kind, datetime, operation, operation_name, location_id, gender, age_range, \
             self_defined_ethnicity, officer_defined_ethnicity, legislation, object_of_search, outcome, \
             outcome_linked_to_object_of_search, removal_of_more_than_outer_clothing"
        }
    }
}

/// Map point ids for this force-month: those written in its transaction,
/// then those known from earlier files of the run.
pub(crate) struct LocationIds<'a> {
    pub(crate) new: PointMap<i64>,
    pub(crate) cache: &'a LocationCache,
}

impl LocationIds<'_> {
    fn get(&self, at: Option<LatLng>) -> Result<Option<i64>, StoreError> {
        let Some(at) = at else { return Ok(None) };
        let key = LocationCache::key(at);
        self.new
            .get(&key)
            .copied()
            .or_else(|| self.cache.id(key))
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("no location id for {},{}", at.lat, at.lng)))
    }
}

/// Calls `each` with every row's values, in [`columns`] order.
pub(crate) fn row_values<'a>(
    batch: &OpenDataBatch<'a>,
    force_id: &'a str,
    month: &'a MonthText,
    ids: &LocationIds<'_>,
    mut each: impl FnMut(&[Value<'a>]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let month = month.as_str();
    match batch {
        OpenDataBatch::Street(rows) => {
            for c in *rows {
                each(&street(c, force_id, month, ids.get(c.location.as_ref().map(|l| l.at))?))?;
            }
        }
        OpenDataBatch::Outcomes(rows) => {
            for o in *rows {
                each(&outcome(o, force_id, month, ids.get(o.location.as_ref().map(|l| l.at))?))?;
            }
        }
        OpenDataBatch::Stops(rows) => {
            for s in *rows {
                each(&stop(s, force_id, month, ids.get(s.at)?))?;
            }
        }
    }
    Ok(())
}

fn street<'a>(c: &'a StreetCrime, force_id: &'a str, month: &'a str, location: Option<i64>) -> [Value<'a>; 12] {
    [
        force_id.into(),
        month.into(),
        c.persistent_id.as_deref().into(),
        c.category.slug().into(),
        location.into(),
        c.lsoa_code.as_deref().into(),
        c.lsoa_name.as_deref().into(),
        c.last_outcome.map(|o| o.code()).into(),
        c.context.as_str().into(),
        c.reported_by.as_str().into(),
        c.falls_within.as_str().into(),
        c.location_type().into(),
    ]
}

fn outcome<'a>(o: &'a OutcomeRecord, force_id: &'a str, month: &'a str, location: Option<i64>) -> [Value<'a>; 7] {
    [
        force_id.into(),
        month.into(),
        o.persistent_id.as_str().into(),
        o.outcome.code().into(),
        location.into(),
        o.lsoa_code.as_deref().into(),
        o.lsoa_name.as_deref().into(),
    ]
}

fn stop<'a>(s: &'a StopSearch, force_id: &'a str, month: &'a str, location: Option<i64>) -> [Value<'a>; 16] {
    [
        force_id.into(),
        month.into(),
        s.kind.label().into(),
        s.datetime.as_str().into(),
        s.operation.into(),
        s.operation_name.as_deref().into(),
        location.into(),
        s.gender.as_deref().into(),
        s.age_range.as_deref().into(),
        s.self_defined_ethnicity.as_deref().into(),
        s.officer_defined_ethnicity.as_deref().into(),
        s.legislation.as_deref().into(),
        s.object_of_search.as_deref().into(),
        s.outcome.as_deref().into(),
        s.outcome_linked_to_object_of_search.into(),
        s.removal_of_more_than_outer_clothing.into(),
    ]
}

/// A map point's cache key, with its id and whether it has a street name.
type StoredPoint = ((u64, u64), (i64, bool));

/// Rows per SQLite `INSERT`: a statement opens its cursors and finds the
/// end of the table and of its index once, so writing [`ROWS_PER_INSERT`]
/// rows a step instead of one took the rows' share of a national import
/// from a third to (measured in docs/benchmarks.md) much less. 64 rows of
/// the widest kind (16 columns) bind 1,024 values, far below SQLite's limit.
const ROWS_PER_INSERT: usize = 64;

/// Runs one SQLite statement over rows of `width` values,
/// [`ROWS_PER_INSERT`] rows a step: `sql(n)` is the statement for `n` rows;
/// the full-size one is prepared once, a last shorter one when finished.
/// `each` sees every row the statement returns (`RETURNING`).
struct MultiRow<'c, 'v, S, F> {
    db: &'c Connection<'c>,
    sql: S,
    width: usize,
    full: Option<Statement<'c>>,
    values: Vec<Value<'v>>,
    each: F,
}

impl<'c, 'v, S, F> MultiRow<'c, 'v, S, F>
where
    S: Fn(usize) -> String,
    F: FnMut(&Row<'_>) -> Result<(), StoreError>,
{
    fn new(db: &'c Connection<'c>, width: usize, sql: S, each: F) -> Self {
        MultiRow { db, sql, width, full: None, values: Vec::with_capacity(width * ROWS_PER_INSERT), each }
    }

    fn push(&mut self, row: &[Value<'v>]) -> Result<(), StoreError> {
        self.values.extend_from_slice(row);
        if self.values.len() == self.width * ROWS_PER_INSERT {
            let full = match &mut self.full {
                Some(s) => s,
                None => self.full.insert(self.db.prepare(&(self.sql)(ROWS_PER_INSERT))?),
            };
            full.query(&self.values, &mut self.each)?;
            self.values.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), StoreError> {
        if !self.values.is_empty() {
            let mut last = self.db.prepare(&(self.sql)(self.values.len() / self.width))?;
            last.query(&self.values, &mut self.each)?;
        }
        Ok(())
    }
}

/// Upserts `todo` map points on SQLite (keeping a street name already
/// stored unless it was blank) and returns each one's id and whether it
/// has a name.
pub(crate) fn sqlite_locations(db: &Connection<'_>, todo: &[(LatLng, &str)]) -> Result<Vec<StoredPoint>, StoreError> {
    let upsert_sql = |rows: usize| {
        format!(
            "INSERT INTO locations (latitude, longitude, street_name) VALUES {} \
             ON CONFLICT (latitude, longitude) DO UPDATE SET street_name = \
             CASE WHEN locations.street_name = '' THEN excluded.street_name ELSE locations.street_name END \
             RETURNING id, latitude, longitude, street_name",
            crate::open_data::placeholders(crate::Engine::Sqlite, 3, rows)
        )
    };
    let mut out = Vec::with_capacity(todo.len());
    // RETURNING gives the rows in no stated order: each is matched by the
    // latitude and longitude it returns, as on PostgreSQL.
    let mut upsert = MultiRow::new(db, 3, upsert_sql, |row| {
        let id = row.int(0).ok_or_else(|| StoreError::Corrupt("a map point without an id".into()))?;
        let at = LatLng {
            lat: row.real(1).ok_or_else(|| StoreError::Corrupt("a map point without a latitude".into()))?,
            lng: row.real(2).ok_or_else(|| StoreError::Corrupt("a map point without a longitude".into()))?,
        };
        let named = row.text(3)?.is_some_and(|n| !n.is_empty());
        out.push((LocationCache::key(at), (id, named)));
        Ok(())
    });
    for (at, name) in todo {
        upsert.push(&[at.lat.into(), at.lng.into(), (*name).into()])?;
    }
    upsert.finish()?;
    Ok(out)
}

/// Inserts the rows on SQLite, [`ROWS_PER_INSERT`] a statement.
pub(crate) fn sqlite_rows<'a>(
    db: &Connection<'_>,
    table: &str,
    batch: &OpenDataBatch<'a>,
    force_id: &'a str,
    month: &'a MonthText,
    ids: &LocationIds<'_>,
) -> Result<(), StoreError> {
    let cols = columns(batch);
    let width = cols.split(',').count();
    let insert_sql = |rows: usize| {
        format!(
            "INSERT INTO {table} ({cols}) VALUES {}",
            crate::open_data::placeholders(crate::Engine::Sqlite, width, rows)
        )
    };
    let mut insert = MultiRow::new(db, width, insert_sql, |_| Ok(()));
    row_values(batch, force_id, month, ids, |row| insert.push(row))?;
    insert.finish()
}

/// Upserts `todo` map points on PostgreSQL in one statement over arrays.
pub(crate) async fn postgres_locations(
    conn: &mut sqlx::PgConnection,
    todo: &[(LatLng, &str)],
) -> Result<Vec<((u64, u64), (i64, bool))>, StoreError> {
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let lats: Vec<f64> = todo.iter().map(|(at, _)| at.lat).collect();
    let lngs: Vec<f64> = todo.iter().map(|(at, _)| at.lng).collect();
    let names: Vec<&str> = todo.iter().map(|(_, n)| *n).collect();
    let rows: Vec<(i64, f64, f64, String)> = sqlx::query_as(
        "INSERT INTO locations (latitude, longitude, street_name) \
         SELECT * FROM UNNEST($1::float8[], $2::float8[], $3::text[]) \
         ON CONFLICT (latitude, longitude) DO UPDATE SET street_name = \
         CASE WHEN locations.street_name = '' THEN excluded.street_name ELSE locations.street_name END \
         RETURNING id, latitude, longitude, street_name",
    )
    .bind(lats)
    .bind(lngs)
    .bind(names)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, lat, lng, name)| (LocationCache::key(LatLng { lat, lng }), (id, !name.is_empty())))
        .collect())
}

/// `COPY`s the rows into PostgreSQL, a few MB at a time.
pub(crate) async fn postgres_rows(
    conn: &mut sqlx::PgConnection,
    table: &str,
    batch: &OpenDataBatch<'_>,
    force_id: &str,
    month: &MonthText,
    ids: &LocationIds<'_>,
) -> Result<(), StoreError> {
    // The text is made first (a force-month is at most tens of MB), so
    // that a row that cannot be written fails before COPY starts.
    let mut chunks = Vec::new();
    let mut data = Vec::with_capacity(COPY_SEND_BYTES.min(batch.len() * 256) + 4096);
    row_values(batch, force_id, month, ids, |values| {
        copy_row(&mut data, values);
        if data.len() >= COPY_SEND_BYTES {
            chunks.push(std::mem::replace(&mut data, Vec::with_capacity(COPY_SEND_BYTES + 4096)));
        }
        Ok(())
    })?;
    chunks.push(data);
    let cols = columns(batch);
    let mut copy = conn.copy_in_raw(&format!("COPY {table} ({cols}) FROM STDIN")).await?;
    for chunk in chunks {
        copy.send(chunk).await?;
    }
    copy.finish().await?;
    Ok(())
}
