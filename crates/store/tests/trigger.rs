//! Community Trigger case reviews on SQLite and PostgreSQL: procedure
//! versions, applications, the decision and each step, audit entries for
//! every write and read, bad input that stores nothing, and the figures.

use chrono::{NaiveDate, TimeZone, Utc};
use peel_core::trigger::figures::{ReportingYear, annual_figures};
use peel_core::trigger::{Complaint, Discretion, NewApplication, Procedure, Recommendation, Step};
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, Bcu, By, CaseReviewError, Csp, Engine, StepInput, Store};

fn by() -> By<'static> {
    By {
        caller: &peel_core::access::Caller::CommandLine,
        purpose: "ASB case review",
        at: Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap(),
    }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const TODAY: &str = "2025-12-01";

async fn with_csps(engine: Engine) -> (TestDatabase, Store) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let bcu = Bcu {
        force_id: "bedfordshire".into(),
        id: "west".into(),
        name: "West".into(),
        commentary: None,
        sample: false,
    };
    let csp = |id: &str, name: &str| Csp {
        force_id: "bedfordshire".into(),
        id: id.into(),
        name: name.into(),
        bcu_id: "west".into(),
        local_authority: name.into(),
        local_authority_code: None,
        population: None,
    };
    store
        .geography()
        .put_areas("bedfordshire", None, None, &[bcu], &[csp("luton", "Luton"), csp("bedford", "Bedford")])
        .await
        .unwrap();
    (db, store)
}

fn complaint(who: &str, agency: &str, incident: &str, behaviour: &str, complained: &str) -> Complaint {
    Complaint {
        complainant: who.into(),
        agency: agency.into(),
        incident: incident.into(),
        behaviour_on: d(behaviour),
        complained_on: d(complained),
        hate_related: false,
        report_id: None,
    }
}

fn application(complaints: Vec<Complaint>) -> NewApplication {
    NewApplication {
        received_on: d("2025-06-02"),
        applicant_name: " Jo Bloggs ".into(),
        applicant_contact: "07700 900123".into(),
        on_behalf_of: None,
        consent: false,
        summary: "Noise and threats from the flat above".into(),
        vulnerable: false,
        discretion: None,
        complaints,
    }
}

fn three() -> Vec<Complaint> {
    vec![
        complaint("Jo Bloggs", "Luton Borough Council", "LBC-1", "2025-04-01", "2025-04-02"),
        complaint("Jo Bloggs", "Bedfordshire Police", "BP-2", "2025-05-01", "2025-05-01"),
        complaint("Jo Bloggs", "Luton Homes", "LH-3", "2025-05-20", "2025-05-21"),
    ]
}

async fn actions(store: &Store) -> Vec<(String, String)> {
    let q = AuditQuery { limit: Some(1000), ..Default::default() };
    let mut v: Vec<_> =
        store.audit().search_audit(&q).await.unwrap().into_iter().map(|e| (e.action, e.subject)).collect();
    v.reverse();
    v
}

fn problems(e: CaseReviewError) -> Vec<String> {
    match e {
        CaseReviewError::Invalid(p) => p.into_iter().map(|p| p.field).collect(),
        other => panic!("expected problems, got {other}"),
    }
}

