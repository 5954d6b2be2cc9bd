//! Pledge compliance at BCU level: the force's rules over the events of the
//! BCU's neighbourhoods, on both engines.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use peel_core::pledge::{AreaKind, CommitmentId, generate};
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::{AppState, SharedIndex, app};
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, serde_json::Value) {
    let res = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

async fn bcu_figures(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    let files = [sample.join("neighbourhoods/city-of-london.json"), sample.join("areas/city-of-london.json")];
    let summary =
        Importer::new(&store, ImportOptions { quiet: true, ..Default::default() }).import_paths(&files).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let hoods: Vec<(String, AreaKind)> =
        store.pledge().neighbourhood_areas("city-of-london").await.unwrap().into_iter().collect();
    let plan = generate::Plan {
        force: "city-of-london",
        month: "2025-06".parse().unwrap(),
        neighbourhoods: &hoods,
        seed: 11,
        now: "2026-01-01T00:00:00Z".parse().unwrap(),
    };
    store.pledge().put_pledge_events(&generate::month(&plan)).await.unwrap();
    let app = app(AppState { store: store.clone(), index: SharedIndex::default() });

    // City of London's one BCU holds all six neighbourhoods (through its single CSP).
    let members = store.geography().bcu_neighbourhoods("city-of-london", "city").await.unwrap().unwrap();
    assert_eq!(members.len(), 6);
    assert_eq!(store.geography().bcu_neighbourhoods("city-of-london", "nowhere").await.unwrap(), None);

    let (status, bcu) = get(&app, "/api/v1/pledge/compliance?force=city-of-london&month=2025-06&bcu=city").await;
    assert_eq!(status, StatusCode::OK, "{bcu}");
    assert_eq!(bcu["bcu"], "city");
    let (_, force) = get(&app, "/api/v1/pledge/compliance?force=city-of-london&month=2025-06").await;
    let figure = |r: &serde_json::Value, id: CommitmentId| {
        let id = serde_json::to_value(id).unwrap();
        r["commitments"].as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap()
    };
    // What only neighbourhoods do is the same as the force's, since the BCU is all of it.
    for id in [CommitmentId::TeamMessageReply, CommitmentId::TeamVisibility, CommitmentId::PublicMeetings] {
        let (b, f) = (figure(&bcu, id), figure(&force, id));
        assert_eq!((&b["eligible"], &b["met"]), (&f["eligible"], &f["met"]), "{id:?}");
    }
    // A BCU counts only what names one of its neighbourhoods.
    for id in [CommitmentId::Answer999, CommitmentId::EmergencyAttendance, CommitmentId::VictimUpdates] {
        let (b, f) = (figure(&bcu, id), figure(&force, id));
        assert!(b["eligible"].as_u64().unwrap() <= f["eligible"].as_u64().unwrap(), "{id:?}");
    }
    // The sum of the neighbourhoods' messages is the BCU's.
    let mut by_hood = 0;
    for n in &members {
        let (_, r) =
            get(&app, &format!("/api/v1/pledge/compliance?force=city-of-london&month=2025-06&neighbourhood={n}")).await;
        by_hood += figure(&r, CommitmentId::TeamMessageReply)["eligible"].as_u64().unwrap();
    }
    assert_eq!(by_hood, figure(&bcu, CommitmentId::TeamMessageReply)["eligible"].as_u64().unwrap());

    let (status, body) = get(&app, "/api/v1/pledge/compliance?force=city-of-london&month=2025-06&bcu=nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) =
        get(&app, "/api/v1/pledge/compliance?force=city-of-london&month=2025-06&bcu=city&neighbourhood=ban").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

peel_store::on_both_engines!(bcu_figures);
