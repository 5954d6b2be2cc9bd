//! The one way a request fails: [`JsonError`] for the JSON routes (all but
//! police.uk's own API, whose `ApiError` keeps police.uk's shape) and
//! [`PageError`] for pages. Both classify the same typed errors (the
//! store's, the casework's, a refusal by role or reach) into the same
//! status codes; a page shows the message in its product's skin, a JSON
//! answer as `{"error": …}` with any details beside it. A failure on our
//! side is logged with its cause and answered without it.

use std::marker::PhantomData;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use peel_core::access::Refusal;
use peel_core::asb::Problems;
use peel_core::bounded::{ErrorList, MAX_LISTED, cut_note};
use peel_core::pledge::EventError;
use peel_core::trigger::application::Problem;
use peel_store::asb::AsbError;
use peel_store::{CaseReviewError, StoreError};
use serde::Serialize;
use serde_json::json;

/// The message shown in place of a failure on our side.
const LOGGED: &str = "something went wrong on our side; it has been logged";

/// One problem with the input, named by its field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Every problem found in one piece of input: the first ones (see
/// `peel_core::bounded`) and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblems {
    /// All of them in a sentence (of the first ones listed).
    pub message: String,
    pub count: usize,
    pub listed: Vec<FieldProblem>,
}

impl From<Problems> for FieldProblems {
    fn from(p: Problems) -> FieldProblems {
        let count = p.0.len();
        let shown = Problems(p.0.into_iter().take(MAX_LISTED).collect());
        let message = shown.to_string();
        let listed = shown.0.into_iter().map(|x| FieldProblem { field: x.field, message: x.message }).collect();
        FieldProblems { message, count, listed }
    }
}

impl From<Vec<Problem>> for FieldProblems {
    fn from(mut p: Vec<Problem>) -> FieldProblems {
        let count = p.len();
        p.truncate(MAX_LISTED);
        let message = p.iter().map(|x| x.message.as_str()).collect::<Vec<_>>().join("; ");
        let listed = p.into_iter().map(|x| FieldProblem { field: x.field, message: x.message }).collect();
        FieldProblems { message, count, listed }
    }
}

impl FieldProblems {
    /// One problem with one field.
    pub fn one(field: &str, message: impl Into<String>) -> FieldProblems {
        vec![Problem { field: field.into(), message: message.into() }].into()
    }
}

