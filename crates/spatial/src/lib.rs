//! peel's in-memory spatial index and open-data engine.
//!
//! police.uk answers area questions ("crimes within a mile of here", "crimes
//! in this polygon", "which neighbourhood is this point in") against fixed
//! sets of geometry: the published map points and the neighbourhood
//! boundaries. Both change only when data is imported, so peel keeps them in
//! R-trees in memory, and beside them every served record ([`OpenData`]):
//! no answer reads rows from the database. The database stays the truth:
//! the engine is always rebuilt from it, never written back.
//!
//! This crate is pure: no I/O and no async, so it is cheap to test and to
//! benchmark.

mod locations;
mod neighbourhoods;
pub mod open_data;

pub use locations::LocationIndex;
pub use neighbourhoods::{NeighbourhoodIndex, NeighbourhoodRef};
pub use open_data::{BuildError, Builder, CrimeRef, OpenData};
