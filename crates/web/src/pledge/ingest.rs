//! `POST /api/v1/events`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::{Extension, Json};
use peel_core::pledge::parse_body;
use peel_store::IngestError;
use serde_json::{Value, json};

use super::PledgeError;
use crate::{AppState, WebError};

/// Who may send events. `None` disables ingestion rather than leaving it
/// open: a server nobody configured must not accept figures from anyone.
#[derive(Debug, Clone, Default)]
pub struct IngestConfig {
    token: Option<String>,
}

impl IngestConfig {
    /// Reads `PEEL_INGEST_TOKEN`; unset or empty disables ingestion.
    pub fn from_env() -> IngestConfig {
        IngestConfig::with_token(std::env::var("PEEL_INGEST_TOKEN").ok())
    }

    pub fn with_token(token: Option<String>) -> IngestConfig {
        IngestConfig { token: token.filter(|t| !t.trim().is_empty()) }
    }

    fn check(&self, headers: &HeaderMap) -> Result<(), PledgeError> {
        let expected = self.token.as_deref().ok_or(PledgeError::IngestDisabled)?;
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match given {
            Some(t) if same(t.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(PledgeError::Unauthorized),
        }
    }
}

/// Compares without stopping at the first difference, so response time
/// does not reveal how much of a guessed token was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Stores a batch (NDJSON, or a JSON array if the body starts with `[`)
/// or refuses it whole with every error listed.
pub(super) async fn ingest(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<IngestConfig>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, PledgeError> {
    config.check(&headers)?;
    let text = std::str::from_utf8(&body).map_err(|e| WebError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    match state.store.ingest_pledge_events(parse_body(text)).await {
        Ok(stored) => Ok(Json(json!({ "stored": stored }))),
        Err(IngestError::Invalid(errors)) => Err(PledgeError::Invalid(errors)),
        Err(IngestError::Store(e)) => Err(WebError::from(e).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().expect("header"));
        h
    }

    #[test]
    fn tokens() {
        let c = IngestConfig::with_token(Some("s3cret".into()));
        assert!(c.check(&auth("Bearer s3cret")).is_ok());
        assert!(c.check(&auth("bearer s3cret")).is_ok());
        assert!(matches!(c.check(&auth("Bearer s3cre")), Err(PledgeError::Unauthorized)));
        assert!(matches!(c.check(&auth("Basic s3cret")), Err(PledgeError::Unauthorized)));
        assert!(matches!(c.check(&HeaderMap::new()), Err(PledgeError::Unauthorized)));
        let off = IngestConfig::with_token(Some("  ".into()));
        assert!(matches!(off.check(&auth("Bearer  ")), Err(PledgeError::IngestDisabled)));
    }
}
