//! Local ASB service standards on SQLite and PostgreSQL: adopting versions,
//! which version judges a case, victim contacts, the due-and-overdue list
//! for each role, the postcode lookup, and a database with cases from
//! before schema version 11.

use chrono::{DateTime, Duration, TimeZone, Utc};
use peel_core::access::{OrgKind, Role};
use peel_core::asb::standards::{NewContact, Standards};
use peel_core::asb::{RawPerson, RawReport};
use peel_core::geo::LatLng;
use peel_core::geography::{Postcode, PostcodePoint};
use peel_store::asb::AsbError;
use peel_store::testing::{TestDatabase, Who, person};
use peel_store::{AuditQuery, Bcu, By, Csp, Engine, Store};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap()
}

fn report(postcode: &str) -> RawReport {
    let victim = RawPerson {
        name: "Jane Smith".into(),
        phone: "07700 900123".into(),
        address: "12 High Street, Luton".into(),
        postcode: postcode.into(),
        ..Default::default()
    };
    RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-08-31T21:00".into(),
        location: "Outside 12 High Street".into(),
        location_postcode: postcode.into(),
        description: "Stones thrown at the window".into(),
        reporter: victim.clone(),
        victims: vec![victim],
        ..Default::default()
    }
}

async fn record(store: &Store, who: &Who, postcode: &str, at: DateTime<Utc>) -> i64 {
    let r = report(postcode).check(at).unwrap();
    store.asb().record_asb_report(&r, &who.at(at)).await.unwrap().id
}

async fn areas(store: &Store) {
    let bcu = Bcu {
        force_id: "bedfordshire".into(),
        id: "west".into(),
        name: "West".into(),
        commentary: None,
        sample: false,
    };
    let csp = |id: &str, name: &str, code: &str| Csp {
        force_id: "bedfordshire".into(),
        id: id.into(),
        name: format!("{name} Community Safety Partnership"),
        bcu_id: "west".into(),
        local_authority: name.into(),
        local_authority_code: Some(code.into()),
        population: None,
    };
    store
        .geography()
        .put_areas(
            "bedfordshire",
            None,
            None,
            &[bcu],
            &[csp("luton", "Luton", "E06000032"), csp("bedford", "Bedford", "E06000055")],
        )
        .await
        .unwrap();
}

async fn logged(store: &Store, subject: &str, action: &str) -> usize {
    let q = AuditQuery { subject: Some(subject.into()), limit: Some(1000), ..Default::default() };
    store.audit().search_audit(&q).await.unwrap().iter().filter(|e| e.action == action).count()
}

fn luton(version: &str, first_contact_hours: u32) -> Standards {
    let mut s = Standards::national_default();
    s.version = version.into();
    s.name = "Luton's ASB standards".into();
    s.first_contact_hours = first_contact_hours;
    s
}

fn contact(at: DateTime<Utc>, now: DateTime<Utc>) -> NewContact {
    NewContact::check(&at.format("%Y-%m-%dT%H:%M").to_string(), "phone", "Told her a patrol will pass tonight", now)
        .unwrap()
}

