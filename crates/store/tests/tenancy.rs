//! Tenancy on SQLite and PostgreSQL: every back-office power stays within
//! the caller's own organisation's reach, whichever route calls the store.
//! Each test is one of the defects found by trying peel with three
//! organisations (issue 13), and fails on the code before the fix.

use chrono::{DateTime, TimeZone, Utc};
use peel_core::access::{OrgKind, Partnership, Reach, Role};
use peel_core::asb::{RawPerson, RawReport, Reassignment};
use peel_core::geography::Neighbourhood;
use peel_core::pledge::{CommitmentId, Limit, Standard, parse_ndjson};
use peel_core::trigger::{Complaint, NewApplication, Procedure};
use peel_store::asb::AsbError;
use peel_store::testing::{TestDatabase, Who, person, place, setup};
use peel_store::{
    AuditQuery, Bcu, CaseReviewError, Csp, Engine, IngestError, LocalStandardError, NeighbourhoodDetails, NewUser,
    Store, StoreError,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap()
}

fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Refused(r)) => r.0,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// How many audit entries there are.
async fn entries(store: &Store) -> i64 {
    store.audit().audit_head().await.unwrap().0
}

/// The actions written to the log since entry `after`: a refusal writes only
/// its own `access.denied`.
async fn written_since(store: &Store, after: i64) -> Vec<String> {
    store.audit().audit_entries_after(after, 1000).await.unwrap().into_iter().map(|e| e.action).collect()
}

async fn only_refusals_since(store: &Store, after: i64, how_many: usize) {
    let written = written_since(store, after).await;
    assert_eq!(written, vec!["access.denied".to_string(); how_many], "refusals change nothing but the log");
}

/// Three forces' staff and a council's, as the issue tried them.
struct World {
    _db: TestDatabase,
    store: Store,
    city_admin: Who,
    kent_admin: Who,
    kent_officer: Who,
    beds_officer: Who,
    council_admin: Who,
}

async fn world(engine: Engine) -> World {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let city_admin =
        person(&store, "City of London Police", OrgKind::Force, "admin@city.example", Role::Administrator).await;
    let kent_admin = person(&store, "Kent Police", OrgKind::Force, "admin@kent.example", Role::Administrator).await;
    let kent_officer = person(&store, "Kent Police", OrgKind::Force, "pc@kent.example", Role::Officer).await;
    let beds_officer = person(&store, "Bedfordshire Police", OrgKind::Force, "pc@beds.example", Role::Officer).await;
    let council_admin =
        person(&store, "Luton Borough Council", OrgKind::Council, "admin@luton.example", Role::Administrator).await;
    World { _db: db, store, city_admin, kent_admin, kent_officer, beds_officer, council_admin }
}

// ---- 1. administrators administer their own organisation only ----------------------------

async fn administrators_cannot_reach_another_organisations_accounts(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    for outsider in [&w.city_admin, &w.council_admin] {
        let by = outsider.by(t0());
        let before = entries(s).await;
        // Reset a Bedfordshire officer's password (then sign in as them): refused.
        let hash = s.accounts().user(w.beds_officer.user_id).await.unwrap().unwrap().password_hash;
        refused(s.accounts().set_password_hash(w.beds_officer.user_id, "stolen", &by).await);
        assert_eq!(s.accounts().user(w.beds_officer.user_id).await.unwrap().unwrap().password_hash, hash);
        // Kent's administrator's password, a Kent account's record, disabling a Kent officer.
        refused(s.accounts().set_password_hash(w.kent_admin.user_id, "stolen", &by).await);
        refused(s.accounts().managed_user(w.kent_officer.user_id, &by).await);
        refused(s.accounts().set_user_disabled(w.kent_officer.user_id, true, &by).await);
        assert!(!s.accounts().user(w.kent_officer.user_id).await.unwrap().unwrap().disabled);
        // An account added to Kent's organisation.
        let kent_org = w.kent_admin.org_id;
        let new = NewUser {
            email: "plant@kent.example",
            display_name: "Plant",
            organisation_id: kent_org,
            role: Role::Officer,
            password_hash: "x",
        };
        refused(s.accounts().create_user(&new, &by).await);
        assert!(s.accounts().user_by_email("plant@kent.example").await.unwrap().is_none());
        only_refusals_since(s, before, 5).await;
        // Listing shows their own organisation's accounts only.
        let listed = s.accounts().users(&by).await.unwrap();
        assert!(!listed.is_empty());
        assert!(listed.iter().all(|u| u.organisation_id == outsider.org_id), "{listed:?}");
    }
    // Within their own organisation, all of it works.
    let by = w.kent_admin.by(t0());
    s.accounts().set_user_disabled(w.kent_officer.user_id, true, &by).await.unwrap();
    s.accounts().set_password_hash(w.kent_officer.user_id, "new", &by).await.unwrap();
    assert_eq!(s.accounts().managed_user(w.kent_officer.user_id, &by).await.unwrap().email, "pc@kent.example");
    let emails: Vec<String> = s.accounts().users(&by).await.unwrap().into_iter().map(|u| u.email).collect();
    assert_eq!(emails, ["admin@kent.example", "pc@kent.example"]);
}