async fn applications_use_the_procedure_in_force(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    // No procedure yet: the national default is adopted with the first application.
    let r = store
        .trigger()
        .record_case_review("bedfordshire", "luton", application(three()), d(TODAY), &by())
        .await
        .unwrap();
    assert_eq!(r.application.applicant_name, "Jo Bloggs", "trimmed");
    assert_eq!(r.procedure.procedure.version, "national-default-1");
    assert_eq!(r.csp_name, "Luton");
    assert!(r.evaluation.met);
    assert_eq!(r.evaluation.met_by.as_deref(), Some("three-complaints"));
    assert_eq!(r.application.complaints, three());
    assert_eq!(store.trigger().procedure_for("bedfordshire", "luton").await.unwrap().unwrap().id, r.procedure.id);

    // A local procedure: the next application is judged by it.
    let local = Procedure::local_example();
    let adopted = store.trigger().adopt_procedure("bedfordshire", "luton", &local, &by()).await.unwrap();
    assert_eq!(store.trigger().procedure_for("bedfordshire", "luton").await.unwrap().unwrap(), adopted);
    let mut one_hate = vec![complaint("Sam", "Bedfordshire Police", "BP-9", "2025-05-01", "2025-05-02")];
    one_hate[0].hate_related = true;
    let r2 = store
        .trigger()
        .record_case_review("bedfordshire", "luton", application(one_hate), d(TODAY), &by())
        .await
        .unwrap();
    assert_eq!(r2.procedure.procedure.version, "example-local-1");
    assert_eq!(r2.evaluation.met_by.as_deref(), Some("one-hate-incident"));
    // The first application keeps the version it was judged by.
    let again = store.trigger().case_review(r.id, &by()).await.unwrap().unwrap();
    assert_eq!(again.procedure.procedure.version, "national-default-1");

    // The same version twice is refused; an unknown CSP too.
    let e = store.trigger().adopt_procedure("bedfordshire", "luton", &local, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["version"]);
    let e = store.trigger().adopt_procedure("bedfordshire", "nowhere", &local, &by()).await.unwrap_err();
    assert!(matches!(e, CaseReviewError::UnknownCsp(..)), "{e}");
    let e = store
        .trigger()
        .record_case_review("bedfordshire", "nowhere", application(three()), d(TODAY), &by())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no community safety partnership nowhere"), "{e}");
    let mut bad = Procedure::local_example();
    bad.version = "bad".into();
    bad.rules.clear();
    assert!(matches!(
        store.trigger().adopt_procedure("bedfordshire", "luton", &bad, &by()).await,
        Err(CaseReviewError::Procedure(_))
    ));

    let acts = actions(&store).await;
    let adopt = ("case_review.procedure.adopt".to_string(), "csp:bedfordshire/luton".to_string());
    assert_eq!(acts.iter().filter(|a| **a == adopt).count(), 2, "the default and the local one");
    assert!(acts.contains(&("case_review.create".into(), format!("case-review:{}", r.id))));
    assert!(acts.contains(&("case_review.read".into(), format!("case-review:{}", r.id))));
    assert!(store.audit().verify_audit().await.unwrap().is_ok());
}

async fn bad_applications_store_nothing(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    let mut anonymous = application(three());
    anonymous.applicant_name = "Anonymous".into();
    let mut no_consent = application(three());
    no_consent.on_behalf_of = Some("Sam Bloggs".into());
    let mut backwards = application(three());
    backwards.complaints[1].complained_on = d("2025-04-30");
    let mut future = application(three());
    future.received_on = d("2025-12-02");
    for (app, field) in [
        (anonymous, "applicant_name"),
        (no_consent, "consent"),
        (backwards, "complaints[2].complained_on"),
        (future, "received_on"),
    ] {
        let e = store.trigger().record_case_review("bedfordshire", "luton", app, d(TODAY), &by()).await.unwrap_err();
        assert!(problems(e).contains(&field.to_string()), "{field}");
    }
    assert!(store.trigger().case_review_facts("bedfordshire", "luton").await.unwrap().is_empty());
    assert!(store.trigger().procedure_for("bedfordshire", "luton").await.unwrap().is_none(), "not even the default");
    assert!(actions(&store).await.is_empty(), "nothing happened, nothing logged");
    // With consent, applying for someone else works.
    let mut for_someone = application(three());
    for_someone.on_behalf_of = Some("Sam Bloggs".into());
    for_someone.consent = true;
    let r = store.trigger().record_case_review("bedfordshire", "luton", for_someone, d(TODAY), &by()).await.unwrap();
    assert_eq!(r.application.on_behalf_of.as_deref(), Some("Sam Bloggs"));
    assert!(r.application.consent);
}

async fn one_incident_to_three_agencies_is_stored_as_counted_once(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    let cs = vec![
        complaint("Jo", "Luton Borough Council", "Ref 77", "2025-05-01", "2025-05-02"),
        complaint("Jo", "Bedfordshire Police", "ref-77", "2025-05-01", "2025-05-01"),
        complaint("Jo", "Luton Homes", "REF77", "2025-05-01", "2025-05-03"),
    ];
    let r =
        store.trigger().record_case_review("bedfordshire", "luton", application(cs), d(TODAY), &by()).await.unwrap();
    assert!(!r.evaluation.met);
    let counted: Vec<_> = r.evaluation.complaints.iter().filter(|c| c.counts).map(|c| c.number).collect();
    assert_eq!(counted, [2]);
    assert!(r.evaluation.complaints[0].reason.contains("Counted once with complaint 2"));
}

