//! Why the shared ingest token was refused. Every other failure of the
//! Pledge API is a [`JsonError`] like any JSON route's.

use crate::JsonError;

/// The shared ingest token refused: answered 401, not a 5xx, since the
/// caller sent no credential the server accepts, and a client's mistake must
/// not look like a server fault to monitoring.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefused {
    /// No `PEEL_INGEST_TOKEN` is configured, so the shared token is refused
    /// (back-office API tokens still work).
    #[error(
        "ingestion with a shared token is disabled: set PEEL_INGEST_TOKEN on the server, or send the API token \
         of an account with the event-feed role"
    )]
    IngestDisabled,
    #[error(
        "send the ingest token, or the API token of an account with the event-feed role, as: \
         Authorization: Bearer <token>"
    )]
    Unauthorized,
}

impl From<TokenRefused> for JsonError {
    fn from(e: TokenRefused) -> JsonError {
        JsonError::Unauthorized(e.to_string())
    }
}