async fn installation_administrators_manage_organisations_and_administrators_only(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    let root =
        person(s, "peel operators", OrgKind::Council, "root@peel.example", Role::InstallationAdministrator).await;
    let by = root.by(t0());
    // Organisations, and each organisation's administrators.
    let essex = s
        .accounts()
        .create_organisation("Essex Police", OrgKind::Force, &Reach::Force("essex".into()), &by)
        .await
        .unwrap();
    let admin = NewUser {
        email: "admin@essex.example",
        display_name: "Essex admin",
        organisation_id: essex.id,
        role: Role::Administrator,
        password_hash: "x",
    };
    s.accounts().create_user(&admin, &by).await.unwrap();
    s.accounts().set_password_hash(w.kent_admin.user_id, "reset", &by).await.unwrap();
    // Not their staff, not casework, not another installation administrator.
    let officer = NewUser { email: "pc@essex.example", role: Role::Officer, ..admin };
    refused(s.accounts().create_user(&officer, &by).await);
    refused(s.accounts().set_password_hash(w.kent_officer.user_id, "x", &by).await);
    let another_root = NewUser { email: "root2@peel.example", role: Role::InstallationAdministrator, ..admin };
    assert!(refused(s.accounts().create_user(&another_root, &by).await).contains("command line"));
    assert!(refused(s.accounts().create_user(&another_root, &w.kent_admin.by(t0())).await).contains("command line"));
    s.accounts().create_user(&another_root, &setup()).await.expect("the command line may");
    let listed = s.accounts().users(&by).await.unwrap();
    assert!(listed.iter().all(|u| matches!(u.role, Role::Administrator | Role::InstallationAdministrator)));
    // Nobody else makes or moves organisations.
    refused(
        s.accounts()
            .create_organisation("Fake", OrgKind::Force, &Reach::Force("kent".into()), &w.kent_admin.by(t0()))
            .await,
    );
    refused(
        s.accounts()
            .set_organisation_reach(w.city_admin.org_id, &Reach::Force("kent".into()), &w.city_admin.by(t0()))
            .await,
    );
}

async fn organisations_are_placed_with_checks(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    let by = setup();
    let bad =
        s.accounts().create_organisation("Nowhere Police", OrgKind::Force, &Reach::Force("nowhere".into()), &by).await;
    assert!(matches!(bad, Err(StoreError::Invalid(ref m)) if m.contains("no police force \"nowhere\"")), "{bad:?}");
    let luton = Partnership { force_id: "bedfordshire".into(), csp_id: "luton".into() };
    let early = s
        .accounts()
        .set_organisation_reach(w.council_admin.org_id, &Reach::Partnerships(vec![luton.clone()]), &by)
        .await;
    assert!(
        matches!(early, Err(StoreError::Invalid(ref m)) if m.contains("import the partnerships first")),
        "{early:?}"
    );
    peel_store::testing::put_luton_partnership(s).await.unwrap();
    let placed = s
        .accounts()
        .set_organisation_reach(w.council_admin.org_id, &Reach::Partnerships(vec![luton.clone()]), &by)
        .await;
    assert_eq!(placed.unwrap().reach, Reach::Partnerships(vec![luton]));
    let wrong_kind =
        s.accounts().set_organisation_reach(w.council_admin.org_id, &Reach::Force("kent".into()), &by).await;
    assert!(matches!(wrong_kind, Err(StoreError::Invalid(_))), "{wrong_kind:?}");
    // Forces named as police.uk names them are placed by the test helper, as by the upgrade.
    assert_eq!(
        s.accounts().organisation(w.kent_admin.org_id).await.unwrap().unwrap().reach,
        Reach::Force("kent".into())
    );
}

// ---- 2. Pledge powers stay within the force -----------------------------------------------

async fn kent_with_neighbourhoods(s: &Store) {
    for id in ["town", "marsh"] {
        let neighbourhood =
            Neighbourhood { force_id: "kent".into(), id: id.into(), name: id.into(), ..Default::default() };
        s.geography().put_neighbourhood(&NeighbourhoodDetails { neighbourhood, ..Default::default() }).await.unwrap();
    }
}

