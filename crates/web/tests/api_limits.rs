//! police.uk's limits on both engines: over 10,000 crimes or outcomes in an
//! area is 503, a request line over 4,094 characters is 400; and the index
//! follows an import once reloaded.

mod support;

use std::fmt::Write as _;
use std::path::Path;

use axum::http::StatusCode;
use peel_import::{ImportOptions, Importer};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};
use peel_web::AppState;
use support::*;

const STREET_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";
const OUTCOMES_HEADER: &str =
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type";
const FORCE: &str = "City of London Police";

/// Writes `n` burglaries (every tenth a robbery) at three map points near
/// Bank, each with one outcome, as police.uk files for 2024-01.
fn write_busy_month(dir: &Path, n: usize) {
    let points = [(-0.089, 51.513), (-0.090, 51.514), (-0.091, 51.515)];
    let (mut street, mut outcomes) = (format!("{STREET_HEADER}\n"), format!("{OUTCOMES_HEADER}\n"));
    for i in 0..n {
        let (lng, lat) = points[i % 3];
        let kind = if i % 10 == 0 { "Robbery" } else { "Burglary" };
        let pid = format!("{i:064x}");
        let _ = writeln!(
            street,
            "{pid},2024-01,{FORCE},{FORCE},{lng:.6},{lat:.6},On or near Test Street,E01000001,City of London 001A,{kind},Under investigation,"
        );
        let _ = writeln!(
            outcomes,
            "{pid},2024-01,{FORCE},{FORCE},{lng:.6},{lat:.6},On or near Test Street,E01000001,City of London 001A,Under investigation"
        );
    }
    std::fs::write(dir.join("2024-01-city-of-london-street.csv"), street).expect("write street CSV");
    std::fs::write(dir.join("2024-01-city-of-london-outcomes.csv"), outcomes).expect("write outcomes CSV");
}

async fn import(store: &Store, dir: &Path) {
    let summary = Importer::new(store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[dir.to_path_buf()])
        .await
        .expect("import");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
}

async fn check_limits(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    write_busy_month(dir.path(), 10_001);
    import(&store, dir.path()).await;
    let app = peel_web::app(AppState::load(store).await.expect("index"));

    let busy = get(&app, "/api/crimes-street/all-crime?lat=51.514&lng=-0.09&date=2024-01").await;
    assert_eq!((busy.status, busy.body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, ""));
    let poly = "51.51,-0.095:51.52,-0.095:51.52,-0.085:51.51,-0.085";
    let posted = post_form(&app, "/api/crimes-street/all-crime", &format!("poly={poly}&date=2024-01")).await;
    assert_eq!(posted.status, StatusCode::SERVICE_UNAVAILABLE);
    // One category of the same area is within the limit.
    let robberies = get(&app, "/api/crimes-street/robbery?lat=51.514&lng=-0.09&date=2024-01").await.list();
    assert_eq!(robberies.len(), 1_001);
    let outcomes = get(&app, &format!("/api/outcomes-at-location?poly={poly}&date=2024-01")).await;
    assert_eq!(outcomes.status, StatusCode::SERVICE_UNAVAILABLE);
    // One map point is not an area: no limit.
    let at = get(&app, "/api/crimes-at-location?lat=51.514&lng=-0.09&date=2024-01").await.list();
    assert_eq!(at.len(), 3_334);

    // Request lines: 4,094 characters pass, 4,095 do not.
    let base = "/api/crimes-street/all-crime?lat=51.514&lng=-0.09&date=2024-02&pad=";
    let overhead = "GET ".len() + base.len() + " HTTP/1.1".len();
    let at_limit = format!("{base}{}", "x".repeat(4094 - overhead));
    assert!(get(&app, &at_limit).await.list().is_empty());
    let over = get(&app, &format!("{at_limit}x")).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST);
    // A long polygon goes by POST instead, as police.uk advises.
    let mut long_poly: Vec<String> = Vec::new();
    for i in 0..400 {
        let a = f64::from(i) / 400.0 * std::f64::consts::TAU;
        long_poly.push(format!("{:.6},{:.6}", 51.0 + 0.01 * a.sin(), -0.5 + 0.01 * a.cos()));
    }
    let long_poly = long_poly.join(":");
    assert!(long_poly.len() > 4_094);
    let get_long = get(&app, &format!("/api/crimes-street/all-crime?poly={long_poly}&date=2024-01")).await;
    assert_eq!(get_long.status, StatusCode::BAD_REQUEST);
    let post_long = post_form(&app, "/api/crimes-street/all-crime", &format!("poly={long_poly}&date=2024-01")).await;
    assert!(post_long.list().is_empty());
}

async fn check_reload_after_import(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let state = AppState::load(store.clone()).await.expect("index");
    let app = peel_web::app(state.clone());
    let uri = "/api/crimes-street/all-crime?lat=51.514&lng=-0.09";
    assert!(get(&app, uri).await.list().is_empty(), "no data yet: an empty list");
    assert_eq!(get(&app, "/api/crime-last-updated").await.status, StatusCode::NOT_FOUND);

    let dir = tempfile::tempdir().expect("temporary folder");
    write_busy_month(dir.path(), 30);
    import(&store, dir.path()).await;
    // The store has the crimes; the index learns their map points on reload.
    assert!(get(&app, uri).await.list().is_empty());
    state.reload_index().await.expect("reload");
    assert_eq!(get(&app, uri).await.list().len(), 30);
}

both!(check_limits, check_reload_after_import);
