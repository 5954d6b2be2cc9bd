//! One consistent read of everything the open-data engine serves, and the
//! data version that says when it must be read again.
//!
//! The read runs in one transaction (a snapshot: SQLite's WAL read, a
//! PostgreSQL `REPEATABLE READ` transaction), so it sees each import whole
//! or not at all, and the version it returns is the version of exactly what
//! it read. Records stream to an [`OpenDataSink`] rather than into vectors:
//! a national year is millions of rows.

use std::collections::HashMap;

use peel_core::force::FORCES;
use peel_core::geo::LatLng;
use peel_core::geography::{
    Bcu, Event, ForceDetails, Geography, NeighbourhoodBoundary, NeighbourhoodDetails, Officer, Priority,
};
use peel_core::records::{StoredCrime, StoredOutcome, StoredStop};
use peel_core::{CrimeCategory, Month, Outcome};
use sqlx::AssertSqlSafe;

use crate::geography::{ForceRow, NEIGHBOURHOOD_COLUMNS, NeighbourhoodRow, OfficerRow};
use crate::handles::OpenData;
use crate::sqlite_raw::{self, Connection};
use crate::statistics::CspRow;
use crate::{Db, StoreError};

/// Receives the records of a snapshot: every map point first, then every
/// crime, then every outcome record, then every stop.
pub trait OpenDataSink {
    fn location(&mut self, id: i64, at: LatLng, street_name: &str) -> Result<(), StoreError>;
    fn crime(&mut self, c: StoredCrime<'_>) -> Result<(), StoreError>;
    fn outcome(&mut self, o: StoredOutcome<'_>) -> Result<(), StoreError>;
    fn stop(&mut self, s: StoredStop<'_>) -> Result<(), StoreError>;
    /// A force-month file recorded as imported (`kind`: street, outcomes, stop-and-search).
    fn import(&mut self, kind: &str, force_id: &str, month: Month);
}

/// The forces, areas and neighbourhoods of a snapshot, and the
/// neighbourhoods' boundaries.
#[derive(Debug, Default)]
pub struct GeographySnapshot {
    pub geography: Geography,
    /// By force id, then neighbourhood id.
    pub boundaries: Vec<NeighbourhoodBoundary>,
}

fn month(s: &str) -> Result<Month, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad month {s:?}")))
}

fn category(s: &str) -> Result<CrimeCategory, StoreError> {
    CrimeCategory::from_slug(s).ok_or_else(|| StoreError::Corrupt(format!("unknown category {s:?}")))
}

fn outcome(s: &str) -> Result<Outcome, StoreError> {
    Outcome::from_code(s).ok_or_else(|| StoreError::Corrupt(format!("unknown outcome code {s:?}")))
}

fn json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(s)?)
}

const LOCATIONS: &str = "SELECT id, latitude, longitude, street_name FROM locations";
const CRIMES: &str = "SELECT id, force_id, month, persistent_id, category, location_id, lsoa_name, last_outcome, \
     context, location_type, location_subtype FROM crimes";
const OUTCOMES: &str = "SELECT id, force_id, month, persistent_id, outcome, location_id FROM outcomes";
const STOPS: &str = "SELECT id, force_id, month, kind, datetime, operation, operation_name, location_id, gender, \
     age_range, self_defined_ethnicity, officer_defined_ethnicity, legislation, object_of_search, outcome, \
     outcome_linked_to_object_of_search, removal_of_more_than_outer_clothing FROM stops";

/// The PostgreSQL channel on which a committed import is announced (by
/// the triggers that advance the data version: see migration 15).
pub const DATA_VERSION_CHANNEL: &str = "peel_data_version";

/// Rows a PostgreSQL read fetches at a time (by id, from the primary key).
const PG_BATCH: i64 = 50_000;

/// A force with what only the snapshot reads: its commentary and boundary (JSON).
#[derive(sqlx::FromRow)]
struct ForceDetailsRow {
    #[sqlx(flatten)]
    force: ForceRow,
    commentary: Option<String>,
    boundary: Option<String>,
}

/// One of a force's senior officers.
#[derive(sqlx::FromRow)]
struct PersonRow {
    force_id: String,
    #[sqlx(flatten)]
    person: OfficerRow,
}

