//! Crimes from British Transport Police files are located as police.uk
//! locates them: `location_type` "BTP" (see the saved Cheltenham answers,
//! where BTP's crimes at the station sit among Gloucestershire's "Force"
//! ones), on both engines.

mod support;

use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::AppState;
use support::*;

const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

async fn btp_crimes_are_located_as_btp(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = tempfile::tempdir().expect("folder");
    let pid = "1".repeat(64);
    std::fs::write(
        dir.path().join("2021-05-btp-street.csv"),
        format!(
            "{HEADER}\n{pid},2021-05,British Transport Police,British Transport Police,-2.099820,51.897300,On or near Cheltenham Spa (station),E01022104,Cheltenham 010B,Other theft,Under investigation,\n"
        ),
    )
    .expect("BTP file");
    std::fs::write(
        dir.path().join("2021-05-gloucestershire-street.csv"),
        format!(
            "{HEADER}\n,2021-05,Gloucestershire Constabulary,Gloucestershire Constabulary,-2.090912,51.910260,On or near Elm Street,E01022100,Cheltenham 005A,Anti-social behaviour,,\n"
        ),
    )
    .expect("force file");
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[dir.path().to_path_buf()])
        .await
        .expect("import");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let app = peel_web::app(AppState::load(store).await.expect("engine"));

    let crimes = get(&app, "/api/crimes-street/all-crime?lat=51.9042&lng=-2.10141&date=2021-05").await.list();
    assert_eq!(crimes.len(), 2);
    let btp = crimes.iter().find(|c| c["category"] == "other-theft").expect("the BTP crime");
    assert_eq!((&btp["location_type"], &btp["location_subtype"]), (&"BTP".into(), &"".into()));
    let force = crimes.iter().find(|c| c["category"] == "anti-social-behaviour").expect("the force's crime");
    assert_eq!(force["location_type"], "Force");
    let history = get(&app, &format!("/api/outcomes-for-crime/{pid}")).await.json();
    assert_eq!(history["crime"]["location_type"], "BTP");
}

both!(btp_crimes_are_located_as_btp);