async fn the_review_goes_step_by_step(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    store.trigger().adopt_procedure("bedfordshire", "luton", &Procedure::local_example(), &by()).await.unwrap();
    let r = store
        .trigger()
        .record_case_review("bedfordshire", "luton", application(three()), d(TODAY), &by())
        .await
        .unwrap();
    let id = r.id;
    let today = d(TODAY);
    let step = |on: &str| StepInput { on: Some(d(on)), ..Default::default() };

    // Out of order: decide before acknowledging.
    let e = store.trigger().record_decision(id, Some(d("2025-06-03")), None, "", today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["step"]);
    let e = store.trigger().record_step(id, Step::Acknowledged, &step("2025-06-01"), today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["on"], "before it was received");
    let e = store.trigger().record_step(id, Step::Acknowledged, &step("2025-12-02"), today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["on"], "in the future");
    let e = store.trigger().record_step(id, Step::Acknowledged, &StepInput::default(), today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["on"], "no date");
    store.trigger().record_step(id, Step::Acknowledged, &step("2025-06-03"), today, &by()).await.unwrap();
    let e = store.trigger().record_step(id, Step::Acknowledged, &step("2025-06-04"), today, &by()).await.unwrap_err();
    assert!(e.to_string().contains("already recorded, on 3 June 2025"), "{e}");

    // Deciding against the rules needs a reason.
    let e =
        store.trigger().record_decision(id, Some(d("2025-06-10")), Some(false), " ", today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["reason"]);
    store.trigger().record_decision(id, Some(d("2025-06-10")), None, "", today, &by()).await.unwrap();
    let r = store.trigger().case_review(id, &by()).await.unwrap().unwrap();
    let decision = r.decision.as_ref().unwrap();
    assert!(decision.threshold_met);
    assert_eq!(decision.met_by.as_deref(), Some("one-person-three"));
    assert_eq!(decision.procedure_version, "example-local-1");

    // Recommendations only after the meeting, each with a recipient.
    let recs = |list: &[(&str, &str)]| StepInput {
        on: Some(d("2025-07-01")),
        recommendations: list
            .iter()
            .map(|(r, a)| Recommendation { recipient: (*r).into(), action: (*a).into() })
            .collect(),
        ..Default::default()
    };
    let e = store
        .trigger()
        .record_step(id, Step::Recommendations, &recs(&[("Luton Homes", "Move")]), today, &by())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Record the review meeting first"), "{e}");
    let e = store
        .trigger()
        .record_step(id, Step::Meeting, &recs(&[("Luton Homes", "Move")]), today, &by())
        .await
        .unwrap_err();
    assert_eq!(problems(e), ["recommendations"]);
    store
        .trigger()
        .record_step(
            id,
            Step::Meeting,
            &StepInput { notes: "Independent chair".into(), ..step("2025-06-20") },
            today,
            &by(),
        )
        .await
        .unwrap();
    let e = store
        .trigger()
        .record_step(id, Step::Recommendations, &recs(&[("", "Mediation")]), today, &by())
        .await
        .unwrap_err();
    assert_eq!(problems(e), ["recommendations[1].recipient"]);
    store
        .trigger()
        .record_step(
            id,
            Step::Recommendations,
            &recs(&[("Luton Homes", "Offer a management move"), ("Bedfordshire Police", "Patrol at night"), ("", "")]),
            today,
            &by(),
        )
        .await
        .unwrap();
    let r = store.trigger().case_review(id, &by()).await.unwrap().unwrap();
    assert_eq!(r.recommendations.len(), 2, "blank rows are ignored");
    assert_eq!(r.recommendations[1].recipient, "Bedfordshire Police");
    assert_eq!(r.step(Step::Meeting).unwrap().notes, "Independent chair");
    let t = r.timeline();
    assert_eq!(t.meeting, Some(d("2025-06-20")));
    assert_eq!(t.recommendations, Some(d("2025-07-01")));

    let facts = store.trigger().case_review_facts("bedfordshire", "luton").await.unwrap();
    assert_eq!(facts, vec![r.facts()]);
    let f = annual_figures(&facts, ReportingYear { start: 2025 });
    assert_eq!((f.applications, f.threshold_met, f.reviews_carried_out, f.recommendations), (1, 1, 1, 2));
    let steps = actions(&store).await.into_iter().filter(|(a, _)| a == "case_review.step").count();
    assert_eq!(steps, 3);
    assert!(store.audit().verify_audit().await.unwrap().is_ok());
    let e = store.trigger().record_step(9999, Step::Acknowledged, &step("2025-06-03"), today, &by()).await.unwrap_err();
    assert!(matches!(e, CaseReviewError::NotFound(9999)));
}