/// One of a neighbourhood team.
#[derive(sqlx::FromRow)]
struct NeighbourhoodPersonRow {
    force_id: String,
    neighbourhood_id: String,
    #[sqlx(flatten)]
    person: OfficerRow,
}

#[derive(sqlx::FromRow)]
struct PriorityRow {
    force_id: String,
    neighbourhood_id: String,
    issue: String,
    issue_date: String,
    action: Option<String>,
    action_date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    force_id: String,
    neighbourhood_id: String,
    title: String,
    description: Option<String>,
    address: Option<String>,
    kind: String,
    start_date: String,
    end_date: Option<String>,
    /// JSON.
    contact_details: String,
}

#[derive(sqlx::FromRow)]
struct BcuRow {
    force_id: String,
    id: String,
    name: String,
    commentary: Option<String>,
    sample: bool,
}

/// A neighbourhood with what only the snapshot reads: whether it is demo
/// content, and its boundary (JSON).
#[derive(sqlx::FromRow)]
struct HoodRow {
    #[sqlx(flatten)]
    neighbourhood: NeighbourhoodRow,
    sample: bool,
    boundary: Option<String>,
}

/// Everything of the geography, read in the transaction `$tx`.
macro_rules! read_geography {
    ($tx:expr) => {{
        let forces: Vec<ForceDetailsRow> = sqlx::query_as(
            "SELECT id, name, description, url, telephone, engagement_methods, commentary, boundary FROM forces",
        )
        .fetch_all(&mut *$tx)
        .await?;
        let people: Vec<PersonRow> = sqlx::query_as(
            "SELECT force_id, name, rank, bio, contact_details FROM force_people ORDER BY force_id, position",
        )
        .fetch_all(&mut *$tx)
        .await?;
        let sql = format!("SELECT {NEIGHBOURHOOD_COLUMNS}, sample, boundary FROM neighbourhoods");
        let hood_rows: Vec<HoodRow> = sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&mut *$tx).await?;
        let team: Vec<NeighbourhoodPersonRow> = sqlx::query_as(
            "SELECT force_id, neighbourhood_id, name, rank, bio, contact_details FROM neighbourhood_people \
             ORDER BY force_id, neighbourhood_id, position",
        )
        .fetch_all(&mut *$tx)
        .await?;
        let priorities: Vec<PriorityRow> = sqlx::query_as(
            "SELECT force_id, neighbourhood_id, issue, issue_date, action, action_date FROM priorities \
             ORDER BY force_id, neighbourhood_id, position",
        )
        .fetch_all(&mut *$tx)
        .await?;
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT force_id, neighbourhood_id, title, description, address, kind, start_date, end_date, \
             contact_details FROM events ORDER BY force_id, neighbourhood_id, start_date, position",
        )
        .fetch_all(&mut *$tx)
        .await?;
        let bcus: Vec<BcuRow> =
            sqlx::query_as("SELECT force_id, id, name, commentary, sample FROM bcus").fetch_all(&mut *$tx).await?;
        let csps: Vec<CspRow> = sqlx::query_as(
            "SELECT force_id, id, name, bcu_id, local_authority, local_authority_code, population FROM csps",
        )
        .fetch_all(&mut *$tx)
        .await?;
        geography(forces, people, hood_rows, team, priorities, events, bcus, csps)?
    }};
}

