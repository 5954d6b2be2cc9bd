//! Answers whose JSON the open-data engine writes itself (records written
//! straight from its columns, in police.uk's shapes: see
//! `peel_spatial::open_data`), sent as they are.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// A JSON answer from the bytes `write` puts in a buffer.
pub fn body(write: impl FnOnce(&mut Vec<u8>)) -> Response {
    let mut out = Vec::new();
    write(&mut out);
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], out).into_response()
}

/// `[]`, police.uk's answer where there is nothing to list.
pub fn empty() -> Response {
    body(|out| out.extend_from_slice(b"[]"))
}
