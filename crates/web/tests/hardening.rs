//! Hostile input (issue 13): refusals stay small however much is wrong
//! (defect 4), throttled sign-ins cannot flood the audit log (defect 6),
//! and no `javascript:` link is stored, shown or served (defect 7). On
//! both engines.

mod support;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_core::bounded::MAX_LISTED;
use peel_core::trigger::Procedure;
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::{AuditQuery, Store};
use peel_web::AppState;
use peel_web::backoffice::throttle_log::WINDOW_MINUTES;
use peel_web::rate_limit::{Limiter, RateLimit};
use serde_json::Value;
use support::casework::{Harness, encode};

/// Lines of `1`: each one is an error.
const BAD_LINES: usize = 300_000;

async fn a_batch_wrong_on_every_line_gets_a_short_answer(engine: Engine) {
    let h = Harness::new(engine).await;
    let org = h.org("Kent Police", OrgKind::Force).await;
    let (_, feed) = h.user(org, "feed@kent.example", Role::EventFeed).await;
    for body in ["1\n".repeat(BAD_LINES), format!("[{}1]", "1,".repeat(BAD_LINES - 1))] {
        let r = h.post_text(&feed, "/api/v1/events", &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.len() < 20_000, "a {} byte answer", r.body.len());
        let v = r.json();
        assert_eq!(v["error_count"], BAD_LINES);
        let errors = v["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), MAX_LISTED);
        assert_eq!((errors[0]["line"].as_u64(), errors[99]["line"].as_u64()), (Some(1), Some(100)));
        let message = v["error"].as_str().expect("message");
        assert_eq!(message, format!("{BAD_LINES} errors (the first 100 are listed); nothing was stored"));
    }
    assert_eq!(h.store.pledge().pledge_event_count(None).await.unwrap(), 0);
}

/// A batch over the limit is refused before it is read whole.
async fn an_oversized_batch_is_refused(engine: Engine) {
    let h = Harness::new(engine).await;
    let org = h.org("Kent Police", OrgKind::Force).await;
    let (_, feed) = h.user(org, "feed@kent.example", Role::EventFeed).await;
    let body = "1\n".repeat(peel_web::pledge::MAX_BATCH_BYTES / 2 + 1);
    let r = h.post_text(&feed, "/api/v1/events", &body).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(h.store.pledge().pledge_event_count(None).await.unwrap(), 0);
}

/// Errors only the store can find (unknown neighbourhoods) are bounded too,
/// and merged in line order with the errors in the text.
async fn unknown_neighbourhoods_are_counted_not_all_listed(engine: Engine) {
    let h = Harness::new(engine).await;
    let message = |n: usize| {
        format!(
            r#"{{"id":"m{n}","force":"kent","neighbourhood":"nowhere","type":"message","received_at":"2024-10-11T12:00:00Z","replied_at":null}}"#
        )
    };
    let mut lines: Vec<String> = (0..5000).map(message).collect();
    lines[2] = "not json".into();
    lines[150] = "not json".into();
    let batch = peel_core::pledge::parse_body(&lines.join("\n"));
    let Err(peel_store::IngestError::Invalid(errors)) =
        h.store.pledge().ingest_pledge_events(batch, &peel_store::testing::setup()).await
    else {
        panic!("refused");
    };
    assert_eq!(errors.total(), 5000);
    assert_eq!(errors.first().len(), MAX_LISTED);
    let first: Vec<(usize, &str)> = errors.first().iter().take(4).map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(first, [(1, "neighbourhood"), (2, "neighbourhood"), (3, ""), (4, "neighbourhood")]);
    assert_eq!(errors.first().last().map(|e| e.line), Some(100));
}

/// An Open311 request naming 2,000 unknown attributes gets the first
/// hundred problems and a count of the rest.
async fn open311_problems_are_bounded(engine: Engine) {
    let h = Harness::new(engine).await;
    let org = h.org("Kent Police", OrgKind::Force).await;
    let (_, token) = h.user(org, "app@kent.example", Role::CallHandler).await;
    let mut form = vec![("api_key".to_string(), token), ("service_code".to_string(), "noise".to_string())];
    form.extend((0..2000).map(|n| (format!("attribute[a{n}]"), "x".to_string())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = h.send(Method::POST, "/open311/v2/requests.json", None, None, &encode(&pairs)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let list = r.json();
    let list = list.as_array().expect("a list of errors");
    assert_eq!(list.len(), MAX_LISTED + 1);
    let last = list.last().and_then(|e| e["description"].as_str()).unwrap_or_default();
    assert!(last.starts_with("… and ") && last.ends_with(" more problems"), "{last}");
}

/// Anyone may post a form before its key is checked, so forms are small.
async fn open311_forms_are_small(engine: Engine) {
    let h = Harness::new(engine).await;
    let big = format!("service_code=noise&description={}", "x".repeat(peel_web::open311::MAX_FORM_BYTES));
    let r = h.send(Method::POST, "/open311/v2/requests.json", None, None, &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let description = r.json()[0]["description"].as_str().unwrap_or_default().to_string();
    assert!(description.contains("send at most 64 KiB"), "{description}");
}

async fn throttled(store: &Store) -> Vec<Value> {
    let q = AuditQuery { actor: Some("anonymous".into()), limit: Some(1000), ..Default::default() };
    store
        .audit()
        .search_audit(&q)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "auth.throttled")
        .map(|e| serde_json::from_str(&e.details).unwrap())
        .collect()
}

/// 200 sign-ins from one address past its limit: one audit entry when the
/// window ends, counting them, instead of one entry each.
async fn a_flood_of_throttled_sign_ins_is_one_audit_entry(engine: Engine) {
    let h = Harness::with(engine, |mut c| {
        c.sign_in_limit = Some(Limiter::new(RateLimit { per_second: 0.001, burst: 2.0 }));
        c
    })
    .await;
    let attempt = || async {
        let form =
            encode(&[("csrf_token", "x"), ("email", "someone@example.org"), ("password", "a guess"), ("next", "")]);
        h.send(Method::POST, "/login", Some("peel_login_csrf=x"), None, &form).await.status
    };
    for n in 0..200 {
        let status = attempt().await;
        assert_eq!(status, if n < 2 { StatusCode::OK } else { StatusCode::TOO_MANY_REQUESTS }, "attempt {n}");
    }
    assert_eq!(throttled(&h.store).await, Vec::<Value>::new(), "counted while the window is open");
    h.clock.advance(Duration::minutes(WINDOW_MINUTES));
    // The next attempt writes the window that ended (and opens another).
    assert_eq!(attempt().await, StatusCode::TOO_MANY_REQUESTS);
    let entries = throttled(&h.store).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["attempts"], 198);
    assert_eq!(entries[0]["source"], "0.0.0.0");
    assert_eq!(entries[0]["window_minutes"], WINDOW_MINUTES);
    assert!(h.store.audit().verify_audit().await.unwrap().is_ok());
}

/// A procedure's contact link was stored and put in an `href` on the public
/// Community Trigger page whatever its scheme.
async fn a_procedure_with_a_script_link_is_refused(engine: Engine) {
    let h = Harness::new(engine).await;
    peel_store::testing::put_luton_partnership(&h.store).await.unwrap();
    let org = h.org("Luton Borough Council", OrgKind::Council).await;
    h.join(org, "bedfordshire", "luton").await;
    let (_, token) = h.user(org, "cora@luton.example", Role::AsbCoordinator).await;
    let path = "/api/v1/asb/procedures/bedfordshire/luton";
    let mut procedure: Value = serde_json::from_str(&Procedure::local_example().to_json()).unwrap();
    for bad in ["javascript:alert('x')", " JavaScript:alert(1)", "data:text/html,x", "java\tscript:alert(1)"] {
        procedure["contact"]["web"] = bad.into();
        let r = h.post(&token, path, &procedure).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.body);
        assert!(r.body.contains("links are allowed") || r.body.contains("space or a control character"), "{}", r.body);
    }
    let page = h.send(Method::GET, "/community-trigger/bedfordshire/luton", None, None, "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.to_ascii_lowercase().contains("javascript:"), "{}", page.body);
    procedure["contact"]["web"] = "https://www.luton.gov.uk/asb-case-review".into();
    assert_eq!(h.post(&token, path, &procedure).await.status, StatusCode::CREATED);
    let page = h.send(Method::GET, "/community-trigger/bedfordshire/luton", None, None, "").await;
    assert!(page.body.contains("href=\"https://www.luton.gov.uk/asb-case-review\""), "{}", page.body);
}

/// A neighbourhood file with an unsafe link anywhere is refused whole, so
/// the police.uk JSON never hands one to a client.
async fn neighbourhood_files_with_script_links_are_refused(engine: Engine) {
    let h = Harness::new(engine).await;
    let good = serde_json::json!({
        "peel": "neighbourhoods", "force": "city-of-london",
        "force_details": {"url": "https://www.cityoflondon.police.uk/", "engagement_methods": [
            {"url": "https://x.example/", "title": "X", "description": null, "type": "social"}]},
        "neighbourhoods": [{"id": "ban", "name": "Bank", "url_force": "https://www.cityoflondon.police.uk/ban",
            "contact_details": {"email": "ban@example.org", "web": "https://ban.example/", "telephone": "101"},
            "links": [{"url": "mailto:ban@example.org", "title": "Write to us", "description": null}],
            "team": [{"name": "Sam", "rank": "PC", "bio": null, "contact_details": {"twitter": "https://twitter.com/sam"}}],
            "events": [{"title": "Street meeting", "description": null, "address": null, "type": "meeting",
                "start_date": "2026-09-10T18:00:00", "end_date": null, "contact_details": {"web": "tel:101"}}]}]
    });
    let edits: [(&str, &str); 7] = [
        ("/force_details/url", "javascript:alert(1)"),
        ("/force_details/engagement_methods/0/url", "javascript:alert(1)"),
        ("/neighbourhoods/0/url_force", "javascript:alert(1)"),
        ("/neighbourhoods/0/links/0/url", "JAVASCRIPT:alert(document.cookie)"),
        ("/neighbourhoods/0/contact_details/web", "javascript:alert(1)"),
        ("/neighbourhoods/0/team/0/contact_details/twitter", "data:text/html,x"),
        ("/neighbourhoods/0/events/0/contact_details/web", "vbscript:x"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (at, link) in edits {
        let mut file = good.clone();
        *file.pointer_mut(at).expect(at) = link.into();
        let path = dir.path().join("city-of-london.json");
        std::fs::write(&path, file.to_string()).unwrap();
        let summary = Importer::new(&h.store, ImportOptions { quiet: true, ..Default::default() })
            .import_paths(&[path])
            .await
            .unwrap();
        let why = summary.failed.first().map(ToString::to_string).unwrap_or_default();
        assert!(why.contains(&format!("{link:?}")) && why.contains("link"), "{at}: {why}");
        assert_eq!(summary.neighbourhood_details, 0, "{at}: nothing of the file is stored");
    }
    let path = dir.path().join("city-of-london.json");
    std::fs::write(&path, good.to_string()).unwrap();
    let summary = Importer::new(&h.store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[path])
        .await
        .unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let app = peel_web::app(AppState::load(h.store.clone()).await.unwrap());
    for path in ["/api/city-of-london/ban", "/api/forces/city-of-london", "/api/city-of-london/ban/people"] {
        let r = support::get(&app, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("https://") && !r.body.to_ascii_lowercase().contains("script:"), "{path}: {}", r.body);
    }
}

peel_store::on_both_engines!(
    a_procedure_with_a_script_link_is_refused,
    neighbourhood_files_with_script_links_are_refused,
    a_batch_wrong_on_every_line_gets_a_short_answer,
    an_oversized_batch_is_refused,
    unknown_neighbourhoods_are_counted_not_all_listed,
    open311_problems_are_bounded,
    open311_forms_are_small,
    a_flood_of_throttled_sign_ins_is_one_audit_entry,
);
