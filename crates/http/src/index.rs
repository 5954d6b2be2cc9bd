//! The open data the API and the portal answer from, and how it is kept in
//! step with the store.
//!
//! The store is the truth; [`OpenData`] is everything it holds of police.uk's
//! open data, in memory. It is built when the server starts and rebuilt when
//! the store's data version moves on: [`keep_fresh`] watches for that (on
//! PostgreSQL by `LISTEN`, on SQLite by reading the version every
//! [`SQLITE_POLL`]), so an import made by another process, or by another
//! server sharing the database, is served without a restart. Readers take a
//! cheap `Arc` snapshot, so a rebuild never blocks a request and a request
//! never sees half an import.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use peel_core::Month;
use peel_core::geo::LatLng;
use peel_core::records::{StoredCrime, StoredOutcome, StoredStop};
use peel_spatial::{Builder, OpenData};
use peel_store::{OpenDataSink, Store, StoreError};

use crate::AppState;

/// A swappable, shareable [`OpenData`].
#[derive(Clone, Default)]
pub struct SharedIndex(Arc<RwLock<Arc<OpenData>>>);

impl SharedIndex {
    pub fn new(data: OpenData) -> SharedIndex {
        SharedIndex(Arc::new(RwLock::new(Arc::new(data))))
    }

    /// The data as it is now; later swaps do not affect the snapshot.
    pub fn current(&self) -> Arc<OpenData> {
        // A panic while swapping cannot leave a half-written Arc behind, so a
        // poisoned lock still holds a whole engine.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn replace(&self, data: OpenData) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(data);
    }
}

/// Feeds the store's records to the engine's builder.
struct Sink(Builder);

fn corrupt(e: peel_spatial::BuildError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl OpenDataSink for Sink {
    fn location(&mut self, id: i64, at: LatLng, street_name: &str) -> Result<(), StoreError> {
        self.0.location(id, at, street_name).map_err(corrupt)
    }

    fn crime(&mut self, c: StoredCrime<'_>) -> Result<(), StoreError> {
        self.0.crime(c).map_err(corrupt)
    }

    fn outcome(&mut self, o: StoredOutcome<'_>) -> Result<(), StoreError> {
        self.0.outcome(o).map_err(corrupt)
    }

    fn stop(&mut self, s: StoredStop<'_>) -> Result<(), StoreError> {
        self.0.stop(s).map_err(corrupt)
    }

    fn import(&mut self, kind: &str, force_id: &str, month: Month) {
        self.0.import(kind, force_id, month);
    }
}

/// Reads the store's open data (one consistent snapshot) into an engine.
pub async fn build_index(store: &Store) -> Result<OpenData, StoreError> {
    let mut sink = Sink(Builder::new());
    let (version, snapshot) = store.open_data().read_open_data(&mut sink).await?;
    let builder = sink.0;
    // Sorting millions of records is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || {
        builder.finish(version, snapshot.geography, snapshot.boundaries).map_err(corrupt)
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("building the open-data engine stopped: {e}")))?
}

impl AppState {
    /// State for serving `store`, with the open data read from it.
    pub async fn load(store: Store) -> Result<AppState, StoreError> {
        let index = SharedIndex::new(build_index(&store).await?);
        Ok(AppState { store, index })
    }

    /// Rebuilds the open data from the store, after an import.
    pub async fn reload_index(&self) -> Result<(), StoreError> {
        self.index.replace(build_index(&self.store).await?);
        Ok(())
    }
}

/// How often a server on SQLite reads the data version: a few microseconds
/// a time, and a new month is served within this plus the rebuild.
pub const SQLITE_POLL: Duration = Duration::from_millis(250);

/// How often a server on PostgreSQL reads the version although no
/// notification came (one may be lost while its connection is re-made).
pub const POSTGRES_POLL: Duration = Duration::from_secs(1);

/// After a failed rebuild, how long before trying again.
const RETRY: Duration = Duration::from_secs(5);

/// Rebuilds the served open data whenever the store's data version moves
/// on, until the task is dropped. A rebuild that fails keeps the data
/// already served (and is logged), and is tried again later.
pub async fn keep_fresh(state: AppState) {
    let poll = match state.store.engine() {
        peel_store::Engine::Sqlite => SQLITE_POLL,
        peel_store::Engine::Postgres => POSTGRES_POLL,
    };
    let mut watch = loop {
        match state.store.open_data().watch_data_version().await {
            Ok(w) => break w,
            Err(e) => {
                tracing::error!(error = %e, "cannot watch for new data; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    };
    let mut failed: Option<Instant> = None;
    loop {
        watch.wait(poll).await;
        if failed.is_some_and(|at| at.elapsed() < RETRY) {
            continue;
        }
        let stored = match state.store.open_data().data_version().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the data version");
                continue;
            }
        };
        let served = state.index.current().version();
        if stored == served {
            continue;
        }
        let start = Instant::now();
        match build_index(&state.store).await {
            Ok(data) => {
                let (crimes, outcomes, stops) = data.record_counts();
                tracing::info!(
                    version = data.version(),
                    crimes,
                    outcomes,
                    stops,
                    ms = start.elapsed().as_millis() as u64,
                    "serving new open data"
                );
                state.index.replace(data);
                failed = None;
            }
            Err(e) => {
                tracing::error!(error = %e, version = stored, "rebuilding the open data failed; still serving version {served}");
                failed = Some(Instant::now());
            }
        }
    }
}
