//! Community Trigger case reviews end to end, in-process, on SQLite and
//! PostgreSQL: the pages and the bearer API record applications and steps,
//! explain bad input and store nothing then, show what is due and overdue,
//! audit every read, and the public pages publish figures and nothing personal.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_core::trigger::Procedure;
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, Engine, Store};
use peel_usecases::accounts::{self, NewAccount};
use peel_web::backoffice::{BackofficeConfig, Clock, ManualClock};
use peel_web::{AppState, app_with_backoffice};
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::casework::{PASSWORD, encode, t0};

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

struct Harness {
    _db: TestDatabase,
    store: Store,
    app: Router,
    clock: ManualClock,
    cookie: String,
    csrf: String,
    token: String,
}

impl Harness {
    async fn new(engine: Engine) -> Harness {
        let db = TestDatabase::new(engine).await;
        let store = db.store().await;
        let (clock, manual) = Clock::manual(t0());
        let cfg = BackofficeConfig { clock, ..BackofficeConfig::default() };
        let app =
            app_with_backoffice(AppState { store: store.clone(), index: peel_web::SharedIndex::default() }, None, cfg);
        // Luton's partnership first, so the council can be placed in it.
        peel_store::testing::put_luton_partnership(&store).await.unwrap();
        let luton = peel_core::access::Partnership { force_id: "bedfordshire".into(), csp_id: "luton".into() };
        let by = peel_store::testing::setup_at(t0());
        let council = OrgKind::Council;
        let reach = peel_core::access::Reach::Partnerships(vec![luton]);
        let org = accounts::add_organisation(&store, &by, "Luton Borough Council", council, &reach).await.unwrap();
        let new = NewAccount {
            email: "coordinator@example.org",
            display_name: "Casey Coordinator",
            organisation_id: org.id,
            role: Role::AsbCoordinator,
            password: PASSWORD,
        };
        let user = accounts::add_user(&store, &by, &new, &Default::default()).await.unwrap();
        let token = accounts::issue_api_token(&store, &by, &user, "case reviews").await.unwrap().0;
        let mut h = Harness { _db: db, store, app, clock: manual, cookie: String::new(), csrf: String::new(), token };
        h.login().await;
        h
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let cookies: Vec<String> =
            resp.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        let mut body = String::from_utf8_lossy(&bytes).into_owned();
        for c in cookies {
            body.push_str(&format!("\n<!-- set-cookie: {c} -->"));
        }
        Reply { status, location, body }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).header(header::COOKIE, &self.cookie).body(Body::empty()).unwrap()).await
    }

    async fn public(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut f = form.to_vec();
        f.push(("csrf_token", &self.csrf));
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &self.cookie)
            .body(Body::from(encode(&f)))
            .unwrap();
        self.send(req).await
    }

    async fn api(&self, method: &str, path: &str, body: &str) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    async fn login(&mut self) {
        let form = self.public("/login").await;
        let csrf_cookie = form.body.split("peel_login_csrf=").nth(1).unwrap().split(';').next().unwrap().to_string();
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("peel_login_csrf={csrf_cookie}"))
            .body(Body::from(encode(&[
                ("csrf_token", &csrf_cookie),
                ("email", "coordinator@example.org"),
                ("password", PASSWORD),
                ("next", ""),
            ])))
            .unwrap();
        let r = self.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let token = r.body.split("peel_session=").nth(1).unwrap().split(';').next().unwrap().to_string();
        self.cookie = format!("peel_session={token}");
        let home = self.get("/backoffice").await;
        assert!(home.body.contains("/asb/case-reviews"), "the home page links to case reviews");
        let at = home.body.find("name=\"csrf_token\" value=\"").unwrap() + "name=\"csrf_token\" value=\"".len();
        self.csrf = home.body[at..at + home.body[at..].find('"').unwrap()].to_string();
    }

    async fn actions(&self) -> Vec<(String, String)> {
        let q = AuditQuery { limit: Some(1000), ..Default::default() };
        self.store.audit().search_audit(&q).await.unwrap().into_iter().rev().map(|e| (e.action, e.subject)).collect()
    }

    async fn count(&self) -> usize {
        self.store.trigger().case_review_facts("bedfordshire", "luton").await.unwrap().len()
    }
}

