//! The Pledge API in-process (`tower::ServiceExt::oneshot`), on both engines.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peel_core::access::Role;
use peel_core::geography::Neighbourhood;
use peel_core::pledge::AreaKind;
use peel_store::testing::TestDatabase;
use peel_store::{Engine, NeighbourhoodDetails, Store};
use peel_web::AppState;
use peel_web::pledge::{IngestConfig, routes_with};
use serde_json::Value;
use tower::ServiceExt;

const FIXTURE: &str = include_str!("../../core/tests/fixtures/pledge-kent-2024-10.ndjson");
const EXPECTED: &str = include_str!("../../core/tests/fixtures/pledge-kent-2024-10.expected.json");
const TOKEN: &str = "test-token";

async fn setup(store: &Store) {
    for id in ["town", "marsh"] {
        let neighbourhood =
            Neighbourhood { force_id: "kent".into(), id: id.into(), name: id.into(), ..Default::default() };
        store
            .geography()
            .put_neighbourhood(&NeighbourhoodDetails { neighbourhood, ..Default::default() })
            .await
            .expect("neighbourhood");
    }
    store
        .pledge()
        .set_neighbourhood_area("kent", "marsh", AreaKind::Rural, &peel_store::testing::setup())
        .await
        .expect("area");
}

fn app(store: &Store, token: Option<&str>) -> Router {
    routes_with(IngestConfig::with_token(token.map(str::to_string)))
        .with_state(AppState { store: store.clone(), index: peel_web::SharedIndex::default() })
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn post(body: &str, token: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/api/v1/events").header(header::CONTENT_TYPE, "application/x-ndjson");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::from(body.to_string())).expect("request")
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

/// A GET with a back-office API token.
fn get_as(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).expect("request")
}

fn post_json(uri: &str, body: &Value, token: Option<&str>) -> Request<Body> {
    let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::from(body.to_string())).expect("request")
}

/// The API token of a new account with `role`.
async fn token_for(store: &Store, role: Role) -> String {
    let kent = peel_core::access::Reach::Force("kent".into());
    support::api_token(store, role, &format!("{}@kent.example.org", role.slug()), kent).await
}

fn has_breaches(report: &Value) -> bool {
    report["commitments"].as_array().expect("commitments").iter().any(|f| f.get("breaches").is_some())
}

/// Every field the expectation names must match the API's figure.
fn assert_figures(report: &Value, expected: &Value) {
    let figures = report["commitments"].as_array().expect("commitments");
    assert_eq!(figures.len(), 9);
    for figure in figures {
        let id = figure["id"].as_str().expect("id");
        for (key, value) in expected[id].as_object().expect("expectation") {
            assert_eq!(&figure[key], value, "{id}.{key}");
        }
        assert!(figure["standard"].as_str().is_some_and(|s| !s.is_empty()), "{id} standard");
        assert_eq!(figure["version"], "national-2008", "{id}");
    }
}

async fn fixture_round_trip(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    let (status, body) = send(&app, post(FIXTURE, Some(TOKEN))).await;
    assert_eq!((status, &body["stored"]), (StatusCode::OK, &Value::from(55)), "{body}");
    let expected: Value = serde_json::from_str(EXPECTED).expect("expected");
    // The public see the figures; which events breached is for staff.
    let (status, public) = send(&app, get("/api/v1/pledge/compliance?force=kent&month=2024-10")).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert!(!has_breaches(&public), "{public}");
    let officer = token_for(&store, Role::Officer).await;
    let (status, report) = send(&app, get_as("/api/v1/pledge/compliance?force=kent&month=2024-10", &officer)).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((&report["force"], &report["month"]), (&Value::from("kent"), &Value::from("2024-10")));
    assert!(report.get("neighbourhood").is_none());
    assert_figures(&report, &expected["force"]);
    let mut without = report.clone();
    for f in without["commitments"].as_array_mut().expect("list") {
        f.as_object_mut().expect("figure").remove("breaches");
    }
    assert_eq!(without, public, "the public answer is the staff answer less the breaches");
    let uri = "/api/v1/pledge/compliance?force=kent&month=2024-10&neighbourhood=town";
    let (status, town) = send(&app, get_as(uri, &officer)).await;
    assert_eq!(status, StatusCode::OK, "{town}");
    assert_eq!(town["neighbourhood"], "town");
    assert_figures(&town, &expected["town"]);
}

