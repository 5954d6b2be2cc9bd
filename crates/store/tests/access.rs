//! Accounts, sessions, API tokens and the audit log, on SQLite and PostgreSQL.

use chrono::{DateTime, Duration, TimeZone, Utc};
use peel_core::access::audit::BreakKind;
use peel_core::access::{LoginState, NewAuditEntry, OrgKind, Reach, Role};
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, By, Engine, NewUser, SessionRecord, Store, StoreError};
use serde_json::json;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
}

fn by() -> By<'static> {
    By { caller: &peel_core::access::Caller::CommandLine, purpose: "testing", at: t0() }
}

async fn user(store: &Store, email: &str, role: Role) -> peel_store::UserRecord {
    let org = match store.accounts().organisation_by_name("Test Council").await.unwrap() {
        Some(o) => o,
        None => {
            store.accounts().create_organisation("Test Council", OrgKind::Council, &Reach::Unset, &by()).await.unwrap()
        }
    };
    store
        .accounts()
        .create_user(
            &NewUser {
                email,
                display_name: "Test Person",
                organisation_id: org.id,
                role,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            },
            &by(),
        )
        .await
        .unwrap()
}

async fn organisations_are_unique_by_name(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let a = store
        .accounts()
        .create_organisation("  Bedford Borough Council ", OrgKind::Council, &Reach::Unset, &by())
        .await
        .unwrap();
    assert_eq!(a.name, "Bedford Borough Council");
    assert_eq!(a.kind, OrgKind::Council);
    store.accounts().create_organisation("Bedfordshire Police", OrgKind::Force, &Reach::Unset, &by()).await.unwrap();
    let err = store
        .accounts()
        .create_organisation("Bedford Borough Council", OrgKind::HousingProvider, &Reach::Unset, &by())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("already exists")), "{err}");
    let err = store
        .accounts()
        .create_organisation("BEDFORD BOROUGH COUNCIL", OrgKind::Council, &Reach::Unset, &by())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "names are unique ignoring case: {err}");
    let names: Vec<_> = store.accounts().organisations().await.unwrap().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["Bedford Borough Council", "Bedfordshire Police"]);
    assert_eq!(store.accounts().organisation_by_name("bedford borough council").await.unwrap().unwrap().id, a.id);
    assert_eq!(store.accounts().organisation(a.id).await.unwrap().unwrap(), a);
    assert!(store.accounts().organisation(9999).await.unwrap().is_none());
}

async fn users_are_found_by_email_ignoring_case(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "Alice.Smith@Example.ORG", Role::Officer).await;
    assert_eq!(u.email, "alice.smith@example.org");
    assert_eq!(u.role, Role::Officer);
    assert_eq!(u.organisation_name, "Test Council");
    assert!(!u.disabled);
    assert_eq!(u.login, LoginState::default());
    assert_eq!(store.accounts().user_by_email(" ALICE.smith@example.org").await.unwrap().unwrap().id, u.id);
    assert!(store.accounts().user_by_email("bob@example.org").await.unwrap().is_none());
    let org = store.accounts().organisation_by_name("Test Council").await.unwrap().unwrap();
    let dup = store
        .accounts()
        .create_user(
            &NewUser {
                email: "alice.smith@EXAMPLE.org",
                display_name: "Other",
                organisation_id: org.id,
                role: Role::Auditor,
                password_hash: "x",
            },
            &by(),
        )
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");
    assert_eq!(store.accounts().users(&by()).await.unwrap().len(), 1);
}

async fn login_state_round_trips(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    let s =
        LoginState { failed_attempts: 3, failed_since: Some(t0()), locked_until: Some(t0() + Duration::minutes(15)) };
    store.accounts().set_login_state(u.id, &s).await.unwrap();
    assert_eq!(store.accounts().user(u.id).await.unwrap().unwrap().login, s);
    store.accounts().set_password_hash(u.id, "new-hash", &by()).await.unwrap();
    let after = store.accounts().user(u.id).await.unwrap().unwrap();
    assert_eq!(after.login, LoginState::default(), "a reset clears the lock-out");
    assert_eq!(after.password_hash, "new-hash");
    assert!(matches!(store.accounts().set_password_hash(999, "x", &by()).await, Err(StoreError::NotFound(_))));
}

