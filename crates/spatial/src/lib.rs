//! peel's in-memory spatial index.
//!
//! police.uk answers area questions ("crimes within a mile of here", "crimes
//! in this polygon", "which neighbourhood is this point in") against fixed
//! sets of geometry: the published map points and the neighbourhood
//! boundaries. Both change only when data is imported, so peel keeps them in
//! R-trees in memory and asks the database only for the records at the map
//! points found. The database stays the truth: an index is always rebuilt
//! from it, never written back.
//!
//! This crate is pure: no I/O and no async, so it is cheap to test and to
//! benchmark.

mod locations;
mod neighbourhoods;

pub use locations::LocationIndex;
pub use neighbourhoods::{NeighbourhoodIndex, NeighbourhoodRef};

/// Everything the API needs to answer area questions, built in one go.
#[derive(Debug, Default)]
pub struct SpatialIndex {
    pub locations: LocationIndex,
    pub neighbourhoods: NeighbourhoodIndex,
}
