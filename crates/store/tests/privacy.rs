//! Retention and subject access over ASB casework, on SQLite and
//! PostgreSQL: exactly what the policy makes due is deleted (and audited,
//! with the chain intact), nothing else; an export finds one person's
//! records and withholds everyone else's.

use chrono::{DateTime, Duration, TimeZone, Utc};
use peel_core::access::{OrgKind, Reach, Role};
use peel_core::asb::{NewClosure, RawPerson, RawReport};
use peel_core::retention::RetentionPolicy;
use peel_store::asb::Viewer;
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, By, Engine, NewUser, Store, Subject, SubjectAccessError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn days_ago(d: i64) -> DateTime<Utc> {
    now() - Duration::days(d)
}

struct Who {
    caller: peel_core::access::Caller,
}

impl Who {
    fn at(&self, at: DateTime<Utc>) -> Viewer<'_> {
        Viewer::new(&self.caller, "ASB casework", at).unwrap()
    }
}

async fn coordinator(store: &Store) -> Who {
    let by = By { caller: &peel_core::access::Caller::CommandLine, purpose: "testing", at: days_ago(3000) };
    let o = store
        .accounts()
        .create_organisation("Luton Borough Council", OrgKind::Council, &Reach::Unset, &by)
        .await
        .unwrap();
    let email = "coordinator@luton.example";
    let u = store
        .accounts()
        .create_user(
            &NewUser {
                email,
                display_name: "Coordinator",
                organisation_id: o.id,
                role: Role::AsbCoordinator,
                password_hash: "x",
            },
            &by,
        )
        .await
        .unwrap();
    Who { caller: store.accounts().caller_for(&u).await.unwrap() }
}

fn person(name: &str, phone: &str) -> RawPerson {
    RawPerson {
        name: name.into(),
        phone: phone.into(),
        address: "12 High Street, Luton".into(),
        postcode: "LU1 1AA".into(),
        ..Default::default()
    }
}

fn report(victims: Vec<RawPerson>) -> RawReport {
    RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2018-01-01T21:00".into(),
        location: "Outside 12 High Street".into(),
        location_postcode: "LU1 1AA".into(),
        description: "Stones thrown at the window".into(),
        reporter: RawPerson { name: "Pat Neighbour".into(), phone: "07700 900999".into(), ..Default::default() },
        victims,
        ..Default::default()
    }
}

async fn record(store: &Store, who: &Who, victims: Vec<RawPerson>, at: DateTime<Utc>) -> i64 {
    let r = report(victims).check(at).unwrap();
    store.asb().record_asb_report(&r, &who.at(at)).await.unwrap().id
}

async fn closed_case(store: &Store, who: &Who, report: i64, opened: DateTime<Utc>, closed: DateTime<Utc>) -> i64 {
    let case = store.asb().create_asb_case("Stones at the window", &[report], &who.at(opened)).await.unwrap();
    let closure = NewClosure::check("resolved", "The behaviour stopped after a warning letter.").unwrap();
    store.asb().close_asb_case(case, &closure, &who.at(closed)).await.unwrap();
    case
}

async fn counts(store: &Store, who: &Who) -> (usize, usize) {
    let v = who.at(now());
    (store.asb().asb_reports(&v, 1000).await.unwrap().len(), store.asb().asb_cases(&v).await.unwrap().len())
}