fn stricter_999() -> Standard {
    Standard {
        id: CommitmentId::Answer999,
        version: "intruder-1".into(),
        description: "Answer 999 calls within 5 seconds".into(),
        limit: Limit::Within { seconds: 5 },
        source: String::new(),
    }
}

async fn pledge_standards_are_the_forces_own(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    kent_with_neighbourhoods(s).await;
    for outsider in [&w.city_admin, &w.council_admin] {
        let by = outsider.by(t0());
        let before = entries(s).await;
        let r = s.pledge().put_local_standard("kent", None, &stricter_999(), &by).await;
        assert!(matches!(r, Err(LocalStandardError::Store(StoreError::Refused(_)))), "{r:?}");
        let r = s.pledge().put_local_standard("kent", Some("town"), &stricter_999(), &by).await;
        assert!(matches!(r, Err(LocalStandardError::Store(StoreError::Refused(_)))), "{r:?}");
        refused(s.pledge().set_neighbourhood_area("kent", "town", peel_core::pledge::AreaKind::Rural, &by).await);
        only_refusals_since(s, before, 3).await;
    }
    assert!(s.pledge().local_standards_at("kent", None).await.unwrap().is_empty());
    // Kent's administrator sets it; City's cannot withdraw it.
    s.pledge().put_local_standard("kent", None, &stricter_999(), &w.kent_admin.by(t0())).await.unwrap();
    let r = s.pledge().withdraw_local_standard("kent", None, CommitmentId::Answer999, &w.city_admin.by(t0())).await;
    assert!(matches!(r, Err(LocalStandardError::Store(StoreError::Refused(_)))), "{r:?}");
    assert_eq!(s.pledge().local_standards_at("kent", None).await.unwrap(), vec![stricter_999()]);
    // Audited in the same transaction as the change.
    let log =
        s.audit().search_audit(&AuditQuery { subject: Some("force:kent".into()), ..Default::default() }).await.unwrap();
    let set: Vec<&str> = log.iter().filter(|e| e.action == "pledge.standard.set").map(|e| e.actor.as_str()).collect();
    assert_eq!(set, ["user:admin@kent.example"]);
    let refused = log.iter().filter(|e| e.action == "access.denied").count();
    assert_eq!(refused, 7, "each refusal is in the log, naming the force");
}

fn call(id: &str, force: &str) -> String {
    format!(
        r#"{{"id":"{id}","force":"{force}","type":"call","channel":"999","received_at":"2024-10-10T12:00:00Z","answered_at":"2024-10-10T12:00:05Z"}}"#
    )
}

