//! `peel asb standards …`, run as an ASB coordinator would, on both engines.

use std::process::Output;

use peel_store::Engine;
use peel_store::testing::TestDatabase;

mod support;
use support::text;

fn peel(url: &str, args: &[&str]) -> Output {
    support::peel_with(url, args, &[("PEEL_USER_PASSWORD", "a long enough passphrase")])
}

async fn coordinators_adopt_standards_from_a_file(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let url = db.url.clone();
    assert!(peel(&url, &["org", "add", "--kind", "council", "Luton Council"]).status.success());
    assert!(peel(&url, &["org", "add", "--kind", "force", "--force", "bedfordshire", "Beds Police"]).status.success());
    for (org, role, email) in [
        ("Luton Council", "asb-coordinator", "cora@luton.example"),
        ("Luton Council", "officer", "pc@luton.example"),
        ("Beds Police", "asb-coordinator", "co@beds.example"),
    ] {
        let o = peel(&url, &["user", "add", "--org", org, "--role", role, email]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let example = peel("", &["asb", "standards", "example"]);
    assert!(example.status.success(), "{:?}", text(&example));
    let mut v: serde_json::Value = serde_json::from_slice(&example.stdout).expect("the example is JSON");
    assert_eq!(v["version"], "national-default-1");
    v["version"] = "luton-2027-1".into();
    v["first_contact_hours"] = 12.into();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("luton.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let path = file.to_str().unwrap();
    let adopt = |by: &str| {
        let args = ["asb", "standards", "adopt", "--force", "bedfordshire", "--csp", "luton", "--by", by, path];
        peel(&url, &args)
    };
    let show = ["asb", "standards", "show", "--force", "bedfordshire", "--csp", "luton"];

    // The force's coordinator reaches all its partnerships, once imported.
    let no_csp = adopt("co@beds.example");
    assert!(!no_csp.status.success());
    assert!(text(&no_csp).1.contains("import the force's areas"), "{:?}", text(&no_csp));
    // The council reaches no partnership until it is placed in one.
    let unplaced = adopt("cora@luton.example");
    assert!(text(&unplaced).1.contains("outside what Luton Council works within"), "{:?}", text(&unplaced));
    peel_store::testing::put_luton_partnership(&store).await.unwrap();
    let placed = peel(&url, &["org", "scope", "--partnership", "bedfordshire/luton", "Luton Council"]);
    assert!(placed.status.success(), "{:?}", text(&placed));
    let before = peel(&url, &show);
    assert!(text(&before).1.contains("the national default applies"), "{:?}", text(&before));
    assert!(text(&before).0.contains("\"version\": \"national-default-1\""));

    let officer = adopt("pc@luton.example");
    assert!(!officer.status.success());
    assert!(text(&officer).1.contains("The role officer may not run case reviews"), "{:?}", text(&officer));
    let ok = adopt("cora@luton.example");
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert!(text(&ok).0.contains("bedfordshire/luton now publishes standards version luton-2027-1"), "{:?}", text(&ok));
    let again = adopt("cora@luton.example");
    assert!(!again.status.success());
    assert!(text(&again).1.contains("give the new one its own version"), "{:?}", text(&again));
    let after = peel(&url, &show);
    assert!(text(&after).0.contains("\"first_contact_hours\": 12"), "{:?}", text(&after));
    assert!(text(&after).1.contains("by user:cora@luton.example"), "{:?}", text(&after));

    v["first_contact_hours"] = 0.into();
    v["redress"]["offer"] = "".into();
    std::fs::write(&file, v.to_string()).unwrap();
    let bad = adopt("cora@luton.example");
    assert!(!bad.status.success());
    let (_, err) = text(&bad);
    assert!(err.contains("first_contact_hours:") && err.contains("redress.offer:"), "{err}");
    assert!(err.contains("nothing was adopted"), "{err}");

    let help = peel("", &["asb", "standards", "adopt", "--help"]);
    assert!(text(&help).0.contains("every problem is listed"), "{:?}", text(&help));
}

peel_store::on_both_engines!(coordinators_adopt_standards_from_a_file);
