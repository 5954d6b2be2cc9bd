//! peel's web layer: routes, and the mapping of domain and store errors to
//! HTTP answers a person or a program can act on.

pub mod api;
pub mod asb_standards;
pub mod backoffice;
pub mod community_trigger;
mod error;
mod health;
mod index;
mod json_query;
mod metrics;
pub mod open311;
pub mod pledge;
pub mod portal;
pub mod rate_limit;
mod security_headers;
mod server;

use std::net::SocketAddr;

use axum::Router;
use peel_store::Store;
use tower_http::trace::TraceLayer;

pub use error::WebError;
pub use index::{SharedIndex, build_index, keep_fresh};
pub use server::ServerLimits;

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
    app_with(state, None)
}

/// The application with an optional rate limit on `/api/` (off by default).
/// Back-office settings come from the environment.
pub fn app_with(state: AppState, rate_limit: Option<rate_limit::RateLimit>) -> Router {
    app_with_backoffice(state, rate_limit, backoffice::BackofficeConfig::from_env())
}

/// The application with explicit back-office settings (tests use a manual clock).
pub fn app_with_backoffice(
    state: AppState,
    rate_limit: Option<rate_limit::RateLimit>,
    backoffice: backoffice::BackofficeConfig,
) -> Router {
    let metrics = metrics::Metrics::default();
    let mut router = Router::new()
        .merge(health::routes())
        .merge(api::routes())
        .merge(portal::routes())
        // Ingest takes back-office API tokens too, so it needs their settings.
        .merge(pledge::routes().layer(axum::Extension(backoffice::Backoffice(std::sync::Arc::new(backoffice.clone())))))
        .merge(community_trigger::routes())
        .merge(asb_standards::routes())
        .merge(backoffice::routes(&state, backoffice))
        .fallback(not_found)
        .with_state(state)
        .route("/metrics", axum::routing::get(metrics::endpoint).with_state(metrics.clone()))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track));
    if let Some(limit) = rate_limit {
        router =
            router.layer(axum::middleware::from_fn_with_state(rate_limit::Limiter::new(limit), rate_limit::enforce));
    }
    router
        .layer(security_headers::layer())
        .layer(tower_http::compression::CompressionLayer::new())
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

/// Serves the application on `addr` until Ctrl-C or SIGTERM, within `limits`.
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
    rate_limit: Option<rate_limit::RateLimit>,
    limits: ServerLimits,
) -> Result<(), WebError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| WebError::Bind(addr, e))?;
    serve_on_with(state, listener, rate_limit, limits).await
}

/// [`serve_on_with`] with the default [`ServerLimits`].
pub async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    rate_limit: Option<rate_limit::RateLimit>,
) -> Result<(), WebError> {
    serve_on_with(state, listener, rate_limit, ServerLimits::default()).await
}

/// Serves the application on `listener` until Ctrl-C or SIGTERM.
pub async fn serve_on_with(
    state: AppState,
    listener: tokio::net::TcpListener,
    rate_limit: Option<rate_limit::RateLimit>,
    limits: ServerLimits,
) -> Result<(), WebError> {
    // An import by another process (or another server) is served without a restart.
    let fresh = tokio::spawn(index::keep_fresh(state.clone()));
    let backoffice = backoffice::BackofficeConfig::from_env();
    let app = app_with_backoffice(state.clone(), rate_limit, backoffice.clone());
    let served = server::run(listener, app, limits, shutdown()).await.map_err(WebError::Serve);
    fresh.abort();
    served?;
    // Windows of throttled sign-ins still open would otherwise go unrecorded.
    backoffice.throttled_sign_ins.write_all(&state.store, backoffice.clock.now()).await?;
    Ok(())
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
