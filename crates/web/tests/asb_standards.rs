//! Local ASB service standards end to end, in-process, on SQLite and
//! PostgreSQL: a coordinator adopts a partnership's standards; an officer
//! opens a case with the partnership chosen from the report's postcode; the
//! case page shows what is due, then what is overdue with the redress to
//! offer; a contact recorded through the form meets the standard; the due
//! list sorts by most overdue; the public page shows the standards; bad
//! input is refused with nothing stored.

mod support;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_core::asb::Standards;
use peel_core::geo::LatLng;
use peel_core::geography::{Postcode, PostcodePoint};
use peel_store::{Bcu, Csp, Engine, Store};
use peel_web::backoffice::BackofficeConfig;
use serde_json::json;
use support::casework::*;
/// The harness with sessions that outlast the hours the standards' clock
/// is moved on by.
async fn harness(engine: Engine) -> Harness {
    Harness::with(engine, |cfg| BackofficeConfig {
        session_ttl: Duration::days(7),
        session_idle: Duration::days(7),
        ..cfg
    })
    .await
}

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
    let point = PostcodePoint {
        postcode: Postcode::parse("LU1 1AA").unwrap(),
        at: LatLng { lat: 51.88, lng: -0.42 },
        admin_district: Some("E06000032".into()),
        ward: None,
    };
    store.geography().put_postcodes(&[point]).await.unwrap();
}