/// Puts the geography's rows together, each list in a fixed order (bytes,
/// not a collation, so both engines give the same).
#[allow(clippy::too_many_arguments)]
fn geography(
    forces: Vec<ForceDetailsRow>,
    people: Vec<PersonRow>,
    hoods: Vec<HoodRow>,
    team: Vec<NeighbourhoodPersonRow>,
    priorities: Vec<PriorityRow>,
    events: Vec<EventRow>,
    bcus: Vec<BcuRow>,
    csps: Vec<CspRow>,
) -> Result<GeographySnapshot, StoreError> {
    let mut out = Geography::default();
    let mut boundaries = Vec::new();
    let mut people_of: HashMap<String, Vec<OfficerRow>> = HashMap::new();
    for p in people {
        people_of.entry(p.force_id).or_default().push(p.person);
    }
    for r in forces {
        let force = r.force.into_force()?;
        let officers = people_of
            .remove(&force.id)
            .unwrap_or_default()
            .into_iter()
            .map(OfficerRow::into_officer)
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = r.boundary.as_deref().map(json).transpose()?;
        out.forces.push(ForceDetails { force, people: officers, commentary: r.commentary, boundary });
    }
    let rank = |id: &str| FORCES.iter().position(|f| f.id == id).unwrap_or(usize::MAX);
    out.forces.sort_by(|a, b| rank(&a.force.id).cmp(&rank(&b.force.id)).then_with(|| a.force.id.cmp(&b.force.id)));

    type Key = (String, String);
    let mut teams: HashMap<Key, Vec<Officer>> = HashMap::new();
    for t in team {
        teams.entry((t.force_id, t.neighbourhood_id)).or_default().push(t.person.into_officer()?);
    }
    let mut agreed: HashMap<Key, Vec<Priority>> = HashMap::new();
    for p in priorities {
        agreed.entry((p.force_id, p.neighbourhood_id)).or_default().push(Priority {
            issue: p.issue,
            issue_date: p.issue_date,
            action: p.action,
            action_date: p.action_date,
        });
    }
    let mut meetings: HashMap<Key, Vec<Event>> = HashMap::new();
    for e in events {
        meetings.entry((e.force_id, e.neighbourhood_id)).or_default().push(Event {
            title: e.title,
            description: e.description,
            address: e.address,
            kind: e.kind,
            start_date: e.start_date,
            end_date: e.end_date,
            contact_details: json(&e.contact_details)?,
        });
    }
    for HoodRow { neighbourhood, sample, boundary } in hoods {
        let neighbourhood = neighbourhood.into_neighbourhood()?;
        let key = (neighbourhood.force_id.clone(), neighbourhood.id.clone());
        let team = teams.remove(&key).unwrap_or_default();
        let priorities = agreed.remove(&key).unwrap_or_default();
        let events = meetings.remove(&key).unwrap_or_default();
        if let Some(b) = boundary {
            boundaries.push(NeighbourhoodBoundary {
                force_id: neighbourhood.force_id.clone(),
                neighbourhood_id: neighbourhood.id.clone(),
                area: json(&b)?,
            });
        }
        out.neighbourhoods.push(NeighbourhoodDetails { neighbourhood, team, priorities, events, sample });
    }
    let key = |n: &NeighbourhoodDetails| (n.neighbourhood.force_id.clone(), n.neighbourhood.id.clone());
    out.neighbourhoods.sort_by_key(key);
    boundaries.sort_by(|a, b| (&a.force_id, &a.neighbourhood_id).cmp(&(&b.force_id, &b.neighbourhood_id)));
    out.bcus = bcus
        .into_iter()
        .map(|BcuRow { force_id, id, name, commentary, sample }| Bcu { force_id, id, name, commentary, sample })
        .collect();
    out.bcus.sort_by(|a, b| (&a.force_id, &a.name, &a.id).cmp(&(&b.force_id, &b.name, &b.id)));
    out.csps = csps.into_iter().map(CspRow::into_csp).collect();
    out.csps.sort_by(|a, b| (&a.force_id, &a.name, &a.id).cmp(&(&b.force_id, &b.name, &b.id)));
    Ok(GeographySnapshot { geography: out, boundaries })
}

/// Tells a server when the data version may have moved on: PostgreSQL's
/// notifications where the store is PostgreSQL, else only the passing of
/// time (SQLite, whose writers in other processes cannot signal).
pub struct DataVersionWatch {
    listener: Option<sqlx::postgres::PgListener>,
}

impl DataVersionWatch {
    /// Returns when a notification arrives or `at_most` has passed,
    /// whichever is first; the caller then reads the version itself. A
    /// PostgreSQL connection lost meanwhile is reconnected on the next call
    /// (notifications sent while it was down are lost, which the caller's
    /// own reading of the version covers).
    pub async fn wait(&mut self, at_most: std::time::Duration) {
        match &mut self.listener {
            Some(listener) => {
                if let Ok(Err(e)) = tokio::time::timeout(at_most, listener.recv()).await {
                    tracing::warn!(error = %e, "listening for new data versions failed; retrying");
                    tokio::time::sleep(at_most).await;
                }
            }
            None => tokio::time::sleep(at_most).await,
        }
    }
}

