//! Bulk download in police.uk's formats, proved by a round trip on both
//! engines: the sample imported; every month's archive downloaded from
//! `/api/bulk/YYYY-MM.zip`; the archives imported into an empty database
//! (with the same boundaries and neighbourhood files); and then every API
//! route, asked the same questions of both, gives the same answers, and
//! every force-month's CSV downloads byte for byte the same from both.

mod support;

use axum::http::StatusCode;
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use serde_json::Value;
use support::*;

/// The questions asked of both databases, built from what the first holds.
async fn questions(app: &axum::Router) -> Vec<String> {
    let mut uris: Vec<String> = [
        "/api/forces",
        "/api/forces/city-of-london",
        "/api/forces/bedfordshire",
        "/api/city-of-london/neighbourhoods",
        "/api/crime-categories",
        "/api/crime-last-updated",
        "/api/crimes-street-dates",
        "/api/locate-neighbourhood?q=51.5134,-0.0890",
    ]
    .map(String::from)
    .to_vec();
    let dates = get(app, "/api/crimes-street-dates").await.list();
    assert!(dates.len() >= 12, "the sample spans months: {dates:?}");
    let poly = "51.5200,-0.0950:51.5190,-0.0720:51.5080,-0.0750:51.5090,-0.0960";
    for d in &dates {
        let month = &d["date"].as_str().expect("date")[..7];
        for (lat, lng) in [("51.515", "-0.09"), ("51.52", "-0.08"), ("52.136", "-0.467"), ("51.879", "-0.417")] {
            uris.push(format!("/api/crimes-street/all-crime?lat={lat}&lng={lng}&date={month}"));
            uris.push(format!("/api/stops-street?lat={lat}&lng={lng}&date={month}"));
        }
        uris.push(format!("/api/crimes-street/burglary?poly={poly}&date={month}"));
        uris.push(format!("/api/outcomes-at-location?poly={poly}&date={month}"));
        for force in ["city-of-london", "bedfordshire"] {
            uris.push(format!("/api/crimes-no-location?category=all-crime&force={force}&date={month}"));
            uris.push(format!("/api/stops-no-location?force={force}&date={month}"));
            uris.push(format!("/api/stops-force?force={force}&date={month}"));
        }
        // Every map point with crimes near the centre of the City, its
        // crimes, outcomes and stops, and every crime's outcomes.
        let crimes = get(app, &format!("/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date={month}")).await;
        if crimes.status != StatusCode::OK {
            continue;
        }
        for c in crimes.list().iter().take(40) {
            if let Some(id) = c["location"]["street"]["id"].as_i64() {
                uris.push(format!("/api/crimes-at-location?location_id={id}&date={month}"));
                uris.push(format!("/api/stops-at-location?location_id={id}&date={month}"));
                uris.push(format!("/api/outcomes-at-location?location_id={id}&date={month}"));
            }
            if let Some(pid) = c["persistent_id"].as_str().filter(|p| !p.is_empty()) {
                uris.push(format!("/api/outcomes-for-crime/{pid}"));
            }
        }
    }
    uris
}

async fn round_trip(engine: Engine) {
    let first = sample_app(engine).await;
    let files = peel_import::export::files(&first.store, &[], None).await.expect("files");
    assert!(files.iter().any(|f| f.1 == peel_core::records::CsvKind::StopAndSearch), "the sample has every kind");

    // Every month's archive, as a client downloads it.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut months: Vec<_> = files.iter().map(|f| f.0).collect();
    months.dedup();
    for month in &months {
        let answer = get(&first.app, &format!("/api/bulk/{month}.zip")).await;
        assert_eq!(answer.status, StatusCode::OK, "{month}: {}", answer.body);
        assert_eq!(answer.content_type.as_deref(), Some("application/zip"));
        assert!(answer.bytes.starts_with(b"PK\x03\x04"), "{month} is a zip");
        std::fs::write(dir.path().join(format!("{month}.zip")), &answer.bytes).expect("write");
    }

    // Imported into an empty database with the same boundaries and neighbourhoods.
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = sample_dir();
    let paths = [dir.path().to_path_buf(), sample.join("boundaries/neighbourhoods"), sample.join("neighbourhoods")];
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&paths)
        .await
        .expect("import the export");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(
        store.open_data().table_counts().await.expect("counts"),
        first.store.open_data().table_counts().await.expect("counts")
    );
    let state = peel_web::AppState::load(store.clone()).await.expect("state");
    let second = peel_web::app(state);

    let uris = questions(&first.app).await;
    assert!(uris.len() > 300, "asked {} questions", uris.len());
    let mut answered = 0;
    for uri in &uris {
        let (a, b) = (get(&first.app, uri).await, get(&second, uri).await);
        assert_eq!(a.status, b.status, "{uri}");
        if a.status == StatusCode::OK {
            answered += 1;
            let (ja, jb): (Value, Value) = (a.json(), b.json());
            assert_eq!(ja, jb, "{uri}");
        }
    }
    assert!(answered * 10 >= uris.len() * 9, "only {answered} of {} answered 200", uris.len());

    // And the files themselves come back the same, byte for byte.
    for (month, kind, force) in &files {
        let name = peel_import::export::file_name(*month, force, *kind);
        let uri = format!("/api/bulk/{month}/{name}");
        let (a, b) = (get(&first.app, &uri).await, get(&second, &uri).await);
        assert_eq!(a.status, StatusCode::OK, "{uri}");
        assert!(a.content_type.as_deref().is_some_and(|c| c.starts_with("text/csv")), "{uri}");
        assert_eq!(a.bytes, b.bytes, "{uri}");
    }
}

/// The CSVs have police.uk's headers and formats: the sample's own files
/// come back line for line as police.uk published them, but for the case
/// of some street names. A map point keeps one name, the first it was
/// given, and police.uk's own spelling of a point varies between months
/// ("On or near St Paul's" in one, "On or near St Paul'S" in the next).
async fn police_uk_format(engine: Engine) {
    let t = sample_app(engine).await;
    for name in ["2024-06-city-of-london-street.csv", "2024-06-city-of-london-outcomes.csv"] {
        let published = std::fs::read_to_string(sample_dir().join("police-uk/2024-06").join(name)).expect("sample");
        let answer = get(&t.app, &format!("/api/bulk/2024-06/{name}")).await;
        assert_eq!(answer.status, StatusCode::OK);
        let disposition = answer.headers.get("content-disposition").and_then(|v| v.to_str().ok());
        assert_eq!(disposition, Some(format!("attachment; filename=\"{name}\"").as_str()));
        let (ours, theirs): (Vec<&str>, Vec<&str>) = (answer.body.lines().collect(), published.lines().collect());
        assert_eq!(ours.len(), theirs.len(), "{name}");
        let differing: Vec<(&&str, &&str)> =
            ours.iter().zip(&theirs).filter(|(a, b)| !a.eq_ignore_ascii_case(b)).collect();
        assert!(differing.is_empty(), "{name}: {} lines differ, first {:?}", differing.len(), differing.first());
    }
    // Not imported, not a police.uk name, or a month that does not agree: 404.
    for uri in [
        "/api/bulk/2024-06/2024-06-metropolitan-street.csv",
        "/api/bulk/2024-06/street.csv",
        "/api/bulk/2024-07/2024-06-city-of-london-street.csv",
        "/api/bulk/1999-01.zip",
        "/api/bulk/2024-06.tar",
    ] {
        assert_eq!(get(&t.app, uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

both!(round_trip, police_uk_format);
