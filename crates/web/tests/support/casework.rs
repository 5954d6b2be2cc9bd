//! A back-office harness for casework tests: the whole app over a fresh
//! database with a manual clock, people signed in both ways (a browser
//! session with its CSRF token, and an API token), and one-line requests.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use peel_core::access::{OrgKind, Role};
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, Engine, Store};
use peel_usecases::accounts::{self, NewAccount};
use peel_web::backoffice::{BackofficeConfig, Clock, ManualClock};
use peel_web::{AppState, app_with_backoffice};
use serde_json::Value;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub cookies: Vec<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn cookie(&self, name: &str) -> String {
        self.cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap_or("").to_string()))
            .unwrap_or_else(|| panic!("no {name} cookie"))
    }
}

pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub struct Harness {
    _db: TestDatabase,
    pub store: Store,
    pub app: Router,
    pub clock: ManualClock,
}

pub fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

pub fn csrf_in(body: &str) -> String {
    let key = "name=\"csrf_token\" value=\"";
    let at = body.find(key).expect("a CSRF field") + key.len();
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

impl Harness {
    pub async fn new(engine: Engine) -> Harness {
        Harness::with(engine, |cfg| cfg).await
    }

    /// With back-office settings changed from the defaults (the clock is
    /// always the harness's manual one).
    pub async fn with(engine: Engine, settings: impl FnOnce(BackofficeConfig) -> BackofficeConfig) -> Harness {
        let db = TestDatabase::new(engine).await;
        let store = db.store().await;
        let (clock, manual) = Clock::manual(t0());
        let cfg = settings(BackofficeConfig { clock, ..BackofficeConfig::default() });
        let app =
            app_with_backoffice(AppState { store: store.clone(), index: peel_web::SharedIndex::default() }, None, cfg);
        Harness { _db: db, store, app, clock: manual }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        token: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}")).header(header::CONTENT_TYPE, "application/json");
        }
        let resp = self.app.clone().oneshot(b.body(Body::from(body.to_string())).unwrap()).await.unwrap();
        let status = resp.status();
        let location =
            resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let cookies =
            resp.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply { status, location, cookies, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn page(&self, b: &Browser, path: &str) -> Reply {
        self.send(Method::GET, path, Some(&b.cookie), None, "").await
    }

    pub async fn submit(&self, b: &Browser, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut f = form.to_vec();
        f.push(("csrf_token", &b.csrf));
        self.send(Method::POST, path, Some(&b.cookie), None, &encode(&f)).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(Method::GET, path, None, Some(token), "").await
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        self.post_text(token, path, &body.to_string()).await
    }

    /// A POST whose body is sent as it is (a document, or broken JSON).
    pub async fn post_text(&self, token: &str, path: &str, body: &str) -> Reply {
        self.send(Method::POST, path, None, Some(token), body).await
    }

    /// An organisation at its test default reach (a force named as police.uk
    /// names it is placed there; any other in no partnership yet).
    pub async fn org(&self, name: &str, kind: OrgKind) -> i64 {
        let reach = peel_store::testing::default_reach(name, kind);
        accounts::add_organisation(&self.store, &peel_store::testing::setup_at(t0()), name, kind, &reach)
            .await
            .unwrap()
            .id
    }

    /// Places a partner organisation in the partnership `force/csp`.
    pub async fn join(&self, org: i64, force_id: &str, csp_id: &str) {
        let p = peel_core::access::Partnership { force_id: force_id.into(), csp_id: csp_id.into() };
        peel_store::testing::place(&self.store, org, peel_core::access::Reach::Partnerships(vec![p])).await;
    }

    /// A user, signed in both ways: a browser session and an API token.
    pub async fn user(&self, org: i64, email: &str, role: Role) -> (Browser, String) {
        let new = NewAccount { email, display_name: email, organisation_id: org, role, password: PASSWORD };
        let by = peel_store::testing::setup_at(t0());
        let u = accounts::add_user(&self.store, &by, &new, &Default::default()).await.unwrap();
        let token = accounts::issue_api_token(&self.store, &by, &u, "t").await.unwrap().0;
        (self.sign_in(email).await, token)
    }

    /// A fresh browser session for `email`.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let form = self.send(Method::GET, "/login", None, None, "").await;
        let login_csrf = form.cookie("peel_login_csrf");
        let r = self
            .send(
                Method::POST,
                "/login",
                Some(&format!("peel_login_csrf={login_csrf}")),
                None,
                &encode(&[("csrf_token", &login_csrf), ("email", email), ("password", PASSWORD), ("next", "")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let cookie = format!("peel_session={}", r.cookie("peel_session"));
        let home = self.send(Method::GET, "/backoffice", Some(&cookie), None, "").await;
        Browser { csrf: csrf_in(&home.body), cookie }
    }

    pub async fn count(&self, table: &str) -> i64 {
        let n = self.store.execute_raw_sql_for_tests(&format!("UPDATE {table} SET id = id")).await.unwrap();
        i64::try_from(n).unwrap()
    }

    pub async fn audit(&self, actor: &str) -> Vec<(String, String, String)> {
        let q = AuditQuery { actor: Some(actor.into()), limit: Some(1000), ..Default::default() };
        let mut v: Vec<_> = self
            .store
            .audit()
            .search_audit(&q)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.subject, e.purpose))
            .collect();
        v.reverse();
        v
    }
}
