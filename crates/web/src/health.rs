//! `/healthz`: is the process up and can it reach its database?

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::{AppState, JsonError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, JsonError> {
    state.store.ping().await?;
    let engine = match state.store.engine() {
        peel_store::Engine::Sqlite => "sqlite",
        peel_store::Engine::Postgres => "postgres",
    };
    Ok(Json(json!({
        "status": "ok",
        "database": engine,
        "version": env!("CARGO_PKG_VERSION"),
        // The data version served from memory, for telling replicas apart.
        "data_version": state.index.current().version(),
    })))
}