async fn event_feeds_send_only_their_own_forces_events(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    let city_feed = person(s, "City of London Police", OrgKind::Force, "feed@city.example", Role::EventFeed).await;
    let kent_feed = person(s, "Kent Police", OrgKind::Force, "feed@kent.example", Role::EventFeed).await;
    let send = async |who: &Who, lines: &[String]| {
        s.pledge().ingest_pledge_events(parse_ndjson(&lines.join("\n")), &who.by(t0())).await
    };
    assert_eq!(send(&kent_feed, &[call("k-1", "kent")]).await.unwrap(), 1);
    assert_eq!(send(&city_feed, &[call("c-1", "city-of-london")]).await.unwrap(), 1);
    // A Kent event from City's feed, a mixed batch, a City event from Kent's feed: refused whole.
    for (who, lines) in [
        (&city_feed, vec![call("k-1", "kent")]),
        (&city_feed, vec![call("c-2", "city-of-london"), call("k-2", "kent")]),
        (&kent_feed, vec![call("c-3", "city-of-london")]),
    ] {
        match send(who, &lines).await {
            Err(IngestError::Store(StoreError::Refused(r))) => {
                assert!(r.0.contains("nothing was stored") && r.0.contains("first at line"), "{r}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(s.pledge().pledge_event_count(Some("kent")).await.unwrap(), 1);
    assert_eq!(s.pledge().pledge_event_count(Some("city-of-london")).await.unwrap(), 1);
    // Kent's k-1 is still Kent's own, answered in 5 seconds: met.
    let report = s.pledge().pledge_compliance("kent", "2024-10".parse().unwrap(), None, t0()).await.unwrap();
    let f = report.figure(CommitmentId::Answer999).unwrap();
    assert_eq!((f.eligible, f.met), (1, 1));
    // An officer (no ingest permission) and a council's feed reach nothing.
    let council_feed =
        person(s, "Luton Borough Council", OrgKind::Council, "feed@luton.example", Role::EventFeed).await;
    assert!(send(&council_feed, &[call("l-1", "bedfordshire")]).await.is_err());
    assert!(send(&w.kent_officer, &[call("k-9", "kent")]).await.is_err());
}

// ---- 3. a case goes only to someone it may go to -------------------------------------------

async fn cases_are_reassigned_only_within_the_organisations_that_hold_them(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    let supervisor = person(s, "Bedfordshire Police", OrgKind::Force, "sgt@beds.example", Role::Supervisor).await;
    let council_worker =
        person(s, "Luton Borough Council", OrgKind::Council, "asb@luton.example", Role::PartnerCaseworker).await;
    let raw = RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-08-30T21:00".into(),
        location: "High Street".into(),
        description: "Threats".into(),
        reporter: RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() },
        victims: vec![RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() }],
        ..Default::default()
    };
    let v = supervisor.at(t0());
    let report = s.asb().record_asb_report(&raw.check(t0()).unwrap(), &v).await.unwrap();
    let case = s.asb().create_asb_case("Threats on the High Street", &[report.id], &v).await.unwrap();
    // To a Kent officer, with whom the case was never shared: refused, nothing changes.
    let before = entries(s).await;
    let to_kent =
        Reassignment::check(Some(w.kent_officer.user_id), Some(w.kent_officer.org_id), "Kent should have it").unwrap();
    match s.asb().reassign_asb_case(case, &to_kent, &v).await {
        Err(AsbError::Invalid(p)) => assert!(p.to_string().contains("not shared with"), "{p}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(entries(s).await, before, "bad input, not a refusal: nothing written");
    assert!(matches!(s.asb().asb_case(case, &w.kent_officer.at(t0())).await, Err(AsbError::NotShared(_))));
    assert_eq!(s.asb().asb_case(case, &v).await.unwrap().owner, "sgt@beds.example");
    // The candidates offered are the rule: own organisation, and those it is shared with.
    let names: Vec<String> =
        s.asb().asb_case_owner_candidates(case, &v).await.unwrap().into_iter().map(|c| c.name).collect();
    assert!(!names.iter().any(|n| n.contains("kent")), "{names:?}");
    s.asb().share_asb_case(case, council_worker.org_id, &v).await.unwrap();
    let to_council =
        Reassignment::check(Some(council_worker.user_id), Some(council_worker.org_id), "Council leads").unwrap();
    s.asb().reassign_asb_case(case, &to_council, &v).await.unwrap();
    let _ = &w.beds_officer;
}

// ---- case reviews, procedures and standards stay within the partnership ------------------

async fn areas(s: &Store) {
    for (force, bcu, csps) in
        [("bedfordshire", "west", vec![("luton", "Luton")]), ("kent", "north", vec![("medway", "Medway")])]
    {
        let b = Bcu { force_id: force.into(), id: bcu.into(), name: bcu.into(), commentary: None, sample: false };
        let cs: Vec<Csp> = csps
            .iter()
            .map(|(id, name)| Csp {
                force_id: force.into(),
                id: (*id).into(),
                name: (*name).into(),
                bcu_id: bcu.into(),
                local_authority: (*name).into(),
                local_authority_code: None,
                population: None,
            })
            .collect();
        s.geography().put_areas(force, None, None, &[b], &cs).await.unwrap();
    }
}

fn application() -> NewApplication {
    let complaint = |day: &str| Complaint {
        complainant: "Jane Smith".into(),
        agency: "police".into(),
        incident: format!("Shouting on {day}"),
        behaviour_on: day.parse().unwrap(),
        complained_on: day.parse().unwrap(),
        hate_related: false,
        report_id: None,
    };
    NewApplication {
        received_on: "2026-08-20".parse().unwrap(),
        applicant_name: "Jane Smith".into(),
        applicant_contact: "07700 900123".into(),
        on_behalf_of: None,
        consent: false,
        summary: "Shouting and threats from the flat above".into(),
        vulnerable: false,
        discretion: None,
        complaints: vec![complaint("2026-06-01"), complaint("2026-07-01"), complaint("2026-08-01")],
    }
}

async fn case_reviews_stay_within_the_partnership(engine: Engine) {
    let w = world(engine).await;
    let s = &w.store;
    areas(s).await;
    let luton = Partnership { force_id: "bedfordshire".into(), csp_id: "luton".into() };
    place(s, w.council_admin.org_id, Reach::Partnerships(vec![luton])).await;
    let council =
        person(s, "Luton Borough Council", OrgKind::Council, "cora@luton.example", Role::AsbCoordinator).await;
    let beds = person(s, "Bedfordshire Police", OrgKind::Force, "co@beds.example", Role::AsbCoordinator).await;
    let kent = person(s, "Kent Police", OrgKind::Force, "co@kent.example", Role::AsbCoordinator).await;
    let today = "2026-09-01".parse().unwrap();
    let review =
        s.trigger().record_case_review("bedfordshire", "luton", application(), today, &council.by(t0())).await.unwrap();
    // Kent's coordinator neither reads, lists, records in nor changes it.
    let r = s.trigger().case_review(review.id, &kent.by(t0())).await;
    assert!(matches!(r, Err(CaseReviewError::Refused(_))), "{r:?}");
    let denied =
        s.audit().search_audit(&AuditQuery { actor: Some("co@kent".into()), ..Default::default() }).await.unwrap();
    assert_eq!(denied[0].action, "access.denied", "a refused read is audited");
    assert!(s.trigger().case_reviews(None, &kent.by(t0())).await.unwrap().is_empty());
    let r = s.trigger().case_reviews(Some(("bedfordshire", "luton")), &kent.by(t0())).await;
    assert!(matches!(r, Err(CaseReviewError::Refused(_))), "{r:?}");
    let r = s.trigger().record_case_review("bedfordshire", "luton", application(), today, &kent.by(t0())).await;
    assert!(matches!(r, Err(CaseReviewError::Refused(_))), "{r:?}");
    let r = s.trigger().record_decision(review.id, Some(today), None, "", today, &kent.by(t0())).await;
    assert!(matches!(r, Err(CaseReviewError::Refused(_))), "{r:?}");
    let r = s.trigger().adopt_procedure("bedfordshire", "luton", &Procedure::local_example(), &kent.by(t0())).await;
    assert!(matches!(r, Err(CaseReviewError::Refused(_))), "{r:?}");
    let standards = peel_core::asb::Standards::national_default();
    let r = s.asb().adopt_asb_standards("bedfordshire", "luton", &standards, &kent.by(t0())).await;
    assert!(matches!(r, Err(AsbError::NotShared(_))), "{r:?}");
    // Bedfordshire's police reach all their force's partnerships; the council its own.
    assert_eq!(s.trigger().case_reviews(None, &beds.by(t0())).await.unwrap().len(), 1);
    assert_eq!(s.trigger().case_reviews(None, &council.by(t0())).await.unwrap().len(), 1);
    s.trigger().record_case_review("kent", "medway", application(), today, &kent.by(t0())).await.unwrap();
    assert_eq!(s.trigger().case_reviews(None, &council.by(t0())).await.unwrap().len(), 1, "not Medway's");
    assert_eq!(s.trigger().case_reviews(None, &setup()).await.unwrap().len(), 2, "the command line sees all");
}

// ---- upgrading -------------------------------------------------------------------------------

async fn older_organisations_are_placed_on_upgrade(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate_up_to(13).await.unwrap();
    for (name, kind) in [
        ("Kent Police", "force"),
        ("DEVON AND CORNWALL POLICE", "force"),
        ("Our Force", "force"),
        ("Luton Council", "council"),
    ] {
        store
            .execute_raw_sql_for_tests(&format!(
                "INSERT INTO organisations (name, kind, created_at) VALUES ('{name}', '{kind}', '2026-01-01T00:00:00.000000Z')"
            ))
            .await
            .unwrap();
    }
    store.migrate().await.unwrap();
    let reach = async |name: &str| store.accounts().organisation_by_name(name.trim()).await.unwrap().unwrap().reach;
    assert_eq!(reach("Kent Police").await, Reach::Force("kent".into()));
    assert_eq!(
        reach("Devon and Cornwall Police").await,
        Reach::Force("devon-and-cornwall".into()),
        "an older spelling, in capitals"
    );
    assert_eq!(reach("Our Force").await, Reach::Unset, "not a force's own name: placed by hand");
    assert_eq!(reach("Luton Council").await, Reach::Partnerships(vec![]));
}

peel_store::on_both_engines!(
    administrators_cannot_reach_another_organisations_accounts,
    installation_administrators_manage_organisations_and_administrators_only,
    organisations_are_placed_with_checks,
    pledge_standards_are_the_forces_own,
    event_feeds_send_only_their_own_forces_events,
    cases_are_reassigned_only_within_the_organisations_that_hold_them,
    case_reviews_stay_within_the_partnership,
    older_organisations_are_placed_on_upgrade,
);
