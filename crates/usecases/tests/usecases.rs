//! Each back-office action tested once through its use case, on both
//! engines: what it refuses (and that a refusal changes nothing), what it
//! writes, and the audit entries it leaves. The pages, the JSON API and
//! Open311 are tested per adapter for their status codes in peel-web.

use chrono::{DateTime, Duration, TimeZone, Utc};
use peel_core::access::{LockoutPolicy, OrgKind, PasswordPolicy, Role};
use peel_core::asb::{RawPerson, RawReport};
use peel_store::asb::AsbError;
use peel_store::testing::{TestDatabase, Who, person, setup};
use peel_store::{Engine, Store};
use peel_usecases::accounts::AccountError;
use peel_usecases::casework;
use peel_usecases::secrets;
use peel_usecases::sign_in::{self, PasswordChange, SignIn};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
}

async fn audit_actions(s: &Store) -> Vec<String> {
    s.audit().audit_entries_after(0, 1000).await.unwrap().into_iter().map(|e| e.action).collect()
}

/// An officer of Bedfordshire Police whose password is `password`.
async fn officer(s: &Store, password: &str) -> Who {
    let who = person(s, "Bedfordshire Police", OrgKind::Force, "pc@beds.example", Role::Officer).await;
    let hash = secrets::hash_password(password).unwrap();
    s.accounts().set_password_hash(who.user_id, &hash, &setup()).await.unwrap();
    who
}

const PASSWORD: &str = "a long enough password 1";

async fn sign_in_counts_failures_and_locks(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let s = &db.store().await;
    officer(s, PASSWORD).await;
    let lockout = LockoutPolicy::default();
    let ttl = Duration::hours(8);
    let attempt = |password: &str, at| sign_in::sign_in(s, lockout, ttl, "pc@beds.example", password.into(), None, at);

    // An unknown address is refused like a wrong password, and audited as unknown.
    let unknown = sign_in::sign_in(s, lockout, ttl, "nobody@beds.example", PASSWORD.into(), None, t0()).await;
    assert!(matches!(unknown, Ok(SignIn::Refused)));
    assert_eq!(audit_actions(s).await.last().map(String::as_str), Some("auth.login_failed"));

    for _ in 0..lockout.max_failures {
        assert!(matches!(attempt("wrong", t0()).await, Ok(SignIn::Refused)));
    }
    assert!(audit_actions(s).await.iter().any(|a| a == "auth.locked"), "the last failure locks the account");
    // Locked: even the right password is refused until the lock ends.
    assert!(matches!(attempt(PASSWORD, t0()).await, Ok(SignIn::Refused)));
    let later = t0() + lockout.lock_for + Duration::minutes(1);
    let Ok(SignIn::Started { token, user_id }) = attempt(PASSWORD, later).await else { panic!("signed in") };
    let session =
        s.accounts().live_session(&secrets::token_hash(&token), later, t0()).await.unwrap().expect("a stored session");
    assert_eq!(session.user_id, user_id);
    assert_eq!(audit_actions(s).await.last().map(String::as_str), Some("auth.login"));

    // Signing in again replaces the session named.
    let Ok(SignIn::Started { token: second, .. }) =
        sign_in::sign_in(s, lockout, ttl, "pc@beds.example", PASSWORD.into(), Some(&token), later).await
    else {
        panic!("signed in again")
    };
    assert!(
        s.accounts().live_session(&secrets::token_hash(&token), later, t0()).await.unwrap().is_none(),
        "the old session is gone"
    );
    assert!(s.accounts().live_session(&secrets::token_hash(&second), later, t0()).await.unwrap().is_some());
}

