//! The tenancy defects of issue 13, replayed over HTTP exactly as they were
//! found (three forces and a council on one peel), on SQLite and PostgreSQL.
//! Before the fix each of these requests succeeded; now each is refused
//! with 403 (or 422 where the input names someone who may not be chosen),
//! changes nothing, and is written to the audit log.

use axum::http::{Method, StatusCode};
use peel_core::access::{OrgKind, Role};
use peel_store::{AuditQuery, Engine};
use serde_json::json;

mod support;
use support::casework::{Browser, Harness, PASSWORD};

/// Three forces and a council, each with its staff.
struct World {
    h: Harness,
    kent: i64,
    city_admin: (Browser, String),
    council_admin: (Browser, String),
    city_feed: String,
    kent_feed: String,
    beds_supervisor: String,
    kent_officer: (i64, String),
    beds_officer_id: i64,
    kent_admin_id: i64,
    kent_officer_email: &'static str,
}

async fn world(engine: Engine) -> World {
    let h = Harness::new(engine).await;
    peel_store::testing::put_luton_partnership(&h.store).await.unwrap();
    let city = h.org("City of London Police", OrgKind::Force).await;
    let beds = h.org("Bedfordshire Police", OrgKind::Force).await;
    let kent = h.org("Kent Police", OrgKind::Force).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    h.join(council, "bedfordshire", "luton").await;
    let city_admin = h.user(city, "admin@city.example", Role::Administrator).await;
    let council_admin = h.user(council, "admin@luton.example", Role::Administrator).await;
    let (_, city_feed) = h.user(city, "feed@city.example", Role::EventFeed).await;
    let (_, kent_feed) = h.user(kent, "feed@kent.example", Role::EventFeed).await;
    let (_, beds_supervisor) = h.user(beds, "sgt@beds.example", Role::Supervisor).await;
    h.user(beds, "pc@beds.example", Role::Officer).await;
    h.user(kent, "admin@kent.example", Role::Administrator).await;
    let (_, kent_officer) = h.user(kent, "pc@kent.example", Role::Officer).await;
    let id = async |email: &str| h.store.accounts().user_by_email(email).await.unwrap().unwrap().id;
    let (beds_officer_id, kent_admin_id, kent_officer_id) =
        (id("pc@beds.example").await, id("admin@kent.example").await, id("pc@kent.example").await);
    World {
        kent,
        city_admin,
        council_admin,
        city_feed,
        kent_feed,
        beds_supervisor,
        kent_officer: (kent_officer_id, kent_officer),
        beds_officer_id,
        kent_admin_id,
        kent_officer_email: "pc@kent.example",
        h,
    }
}

