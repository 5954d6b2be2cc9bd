//! A real Open311 GeoReport v2 client library from a package registry (the
//! Python `georeport`) reads a running peel by base URL, in JSON and XML, on
//! both engines; reports are posted with `requests` as the specification
//! describes (the library itself only reads). See
//! `tests/client/open311_client_test.py`.

use chrono::Utc;
use peel_core::access::{OrgKind, Role};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_usecases::accounts::{self, NewAccount};
use peel_web::AppState;

mod support;

use support::python::{run_script, venv_with};

async fn open311_client_drives_peel(engine: Engine) {
    let python =
        tokio::task::spawn_blocking(|| venv_with("python-georeport-0.3.1", &["georeport==0.3.1"])).await.unwrap();
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let now = Utc::now();
    let org = accounts::add_organisation(
        &store,
        &peel_store::testing::setup_at(now),
        "Luton Borough Council",
        OrgKind::Council,
        &peel_store::testing::default_reach("Luton Borough Council", OrgKind::Council),
    )
    .await
    .unwrap();
    let new = NewAccount {
        email: "street-app@luton.example",
        display_name: "Street reporting app",
        organisation_id: org.id,
        role: Role::CallHandler,
        password: "correct horse battery staple",
    };
    let user =
        accounts::add_user(&store, &peel_store::testing::setup_at(now), &new, &Default::default()).await.unwrap();
    let key =
        accounts::issue_api_token(&store, &peel_store::testing::setup_at(now), &user, "street app").await.unwrap().0;
    let state = AppState::load(store.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(peel_web::serve_on(state, listener, None));
    let base = format!("http://127.0.0.1:{port}/open311/v2");
    let result = tokio::task::spawn_blocking(move || {
        run_script(&python, "open311_client_test.py", &[("PEEL_OPEN311_URL", base), ("PEEL_API_KEY", key)])
    })
    .await
    .unwrap();
    server.abort();
    let text = result.unwrap_or_else(|text| panic!("the Open311 client failed against peel:\n{text}"));
    assert!(text.contains("Ran 4 tests"), "{text}");
    // The photo link the app sent is on the stored reports, for staff.
    let caller = store.accounts().caller_for(&user).await.unwrap();
    let v = peel_store::asb::Viewer::new(&caller, "testing", Utc::now()).unwrap();
    let mut links = Vec::new();
    for r in store.asb().asb_reports(&v, 100).await.unwrap() {
        links.extend(store.asb().asb_report(r.id, &v).await.unwrap().media_url);
    }
    assert!(!links.is_empty() && links.iter().all(|l| l == "https://photos.example.org/shouting.jpg"), "{links:?}");
}

peel_store::on_both_engines!(open311_client_drives_peel);