/// Why a request failed, for the JSON routes; also what a [`PageError`] holds.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed, but refused by a rule (e.g. a local standard looser
    /// than the one it would replace).
    #[error("{0}")]
    Unprocessable(String),
    /// No credential the server accepts: answered 401 with
    /// `WWW-Authenticate: Bearer`, the message saying what to send.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not do this (role, reach, or who owns the record).
    #[error("{0}")]
    Forbidden(String),
    /// The change conflicts with the record's state.
    #[error("{0}")]
    Conflict(String),
    /// Input that could not be read at all, each problem named by field (400).
    #[error("{}", .0.message)]
    Malformed(FieldProblems),
    /// Input refused, each problem named by field (422); nothing was stored.
    #[error("{}", .0.message)]
    Invalid(FieldProblems),
    /// A batch of events refused whole; each error names its line and field.
    #[error("{} errors{}; nothing was stored", .0.total(), cut_note(.0))]
    Events(ErrorList<EventError>),
    /// Something on our side failed; the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl JsonError {
    pub fn status(&self) -> StatusCode {
        match self {
            JsonError::NotFound(_) | JsonError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            JsonError::BadRequest(_) | JsonError::Malformed(_) => StatusCode::BAD_REQUEST,
            JsonError::Unprocessable(_)
            | JsonError::Invalid(_)
            | JsonError::Events(_)
            | JsonError::Store(StoreError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            JsonError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            JsonError::Forbidden(_) | JsonError::Store(StoreError::Refused(_)) => StatusCode::FORBIDDEN,
            JsonError::Conflict(_) | JsonError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            JsonError::Internal(_) | JsonError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the person is told: the error itself, or (for a failure on our
    /// side, which is logged here) that it was logged.
    fn shown(&self, status: StatusCode) -> String {
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            LOGGED.to_string()
        } else {
            self.to_string()
        }
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let status = self.status();
        let error = self.shown(status);
        let body = match &self {
            JsonError::Malformed(p) | JsonError::Invalid(p) => {
                json!({ "error": error, "problem_count": p.count, "problems": p.listed })
            }
            JsonError::Events(e) => json!({ "error": error, "error_count": e.total(), "errors": e.first() }),
            _ => json!({ "error": error }),
        };
        let mut r = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<Refusal> for JsonError {
    fn from(r: Refusal) -> JsonError {
        JsonError::Forbidden(r.0)
    }
}

impl From<Problems> for JsonError {
    fn from(p: Problems) -> JsonError {
        JsonError::Invalid(p.into())
    }
}

impl From<AsbError> for JsonError {
    fn from(e: AsbError) -> JsonError {
        match e {
            AsbError::Invalid(p) => p.into(),
            AsbError::NotFound(_) => JsonError::NotFound(e.to_string()),
            AsbError::NotShared(m) => JsonError::Forbidden(m),
            AsbError::Conflict(m) => JsonError::Conflict(m),
            AsbError::Store(s) => s.into(),
        }
    }
}

impl From<CaseReviewError> for JsonError {
    fn from(e: CaseReviewError) -> JsonError {
        let one = |field: &str, e: &CaseReviewError| JsonError::Invalid(FieldProblems::one(field, e.to_string()));
        match e {
            CaseReviewError::Invalid(p) => JsonError::Invalid(p.into()),
            CaseReviewError::UnknownCsp(..) => one("csp", &e),
            CaseReviewError::Step(_) => one("step", &e),
            CaseReviewError::Procedure(_) => one("procedure", &e),
            CaseReviewError::NotFound(_) => JsonError::NotFound(e.to_string()),
            CaseReviewError::Refused(r) => r.into(),
            CaseReviewError::Store(s) => s.into(),
        }
    }
}

/// How a product draws a failure as a page: the portal and the back office
/// each have their own layout, and so their own skin.
pub trait Skin {
    /// The page for `status`. `message` is what the person is told (for a
    /// 404, what was not found); for a failure on our side it is empty, the
    /// cause having been logged, and the skin says so in its own words.
    fn page(status: StatusCode, message: &str) -> Response;
}

/// Why a page could not be shown: a [`JsonError`]'s classification, drawn
/// as a page in the skin `S` of the product that failed.
pub struct PageError<S: Skin> {
    pub error: JsonError,
    skin: PhantomData<S>,
}

impl<S: Skin> PageError<S> {
    /// The page saying `what` was not found (404).
    pub fn not_found(what: impl Into<String>) -> PageError<S> {
        JsonError::NotFound(what.into()).into()
    }
}

impl<S: Skin> std::fmt::Debug for PageError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl<S: Skin, E: Into<JsonError>> From<E> for PageError<S> {
    fn from(e: E) -> PageError<S> {
        PageError { error: e.into(), skin: PhantomData }
    }
}

impl<S: Skin> IntoResponse for PageError<S> {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let message = match self.error {
            JsonError::NotFound(m) | JsonError::Store(StoreError::NotFound(m)) => m,
            JsonError::Store(StoreError::Refused(r)) => r.0,
            JsonError::Store(StoreError::Invalid(m)) => m,
            e if status.is_server_error() => {
                tracing::error!(error = %e, "page failed");
                String::new()
            }
            e => e.to_string(),
        };
        S::page(status, &message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_get_the_status_a_person_can_act_on() {
        let status = |e: StoreError| JsonError::from(e).status();
        assert_eq!(status(StoreError::NotFound("case 3".into())), StatusCode::NOT_FOUND);
        assert_eq!(status(StoreError::Conflict("taken".into())), StatusCode::CONFLICT);
        assert_eq!(status(StoreError::Refused(Refusal("no".into()))), StatusCode::FORBIDDEN);
        assert_eq!(status(StoreError::Invalid("no such force".into())), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(status(StoreError::Corrupt("bad".into())), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn problems_are_listed_up_to_the_bound_and_counted() {
        let many: Vec<Problem> =
            (0..MAX_LISTED + 5).map(|i| Problem { field: format!("f{i}"), message: format!("m{i}") }).collect();
        let p = FieldProblems::from(many);
        assert_eq!(p.count, MAX_LISTED + 5);
        assert_eq!(p.listed.len(), MAX_LISTED);
    }
}