async fn retention_deletes_exactly_what_is_due(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let who = coordinator(&store).await;
    let jane = || vec![person("Jane Smith", "07700 900123")];
    let policy = RetentionPolicy::default_policy();

    // Without a case: one day past two years, and one day short of it. The
    // second is a repeat of the first (the match row must go with the first).
    let old_loose = record(&store, &who, jane(), days_ago(731)).await;
    let kept_loose = record(&store, &who, jane(), days_ago(729)).await;
    // Exactly 730 days: due (kept exactly the period, no longer).
    let exact_loose = record(&store, &who, vec![person("Sam Patel", "07700 900456")], days_ago(730)).await;
    // Closed cases: six years and a day ago, and a year ago.
    let in_old_case = record(&store, &who, jane(), days_ago(2300)).await;
    let old_case = closed_case(&store, &who, in_old_case, days_ago(2299), days_ago(2191)).await;
    let in_recent_case = record(&store, &who, jane(), days_ago(2400)).await;
    let recent_case = closed_case(&store, &who, in_recent_case, days_ago(2399), days_ago(365)).await;
    // An open case from long ago is never due.
    let in_open_case = record(&store, &who, jane(), days_ago(3000)).await;
    let open_case = store.asb().create_asb_case("Still going", &[in_open_case], &who.at(days_ago(2999))).await.unwrap();

    let due = store.privacy().retention_due(&policy, now()).await.unwrap();
    assert_eq!(due.closed_cases, vec![old_case]);
    assert_eq!(due.case_reports, vec![in_old_case]);
    assert_eq!(due.reports_without_case, vec![old_loose, exact_loose]);
    assert_eq!(due.open311_tokens, 0);
    // Looking changes nothing.
    assert_eq!(counts(&store, &who).await, (6, 3));

    let by = By { caller: &peel_core::access::Caller::CommandLine, purpose: "retention policy", at: now() };
    let done = store.privacy().apply_retention(&policy, &by).await.unwrap();
    assert_eq!(done, due);
    assert_eq!(counts(&store, &who).await, (3, 2));
    let v = who.at(now());
    for gone in [old_loose, exact_loose, in_old_case] {
        assert!(store.asb().asb_report(gone, &v).await.is_err(), "report {gone} should be gone");
    }
    for kept in [kept_loose, in_recent_case, in_open_case] {
        assert_eq!(store.asb().asb_report(kept, &v).await.unwrap().id, kept);
    }
    assert!(store.asb().asb_case(old_case, &v).await.is_err());
    assert_eq!(store.asb().asb_case(recent_case, &v).await.unwrap().id, recent_case);
    assert_eq!(store.asb().asb_case(open_case, &v).await.unwrap().id, open_case);
    // Audited, one entry per record, and the chain still verifies.
    let entries: Vec<_> = store
        .audit()
        .search_audit(&AuditQuery { actor: Some("cli".into()), limit: Some(100), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.purpose == "retention policy")
        .collect();
    let mut subjects: Vec<String> = entries.iter().map(|e| e.subject.clone()).collect();
    subjects.sort();
    let mut want = vec![
        format!("asb-case:{old_case}"),
        format!("asb-report:{exact_loose}"),
        format!("asb-report:{in_old_case}"),
        format!("asb-report:{old_loose}"),
    ];
    want.sort();
    assert_eq!(subjects, want);
    assert!(entries.iter().all(|e| e.action == "retention.delete" && e.details.contains("peel-default-2026-11")));
    assert!(store.audit().verify_audit().await.unwrap().is_ok());

    // Running again finds nothing.
    assert!(store.privacy().apply_retention(&policy, &by).await.unwrap().is_empty());
}

async fn open311_tokens_expire_before_their_reports(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let who = coordinator(&store).await;
    let policy = RetentionPolicy::default_policy();
    let r = report(vec![person("Jane Smith", "07700 900123")]).check(days_ago(91)).unwrap();
    let (view, token) = store.open311().record_open311_report(&r, "tok-old", &who.at(days_ago(91))).await.unwrap();
    assert_eq!(token.as_deref(), Some("tok-old"));
    let r = report(vec![person("Jane Smith", "07700 900123")]).check(days_ago(89)).unwrap();
    store.open311().record_open311_report(&r, "tok-new", &who.at(days_ago(89))).await.unwrap();
    let due = store.privacy().retention_due(&policy, now()).await.unwrap();
    assert_eq!((due.open311_tokens, due.reports_without_case.len()), (1, 0));
    store
        .privacy()
        .apply_retention(
            &policy,
            &By { caller: &peel_core::access::Caller::CommandLine, purpose: "retention policy", at: now() },
        )
        .await
        .unwrap();
    assert_eq!(store.open311().open311_token("tok-old").await.unwrap(), None);
    assert!(store.open311().open311_token("tok-new").await.unwrap().is_some());
    assert_eq!(store.asb().asb_report(view.id, &who.at(now())).await.unwrap().id, view.id, "the report stays");
}

async fn subject_access_finds_one_person_and_withholds_others(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let who = coordinator(&store).await;
    let jane = person("Mrs Jane Smith", "07700 900123");
    let a = record(&store, &who, vec![jane.clone()], days_ago(40)).await;
    let b = record(&store, &who, vec![jane.clone(), person("Sam Patel", "07700 900456")], days_ago(20)).await;
    let _c = record(&store, &who, vec![person("Jane Smith", "07700 900777")], days_ago(10)).await; // another Jane
    let case = store.asb().create_asb_case("Stones at the window", &[b], &who.at(days_ago(19))).await.unwrap();

    let by = By {
        caller: &peel_core::access::Caller::CommandLine,
        purpose: "subject access request SAR-2026-17",
        at: now(),
    };
    // A name alone is refused and writes nothing.
    let before = store.audit().verify_audit().await.unwrap().unwrap().entries;
    let e = store.privacy().subject_access(&Subject { name: "Jane Smith".into(), ..Default::default() }, &by).await;
    assert!(matches!(e, Err(SubjectAccessError::TooLittle)));
    assert_eq!(store.audit().verify_audit().await.unwrap().unwrap().entries, before);

    let subject = Subject { name: "jane smith".into(), phone: "+44 7700 900123".into(), ..Default::default() };
    let doc = store.privacy().subject_access(&subject, &by).await.unwrap();
    let reports = doc["reports"].as_array().unwrap();
    let ids: Vec<i64> = reports.iter().map(|r| r["report_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![a, b], "only this Jane's reports");
    assert_eq!(doc["purpose"], "subject access request SAR-2026-17");
    let second = &reports[1];
    assert_eq!(second["your_details"].as_array().unwrap().len(), 1);
    assert_eq!(second["your_details"][0]["name"], "Mrs Jane Smith");
    assert_eq!(second["your_details"][0]["as"], "victim");
    // The reporter and Sam are withheld.
    assert_eq!(second["other_people_withheld"], 2);
    assert_eq!(second["case"]["case_id"], case);
    assert!(!second["case"]["timeline"].as_array().unwrap().is_empty());
    let text = doc.to_string();
    for other in ["Sam Patel", "07700 900456", "Pat Neighbour", "900777"] {
        assert!(!text.contains(other), "the export shows {other}");
    }
    // The audit entry names the reports and the identifiers used, never their values.
    let entries: Vec<_> = store
        .audit()
        .search_audit(&AuditQuery { actor: Some("cli".into()), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.purpose.starts_with("subject access request"))
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "subject-access.export");
    assert!(entries[0].details.contains(&format!("[{a},{b}]")), "{}", entries[0].details);
    assert!(!entries[0].details.contains("Jane") && !entries[0].details.contains("7700"));

    // The same address finds the reports where Jane's address was given.
    let by_address = Subject { address: "12 High St, Luton".into(), postcode: "lu11aa".into(), ..Default::default() };
    let doc = store.privacy().subject_access(&by_address, &by).await.unwrap();
    assert_eq!(doc["reports"].as_array().unwrap().len(), 3, "every report naming someone at that address");
}

peel_store::on_both_engines!(
    retention_deletes_exactly_what_is_due,
    open311_tokens_expire_before_their_reports,
    subject_access_finds_one_person_and_withholds_others
);
