//! API errors, answered the way police.uk answers them: a bare status with a
//! short plain-text body, never a stack of details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use peel_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Unknown force, neighbourhood, location or crime; or a malformed `date`.
    #[error("Not Found")]
    NotFound,
    /// A missing or malformed parameter; the text says which.
    #[error("{0}")]
    BadRequest(String),
    /// The area holds more than [`super::MAX_AREA_RESULTS`] records.
    #[error("the area holds {0} records; the limit is 10,000: ask for a smaller area")]
    TooManyResults(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApiError {
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::NotFound => (StatusCode::NOT_FOUND, "Not Found").into_response(),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m).into_response(),
            // police.uk sends 503 with an empty body and no Retry-After.
            ApiError::TooManyResults(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            ApiError::Store(e) => {
                // The cause goes to the log, not to the caller.
                tracing::error!(error = %e, "API request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
            }
        }
    }
}
