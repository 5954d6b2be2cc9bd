//! ASB casework on SQLite and PostgreSQL: repeat victims, rule versions,
//! sharing, restricted views, audited reads, reviews, and refusals that
//! store nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use peel_core::access::{OrgKind, Role};
use peel_core::asb::tools::RawToolUse;
use peel_core::asb::{NewAction, NewClosure, RawPerson, RawReport, RuleSet};
use peel_store::asb::AsbError;
use peel_store::testing::{TestDatabase, Who, person};
use peel_store::{AuditQuery, By, Engine, Store};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap()
}

fn report(victim: &str, postcode: &str) -> RawReport {
    RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-05-01T21:00".into(),
        location: "Outside 12 High Street".into(),
        location_postcode: "LU1 1AA".into(),
        description: "Stones thrown at the window".into(),
        reporter: RawPerson { name: victim.into(), phone: "07700 900123".into(), ..Default::default() },
        victims: vec![RawPerson {
            name: victim.into(),
            phone: "07700 900123".into(),
            email: "victim@example.org".into(),
            address: "12 High Street, Luton".into(),
            postcode: postcode.into(),
        }],
        ..Default::default()
    }
}

async fn record(store: &Store, who: &Who, raw: &RawReport, at: DateTime<Utc>) -> peel_store::asb::ReportView {
    let r = raw.check(at).unwrap();
    store.asb().record_asb_report(&r, &who.at(at)).await.unwrap()
}

async fn repeat_victims_across_organisations(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let police = person(&store, "Bedfordshire Police", OrgKind::Force, "pc@police.example", Role::CallHandler).await;
    let council = person(&store, "Luton Council", OrgKind::Council, "asb@council.example", Role::Officer).await;
    let first_at = t0().checked_sub_months(chrono::Months::new(3)).unwrap();
    let a = record(&store, &police, &report("Jane Smith", "LU1 1AA"), first_at).await;
    assert!(!a.repeat_victim);
    assert_eq!(a.victims[0].reports_in_window, 1);
    let b = record(&store, &council, &report("MRS jane  smith", "lu11aa"), t0() - Duration::days(30)).await;
    assert_eq!(b.victims[0].reports_in_window, 2);
    assert!(!b.repeat_victim);
    // Exactly 3 months after the first: all three count.
    let c = record(&store, &police, &report("Jane Smith", "LU1 1AA"), t0()).await;
    assert!(c.repeat_victim, "3 reports in exactly 3 months");
    assert_eq!(c.victims[0].reports_in_window, 3);
    assert_eq!(c.rules_version, "peel-default-1");
    // The police see the earlier report they recorded, not the council's.
    assert_eq!(c.victims[0].earlier_reports, [a.id]);
    // A second later the first falls out of the window.
    let d = record(&store, &council, &report("Jane Smith", "LU1 1AA"), t0() + Duration::days(1)).await;
    assert_eq!(d.victims[0].reports_in_window, 3, "b, c and d; a is more than 3 months before");
    // Someone else at the same address is matched by the address.
    let mut other = report("John Brown", "LU1 1AA");
    other.victims[0].phone.clear();
    other.victims[0].email.clear();
    other.reporter.phone.clear();
    let e = record(&store, &council, &other, t0() + Duration::days(2)).await;
    assert!(e.repeat_victim, "same address: {:?}", e.victims[0]);
    // A different person elsewhere is not.
    let mut elsewhere = report("Ann Other", "LU2 2BB");
    elsewhere.location_postcode = "LU2 2BB".into();
    elsewhere.victims[0].address = "1 Low Road".into();
    elsewhere.victims[0].phone.clear();
    elsewhere.victims[0].email.clear();
    elsewhere.reporter.phone.clear();
    let f = record(&store, &council, &elsewhere, t0() + Duration::days(2)).await;
    assert_eq!(f.victims[0].reports_in_window, 1);
}

