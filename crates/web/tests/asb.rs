//! ASB casework end to end, in-process, on SQLite and PostgreSQL: a call
//! handler records reports until the victim is flagged as a repeat victim
//! and assessed as high risk; an officer opens a case and shares it with a
//! council; the council's caseworker sees only that case, and only the
//! fields a partner needs; every read is in the audit log; bad input is
//! refused with nothing stored.

mod support;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_store::Engine;
use serde_json::{Value, json};
use support::casework::*;

const REPORT_FORM: &[(&str, &str)] = &[
    ("channel", "phone"),
    ("category", "personal"),
    ("occurred_at", "2026-08-31T21:30"),
    ("location", "Outside 12 High Street, Luton"),
    ("location_postcode", "LU1 1AA"),
    ("description", "Stones thrown at the window"),
    ("reporter_name", "Jane Smith"),
    ("reporter_phone", "07700 900123"),
    ("reporter_address", "12 High Street, Luton"),
    ("reporter_postcode", "lu1 1aa"),
    ("reporter_is_victim", "yes"),
];

async fn report_to_shared_case(engine: Engine) {
    let h = Harness::new(engine).await;
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    let (handler, _) = h.user(police, "handler@police.example", Role::CallHandler).await;
    let (officer_page, officer) = h.user(police, "officer@police.example", Role::Officer).await;
    let (partner_page, partner) = h.user(council, "cw@council.example", Role::PartnerCaseworker).await;

    // Three reports in a month: the third flags Jane as a repeat victim.
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = h.submit(&handler, "/asb/reports", REPORT_FORM).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id: i64 = r.location.trim_start_matches("/asb/reports/").trim_end_matches("/risk").parse().unwrap();
        ids.push(id);
        let risk = h.page(&handler, &r.location).await;
        assert_eq!(risk.status, StatusCode::OK);
        if i < 2 {
            assert!(risk.body.contains("not a repeat victim"), "{}", risk.body);
        } else {
            assert!(risk.body.contains("<strong>repeat victim</strong>"), "{}", risk.body);
            assert!(risk.body.contains("3 reports in the rule"));
        }
        assert!(risk.body.contains("rule set peel-default-1"));
        h.clock.advance(Duration::minutes(1));
    }
    // The risk questions: a yes to the question that is always high risk.
    let rules = h.store.asb().current_asb_rules().await.unwrap();
    let names: Vec<String> = rules.questionnaire.questions.iter().map(|q| format!("answers.{}", q.id)).collect();
    let mut answers: Vec<(&str, &str)> =
        names.iter().map(|n| (n.as_str(), if n == "answers.self_harm" { "yes" } else { "no" })).collect();
    let last = ids[2];
    let risk_path = format!("/asb/reports/{last}/risk");
    // One question unanswered: refused, and the question is named.
    let missing = answers.pop().unwrap();
    let r = h.submit(&handler, &risk_path, &answers).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&format!("href=\"#{}\"", missing.0)), "{}", r.body);
    answers.push(missing);
    let r = h.submit(&handler, &risk_path, &answers).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, risk_path.as_str()));
    let shown = h.page(&handler, &risk_path).await;
    assert!(shown.body.contains("High risk"), "{}", shown.body);
    assert!(shown.body.contains("arrange a multi-agency review by 2026-09-08"), "{}", shown.body);

    // The officer sees the flags through the API and opens a case.
    let rep = h.get(&officer, &format!("/api/v1/asb/reports/{last}")).await.json();
    assert_eq!(rep["report"]["repeat_victim"], true);
    assert_eq!(rep["report"]["rules_version"], "peel-default-1");
    assert_eq!(rep["report"]["risk"]["band"], "high");
    assert_eq!(rep["report"]["victims"][0]["phone"], "07700 900123");
    let created =
        h.post(&officer, "/api/v1/asb/cases", &json!({ "title": "Jane Smith, High Street", "report_ids": ids })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let case = created.json()["case_id"].as_i64().unwrap();
    let due = h.get(&officer, "/api/v1/asb/reviews").await;
    assert_eq!(due.status, StatusCode::FORBIDDEN, "officers do not supervise");
    // A second case, not shared.
    let ann: Vec<(&str, &str)> =
        REPORT_FORM.iter().map(|&(k, v)| if k == "reporter_name" { (k, "Ann Other") } else { (k, v) }).collect();
    let other = h.submit(&handler, "/asb/reports", &ann).await;
    let other_report: i64 = other.location.split('/').nth(3).unwrap().parse().unwrap();
    let private =
        h.submit(&officer_page, "/asb/cases", &[("title", "Private"), ("report_id", &other_report.to_string())]).await;
    assert_eq!(private.status, StatusCode::SEE_OTHER, "{}", private.body);
    let private: i64 = private.location.trim_start_matches("/asb/cases/").parse().unwrap();

    // Not yet shared: the partner is refused, on the API and the page.
    assert_eq!(h.get(&partner, &format!("/api/v1/asb/cases/{case}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.page(&partner_page, &format!("/asb/cases/{case}")).await.status, StatusCode::FORBIDDEN);
    // Shared from the case page.
    let shared = h
        .submit(&officer_page, &format!("/asb/cases/{case}/shares"), &[("share_organisation_id", &council.to_string())])
        .await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER, "{}", shared.body);

    // The partner sees only the shared case, with restricted fields.
    let list = h.get(&partner, "/api/v1/asb/cases").await.json();
    let listed: Vec<i64> = list["cases"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, [case]);
    let c = h.get(&partner, &format!("/api/v1/asb/cases/{case}")).await.json();
    assert_eq!(c["case"]["access"], "restricted");
    let r0 = &c["case"]["reports"][0];
    assert!(r0["reporter"].is_null());
    assert!(r0["victims"][0]["phone"].is_null());
    assert_eq!(r0["victims"][0]["name"], "Jane Smith");
    let assessed = c["case"]["reports"].as_array().unwrap().iter().find(|r| r["id"] == last).unwrap();
    assert!(assessed["risk"]["answers"].is_null(), "partners see the band, not the answers");
    assert_eq!(assessed["risk"]["band"], "high");
    let page = h.page(&partner_page, &format!("/asb/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Jane Smith") && !page.body.contains("07700 900123"), "no phone numbers for partners");
    assert!(!page.body.contains("Close this case"), "only the owner may close");
    assert_eq!(h.get(&partner, &format!("/api/v1/asb/cases/{private}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.page(&partner_page, &format!("/asb/cases/{private}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.get(&partner, &format!("/api/v1/asb/reports/{other_report}")).await.status, StatusCode::FORBIDDEN);
    // The partner records a visit on the shared case.
    let visit = h
        .submit(
            &partner_page,
            &format!("/asb/cases/{case}/actions"),
            &[("action_kind", "visit"), ("action_taken_on", "2026-09-01"), ("action_description", "Visited Jane")],
        )
        .await;
    assert_eq!(visit.status, StatusCode::SEE_OTHER, "{}", visit.body);

    // Every read is in the audit log, with who, what and why.
    let partner_log = h.audit("cw@council").await;
    for (action, subject) in [
        ("access.denied", format!("asb_case:{case}")),
        ("asb.case.list", "asb_cases".to_string()),
        ("asb.case.read", format!("asb_case:{case}")),
        ("access.denied", format!("asb_case:{private}")),
        ("access.denied", format!("asb_report:{other_report}")),
        ("asb.case.action", format!("asb_case:{case}")),
    ] {
        assert!(partner_log.iter().any(|e| e.0 == action && e.1 == subject), "{action} {subject} in {partner_log:?}");
    }
    let officer_log = h.audit("officer@police").await;
    assert!(officer_log.iter().any(|e| e.0 == "asb.report.read" && e.1 == format!("asb_report:{last}")));
    assert!(officer_log.iter().any(|e| e.0 == "asb.case.share" && e.1 == format!("asb_case:{case}")));
    let handler_log = h.audit("handler@police").await;
    assert_eq!(handler_log.iter().filter(|e| e.0 == "asb.report.create").count(), 4);
    assert!(handler_log.iter().any(|e| e.0 == "asb.risk.assess"));
    assert!(partner_log.iter().chain(&officer_log).filter(|e| e.0.starts_with("asb.")).all(|e| e.2 == "ASB casework"));
    assert!(h.store.audit().verify_audit().await.unwrap().is_ok());
}

async fn bad_input_is_refused_and_stores_nothing(engine: Engine) {
    let h = Harness::new(engine).await;
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let (page, token) = h.user(police, "officer@police.example", Role::Officer).await;
    let before = h.count("asb_reports").await;

    let r = h.submit(&page, "/asb/reports", &[("channel", "fax"), ("reporter_postcode", "nowhere")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["channel", "category", "occurred_at", "location", "description", "reporter_name", "reporter_postcode"] {
        assert!(r.body.contains(&format!("href=\"#{f}\"")), "{f}: error summary links to the field");
        assert!(r.body.contains(&format!("id=\"{f}-error\"")), "{f}: message by the field");
    }
    assert!(r.body.contains("There is a problem") && r.body.contains("<title>Error: "));
    let api = h.post(&token, "/api/v1/asb/reports", &json!({ "channel": "phone", "victims": [{}] })).await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = api.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        problems.contains(&"victim0_name".to_string()) && problems.contains(&"category".to_string()),
        "{problems:?}"
    );
    let garbage = h.send(Method::POST, "/api/v1/asb/reports", None, Some(&token), "{not json").await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbage.json()["error"].as_str().unwrap().contains("JSON"));
    assert_eq!(h.count("asb_reports").await, before, "nothing stored");

    // A good report and case, then bad changes to it.
    let ok = h.submit(&page, "/asb/reports", REPORT_FORM).await;
    let report: i64 = ok.location.split('/').nth(3).unwrap().parse().unwrap();
    let c = h.post(&token, "/api/v1/asb/cases", &json!({ "title": "Case", "report_ids": [report] })).await.json();
    let case = c["case_id"].as_i64().unwrap();
    let bad_tool = h
        .submit(&page, &format!("/asb/cases/{case}/tools"), &[("tool_tool", "asbo"), ("tool_used_on", "2027-01-01")])
        .await;
    assert_eq!(bad_tool.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_tool.body.contains("href=\"#tool_tool\"") && bad_tool.body.contains("href=\"#tool_used_on\""));
    let bad_close = h.post(&token, &format!("/api/v1/asb/cases/{case}/close"), &json!({ "outcome": "fixed" })).await;
    assert_eq!(bad_close.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_share =
        h.post(&token, &format!("/api/v1/asb/cases/{case}/shares"), &json!({ "organisation_id": 999 })).await;
    assert_eq!(bad_share.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = h.get(&token, "/api/v1/asb/cases/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let word = h.get(&token, "/api/v1/asb/cases/abc").await;
    assert_eq!(word.status, StatusCode::NOT_FOUND);
    let v = h.get(&token, &format!("/api/v1/asb/cases/{case}")).await.json();
    assert_eq!(v["case"]["status"], "open");
    assert!(v["case"]["tools"].as_array().unwrap().is_empty());
    assert!(v["case"]["shared_with"].as_array().unwrap().is_empty());
    let twice = h.post(&token, "/api/v1/asb/cases", &json!({ "title": "Again", "report_ids": [report] })).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(h.count("asb_cases").await, 1);
}

/// A JSON report for Jane Smith at 12 High Street, the behaviour at `occurred_at`.
fn jane(occurred_at: &str) -> Value {
    json!({
        "channel": "phone", "category": "personal", "hate_related": false, "occurred_at": occurred_at,
        "location": "12 High Street, Luton", "location_postcode": "LU1 1AA", "description": "Shouting and threats",
        "reporter": {"name": "Jane Smith", "phone": "07700 900123", "address": "12 High Street", "postcode": "LU1 1AA"},
        "victims": [{"name": "Jane Smith", "phone": "07700 900123", "address": "12 High Street", "postcode": "LU1 1AA"}]
    })
}

async fn community_trigger_from_stored_reports(engine: Engine) {
    let h = Harness::new(engine).await;
    peel_store::testing::put_luton_partnership(&h.store).await.unwrap();
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    h.join(council, "bedfordshire", "luton").await;
    let (_, officer) = h.user(police, "officer@police.example", Role::Officer).await;
    let (_, cora) = h.user(council, "cora@council.example", Role::AsbCoordinator).await;
    let record = |token: String, at: &'static str| {
        let h = &h;
        async move {
            let r = h.post(&token, "/api/v1/asb/reports", &jane(at)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.json()["report"].clone()
        }
    };
    // One night's shouting, told to the police and the next day to the council.
    let r1 = record(officer.clone(), "2026-09-01T07:00").await;
    h.clock.advance(Duration::days(1));
    let r2 = record(cora.clone(), "2026-09-01T07:30").await;
    // Another night, to the police.
    h.clock.advance(Duration::days(10));
    let r3 = record(officer.clone(), "2026-09-11T22:00").await;
    let check = &r3["victims"][0]["case_review"];
    assert_eq!(check["may_be_entitled"], false, "three reports but two incidents: {check}");
    assert_eq!(check["reports_checked"], 3);
    assert_eq!(check["qualifying_incidents"], 2);
    assert_eq!(check["rules_version"], peel_core::trigger::Procedure::national_default().version);
    // A third incident, to the council: the threshold may be met.
    h.clock.advance(Duration::days(20));
    let r4 = record(cora.clone(), "2026-10-01T21:00").await;
    let ids: Vec<i64> = [&r1, &r2, &r3, &r4].iter().map(|r| r["id"].as_i64().unwrap()).collect();
    let check = &r4["victims"][0]["case_review"];
    assert_eq!(check["may_be_entitled"], true, "{check}");
    assert_eq!(check["qualifying_incidents"], 3);
    assert_eq!(check["report_ids"], json!([ids[1], ids[3]]), "only the reports the council may see");
    // Sessions end when idle; sign in again after the weeks that passed.
    let officer_page = h.sign_in("officer@police.example").await;
    let cora_page = h.sign_in("cora@council.example").await;
    // The police see it too, on their own report, with their reports named.
    let seen = h.get(&officer, &format!("/api/v1/asb/reports/{}", ids[0])).await.json();
    assert_eq!(seen["report"]["victims"][0]["case_review"]["report_ids"], json!([ids[0], ids[2]]));
    let page = h.page(&officer_page, &format!("/asb/reports/{}", ids[0])).await;
    assert!(page.body.contains("may be entitled to an ASB case review"), "{} {}", page.status, page.body);
    assert!(page.body.contains("ask your ASB coordinator"), "officers cannot start an application");
    // The coordinator's page links to an application citing the reports.
    let page = h.page(&cora_page, &format!("/asb/reports/{}", ids[3])).await;
    let link = format!("/asb/case-reviews/new?report={}&amp;report={}", ids[1], ids[3]);
    assert!(page.body.contains(&link), "{}", page.body);
    let form = h.page(&cora_page, &link.replace("&amp;", "&")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    for expected in [
        format!("name=\"c1-report_id\" value=\"{}\"", ids[1]),
        format!("name=\"c2-report_id\" value=\"{}\"", ids[3]),
        "value=\"Luton Borough Council\"".to_string(),
        "value=\"2026-09-01\"".to_string(),
        "value=\"2026-09-02\"".to_string(),
        "value=\"2026-10-01\"".to_string(),
        format!("value=\"ASB report {}\"", ids[1]),
    ] {
        assert!(form.body.contains(&expected), "{expected} in {}", form.body);
    }
    // The police's own report cannot be cited by the council: refused and audited.
    let hidden = h.page(&cora_page, &format!("/asb/case-reviews/new?report={}", ids[0])).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);
    let api = h
        .post(
            &cora,
            "/api/v1/asb/case-reviews",
            &json!({"force": "bedfordshire", "csp": "luton", "report_ids": [ids[0]], "application": {
                "received_on": "2026-10-02", "applicant_name": "Jane Smith", "applicant_contact": "07700 900123",
                "summary": "Shouting and threats"}}),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    let log = h.audit("cora@council").await;
    assert!(log.iter().any(|e| e.0 == "access.denied" && e.1 == format!("asb_report:{}", ids[0])), "{log:?}");
    assert!(log.iter().any(|e| e.0 == "asb.report.read" && e.1 == format!("asb_report:{}", ids[1])));

    // Submitting the pre-filled form records the application with the links.
    let mut fields: Vec<(String, String)> = vec![
        ("csp".into(), "bedfordshire/luton".into()),
        ("received_on".into(), "2026-10-02".into()),
        ("applicant_name".into(), "Jane Smith".into()),
        ("applicant_contact".into(), "07700 900123".into()),
        ("summary".into(), "Shouting and threats".into()),
    ];
    for (n, id) in [(1, ids[1]), (2, ids[3])] {
        let c = |x: &str| format!("c{n}-{x}");
        let r = if n == 1 { &r2 } else { &r4 };
        let day = |k: &str| r[k].as_str().unwrap()[..10].to_string();
        fields.extend([
            (c("complainant"), "Jane Smith".into()),
            (c("agency"), "Luton Borough Council".into()),
            (c("incident"), format!("ASB report {id}")),
            (c("behaviour_on"), day("occurred_at")),
            (c("complained_on"), day("recorded_at")),
            (c("report_id"), id.to_string()),
        ]);
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let made = h.submit(&cora_page, "/asb/case-reviews", &pairs).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let shown = h.page(&cora_page, &made.location).await;
    assert!(shown.body.contains(&format!("<a href=\"/asb/reports/{}\">stored report {}</a>", ids[3], ids[3])));
    // The same through the API: report ids become complaint rows.
    let api = h
        .post(
            &cora,
            "/api/v1/asb/case-reviews",
            &json!({"force": "bedfordshire", "csp": "luton", "report_ids": [ids[3], ids[1]], "application": {
                "received_on": "2026-10-02", "applicant_name": "Jane Smith", "applicant_contact": "07700 900123",
                "summary": "Shouting and threats"}}),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let complaints = api.json()["complaints"].clone();
    assert_eq!(complaints[0]["report_id"], ids[1], "in the order recorded: {complaints}");
    assert_eq!(complaints[1]["report_id"], ids[3]);
    assert_eq!(complaints[1]["agency"], "Luton Borough Council");
    // A report id that does not exist is refused, on a typed row too.
    let bad = h
        .post(
            &cora,
            "/api/v1/asb/case-reviews",
            &json!({"force": "bedfordshire", "csp": "luton", "application": {
                "received_on": "2026-10-02", "applicant_name": "Jane Smith", "applicant_contact": "07700 900123",
                "summary": "x", "complaints": [{"complainant": "Jane", "agency": "Police", "incident": "1",
                "behaviour_on": "2026-09-01", "complained_on": "2026-09-01", "report_id": 999}]}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    // The council's complaint about the first night (2 September) qualifies
    // for six months: still on 2 March, not on 3 March.
    let last = ids[3];
    let entitled = |days: i64| {
        let h = &h;
        let cora = cora.clone();
        async move {
            h.clock.advance(Duration::days(days));
            let later = h.get(&cora, &format!("/api/v1/asb/reports/{last}")).await.json();
            later["report"]["victims"][0]["case_review"]["may_be_entitled"].as_bool().unwrap()
        }
    };
    assert!(entitled(151).await, "2 March 2027");
    assert!(!entitled(1).await, "3 March 2027");
}

async fn reassign_and_reopen_cases(engine: Engine) {
    let h = Harness::new(engine).await;
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    let (_, officer) = h.user(police, "officer@police.example", Role::Officer).await;
    let (sarge_page, sarge) = h.user(police, "sarge@police.example", Role::Supervisor).await;
    let (_, handler) = h.user(police, "handler@police.example", Role::CallHandler).await;
    let (pat_page, pat) = h.user(council, "pat@council.example", Role::PartnerCaseworker).await;
    let pat_id = h.store.accounts().user_by_email("pat@council.example").await.unwrap().unwrap().id;
    let handler_id = h.store.accounts().user_by_email("handler@police.example").await.unwrap().unwrap().id;
    let report =
        h.post(&handler, "/api/v1/asb/reports", &jane("2026-08-31T21:30")).await.json()["report"]["id"].clone();
    let case = h.post(&officer, "/api/v1/asb/cases", &json!({"title": "Jane", "report_ids": [report]})).await.json()
        ["case_id"]
        .as_i64()
        .unwrap();
    h.post(&officer, &format!("/api/v1/asb/cases/{case}/shares"), &json!({"organisation_id": council})).await;
    let path = format!("/api/v1/asb/cases/{case}/reassign");

    // The case page offers the sergeant the people who could take it.
    let page = h.page(&sarge_page, &format!("/asb/cases/{case}")).await;
    assert!(page.body.contains("Reassign this case"), "{}", page.body);
    assert!(page.body.contains(&format!("<option value=\"{pat_id}\"")), "council caseworkers are offered");
    assert!(!page.body.contains(&format!("<option value=\"{handler_id}\"")), "call handlers cannot own cases");
    // Only supervisors and coordinators may reassign; a reason and a caseworker are needed.
    let r = h.post(&officer, &path, &json!({"user_id": pat_id, "reason": "Council leads"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = h.post(&sarge, &path, &json!({"user_id": pat_id, "reason": " "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["problems"][0]["field"], "reason");
    let r = h.post(&sarge, &path, &json!({"user_id": handler_id, "reason": "Why not"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = h.post(&sarge, &path, &json!({"user_id": pat_id, "organisation_id": police, "reason": "Slip"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the person is not in that organisation");
    let r = h.submit(&sarge_page, &format!("/asb/cases/{case}/reassign"), &[("reassign_reason", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#reassign_user_id\""), "{}", r.body);
    let unchanged = h.get(&sarge, &format!("/api/v1/asb/cases/{case}")).await.json();
    assert_eq!(unchanged["case"]["owner_organisation_id"], police, "nothing changed");

    // Handed to the council: the police keep it shared.
    let r =
        h.post(&sarge, &path, &json!({"user_id": pat_id, "organisation_id": council, "reason": "Council leads"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = &r.json()["case"];
    assert_eq!(c["owner_organisation_id"], council);
    let shared: Vec<i64> =
        c["shared_with"].as_array().unwrap().iter().map(|s| s["organisation_id"].as_i64().unwrap()).collect();
    assert_eq!(shared, [police]);
    let line = c["timeline"].as_array().unwrap().last().unwrap()["summary"].as_str().unwrap().to_string();
    assert!(line.contains("Council leads") && line.contains("still shared with Bedfordshire Police"), "{line}");
    let again = h.post(&sarge, &path, &json!({"user_id": pat_id, "reason": "Again"})).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "no longer the owner");

    // The council closes it, then reopens it with a reason.
    let closed = h
        .post(&pat, &format!("/api/v1/asb/cases/{case}/close"), &json!({"outcome": "resolved", "notes": "Quiet"}))
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let page = h.page(&pat_page, &format!("/asb/cases/{case}")).await;
    assert!(page.body.contains("Reopen this case") && !page.body.contains("Record an action"), "{}", page.body);
    let r = h.submit(&pat_page, &format!("/asb/cases/{case}/reopen"), &[("reopen_reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#reopen_reason\""), "{}", r.body);
    let r = h.post(&sarge, &format!("/api/v1/asb/cases/{case}/reopen"), &json!({"reason": "Not ours"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only the owner may reopen");
    let r = h.submit(&pat_page, &format!("/asb/cases/{case}/reopen"), &[("reopen_reason", "Stones again")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = h.get(&pat, &format!("/api/v1/asb/cases/{case}")).await.json();
    assert_eq!(c["case"]["status"], "open");
    assert!(c["case"]["outcome"].is_null());
    let lines: Vec<&str> =
        c["case"]["timeline"].as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert!(lines.iter().any(|l| l.starts_with("Closed")) && lines.last() == Some(&"Reopened: Stones again"));
    let twice = h.post(&pat, &format!("/api/v1/asb/cases/{case}/reopen"), &json!({"reason": "Again"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let log = h.audit("sarge@police").await;
    assert!(log.iter().any(|e| e.0 == "asb.case.reassign" && e.1 == format!("asb_case:{case}")));
    assert!(h.audit("pat@council").await.iter().any(|e| e.0 == "asb.case.reopen"));
}

async fn several_victims_on_the_page(engine: Engine) {
    let h = Harness::new(engine).await;
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let (page, token) = h.user(police, "officer@police.example", Role::Officer).await;
    let form = h.page(&page, "/asb/reports/new").await;
    assert!(form.body.contains("name=\"victim0_name\"") && !form.body.contains("name=\"victim1_name\""));
    assert!(form.body.contains("name=\"add_victim\""), "{}", form.body);
    let mut typed: Vec<(&str, &str)> = REPORT_FORM.to_vec();
    typed.extend([("victim_count", "1"), ("victim0_name", "Jane Smith"), ("add_victim", "yes")]);
    // "Add another victim" shows a second set of fields, keeps what was typed and saves nothing.
    let before = h.count("asb_reports").await;
    let more = h.submit(&page, "/asb/reports", &typed).await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    assert!(more.body.contains("name=\"victim1_name\"") && !more.body.contains("name=\"victim2_name\""));
    assert!(more.body.contains("<legend class=\"label\" id=\"victim1-heading\">Victim 2"), "{}", more.body);
    assert!(more.body.contains("value=\"Jane Smith\""));
    assert!(more.body.contains("formaction=\"/asb/reports#victim2-heading\""));
    assert_eq!(h.count("asb_reports").await, before, "nothing saved");
    // A mistake in the second victim is shown against its own fields.
    typed.retain(|(k, _)| *k != "add_victim" && *k != "victim_count");
    typed.extend([("victim_count", "3"), ("victim1_name", "Sam Smith"), ("victim1_postcode", "nowhere")]);
    let bad = h.submit(&page, "/asb/reports", &typed).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#victim1_postcode\""), "{}", bad.body);
    assert_eq!(h.count("asb_reports").await, before);
    // Saved with both; the empty third set is ignored.
    typed.retain(|(k, _)| *k != "victim1_postcode");
    let saved = h.submit(&page, "/asb/reports", &typed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = saved.location.split('/').nth(3).unwrap();
    let r = h.get(&token, &format!("/api/v1/asb/reports/{id}")).await.json();
    let names: Vec<&str> =
        r["report"]["victims"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Jane Smith", "Sam Smith"]);
    // Ten at most: no button on a form with ten.
    let mut ten: Vec<(String, String)> =
        vec![("victim_count".into(), "10".into()), ("add_victim".into(), "yes".into())];
    ten.extend(REPORT_FORM.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = ten.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let full = h.submit(&page, "/asb/reports", &pairs).await;
    assert!(full.body.contains("name=\"victim9_name\"") && !full.body.contains("name=\"victim10_name\""));
    assert!(!full.body.contains("name=\"add_victim\""));

    // A media link sent with a report is shown to staff as a plain link.
    let mut with_media = jane("2026-08-31T21:30");
    with_media["media_url"] = json!("https://photos.example.org/1.jpg");
    let r = h.post(&token, "/api/v1/asb/reports", &with_media).await.json();
    assert_eq!(r["report"]["media_url"], "https://photos.example.org/1.jpg");
    let shown = h.page(&page, &format!("/asb/reports/{}", r["report"]["id"])).await;
    assert!(
        shown.body.contains("<a href=\"https://photos.example.org/1.jpg\" rel=\"noreferrer noopener nofollow\">"),
        "{}",
        shown.body
    );
}

/// Every ASB API route is in the OpenAPI document, with its method.
#[test]
fn asb_api_is_documented() {
    let spec: Value = serde_json::from_str(include_str!("../../api/src/openapi.json")).unwrap();
    let mut n = 0;
    for (method, path, _) in peel_web::backoffice::ROUTES {
        if let Some(rest) = path.strip_prefix("/api/v1/asb") {
            let op = &spec["paths"][format!("/api/v1/asb{rest}")][method.to_lowercase()];
            assert!(op.is_object(), "{method} {path} is documented");
            assert!(op["responses"]["403"].is_object() || op["responses"]["401"].is_object(), "{method} {path} errors");
            n += 1;
        }
    }
    assert_eq!(n, 32, "20 casework, 6 case review and 6 service standards routes");
}

/// A rule-set document: the shipped one under a new version.
fn rules_json(version: &str) -> String {
    let mut r = peel_core::asb::RuleSet::shipped();
    r.version = version.into();
    r.title = format!("Luton rules {version}");
    r.repeat.min_reports = 2;
    r.to_json()
}

/// One rule set judges every organisation's reports, so the installation's
/// administrators load it; a partnership's coordinator no longer can.
async fn installation_administrators_load_rule_sets(engine: Engine) {
    let h = Harness::new(engine).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    let (coordinator, token) = h.user(council, "asb@luton.example", Role::InstallationAdministrator).await;
    let (officer_browser, officer) = h.user(council, "officer@luton.example", Role::Officer).await;
    let (cora_browser, cora) = h.user(council, "cora@luton.example", Role::AsbCoordinator).await;

    // The API: refusals first, each storing nothing.
    let send = async |t: &str, body: String| h.send(Method::POST, "/api/v1/asb/rules", None, Some(t), &body).await;
    assert_eq!(send(&officer, rules_json("luton-1")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&cora, rules_json("luton-1")).await.status, StatusCode::FORBIDDEN, "a partnership's coordinator");
    assert_eq!(h.page(&cora_browser, "/asb/rules").await.status, StatusCode::FORBIDDEN);
    let bad = send(&token, rules_json("luton 1").replace("\"min_reports\": 2", "\"min_reports\": 0")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> =
        bad.json()["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap().to_string()).collect();
    assert!(fields.contains(&"version".to_string()) && fields.iter().any(|f| f.starts_with("repeat")), "{fields:?}");
    assert_eq!(send(&token, "{not json".into()).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shipped = peel_core::asb::RuleSet::shipped().version;
    assert_eq!(send(&token, rules_json(&shipped)).await.status, StatusCode::CONFLICT);
    assert_eq!(h.store.asb().current_asb_rules().await.unwrap().version, shipped, "refusals changed nothing");

    let ok = send(&token, rules_json("luton-1")).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(ok.json()["version"], "luton-1");
    assert_eq!(send(&token, rules_json("luton-1")).await.status, StatusCode::CONFLICT, "versions are never reused");
    let versions = h.get(&token, "/api/v1/asb/rules/versions").await.json();
    assert_eq!(versions["current"], "luton-1");
    assert_eq!(versions["versions"][0]["loaded_at"], Value::Null, "the shipped version comes first");
    assert_eq!(h.get(&officer, "/api/v1/asb/rules").await.json()["repeat"]["min_reports"], 2);
    assert!(
        h.audit("asb@luton.example").await.iter().any(|(a, s, _)| a == "asb.rules.load" && s == "asb_rules:luton-1")
    );

    // The page: the rules in force, every version, and the document to edit.
    assert_eq!(h.page(&officer_browser, "/asb/rules").await.status, StatusCode::FORBIDDEN);
    let page = h.page(&coordinator, "/asb/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Version <strong>luton-1</strong>") && page.body.contains("2 or more reports"));
    assert!(page.body.contains("&quot;version&quot;: &quot;luton-1&quot;"), "the document in force, to start from");
    let pasted = rules_json("luton-1");
    let again = h.submit(&coordinator, "/asb/rules", &[("document", &pasted)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("There is a problem") && again.body.contains("already been loaded"), "{}", again.body);
    let broken = h.submit(&coordinator, "/asb/rules", &[("document", "{\"version\": \"x\"")]).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("{&quot;version&quot;: &quot;x&quot;"), "what was pasted is kept");
    let loaded = h.submit(&coordinator, "/asb/rules", &[("document", &rules_json("luton-2"))]).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.body);
    let page = h.page(&coordinator, &loaded.location).await;
    assert!(page.body.contains("rule set luton-2 is now in force"), "{}", page.body);
    assert_eq!(h.store.asb().current_asb_rules().await.unwrap().version, "luton-2");
}

peel_store::on_both_engines!(
    report_to_shared_case,
    bad_input_is_refused_and_stores_nothing,
    installation_administrators_load_rule_sets,
    community_trigger_from_stored_reports,
    reassign_and_reopen_cases,
    several_victims_on_the_page
);