impl OpenData<'_> {
    /// Starts watching for new data versions (see [`DataVersionWatch`]).
    pub async fn watch_data_version(self) -> Result<DataVersionWatch, StoreError> {
        match &self.0.db {
            Db::Sqlite(_) => Ok(DataVersionWatch { listener: None }),
            Db::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(DATA_VERSION_CHANNEL).await?;
                Ok(DataVersionWatch { listener: Some(listener) })
            }
        }
    }

    /// The version of the open data now stored; every import advances it.
    pub async fn data_version(self) -> Result<i64, StoreError> {
        let v: i64 = crate::on_db!(self.0, pool => {
            sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1").fetch_one(pool).await?
        });
        Ok(v)
    }

    /// Reads everything the open-data engine serves in one transaction:
    /// streams the records to `sink` and returns the data version read and
    /// the geography.
    pub async fn read_open_data(
        self,
        sink: &mut (impl OpenDataSink + Send),
    ) -> Result<(i64, GeographySnapshot), StoreError> {
        match &self.0.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let version: i64 =
                    sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1").fetch_one(&mut *tx).await?;
                let imports: Vec<(String, String, String)> =
                    sqlx::query_as("SELECT kind, force_id, month FROM imports").fetch_all(&mut *tx).await?;
                for (kind, force_id, m) in &imports {
                    sink.import(kind, force_id, month(m)?);
                }
                let geography = read_geography!(tx);
                {
                    let mut handle = tx.lock_handle().await?;
                    sqlite_raw::blocking(|| scan_sqlite(&Connection::of(&mut handle), sink))?;
                }
                tx.commit().await?;
                Ok((version, geography))
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
                let version: i64 =
                    sqlx::query_scalar("SELECT version FROM data_version WHERE id = 1").fetch_one(&mut *tx).await?;
                let imports: Vec<(String, String, String)> =
                    sqlx::query_as("SELECT kind, force_id, month FROM imports").fetch_all(&mut *tx).await?;
                for (kind, force_id, m) in &imports {
                    sink.import(kind, force_id, month(m)?);
                }
                let geography = read_geography!(tx);
                scan_postgres(&mut tx, sink).await?;
                tx.commit().await?;
                Ok((version, geography))
            }
        }
    }
}

fn text<'r>(row: &'r sqlite_raw::Row<'_>, i: i32) -> Result<&'r str, StoreError> {
    Ok(row.text(i)?.unwrap_or(""))
}

fn flag(v: Option<i64>) -> Option<bool> {
    v.map(|v| v != 0)
}