async fn standards_from_adoption_to_redress(engine: Engine) {
    let h = harness(engine).await;
    areas(&h.store).await;
    let police = h.org("Bedfordshire Police", OrgKind::Force).await;
    let council = h.org("Luton Borough Council", OrgKind::Council).await;
    h.join(council, "bedfordshire", "luton").await;
    let (officer_page, officer) = h.user(police, "officer@police.example", Role::Officer).await;
    let (sergeant_page, _) = h.user(police, "sergeant@police.example", Role::Supervisor).await;
    let (_, coordinator) = h.user(council, "cora@council.example", Role::AsbCoordinator).await;

    // The coordinator adopts Luton's standards: first contact within 12 hours.
    let mut luton = Standards::national_default();
    luton.version = "luton-2026-1".into();
    luton.name = "Luton's ASB promise".into();
    luton.first_contact_hours = 12;
    luton.redress.offer = "Your case officer's manager will ring you within one working day.".into();
    let r = h.post_text(&coordinator, "/api/v1/asb/standards/bedfordshire/luton", &luton.to_json()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["standards"]["version"], "luton-2026-1");
    let again = h.post_text(&coordinator, "/api/v1/asb/standards/bedfordshire/luton", &luton.to_json()).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let bad = h.post_text(&coordinator, "/api/v1/asb/standards/bedfordshire/luton", r#"{"version": "x"}"#).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let nowhere = h.post_text(&coordinator, "/api/v1/asb/standards/bedfordshire/atlantis", &luton.to_json()).await;
    // Not one of the council's partnerships (none at all): refused before anything is read.
    assert_eq!(nowhere.status, StatusCode::FORBIDDEN, "{}", nowhere.body);
    let shown = h.get(&officer, "/api/v1/asb/standards/bedfordshire/bedford").await.json();
    assert_eq!(
        (shown["default"].clone(), shown["standards"]["version"].clone()),
        (json!(true), json!("national-default-1"))
    );

    // The public page says it in plain English.
    let public = h.send(Method::GET, "/asb-standards/bedfordshire/luton", None, None, "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("We contact the victim within 12 hours."), "{}", public.body);
    assert!(public.body.contains("manager will ring you"));
    assert!(public.body.contains("/community-trigger/bedfordshire/luton"));
    // A shared link shows the page's own title and summary.
    assert!(public.body.contains("<meta property=\"og:title\" content=\"Anti-social behaviour in "), "{}", public.body);
    assert!(
        public.body.contains("<meta property=\"og:description\" content=\"How to report anti-social behaviour in ")
    );
    assert!(
        h.send(Method::GET, "/asb-standards/bedfordshire/bedford", None, None, "")
            .await
            .body
            .contains("national default")
    );
    assert_eq!(
        h.send(Method::GET, "/asb-standards/bedfordshire/atlantis", None, None, "").await.status,
        StatusCode::NOT_FOUND
    );

    // The officer records a report; the case form suggests Luton from the postcode.
    let r = h.submit(&officer_page, "/asb/reports", REPORT_FORM).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let report: i64 = r.location.trim_start_matches("/asb/reports/").trim_end_matches("/risk").parse().unwrap();
    let page = h.page(&officer_page, &format!("/asb/reports/{report}")).await;
    assert!(page.body.contains(r#"<option value="bedfordshire/luton" selected>"#), "{}", page.body);
    assert!(page.body.contains("chosen from the report&#39;s postcode"), "{}", page.body);
    // A partnership that does not exist: refused, named, nothing stored.
    let r = h
        .submit(
            &officer_page,
            "/asb/cases",
            &[("report_id", &report.to_string()), ("title", "High Street"), ("csp", "bedfordshire/atlantis")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("href=\"#csp\""), "{}", r.body);
    assert_eq!(h.count("asb_cases").await, 0);
    let r = h
        .submit(
            &officer_page,
            "/asb/cases",
            &[("report_id", &report.to_string()), ("title", "High Street"), ("csp", "bedfordshire/luton")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case_path = r.location.clone();
    let case: i64 = case_path.trim_start_matches("/asb/cases/").parse().unwrap();

    // Within 12 hours: due, no redress.
    let page = h.page(&officer_page, &case_path).await;
    assert!(page.body.contains("Service standards"), "{}", page.body);
    assert!(page.body.contains("luton-2026-1"));
    assert!(page.body.contains("Due by 1 September 2026 at 20:00"), "{}", page.body);
    assert!(!page.body.contains("Redress to offer"));
    // Twelve hours and a second: overdue, and the redress is shown.
    h.clock.advance(Duration::hours(12) + Duration::seconds(1));
    let page = h.page(&officer_page, &case_path).await;
    assert!(page.body.contains("Overdue by 1 second"), "{}", page.body);
    assert!(page.body.contains("Redress to offer the victim"));
    assert!(page.body.contains("manager will ring you"));
    let due = h.page(&sergeant_page, "/asb/due").await;
    assert_eq!(due.status, StatusCode::OK);
    assert!(due.body.contains(&format!("Case {case}: High Street")), "{}", due.body);
    let api = h.get(&officer, "/api/v1/asb/due").await.json();
    assert_eq!(api["cases"][0]["most_overdue_seconds"], 1);
    assert_eq!(api["cases"][0]["standards_version"], "luton-2026-1");

    // Bad contacts are refused with every problem named, and nothing is stored.
    let r = h
        .submit(
            &officer_page,
            &format!("{case_path}/contacts"),
            &[("contact_contacted_at", "yesterday"), ("contact_method", "pigeon")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["contact_contacted_at", "contact_method", "contact_note"] {
        assert!(r.body.contains(&format!("href=\"#{f}\"")), "{f}: {}", r.body);
    }
    let r = h
        .post_text(
            &officer,
            &format!("/api/v1/asb/cases/{case}/contacts"),
            r#"{"contacted_at": "2027-01-01T00:00", "method": "email", "note": "x"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(h.count("asb_victim_contacts").await, 0);

    // The contact was made late, at 20:30: the standard shows late, with redress.
    h.clock.advance(Duration::hours(1));
    let r = h
        .submit(
            &officer_page,
            &format!("{case_path}/contacts"),
            &[
                ("contact_contacted_at", "2026-09-01T20:30"),
                ("contact_method", "phone"),
                ("contact_note", "Rang Jane back"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, case_path.as_str()), "{}", r.body);
    let service = h.get(&officer, &format!("/api/v1/asb/cases/{case}/service")).await.json();
    let first = &service["service"]["judgement"]["states"][0];
    assert_eq!((first["state"].clone(), first["late_by_seconds"].clone()), (json!("late"), json!(1800)));
    assert_eq!(service["service"]["contacts"][0]["note"], "Rang Jane back");
    assert!(service["service"]["redress"].is_object());
    let page = h.page(&officer_page, &case_path).await;
    assert!(page.body.contains("Victim contacted (phone call) on 1 September 2026 at 20:30"), "{}", page.body);

    // A case opened with no partnership uses the national default, and its
    // owner may choose the partnership once.
    let r = h.submit(&officer_page, "/asb/reports", REPORT_FORM).await;
    let report: i64 = r.location.trim_start_matches("/asb/reports/").trim_end_matches("/risk").parse().unwrap();
    let r = h
        .submit(&officer_page, "/asb/cases", &[("report_id", &report.to_string()), ("title", "Park"), ("csp", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location.clone();
    let page = h.page(&officer_page, &path).await;
    assert!(page.body.contains("the national default: the case is not handled under"), "{}", page.body);
    assert!(page.body.contains("Choose the partnership"));
    let r = h.submit(&officer_page, &format!("{path}/csp"), &[("csp", "nowhere")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#csp\""), "{}", r.body);
    let r = h.submit(&officer_page, &format!("{path}/csp"), &[("csp", "bedfordshire/luton")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = h.page(&officer_page, &path).await;
    assert!(page.body.contains("luton-2026-1"), "{}", page.body);
    assert!(!page.body.contains("Choose the partnership"));
    let again = h
        .post_text(
            &officer,
            &format!("/api/v1/asb/cases{}/csp", path.trim_start_matches("/asb/cases")),
            r#"{"csp": "bedfordshire/bedford"}"#,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

peel_store::on_both_engines!(standards_from_adoption_to_redress);