async fn login_state_updates_are_atomic(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.accounts()
                .update_login_state(u.id, |mut st| {
                    st.failed_attempts += 1;
                    st
                })
                .await
                .unwrap()
                .unwrap()
        }));
    }
    let mut seen: Vec<u32> = Vec::new();
    for t in tasks {
        let (before, after) = t.await.unwrap();
        assert_eq!(after.failed_attempts, before.failed_attempts + 1);
        seen.push(before.failed_attempts);
    }
    seen.sort();
    assert_eq!(seen, (0..16).collect::<Vec<_>>(), "every update saw the one before it");
    assert_eq!(store.accounts().user(u.id).await.unwrap().unwrap().login.failed_attempts, 16);
    assert!(store.accounts().update_login_state(999, |s| s).await.unwrap().is_none());
}

async fn changes_and_their_audit_entries_are_one_transaction(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    let t = store.accounts().create_api_token(u.id, "t", "tokhash", &by()).await.unwrap();
    store.accounts().revoke_api_token(t.id, &by()).await.unwrap();
    store.accounts().set_user_disabled(u.id, true, &by()).await.unwrap();
    store.accounts().set_password_hash(u.id, "h", &by()).await.unwrap();
    let log = store.audit().audit_entries_after(0, 100).await.unwrap();
    let got: Vec<_> = log.iter().map(|e| (e.actor.as_str(), e.action.as_str(), e.subject.as_str())).collect();
    assert_eq!(
        got,
        [
            ("cli", "organisation.create", "organisation:1"),
            ("cli", "user.create", "user:1"),
            ("cli", "api_token.create", "user:1"),
            ("cli", "api_token.revoke", "user:1"),
            ("cli", "user.disable", "user:1"),
            ("cli", "user.password_reset", "user:1"),
        ]
    );
    assert!(log.iter().all(|e| e.purpose == "testing" && e.at == "2026-06-01T09:00:00.000000Z"));
    // A refused change writes no entry.
    assert!(
        store.accounts().create_organisation("test council", OrgKind::Council, &Reach::Unset, &by()).await.is_err()
    );
    assert!(store.accounts().set_user_disabled(999, true, &by()).await.is_err());
    assert_eq!(store.audit().audit_head().await.unwrap().0, 6);
    // And a change whose entry cannot be written does not happen.
    store.execute_raw_sql_for_tests("DELETE FROM audit_head").await.unwrap();
    assert!(store.accounts().create_organisation("Luton", OrgKind::Council, &Reach::Unset, &by()).await.is_err());
    assert!(store.accounts().organisation_by_name("Luton").await.unwrap().is_none());
    assert!(store.accounts().set_user_disabled(u.id, false, &by()).await.is_err());
    assert!(store.accounts().user(u.id).await.unwrap().unwrap().disabled, "rolled back");
}

fn session(user_id: i64, hash: &str, expires: DateTime<Utc>) -> SessionRecord {
    SessionRecord {
        token_hash: hash.into(),
        user_id,
        csrf_token: format!("csrf-{hash}"),
        created_at: peel_core::access::time::format(t0()),
        expires_at: peel_core::access::time::format(expires),
        last_seen_at: peel_core::access::time::format(t0()),
    }
}

