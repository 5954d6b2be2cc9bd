//! The Policing Pledge API: event ingestion and compliance figures.
//!
//! - `POST /api/v1/events`: NDJSON or a JSON array of events, all or
//!   nothing, authenticated by the shared bearer token in
//!   `PEEL_INGEST_TOKEN` or by a back-office API token whose user's role
//!   holds `IngestEvents` (the `event-feed` role);
//! - `GET /api/v1/pledge/compliance?force=F&month=YYYY-MM[&bcu=B | &neighbourhood=N]`:
//!   figures for anyone; with the API token of the force's staff (a role
//!   holding `ViewPledgeBreaches`) also the ids of the events that breached;
//! - `GET /api/v1/pledge/standards?force=F[&neighbourhood=N]`: the standards
//!   in force, public; `POST` the same path (role holding
//!   `SetPledgeStandards`) sets a stricter local one, `DELETE` it
//!   (`?force=F[&neighbourhood=N]&commitment=ID`, same roles) withdraws
//!   one, and `POST /api/v1/pledge/areas` sets a neighbourhood's urban or
//!   rural setting.
//!
//! Handlers only translate HTTP: the rules live in `peel_core::pledge` and
//! the batch handling in `peel_store`.

mod compliance;
mod error;
mod ingest;
pub(crate) mod standards;

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};

pub use error::TokenRefused;
pub use ingest::IngestConfig;

use crate::AppState;
use crate::auth::{Api, Authed, Needs};
use crate::{Backoffice, BackofficeConfig};

/// Largest accepted batch. Generous (a busy force-day of telephony events
/// is a few MB; 32 MiB holds about 228,000 events), but bounded so that the
/// worst batch, held whole and parsed before it is stored, keeps the
/// server under 200 MB (`docs/security.md`); bigger loads go in several batches.
pub const MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// The Pledge routes, with the ingest token read from the environment.
pub fn routes() -> Router<AppState> {
    routes_with(IngestConfig::from_env())
}

/// The Pledge routes with an explicit ingest configuration (for tests and
/// embedding, so nobody has to mutate the process environment).
pub fn routes_with(config: IngestConfig) -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", post(ingest::ingest).layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)))
        .route("/api/v1/pledge/compliance", get(compliance::compliance))
        .route(
            "/api/v1/pledge/standards",
            get(standards::standards).post(standards::set_standard).delete(standards::withdraw_standard),
        )
        .route("/api/v1/pledge/areas", post(standards::set_area_api))
        // Each route may take a back-office token, so all answer like the
        // back office (no caching of what a token may have unlocked).
        .layer(axum::middleware::map_response(crate::security_headers))
        .layer(Extension(Arc::new(config)))
}

/// The back office's configuration for a token check on a Pledge route,
/// or its defaults when the Pledge routes are mounted without the back
/// office (as some tests do).
fn with_backoffice_defaults(parts: &mut Parts) {
    if parts.extensions.get::<Backoffice>().is_none() {
        parts.extensions.insert(Backoffice(Arc::new(BackofficeConfig::default())));
    }
}

/// A caller with a back-office API token whose role holds `N`'s
/// permission, checked (401, 403 and the audit of a refusal) exactly as on
/// every back-office API route.
pub(crate) struct Staff<N: Needs>(pub Authed, pub Backoffice, PhantomData<N>);

impl<N: Needs> FromRequestParts<AppState> for Staff<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        with_backoffice_defaults(parts);
        let Api(authed, bo, _) = Api::<N>::from_request_parts(parts, state).await?;
        Ok(Staff(authed, bo, PhantomData))
    }
}