async fn versions_are_adopted_and_judge_cases_opened_after_them(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    areas(&store).await;
    let by = By {
        caller: &peel_core::access::Caller::CommandLine,
        purpose: "ASB service standards",
        at: t0() - Duration::days(10),
    };
    let v1 = store.asb().adopt_asb_standards("bedfordshire", "luton", &luton("luton-1", 12), &by).await.unwrap();
    assert_eq!(v1.standards.version, "luton-1");
    let again = store.asb().adopt_asb_standards("bedfordshire", "luton", &luton("luton-1", 12), &by).await.unwrap_err();
    assert!(matches!(again, AsbError::Conflict(ref m) if m.contains("its own version")), "{again}");
    let unknown = store.asb().adopt_asb_standards("bedfordshire", "nowhere", &luton("x-1", 12), &by).await.unwrap_err();
    assert!(matches!(unknown, AsbError::NotFound(_)), "{unknown}");
    let mut bad = luton("bad version", 0);
    bad.redress.offer.clear();
    let e = store.asb().adopt_asb_standards("bedfordshire", "luton", &bad, &by).await.unwrap_err();
    assert!(matches!(e, AsbError::Invalid(ref p) if p.0.len() == 3), "{e}");
    assert_eq!(logged(&store, "csp:bedfordshire/luton", "asb.standards.adopt").await, 1, "only what was adopted");

    let officer = person(&store, "Bedfordshire Police", OrgKind::Force, "olu@police.example", Role::Officer).await;
    let r1 = record(&store, &officer, "LU1 1AA", t0()).await;
    let under = store
        .asb()
        .create_asb_case_under("High Street", &[r1], Some(("bedfordshire", "luton")), &officer.at(t0()))
        .await
        .unwrap();
    let r2 = record(&store, &officer, "LU1 1AA", t0()).await;
    let plain = store.asb().create_asb_case("Market Square", &[r2], &officer.at(t0())).await.unwrap();
    let r3 = record(&store, &officer, "LU1 1AA", t0()).await;
    let bedford = store
        .asb()
        .create_asb_case_under("Bedford", &[r3], Some(("bedfordshire", "bedford")), &officer.at(t0()))
        .await
        .unwrap();
    let r4 = record(&store, &officer, "LU1 1AA", t0()).await;
    let e = store
        .asb()
        .create_asb_case_under("x", &[r4], Some(("bedfordshire", "atlantis")), &officer.at(t0()))
        .await
        .unwrap_err();
    assert!(matches!(e, AsbError::Invalid(ref p) if p.0[0].field == "csp"), "{e}");

    // A later version applies only to cases opened after it.
    let later = By { at: t0() + Duration::hours(1), ..by };
    store.asb().adopt_asb_standards("bedfordshire", "luton", &luton("luton-2", 48), &later).await.unwrap();
    assert_eq!(
        store.asb().asb_standards_for("bedfordshire", "luton").await.unwrap().unwrap().standards.version,
        "luton-2"
    );

    let now = t0() + Duration::hours(13);
    let s = store.asb().asb_case_service(under, &officer.at(now)).await.unwrap();
    assert_eq!((s.standards.version.as_str(), s.standards.source.as_str()), ("luton-1", "csp"));
    assert_eq!(s.judgement.standards_version, "luton-1");
    assert_eq!(s.standards.csp_name.as_deref(), Some("Luton Community Safety Partnership"));
    let first = &s.judgement.states[0];
    assert_eq!((first.standard.as_str(), first.state.slug()), ("first-contact", "overdue"));
    assert!(s.redress.is_some(), "overdue: redress is offered");
    let s = store.asb().asb_case_service(plain, &officer.at(now)).await.unwrap();
    assert_eq!(s.standards.source, "national-default");
    assert_eq!(s.judgement.standards_version, "national-default-1");
    assert!(s.standards.why_default.unwrap().contains("not handled under"));
    assert_eq!(s.judgement.states[0].state.slug(), "due");
    assert!(s.redress.is_none());
    let s = store.asb().asb_case_service(bedford, &officer.at(now)).await.unwrap();
    assert!(s.standards.why_default.unwrap().contains("had adopted no standards"));
}

async fn contacts_are_recorded_audited_and_counted(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let officer = person(&store, "Bedfordshire Police", OrgKind::Force, "olu@police.example", Role::Officer).await;
    let other = person(&store, "Luton Council", OrgKind::Council, "pat@council.example", Role::PartnerCaseworker).await;
    let r = record(&store, &officer, "LU1 1AA", t0()).await;
    let case = store.asb().create_asb_case("High Street", &[r], &officer.at(t0())).await.unwrap();
    let now = t0() + Duration::hours(30);
    // Exactly 24 hours after the report: met.
    let id = store
        .asb()
        .record_victim_contact(case, &contact(t0() + Duration::hours(24), now), &officer.at(now))
        .await
        .unwrap();
    assert!(id > 0);
    let s = store.asb().asb_case_service(case, &officer.at(now)).await.unwrap();
    assert_eq!(s.judgement.states[0].state.slug(), "met");
    assert_eq!(s.contacts.len(), 1);
    assert_eq!((s.contacts[0].method.as_str(), s.contacts[0].recorded_by.as_str()), ("phone", "olu@police.example"));
    let updates = s.judgement.states.iter().find(|x| x.standard == "updates").unwrap();
    assert_eq!(updates.state.slug(), "due");
    let view = store.asb().asb_case(case, &officer.at(now)).await.unwrap();
    assert!(
        view.timeline.iter().any(|e| e.kind == "victim-contact" && e.summary.contains("phone call")),
        "{:?}",
        view.timeline
    );
    let subject = format!("asb_case:{case}");
    assert_eq!(logged(&store, &subject, "asb.case.victim_contact").await, 1);
    assert_eq!(logged(&store, &subject, "asb.contact.read").await, 1);

    // A tool's review is met by a "tools and powers reviewed" action.
    let today = t0().date_naive();
    let tool = peel_core::asb::tools::RawToolUse {
        tool: "warning-letter".into(),
        used_on: today.to_string(),
        review_on: (today + Duration::days(7)).to_string(),
        notes: String::new(),
    };
    store.asb().add_asb_tool(case, &tool.check(today).unwrap(), &officer.at(now)).await.unwrap();
    let tool_state = async |at| {
        let s = store.asb().asb_case_service(case, &officer.at(at)).await.unwrap();
        s.judgement.states.iter().find(|x| x.standard == "tool-review").unwrap().state.slug().to_string()
    };
    assert_eq!(tool_state(t0() + Duration::days(9)).await, "overdue");
    let review = peel_core::asb::NewAction::check(
        "tool-review",
        &(today + Duration::days(7)).to_string(),
        "Reviewed the warning letter",
        today + Duration::days(9),
    )
    .unwrap();
    store.asb().add_asb_action(case, &review, &officer.at(t0() + Duration::days(9))).await.unwrap();
    assert_eq!(tool_state(t0() + Duration::days(9)).await, "met");

    // Not shared: refused, logged, and nothing stored.
    let e = store.asb().record_victim_contact(case, &contact(now, now), &other.at(now)).await.unwrap_err();
    assert!(matches!(e, AsbError::NotShared(_)), "{e}");
    assert!(matches!(store.asb().asb_case_service(case, &other.at(now)).await.unwrap_err(), AsbError::NotShared(_)));
    assert_eq!(store.asb().asb_case_service(case, &officer.at(now)).await.unwrap().contacts.len(), 1);
    assert!(matches!(
        store.asb().record_victim_contact(999, &contact(now, now), &officer.at(now)).await.unwrap_err(),
        AsbError::NotFound(_)
    ));

    // A closed case still takes the contact that tells the victim.
    let closure = peel_core::asb::NewClosure::check("resolved", "No reports since").unwrap();
    store.asb().close_asb_case(case, &closure, &officer.at(now)).await.unwrap();
    let s = store.asb().asb_case_service(case, &officer.at(now + Duration::days(6))).await.unwrap();
    let told = s.judgement.states.iter().find(|x| x.standard == "closure").unwrap();
    assert_eq!(told.state.slug(), "overdue");
    store
        .asb()
        .record_victim_contact(
            case,
            &contact(now + Duration::days(1), now + Duration::days(6)),
            &officer.at(now + Duration::days(6)),
        )
        .await
        .unwrap();
    let s = store.asb().asb_case_service(case, &officer.at(now + Duration::days(6))).await.unwrap();
    assert_eq!(s.judgement.states.iter().find(|x| x.standard == "closure").unwrap().state.slug(), "met");
}