async fn sessions_expire(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    store.accounts().create_session(&session(u.id, "h1", t0() + Duration::hours(8))).await.unwrap();
    store.accounts().create_session(&session(u.id, "h2", t0() + Duration::minutes(1))).await.unwrap();
    let live = store
        .accounts()
        .live_session("h1", t0() + Duration::hours(7), t0() - Duration::days(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.user_id, u.id);
    assert_eq!(live.csrf_token, "csrf-h1");
    assert!(
        store
            .accounts()
            .live_session("h1", t0() + Duration::hours(8), t0() - Duration::days(1))
            .await
            .unwrap()
            .is_none(),
        "expired at expires_at"
    );
    assert!(store.accounts().live_session("nope", t0(), t0() - Duration::days(1)).await.unwrap().is_none());
    assert_eq!(store.accounts().delete_expired_sessions(t0() + Duration::minutes(2)).await.unwrap(), 1);
    assert!(store.accounts().live_session("h2", t0(), t0() - Duration::days(1)).await.unwrap().is_none(), "deleted");
    store.accounts().delete_session("h1").await.unwrap();
    assert!(store.accounts().live_session("h1", t0(), t0() - Duration::days(1)).await.unwrap().is_none());
}

async fn idle_sessions_end(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    store.accounts().create_session(&session(u.id, "h1", t0() + Duration::hours(8))).await.unwrap();
    let idle = Duration::minutes(60);
    let at = |m: i64| t0() + Duration::minutes(m);
    // Used every 50 minutes, it lives on; each use moves last_seen_at.
    for m in [50, 100, 150] {
        let s = store.accounts().live_session("h1", at(m), at(m) - idle).await.unwrap().expect("live");
        assert_eq!(s.last_seen_at, peel_core::access::time::format(at(m)));
    }
    // Unused for exactly the idle time, it has ended.
    assert!(store.accounts().live_session("h1", at(210), at(210) - idle).await.unwrap().is_none());
    assert!(
        store.accounts().live_session("h1", at(151), at(151) - idle).await.unwrap().is_some(),
        "a miss does not touch it"
    );
}

async fn api_tokens_are_used_and_revoked(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Auditor).await;
    let t = store.accounts().create_api_token(u.id, "nightly export", "tokhash", &by()).await.unwrap();
    assert_eq!(t.last_used_at, None);
    let used = store.accounts().use_api_token("tokhash", t0() + Duration::hours(1)).await.unwrap().unwrap();
    assert_eq!(used.id, t.id);
    assert_eq!(used.last_used_at.as_deref(), Some("2026-06-01T10:00:00.000000Z"));
    assert!(store.accounts().use_api_token("other", t0()).await.unwrap().is_none());
    store.accounts().revoke_api_token(t.id, &by()).await.unwrap();
    assert!(store.accounts().use_api_token("tokhash", t0()).await.unwrap().is_none());
    assert!(store.accounts().api_tokens(u.id).await.unwrap()[0].revoked);
}

async fn disabling_ends_sessions_and_tokens(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let u = user(&store, "a@example.org", Role::Officer).await;
    store.accounts().create_session(&session(u.id, "h1", t0() + Duration::hours(8))).await.unwrap();
    store.accounts().create_api_token(u.id, "t", "tokhash", &by()).await.unwrap();
    store.accounts().set_user_disabled(u.id, true, &by()).await.unwrap();
    assert!(store.accounts().user(u.id).await.unwrap().unwrap().disabled);
    assert!(store.accounts().live_session("h1", t0(), t0() - Duration::days(1)).await.unwrap().is_none());
    assert!(store.accounts().use_api_token("tokhash", t0()).await.unwrap().is_none());
    store.accounts().set_user_disabled(u.id, false, &by()).await.unwrap();
    assert!(!store.accounts().user(u.id).await.unwrap().unwrap().disabled);
    assert!(
        store.accounts().use_api_token("tokhash", t0()).await.unwrap().is_none(),
        "re-enabling does not revive tokens"
    );
    assert!(matches!(store.accounts().set_user_disabled(999, true, &by()).await, Err(StoreError::NotFound(_))));
}

fn entry(i: i64) -> NewAuditEntry {
    NewAuditEntry {
        at: t0() + Duration::minutes(i),
        actor: format!("user:person{}@example.org", i % 3),
        action: "user.read".into(),
        subject: format!("user:{i}"),
        purpose: "account administration".into(),
        details: json!({ "i": i }),
    }
}

async fn fill(store: &Store, n: i64) {
    for i in 1..=n {
        let e = store.audit().append_audit(&entry(i)).await.unwrap();
        assert_eq!(e.seq, i);
    }
}

async fn audit_appends_chain_and_verify(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let empty = store.audit().verify_audit().await.unwrap().unwrap();
    assert_eq!(empty.entries, 0);
    fill(&store, 5).await;
    let v = store.audit().verify_audit().await.unwrap().unwrap();
    assert_eq!(v.entries, 5);
    assert_eq!(store.audit().audit_head().await.unwrap(), (5, v.head_hash.clone()));
    let all = store.audit().audit_entries_after(0, 100).await.unwrap();
    assert_eq!(peel_core::access::audit::verify(&all), Ok(()));
    assert_eq!(all[2].details, r#"{"i":3}"#);
}

async fn concurrent_appends_keep_one_chain(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let mut tasks = Vec::new();
    for i in 1..=24 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move { s.audit().append_audit(&entry(i)).await.unwrap() }));
    }
    let mut seqs: Vec<i64> = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap().seq);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
    assert_eq!(store.audit().verify_audit().await.unwrap().unwrap().entries, 24);
}

async fn audit_log_refuses_updates_and_deletes(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    fill(&store, 2).await;
    assert!(store.execute_raw_sql_for_tests("UPDATE audit_log SET actor = 'x' WHERE seq = 1").await.is_err());
    assert!(store.execute_raw_sql_for_tests("DELETE FROM audit_log WHERE seq = 2").await.is_err());
    assert_eq!(store.audit().verify_audit().await.unwrap().unwrap().entries, 2);
}