async fn old_decisions_keep_their_rule_version(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let who = person(&store, "Bedfordshire Police", OrgKind::Force, "co@police.example", Role::AsbCoordinator).await;
    let first = record(&store, &who, &report("Jane Smith", "LU1 1AA"), t0()).await;
    let rules = store.asb().current_asb_rules().await.unwrap();
    let none: BTreeMap<String, bool> = rules.questionnaire.questions.iter().map(|q| (q.id.clone(), false)).collect();
    let (a, view, _) = store.asb().assess_asb_risk(first.id, &none, &who.at(t0())).await.unwrap();
    assert_eq!((a.band.slug(), a.rules_version.as_str()), ("standard", "peel-default-1"));
    assert_eq!(view.review_due_on, None);

    let mut v2 = RuleSet::shipped();
    v2.version = "luton-2027-1".into();
    v2.repeat.min_reports = 2;
    v2.questionnaire.bands.medium_from = 1;
    v2.questionnaire.bands.high_from = 2;
    let by = By { caller: &peel_core::access::Caller::CommandLine, purpose: "ASB rules", at: t0() };
    store.asb().load_asb_rules(&v2, &by).await.unwrap();
    let again = store.asb().load_asb_rules(&v2, &by).await.unwrap_err();
    assert!(matches!(again, AsbError::Conflict(ref m) if m.contains("already been loaded")), "{again}");
    let shipped = store.asb().load_asb_rules(&RuleSet::shipped(), &by).await.unwrap_err();
    assert!(matches!(shipped, AsbError::Conflict(_)));

    let second = record(&store, &who, &report("Jane Smith", "LU1 1AA"), t0() + Duration::hours(1)).await;
    assert_eq!(second.rules_version, "luton-2027-1");
    assert!(second.repeat_victim, "2 reports meet version 2's rule");
    let mut some = none.clone();
    some.insert("frequency".into(), true);
    let (a2, view2, _) =
        store.asb().assess_asb_risk(second.id, &some, &who.at(t0() + Duration::hours(1))).await.unwrap();
    assert_eq!((a2.band.slug(), a2.rules_version.as_str()), ("high", "luton-2027-1"));
    assert_eq!(view2.review_due_on.as_deref(), Some("2026-09-08"));

    // The old decisions still name the version that made them.
    let old = store.asb().asb_report(first.id, &who.at(t0())).await.unwrap();
    assert_eq!(old.rules_version, "peel-default-1");
    assert!(!old.repeat_victim);
    assert_eq!(old.risk.unwrap().rules_version, "peel-default-1");
    assert!(store.asb().asb_rules_version("peel-default-1").await.unwrap().is_some());
    assert_eq!(store.asb().asb_rules_version("luton-2027-1").await.unwrap().unwrap(), v2);
    let versions: Vec<_> = store.asb().asb_rule_versions().await.unwrap().into_iter().map(|r| r.version).collect();
    assert_eq!(versions, ["peel-default-1", "luton-2027-1"]);
    // A questionnaire with a missing answer stores nothing.
    let mut partial = none.clone();
    partial.remove("violence");
    let before = store.asb().asb_risk_assessments(first.id, &who.at(t0())).await.unwrap().len();
    assert!(matches!(store.asb().assess_asb_risk(first.id, &partial, &who.at(t0())).await, Err(AsbError::Invalid(_))));
    assert_eq!(store.asb().asb_risk_assessments(first.id, &who.at(t0())).await.unwrap().len(), before);
}

