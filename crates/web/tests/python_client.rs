//! A real police.uk client library from a package registry (the Python
//! `police-api-client`, built to power police.uk) drives a running peel by
//! base URL only, on both engines. The library is installed into a virtual
//! environment under `target/` on first use; the test fails (never skips)
//! when Python or the package cannot be had.

use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::AppState;

mod support;

use support::python::{run_script, venv_with};

async fn python_client_drives_peel(engine: Engine) {
    let python =
        tokio::task::spawn_blocking(|| venv_with("python-client-1.2.2", &["police-api-client==1.2.2"])).await.unwrap();
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = support::sample_dir();
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[sample])
        .await
        .unwrap();
    assert!(summary.failed.is_empty());
    let state = AppState::load(store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(peel_web::serve_on(state, listener, None));
    let base = format!("http://127.0.0.1:{port}/api/");
    let result = tokio::task::spawn_blocking(move || {
        run_script(&python, "police_api_client_test.py", &[("PEEL_BASE_URL", base)])
    })
    .await
    .unwrap();
    server.abort();
    let text = result.unwrap_or_else(|text| panic!("the police.uk client failed against peel:\n{text}"));
    assert!(text.contains("Ran 7 tests"), "{text}");
}

peel_store::on_both_engines!(python_client_drives_peel);
