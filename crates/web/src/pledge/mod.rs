//! The Policing Pledge API: event ingestion and compliance figures.
//!
//! - `POST /api/v1/events`: NDJSON or a JSON array of events, all or
//!   nothing, authenticated by the shared bearer token in
//!   `PEEL_INGEST_TOKEN` or by a back-office API token whose user's role
//!   holds `IngestEvents` (the `event-feed` role);
//! - `GET /api/v1/pledge/compliance?force=F&month=YYYY-MM[&bcu=B | &neighbourhood=N]`.
//!
//! Handlers only translate HTTP: the rules live in `peel_core::pledge` and
//! the batch handling in `peel_store`.

mod compliance;
mod error;
mod ingest;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router};

pub use error::PledgeError;
pub use ingest::IngestConfig;

use crate::AppState;

/// Largest accepted batch. Generous (a busy force-day of telephony events
/// is a few MB), but bounded so one request cannot exhaust memory.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// The Pledge routes, with the ingest token read from the environment.
pub fn routes() -> Router<AppState> {
    routes_with(IngestConfig::from_env())
}

/// The Pledge routes with an explicit ingest configuration (for tests and
/// embedding, so nobody has to mutate the process environment).
pub fn routes_with(config: IngestConfig) -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/events",
            post(ingest::ingest)
                .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES))
                // Authenticated like the back office, so answered like it.
                .layer(axum::middleware::map_response(crate::backoffice::security_headers)),
        )
        .route("/api/v1/pledge/compliance", get(compliance::compliance))
        .layer(Extension(Arc::new(config)))
}
