//! `peel privacy retention` and `peel privacy subject-access`, run as a
//! records manager would, on both engines.

use std::process::Output;

use chrono::{Duration, Utc};
use peel_core::access::{OrgKind, Reach, Role};
use peel_core::asb::{RawPerson, RawReport};
use peel_store::asb::Viewer;
use peel_store::testing::TestDatabase;
use peel_store::{By, Engine, NewUser};

mod support;
use support::all_text as text;

fn peel(url: &str, args: &[&str]) -> Output {
    support::peel_with(url, args, &[])
}

async fn retention_and_subject_access_from_the_command_line(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let long_ago = Utc::now() - Duration::days(800);
    let by = By { caller: &peel_core::access::Caller::CommandLine, purpose: "testing", at: long_ago };
    let org = store
        .accounts()
        .create_organisation("Luton Borough Council", OrgKind::Council, &Reach::Unset, &by)
        .await
        .unwrap();
    let user = store
        .accounts()
        .create_user(
            &NewUser {
                email: "pc@luton.example",
                display_name: "PC",
                organisation_id: org.id,
                role: Role::Officer,
                password_hash: "x",
            },
            &by,
        )
        .await
        .unwrap();
    let caller = store.accounts().caller_for(&user).await.unwrap();
    let jane = RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() };
    for at in [long_ago, Utc::now() - Duration::days(5)] {
        let raw = RawReport {
            channel: "phone".into(),
            category: "nuisance".into(),
            occurred_at: "2024-01-01T20:00".into(),
            location: "Park Street".into(),
            description: "Shouting at night".into(),
            reporter: jane.clone(),
            victims: vec![jane.clone()],
            ..Default::default()
        };
        let v = Viewer::new(&caller, "ASB casework", at).unwrap();
        store.asb().record_asb_report(&raw.check(at).unwrap(), &v).await.unwrap();
    }
    let url = db.url.clone();

    let look = peel(&url, &["privacy", "retention"]);
    assert!(look.status.success(), "{}", text(&look));
    assert!(text(&look).contains("Reports never made part of a case, more than 730 days old: 1"), "{}", text(&look));
    assert!(text(&look).contains("Nothing was deleted"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("policy.json");
    std::fs::write(&bad, r#"{"version":"x","source":"y","rules":[]}"#).unwrap();
    let refused = peel(&url, &["privacy", "retention", "--apply", "--policy", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("no rule for asb-closed-case"), "{}", text(&refused));

    let apply = peel(&url, &["privacy", "retention", "--apply"]);
    assert!(apply.status.success(), "{}", text(&apply));
    assert!(text(&apply).contains("Deleted, and written to the audit log."), "{}", text(&apply));
    let again = peel(&url, &["privacy", "retention", "--apply"]);
    assert!(text(&again).contains("Nothing was due."), "{}", text(&again));

    let vague = peel(&url, &["privacy", "subject-access", "--name", "Jane Smith", "--purpose", "SAR 1"]);
    assert!(!vague.status.success());
    assert!(text(&vague).contains("a name alone matches too many people"), "{}", text(&vague));
    let no_purpose = peel(&url, &["privacy", "subject-access", "--name", "Jane Smith", "--phone", "07700900123"]);
    assert!(!no_purpose.status.success());
    assert!(text(&no_purpose).contains("--purpose"), "{}", text(&no_purpose));

    let out = dir.path().join("jane.json");
    let sar = peel(
        &url,
        &[
            "privacy",
            "subject-access",
            "--name",
            "jane smith",
            "--phone",
            "07700900123",
            "--purpose",
            "SAR 2026-17",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(sar.status.success(), "{}", text(&sar));
    assert!(text(&sar).contains("1 reports written to"), "{}", text(&sar));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["reports"][0]["your_details"][0]["name"], "Jane Smith");
    assert_eq!(doc["purpose"], "SAR 2026-17");

    let verify = peel(&url, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
}

peel_store::on_both_engines!(retention_and_subject_access_from_the_command_line);
