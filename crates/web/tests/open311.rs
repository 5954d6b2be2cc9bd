//! Open311 GeoReport v2 end to end, in-process, on SQLite and PostgreSQL:
//! discovery and services in both formats, reports submitted with an API key
//! by the roles that may record them (and refused for the rest, storing
//! nothing), the public view of a request following its case, and never a
//! person's details in a public answer.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use peel_core::access::{OrgKind, Role};
use peel_core::asb::NewClosure;
use peel_store::asb::Viewer;
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, Engine, Store, UserRecord};
use peel_usecases::accounts::{self, NewAccount};
use peel_web::backoffice::{BackofficeConfig, Clock};
use peel_web::{AppState, app_with_backoffice};
use serde_json::Value;
use tower::ServiceExt;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap()
}

struct Harness {
    _db: TestDatabase,
    store: Store,
    app: Router,
    org_id: i64,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

impl Harness {
    async fn new(engine: Engine) -> Harness {
        let db = TestDatabase::new(engine).await;
        let store = db.store().await;
        let (clock, _manual) = Clock::manual(t0());
        let cfg = BackofficeConfig { clock, ..BackofficeConfig::default() };
        let app =
            app_with_backoffice(AppState { store: store.clone(), index: peel_web::SharedIndex::default() }, None, cfg);
        let org = accounts::add_organisation(
            &store,
            &peel_store::testing::setup_at(t0()),
            "Luton Borough Council",
            OrgKind::Council,
            &peel_store::testing::default_reach("Luton Borough Council", OrgKind::Council),
        )
        .await
        .unwrap();
        Harness { _db: db, store, app, org_id: org.id }
    }

    async fn user(&self, email: &str, role: Role) -> (UserRecord, String) {
        let new = NewAccount {
            email,
            display_name: role.label(),
            organisation_id: self.org_id,
            role,
            password: "correct horse battery staple",
        };
        let user = accounts::add_user(&self.store, &peel_store::testing::setup_at(t0()), &new, &Default::default())
            .await
            .unwrap();
        let token = accounts::issue_api_token(&self.store, &peel_store::testing::setup_at(t0()), &user, "street app")
            .await
            .unwrap()
            .0;
        (user, token)
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let content_type =
            resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply { status, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).header(header::HOST, "peel.example").body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, body: String) -> Reply {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn caller(&self, u: &UserRecord) -> peel_core::access::Caller {
        self.store.accounts().caller_for(u).await.unwrap()
    }

    async fn report_count(&self, u: &UserRecord) -> usize {
        let caller = self.caller(u).await;
        self.store.asb().asb_reports(&Viewer::new(&caller, "testing", t0()).unwrap(), 1000).await.unwrap().len()
    }
}

const SECRET_BITS: &[&str] = &["Jane", "Smith", "jane@example.org", "07700", "shouting", "51.5154", "-0.0922"];

fn good(key: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", key),
        ("service_code", "asb-nuisance"),
        ("lat", "51.5154"),
        ("long", "-0.0922"),
        ("first_name", "Jane"),
        ("last_name", "Smith"),
        ("email", "jane@example.org"),
        ("phone", "07700 900123"),
        ("description", "A group shouting outside every night after midnight"),
        ("attribute[occurred_at]", "2026-08-31T23:30:00+01:00"),
    ]
}

async fn discovery_and_services(engine: Engine) {
    let h = Harness::new(engine).await;
    let d = h.get("/open311/v2/discovery.json").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.content_type, "application/json");
    let d = d.json();
    assert_eq!(d["endpoints"][0]["url"], "http://peel.example/open311/v2");
    assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    let x = h.get("/open311/v2/discovery.xml").await;
    assert!(x.content_type.starts_with("text/xml"));
    assert!(x.body.contains("<formats><format>application/json</format><format>text/xml</format></formats>"));

