//! peel's web layer: routes, and the mapping of domain and store errors to
//! HTTP answers a person or a program can act on.

pub mod api;
pub mod backoffice;
mod error;
mod health;
mod index;
pub mod pledge;
pub mod portal;
mod security_headers;

use std::net::SocketAddr;

use axum::Router;
use peel_store::Store;
use tower_http::trace::TraceLayer;

pub use error::WebError;
pub use index::{SharedIndex, build_index};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Map points and boundaries for area queries; see [`AppState::load`].
    pub index: SharedIndex,
}

/// The whole application: every route peel serves. Back-office settings
/// come from the environment (see [`backoffice::BackofficeConfig::from_env`]).
pub fn app(state: AppState) -> Router {
    app_with(state, backoffice::BackofficeConfig::from_env())
}

/// The whole application with explicit back-office settings (tests use a manual clock).
pub fn app_with(state: AppState, backoffice: backoffice::BackofficeConfig) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(api::routes())
        .merge(portal::routes())
        .merge(pledge::routes())
        .merge(backoffice::routes(&state, backoffice))
        .fallback(not_found)
        .with_state(state)
        .layer(security_headers::layer())
        .layer(TraceLayer::new_for_http())
}

/// police.uk answers unknown API paths with a plain "Not Found"; people get a page.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        (axum::http::StatusCode::NOT_FOUND, "Not Found").into_response()
    } else {
        portal::not_found_page("that page")
    }
}

/// Serves `app` on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| WebError::Bind(addr, e))?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> Result<(), WebError> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown()).await.map_err(WebError::Serve)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
