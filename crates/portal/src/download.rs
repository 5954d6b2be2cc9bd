//! A CSV file as a download: one response shape for every page's CSV.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `body` served as `file_name` (a name the page builds from ids and
/// months, so plain ASCII; anything else falls back to no name).
pub fn csv_attachment(file_name: &str, body: String) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