    let s = h.get("/open311/v2/services.json").await.json();
    let codes: Vec<&str> = s.as_array().unwrap().iter().map(|v| v["service_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["asb-personal", "asb-nuisance", "asb-environmental"]);
    assert_eq!(s[0]["metadata"], true);
    assert_eq!(s[0]["type"], "realtime");
    let x = h.get("/open311/v2/services.xml").await;
    assert!(
        x.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>asb-personal")
    );

    let def = h.get("/open311/v2/services/asb-personal.json").await.json();
    assert_eq!(def["service_code"], "asb-personal");
    let attrs: Vec<&str> = def["attributes"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(attrs, ["occurred_at", "hate_related", "victim_name"]);
    assert_eq!(def["attributes"][1]["values"][0]["key"], "yes");
    let x = h.get("/open311/v2/services/asb-personal.xml").await;
    assert!(x.body.contains("<service_definition><service_code>asb-personal</service_code><attributes><attribute>"));

    for (path, status) in [
        ("/open311/v2/services/potholes.json", StatusCode::NOT_FOUND),
        ("/open311/v2/services.html", StatusCode::NOT_FOUND),
        ("/open311/v2/services", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/12345.json", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/abc.xml", StatusCode::NOT_FOUND),
        ("/open311/v2/tokens/nope.json", StatusCode::NOT_FOUND),
        ("/open311/v2/requests.json?status=pending", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?start_date=yesterday", StatusCode::BAD_REQUEST),
        ("/open311/v2/requests.json?service_code=potholes", StatusCode::BAD_REQUEST),
    ] {
        let r = h.get(path).await;
        assert_eq!(r.status, status, "{path}");
        if path.ends_with(".xml") {
            assert!(r.body.contains("<errors><error><code>404</code><description>"), "{path}: {}", r.body);
        } else {
            let e = r.json();
            assert_eq!(e[0]["code"], status.as_u16(), "{path}");
            assert!(e[0]["description"].as_str().unwrap().len() > 10, "{path}");
        }
    }
}

async fn submit_follow_and_close(engine: Engine) {
    let h = Harness::new(engine).await;
    let (handler, key) = h.user("handler@luton.example", Role::CallHandler).await;
    let (officer, officer_key) = h.user("officer@luton.example", Role::Supervisor).await;

    let r = h.post("/open311/v2/requests.json", form(&good(&key))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = r.json();
    let id = a[0]["service_request_id"].as_str().unwrap().to_string();
    let token = a[0]["token"].as_str().unwrap().to_string();
    assert!(a[0]["service_notice"].as_str().unwrap().contains("Luton Borough Council"));

    // The report is an ordinary ASB report, taken over Open311.
    let officer_caller = h.caller(&officer).await;
    let v = Viewer::new(&officer_caller, "testing", t0()).unwrap();
    let view = h.store.asb().asb_report(id.parse().unwrap(), &v).await.unwrap();
    assert_eq!((view.channel.as_str(), view.category.as_str()), ("open311", "nuisance"));
    assert_eq!(view.occurred_at, "2026-08-31T23:30");
    assert_eq!(view.reporter.as_ref().unwrap().name, "Jane Smith");
    assert_eq!(view.victims[0].name, "Jane Smith");

    // The token finds the request; the public view has no personal data.
    let t = h.get(&format!("/open311/v2/tokens/{token}.json")).await.json();
    assert_eq!(t[0]["service_request_id"], id.as_str());
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
        "/open311/v2/requests.json".to_string(),
        "/open311/v2/requests.xml".to_string(),
    ] {
        let r = h.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains(&id), "{path}");
        for secret in SECRET_BITS {
            assert!(!r.body.contains(secret), "{path} shows {secret}: {}", r.body);
        }
    }
    let one = h.get(&format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], "asb-nuisance");
    assert_eq!(one[0]["agency_responsible"], "Luton Borough Council");
    assert_eq!(one[0]["requested_datetime"], "2026-09-01T08:00:00Z");
    assert!(one[0]["description"].is_null() && one[0]["address"].is_null());

    // A second report, by Bearer header, in XML.
    let second: Vec<(&str, &str)> = good("")
        .into_iter()
        .filter(|(k, _)| *k != "api_key")
        .map(|(k, v)| if k == "service_code" { (k, "asb-personal") } else { (k, v) })
        .collect();
    let r = h
        .send(
            Request::post("/open311/v2/requests.xml")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::AUTHORIZATION, format!("Bearer {officer_key}"))
                .body(Body::from(form(&second)))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<service_requests><request><service_request_id>"), "{}", r.body);
    assert_eq!(h.report_count(&officer).await, 2);

    // Searches: by service, by status, by id.
    let personal = h.get("/open311/v2/requests.json?service_code=asb-personal").await.json();
    assert_eq!(personal.as_array().unwrap().len(), 1);
    let both = h.get(&format!("/open311/v2/requests.json?service_request_id={id},999999")).await.json();
    assert_eq!(both.as_array().unwrap().len(), 1);
    assert_eq!(h.get("/open311/v2/requests.json?status=closed").await.json().as_array().unwrap().len(), 0);
    // Outside the default 90 days: nothing.
    let old = h.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-02-01T00:00:00Z").await;
    assert_eq!(old.json().as_array().unwrap().len(), 0);

    // The status follows the case the report joins.
    let case = h.store.asb().create_asb_case("Shouting outside the flats", &[id.parse().unwrap()], &v).await.unwrap();
    let one = h.get(&format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(one[0]["status"], "open");
    assert!(one[0]["status_notes"].as_str().unwrap().contains("open case"));
    let closure = NewClosure::check("resolved", "The group has moved on after warnings.").unwrap();
    h.store.asb().close_asb_case(case, &closure, &v).await.unwrap();
    let one = h.get(&format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(one[0]["status"], "closed");
    let closed = h.get("/open311/v2/requests.json?status=closed").await.json();
    assert_eq!(closed[0]["service_request_id"], id.as_str());
    assert_eq!(handler.role, Role::CallHandler, "a call handler's key made the first report");
}

async fn refusals_store_nothing(engine: Engine) {
    let h = Harness::new(engine).await;
    let (officer, key) = h.user("officer@luton.example", Role::Officer).await;
    let (_, auditor_key) = h.user("auditor@luton.example", Role::Auditor).await;
    let (_, admin_key) = h.user("admin@luton.example", Role::Administrator).await;

    // No key, a wrong key, and roles that may not record reports: 403.
    let mut no_key = good("");
    no_key.retain(|(k, _)| *k != "api_key");
    for (body, why) in [
        (form(&no_key), "no api_key"),
        (form(&good("peel_not-a-real-token")), "api_key is not a valid"),
        (form(&good(&auditor_key)), "the role auditor may not record reports"),
        (form(&good(&admin_key)), "the role administrator may not record reports"),
    ] {
        let r = h.post("/open311/v2/requests.json", body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{why}");
        let d = r.json()[0]["description"].as_str().unwrap().to_string();
        assert!(d.contains(why.trim_start_matches("no ")), "{why}: {d}");
    }
    let denied = h
        .store
        .audit()
        .search_audit(&AuditQuery { actor: Some("user:auditor@luton.example".into()), ..Default::default() })
        .await
        .unwrap();
    assert!(denied.iter().any(|e| e.action == "access.denied" && e.subject == "route:POST /open311/v2/requests"));

    // Bad input: every problem, named by the parameter sent.
    let r = h
        .post(
            "/open311/v2/requests.json",
            form(&[
                ("api_key", &key),
                ("service_code", "potholes"),
                ("lat", "-0.09"),
                ("long", "51.5"),
                ("email", "jane at example"),
                ("attribute[hate_related]", "perhaps"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let text = r.body.clone();
    for field in ["service_code:", "lat:", "first_name:", "email:", "description:", "attribute[hate_related]:"] {
        assert!(text.contains(field), "{field} missing: {text}");
    }
    // XML errors too, and POST elsewhere is refused.
    let r = h.post("/open311/v2/requests.xml", form(&[("api_key", &key)])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("<errors><error><code>400</code>"));
    let r = h.post("/open311/v2/services.json", form(&good(&key))).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(h.report_count(&officer).await, 0, "refused requests store nothing");
    assert_eq!(h.get("/open311/v2/requests.json").await.json().as_array().unwrap().len(), 0);

    // Reports taken by other channels are never listed.
    let phone = peel_core::asb::RawReport {
        channel: "phone".into(),
        category: "personal".into(),
        occurred_at: "2026-08-31T21:30".into(),
        location: "12 High Street, Luton".into(),
        description: "Threats through the letterbox".into(),
        reporter: peel_core::asb::RawPerson { name: "Sam Patel".into(), ..Default::default() },
        victims: vec![peel_core::asb::RawPerson { name: "Sam Patel".into(), ..Default::default() }],
        ..Default::default()
    }
    .check(t0())
    .unwrap();
    let officer_caller = h.caller(&officer).await;
    let v = Viewer::new(&officer_caller, "testing", t0()).unwrap();
    let phoned = h.store.asb().record_asb_report(&phone, &v).await.unwrap();
    assert_eq!(h.get("/open311/v2/requests.json").await.json().as_array().unwrap().len(), 0);
    assert_eq!(h.get(&format!("/open311/v2/requests/{}.json", phoned.id)).await.status, StatusCode::NOT_FOUND);
}

/// `media_url` is kept on the report for the recording organisation's
/// staff, and never given in a public answer.
async fn media_links_reach_staff_only(engine: Engine) {
    let h = Harness::new(engine).await;
    let (app_user, key) = h.user("app@luton.example", Role::CallHandler).await;
    let link = "https://photos.example.org/ab12/shouting.jpg";
    let mut f = good(&key);
    f.push(("media_url", link));
    let r = h.post("/open311/v2/requests.json", form(&f)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id: i64 = r.json()[0]["service_request_id"].as_str().unwrap().parse().unwrap();
    let app_caller = h.caller(&app_user).await;
    let stored = h.store.asb().asb_report(id, &Viewer::new(&app_caller, "testing", t0()).unwrap()).await.unwrap();
    assert_eq!(stored.media_url.as_deref(), Some(link));
    for path in [format!("/open311/v2/requests/{id}.json"), "/open311/v2/requests.json".to_string()] {
        let public = h.get(&path).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(!public.body.contains("photos.example.org"), "{path}: {}", public.body);
    }
    let xml = h.get(&format!("/open311/v2/requests/{id}.xml")).await;
    assert!(!xml.body.contains("photos.example.org"));
    // Only http and https links, refused by name and nothing stored.
    let before = h.report_count(&app_user).await;
    let mut bad = good(&key);
    bad.push(("media_url", "javascript:alert(1)"));
    let r = h.post("/open311/v2/requests.json", form(&bad)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()[0]["description"].as_str().unwrap().starts_with("media_url:"), "{}", r.body);
    assert_eq!(h.report_count(&app_user).await, before);
}

peel_store::on_both_engines!(
    discovery_and_services,
    submit_follow_and_close,
    refusals_store_nothing,
    media_links_reach_staff_only
);
