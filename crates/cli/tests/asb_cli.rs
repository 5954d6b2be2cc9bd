//! `peel asb rules …`, run as the installation's administrators would, on
//! both engines: one rule set judges every organisation's reports.

use std::process::Output;

use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};

mod support;
use support::text;

fn peel(url: &str, args: &[&str]) -> Output {
    support::peel_with(url, args, &[("PEEL_USER_PASSWORD", "a long enough passphrase")])
}

async fn installation_administrators_load_new_rule_versions(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let url = db.url.clone();
    assert!(peel(&url, &["org", "add", "--kind", "council", "Luton Council"]).status.success());
    for (role, email) in [
        ("installation-administrator", "root@luton.example"),
        ("asb-coordinator", "co@luton.example"),
        ("officer", "pc@luton.example"),
    ] {
        let o = peel(&url, &["user", "add", "--org", "Luton Council", "--role", role, email]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let shown = peel(&url, &["asb", "rules", "show"]);
    let (json, _) = text(&shown);
    assert!(json.contains("\"version\": \"peel-default-1\""), "{json}");
    let dir = std::env::temp_dir().join(format!("peel-asb-cli-{}-{:?}", std::process::id(), engine));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("v2.json");
    std::fs::write(
        &file,
        json.replace("peel-default-1", "luton-2027-1").replace("\"min_reports\": 3", "\"min_reports\": 2"),
    )
    .unwrap();
    let path = file.to_str().unwrap();

    for someone in ["pc@luton.example", "co@luton.example"] {
        let refused = peel(&url, &["asb", "rules", "load", "--by", someone, path]);
        assert!(!refused.status.success());
        assert!(text(&refused).1.contains("may not load ASB rule sets"), "{:?}", text(&refused));
    }
    let bad = dir.join("bad.json");
    std::fs::write(&bad, json.replace("\"weight\": 3", "\"weight\": 0").replace("peel-default-1", "bad-1")).unwrap();
    let refused = peel(&url, &["asb", "rules", "load", "--by", "root@luton.example", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(text(&refused).1.contains("weight must be from 1 to 100"), "{:?}", text(&refused));

    let ok = peel(&url, &["asb", "rules", "load", "--by", "root@luton.example", path]);
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert!(text(&ok).0.contains("rule set luton-2027-1 is now current"));
    let again = peel(&url, &["asb", "rules", "load", "--by", "root@luton.example", path]);
    assert!(text(&again).1.contains("already been loaded"), "{:?}", text(&again));
    // The operator at the command line needs no account.
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap().replace("luton-2027-1", "national-2027-2")).unwrap();
    let operator = peel(&url, &["asb", "rules", "load", path]);
    assert!(operator.status.success(), "{:?}", text(&operator));
    let list = text(&peel(&url, &["asb", "rules", "list"])).0;
    let versions: Vec<_> = list.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(versions, ["peel-default-1", "luton-2027-1", "national-2027-2"]);
    assert!(list.contains("by user:root@luton.example") && list.contains("by cli"), "{list}");

    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.asb().current_asb_rules().await.unwrap().repeat.min_reports, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

peel_store::on_both_engines!(installation_administrators_load_new_rule_versions);