/// The Marsh Neighbourhood Agreement's stricter message-reply standard, as
/// `POST /api/v1/pledge/standards` takes it.
fn marsh_agreement() -> Value {
    serde_json::json!({
        "force": "kent",
        "neighbourhood": "marsh",
        "standard": {
            "id": "team-message-reply", "version": "marsh-agreement-2024",
            "description": "Messages to the Marsh team are answered within 12 hours.",
            "limit": {"kind": "within", "seconds": 43200}, "source": "Marsh Neighbourhood Agreement"
        }
    })
}

async fn json_arrays_are_accepted(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    let lines: Vec<&str> = FIXTURE.lines().take(3).collect();
    let (status, body) = send(&app, post(&format!("[{}]", lines.join(",")), Some(TOKEN))).await;
    assert_eq!((status, &body["stored"]), (StatusCode::OK, &Value::from(3)), "{body}");
}

async fn bad_batches_are_refused_whole(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    send(&app, post(FIXTURE, Some(TOKEN))).await;
    let bad = [
        r#"{"id":"c-abandoned","force":"kent","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":"2024-10-11T12:00:01Z"}"#,
        r#"{"id":"x1","force":"kent","type":"parade"}"#,
        r#"{"id":"x2","force":"kent","type":"call","channel":"999","answered_at":null}"#,
        r#"{"id":"x3","force":"kent","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":"2024-10-11T11:59:59Z"}"#,
        r#"{"id":"x4","force":"gotham","type":"call","channel":"999","received_at":"2024-10-11T12:00:00Z","answered_at":null}"#,
        r#"{"id":"x5","force":"kent","neighbourhood":"nowhere","type":"message","received_at":"2024-10-11T12:00:00Z","replied_at":null}"#,
        r#"{"id":"x6","force":"kent","type":"dissatisfaction","received_at":"2024-10-11T25:00:00Z","acknowledged_at":null}"#,
        "not json",
    ]
    .join("\n");
    let (status, body) = send(&app, post(&bad, Some(TOKEN))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors: Vec<(u64, &str)> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
            (e["line"].as_u64().expect("line"), e["field"].as_str().expect("field"))
        })
        .collect();
    assert_eq!(
        errors,
        [
            (2, "type"),
            (3, "received_at"),
            (4, "answered_at"),
            (5, "force"),
            (6, "neighbourhood"),
            (7, "received_at"),
            (8, "")
        ]
    );
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 55);
    let staff = token_for(&store, Role::Supervisor).await;
    let (_, report) = send(&app, get_as("/api/v1/pledge/compliance?force=kent&month=2024-10", &staff)).await;
    assert_eq!(report["commitments"][0]["breaches"], serde_json::json!(["c-11s", "c-abandoned"]));
    // A body that is not text at all is refused as such, and changes nothing.
    let mut req = post("", Some(TOKEN));
    *req.body_mut() = Body::from(vec![b'{', 0xff, 0xfe, b'}']);
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().is_some_and(|m| m.contains("not UTF-8")), "{body}");
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 55);
}

