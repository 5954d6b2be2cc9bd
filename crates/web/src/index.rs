//! The spatial index the API answers area questions from, and how it is kept
//! in step with the store.
//!
//! The store is the truth; the index is a cache of its map points and
//! boundaries. It is built when the server starts and rebuilt by
//! [`AppState::reload_index`] after an import in the same process. Readers take
//! a cheap `Arc` snapshot, so a rebuild never blocks a request for long and a
//! request never sees a half-built index.

use std::sync::{Arc, RwLock};

use peel_spatial::{LocationIndex, NeighbourhoodIndex, SpatialIndex};
use peel_store::{Store, StoreError};

use crate::AppState;

/// A swappable, shareable [`SpatialIndex`].
#[derive(Clone, Default)]
pub struct SharedIndex(Arc<RwLock<Arc<SpatialIndex>>>);

impl SharedIndex {
    pub fn new(index: SpatialIndex) -> SharedIndex {
        SharedIndex(Arc::new(RwLock::new(Arc::new(index))))
    }

    /// The index as it is now; later swaps do not affect the snapshot.
    pub fn current(&self) -> Arc<SpatialIndex> {
        // A panic while swapping cannot leave a half-written Arc behind, so a
        // poisoned lock still holds a whole index.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn replace(&self, index: SpatialIndex) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
    }
}

/// Reads every map point and neighbourhood boundary and indexes them.
pub async fn build_index(store: &Store) -> Result<SpatialIndex, StoreError> {
    let locations = LocationIndex::new(store.all_locations().await?);
    let neighbourhoods = NeighbourhoodIndex::new(store.neighbourhood_boundaries().await?);
    Ok(SpatialIndex { locations, neighbourhoods })
}

impl AppState {
    /// State for serving `store`, with the index built from it.
    pub async fn load(store: Store) -> Result<AppState, StoreError> {
        let index = SharedIndex::new(build_index(&store).await?);
        Ok(AppState { store, index })
    }

    /// Rebuilds the index from the store, after an import.
    pub async fn reload_index(&self) -> Result<(), StoreError> {
        self.index.replace(build_index(&self.store).await?);
        Ok(())
    }
}
