//! `peel org`, `peel user` and `peel audit verify`, run as a person would, on both engines.

use std::process::{Command, Output};

use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};

mod support;
use support::text;

const PASSWORD: &str = "a long enough passphrase";

fn peel(url: &str, args: &[&str]) -> Output {
    support::peel_with(url, args, &[("PEEL_USER_PASSWORD", PASSWORD)])
}

async fn bootstrap_organisations_users_and_tokens(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let url = db.url.clone();
    let ok = peel(&url, &["org", "add", "--kind", "council", "Luton Borough Council"]);
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert!(text(&ok).0.contains("Added organisation Luton Borough Council (Council)"));

    let bad_kind = peel(&url, &["org", "add", "--kind", "club", "Chess Club"]);
    assert!(!bad_kind.status.success());
    assert!(text(&bad_kind).1.contains("organisation kind \"club\" is not known"), "{:?}", text(&bad_kind));

    let add = peel(&url, &["user", "add", "--org", "luton borough council", "--role", "auditor", "Sam@Example.org"]);
    assert!(add.status.success(), "{:?}", text(&add));
    assert!(text(&add).0.contains("sam@example.org"));

    let bad_role = peel(&url, &["user", "add", "--org", "1", "--role", "sheriff", "x@example.org"]);
    assert!(text(&bad_role).1.contains("call-handler, officer"), "{:?}", text(&bad_role));
    let no_org = peel(&url, &["user", "add", "--org", "Nowhere", "--role", "officer", "x@example.org"]);
    assert!(text(&no_org).1.contains("Luton Borough Council (1)"), "{:?}", text(&no_org));
    let short = Command::new(env!("CARGO_BIN_EXE_peel"))
        .args(["user", "add", "--org", "1", "--role", "officer", "y@example.org", "--database-url", &url])
        .env("PEEL_USER_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(text(&short).1.contains("at least 12 characters"), "{:?}", text(&short));

    let tok = peel(&url, &["user", "token", "--name", "nightly export", "sam@example.org"]);
    assert!(tok.status.success(), "{:?}", text(&tok));
    let (out, err) = text(&tok);
    let token = out.trim();
    assert!(token.starts_with("peel_") && token.len() == 69, "{token}");
    assert!(err.contains("shown only this once"));

    let store = Store::open(&url).await.unwrap();
    for refused in ["x@example.org", "y@example.org"] {
        assert!(store.accounts().user_by_email(refused).await.unwrap().is_none(), "refused accounts stored nothing");
    }
    let hash = peel_usecases::secrets::token_hash(token);
    assert!(store.accounts().use_api_token(&hash, chrono::Utc::now()).await.unwrap().is_some());

    let verify = peel(&url, &["audit", "verify"]);
    assert!(verify.status.success(), "{:?}", text(&verify));
    let (out, _) = text(&verify);
    assert!(out.contains("The audit log is intact: 3 entries."), "{out}");
    let head = out.lines().find_map(|l| l.strip_prefix("Head: ")).unwrap().to_string();
    let again = peel(&url, &["audit", "verify", "--expect", &head]);
    assert!(again.status.success(), "{:?}", text(&again));

    let list = peel(&url, &["user", "list"]);
    let (out, _) = text(&list);
    assert!(out.contains("sam@example.org") && out.contains("auditor") && out.contains("active"), "{out}");
    let off = peel(&url, &["user", "disable", "SAM@example.org"]);
    assert!(off.status.success(), "{:?}", text(&off));
    assert!(store.accounts().use_api_token(&hash, chrono::Utc::now()).await.unwrap().is_none(), "tokens revoked");
    assert!(text(&peel(&url, &["user", "list"])).0.contains("disabled"));
    assert!(peel(&url, &["user", "enable", "sam@example.org"]).status.success());
    assert!(!peel(&url, &["user", "disable", "nobody@example.org"]).status.success());
    let actions: Vec<String> = store
        .audit()
        .audit_entries_after(3, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.actor, e.action))
        .collect();
    assert_eq!(actions, ["cli user.list", "cli user.disable", "cli user.list", "cli user.enable"]);
    store.close().await;
}

/// A log of `n` entries made through the CLI, and a store to tamper with it.
async fn log_with_entries(engine: Engine) -> (TestDatabase, Store) {
    let db = TestDatabase::new(engine).await;
    for name in ["A", "B", "C", "D", "E"] {
        assert!(peel(&db.url, &["org", "add", "--kind", "council", &format!("Council {name}")]).status.success());
    }
    let store = Store::open(&db.url).await.unwrap();
    let sql = match engine {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Engine::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;",
    };
    store.execute_raw_sql_for_tests(sql).await.unwrap();
    (db, store)
}

