//! Compression, Prometheus metrics and the optional rate limit.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peel_store::testing::TestDatabase;
use peel_web::rate_limit::RateLimit;
use peel_web::{AppState, app, app_with};
use tower::ServiceExt;

async fn state() -> (TestDatabase, AppState) {
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    (db, AppState::load(store).await.unwrap())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn compresses_when_asked() {
    let (_db, state) = state().await;
    let app = app(state);
    let req = Request::get("/api/forces").header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
    let req = Request::get("/api/forces").header(header::ACCEPT_ENCODING, "br").body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(req).await.unwrap().headers().get(header::CONTENT_ENCODING).unwrap(), "br");
    let res = app.oneshot(get("/api/forces")).await.unwrap();
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none(), "identity unless asked");
}

#[tokio::test]
async fn counts_requests_by_route_template() {
    let (_db, state) = state().await;
    let app = app(state);
    for uri in ["/api/forces", "/api/forces/city-of-london", "/api/forces/bedfordshire", "/no/such/page"] {
        app.clone().oneshot(get(uri)).await.unwrap();
    }
    let res = app.oneshot(get("/metrics")).await.unwrap();
    assert!(res.headers().get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/plain"));
    let body = String::from_utf8(axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    assert!(
        body.contains("peel_http_requests_total{method=\"GET\",route=\"/api/forces/{force}\",status=\"2xx\"} 2"),
        "{body}"
    );
    assert!(body.contains("route=\"unmatched\",status=\"4xx\"} 1"), "{body}");
    assert!(body.contains("peel_http_request_duration_seconds_count{route=\"/api/forces\"} 1"), "{body}");
}

#[tokio::test]
async fn rate_limit_is_off_by_default_and_answers_429_when_on() {
    let (_db, state) = state().await;
    let open = app(state.clone());
    for _ in 0..50 {
        assert_eq!(open.clone().oneshot(get("/api/crime-categories")).await.unwrap().status(), StatusCode::OK);
    }
    let limited = app_with(state, Some(RateLimit { per_second: 0.5, burst: 2.0 }));
    assert_eq!(limited.clone().oneshot(get("/api/crime-categories")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(limited.clone().oneshot(get("/api/crime-categories")).await.unwrap().status(), StatusCode::OK);
    let res = limited.clone().oneshot(get("/api/crime-categories")).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "2");
    // Pages are not limited.
    assert_eq!(limited.oneshot(get("/about")).await.unwrap().status(), StatusCode::OK);
}