async fn the_due_list_follows_the_role(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let olu = person(&store, "Bedfordshire Police", OrgKind::Force, "olu@police.example", Role::Officer).await;
    let oli = person(&store, "Bedfordshire Police", OrgKind::Force, "oli@police.example", Role::Officer).await;
    let sam = person(&store, "Bedfordshire Police", OrgKind::Force, "sam@police.example", Role::Supervisor).await;
    let pat = person(&store, "Luton Council", OrgKind::Council, "pat@council.example", Role::PartnerCaseworker).await;
    let cal = person(&store, "Bedfordshire Police", OrgKind::Force, "cal@police.example", Role::CallHandler).await;
    let a = store
        .asb()
        .create_asb_case("Olu's", &[record(&store, &olu, "LU1 1AA", t0()).await], &olu.at(t0()))
        .await
        .unwrap();
    let later = t0() + Duration::hours(5);
    let b = store
        .asb()
        .create_asb_case("Oli's", &[record(&store, &oli, "LU1 1AA", later).await], &oli.at(later))
        .await
        .unwrap();
    let c = store
        .asb()
        .create_asb_case("Pat's own", &[record(&store, &pat, "LU1 1AA", t0()).await], &pat.at(t0()))
        .await
        .unwrap();
    store.asb().share_asb_case(b, pat.org_id, &oli.at(later)).await.unwrap();
    let now = t0() + Duration::hours(40);
    let ids = |d: Vec<peel_store::asb::DueCase>| d.into_iter().map(|x| x.case_id).collect::<Vec<_>>();
    assert_eq!(ids(store.asb().asb_due(&olu.at(now)).await.unwrap()), [a]);
    // Most overdue first: a's first contact is 16 hours late, b's 11.
    let due = store.asb().asb_due(&sam.at(now)).await.unwrap();
    assert_eq!(due[0].most_overdue_seconds, Some(16 * 3600));
    assert_eq!(due[0].standards_version, "national-default-1");
    assert!(due[0].redress_due);
    assert_eq!(ids(due), [a, b]);
    assert_eq!(ids(store.asb().asb_due(&pat.at(now)).await.unwrap()), [c, b]);
    assert!(matches!(store.asb().asb_due(&cal.at(now)).await.unwrap_err(), AsbError::NotShared(_)));
    // Once contacted, the first contact leaves the list and updates fall due.
    store.asb().record_victim_contact(a, &contact(now, now), &olu.at(now)).await.unwrap();
    let due = store.asb().asb_due(&olu.at(now)).await.unwrap();
    let states: Vec<_> = due[0].states.iter().map(|s| (s.standard.as_str(), s.state.slug())).collect();
    assert_eq!(states, [("risk-assessment", "overdue"), ("updates", "due")]);
    assert_eq!(logged(&store, "asb_cases", "asb.due.list").await, 4, "each list is logged");
}

