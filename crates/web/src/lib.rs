//! peel's web server: composes the police.uk-compatible API (`peel-api`),
//! the public portal (`peel-portal`) and the back office (`peel-backoffice`)
//! into one application, with what every answer passes through: metrics,
//! the rate limit, security headers, compression and the connection limits.

mod health;
mod metrics;
mod security_headers;
mod server;

use std::net::SocketAddr;

use axum::Router;
use tower_http::trace::TraceLayer;

pub use peel_api as api;
pub use peel_backoffice as backoffice;
pub use peel_backoffice::{open311, pledge};
pub use peel_http::{AppState, JsonError, SharedIndex, build_index, keep_fresh, rate_limit};
pub use peel_portal as portal;
pub use peel_portal::{asb_standards, community_trigger};
pub use server::ServerLimits;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    Store(#[from] peel_store::StoreError),
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

/// The public pages, each with its tables downloadable as CSV (`?format=csv`).
fn public_pages(routes: Router<AppState>) -> Router<AppState> {
    routes.layer(axum::middleware::from_fn(portal::tables::csv_downloads))
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
        .merge(public_pages(portal::routes()))
        // Ingest takes back-office API tokens too, so it needs their settings.
        .merge(pledge::routes().layer(axum::Extension(backoffice::Backoffice(std::sync::Arc::new(backoffice.clone())))))
        .merge(public_pages(community_trigger::routes()))
        .merge(public_pages(asb_standards::routes()))
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
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| ServeError::Bind(addr, e))?;
    serve_on_with(state, listener, rate_limit, limits).await
}

/// [`serve_on_with`] with the default [`ServerLimits`].
pub async fn serve_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    rate_limit: Option<rate_limit::RateLimit>,
) -> Result<(), ServeError> {
    serve_on_with(state, listener, rate_limit, ServerLimits::default()).await
}

/// Serves the application on `listener` until Ctrl-C or SIGTERM.
pub async fn serve_on_with(
    state: AppState,
    listener: tokio::net::TcpListener,
    rate_limit: Option<rate_limit::RateLimit>,
    limits: ServerLimits,
) -> Result<(), ServeError> {
    // An import by another process (or another server) is served without a restart.
    let fresh = tokio::spawn(keep_fresh(state.clone()));
    let backoffice = backoffice::BackofficeConfig::from_env();
    let app = app_with_backoffice(state.clone(), rate_limit, backoffice.clone());
    let served = server::run(listener, app, limits, shutdown()).await.map_err(ServeError::Serve);
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
