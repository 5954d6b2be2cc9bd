//! HTTP behaviour around the API answers: ETag revalidation, Cache-Control
//! and CORS. These do not depend on the engine; they run on SQLite with a
//! small synthetic month.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peel_import::{ImportOptions, Importer};
use peel_store::testing::TestDatabase;
use peel_web::AppState;
use support::*;

const STREET: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context
,2024-01,City of London Police,City of London Police,-0.090000,51.514000,On or near Test Street,E01000001,City of London 001A,Anti-social behaviour,,
";

async fn app() -> (TestDatabase, axum::Router) {
    let db = TestDatabase::sqlite();
    let store = db.store().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("2024-01-city-of-london-street.csv"), STREET).expect("write CSV");
    Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[dir.path().to_path_buf()])
        .await
        .expect("import");
    let app = peel_web::app(AppState::load(store).await.expect("index"));
    (db, app)
}

#[tokio::test]
async fn etag_and_cache_control() {
    let (_db, app) = app().await;
    let uri = "/api/crimes-street/all-crime?lat=51.514&lng=-0.09&date=2024-01";
    let first = get(&app, uri).await;
    assert_eq!(first.list().len(), 1);
    let tag = first.headers.get(header::ETAG).expect("an ETag").clone();
    assert_eq!(first.headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"public, max-age=3600"[..]));
    let again = get(&app, uri).await;
    assert_eq!(again.headers.get(header::ETAG), Some(&tag), "the same answer has the same tag");

    let request = Request::get(uri).header(header::IF_NONE_MATCH, tag.clone()).body(Body::empty()).expect("request");
    let revalidated = send(&app, request).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());

    // Undated answers follow the latest month, so they must be revalidated.
    let undated = get(&app, "/api/crimes-street/all-crime?lat=51.514&lng=-0.09").await;
    assert_eq!(undated.headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"no-cache"[..]));
    // Errors carry neither.
    let missing = get(&app, "/api/forces/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.headers.get(header::ETAG).is_none());
}

#[tokio::test]
async fn cors_for_any_origin() {
    let (_db, app) = app().await;
    let request =
        Request::get("/api/forces").header(header::ORIGIN, "https://example.org").body(Body::empty()).expect("request");
    let answer = send(&app, request).await;
    assert_eq!(answer.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.as_bytes()), Some(&b"*"[..]));

    let preflight = Request::options("/api/crimes-street/all-crime")
        .header(header::ORIGIN, "https://example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .expect("request");
    let answer = send(&app, preflight).await;
    assert!(answer.status.is_success());
    let methods = answer.headers.get(header::ACCESS_CONTROL_ALLOW_METHODS).and_then(|v| v.to_str().ok());
    assert!(methods.is_some_and(|m| m.contains("GET") && m.contains("POST")), "{methods:?}");
}