async fn the_postcode_suggests_the_partnership(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    areas(&store).await;
    let point = |p: &str, district: &str| PostcodePoint {
        postcode: Postcode::parse(p).unwrap(),
        at: LatLng { lat: 51.88, lng: -0.42 },
        admin_district: Some(district.into()),
        ward: None,
    };
    store
        .geography()
        .put_postcodes(&[point("LU1 1AA", "E06000032"), point("MK40 1AA", "Bedford"), point("EC1A 1AA", "E09000001")])
        .await
        .unwrap();
    assert_eq!(store.asb().csp_for_postcode("lu11aa").await.unwrap().unwrap().id, "luton", "by ONS code");
    assert_eq!(store.asb().csp_for_postcode("MK40 1AA").await.unwrap().unwrap().id, "bedford", "by name");
    assert!(store.asb().csp_for_postcode("EC1A 1AA").await.unwrap().is_none(), "no partnership there");
    assert!(store.asb().csp_for_postcode("ZZ9 9ZZ").await.unwrap().is_none(), "unknown postcode");
    assert!(store.asb().csp_for_postcode("not a postcode").await.unwrap().is_none());
    let officer = person(&store, "Bedfordshire Police", OrgKind::Force, "olu@police.example", Role::Officer).await;
    let r = record(&store, &officer, "LU1 1AA", t0()).await;
    assert_eq!(store.asb().suggested_csp_for_report(r).await.unwrap().unwrap().id, "luton");
}

async fn cases_from_before_version_11_use_the_national_default(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let old = Store::connect(&db.url).await.expect("connect");
    old.migrate_up_to(9).await.expect("the schema before version 11");
    let officer = person(&old, "Bedfordshire Police", OrgKind::Force, "olu@police.example", Role::Officer).await;
    old.close().await;

    let store = db.store().await;
    assert!(store.applied_migrations().await.unwrap().iter().any(|(v, _)| *v == 11));
    // The case row as version 10 wrote it: no partnership columns. (0011 only
    // adds nullable columns, so a row written after it without them is the
    // same row an upgraded database holds; the report is recorded with
    // today's code, which writes columns of later versions.)
    let r = record(&store, &officer, "LU1 1AA", t0()).await;
    let case =
        store.put_asb_case_before_version_11("High Street", r, officer.org_id, officer.user_id, t0()).await.unwrap();
    areas(&store).await;
    let now = t0() + Duration::hours(25);
    let s = store.asb().asb_case_service(case, &officer.at(now)).await.unwrap();
    assert_eq!(s.judgement.standards_version, "national-default-1");
    assert_eq!((s.standards.force_id.as_deref(), s.standards.csp_id.as_deref()), (None, None));
    assert_eq!(s.judgement.states[0].state.slug(), "overdue");
    assert_eq!(store.asb().asb_due(&officer.at(now)).await.unwrap().len(), 1);
    // Giving it a partnership afterwards keeps the standards of its opening.
    let by = By { caller: &peel_core::access::Caller::CommandLine, purpose: "ASB service standards", at: now };
    store.asb().adopt_asb_standards("bedfordshire", "luton", &luton("luton-1", 48), &by).await.unwrap();
    let e = store.asb().set_asb_case_csp(case, "bedfordshire", "atlantis", &officer.at(now)).await.unwrap_err();
    assert!(matches!(e, AsbError::Invalid(_)), "{e}");
    store.asb().set_asb_case_csp(case, "bedfordshire", "luton", &officer.at(now)).await.unwrap();
    let e = store.asb().set_asb_case_csp(case, "bedfordshire", "bedford", &officer.at(now)).await.unwrap_err();
    assert!(matches!(e, AsbError::Conflict(_)), "set once: {e}");
    assert!(store.asb().asb_case(case, &officer.at(now)).await.unwrap().timeline.iter().any(|e| e.kind == "csp"));
    let s = store.asb().asb_case_service(case, &officer.at(now)).await.unwrap();
    assert_eq!(s.standards.csp_id.as_deref(), Some("luton"));
    assert_eq!(s.judgement.standards_version, "national-default-1", "luton-1 came after the case opened");
}

peel_store::on_both_engines!(
    versions_are_adopted_and_judge_cases_opened_after_them,
    contacts_are_recorded_audited_and_counted,
    the_due_list_follows_the_role,
    the_postcode_suggests_the_partnership,
    cases_from_before_version_11_use_the_national_default,
);
