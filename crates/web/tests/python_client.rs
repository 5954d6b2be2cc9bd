//! A real police.uk client library from a package registry (the Python
//! `police-api-client`, built to power police.uk) drives a running peel by
//! base URL only, on both engines. The library is installed into a virtual
//! environment under `target/` on first use; the test fails (never skips)
//! when Python or the package cannot be had.

use std::path::{Path, PathBuf};
use std::process::Command;

use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::AppState;

const CLIENT: &str = "police-api-client==1.2.2";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The virtual environment with the client, made once and shared: built in a
/// scratch folder and renamed into place, so parallel tests never see half of one.
fn python_with_client() -> PathBuf {
    let venv = workspace().join("target/python-client-1.2.2");
    let python = venv.join("bin/python");
    if python.exists() {
        return python;
    }
    let scratch = workspace().join(format!("target/python-client-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let ok =
        Command::new("python3").args(["-m", "venv"]).arg(&scratch).status().expect("python3 is needed for this test");
    assert!(ok.success(), "python3 -m venv failed");
    let ok = Command::new(scratch.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", CLIENT])
        .status()
        .expect("pip");
    assert!(ok.success(), "pip install {CLIENT} failed");
    if std::fs::rename(&scratch, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&scratch); // another test made it first
    }
    python
}

async fn python_client_drives_peel(engine: Engine) {
    let python = tokio::task::spawn_blocking(python_with_client).await.unwrap();
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = workspace().join("data/sample");
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[sample])
        .await
        .unwrap();
    assert!(summary.failed.is_empty());
    let state = AppState::load(store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(peel_web::serve_on(state, listener, None));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client/police_api_client_test.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).env("PEEL_BASE_URL", format!("http://127.0.0.1:{port}/api/")).output().unwrap()
    })
    .await
    .unwrap();
    server.abort();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the police.uk client failed against peel:\n{text}");
    assert!(text.contains("Ran 7 tests"), "{text}");
}

peel_store::on_both_engines!(python_client_drives_peel);