fn application_form<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("csp", "bedfordshire/luton"),
        ("received_on", "2026-08-20"),
        ("applicant_name", "Jo Bloggs"),
        ("applicant_contact", "07700 900123"),
        ("summary", "Threats and loud music from the flat above"),
        ("c1-complainant", "Jo Bloggs"),
        ("c1-agency", "Luton Borough Council"),
        ("c1-incident", "Ref 77"),
        ("c1-behaviour_on", "2026-08-01"),
        ("c1-complained_on", "2026-08-02"),
        // Row 2 left empty; the same incident told to the police in row 3.
        ("c3-complainant", "Jo Bloggs"),
        ("c3-agency", "Bedfordshire Police"),
        ("c3-incident", "REF-77"),
        ("c3-behaviour_on", "2026-08-01"),
        ("c3-complained_on", "2026-08-03"),
        ("c4-complainant", "Jo Bloggs"),
        ("c4-agency", "Luton Homes"),
        ("c4-incident", "LH-2"),
        ("c4-behaviour_on", "2026-08-10"),
        ("c4-complained_on", "2026-08-11"),
        ("c5-complainant", "Jo Bloggs"),
        ("c5-agency", "Luton Homes"),
        ("c5-incident", "LH-3"),
        ("c5-behaviour_on", "2026-08-12"),
        ("c5-complained_on", "2026-08-12"),
    ]
}

fn with<'a>(mut form: Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

