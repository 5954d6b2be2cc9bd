//! Query strings of the JSON API routes under `/api/v1/`, refused in JSON.
//!
//! axum's own `Query` answers a malformed query string (`limit=null`, a
//! repeated key) with a plain-text 400, which the OpenAPI document cannot
//! promise alongside the routes' JSON errors. [`JsonQuery`] reads the same
//! way and refuses with `400 {"error": …}`. It is listed after the
//! authentication extractor in each handler, so a caller who may not call
//! gets 401/403 before the query string is read.

use axum::Json;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

/// A query string read into `T`, or a JSON 400 saying what is wrong.
pub struct JsonQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for JsonQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(JsonQuery(v)),
            Err(e) => Err((StatusCode::BAD_REQUEST, Json(json!({ "error": e.body_text() }))).into_response()),
        }
    }
}
