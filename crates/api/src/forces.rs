//! `forces`, `forces/{force}`, `forces/{force}/people`.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use peel_core::force;
use peel_core::geography::EngagementMethod;
use serde::Serialize;

use super::ApiError;
use crate::AppState;

#[derive(Serialize)]
struct ForceRef<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct ForceJson<'a> {
    description: Option<&'a str>,
    url: Option<&'a str>,
    engagement_methods: &'a [EngagementMethod],
    telephone: Option<&'a str>,
    id: &'a str,
    name: &'a str,
}

/// A force `forces/…` answers for: listed by police.uk (so not BTP).
fn listed(id: &str) -> Result<(), ApiError> {
    force::listed_forces().any(|f| f.id == id).then_some(()).ok_or(ApiError::NotFound)
}

pub async fn list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let data = state.index.current();
    let listed: Vec<ForceRef> = data
        .geography()
        .forces
        .iter()
        .map(|f| &f.force)
        .filter(|f| force::listed_forces().any(|k| k.id == f.id))
        .map(|f| ForceRef { id: &f.id, name: &f.name })
        .collect();
    Ok(Json(listed).into_response())
}

pub async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    listed(&id)?;
    let data = state.index.current();
    let f = &data.geography().force(&id).ok_or(ApiError::NotFound)?.force;
    Ok(Json(ForceJson {
        description: f.description.as_deref(),
        url: f.url.as_deref(),
        engagement_methods: &f.engagement_methods,
        telephone: f.telephone.as_deref(),
        id: &f.id,
        name: &f.name,
    })
    .into_response())
}

pub async fn people(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    listed(&id)?;
    let data = state.index.current();
    let people = data.geography().force(&id).map_or(&[][..], |f| &f.people[..]);
    Ok(Json(people).into_response())
}