async fn not_met_then_appeal(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    store.trigger().adopt_procedure("bedfordshire", "luton", &Procedure::local_example(), &by()).await.unwrap();
    let one = vec![complaint("Jo", "Council", "1", "2025-05-01", "2025-05-02")];
    let id = store
        .trigger()
        .record_case_review("bedfordshire", "luton", application(one), d(TODAY), &by())
        .await
        .unwrap()
        .id;
    let today = d(TODAY);
    let step = |on: &str| StepInput { on: Some(d(on)), ..Default::default() };
    store.trigger().record_step(id, Step::Acknowledged, &step("2025-06-02"), today, &by()).await.unwrap();
    // Deciding it met against the rules needs a reason; without one it stays not met.
    store.trigger().record_decision(id, Some(d("2025-06-05")), None, "", today, &by()).await.unwrap();
    let e = store.trigger().record_step(id, Step::Meeting, &step("2025-06-06"), today, &by()).await.unwrap_err();
    assert!(e.to_string().contains("threshold was not met"), "{e}");
    store.trigger().record_step(id, Step::AppealLodged, &step("2025-06-09"), today, &by()).await.unwrap();
    let e = store.trigger().record_step(id, Step::AppealDecided, &step("2025-06-20"), today, &by()).await.unwrap_err();
    assert_eq!(problems(e), ["outcome"]);
    store
        .trigger()
        .record_step(
            id,
            Step::AppealDecided,
            &StepInput { outcome: Some("upheld".into()), ..step("2025-06-20") },
            today,
            &by(),
        )
        .await
        .unwrap();
    // The appeal succeeded, so the review goes ahead.
    store.trigger().record_step(id, Step::Meeting, &step("2025-06-25"), today, &by()).await.unwrap();
    let facts = store.trigger().case_review_facts("bedfordshire", "luton").await.unwrap();
    assert_eq!(facts[0].threshold_met, Some(true));
    assert_eq!(facts[0].meeting_on, Some(d("2025-06-25")));

    // The national default has no appeal.
    let id2 = store
        .trigger()
        .record_case_review("bedfordshire", "bedford", application(three()), d(TODAY), &by())
        .await
        .unwrap()
        .id;
    store.trigger().record_step(id2, Step::Acknowledged, &step("2025-06-02"), today, &by()).await.unwrap();
    store
        .trigger()
        .record_decision(id2, Some(d("2025-06-03")), Some(false), "Already resolved by mediation", today, &by())
        .await
        .unwrap();
    let e = store.trigger().record_step(id2, Step::AppealLodged, &step("2025-06-04"), today, &by()).await.unwrap_err();
    assert!(e.to_string().contains("has no appeal"), "{e}");
    let r = store.trigger().case_review(id2, &by()).await.unwrap().unwrap();
    assert!(!r.decision.unwrap().threshold_met);
}

async fn lists_are_audited_and_scoped(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    store.trigger().record_case_review("bedfordshire", "luton", application(three()), d(TODAY), &by()).await.unwrap();
    store.trigger().record_case_review("bedfordshire", "bedford", application(three()), d(TODAY), &by()).await.unwrap();
    assert_eq!(store.trigger().case_reviews(None, &by()).await.unwrap().len(), 2);
    let luton = store.trigger().case_reviews(Some(("bedfordshire", "luton")), &by()).await.unwrap();
    assert_eq!(luton.len(), 1);
    assert_eq!(luton[0].csp_id, "luton");
    let acts = actions(&store).await;
    assert!(acts.contains(&("case_review.list".into(), "case-reviews".into())));
    assert!(acts.contains(&("case_review.list".into(), "csp:bedfordshire/luton".into())));
    assert!(store.trigger().case_review(4242, &by()).await.unwrap().is_none());
    assert!(!actions(&store).await.iter().any(|(_, s)| s == "case-review:4242"), "nothing read, nothing logged");
    let csps: Vec<_> = store.geography().all_csps().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(csps, ["Bedford", "Luton"]);
}

async fn discretion_is_stored(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    store.trigger().adopt_procedure("bedfordshire", "luton", &Procedure::local_example(), &by()).await.unwrap();
    let mut a = application(vec![]);
    a.vulnerable = true;
    a.discretion = Some(Discretion { by: "Pat Lee, Head of Community Safety".into(), reason: "Repeat victim".into() });
    let r = store.trigger().record_case_review("bedfordshire", "luton", a.clone(), d(TODAY), &by()).await.unwrap();
    assert_eq!(r.evaluation.met_by.as_deref(), Some("senior-manager"));
    assert_eq!(r.application.discretion, a.discretion);
    assert!(r.application.vulnerable);
}

async fn two_first_applications_at_once_share_the_default(engine: Engine) {
    let (_db, store) = with_csps(engine).await;
    let who = by();
    let (a, b) = tokio::join!(
        store.trigger().record_case_review("bedfordshire", "luton", application(three()), d(TODAY), &who),
        store.trigger().record_case_review("bedfordshire", "luton", application(three()), d(TODAY), &who),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.procedure.id, b.procedure.id);
    let adopted = actions(&store).await.into_iter().filter(|(a, _)| a == "case_review.procedure.adopt").count();
    assert_eq!(adopted, 1);
}

peel_store::on_both_engines!(
    two_first_applications_at_once_share_the_default,
    applications_use_the_procedure_in_force,
    bad_applications_store_nothing,
    one_incident_to_three_agencies_is_stored_as_counted_once,
    the_review_goes_step_by_step,
    not_met_then_appeal,
    lists_are_audited_and_scoped,
    discretion_is_stored,
);