async fn sharing_decides_who_sees_what(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let officer = person(&store, "Bedfordshire Police", OrgKind::Force, "pc@police.example", Role::Officer).await;
    let partner =
        person(&store, "Luton Council", OrgKind::Council, "cw@council.example", Role::PartnerCaseworker).await;
    let other =
        person(&store, "Luton Homes", OrgKind::HousingProvider, "h@homes.example", Role::PartnerCaseworker).await;
    let r1 = record(&store, &officer, &report("Jane Smith", "LU1 1AA"), t0()).await;
    let r2 = record(&store, &officer, &report("Ann Other", "LU2 2BB"), t0()).await;
    let v = officer.at(t0());
    let shared = store.asb().create_asb_case("Stones at 12 High Street", &[r1.id], &v).await.unwrap();
    let private = store.asb().create_asb_case("Another", &[r2.id], &v).await.unwrap();
    assert!(store.asb().share_asb_case(shared, partner.org_id, &v).await.unwrap());
    assert!(!store.asb().share_asb_case(shared, partner.org_id, &v).await.unwrap(), "sharing twice changes nothing");

    let pv = partner.at(t0());
    let list = store.asb().asb_cases(&pv).await.unwrap();
    assert_eq!(list.iter().map(|c| c.id).collect::<Vec<_>>(), [shared]);
    assert!(list[0].shared_with_us);
    let c = store.asb().asb_case(shared, &pv).await.unwrap();
    assert_eq!(c.access, "restricted");
    let r = &c.reports[0];
    assert!(r.reporter.is_none(), "partners do not see who reported it");
    assert_eq!(r.victims[0].phone, None);
    assert_eq!(r.victims[0].email, None);
    assert_eq!(r.victims[0].name, "Jane Smith");
    let full = store.asb().asb_case(shared, &v).await.unwrap();
    assert_eq!(full.access, "full");
    assert_eq!(full.reports[0].victims[0].phone.as_deref(), Some("07700 900123"));
    assert!(matches!(store.asb().asb_case(private, &pv).await, Err(AsbError::NotShared(_))));
    assert!(matches!(store.asb().asb_report(r2.id, &pv).await, Err(AsbError::NotShared(_))));
    assert!(matches!(store.asb().asb_case(shared, &other.at(t0())).await, Err(AsbError::NotShared(_))));
    assert!(matches!(store.asb().asb_case(9999, &pv).await, Err(AsbError::NotFound(_))));

    // A partner may add work to a shared case, but not share or close it.
    let today = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let action = NewAction::check("visit", "2026-09-01", "Visited Jane", today).unwrap();
    store.asb().add_asb_action(shared, &action, &pv).await.unwrap();
    assert!(matches!(store.asb().share_asb_case(shared, other.org_id, &pv).await, Err(AsbError::NotShared(_))));
    let closure = NewClosure::check("resolved", "Stopped").unwrap();
    assert!(matches!(store.asb().close_asb_case(shared, &closure, &pv).await, Err(AsbError::NotShared(_))));
    assert!(matches!(store.asb().add_asb_action(private, &action, &pv).await, Err(AsbError::NotShared(_))));

    // Every read and refusal is in the audit log, with its purpose.
    let q = AuditQuery { actor: Some("cw@council".into()), limit: Some(100), ..Default::default() };
    let entries = store.audit().search_audit(&q).await.unwrap();
    let has = |action: &str, subject: &str| entries.iter().any(|e| e.action == action && e.subject == subject);
    assert!(has("asb.case.list", "asb_cases"));
    assert!(has("asb.case.read", &format!("asb_case:{shared}")));
    assert!(has("access.denied", &format!("asb_case:{private}")));
    assert!(has("access.denied", &format!("asb_report:{}", r2.id)));
    assert!(has("asb.case.action", &format!("asb_case:{shared}")));
    assert!(entries.iter().all(|e| e.purpose == "ASB casework"));

    // Unsharing takes it away again.
    assert!(store.asb().unshare_asb_case(shared, partner.org_id, &v).await.unwrap());
    assert!(matches!(store.asb().asb_case(shared, &pv).await, Err(AsbError::NotShared(_))));
    let timeline: Vec<_> =
        store.asb().asb_case(shared, &v).await.unwrap().timeline.into_iter().map(|e| e.kind).collect();
    assert_eq!(timeline, ["opened", "report-linked", "shared", "action", "unshared"]);
    assert!(store.audit().verify_audit().await.unwrap().is_ok());
}

