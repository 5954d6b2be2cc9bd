//! Hostile input (issue 13): refusals stay small however much is wrong
//! (defect 4), and throttled sign-ins cannot flood the audit log (defect
//! 6). On both engines.

mod support;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_core::bounded::MAX_LISTED;
use peel_store::Engine;
use peel_store::{AuditQuery, Store};
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
    assert_eq!(h.store.pledge_event_count(None).await.unwrap(), 0);
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
    let Err(peel_store::IngestError::Invalid(errors)) = h.store.ingest_pledge_events(batch).await else {
        panic!("refused");
    };
    assert_eq!(errors.total(), 5000);
    assert_eq!(errors.first().len(), MAX_LISTED);
    let first: Vec<(usize, &str)> = errors.first().iter().take(4).map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(first, [(1, "neighbourhood"), (2, "neighbourhood"), (3, ""), (4, "neighbourhood")]);
    assert_eq!(errors.first().last().map(|e| e.line), Some(100));
}

/// An Open311 request naming thousands of unknown attributes gets the first
/// hundred problems and a count of the rest.
async fn open311_problems_are_bounded(engine: Engine) {
    let h = Harness::new(engine).await;
    let org = h.org("Kent Police", OrgKind::Force).await;
    let (_, token) = h.user(org, "app@kent.example", Role::CallHandler).await;
    let mut form = vec![("api_key".to_string(), token), ("service_code".to_string(), "noise".to_string())];
    form.extend((0..5000).map(|n| (format!("attribute[a{n}]"), "x".to_string())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = h.send(Method::POST, "/open311/v2/requests.json", None, None, &encode(&pairs)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let list = r.json();
    let list = list.as_array().expect("a list of errors");
    assert_eq!(list.len(), MAX_LISTED + 1);
    let last = list.last().and_then(|e| e["description"].as_str()).unwrap_or_default();
    assert!(last.starts_with("… and ") && last.ends_with(" more problems"), "{last}");
}

async fn throttled(store: &Store) -> Vec<Value> {
    let q = AuditQuery { actor: Some("anonymous".into()), limit: Some(1000), ..Default::default() };
    store
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
    assert!(h.store.verify_audit().await.unwrap().is_ok());
}

peel_store::on_both_engines!(
    a_batch_wrong_on_every_line_gets_a_short_answer,
    unknown_neighbourhoods_are_counted_not_all_listed,
    open311_problems_are_bounded,
    a_flood_of_throttled_sign_ins_is_one_audit_entry,
);