async fn pages_record_an_application_and_each_step(engine: Engine) {
    let mut h = Harness::new(engine).await;
    let form = h.get("/asb/case-reviews/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<label for=\"applicant_name\">"));
    assert!(form.body.contains("value=\"bedfordshire/luton\""));

    // Bad input: every problem is explained, linked, and nothing is stored.
    let bad = with(with(application_form(), "applicant_name", "Anonymous"), "c4-behaviour_on", "last week");
    let r = h.post("/asb/case-reviews", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("There is a problem"));
    assert!(r.body.contains("href=\"#c4-behaviour_on\""), "{}", r.body);
    assert!(r.body.contains("value=\"last week\""), "what was typed is kept");
    let r = h.post("/asb/case-reviews", &with(application_form(), "applicant_name", "Anonymous")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#applicant_name\"") && r.body.contains("cannot be anonymous"));
    let r = h.post("/asb/case-reviews", &with(application_form(), "c5-complained_on", "2026-08-11")).await;
    assert!(r.body.contains("href=\"#c5-complained_on\""), "the row typed in, not the complaint's number");
    let r = h.post("/asb/case-reviews", &with(application_form(), "on_behalf_of", "Sam Bloggs")).await;
    assert!(r.body.contains("href=\"#consent\""));
    let r = h.post("/asb/case-reviews", &with(application_form(), "csp", "")).await;
    assert!(r.body.contains("href=\"#csp\""));
    assert_eq!(h.count().await, 0);
    assert!(!h.actions().await.iter().any(|(a, _)| a == "case_review.create"));

    // A good application: three incidents, one of them told to two agencies.
    let r = h.post("/asb/case-reviews", &application_form()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location.clone();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let show = h.get(&path).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(show.body.contains("Not decided yet. The rules say: Threshold met"), "{}", show.body);
    assert!(show.body.contains("Counted once with complaint 1"));
    assert!(show.body.contains("3 qualifying incidents (at least 3 needed)"));
    // Received Thursday 20 August 2026: 10 working days (31 August is a bank holiday).
    assert!(show.body.contains("Due by 4 September 2026"), "{}", show.body);
    assert!(h.actions().await.contains(&("case_review.read".into(), format!("case-review:{id}"))));

    // Time passes: the acknowledgement is overdue, in bold.
    h.clock.advance(Duration::days(5));
    h.login().await; // the session ended while idle
    let show = h.get(&path).await;
    assert!(show.body.contains("<strong>Overdue: it was due by 4 September 2026</strong>"), "{}", show.body);
    let list = h.get("/asb/case-reviews").await;
    assert!(list.body.contains("Jo Bloggs") && list.body.contains("<tr class=\"highlight\">"));

    let steps = format!("{path}/steps");
    let r = h.post(&steps, &[("step", "acknowledged"), ("on", "2026-09-07")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the future");
    assert!(r.body.contains("href=\"#acknowledged-on\""));
    let r = h.post(&steps, &[("step", "acknowledged"), ("on", "2026-09-04")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = h.post(&steps, &[("step", "decided"), ("on", "2026-09-04"), ("threshold_met", "not-met")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("href=\"#decided-reason\""));
    let r = h.post(&steps, &[("step", "decided"), ("on", "2026-09-04"), ("threshold_met", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = h.post(&steps, &[("step", "meeting"), ("on", "2026-09-05"), ("notes", "Independent chair")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = h
        .post(
            &steps,
            &[("step", "recommendations"), ("on", "2026-09-06"), ("r1-recipient", "Luton Homes"), ("r1-action", "")],
        )
        .await;
    assert!(r.body.contains("href=\"#recommendations-r1-action\""));
    let r = h
        .post(
            &steps,
            &[
                ("step", "recommendations"),
                ("on", "2026-09-06"),
                ("r1-recipient", "Luton Homes"),
                ("r1-action", "Offer mediation"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let show = h.get(&path).await;
    assert!(show.body.contains("Threshold met (decided 4 September 2026)"));
    assert!(show.body.contains("To Luton Homes: Offer mediation"));
    assert!(show.body.contains("Review meeting held: 5 September 2026. Independent chair"));
    assert!(!show.body.contains("<h2 id=\"record\">"), "nothing left to record (no appeal in the default)");
    assert!(h.get("/asb/case-reviews/999").await.status == StatusCode::NOT_FOUND);
    assert!(h.store.audit().verify_audit().await.unwrap().is_ok());
}

async fn the_api_records_and_explains(engine: Engine) {
    let h = Harness::new(engine).await;
    let good = json!({
        "force": "bedfordshire",
        "csp": "luton",
        "application": {
            "received_on": "2026-08-20",
            "applicant_name": "Jo Bloggs",
            "applicant_contact": "jo@example.org",
            "on_behalf_of": "Sam Bloggs",
            "consent": true,
            "summary": "Harassment",
            "complaints": [
                { "complainant": "Sam Bloggs", "agency": "Bedfordshire Police", "incident": "BP-1",
                  "behaviour_on": "2026-08-01", "complained_on": "2026-08-02", "hate_related": true }
            ]
        }
    });
    for (edit, field) in [
        (json!({ "applicant_name": "" }), "applicant_name"),
        (json!({ "consent": false }), "consent"),
        (json!({ "received_on": "2026-09-02" }), "received_on"),
        (json!({ "complaints": [] }), "complaints"),
    ] {
        let mut body = good.clone();
        for (k, v) in edit.as_object().unwrap() {
            body["application"][k] = v.clone();
        }
        let r = h.api("POST", "/api/v1/asb/case-reviews", &body.to_string()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(r.json()["problems"][0]["field"], field, "{}", r.body);
    }
    let mut unknown = good.clone();
    unknown["application"]["nickname"] = "x".into();
    let r = h.api("POST", "/api/v1/asb/case-reviews", &unknown.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("unknown field"), "{}", r.body);
    let r = h.api("POST", "/api/v1/asb/case-reviews", "{not json").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut elsewhere = good.clone();
    elsewhere["csp"] = "nowhere".into();
    let r = h.api("POST", "/api/v1/asb/case-reviews", &elsewhere.to_string()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "outside the council's partnerships: {}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("bedfordshire/nowhere"), "{}", r.body);
    assert_eq!(h.count().await, 0, "nothing stored");

    // The local example procedure, where one hate incident meets the threshold.
    let r = h.api("GET", "/api/v1/asb/procedures/bedfordshire/luton", "").await;
    assert_eq!(r.json()["default"], true);
    let r = h.api("POST", "/api/v1/asb/procedures/bedfordshire/luton", "{\"version\": 1}").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("not valid JSON of the expected shape"));
    let r = h.api("POST", "/api/v1/asb/procedures/bedfordshire/luton", &Procedure::local_example().to_json()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["current"]["procedure"]["version"], "example-local-1");
    let r = h.api("POST", "/api/v1/asb/procedures/bedfordshire/luton", &Procedure::local_example().to_json()).await;
    assert_eq!(r.json()["problems"][0]["field"], "version", "a version is adopted once");

    let r = h.api("POST", "/api/v1/asb/case-reviews", &good.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["evaluation"]["met_by"], "one-hate-incident");
    assert_eq!(v["procedure_version"], "example-local-1");
    // 3 working days from Thursday 20 August 2026.
    assert_eq!(v["due"][0]["due"], "2026-08-25");
    assert_eq!(v["due"][0]["status"], "overdue");

    let steps = format!("/api/v1/asb/case-reviews/{id}/steps");
    let r = h.api("POST", &steps, r#"{"step": "party", "on": "2026-08-21"}"#).await;
    assert!(r.json()["error"].as_str().unwrap().contains("acknowledged, decided"));
    let r = h.api("POST", &steps, r#"{"step": "decided", "on": "2026-08-21"}"#).await;
    assert!(r.json()["error"].as_str().unwrap().contains("Record the acknowledgement first"), "{}", r.body);
    let r = h.api("POST", &steps, r#"{"step": "acknowledged", "on": "2026-08-21"}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["due"][0]["status"], "done");
    let r = h.api("POST", &steps, r#"{"step": "decided", "on": "2026-08-24", "threshold_met": false}"#).await;
    assert_eq!(r.json()["problems"][0]["field"], "reason");
    let r = h
        .api("POST", &steps, r#"{"step": "decided", "on": "2026-08-24", "threshold_met": false, "reason": "Resolved"}"#)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["decision"]["threshold_met"], false);
    let r = h.api("POST", &steps, r#"{"step": "appeal-lodged", "on": "2026-08-25"}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = h.api("POST", &steps, r#"{"step": "appeal-decided", "on": "2026-08-26", "outcome": "upheld"}"#).await;
    assert_eq!(r.json()["appeal_upheld"], true);

    let r = h.api("GET", &format!("/api/v1/asb/case-reviews/{id}"), "").await;
    assert_eq!(r.json()["applicant"]["name"], "Jo Bloggs");
    let r = h.api("GET", "/api/v1/asb/case-reviews?force=bedfordshire&csp=luton", "").await;
    assert_eq!(r.json()["case_reviews"].as_array().unwrap().len(), 1);
    let r = h.api("GET", "/api/v1/asb/case-reviews?force=bedfordshire", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.api("GET", "/api/v1/asb/case-reviews/999", "").await.status, StatusCode::NOT_FOUND);
    let acts = h.actions().await;
    assert!(acts.contains(&("case_review.read".into(), format!("case-review:{id}"))));
    assert!(acts.contains(&("case_review.list".into(), "csp:bedfordshire/luton".into())));
    assert!(acts.iter().any(|(a, _)| a == "case_review.decide"));
}

async fn public_pages_publish_figures_and_nothing_personal(engine: Engine) {
    let h = Harness::new(engine).await;
    let r = h.public("/community-trigger/bedfordshire/luton").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("At least 3 qualifying complaints about the behaviour"), "the national default");
    assert!(r.body.contains("has not yet published its point of contact"));
    h.store
        .trigger()
        .adopt_procedure(
            "bedfordshire",
            "luton",
            &Procedure::local_example(),
            &peel_store::By { caller: &peel_core::access::Caller::CommandLine, purpose: "testing", at: t0() },
        )
        .await
        .unwrap();
    let created = h.post("/asb/case-reviews", &application_form()).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let steps = format!("{}/steps", created.location);
    h.post(&steps, &[("step", "acknowledged"), ("on", "2026-08-21")]).await;
    h.post(&steps, &[("step", "decided"), ("on", "2026-08-24")]).await;

    let index = h.public("/community-trigger").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.body.contains("href=\"/community-trigger/bedfordshire/luton\""));
    let page = h.public("/community-trigger/bedfordshire/luton").await;
    assert!(page.body.contains("Community Safety Team") && page.body.contains("community.safety@example.gov.uk"));
    // A shared link shows the page's own title and summary.
    assert!(page.body.contains("<meta property=\"og:title\" content=\"Case reviews in "), "{}", page.body);
    assert!(page.body.contains(
        "<meta property=\"og:description\" content=\"How to ask for an anti-social behaviour case review in "
    ));
    assert!(index.body.contains(
        "<meta property=\"og:title\" content=\"Anti-social behaviour case reviews (the Community Trigger)\">"
    ));
    assert!(page.body.contains("1 hate incident or crime in 6 months"));
    assert!(page.body.contains("Appeals are answered no later than 15 working days after the appeal was made"));
    assert!(
        page.body.contains(
            "<th scope=\"row\">2026-27</th><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"
        ),
        "{}",
        page.body
    );
    let data = h.public("/api/v1/community-trigger/bedfordshire/luton").await.json();
    assert_eq!(data["figures"][0]["year"], "2026-27");
    assert_eq!(data["figures"][0]["applications"], 1);
    assert_eq!(data["figures"][0]["threshold_met"], 1);
    assert_eq!(data["procedure"]["version"], "example-local-1");
    let list = h.public("/api/v1/community-trigger").await.json();
    assert_eq!(list["partnerships"][0]["name"], "Luton");
    for body in [&page.body, &data.to_string(), &list.to_string(), &index.body] {
        for personal in ["Jo Bloggs", "07700", "Ref 77", "Threats"] {
            assert!(!body.contains(personal), "{personal} published");
        }
    }
    assert_eq!(h.public("/community-trigger/bedfordshire/nowhere").await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.public("/api/v1/community-trigger/bedfordshire/nowhere").await.status, StatusCode::NOT_FOUND);
    // Public pages are not back-office pages: no session needed, nothing audited.
    let before = h.actions().await.len();
    h.public("/community-trigger/bedfordshire/luton").await;
    assert_eq!(h.actions().await.len(), before);
}

peel_store::on_both_engines!(
    pages_record_an_application_and_each_step,
    the_api_records_and_explains,
    public_pages_publish_figures_and_nothing_personal,
);
