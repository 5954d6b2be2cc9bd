//! `POST /api/v1/events`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use peel_core::access::Caller;
use peel_core::pledge::{ParsedBatch, parse_body};
use peel_store::{By, IngestError};
use serde_json::{Value, json};

use super::{Staff, TokenRefused};
use crate::Backoffice;
use crate::auth::{Authed, bearer_token, need};
use crate::{AppState, JsonError};
use peel_usecases::accounts;
use peel_usecases::secrets::API_TOKEN_PREFIX;

/// The shared token that may send events. `None` refuses every shared
/// token rather than leaving ingestion open: a server nobody configured must
/// not accept figures from anyone. Back-office API tokens are checked apart.
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

    fn check(&self, headers: &HeaderMap) -> Result<(), TokenRefused> {
        let expected = self.token.as_deref().ok_or(TokenRefused::IngestDisabled)?;
        match bearer_token(headers) {
            Some(t) if same(t.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(TokenRefused::Unauthorized),
        }
    }
}

/// Compares without stopping at the first difference, so response time
/// does not reveal how much of a guessed token was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Who sent a batch: the shared ingest token, or a back-office API token
/// whose user's role may ingest events (a force system's machine account).
pub(super) enum Sender {
    IngestToken,
    User(Box<Authed>, Backoffice),
}

impl Sender {
    /// The audit log's name for the sender.
    fn actor(&self) -> String {
        match self {
            Sender::IngestToken => "ingest-token".to_string(),
            Sender::User(a, _) => a.actor(),
        }
    }

    fn details(&self) -> Value {
        match self {
            Sender::IngestToken => json!({ "via": "ingest-token" }),
            Sender::User(a, _) => a.via_details(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        match self {
            Sender::IngestToken => Utc::now(),
            Sender::User(_, bo) => bo.now(),
        }
    }

    /// The sender as the store's caller: an `event-feed` account sends only
    /// for its own force; the shared token for any.
    fn by(&self) -> By<'_> {
        static SHARED: Caller = Caller::IngestToken;
        match self {
            Sender::IngestToken => By { caller: &SHARED, purpose: "pledge", at: self.now() },
            Sender::User(a, _) => a.by("pledge", self.now()),
        }
    }
}

impl FromRequestParts<AppState> for Sender {
    type Rejection = Response;

    /// The shared token if it matches; else a `peel_…` API token, checked
    /// (401, 403 and the audit of a refusal) exactly as every back-office
    /// API route checks it; else the shared token's own answers.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Sender, Response> {
        let config = parts.extensions.get::<Arc<IngestConfig>>().cloned().unwrap_or_default();
        let Some(token) = bearer_token(&parts.headers) else {
            return Err(JsonError::from(TokenRefused::Unauthorized).into_response());
        };
        if config.token.as_deref().is_some_and(|expected| same(token.as_bytes(), expected.as_bytes())) {
            return Ok(Sender::IngestToken);
        }
        if token.starts_with(API_TOKEN_PREFIX) {
            let Staff(authed, bo, _) = Staff::<need::IngestEvents>::from_request_parts(parts, state).await?;
            return Ok(Sender::User(Box::new(authed), bo));
        }
        config.check(&parts.headers).map_err(|e| JsonError::from(e).into_response())?;
        Ok(Sender::IngestToken)
    }
}

/// The batch in a body, and how many distinct events it holds per force.
fn read_batch(body: &[u8]) -> Result<(ParsedBatch, BTreeMap<String, u64>), JsonError> {
    let text = std::str::from_utf8(body).map_err(|e| JsonError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let batch = parse_body(text);
    let mut keys = HashSet::new();
    let mut forces: BTreeMap<String, u64> = BTreeMap::new();
    for e in &batch.events {
        if keys.insert((e.event.force.as_str(), e.event.event_type(), e.event.id.as_str())) {
            *forces.entry(e.event.force.clone()).or_default() += 1;
        }
    }
    Ok((batch, forces))
}

/// Stores a batch (NDJSON, or a JSON array if the body starts with `[`)
/// or refuses it whole with every error listed. Each stored batch is
/// written to the audit log: who sent it, and how many events per force.
pub(super) async fn ingest(
    State(state): State<AppState>,
    sender: Sender,
    body: Bytes,
) -> Result<Json<Value>, JsonError> {
    // Reading a large batch takes a while (most of a second for a million
    // events): off the async threads, so other requests go on meanwhile.
    let (batch, forces) = tokio::task::spawn_blocking(move || read_batch(&body))
        .await
        .map_err(|e| JsonError::Internal(format!("reading the batch failed: {e}")))??;
    match state.store.pledge().ingest_pledge_events(batch, &sender.by()).await {
        Ok(stored) => {
            let mut details = sender.details();
            details["stored"] = stored.into();
            details["forces"] = json!(forces);
            let subjects: Vec<String> = forces.keys().map(|f| format!("force:{f}")).collect();
            accounts::audit(
                &state.store,
                sender.now(),
                &sender.actor(),
                "events.ingest",
                &subjects.join(" "),
                "pledge",
                details,
            )
            .await
            .map_err(JsonError::from)?;
            Ok(Json(json!({ "stored": stored })))
        }
        Err(IngestError::Invalid(errors)) => Err(JsonError::Events(errors)),
        Err(IngestError::Store(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header;

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
        assert!(matches!(c.check(&auth("Bearer s3cre")), Err(TokenRefused::Unauthorized)));
        assert!(matches!(c.check(&auth("Basic s3cret")), Err(TokenRefused::Unauthorized)));
        assert!(matches!(c.check(&HeaderMap::new()), Err(TokenRefused::Unauthorized)));
        let off = IngestConfig::with_token(Some("  ".into()));
        assert!(matches!(off.check(&auth("Bearer  ")), Err(TokenRefused::IngestDisabled)));
    }
}