async fn cases_tools_reviews_and_closure(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sup = person(&store, "Bedfordshire Police", OrgKind::Force, "sgt@police.example", Role::Supervisor).await;
    let v = sup.at(t0());
    let r1 = record(&store, &sup, &report("Jane Smith", "LU1 1AA"), t0()).await;
    let r2 = record(&store, &sup, &report("Jane Smith", "LU1 1AA"), t0()).await;
    let r3 = record(&store, &sup, &report("Ann Other", "LU2 2BB"), t0()).await;
    let case = store.asb().create_asb_case("High Street", &[r1.id], &v).await.unwrap();
    store.asb().link_asb_report(case, r2.id, &v).await.unwrap();
    store.asb().link_asb_report(case, r2.id, &v).await.unwrap();
    let other = store.asb().create_asb_case("Other", &[r3.id], &v).await.unwrap();
    assert!(matches!(store.asb().link_asb_report(other, r1.id, &v).await, Err(AsbError::Conflict(_))));
    assert!(matches!(store.asb().create_asb_case("Again", &[r1.id], &v).await, Err(AsbError::Conflict(_))));
    assert!(matches!(store.asb().create_asb_case(" ", &[r1.id], &v).await, Err(AsbError::Invalid(_))));
    assert!(matches!(store.asb().create_asb_case("None", &[], &v).await, Err(AsbError::Invalid(_))));
    assert!(matches!(store.asb().create_asb_case("Ghost", &[9999], &v).await, Err(AsbError::Invalid(_))));
    assert_eq!(store.asb().asb_cases(&v).await.unwrap().len(), 2, "refused cases stored nothing");

    let today = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let tool = |t: &str, used: &str, review: &str| {
        RawToolUse { tool: t.into(), used_on: used.into(), review_on: review.into(), notes: String::new() }
            .check(today)
            .unwrap()
    };
    store.asb().add_asb_tool(case, &tool("warning-letter", "2026-08-01", ""), &v).await.unwrap();
    store.asb().add_asb_tool(case, &tool("civil-injunction", "2026-09-01", "2026-12-01"), &v).await.unwrap();
    // A high-risk assessment asks for a multi-agency review within 7 days.
    let rules = store.asb().current_asb_rules().await.unwrap();
    let mut answers: BTreeMap<String, bool> =
        rules.questionnaire.questions.iter().map(|q| (q.id.clone(), false)).collect();
    answers.insert("self_harm".into(), true);
    store.asb().assess_asb_risk(r1.id, &answers, &v).await.unwrap();

    let due = store.asb().asb_due_reviews(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), &v).await.unwrap();
    let got: Vec<_> = due.iter().map(|d| (d.kind.as_str(), d.due_on.as_str())).collect();
    assert_eq!(got, [("tool-review", "2026-08-29"), ("multi-agency-review", "2026-09-08")]);
    let later = store.asb().asb_due_reviews(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), &v).await.unwrap();
    assert_eq!(later.len(), 3);
    // Holding the review answers it.
    let held = NewAction::check("multi-agency-review", "2026-09-01", "Panel met", today).unwrap();
    store.asb().add_asb_action(case, &held, &sup.at(t0() + Duration::hours(1))).await.unwrap();
    let due = store.asb().asb_due_reviews(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(), &v).await.unwrap();
    assert_eq!(due.len(), 1);

    let closure = NewClosure::check("resolved", "The behaviour stopped after the injunction").unwrap();
    store.asb().close_asb_case(case, &closure, &v).await.unwrap();
    assert!(matches!(store.asb().close_asb_case(case, &closure, &v).await, Err(AsbError::Conflict(_))));
    let action = NewAction::check("note", "2026-09-01", "Late note", today).unwrap();
    assert!(matches!(store.asb().add_asb_action(case, &action, &v).await, Err(AsbError::Conflict(_))));
    let c = store.asb().asb_case(case, &v).await.unwrap();
    assert_eq!((c.status.as_str(), c.outcome.as_deref()), ("closed", Some("resolved")));
    assert_eq!(c.tools.len(), 2);
    assert_eq!(c.actions.len(), 1, "the refused note was not stored");
    assert!(store.asb().asb_due_reviews(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), &v).await.unwrap().is_empty());
    assert!(store.audit().verify_audit().await.unwrap().is_ok());
}

peel_store::on_both_engines!(
    repeat_victims_across_organisations,
    old_decisions_keep_their_rule_version,
    sharing_decides_who_sees_what,
    cases_tools_reviews_and_closure,
);
