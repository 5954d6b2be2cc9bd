//! Bulk download in police.uk's formats: one force-month's CSV at
//! `/api/bulk/YYYY-MM/YYYY-MM-<force>-<kind>.csv` and a month's archive at
//! `/api/bulk/YYYY-MM.zip`, the same files `peel export` writes
//! (docs/bulk-download.md).
//!
//! These read the store, not the in-memory engine: the store holds what
//! the files held, row for row. A CSV is one force-month (the largest, the
//! Metropolitan Police's street file, is tens of MB) and is made whole
//! before it is sent. An archive is written to an anonymous temporary file
//! one force-month at a time and streamed from there, so memory stays at
//! one force-month however large the month; at most [`ARCHIVES_AT_ONCE`]
//! are made at once and further requests are told to retry (503).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use peel_core::Month;
use peel_core::records::BulkFileName;
use peel_import::export::{self, ExportError};
use tokio::sync::Semaphore;

use super::ApiError;
use crate::AppState;

/// Archives made at once; each takes a core while it compresses.
pub const ARCHIVES_AT_ONCE: usize = 2;

static ARCHIVES: Semaphore = Semaphore::const_new(ARCHIVES_AT_ONCE);

fn failed(e: ExportError) -> ApiError {
    match e {
        ExportError::Store(e) => ApiError::Store(e),
        other => ApiError::Store(peel_store::StoreError::Corrupt(other.to_string())),
    }
}

fn attachment(content_type: &'static str, name: &str, body: Body, len: Option<u64>) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    response
}

/// `/api/bulk/{month}/{file}`: one force-month file, named as police.uk names it.
pub async fn file(
    State(state): State<AppState>,
    Path((month, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let named = BulkFileName::parse(&file).ok_or(ApiError::NotFound)?;
    if named.month.to_string() != month {
        return Err(ApiError::NotFound);
    }
    let bytes = export::force_month_csv(&state.store, named.kind, named.force.id, named.month)
        .await
        .map_err(failed)?
        .ok_or(ApiError::NotFound)?;
    let len = bytes.len() as u64;
    Ok(attachment("text/csv; charset=utf-8", &file, Body::from(bytes), Some(len)))
}

/// `/api/bulk/{archive}` (`YYYY-MM.zip`): every file imported for the month.
pub async fn archive(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let month: Month = file.strip_suffix(".zip").and_then(|m| m.parse().ok()).ok_or(ApiError::NotFound)?;
    let files = export::files(&state.store, &[month], None).await.map_err(failed)?;
    if files.is_empty() {
        return Err(ApiError::NotFound);
    }
    let Ok(_permit) = ARCHIVES.try_acquire() else {
        return Ok((StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "archives are being made: retry")
            .into_response());
    };
    let io = |e: std::io::Error| failed(ExportError::Io(e));
    let temp = tempfile::tempfile().map_err(io)?;
    let written = export::archive(&state.store, &files, std::io::BufWriter::new(temp)).await.map_err(failed)?;
    let mut temp = written.into_inner().map_err(|e| io(e.into_error()))?;
    let len = temp.metadata().map_err(io)?.len();
    std::io::Seek::rewind(&mut temp).map_err(io)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(temp));
    Ok(attachment("application/zip", &file, Body::from_stream(stream), Some(len)))
}
