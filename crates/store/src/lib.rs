//! peel's storage: one contract over two engines.
//!
//! SQLite is the embedded default (a file, WAL mode, created on first use);
//! PostgreSQL is chosen by a `postgres://` URL. Both run the same `$N` SQL
//! text through the [`on_db!`] macro, so each query is written once; where
//! the dialects differ the difference is spelt out next to the query.

mod access;
pub mod asb;
mod audit;
mod bench;
mod bulk_load;
mod comparators;
mod confidence;
mod error;
mod geography;
mod handles;
mod inspections;
mod links;
mod open311;
mod open_data;
mod open_data_export;
mod pledge;
mod privacy;
mod schema;
mod snapshot;
mod sqlite_raw;
mod statistics;
pub mod testing;
mod trigger;

/// Each SQLite connection's page cache, in KiB (128 MB).
pub(crate) const SQLITE_CACHE_KIB: usize = 131_072;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use access::{ApiTokenRecord, NewUser, Organisation, SessionRecord, UserRecord};
pub use audit::{AuditQuery, AuditVerification, By};
pub use comparators::{ComparisonInputs, PopulationSource};
pub use confidence::{YearFigure, YearOnYear};
pub use error::StoreError;
pub use handles::{Accounts, Asb, Audit, Confidence, Geography, Open311, OpenData, Pledge, Privacy, Trigger};
pub use links::RemovedLink;
pub use open_data::{LocationCache, OpenDataBatch, ReplaceResult, TableCounts};
pub use open311::RequestSearch;
pub use peel_core::geography::{Bcu, Csp, NeighbourhoodDetails};
pub use pledge::{IngestError, LocalStandardError};
pub use privacy::{RetentionDue, Subject, SubjectAccessError};
pub use schema::{ColumnShape, IndexShape};
pub use snapshot::{DATA_VERSION_CHANNEL, DataVersionWatch, GeographySnapshot, OpenDataSink};
pub use statistics::PlaceMatch;
pub use trigger::{CaseReview, CaseReviewError, Decision, StepInput, StepRecord, StoredProcedure};

/// The engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same body against whichever pool the store holds. The body is
/// compiled once per engine, so it may only use what both sqlx drivers offer.
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// Pages of WAL (64 MB of 4 KB pages) after which a SQLite connection
/// checkpoints at commit: set on every connection when it is opened, and
/// put back on the importing one after its import (`open_data.rs`).
pub(crate) const SQLITE_WAL_AUTOCHECKPOINT_PAGES: &str = "16384";

/// Handle to peel's database. Cheap to clone (it wraps a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// Set while a background SQLite checkpoint runs (see
    /// `open_data::checkpoint_behind`), so that only one runs at a time.
    checkpointing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:peel.db";

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema
    /// up to date. `url` is `postgres://…`, `sqlite:FILE`, or a plain file path.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (for `peel migrate --status`-style checks).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(url.to_string(), e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(redact(url), e.to_string()))?;
            Db::Postgres(pool)
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_string(), "no file name".into()));
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // A month of a large force is tens of MB of pages: with the
                // 2 MB default cache SQLite spilled pages mid-transaction and
                // spent its time in kernel reads and writes.
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
                .pragma("temp_store", "memory")
                // Reads through a shared mapping rather than a copy into each
                // pooled connection's own cache: area queries fetch crimes
                // scattered through the table (15-25% more req/s in
                // `peel bench api`).
                .pragma("mmap_size", "1073741824")
                // A checkpoint copies the WAL into the database and syncs
                // both; at SQLite's default (every 4 MB of WAL) a national
                // import made one every other force-month and waited on
                // the disk for a third of its time. Every 64 MB instead,
                // and the WAL file is cut back to that size afterwards.
                .pragma("wal_autocheckpoint", SQLITE_WAL_AUTOCHECKPOINT_PAGES)
                .pragma("journal_size_limit", "67108864");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(url.to_string(), e.to_string()))?;
            Db::Sqlite(pool)
        };
        Ok(Store { db, checkpointing: Default::default() })
    }

    pub fn engine(&self) -> Engine {
        match self.db {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies every migration this version knows that the database lacks.
    /// A database made by an older peel upgrades in place.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        // Version 8 added columns that rows stored earlier fill from their JSON.
        self.pledge().fill_pledge_columns().await?;
        // Version 16 checks links stored earlier, once.
        self.check_stored_links().await?;
        self.geography().seed_forces().await
    }

    /// Applies migrations only up to `version`. For proving that a database
    /// made by an older peel upgrades; `migrate` is what peel itself uses.
    pub async fn migrate_up_to(&self, version: i64) -> Result<(), StoreError> {
        let mut migrator = match &self.db {
            Db::Sqlite(_) => sqlx::migrate!("migrations/sqlite"),
            Db::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        };
        migrator.migrations =
            migrator.migrations.iter().filter(|m| m.version <= version).cloned().collect::<Vec<_>>().into();
        on_db!(self, pool => migrator.run(pool).await?);
        Ok(())
    }

    /// Migrations applied, as (version, description), oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version").fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// Quick liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_db!(self, pool => { sqlx::query("SELECT 1").execute(pool).await?; });
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// Hides a password in a connection URL before it reaches a message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