/// What someone with full rights on the database would do first.
async fn drop_guards(store: &Store) {
    let sql = match store.engine() {
        Engine::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        Engine::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;",
    };
    store.execute_raw_sql_for_tests(sql).await.unwrap();
}

async fn tampered(engine: Engine, sql: &str) -> peel_core::access::ChainBreak {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    fill(&store, 6).await;
    drop_guards(&store).await;
    store.execute_raw_sql_for_tests(sql).await.unwrap();
    store.audit().verify_audit().await.unwrap().expect_err(sql)
}

async fn verify_detects_a_modified_entry(engine: Engine) {
    let b = tampered(engine, "UPDATE audit_log SET subject = 'user:99' WHERE seq = 3").await;
    assert_eq!((b.seq, b.why), (3, BreakKind::HashMismatch));
    let b = tampered(engine, "UPDATE audit_log SET details = '{}' WHERE seq = 1").await;
    assert_eq!((b.seq, b.why), (1, BreakKind::HashMismatch));
}

async fn verify_detects_a_deleted_entry(engine: Engine) {
    let b = tampered(engine, "DELETE FROM audit_log WHERE seq = 4").await;
    assert_eq!((b.seq, b.why), (4, BreakKind::Missing { expected: 4 }));
    let b = tampered(engine, "DELETE FROM audit_log WHERE seq = 6").await;
    assert_eq!((b.seq, b.why), (6, BreakKind::TruncatedTail { head_seq: 6 }));
    let b = tampered(engine, "DELETE FROM audit_log WHERE seq >= 5; UPDATE audit_head SET seq = 4").await;
    assert_eq!((b.seq, b.why), (4, BreakKind::HeadMismatch), "the head's hash gives it away");
}

async fn verify_detects_reordered_entries(engine: Engine) {
    // Swap the content of entries 2 and 5, keeping their numbers.
    let b = tampered(
        engine,
        "UPDATE audit_log SET seq = -2 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 5; \
         UPDATE audit_log SET seq = 5 WHERE seq = -2;",
    )
    .await;
    assert_eq!((b.seq, b.why), (2, BreakKind::HashMismatch));
    // Swap the timestamps only.
    let b = tampered(engine, "UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE seq = 1) WHERE seq = 2").await;
    assert_eq!((b.seq, b.why), (2, BreakKind::HashMismatch));
}

async fn audit_search_filters(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    fill(&store, 9).await;
    let all = store.audit().search_audit(&AuditQuery::default()).await.unwrap();
    assert_eq!(all.len(), 9);
    assert_eq!(all[0].seq, 9, "newest first");
    let by_actor =
        store.audit().search_audit(&AuditQuery { actor: Some("PERSON1@".into()), ..Default::default() }).await.unwrap();
    assert_eq!(by_actor.iter().map(|e| e.seq).collect::<Vec<_>>(), [7, 4, 1]);
    let by_subject =
        store.audit().search_audit(&AuditQuery { subject: Some("user:3".into()), ..Default::default() }).await.unwrap();
    assert_eq!(by_subject.len(), 1);
    let wildcard =
        store.audit().search_audit(&AuditQuery { subject: Some("%".into()), ..Default::default() }).await.unwrap();
    assert!(wildcard.is_empty(), "% is matched literally");
    let window = store
        .audit()
        .search_audit(&AuditQuery {
            from: Some(t0() + Duration::minutes(3)),
            until: Some(t0() + Duration::minutes(5)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(window.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 3]);
    let limited = store.audit().search_audit(&AuditQuery { limit: Some(2), ..Default::default() }).await.unwrap();
    assert_eq!(limited.len(), 2);
}

peel_store::on_both_engines!(
    organisations_are_unique_by_name,
    users_are_found_by_email_ignoring_case,
    login_state_round_trips,
    login_state_updates_are_atomic,
    changes_and_their_audit_entries_are_one_transaction,
    sessions_expire,
    idle_sessions_end,
    api_tokens_are_used_and_revoked,
    disabling_ends_sessions_and_tokens,
    audit_appends_chain_and_verify,
    concurrent_appends_keep_one_chain,
    audit_log_refuses_updates_and_deletes,
    verify_detects_a_modified_entry,
    verify_detects_a_deleted_entry,
    verify_detects_reordered_entries,
    audit_search_filters,
);
