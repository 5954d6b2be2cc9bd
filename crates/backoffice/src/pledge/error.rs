use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use peel_core::bounded::{ErrorList, cut_note};
use peel_core::pledge::EventError;
use serde_json::json;

use crate::WebError;

/// Answers the Pledge API gives besides the generic [`WebError`] ones.
#[derive(Debug, thiserror::Error)]
pub enum PledgeError {
    /// No `PEEL_INGEST_TOKEN` is configured, so the shared token is refused
    /// (back-office API tokens still work). A 401, not a 5xx: the caller
    /// sent no credential the server accepts, and a client's mistake must not
    /// look like a server fault to monitoring.
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
    /// The batch was refused whole; each error names its line and field.
    /// The first ones by line are listed, and all are counted.
    #[error("{} errors{}; nothing was stored", .0.total(), cut_note(.0))]
    Invalid(ErrorList<EventError>),
    #[error(transparent)]
    Web(#[from] WebError),
}

impl IntoResponse for PledgeError {
    fn into_response(self) -> Response {
        match self {
            PledgeError::IngestDisabled | PledgeError::Unauthorized => {
                let mut r = (StatusCode::UNAUTHORIZED, Json(json!({ "error": self.to_string() }))).into_response();
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            PledgeError::Invalid(ref errors) => {
                let body =
                    json!({ "error": self.to_string(), "error_count": errors.total(), "errors": errors.first() });
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
            PledgeError::Web(e) => e.into_response(),
        }
    }
}
