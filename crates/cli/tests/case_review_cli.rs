//! `peel case-review procedure …`, run as a person would, on both engines.

use std::process::Output;

use peel_store::Engine;
use peel_store::testing::TestDatabase;

mod support;
use support::text;

fn peel(args: &[&str]) -> Output {
    support::peel_with("", args, &[])
}

async fn adopt_a_procedure_from_a_file(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let url = db.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("luton.json");

    let example = peel(&["case-review", "procedure", "example"]);
    assert!(example.status.success());
    let mut v: serde_json::Value = serde_json::from_slice(&example.stdout).expect("the example is JSON");
    v["version"] = "luton-2026-1".into();
    std::fs::write(&file, v.to_string()).unwrap();
    let path = file.to_str().unwrap();

    let adopt = [
        "case-review",
        "procedure",
        "adopt",
        "--force",
        "bedfordshire",
        "--csp",
        "luton",
        path,
        "--database-url",
        &url,
    ];
    let no_csp = peel(&adopt);
    assert!(!no_csp.status.success());
    assert!(text(&no_csp).1.contains("no community safety partnership luton"), "{:?}", text(&no_csp));

    peel_store::testing::put_luton_partnership(&store).await.unwrap();
    let show =
        ["case-review", "procedure", "show", "--force", "bedfordshire", "--csp", "luton", "--database-url", &url];
    let before = peel(&show);
    assert!(text(&before).1.contains("the national default applies"), "{:?}", text(&before));

    let ok = peel(&adopt);
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert!(text(&ok).0.contains("bedfordshire/luton now uses procedure version luton-2026-1"));
    let again = peel(&adopt);
    assert!(!again.status.success());
    assert!(text(&again).1.contains("already has a procedure version \"luton-2026-1\""), "{:?}", text(&again));
    let after = peel(&show);
    assert!(text(&after).0.contains("\"version\": \"luton-2026-1\""), "{:?}", text(&after));

    v["rules"] = serde_json::json!([{ "id": "five", "kind": "complaints", "min": 5, "description": "Five" }]);
    std::fs::write(&file, v.to_string()).unwrap();
    let high = peel(&adopt);
    assert!(!high.status.success());
    assert!(text(&high).1.contains("no higher than 3"), "{:?}", text(&high));
    std::fs::write(&file, "{ not json").unwrap();
    assert!(text(&peel(&adopt)).1.contains("not valid JSON"));
}

peel_store::on_both_engines!(adopt_a_procedure_from_a_file);