async fn ingestion_needs_the_token(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let line = FIXTURE.lines().next().expect("line");
    // A shared token when none is configured: refused as any wrong
    // credential is (401, never a server error), saying why.
    let (status, body) = send(&app(&store, None), post(line, Some(TOKEN))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"].as_str().is_some_and(|m| m.contains("PEEL_INGEST_TOKEN")), "{body}");
    let app = app(&store, Some(TOKEN));
    let res = app.clone().oneshot(post(line, None)).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers().get(header::WWW_AUTHENTICATE).map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
    assert_eq!(send(&app, post(line, Some("guess"))).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(store.pledge().pledge_event_count(None).await.expect("count"), 0);
}

async fn compliance_parameters_are_checked(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, None);
    for (uri, status) in [
        ("/api/v1/pledge/compliance?month=2024-10", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/compliance?force=kent", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/compliance?force=kent&month=2024-13", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/compliance?force=gotham&month=2024-10", StatusCode::NOT_FOUND),
        ("/api/v1/pledge/compliance?force=kent&month=2024-10&neighbourhood=nowhere", StatusCode::NOT_FOUND),
    ] {
        let (got, body) = send(&app, get(uri)).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body["error"].is_string(), "{uri}: {body}");
    }
    // No events: every commitment is listed with nothing eligible, except
    // that each neighbourhood owed a public meeting and held none.
    let auditor = token_for(&store, Role::Auditor).await;
    let (status, report) = send(&app, get_as("/api/v1/pledge/compliance?force=kent&month=2024-10", &auditor)).await;
    assert_eq!(status, StatusCode::OK);
    for f in report["commitments"].as_array().expect("list") {
        if f["id"] == "public-meetings" {
            assert_eq!(
                (&f["eligible"], &f["met"], &f["percent"]),
                (&Value::from(2), &Value::from(0), &Value::from(0.0))
            );
            assert_eq!(f["breaches"], serde_json::json!(["marsh", "town"]));
        } else {
            assert_eq!((&f["eligible"], &f["percent"]), (&Value::from(0), &Value::Null), "{f}");
        }
    }
}

async fn the_app_serves_the_pledge_routes(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let app = peel_web::app(AppState { store, index: peel_web::SharedIndex::default() });
    let (status, report) = send(&app, get("/api/v1/pledge/compliance?force=kent&month=2024-10")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["commitments"][5]["id"], "team-visibility");
}

async fn breaches_need_a_staff_token(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    let uri = "/api/v1/pledge/compliance?force=kent&month=2024-10";
    // A wrong token is refused, not quietly answered as if public.
    let (status, body) = send(&app, get_as(uri, "peel_not-a-real-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let feed = token_for(&store, Role::EventFeed).await;
    let (status, body) = send(&app, get_as(uri, &feed)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().is_some_and(|m| m.contains("breached")), "{body}");
    let (status, body) = send(&app, get_as(uri, TOKEN)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the ingest token only sends events: {body}");
    let denied = store.audit().search_audit(&Default::default()).await.expect("audit");
    assert!(denied.iter().any(|e| e.action == "access.denied"), "refusals are audited");
}

async fn local_standards_over_http(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    let (status, body) = send(&app, get("/api/v1/pledge/standards?force=kent&neighbourhood=marsh")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["neighbourhood"], "marsh");
    assert_eq!(body["standards"].as_array().map(Vec::len), Some(9));
    assert_eq!(body["standards"][0]["version"], "national-2008");
    for (uri, status) in [
        ("/api/v1/pledge/standards", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/standards?force=gotham", StatusCode::NOT_FOUND),
        ("/api/v1/pledge/standards?force=kent&neighbourhood=nowhere", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(send(&app, get(uri)).await.0, status, "{uri}");
    }

    let stricter = marsh_agreement();
    let (status, _) = send(&app, post_json("/api/v1/pledge/standards", &stricter, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let officer = token_for(&store, Role::Officer).await;
    let (status, body) = send(&app, post_json("/api/v1/pledge/standards", &stricter, Some(&officer))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let admin = token_for(&store, Role::Administrator).await;
    let (status, body) = send(&app, post_json("/api/v1/pledge/standards", &stricter, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["standards"][4]["version"], "marsh-agreement-2024");
    // The force level is untouched; the neighbourhood's figure names it.
    let (_, force) = send(&app, get("/api/v1/pledge/standards?force=kent")).await;
    assert_eq!(force["standards"][4]["version"], "national-2008");
    let (_, marsh) = send(&app, get("/api/v1/pledge/compliance?force=kent&month=2024-10&neighbourhood=marsh")).await;
    assert_eq!(marsh["commitments"][4]["version"], "marsh-agreement-2024");

    // Refusals: looser than the national 24 hours, wrong kind of limit, no
    // description, bad JSON. (Renegotiating within the national minimum is
    // allowed; every figure names the version it used.)
    let mut looser = stricter.clone();
    looser["standard"]["limit"]["seconds"] = 86_401.into();
    looser["standard"]["version"] = "looser".into();
    let mut wrong_kind = stricter.clone();
    wrong_kind["standard"]["limit"] = serde_json::json!({"kind": "at_least_count", "count": 3});
    let mut undescribed = stricter.clone();
    undescribed["standard"]["description"] = " ".into();
    for (body, status) in [
        (looser, StatusCode::UNPROCESSABLE_ENTITY),
        (wrong_kind, StatusCode::UNPROCESSABLE_ENTITY),
        (undescribed, StatusCode::UNPROCESSABLE_ENTITY),
        (serde_json::json!({"force": "kent"}), StatusCode::BAD_REQUEST),
        (serde_json::json!({"force": "gotham", "standard": stricter["standard"]}), StatusCode::NOT_FOUND),
    ] {
        let (got, answer) = send(&app, post_json("/api/v1/pledge/standards", &body, Some(&admin))).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
    }
    let (_, marsh) = send(&app, get("/api/v1/pledge/standards?force=kent&neighbourhood=marsh")).await;
    assert_eq!(marsh["standards"][4]["limit"]["seconds"], 43200, "refusals changed nothing");

    // Areas.
    let area = serde_json::json!({"force": "kent", "neighbourhood": "town", "area": "rural"});
    let (status, body) = send(&app, post_json("/api/v1/pledge/areas", &area, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(store.pledge().neighbourhood_areas("kent").await.expect("areas")["town"], AreaKind::Rural);
    let bad = serde_json::json!({"force": "kent", "neighbourhood": "town", "area": "suburban"});
    let (status, body) = send(&app, post_json("/api/v1/pledge/areas", &bad, Some(&admin))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(send(&app, post_json("/api/v1/pledge/areas", &area, Some(&officer))).await.0, StatusCode::FORBIDDEN);

    // The administrator's changes (set-up made at the command line is audited too).
    let log = store.audit().search_audit(&Default::default()).await.expect("audit");
    let actions: Vec<&str> = log.iter().filter(|e| e.actor.starts_with("user:")).map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "pledge.standard.set").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "pledge.area.set").count(), 1, "{actions:?}");
}

fn delete(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut req = Request::delete(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    req.body(Body::empty()).expect("request")
}

async fn local_standards_are_withdrawn_over_http(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    setup(&store).await;
    let app = app(&store, Some(TOKEN));
    let admin = token_for(&store, Role::Administrator).await;
    let stricter = marsh_agreement();
    let (status, body) = send(&app, post_json("/api/v1/pledge/standards", &stricter, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uri = "/api/v1/pledge/standards?force=kent&neighbourhood=marsh&commitment=team-message-reply";

    // The same token and permission as setting one.
    let (status, body) = send(&app, delete(uri, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let officer = token_for(&store, Role::Officer).await;
    let (status, body) = send(&app, delete(uri, Some(&officer))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    for (bad, status) in [
        ("/api/v1/pledge/standards?force=kent&neighbourhood=marsh&commitment=999-answered", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/standards?force=kent&neighbourhood=marsh", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/standards?commitment=team-message-reply", StatusCode::BAD_REQUEST),
        ("/api/v1/pledge/standards?force=gotham&commitment=team-message-reply", StatusCode::NOT_FOUND),
        (
            "/api/v1/pledge/standards?force=kent&neighbourhood=nowhere&commitment=team-message-reply",
            StatusCode::NOT_FOUND,
        ),
        // The force level has none of its own: the neighbourhood's is not it.
        ("/api/v1/pledge/standards?force=kent&commitment=team-message-reply", StatusCode::NOT_FOUND),
    ] {
        let (got, answer) = send(&app, delete(bad, Some(&admin))).await;
        assert_eq!(got, status, "{bad}: {answer}");
        assert!(answer["error"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
    }
    let (_, marsh) = send(&app, get("/api/v1/pledge/standards?force=kent&neighbourhood=marsh")).await;
    assert_eq!(marsh["standards"][4]["version"], "marsh-agreement-2024", "refusals changed nothing");

    let (status, body) = send(&app, delete(uri, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["force"].as_str(), body["neighbourhood"].as_str()), (Some("kent"), Some("marsh")));
    assert_eq!(body["standards"][4]["version"], "national-2008");
    let (_, figures) = send(&app, get("/api/v1/pledge/compliance?force=kent&month=2024-10&neighbourhood=marsh")).await;
    assert_eq!(figures["commitments"][4]["version"], "national-2008");

    // Nothing left: 404, saying so.
    let (status, body) = send(&app, delete(uri, Some(&admin))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("no local team-message-reply standard") && message.contains("nothing was changed"),
        "{body}"
    );

    let log = store.audit().search_audit(&Default::default()).await.expect("audit");
    let withdrawals: Vec<_> = log.iter().filter(|e| e.action == "pledge.standard.withdraw").collect();
    assert_eq!(withdrawals.len(), 1, "only the withdrawal that happened is logged");
    let entry = withdrawals[0];
    assert!(entry.actor.contains("administrator@kent.example.org"), "{}", entry.actor);
    assert_eq!(entry.subject, "neighbourhood:kent/marsh");
    let details: Value = serde_json::from_str(&entry.details).expect("details");
    assert_eq!(details["commitment"], "team-message-reply");
    assert_eq!(details["version"], "marsh-agreement-2024");
    assert_eq!(details["now_in_force"], "national-2008");
    assert!(log.iter().any(|e| e.action == "access.denied"), "the officer's refusal is audited");
}

peel_store::on_both_engines!(
    breaches_need_a_staff_token,
    local_standards_over_http,
    local_standards_are_withdrawn_over_http,
    fixture_round_trip,
    json_arrays_are_accepted,
    bad_batches_are_refused_whole,
    ingestion_needs_the_token,
    compliance_parameters_are_checked,
    the_app_serves_the_pledge_routes,
);