async fn password_change_checks_before_it_writes(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let s = &db.store().await;
    let who = officer(s, PASSWORD).await;
    let user = s.accounts().user(who.user_id).await.unwrap().unwrap();
    let policy = PasswordPolicy::default();
    let by = who.by(t0());
    let change = |current: &str, new: &str, confirm: &str| PasswordChange {
        current: current.into(),
        new: new.into(),
        confirm: confirm.into(),
    };
    let lockout = LockoutPolicy::default();
    let refused_on = |r: Result<(), AccountError>| match r {
        Err(AccountError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let new = "another long password 2";
    let cases = [
        (change("wrong", new, new), "current_password"),
        (change(PASSWORD, "short", "short"), "new_password"),
        (change(PASSWORD, new, "something else entirely"), "confirm_password"),
        (change(PASSWORD, PASSWORD, PASSWORD), "new_password"),
    ];
    for (c, field) in cases {
        assert_eq!(refused_on(sign_in::change_password(s, lockout, &policy, &user, &by, c).await), field);
        let stored = s.accounts().user(who.user_id).await.unwrap().unwrap();
        assert_eq!(stored.password_hash, user.password_hash, "a refusal changes nothing");
    }
    assert!(audit_actions(s).await.iter().any(|a| a == "user.password_change_failed"));
    sign_in::change_password(s, lockout, &policy, &user, &by, change(PASSWORD, new, new)).await.unwrap();
    let stored = s.accounts().user(who.user_id).await.unwrap().unwrap();
    assert!(secrets::verify_password(new, &stored.password_hash));
    assert!(!secrets::verify_password(PASSWORD, &stored.password_hash));
}

fn report() -> RawReport {
    RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-08-30T21:00".into(),
        location: "High Street".into(),
        description: "Threats".into(),
        reporter: RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() },
        victims: vec![RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() }],
        ..Default::default()
    }
}

async fn casework_refuses_bad_input_whole(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let s = &db.store().await;
    let who = person(s, "Bedfordshire Police", OrgKind::Force, "sgt@beds.example", Role::Supervisor).await;
    let v = who.at(t0());
    let before = audit_actions(s).await;
    let bad = RawReport { occurred_at: "yesterday".into(), ..report() };
    assert!(matches!(casework::record_report(s, &v, &bad).await, Err(AsbError::Invalid(_))));
    assert!(matches!(casework::open_case(s, &v, "A case", &[], "luton").await, Err(AsbError::Invalid(_))));
    assert!(matches!(casework::link_report(s, &v, 1, None).await, Err(AsbError::Invalid(_))));
    assert!(matches!(casework::share(s, &v, 1, None).await, Err(AsbError::Invalid(_))));
    assert_eq!(audit_actions(s).await, before, "nothing written");
    assert!(s.asb().asb_reports(&v, 10).await.unwrap().is_empty());

    let stored = casework::record_report(s, &v, &report()).await.unwrap();
    let case = casework::open_case(s, &v, "Threats on the High Street", &[stored.id], "").await.unwrap();
    assert_eq!(s.asb().asb_case(case, &v).await.unwrap().reports.len(), 1);
}

async fn open311_reports_are_checked_like_typed_ones(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let s = &db.store().await;
    let who = person(s, "Bedfordshire Police", OrgKind::Force, "pc@beds.example", Role::Officer).await;
    let v = who.at(t0());
    let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    let missing = form(&[("service_code", "asb-personal")]);
    match casework::record_open311_report(s, &v, &missing, "token-a").await {
        Err(AsbError::Invalid(p)) => assert!(!p.0.is_empty()),
        other => panic!("expected the form to be refused, got {other:?}"),
    }
    assert!(s.asb().asb_reports(&v, 10).await.unwrap().is_empty(), "a refused form stores nothing");
    let good = form(&[
        ("service_code", "asb-nuisance"),
        ("lat", "51.8787"),
        ("long", "-0.4200"),
        ("first_name", "Jane"),
        ("last_name", "Smith"),
        ("phone", "07700 900123"),
        ("description", "A group shouting outside every night after midnight"),
        ("attribute[occurred_at]", "2026-08-31T23:30:00+01:00"),
    ]);
    let (view, token) = casework::record_open311_report(s, &v, &good, "token-b").await.unwrap();
    assert_eq!(token.as_deref(), Some("token-b"));
    assert_eq!(s.asb().asb_reports(&v, 10).await.unwrap().first().map(|r| r.id), Some(view.id));
}

peel_store::on_both_engines!(
    sign_in_counts_failures_and_locks,
    password_change_checks_before_it_writes,
    casework_refuses_bad_input_whole,
    open311_reports_are_checked_like_typed_ones,
);
