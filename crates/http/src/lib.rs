//! What the API, the portal and the back office share: the application's
//! state (the store and the open data served from memory), the one error
//! type of JSON answers and the one of pages, and the per-address rate limiter.
//!
//! It is its own crate so that the three products can be built, and rebuilt,
//! without each other: each depends on this one and none on another.

mod error;
mod index;
pub mod json_query;
pub mod rate_limit;

use peel_store::Store;

pub use error::{FieldProblem, FieldProblems, JsonError, PageError, Skin};
pub use index::{SQLITE_POLL, SharedIndex, build_index, keep_fresh};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Map points and boundaries for area queries; see [`AppState::load`].
    pub index: SharedIndex,
}