fn assert_tampered(url: &str, entry: i64) {
    let o = peel(url, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let err = text(&o).1;
    assert!(err.contains(&format!("The audit log has been tampered with: audit entry {entry}:")), "{err}");
}

async fn audit_verify_detects_a_modified_entry(engine: Engine) {
    let (db, store) = log_with_entries(engine).await;
    store
        .execute_raw_sql_for_tests(
            "UPDATE audit_log SET details = replace(details, 'Council C', 'Council Z') WHERE seq = 3",
        )
        .await
        .unwrap();
    assert_tampered(&db.url, 3);
    store.close().await;
}

async fn audit_verify_detects_a_deleted_entry(engine: Engine) {
    let (db, store) = log_with_entries(engine).await;
    store.execute_raw_sql_for_tests("DELETE FROM audit_log WHERE seq = 2").await.unwrap();
    assert_tampered(&db.url, 2);
    store.close().await;
}

async fn audit_verify_detects_reordered_entries(engine: Engine) {
    let (db, store) = log_with_entries(engine).await;
    store
        .execute_raw_sql_for_tests(
            "UPDATE audit_log SET seq = 0 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 3; \
             UPDATE audit_log SET seq = 3 WHERE seq = 0;",
        )
        .await
        .unwrap();
    assert_tampered(&db.url, 3);
    store.close().await;
}

async fn audit_verify_detects_a_cut_tail_with_an_expected_head(engine: Engine) {
    let (db, store) = log_with_entries(engine).await;
    let out = text(&peel(&db.url, &["audit", "verify"])).0;
    let head = out.lines().find_map(|l| l.strip_prefix("Head: ")).unwrap().to_string();
    // A careful tamperer also rewinds the head row.
    store
        .execute_raw_sql_for_tests(
            "DELETE FROM audit_log WHERE seq = 5; \
             UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)",
        )
        .await
        .unwrap();
    assert!(peel(&db.url, &["audit", "verify"]).status.success(), "undetectable without an outside record");
    let o = peel(&db.url, &["audit", "verify", "--expect", &head]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("audit entry 5, noted earlier, is missing"), "{:?}", text(&o));
    store.close().await;
}

/// `peel org add --force / --partnership`, `peel org scope` and `peel org
/// list`: every organisation says what its staff work within.
async fn organisations_say_what_they_work_within(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let url = db.url.clone();
    let force = peel(&url, &["org", "add", "--kind", "force", "--force", "bedfordshire", "Bedfordshire Police"]);
    assert!(force.status.success(), "{:?}", text(&force));
    assert!(text(&force).0.contains("It works within the force bedfordshire."), "{:?}", text(&force));
    let nowhere = peel(&url, &["org", "add", "--kind", "force", "--force", "gotham", "Gotham Police"]);
    assert!(!nowhere.status.success());
    assert!(text(&nowhere).1.contains("no police force \"gotham\""), "{:?}", text(&nowhere));
    let mixed = peel(&url, &["org", "add", "--kind", "council", "--force", "kent", "Medway Council"]);
    assert!(text(&mixed).1.contains("give its --partnership instead"), "{:?}", text(&mixed));
    // A partnership must exist before a partner is placed in it.
    let early =
        peel(&url, &["org", "add", "--kind", "council", "--partnership", "bedfordshire/luton", "Luton Council"]);
    assert!(text(&early).1.contains("import the partnerships first"), "{:?}", text(&early));
    let store = Store::open(&url).await.unwrap();
    assert!(store.accounts().organisation_by_name("Luton Council").await.unwrap().is_none(), "refused, stored nothing");
    peel_store::testing::put_luton_partnership(&store).await.unwrap();
    let council =
        peel(&url, &["org", "add", "--kind", "council", "--partnership", "bedfordshire/luton", "Luton Council"]);
    assert!(council.status.success(), "{:?}", text(&council));
    let unplaced = peel(&url, &["org", "add", "--kind", "victim-service", "Victim Support"]);
    assert!(text(&unplaced).1.contains("until you give it one: peel org scope"), "{:?}", text(&unplaced));
    let placed = peel(&url, &["org", "scope", "--partnership", "bedfordshire/luton", "victim support"]);
    assert!(placed.status.success(), "{:?}", text(&placed));
    assert!(text(&placed).0.contains("Victim Support now works within the partnership bedfordshire/luton."));
    let badly = peel(&url, &["org", "scope", "--partnership", "luton", "victim support"]);
    assert!(text(&badly).1.contains("FORCE-ID/PARTNERSHIP-ID"), "{:?}", text(&badly));
    let list = text(&peel(&url, &["org", "list"])).0;
    assert!(list.contains("the force bedfordshire") && list.contains("the partnership bedfordshire/luton"), "{list}");
    // Installation administrators are made here, and only here.
    let root = peel(
        &url,
        &["user", "add", "--org", "Bedfordshire Police", "--role", "installation-administrator", "root@peel.example"],
    );
    assert!(root.status.success(), "{:?}", text(&root));
    let log = store.audit().search_audit(&Default::default()).await.unwrap();
    assert!(log.iter().any(|e| e.action == "organisation.reach" && e.actor == "cli"), "placing is audited");
}

peel_store::on_both_engines!(
    organisations_say_what_they_work_within,
    bootstrap_organisations_users_and_tokens,
    audit_verify_detects_a_modified_entry,
    audit_verify_detects_a_deleted_entry,
    audit_verify_detects_reordered_entries,
    audit_verify_detects_a_cut_tail_with_an_expected_head,
);

/// `peel user add --help` names every role `--role` accepts.
#[test]
fn user_add_help_lists_every_role() {
    let o = Command::new(env!("CARGO_BIN_EXE_peel")).args(["user", "add", "--help"]).output().expect("run peel");
    let help = String::from_utf8_lossy(&o.stdout);
    for role in peel_core::access::Role::ALL {
        assert!(help.contains(role.slug()), "--help lacks {}: {help}", role.slug());
    }
}
