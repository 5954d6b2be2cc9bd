//! `peel events standards …`: setting and withdrawing a local Pledge
//! standard from the command line, on both engines.

use std::process::Output;

use peel_core::geography::Neighbourhood;
use peel_store::testing::TestDatabase;
use peel_store::{Engine, NeighbourhoodDetails};

mod support;
use support::text;

fn peel(url: &str, args: &[&str]) -> Output {
    support::peel_with(url, args, &[])
}

async fn local_standards_are_set_and_withdrawn(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let neighbourhood =
        Neighbourhood { force_id: "kent".into(), id: "town".into(), name: "Town".into(), ..Default::default() };
    store
        .geography()
        .put_neighbourhood(&NeighbourhoodDetails { neighbourhood, ..Default::default() })
        .await
        .expect("town");
    let url = db.url.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("answer-8s.json");
    let standard = serde_json::json!({
        "id": "999-answer", "version": "town-2024", "description": "999 calls are answered within 8 seconds.",
        "limit": {"kind": "within", "seconds": 8}, "source": "Town Neighbourhood Agreement"
    });
    std::fs::write(&file, standard.to_string()).expect("write");
    let path = file.to_str().expect("path");
    let town = ["events", "standards", "--force", "kent", "--neighbourhood", "town"];
    fn with<'a>(town: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [town, extra].concat()
    }

    let set = peel(&url, &with(&town, &["--set", path]));
    assert!(set.status.success(), "{:?}", text(&set));
    assert!(text(&set).0.contains("\"version\": \"town-2024\""), "{:?}", text(&set));

    let withdraw = with(&town, &["--withdraw", "999-answer"]);
    let gone = peel(&url, &withdraw);
    assert!(gone.status.success(), "{:?}", text(&gone));
    let (out, err) = text(&gone);
    assert!(!out.contains("town-2024") && out.contains("\"version\": \"national-2008\""), "{out}");
    assert!(err.contains("Withdrew kent/town's local 999-answer standard; version national-2008"), "{err}");

    // Nothing left to withdraw: said plainly, with a failing exit.
    let again = peel(&url, &withdraw);
    assert!(!again.status.success());
    assert!(text(&again).1.contains("kent/town has no local 999-answer standard of its own"), "{:?}", text(&again));
    let unknown = peel(&url, &with(&town, &["--withdraw", "999-answered"]));
    assert!(!unknown.status.success());
    assert!(text(&unknown).1.contains("not a Pledge commitment"), "{:?}", text(&unknown));
    let nowhere = peel(
        &url,
        &["events", "standards", "--force", "kent", "--neighbourhood", "nowhere", "--withdraw", "999-answer"],
    );
    assert!(!nowhere.status.success());
    assert!(text(&nowhere).1.contains("neighbourhood nowhere in force kent not found"), "{:?}", text(&nowhere));
    let both = peel(&url, &with(&town, &["--set", path, "--withdraw", "999-answer"]));
    assert!(!both.status.success(), "one change at a time");
    let set = store.pledge().pledge_standards("kent", Some("town")).await.expect("set");
    assert_eq!(set.get(peel_core::pledge::CommitmentId::Answer999).version, "national-2008");

    let help = peel("", &["events", "standards", "--help"]);
    assert!(text(&help).0.contains("--withdraw 999-answer"), "{:?}", text(&help));
}

peel_store::on_both_engines!(local_standards_are_set_and_withdrawn);