fn scan_sqlite(db: &Connection<'_>, sink: &mut impl OpenDataSink) -> Result<(), StoreError> {
    db.prepare(LOCATIONS)?.query::<StoreError>(&[], |r| {
        let at = LatLng { lat: r.real(1).unwrap_or(f64::NAN), lng: r.real(2).unwrap_or(f64::NAN) };
        sink.location(r.int(0).unwrap_or(0), at, text(r, 3)?)
    })?;
    db.prepare(CRIMES)?.query::<StoreError>(&[], |r| {
        sink.crime(StoredCrime {
            id: r.int(0).unwrap_or(0),
            force_id: text(r, 1)?,
            month: month(text(r, 2)?)?,
            persistent_id: r.text(3)?,
            category: category(text(r, 4)?)?,
            location_id: r.int(5),
            lsoa_name: r.text(6)?,
            last_outcome: r.text(7)?.map(outcome).transpose()?,
            context: text(r, 8)?,
            location_type: text(r, 9)?,
            location_subtype: text(r, 10)?,
        })
    })?;
    db.prepare(OUTCOMES)?.query::<StoreError>(&[], |r| {
        sink.outcome(StoredOutcome {
            id: r.int(0).unwrap_or(0),
            force_id: text(r, 1)?,
            month: month(text(r, 2)?)?,
            persistent_id: text(r, 3)?,
            outcome: outcome(text(r, 4)?)?,
            location_id: r.int(5),
        })
    })?;
    db.prepare(STOPS)?.query::<StoreError>(&[], |r| {
        sink.stop(StoredStop {
            id: r.int(0).unwrap_or(0),
            force_id: text(r, 1)?,
            month: month(text(r, 2)?)?,
            kind: text(r, 3)?,
            datetime: text(r, 4)?,
            operation: flag(r.int(5)),
            operation_name: r.text(6)?,
            location_id: r.int(7),
            gender: r.text(8)?,
            age_range: r.text(9)?,
            self_defined_ethnicity: r.text(10)?,
            officer_defined_ethnicity: r.text(11)?,
            legislation: r.text(12)?,
            object_of_search: r.text(13)?,
            outcome: r.text(14)?,
            outcome_linked_to_object_of_search: flag(r.int(15)),
            removal_of_more_than_outer_clothing: flag(r.int(16)),
        })
    })?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PgLocation {
    id: i64,
    latitude: f64,
    longitude: f64,
    street_name: String,
}

#[derive(sqlx::FromRow)]
struct PgCrime {
    id: i64,
    force_id: String,
    month: String,
    persistent_id: Option<String>,
    category: String,
    location_id: Option<i64>,
    lsoa_name: Option<String>,
    last_outcome: Option<String>,
    context: String,
    location_type: String,
    location_subtype: String,
}

#[derive(sqlx::FromRow)]
struct PgOutcome {
    id: i64,
    force_id: String,
    month: String,
    persistent_id: String,
    outcome: String,
    location_id: Option<i64>,
}
#[derive(sqlx::FromRow)]
struct PgStop {
    id: i64,
    force_id: String,
    month: String,
    kind: String,
    datetime: String,
    operation: Option<bool>,
    operation_name: Option<String>,
    location_id: Option<i64>,
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

/// Reads a table by id, `PG_BATCH` rows at a time, calling `each` per row.
macro_rules! pg_batches {
    ($tx:expr, $select:expr, $row:ty, $id:expr, |$r:ident| $each:expr) => {{
        let sql = format!("{} WHERE id > $1 ORDER BY id LIMIT $2", $select);
        let mut after = i64::MIN;
        loop {
            let rows: Vec<$row> =
                sqlx::query_as(AssertSqlSafe(sql.clone())).bind(after).bind(PG_BATCH).fetch_all(&mut **$tx).await?;
            for $r in &rows {
                $each;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == PG_BATCH => after = $id(last),
                _ => break,
            }
        }
    }};
}

async fn scan_postgres(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    sink: &mut impl OpenDataSink,
) -> Result<(), StoreError> {
    pg_batches!(tx, LOCATIONS, PgLocation, |r: &PgLocation| r.id, |r| sink.location(
        r.id,
        LatLng { lat: r.latitude, lng: r.longitude },
        &r.street_name
    )?);
    pg_batches!(tx, CRIMES, PgCrime, |r: &PgCrime| r.id, |r| sink.crime(StoredCrime {
        id: r.id,
        force_id: &r.force_id,
        month: month(&r.month)?,
        persistent_id: r.persistent_id.as_deref(),
        category: category(&r.category)?,
        location_id: r.location_id,
        lsoa_name: r.lsoa_name.as_deref(),
        last_outcome: r.last_outcome.as_deref().map(outcome).transpose()?,
        context: &r.context,
        location_type: &r.location_type,
        location_subtype: &r.location_subtype,
    })?);
    pg_batches!(tx, OUTCOMES, PgOutcome, |r: &PgOutcome| r.id, |r| sink.outcome(StoredOutcome {
        id: r.id,
        force_id: &r.force_id,
        month: month(&r.month)?,
        persistent_id: &r.persistent_id,
        outcome: outcome(&r.outcome)?,
        location_id: r.location_id,
    })?);
    pg_batches!(tx, STOPS, PgStop, |r: &PgStop| r.id, |r| sink.stop(StoredStop {
        id: r.id,
        force_id: &r.force_id,
        month: month(&r.month)?,
        kind: &r.kind,
        datetime: &r.datetime,
        operation: r.operation,
        operation_name: r.operation_name.as_deref(),
        location_id: r.location_id,
        gender: r.gender.as_deref(),
        age_range: r.age_range.as_deref(),
        self_defined_ethnicity: r.self_defined_ethnicity.as_deref(),
        officer_defined_ethnicity: r.officer_defined_ethnicity.as_deref(),
        legislation: r.legislation.as_deref(),
        object_of_search: r.object_of_search.as_deref(),
        outcome: r.outcome.as_deref(),
        outcome_linked_to_object_of_search: r.outcome_linked_to_object_of_search,
        removal_of_more_than_outer_clothing: r.removal_of_more_than_outer_clothing,
    })?);
    Ok(())
}