/// Defect 1: an administrator reaches only their own organisation's accounts.
async fn administrators_stay_in_their_own_organisation(engine: Engine) {
    let w = world(engine).await;
    let h = &w.h;
    for (admin, token) in [&w.city_admin, &w.council_admin] {
        let before = h.store.audit().audit_head().await.unwrap().0;
        // Reset a Bedfordshire officer's password, to sign in as them.
        let reset = format!("/admin/users/{}/reset", w.beds_officer_id);
        let r = h.submit(admin, &reset, &[("password", "a password I now know")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("outside what"), "{}", r.body);
        h.sign_in("pc@beds.example").await; // their own password still works
        // Kent's accounts: listed, added to, read, reset, disabled.
        let page = h.page(admin, "/admin/users").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("kent.example") && !page.body.contains("beds.example"), "{}", page.body);
        let api = h.get(token, "/api/v1/admin/users").await;
        assert_eq!(api.status, StatusCode::OK);
        assert!(!api.body.contains("kent.example"), "{}", api.body);
        let kent = w.kent.to_string();
        let add = [
            ("email", "plant@kent.example"),
            ("display_name", "Plant"),
            ("organisation", kent.as_str()),
            ("role", "officer"),
            ("password", PASSWORD),
        ];
        assert_eq!(h.submit(admin, "/admin/users", &add).await.status, StatusCode::FORBIDDEN);
        assert!(h.store.accounts().user_by_email("plant@kent.example").await.unwrap().is_none());
        let record = format!("/admin/users/{}/reset", w.kent_officer.0);
        assert_eq!(h.page(admin, &record).await.status, StatusCode::FORBIDDEN);
        let kent_admin_reset = format!("/admin/users/{}/reset", w.kent_admin_id);
        let r = h.submit(admin, &kent_admin_reset, &[("password", "kent is mine now")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        h.sign_in("admin@kent.example").await; // Kent's own still works
        let disable = format!("/admin/users/{}/disable", w.kent_officer.0);
        assert_eq!(h.submit(admin, &disable, &[]).await.status, StatusCode::FORBIDDEN);
        assert!(!h.store.accounts().user(w.kent_officer.0).await.unwrap().unwrap().disabled);
        // Each refusal is in the log, and nothing else was written but the
        // reads of their own lists.
        let log = h.store.audit().audit_entries_after(before, 1000).await.unwrap();
        let denied = log.iter().filter(|e| e.action == "access.denied").count();
        assert_eq!(denied, 5, "{log:?}");
        assert!(log.iter().all(|e| matches!(e.action.as_str(), "access.denied" | "user.list" | "auth.login")));
    }
    // The organisations page is the installation administrators' alone.
    let (admin, _) = &w.city_admin;
    assert_eq!(h.page(admin, "/admin/organisations").await.status, StatusCode::FORBIDDEN);
}

const STANDARD: &str = r#"{"id": "999-answer", "version": "intruder-1", "description": "Answered within 5 seconds.",
    "limit": {"kind": "within", "seconds": 5}}"#;

/// Defect 2: a force's Pledge powers are its own.
async fn pledge_powers_stay_within_the_force(engine: Engine) {
    let w = world(engine).await;
    let h = &w.h;
    let neighbourhood = peel_core::geography::Neighbourhood {
        force_id: "kent".into(),
        id: "town".into(),
        name: "Town".into(),
        ..Default::default()
    };
    h.store
        .geography()
        .put_neighbourhood(&peel_store::NeighbourhoodDetails { neighbourhood, ..Default::default() })
        .await
        .unwrap();
    for (_, token) in [&w.city_admin, &w.council_admin] {
        let set = format!(r#"{{"force": "kent", "standard": {STANDARD}}}"#);
        let r = h.post_text(token, "/api/v1/pledge/standards", &set).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let hood = format!(r#"{{"force": "kent", "neighbourhood": "town", "standard": {STANDARD}}}"#);
        assert_eq!(h.post_text(token, "/api/v1/pledge/standards", &hood).await.status, StatusCode::FORBIDDEN);
        let withdraw = "/api/v1/pledge/standards?force=kent&commitment=999-answer";
        assert_eq!(h.send(Method::DELETE, withdraw, None, Some(token), "").await.status, StatusCode::FORBIDDEN);
        let area = json!({"force": "kent", "neighbourhood": "town", "area": "rural"});
        assert_eq!(h.post(token, "/api/v1/pledge/areas", &area).await.status, StatusCode::FORBIDDEN);
        // Refused before the body is read: a bad standard for Kent says nothing about the standard.
        let bad = r#"{"force": "kent", "standard": {"id": "no-such-commitment"}}"#;
        assert_eq!(h.post_text(token, "/api/v1/pledge/standards", bad).await.status, StatusCode::FORBIDDEN);
        // Kent's breach ids are Kent's staff's.
        let compliance = h.get(token, "/api/v1/pledge/compliance?force=kent&month=2024-10").await;
        assert_eq!(compliance.status, StatusCode::FORBIDDEN, "{}", compliance.body);
    }
    assert!(h.store.pledge().local_standards_at("kent", None).await.unwrap().is_empty());
    assert!(h.store.pledge().local_standards_at("kent", Some("town")).await.unwrap().is_empty());
    assert!(h.store.pledge().neighbourhood_areas("kent").await.unwrap().values().all(|a| a.as_str() == "urban"));

    // Event feeds send their own force's events only.
    let event = |id: &str, force: &str| {
        format!(
            r#"{{"id":"{id}","force":"{force}","type":"call","channel":"999","received_at":"2024-10-10T12:00:00Z","answered_at":"2024-10-10T12:00:05Z"}}"#
        )
    };
    let send = async |token: &str, body: String| h.send(Method::POST, "/api/v1/events", None, Some(token), &body).await;
    assert_eq!(send(&w.kent_feed, event("k-1", "kent")).await.status, StatusCode::OK);
    assert_eq!(send(&w.city_feed, event("c-1", "city-of-london")).await.status, StatusCode::OK);
    for (token, body) in [
        (&w.city_feed, event("k-2", "kent")),
        (&w.city_feed, format!("{}\n{}", event("c-2", "city-of-london"), event("k-3", "kent"))),
        (&w.kent_feed, event("c-3", "city-of-london")),
    ] {
        let r = send(token, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    // City's feed cannot overwrite Kent's k-1 (answered in 5 s: met) with an abandoned call.
    let overwrite = event("k-1", "kent").replace(r#""answered_at":"2024-10-10T12:00:05Z""#, r#""answered_at":null"#);
    assert_eq!(send(&w.city_feed, overwrite).await.status, StatusCode::FORBIDDEN);
    let report = h.send(Method::GET, "/api/v1/pledge/compliance?force=kent&month=2024-10", None, None, "").await.json();
    let answer = report["commitments"].as_array().unwrap().iter().find(|f| f["id"] == "999-answer").unwrap().clone();
    assert_eq!((answer["eligible"].as_u64(), answer["met"].as_u64()), (Some(1), Some(1)), "{answer}");
    assert_eq!(h.store.pledge().pledge_event_count(Some("kent")).await.unwrap(), 1);
    assert_eq!(h.store.pledge().pledge_event_count(Some("city-of-london")).await.unwrap(), 1);
    let q = AuditQuery { actor: Some("feed@city".into()), ..Default::default() };
    let log = h.store.audit().search_audit(&q).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "access.denied" && e.subject == "force:kent").count(), 3);
}

/// Defect 3: a case goes only to someone of an organisation that holds it.
async fn cases_are_given_only_to_organisations_that_hold_them(engine: Engine) {
    let w = world(engine).await;
    let h = &w.h;
    let report = json!({"channel": "phone", "category": "personal", "occurred_at": "2026-08-30T21:00",
        "location": "High Street", "description": "Threats",
        "reporter": {"name": "Jane Smith", "phone": "07700 900123"},
        "victims": [{"name": "Jane Smith", "phone": "07700 900123"}]});
    let r = h.post(&w.beds_supervisor, "/api/v1/asb/reports", &report).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let report_id = r.json()["report"]["id"].as_i64().unwrap();
    let case =
        h.post(&w.beds_supervisor, "/api/v1/asb/cases", &json!({"title": "Threats", "report_ids": [report_id]})).await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.body);
    let case_id = case.json()["case_id"].as_i64().unwrap();
    let path = format!("/api/v1/asb/cases/{case_id}/reassign");
    let to_kent = json!({"user_id": w.kent_officer.0, "organisation_id": w.kent, "reason": "Kent should have it"});
    let r = h.post(&w.beds_supervisor, &path, &to_kent).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("not shared with"), "{}", r.body);
    let read = h.get(&w.kent_officer.1, &format!("/api/v1/asb/cases/{case_id}")).await;
    assert_eq!(read.status, StatusCode::FORBIDDEN, "{}", read.body);
    assert!(!read.body.contains("07700"), "nothing of the case in the refusal");
    let owner = h.get(&w.beds_supervisor, &format!("/api/v1/asb/cases/{case_id}")).await.json();
    assert_eq!(owner["case"]["owner"], "sgt@beds.example");
    let _ = w.kent_officer_email;
}

/// Authentication comes before anything in the request is read.
async fn strangers_are_refused_before_their_input_is_read(engine: Engine) {
    let w = world(engine).await;
    let h = &w.h;
    let r = h.send(Method::GET, "/api/v1/asb/case-reviews/null,null", None, None, "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = h.send(Method::POST, "/api/v1/asb/case-reviews/x/steps", None, None, "{").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A Kent officer's bad body for a Bedfordshire case: refused, not explained.
    let (_, token) = &w.kent_officer;
    let r = h.post_text(token, "/api/v1/asb/cases/1/actions", "{not json").await;
    assert!(matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{} {}", r.status, r.body);
}

/// People can see what they work within: on their home page and from the API.
async fn people_see_what_they_work_within(engine: Engine) {
    let w = world(engine).await;
    let h = &w.h;
    let me = h.get(&w.kent_officer.1, "/api/v1/me").await.json();
    assert_eq!(me["works_within"], json!({"installation": false, "force": "kent", "partnerships": []}));
    let (council, token) = &w.council_admin;
    let me = h.get(token, "/api/v1/me").await.json();
    assert_eq!(me["works_within"]["partnerships"], json!(["bedfordshire/luton"]));
    let home = h.page(council, "/backoffice").await;
    assert!(home.body.contains("<dt>You work within</dt><dd>the partnership bedfordshire/luton</dd>"), "{}", home.body);
}

peel_store::on_both_engines!(
    people_see_what_they_work_within,
    administrators_stay_in_their_own_organisation,
    pledge_powers_stay_within_the_force,
    cases_are_given_only_to_organisations_that_hold_them,
    strangers_are_refused_before_their_input_is_read,
);
