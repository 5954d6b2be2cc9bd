//! The back office end to end, in-process, on SQLite and PostgreSQL:
//! sign-in, lock-out, sessions, CSRF, bearer tokens, the route × role
//! matrix, and the audit entries that reads of personal data leave.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::Duration;
use peel_core::access::{OrgKind, Role};
use peel_store::testing::TestDatabase;
use peel_store::{AuditQuery, Engine, Store, UserRecord};
use peel_usecases::accounts::{self, NewAccount};
use peel_web::backoffice::{BackofficeConfig, Clock, ManualClock};
use peel_web::{AppState, app_with_backoffice};
use tower::ServiceExt;

mod support;
use support::casework::{PASSWORD, encode, t0};

fn by() -> peel_store::By<'static> {
    peel_store::By { caller: &peel_core::access::Caller::CommandLine, purpose: "testing", at: t0() }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let (k, rest) = c.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
        })
    }

    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf_token\" value=\"").expect("a CSRF field on the page");
        let rest = &self.body[at + "name=\"csrf_token\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Clone, Debug)]
struct Browser {
    cookie: String,
    csrf: String,
}

struct Harness {
    _db: TestDatabase,
    store: Store,
    app: Router,
    clock: ManualClock,
    org_id: i64,
}

impl Harness {
    async fn new(engine: Engine) -> Harness {
        Harness::with(engine, |_| {}).await
    }

    async fn with(engine: Engine, tweak: impl FnOnce(&mut BackofficeConfig)) -> Harness {
        let db = TestDatabase::new(engine).await;
        let store = db.store().await;
        let (clock, manual) = Clock::manual(t0());
        let mut cfg = BackofficeConfig { clock, ..BackofficeConfig::default() };
        tweak(&mut cfg);
        let app =
            app_with_backoffice(AppState { store: store.clone(), index: peel_web::SharedIndex::default() }, None, cfg);
        let org = accounts::add_organisation(
            &store,
            &peel_store::testing::setup_at(t0()),
            "Bedfordshire Police",
            OrgKind::Force,
            &peel_store::testing::default_reach("Bedfordshire Police", OrgKind::Force),
        )
        .await
        .unwrap();
        Harness { _db: db, store, app, clock: manual, org_id: org.id }
    }

    async fn user(&self, email: &str, role: Role) -> UserRecord {
        self.user_in(self.org_id, email, role).await
    }

    /// An organisation besides the harness's, at its test default reach.
    async fn org(&self, name: &str, kind: OrgKind) -> i64 {
        let reach = peel_store::testing::default_reach(name, kind);
        accounts::add_organisation(&self.store, &peel_store::testing::setup_at(t0()), name, kind, &reach)
            .await
            .unwrap()
            .id
    }

    async fn user_in(&self, org: i64, email: &str, role: Role) -> UserRecord {
        let new = NewAccount {
            email,
            display_name: &format!("{} person", role.label()),
            organisation_id: org,
            role,
            password: PASSWORD,
        };
        accounts::add_user(&self.store, &peel_store::testing::setup_at(t0()), &new, &Default::default()).await.unwrap()
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(encode(form))).unwrap()).await
    }

    async fn api_post(&self, path: &str, token: Option<&str>, body: &str) -> Reply {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-ndjson");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap()).await
    }

    async fn api(&self, path: &str, token: Option<&str>) -> Reply {
        let mut b = Request::get(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    async fn api_send(&self, method: &Method, path: &str, token: Option<&str>, json: &str) -> Reply {
        if *method == Method::GET {
            return self.api(path, token).await;
        }
        let mut b =
            Request::builder().method(method.clone()).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(json.to_string())).unwrap()).await
    }

    /// Fills in the sign-in form as a browser would.
    async fn try_login(&self, email: &str, password: &str) -> Reply {
        let form = self.get("/login", None).await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf_cookie = form.cookie("peel_login_csrf").expect("login CSRF cookie");
        assert_eq!(form.csrf(), csrf_cookie);
        self.post(
            "/login",
            Some(&format!("peel_login_csrf={csrf_cookie}")),
            &[("csrf_token", &csrf_cookie), ("email", email), ("password", password), ("next", "")],
        )
        .await
    }

    async fn login(&self, email: &str) -> Browser {
        let r = self.try_login(email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let token = r.cookie("peel_session").expect("session cookie");
        let cookie = format!("peel_session={token}");
        let home = self.get("/backoffice", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        Browser { csrf: home.csrf(), cookie }
    }

    async fn token(&self, user: &UserRecord) -> String {
        accounts::issue_api_token(&self.store, &peel_store::testing::setup_at(t0()), user, "test token")
            .await
            .unwrap()
            .0
    }

    async fn audit_actions(&self, actor: &str) -> Vec<(String, String)> {
        let q = AuditQuery { actor: Some(actor.into()), limit: Some(1000), ..Default::default() };
        let mut v: Vec<_> =
            self.store.audit().search_audit(&q).await.unwrap().into_iter().map(|e| (e.action, e.subject)).collect();
        v.reverse();
        v
    }
}

fn error_message(body: &str) -> String {
    let at = body.find("<strong>Error:</strong>").expect("an error message");
    body[at..body[at..].find("</p>").unwrap() + at].to_string()
}

// ---- sign-in, lock-out, sessions ------------------------------------------

async fn sign_in_and_out(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("officer@example.org", Role::Officer).await;
    let r = h.try_login("OFFICER@example.org", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/backoffice");
    let session = r.set_cookies().into_iter().find(|c| c.starts_with("peel_session=")).unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "Secure only when configured");
    let token = r.cookie("peel_session").unwrap();
    assert_eq!(token.len(), 64, "256 random bits in hex");

    let b = h.login("officer@example.org").await;
    let home = h.get("/backoffice", Some(&b.cookie)).await;
    assert!(home.body.contains("Officer person") && home.body.contains("Bedfordshire Police"));
    // Pages holding a CSRF token are never compressed (BREACH).
    let gz = h
        .send(
            Request::get("/backoffice")
                .header(header::COOKIE, &b.cookie)
                .header(header::ACCEPT_ENCODING, "gzip, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert_eq!(gz.headers.get(header::CONTENT_ENCODING).unwrap(), "identity");
    assert!(gz.body.contains("Officer person"), "plain HTML");
    assert!(home.body.contains("<label for=\"") || home.body.contains("<h1>Your account</h1>"));

    let out = h.post("/logout", Some(&b.cookie), &[("csrf_token", &b.csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(out.set_cookies().iter().any(|c| c.starts_with("peel_session=;") && c.contains("Max-Age=0")));
    let after = h.get("/backoffice", Some(&b.cookie)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session is gone from the database");

    let actions = h.audit_actions("user:officer@").await;
    assert!(actions.contains(&("auth.login".into(), "user:1".into())), "{actions:?}");
    assert!(actions.iter().any(|(a, _)| a == "auth.logout"));
}

async fn secure_cookies_when_configured(engine: Engine) {
    let h = Harness::with(engine, |c| c.secure_cookies = true).await;
    h.user("officer@example.org", Role::Officer).await;
    let r = h.try_login("officer@example.org", PASSWORD).await;
    assert!(r.set_cookies().iter().all(|c| c.contains("; Secure")), "{:?}", r.set_cookies());
}

async fn one_message_for_every_failure(engine: Engine) {
    let h = Harness::new(engine).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    let disabled = h.user("gone@example.org", Role::Officer).await;
    h.store.accounts().set_user_disabled(disabled.id, true, &by()).await.unwrap();
    let wrong = h.try_login("officer@example.org", "not the password at all").await;
    let unknown = h.try_login("nobody@example.org", PASSWORD).await;
    let off = h.try_login("gone@example.org", PASSWORD).await;
    let blank = h.try_login("", "").await;
    for r in [&wrong, &unknown, &off, &blank] {
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.cookie("peel_session").is_none());
        assert!(r.body.contains("There is a problem"));
    }
    let m = error_message(&wrong.body);
    assert_eq!(m, error_message(&unknown.body));
    assert_eq!(m, error_message(&off.body));
    assert_eq!(m, error_message(&blank.body));
    assert!(!wrong.body.contains("not the password"), "the password is never echoed");
    assert_eq!(h.store.accounts().user(u.id).await.unwrap().unwrap().login.failed_attempts, 1);
}

async fn lock_out_after_five_failures(engine: Engine) {
    let h = Harness::new(engine).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    for i in 0..4 {
        h.try_login("officer@example.org", "wrong password, again").await;
        h.clock.advance(Duration::minutes(1));
        assert!(
            !h.store.accounts().user(u.id).await.unwrap().unwrap().login.is_locked(t0() + Duration::minutes(i + 1))
        );
    }
    let fifth = h.try_login("officer@example.org", "wrong password, again").await;
    let locked = h.try_login("officer@example.org", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::OK, "the right password is refused while locked");
    assert!(locked.cookie("peel_session").is_none());
    assert_eq!(error_message(&locked.body), error_message(&fifth.body), "no hint that the account is locked");
    h.clock.advance(Duration::minutes(14));
    assert!(h.try_login("officer@example.org", PASSWORD).await.cookie("peel_session").is_none());
    h.clock.advance(Duration::minutes(1));
    let ok = h.try_login("officer@example.org", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "15 minutes after the fifth failure");
    assert_eq!(h.store.accounts().user(u.id).await.unwrap().unwrap().login, Default::default());
    let actions = h.audit_actions("anonymous").await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "auth.locked").count(), 1);
    assert_eq!(actions.iter().filter(|(a, _)| a == "auth.login_failed").count(), 7);
}

/// One address trying passwords on many accounts is slowed down, whatever
/// the accounts: the lock-out only protects one account at a time.
async fn sign_in_attempts_are_limited_per_address(engine: Engine) {
    use peel_web::rate_limit::{Limiter, RateLimit};
    let h = Harness::with(engine, |c| {
        c.sign_in_limit = Some(Limiter::new(RateLimit { per_second: 0.001, burst: 3.0 }));
    })
    .await;
    let u = h.user("officer@example.org", Role::Officer).await;
    for email in ["a@example.org", "b@example.org", "c@example.org"] {
        let r = h.try_login(email, "a guess at someone's password").await;
        assert_eq!(r.status, StatusCode::OK, "{email}: an ordinary refusal");
    }
    // The fourth attempt, even with the right password, waits.
    let r = h.try_login("officer@example.org", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("too many attempts to sign in from your network"), "{}", r.body);
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert!(r.cookie("peel_session").is_none());
    // Throttling counts against no account, and is audited once per address
    // and window, when the window ends (tests/hardening.rs).
    assert_eq!(h.store.accounts().user(u.id).await.unwrap().unwrap().login, Default::default());
    let actions = h.audit_actions("anonymous").await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "auth.throttled").count(), 0);
    assert_eq!(actions.iter().filter(|(a, _)| a == "auth.login_failed").count(), 3);
    h.clock.advance(Duration::minutes(peel_web::backoffice::throttle_log::WINDOW_MINUTES));
    h.try_login("officer@example.org", PASSWORD).await;
    let actions = h.audit_actions("anonymous").await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "auth.throttled").count(), 1);
}

async fn parallel_guesses_cannot_pass_the_limit(engine: Engine) {
    let h = Harness::new(engine).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    let c = h.get("/login", None).await.cookie("peel_login_csrf").unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let app = h.app.clone();
        let guess = format!("wrong guess number {i}");
        let body = encode(&[("csrf_token", &c), ("email", "officer@example.org"), ("password", &guess), ("next", "")]);
        let req = Request::post("/login")
            .header(header::COOKIE, format!("peel_login_csrf={c}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        tasks.push(tokio::spawn(async move { app.oneshot(req).await.unwrap().status() }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert!(h.store.accounts().user(u.id).await.unwrap().unwrap().login.is_locked(t0()));
    let q = AuditQuery { actor: Some("anonymous".into()), limit: Some(100), ..Default::default() };
    let failed: Vec<_> = h
        .store
        .audit()
        .search_audit(&q)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 12);
    let checked = failed.iter().filter(|e| !e.details.contains("refused")).count();
    assert_eq!(checked, 5, "only 5 passwords were checked; the rest were refused unchecked");
}

async fn an_administrator_reset_clears_a_lock(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("admin@example.org", Role::Administrator).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    for _ in 0..5 {
        h.try_login("officer@example.org", "wrong password, again").await;
    }
    let admin = h.login("admin@example.org").await;
    let list = h.get("/admin/users", Some(&admin.cookie)).await;
    assert!(list.body.contains("Locked after failed sign-ins"));
    let new_pw = "a brand new passphrase";
    let r = h
        .post(
            &format!("/admin/users/{}/reset", u.id),
            Some(&admin.cookie),
            &[("csrf_token", &admin.csrf), ("password", new_pw)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(h.try_login("officer@example.org", new_pw).await.status, StatusCode::SEE_OTHER);
}

async fn sessions_expire(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("officer@example.org", Role::Officer).await;
    let b = h.login("officer@example.org").await;
    // In use every 55 minutes, the session lasts its full 8 hours and no longer.
    for _ in 0..8 {
        h.clock.advance(Duration::minutes(55));
        assert_eq!(h.get("/backoffice", Some(&b.cookie)).await.status, StatusCode::OK);
    }
    h.clock.advance(Duration::minutes(39) + Duration::seconds(59));
    assert_eq!(h.get("/backoffice", Some(&b.cookie)).await.status, StatusCode::OK);
    h.clock.advance(Duration::seconds(1));
    let r = h.get("/backoffice", Some(&b.cookie)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=/backoffice");
    let forged = h.get("/backoffice", Some("peel_session=00112233")).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);

    // Left alone for an hour, a session ends.
    let b = h.login("officer@example.org").await;
    h.clock.advance(Duration::minutes(59));
    assert_eq!(h.get("/backoffice", Some(&b.cookie)).await.status, StatusCode::OK);
    h.clock.advance(Duration::minutes(60));
    assert_eq!(h.get("/backoffice", Some(&b.cookie)).await.status, StatusCode::SEE_OTHER);
}

async fn disabling_ends_sessions(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("admin@example.org", Role::Administrator).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    let officer = h.login("officer@example.org").await;
    let admin = h.login("admin@example.org").await;
    let r =
        h.post(&format!("/admin/users/{}/disable", u.id), Some(&admin.cookie), &[("csrf_token", &admin.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(h.get("/backoffice", Some(&officer.cookie)).await.status, StatusCode::SEE_OTHER);
    let me = h.store.accounts().user_by_email("admin@example.org").await.unwrap().unwrap();
    let own =
        h.post(&format!("/admin/users/{}/disable", me.id), Some(&admin.cookie), &[("csrf_token", &admin.csrf)]).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST, "no locking oneself out");
}

async fn next_stays_on_this_site(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("auditor@example.org", Role::Auditor).await;
    let anon = h.get("/audit?actor=x", None).await;
    assert_eq!(anon.location(), "/login?next=/audit%3Factor%3Dx");
    let form = h.get("/login", None).await;
    let c = form.cookie("peel_login_csrf").unwrap();
    for (next, expect) in [
        ("/audit?actor=x", "/audit?actor=x"),
        ("//evil.example/", "/backoffice"),
        ("https://evil.example", "/backoffice"),
    ] {
        let r = h
            .post(
                "/login",
                Some(&format!("peel_login_csrf={c}")),
                &[("csrf_token", &c), ("email", "auditor@example.org"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(r.location(), expect);
    }
}

async fn people_change_their_own_password(engine: Engine) {
    let h = Harness::new(engine).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    let b = h.login("officer@example.org").await;
    let other = h.login("officer@example.org").await;
    let page = h.get("/account/password", Some(&b.cookie)).await;
    assert!(page.body.contains("<label for=\"current_password\">"));
    let new = "a different passphrase";
    let change = |cur: &'static str, new: &'static str, confirm: &'static str| {
        vec![
            ("csrf_token", b.csrf.clone()),
            ("current_password", cur.into()),
            ("new_password", new.into()),
            ("confirm_password", confirm.into()),
        ]
    };
    for (form, field) in [
        (change("wrong current password", new, new), "current_password"),
        (change(PASSWORD, "short", "short"), "new_password"),
        (change(PASSWORD, new, "a different passphrasE"), "confirm_password"),
        (change(PASSWORD, "my officer@example.org pass", "my officer@example.org pass"), "new_password"),
    ] {
        let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = h.post("/account/password", Some(&b.cookie), &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(&format!("href=\"#{field}\"")), "{field}");
    }
    let before = h.store.accounts().user(u.id).await.unwrap().unwrap().password_hash;
    let f: Vec<(String, String)> = change(PASSWORD, new, new).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = h.post("/account/password", Some(&b.cookie), &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?changed=1");
    assert!(h.get("/login?changed=1", None).await.body.contains("Your password has been changed"));
    assert_ne!(h.store.accounts().user(u.id).await.unwrap().unwrap().password_hash, before);
    assert_eq!(h.get("/backoffice", Some(&b.cookie)).await.status, StatusCode::SEE_OTHER, "signed out here");
    assert_eq!(h.get("/backoffice", Some(&other.cookie)).await.status, StatusCode::SEE_OTHER, "and everywhere");
    assert!(h.try_login("officer@example.org", PASSWORD).await.cookie("peel_session").is_none());
    assert!(h.try_login("officer@example.org", new).await.cookie("peel_session").is_some());
    let actions = h.audit_actions("user:officer@").await;
    assert!(actions.iter().any(|(a, _)| a == "user.password_change"));
    assert_eq!(actions.iter().filter(|(a, _)| a == "user.password_change_failed").count(), 1);
}

// ---- CSRF ---------------------------------------------------------------

async fn csrf_is_required_on_every_form(engine: Engine) {
    let h = Harness::new(engine).await;
    let admin_user = h.user("admin@example.org", Role::Administrator).await;
    let u = h.user("officer@example.org", Role::Officer).await;
    let admin = h.login("admin@example.org").await;
    let other = h.login("officer@example.org").await;
    let orgs_before = h.store.accounts().organisations().await.unwrap().len();
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/admin/organisations".into(), vec![("name", "Luton Council"), ("kind", "council")]),
        (
            "/admin/users".into(),
            vec![
                ("email", "new@example.org"),
                ("display_name", "New"),
                ("organisation", "1"),
                ("role", "officer"),
                ("password", PASSWORD),
            ],
        ),
        (format!("/admin/users/{}/disable", u.id), vec![]),
        (format!("/admin/users/{}/enable", u.id), vec![]),
        (format!("/admin/users/{}/reset", u.id), vec![("password", "another long password")]),
        (
            "/account/password".into(),
            vec![
                ("current_password", PASSWORD),
                ("new_password", "xyz long password"),
                ("confirm_password", "xyz long password"),
            ],
        ),
        ("/admin/pledge-standards/withdraw".into(), vec![("force", "bedfordshire"), ("commitment", "999-answer")]),
        ("/logout".into(), vec![]),
    ];
    for (path, fields) in &forms {
        let missing = h.post(path, Some(&admin.cookie), fields).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{path} without a token");
        assert!(missing.body.contains("This form has expired"));
        let mut wrong = fields.clone();
        wrong.push(("csrf_token", "0000000000000000000000000000000000000000000000000000000000000000"));
        assert_eq!(h.post(path, Some(&admin.cookie), &wrong).await.status, StatusCode::FORBIDDEN, "{path} wrong token");
        // Another session's token is no good either.
        let mut theirs = fields.clone();
        theirs.push(("csrf_token", &other.csrf));
        assert_eq!(
            h.post(path, Some(&admin.cookie), &theirs).await.status,
            StatusCode::FORBIDDEN,
            "{path} other token"
        );
    }
    assert_eq!(h.store.accounts().organisations().await.unwrap().len(), orgs_before, "nothing was created");
    assert!(h.store.accounts().user_by_email("new@example.org").await.unwrap().is_none());
    assert!(!h.store.accounts().user(u.id).await.unwrap().unwrap().disabled);
    assert_eq!(h.get("/backoffice", Some(&admin.cookie)).await.status, StatusCode::OK, "still signed in");
    let _ = admin_user;
    // With the right token it works (organisations are the installation's administrators').
    h.user("root@example.org", Role::InstallationAdministrator).await;
    let root = h.login("root@example.org").await;
    let ok = h
        .post(
            "/admin/organisations",
            Some(&root.cookie),
            &[("csrf_token", &root.csrf), ("name", "Luton Council"), ("kind", "council")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(h.store.accounts().organisations().await.unwrap().len(), orgs_before + 1);
}

async fn sign_in_needs_its_double_submit_token(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("officer@example.org", Role::Officer).await;
    let fields = [("email", "officer@example.org"), ("password", PASSWORD)];
    let none = h.post("/login", None, &fields).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    let mut with = fields.to_vec();
    with.push(("csrf_token", "abc"));
    assert_eq!(h.post("/login", Some("peel_login_csrf=abd"), &with).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.post("/login", None, &with).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.post("/login", Some("peel_login_csrf=abc"), &with).await.status, StatusCode::SEE_OTHER);
}

// ---- bearer tokens ---------------------------------------------------------

async fn bearer_tokens(engine: Engine) {
    let h = Harness::new(engine).await;
    let u = h.user("auditor@example.org", Role::Auditor).await;
    let token = h.token(&u).await;
    assert!(token.starts_with("peel_"));
    let me = h.api("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let v: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(v["email"], "auditor@example.org");
    assert_eq!(v["role"], "auditor");
    assert_eq!(v["permissions"], serde_json::json!(["view-own-account", "read-audit-log", "view-pledge-breaches"]));
    assert!(v.get("password_hash").is_none());

    for bad in [None, Some("peel_0000"), Some("")] {
        let r = h.api("/api/v1/me", bad).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert!(r.headers.get(header::WWW_AUTHENTICATE).unwrap().to_str().unwrap().starts_with("Bearer"));
    }
    let basic = h
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Basic {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    // Cookies do not work on the API, and tokens do not work on pages.
    let b = h.login("auditor@example.org").await;
    assert_eq!(h.get("/api/v1/me", Some(&b.cookie)).await.status, StatusCode::UNAUTHORIZED);
    let page = h
        .send(
            Request::get("/backoffice")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let used = h.store.accounts().api_tokens(u.id).await.unwrap();
    assert!(used[0].last_used_at.is_some());
    h.store.accounts().revoke_api_token(used[0].id, &by()).await.unwrap();
    assert_eq!(h.api("/api/v1/me", Some(&token)).await.status, StatusCode::UNAUTHORIZED, "revoked");
    let again = h.token(&u).await;
    h.store.accounts().set_user_disabled(u.id, true, &by()).await.unwrap();
    assert_eq!(h.api("/api/v1/me", Some(&again)).await.status, StatusCode::UNAUTHORIZED, "disabled user");
}

// ---- the route × role matrix ------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Page,
    Api,
    /// A POST to the API; the body is the form's one value.
    ApiPost,
}

/// Whether `path` is an instance of the route `template` (`{…}` matches a
/// number, or a placeholder such as `CLOSE_CASE` filled in per request).
fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    let param = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '_');
    // Force and partnership ids are lower-case slugs.
    let slug = |t: &str, p: &str| matches!(t, "{force}" | "{csp}") && !p.is_empty();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || (t.starts_with('{') && (param(p) || slug(t, p))))
}

/// ASB fixtures for the matrix, recorded by an officer of the harness's
/// organisation (where every matrix user works): a report in a case, a
/// partner organisation to share with, and fresh reports and cases for the
/// rows that use one up (opening a case, closing one).
struct AsbFixtures {
    report: i64,
    case: i64,
    partner_org: i64,
    fresh_reports: Vec<i64>,
    fresh_cases: Vec<i64>,
    /// Closed cases, for the rows that reopen one.
    closed_cases: Vec<i64>,
}

async fn asb_fixtures(h: &Harness, officer: &UserRecord) -> AsbFixtures {
    use peel_core::asb::{RawPerson, RawReport};
    let caller = h.store.accounts().caller_for(officer).await.unwrap();
    let v = peel_store::asb::Viewer::new(&caller, "testing", t0()).unwrap();
    let raw = RawReport {
        channel: "phone".into(),
        category: "nuisance".into(),
        occurred_at: "2026-08-31T20:00".into(),
        location: "Matrix Lane".into(),
        description: "Shouting".into(),
        reporter: RawPerson { name: "A Caller".into(), ..Default::default() },
        victims: vec![RawPerson { name: "A Caller".into(), ..Default::default() }],
        ..Default::default()
    };
    let checked = raw.check(t0()).unwrap();
    let record = async || h.store.asb().record_asb_report(&checked, &v).await.unwrap().id;
    let report = record().await;
    let mut fresh_reports = Vec::new();
    for _ in 0..2 * Role::ALL.len() {
        fresh_reports.push(record().await);
    }
    let mut fresh_cases = Vec::new();
    // Closing, choosing a partnership and reassigning, each on a page and
    // through the API, each taking one case per role.
    for _ in 0..6 * Role::ALL.len() {
        let r = record().await;
        fresh_cases.push(h.store.asb().create_asb_case("To close", &[r], &v).await.unwrap());
    }
    let mut closed_cases = Vec::new();
    let closure = peel_core::asb::NewClosure::check("resolved", "Stopped").unwrap();
    for _ in 0..2 * Role::ALL.len() {
        let r = record().await;
        let c = h.store.asb().create_asb_case("To reopen", &[r], &v).await.unwrap();
        h.store.asb().close_asb_case(c, &closure, &v).await.unwrap();
        closed_cases.push(c);
    }
    let case = h.store.asb().create_asb_case("Matrix case", &[report], &v).await.unwrap();
    let partner_org = accounts::add_organisation(
        &h.store,
        &peel_store::testing::setup_at(t0()),
        "Luton Council",
        OrgKind::Council,
        &peel_store::testing::default_reach("Luton Council", OrgKind::Council),
    )
    .await
    .unwrap()
    .id;
    AsbFixtures { report, case, partner_org, fresh_reports, fresh_cases, closed_cases }
}

async fn route_role_matrix(engine: Engine) {
    use Role::*;
    let h = Harness::new(engine).await;
    let target = h.user("target@example.org", Role::Officer).await;
    let mut browsers = Vec::new();
    let mut tokens = Vec::new();
    for r in Role::ALL {
        let email = format!("{}@example.org", r.slug());
        let u = h.user(&email, *r).await;
        browsers.push((*r, h.login(&email).await));
        tokens.push((*r, h.token(&u).await));
    }
    // The same roles in another force, which reaches none of the above.
    let kent = h.org("Kent Police", OrgKind::Force).await;
    let mut others_browsers = Vec::new();
    let mut others_tokens = Vec::new();
    for r in Role::ALL {
        let email = format!("{}@kent.example.org", r.slug());
        let u = h.user_in(kent, &email, *r).await;
        others_browsers.push((*r, h.login(&email).await));
        others_tokens.push((*r, h.token(&u).await));
    }
    let essex = h.org("Essex Police", OrgKind::Force).await;
    let t = target.id;
    let asb = asb_fixtures(&h, &target).await;
    let (rep, case, partner) = (asb.report, asb.case, asb.partner_org);
    let fresh_reports = std::cell::RefCell::new(asb.fresh_reports.clone());
    let fresh_cases = std::cell::RefCell::new(asb.fresh_cases.clone());
    let closed_cases = std::cell::RefCell::new(asb.closed_cases.clone());
    let heir = h.user("heir@example.org", Role::Officer).await.id;
    let review = case_review_for_matrix(&h).await;
    let every: &[Role] = Role::ALL;
    let recorders: &[Role] = &[CallHandler, Officer, Supervisor, PartnerCaseworker, AsbCoordinator];
    let caseworkers: &[Role] = &[Officer, Supervisor, PartnerCaseworker, AsbCoordinator];
    let supervisors: &[Role] = &[Supervisor, AsbCoordinator];
    let answers = peel_core::asb::RuleSet::shipped().questionnaire.questions;
    let risk_form: Vec<(String, String)> = answers.iter().map(|q| (format!("answers.{}", q.id), "no".into())).collect();
    let risk_json = format!(
        "{{\"answers\": {{{}}}}}",
        answers.iter().map(|q| format!("\"{}\": false", q.id)).collect::<Vec<_>>().join(", ")
    );
    let json = |s: &str| vec![("json".to_string(), s.to_string())];
    let report_json = r#"{"channel": "online", "category": "environmental", "occurred_at": "2026-08-30T10:00",
        "location": "Canal path", "description": "Fly-tipping", "reporter": {"name": "B Walker"},
        "victims": [{"name": "B Walker"}]}"#;
    let kv = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    // (kind, method, path, form, roles allowed, status when allowed). The roles
    // are written out here, not derived from the permission table.
    type Route<'a> = (Kind, Method, String, Vec<(String, String)>, &'a [Role], StatusCode);
    let routes: Vec<Route> = vec![
        (Kind::Page, Method::GET, "/backoffice".into(), vec![], every, StatusCode::OK),
        (Kind::Page, Method::GET, "/admin/organisations".into(), vec![], &[InstallationAdministrator], StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            "/admin/organisations".into(),
            vec![("name".into(), "ORG".into()), ("kind".into(), "council".into())],
            &[InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::GET,
            format!("/admin/organisations/{essex}"),
            vec![],
            &[InstallationAdministrator],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/admin/organisations/{essex}"),
            vec![("force".into(), "essex".into())],
            &[InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::GET,
            "/admin/users".into(),
            vec![],
            &[Administrator, InstallationAdministrator],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::POST,
            "/admin/users".into(),
            vec![
                ("email".into(), "EMAIL".into()),
                ("display_name".into(), "Made in the matrix".into()),
                ("organisation".into(), h.org_id.to_string()),
                ("role".into(), "officer".into()),
                ("password".into(), PASSWORD.into()),
            ],
            &[Administrator, InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/admin/users/{t}/disable"),
            vec![],
            &[Administrator, InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/admin/users/{t}/enable"),
            vec![],
            &[Administrator, InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::GET,
            format!("/admin/users/{t}/reset"),
            vec![],
            &[Administrator, InstallationAdministrator],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/admin/users/{t}/reset"),
            vec![("password".into(), "a fresh long password".into())],
            &[Administrator, InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, "/audit".into(), vec![], &[Auditor], StatusCode::OK),
        (
            Kind::Page,
            Method::GET,
            "/audit?actor=admin&from=2026-01-01&to=2026-12-31".into(),
            vec![],
            &[Auditor],
            StatusCode::OK,
        ),
        (Kind::Api, Method::GET, "/api/v1/me".into(), vec![], every, StatusCode::OK),
        (Kind::Api, Method::GET, "/api/v1/audit".into(), vec![], &[Auditor], StatusCode::OK),
        (Kind::Api, Method::GET, "/api/v1/audit?subject=user:1".into(), vec![], &[Auditor], StatusCode::OK),
        (
            Kind::Api,
            Method::GET,
            "/api/v1/admin/users".into(),
            vec![],
            &[Administrator, InstallationAdministrator],
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::GET,
            "/api/v1/admin/organisations".into(),
            vec![],
            &[InstallationAdministrator],
            StatusCode::OK,
        ),
        // ASB casework.
        (Kind::Page, Method::GET, "/asb/reports/new".into(), vec![], recorders, StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            "/asb/reports".into(),
            kv(&[
                ("channel", "phone"),
                ("category", "nuisance"),
                ("occurred_at", "2026-08-31T20:00"),
                ("location", "Park Street"),
                ("description", "Music at night"),
                ("reporter_name", "C Neighbour"),
                ("reporter_is_victim", "yes"),
            ]),
            recorders,
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, "/asb/reports".into(), vec![], caseworkers, StatusCode::OK),
        (Kind::Page, Method::GET, format!("/asb/reports/{rep}"), vec![], caseworkers, StatusCode::OK),
        (Kind::Page, Method::GET, format!("/asb/reports/{rep}/risk"), vec![], recorders, StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/reports/{rep}/risk"),
            risk_form.clone(),
            recorders,
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, "/asb/cases".into(), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            "/asb/cases".into(),
            kv(&[("title", "Opened in the matrix"), ("report_id", "NEW_REPORT")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, format!("/asb/cases/{case}"), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/reports"),
            kv(&[("link_report_id", &rep.to_string())]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/shares"),
            kv(&[("share_organisation_id", &partner.to_string())]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/unshare"),
            kv(&[("organisation_id", &partner.to_string())]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/actions"),
            kv(&[("action_kind", "visit"), ("action_taken_on", "2026-09-01"), ("action_description", "Visited")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/tools"),
            kv(&[("tool_tool", "warning-letter"), ("tool_used_on", "2026-09-01")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            "/asb/cases/CLOSE_CASE/close".into(),
            kv(&[("close_outcome", "resolved"), ("close_notes", "Stopped")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            "/asb/cases/CLOSE_CASE/reassign".into(),
            kv(&[("reassign_user_id", &heir.to_string()), ("reassign_reason", "Leave")]),
            supervisors,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            "/asb/cases/CLOSED_CASE/reopen".into(),
            kv(&[("reopen_reason", "New reports")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, "/asb/reviews?due_by=2026-12-31".into(), vec![], supervisors, StatusCode::OK),
        (Kind::Api, Method::GET, "/api/v1/asb/rules".into(), vec![], recorders, StatusCode::OK),
        (Kind::Api, Method::POST, "/api/v1/asb/reports".into(), json(report_json), recorders, StatusCode::CREATED),
        (Kind::Api, Method::GET, "/api/v1/asb/reports".into(), vec![], caseworkers, StatusCode::OK),
        (Kind::Api, Method::GET, format!("/api/v1/asb/reports/{rep}"), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/reports/{rep}/risk"),
            json(&risk_json),
            recorders,
            StatusCode::CREATED,
        ),
        (Kind::Api, Method::GET, format!("/api/v1/asb/reports/{rep}/risk"), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/cases".into(),
            json(r#"{"title": "Opened by API", "report_ids": [NEW_REPORT]}"#),
            caseworkers,
            StatusCode::CREATED,
        ),
        (Kind::Api, Method::GET, "/api/v1/asb/cases".into(), vec![], caseworkers, StatusCode::OK),
        (Kind::Api, Method::GET, format!("/api/v1/asb/cases/{case}"), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/reports"),
            json(&format!(r#"{{"report_id": {rep}}}"#)),
            caseworkers,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/shares"),
            json(&format!(r#"{{"organisation_id": {partner}}}"#)),
            caseworkers,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/unshare"),
            json(&format!(r#"{{"organisation_id": {partner}}}"#)),
            caseworkers,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/actions"),
            json(r#"{"kind": "letter", "taken_on": "2026-09-01", "description": "Wrote to the household"}"#),
            caseworkers,
            StatusCode::CREATED,
        ),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/tools"),
            json(r#"{"tool": "community-protection-notice", "used_on": "2026-09-01"}"#),
            caseworkers,
            StatusCode::CREATED,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/cases/CLOSE_CASE/close".into(),
            json(r#"{"outcome": "improved", "notes": "Victim satisfied"}"#),
            caseworkers,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/cases/CLOSE_CASE/reassign".into(),
            json(&format!(r#"{{"user_id": {heir}, "reason": "Caseload"}}"#)),
            supervisors,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/cases/CLOSED_CASE/reopen".into(),
            json(r#"{"reason": "New reports"}"#),
            caseworkers,
            StatusCode::OK,
        ),
        (Kind::Api, Method::GET, "/api/v1/asb/reviews?due_by=2026-12-31".into(), vec![], supervisors, StatusCode::OK),
        // Local ASB service standards.
        (Kind::Page, Method::GET, "/asb/due".into(), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/cases/{case}/contacts"),
            kv(&[
                ("contact_contacted_at", "2026-09-01T07:30"),
                ("contact_method", "phone"),
                ("contact_note", "Rang back"),
            ]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            "/asb/cases/CLOSE_CASE/csp".into(),
            kv(&[("csp", "bedfordshire/luton")]),
            caseworkers,
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/cases/CLOSE_CASE/csp".into(),
            json(r#"{"csp": "bedfordshire/luton"}"#),
            caseworkers,
            StatusCode::OK,
        ),
        (Kind::Api, Method::GET, "/api/v1/asb/due".into(), vec![], caseworkers, StatusCode::OK),
        (Kind::Api, Method::GET, format!("/api/v1/asb/cases/{case}/service"), vec![], caseworkers, StatusCode::OK),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/cases/{case}/contacts"),
            json(r#"{"contacted_at": "2026-09-01T07:45", "method": "visit", "note": "Visited"}"#),
            caseworkers,
            StatusCode::CREATED,
        ),
        (
            Kind::Api,
            Method::GET,
            "/api/v1/asb/standards/bedfordshire/luton".into(),
            vec![],
            caseworkers,
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/standards/bedfordshire/luton".into(),
            json(&peel_core::asb::Standards::national_default().to_json()),
            &[AsbCoordinator],
            StatusCode::CREATED,
        ),
        (Kind::Page, Method::GET, "/asb/case-reviews".into(), vec![], &[AsbCoordinator], StatusCode::OK),
        (Kind::Page, Method::GET, "/asb/case-reviews/new".into(), vec![], &[AsbCoordinator], StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            "/asb/case-reviews".into(),
            case_review_form(),
            &[AsbCoordinator],
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::GET, format!("/asb/case-reviews/{review}"), vec![], &[AsbCoordinator], StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            format!("/asb/case-reviews/{review}/steps"),
            vec![("step".into(), "acknowledged".into()), ("on".into(), "2026-09-01".into())],
            &[AsbCoordinator],
            StatusCode::SEE_OTHER,
        ),
        (Kind::Api, Method::GET, "/api/v1/asb/case-reviews".into(), vec![], &[AsbCoordinator], StatusCode::OK),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/case-reviews".into(),
            vec![("json".into(), case_review_json())],
            &[AsbCoordinator],
            StatusCode::CREATED,
        ),
        (
            Kind::Api,
            Method::GET,
            format!("/api/v1/asb/case-reviews/{review}"),
            vec![],
            &[AsbCoordinator],
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            format!("/api/v1/asb/case-reviews/{review}/steps"),
            vec![("json".into(), r#"{"step": "decided", "on": "2026-09-01"}"#.into())],
            &[AsbCoordinator],
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::GET,
            "/api/v1/asb/procedures/bedfordshire/luton".into(),
            vec![],
            &[AsbCoordinator],
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/procedures/bedfordshire/luton".into(),
            vec![("json".into(), peel_core::trigger::Procedure::local_example().to_json())],
            &[AsbCoordinator],
            StatusCode::CREATED,
        ),
        (
            Kind::ApiPost,
            Method::POST,
            "/api/v1/events".into(),
            vec![("body".into(), EVENT.replace("kent", "bedfordshire"))],
            &[EventFeed],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::GET,
            "/admin/pledge-standards?force=bedfordshire&neighbourhood=luton-north".into(),
            vec![],
            &[Administrator],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::POST,
            "/admin/pledge-standards".into(),
            kv(&[
                ("force", "bedfordshire"),
                ("commitment", "999-answer"),
                ("version", "bedfordshire-2026"),
                ("description", "999 calls are answered within 9 seconds."),
                ("amount", "9"),
                ("unit", "seconds"),
            ]),
            &[Administrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::POST,
            "/admin/pledge-standards/area".into(),
            kv(&[("force", "bedfordshire"), ("neighbourhood", "luton-north"), ("area", "rural")]),
            &[Administrator],
            StatusCode::SEE_OTHER,
        ),
        // Withdraws the force's standard the row above the area's set.
        (
            Kind::Page,
            Method::POST,
            "/admin/pledge-standards/withdraw".into(),
            kv(&[("force", "bedfordshire"), ("commitment", "999-answer")]),
            &[Administrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Page,
            Method::GET,
            "/admin/inspection-grades?force=bedfordshire".into(),
            vec![],
            &[Administrator],
            StatusCode::OK,
        ),
        (
            Kind::Page,
            Method::POST,
            "/admin/inspection-grades".into(),
            kv(&[
                ("force", "bedfordshire"),
                ("inspection", "PEEL 2023–25"),
                ("question", "Responding to the public"),
                ("grade", "Good"),
                ("published_on", "2025-03-31"),
                ("source_url", "https://example.org/peel/bedfordshire"),
            ]),
            &[Administrator],
            StatusCode::SEE_OTHER,
        ),
        // Withdraws the grade the row above entered.
        (
            Kind::Page,
            Method::POST,
            "/admin/inspection-grades/withdraw".into(),
            kv(&[("force", "bedfordshire"), ("inspection", "PEEL 2023–25"), ("question", "Responding to the public")]),
            &[Administrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/pledge/standards".into(),
            json(
                r#"{"force": "bedfordshire", "neighbourhood": "luton-north", "standard": {"id": "public-meetings",
                "version": "luton-north-2026", "description": "Two public meetings a month.",
                "limit": {"kind": "at_least_count", "count": 2}}}"#,
            ),
            &[Administrator],
            StatusCode::OK,
        ),
        // Withdraws the neighbourhood's standard the row above set.
        (
            Kind::Api,
            Method::DELETE,
            "/api/v1/pledge/standards?force=bedfordshire&neighbourhood=luton-north&commitment=public-meetings".into(),
            vec![],
            &[Administrator],
            StatusCode::OK,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/pledge/areas".into(),
            json(r#"{"force": "bedfordshire", "neighbourhood": "luton-north", "area": "urban"}"#),
            &[Administrator],
            StatusCode::OK,
        ),
        (Kind::Page, Method::GET, "/asb/rules".into(), vec![], &[InstallationAdministrator], StatusCode::OK),
        (
            Kind::Page,
            Method::POST,
            "/asb/rules".into(),
            vec![("document".into(), matrix_rules("matrix-page-1"))],
            &[InstallationAdministrator],
            StatusCode::SEE_OTHER,
        ),
        (
            Kind::Api,
            Method::POST,
            "/api/v1/asb/rules".into(),
            json(&matrix_rules("matrix-api-1")),
            &[InstallationAdministrator],
            StatusCode::CREATED,
        ),
        (
            Kind::Api,
            Method::GET,
            "/api/v1/asb/rules/versions".into(),
            vec![],
            &[InstallationAdministrator],
            StatusCode::OK,
        ),
        (Kind::Page, Method::GET, "/account/password".into(), vec![], every, StatusCode::OK),
        // Last, as these end each session.
        (
            Kind::Page,
            Method::POST,
            "/account/password".into(),
            vec![
                ("current_password".into(), PASSWORD.into()),
                ("new_password".into(), "another long passphrase".into()),
                ("confirm_password".into(), "another long passphrase".into()),
            ],
            every,
            StatusCode::SEE_OTHER,
        ),
        (Kind::Page, Method::POST, "/logout".into(), vec![], every, StatusCode::SEE_OTHER),
    ];
    // Every protected route is in the table, and each states the permission
    // whose holders the table lists.
    for (method, template, permission) in peel_web::backoffice::ROUTES {
        let Some(permission) = permission else { continue };
        let row = routes.iter().find(|r| r.1.as_str() == *method && fits(template, r.2.split('?').next().unwrap()));
        let row = row.unwrap_or_else(|| panic!("{method} {template} is missing from the matrix"));
        let mut holders = permission.roles().to_vec();
        let mut listed = row.4.to_vec();
        holders.sort();
        listed.sort();
        assert_eq!(holders, listed, "{method} {template}");
    }
    let mut checked = 0;
    let mut denied = 0;
    let mut n = 0;
    // Markers each list must show its own organisation and hide from another.
    let mut markers_seen: Vec<String> = Vec::new();
    for (kind, method, path, form, allowed, ok) in &routes {
        // Anonymous first.
        let take = |pool: &std::cell::RefCell<Vec<i64>>| pool.borrow_mut().pop().expect("enough fixtures").to_string();
        let peek = |pool: &std::cell::RefCell<Vec<i64>>| pool.borrow().last().expect("a fixture").to_string();
        let body_json = form.iter().find(|(k, _)| k == "json").map(|(_, v)| v.clone()).unwrap_or_default();
        let anon = match (kind, method.clone()) {
            (Kind::Api, m) => h.api_send(&m, path, None, &body_json).await,
            (Kind::ApiPost, _) => h.api_post(path, None, &form[0].1).await,
            (Kind::Page, Method::GET) => h.get(path, None).await,
            (Kind::Page, _) => {
                let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                h.post(path, None, &f).await
            }
        };
        match kind {
            Kind::Page => {
                assert_eq!(anon.status, StatusCode::SEE_OTHER, "anonymous {method} {path}");
                assert!(anon.location().starts_with("/login"), "anonymous {method} {path}: {}", anon.location());
            }
            Kind::Api | Kind::ApiPost => {
                assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "anonymous {method} {path}")
            }
        }
        checked += 1;
        let template = path.split('?').next().unwrap_or_default();
        for (i, role) in Role::ALL.iter().enumerate() {
            // The same role in our organisation, then in Kent Police (the
            // installation's administrators belong to no organisation's work).
            for own in [true, false] {
                if !own && *role == InstallationAdministrator {
                    continue;
                }
                n += 1;
                // Another organisation's attempt must not use up a fixture: it must change nothing.
                let next = |pool: &std::cell::RefCell<Vec<i64>>| if own { take(pool) } else { peek(pool) };
                let path = &if path.contains("CLOSE_CASE") {
                    path.replace("CLOSE_CASE", &next(&fresh_cases))
                } else if path.contains("CLOSED_CASE") {
                    path.replace("CLOSED_CASE", &next(&closed_cases))
                } else {
                    path.clone()
                };
                let (browser, token) =
                    if own { (&browsers[i].1, &tokens[i].1) } else { (&others_browsers[i].1, &others_tokens[i].1) };
                let new_report = if body_json.contains("NEW_REPORT") || form.iter().any(|(_, v)| v == "NEW_REPORT") {
                    next(&fresh_reports)
                } else {
                    String::new()
                };
                let reply = match (kind, method.clone()) {
                    (Kind::ApiPost, _) => h.api_post(path, Some(token), &form[0].1).await,
                    (Kind::Api, m) => {
                        h.api_send(&m, path, Some(token), &body_json.replace("NEW_REPORT", &new_report)).await
                    }
                    (Kind::Page, Method::GET) => h.get(path, Some(&browser.cookie)).await,
                    (Kind::Page, _) => {
                        let unique_org = format!("Organisation {n}");
                        let unique_email = format!("made{n}@example.org");
                        let mut f: Vec<(&str, &str)> = form
                            .iter()
                            .map(|(k, v)| {
                                let v = match v.as_str() {
                                    "ORG" => unique_org.as_str(),
                                    "EMAIL" => unique_email.as_str(),
                                    "NEW_REPORT" => new_report.as_str(),
                                    v => v,
                                };
                                (k.as_str(), v)
                            })
                            .collect();
                        f.push(("csrf_token", &browser.csrf));
                        h.post(path, Some(&browser.cookie), &f).await
                    }
                };
                let by_role = allowed.contains(role) && !scope_refuses_own(*role, method, template);
                let expect = match (by_role, own, other_org(method, template)) {
                    (false, ..) => StatusCode::FORBIDDEN,
                    (true, true, _) | (true, false, Other::Same | Other::Hides(_)) => *ok,
                    (true, false, Other::Refused) => StatusCode::FORBIDDEN,
                };
                let who = if own { "own" } else { "other organisation's" };
                assert_eq!(reply.status, expect, "{who} {role} {method} {path}: {}", reply.body);
                if let (true, Other::Hides(marker)) = (by_role, other_org(method, template)) {
                    if own && reply.body.contains(marker) {
                        markers_seen.push(format!("{method} {template}"));
                    }
                    if !own {
                        assert!(!reply.body.contains(marker), "{role} of another organisation sees {marker} on {path}");
                    }
                }
                for (name, value) in [
                    ("x-frame-options", "DENY"),
                    ("x-content-type-options", "nosniff"),
                    ("referrer-policy", "no-referrer"),
                ] {
                    assert_eq!(reply.headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {path}");
                }
                let csp = reply.headers.get("content-security-policy").unwrap().to_str().unwrap();
                assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
                if expect == StatusCode::FORBIDDEN {
                    denied += 1;
                    assert!(!reply.body.contains("target@example.org"), "a refusal leaks nothing: {role} {path}");
                }
                checked += 1;
            }
        }
    }
    let per_row = 2 * Role::ALL.len() - 1 + 1;
    assert_eq!(checked, routes.len() * per_row);
    // Every list that hides another organisation's records showed them to its own.
    for (method, template) in routes.iter().map(|r| (&r.1, r.2.split('?').next().unwrap_or_default())) {
        if matches!(other_org(method, template), Other::Hides(_)) {
            assert!(markers_seen.contains(&format!("{method} {template}")), "{method} {template} showed its marker");
        }
    }
    // Every refusal was written to the audit log, naming what was refused.
    let entries = h.store.audit().audit_entries_after(0, 100_000).await.unwrap();
    let refusals: Vec<_> = entries.iter().filter(|e| e.action == "access.denied").collect();
    assert_eq!(refusals.len(), denied);
    assert!(refusals.iter().any(|e| e.actor == "user:officer@example.org" && e.subject == "route:GET /admin/users"));
    assert!(refusals.iter().any(|e| e.subject == "route:GET /api/v1/audit" && e.details.contains("api-token")));
    assert!(
        refusals.iter().any(|e| e.actor == "user:administrator@kent.example.org" && e.subject == "force:bedfordshire"),
        "a reach refusal names what was out of reach"
    );
    assert!(h.store.audit().verify_audit().await.unwrap().is_ok());
}

/// How a matrix route answers a caller of another organisation whose role
/// allows the route: the matrix's records are all Bedfordshire Police's.
#[derive(Clone, Copy)]
enum Other {
    /// Refused (403): another organisation's record, force or partnership.
    Refused,
    /// As for our own: the caller's own account, or work of their own.
    Same,
    /// Answered, but without our records: the list shows this marker to
    /// our own people and never to theirs.
    Hides(&'static str),
}

fn other_org(method: &Method, template: &str) -> Other {
    let get = *method == Method::GET;
    match template {
        "/backoffice" | "/account/password" | "/logout" | "/api/v1/me" | "/asb/reports/new" => Other::Same,
        // A blank form, offering only the partnerships within reach.
        "/asb/case-reviews/new" => Other::Same,
        "/asb/reports" | "/api/v1/asb/reports" if !get => Other::Same,
        "/api/v1/asb/rules" if get => Other::Same,
        // The partnership documents in force are published anyway.
        t if get && (t.starts_with("/api/v1/asb/standards/") || t.starts_with("/api/v1/asb/procedures/")) => {
            Other::Same
        }
        "/admin/users" | "/api/v1/admin/users" if get => Other::Hides("target@example.org"),
        "/asb/reports" | "/api/v1/asb/reports" => Other::Hides("Matrix Lane"),
        "/asb/cases" | "/api/v1/asb/cases" if get => Other::Hides("Matrix case"),
        "/asb/due" | "/api/v1/asb/due" => Other::Hides("To close"),
        "/asb/case-reviews" | "/api/v1/asb/case-reviews" if get => Other::Hides("Jo Bloggs"),
        "/audit" | "/api/v1/audit" => Other::Hides("user:administrator@example.org"),
        "/asb/reviews" | "/api/v1/asb/reviews" => Other::Hides("Matrix case"),
        _ => Other::Refused,
    }
}

/// Whether a role holding a route's permission is refused it even in its own
/// organisation: installation administrators manage organisations'
/// administrators, not an officer's account (the matrix's target).
fn scope_refuses_own(role: Role, method: &Method, template: &str) -> bool {
    role == Role::InstallationAdministrator
        && template.starts_with("/admin/users")
        && (*method == Method::POST || template.ends_with("/reset"))
}

/// A partnership and one application, for the case review rows of the matrix.
async fn case_review_for_matrix(h: &Harness) -> i64 {
    peel_store::testing::put_luton_partnership(&h.store).await.unwrap();
    // A neighbourhood for the Pledge area rows.
    let neighbourhood = peel_core::geography::Neighbourhood {
        force_id: "bedfordshire".into(),
        id: "luton-north".into(),
        name: "Luton North".into(),
        ..Default::default()
    };
    h.store
        .geography()
        .put_neighbourhood(&peel_store::NeighbourhoodDetails { neighbourhood, ..Default::default() })
        .await
        .unwrap();
    let app: peel_core::trigger::NewApplication = serde_json::from_value(
        serde_json::from_str::<serde_json::Value>(&case_review_json()).unwrap()["application"].clone(),
    )
    .unwrap();
    h.store.trigger().record_case_review("bedfordshire", "luton", app, t0().date_naive(), &by()).await.unwrap().id
}

/// The shipped ASB rule set under a new version, for the load rows.
fn matrix_rules(version: &str) -> String {
    let mut r = peel_core::asb::RuleSet::shipped();
    r.version = version.into();
    r.to_json()
}

fn case_review_json() -> String {
    serde_json::json!({
        "force": "bedfordshire",
        "csp": "luton",
        "application": {
            "received_on": "2026-08-20",
            "applicant_name": "Jo Bloggs",
            "applicant_contact": "07700 900123",
            "summary": "Threats and noise from the flat above",
            "complaints": [
                { "complainant": "Jo Bloggs", "agency": "Luton Borough Council", "incident": "LBC-1",
                  "behaviour_on": "2026-08-01", "complained_on": "2026-08-02" }
            ]
        }
    })
    .to_string()
}

fn case_review_form() -> Vec<(String, String)> {
    [
        ("csp", "bedfordshire/luton"),
        ("received_on", "2026-08-20"),
        ("applicant_name", "Sam Bloggs"),
        ("applicant_contact", "sam@example.org"),
        ("summary", "Drug dealing on the stairs"),
        ("c1-complainant", "Sam Bloggs"),
        ("c1-agency", "Bedfordshire Police"),
        ("c1-incident", "BP-7"),
        ("c1-behaviour_on", "2026-08-10"),
        ("c1-complained_on", "2026-08-11"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect()
}
// ---- Policing Pledge events with an API token ---------------------------------

/// One valid event, for a force every database has.
const EVENT: &str = r#"{"id":"feed-1","force":"kent","type":"call","channel":"999","received_at":"2024-10-01T09:00:00Z","answered_at":null}"#;

async fn event_feeds_ingest_with_api_tokens(engine: Engine) {
    let h = Harness::new(engine).await;
    let kent = h.org("Kent Police", OrgKind::Force).await;
    let feed = h.user_in(kent, "feed@kent.example.org", Role::EventFeed).await;
    let officer = h.user("officer@example.org", Role::Officer).await;
    let feed_token = h.token(&feed).await;
    let officer_token = h.token(&officer).await;
    let batch = format!("{EVENT}\n{}", EVENT.replace("feed-1", "feed-2"));

    let r = h.api_post("/api/v1/events", Some(&feed_token), &batch).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["stored"], 2);
    assert_eq!(h.store.pledge().pledge_event_count(Some("kent")).await.unwrap(), 2);
    // The batch is in the audit log: who, how many, for which forces.
    let q = AuditQuery { actor: Some("user:feed@kent.example.org".into()), limit: Some(10), ..Default::default() };
    let entries = h.store.audit().search_audit(&q).await.unwrap();
    let entry = entries.iter().find(|e| e.action == "events.ingest").expect("an events.ingest entry");
    assert_eq!(entry.subject, "force:kent");
    let details: serde_json::Value = serde_json::from_str(&entry.details).unwrap();
    assert_eq!(details["stored"], 2);
    assert_eq!(details["forces"], serde_json::json!({ "kent": 2 }));
    assert_eq!(details["via"], "api-token");
    // Kent's feed sends Kent's events only: a batch with another force's is refused whole.
    let mixed = format!("{}\n{}", EVENT.replace("feed-1", "feed-3"), EVENT.replace("kent", "essex"));
    let r = h.api_post("/api/v1/events", Some(&feed_token), &mixed).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("essex (first at line 2)") && r.body.contains("nothing was stored"), "{}", r.body);
    assert_eq!(h.store.pledge().pledge_event_count(None).await.unwrap(), 2);

    // An officer's token is refused with a message, and the refusal audited.
    let r = h.api_post("/api/v1/events", Some(&officer_token), &EVENT.replace("feed-1", "officer-1")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let message = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["error"].as_str().unwrap().to_string();
    assert!(message.contains("officer") && message.contains("Policing Pledge events"), "{message}");
    assert!(
        h.audit_actions("user:officer@").await.contains(&("access.denied".into(), "route:POST /api/v1/events".into()))
    );
    // No token, or a revoked-looking one: 401.
    assert_eq!(h.api_post("/api/v1/events", None, EVENT).await.status, StatusCode::UNAUTHORIZED);
    let r = h.api_post("/api/v1/events", Some("peel_not-a-token"), EVENT).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // An invalid batch from the feed is refused whole, and not audited as stored.
    let r = h.api_post("/api/v1/events", Some(&feed_token), &EVENT.replace("999", "fax")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(h.store.pledge().pledge_event_count(None).await.unwrap(), 2);
    let ingests = h.audit_actions("user:feed@").await.iter().filter(|(a, _)| a == "events.ingest").count();
    assert_eq!(ingests, 1);
}

// ---- audit of reads ------------------------------------------------------------

async fn reads_of_personal_data_are_audited(engine: Engine) {
    let h = Harness::new(engine).await;
    let admin_user = h.user("admin@example.org", Role::Administrator).await;
    let auditor_user = h.user("auditor@example.org", Role::Auditor).await;
    let target = h.user("officer@example.org", Role::Officer).await;
    let admin = h.login("admin@example.org").await;
    let auditor = h.login("auditor@example.org").await;

    h.get("/admin/users", Some(&admin.cookie)).await;
    h.get(&format!("/admin/users/{}/reset", target.id), Some(&admin.cookie)).await;
    let admin_token = h.token(&admin_user).await;
    h.api("/api/v1/admin/users", Some(&admin_token)).await;
    let token = h.token(&auditor_user).await;
    h.api("/api/v1/me", Some(&token)).await;
    let search = h.get("/audit?actor=admin%40", Some(&auditor.cookie)).await;
    assert!(search.body.contains("user.list"), "the auditor sees the admin's reads");

    let admin_actions = h.audit_actions("user:admin@").await;
    let expected = [
        ("auth.login", format!("user:{}", admin_user.id)),
        ("user.list", "users".to_string()),
        ("user.read", format!("user:{}", target.id)),
        ("user.list", "users".to_string()),
    ];
    for (a, s) in &expected {
        assert!(admin_actions.contains(&(a.to_string(), s.clone())), "{a} {s} in {admin_actions:?}");
    }
    let auditor_actions = h.audit_actions("user:auditor@").await;
    assert!(auditor_actions.contains(&("user.read".into(), format!("user:{}", auditor_user.id))));
    assert!(auditor_actions.contains(&("audit.search".into(), "audit_log".into())));

    let api = h.api("/api/v1/audit?subject=user:3&from=2026-09-01&to=2026-09-01", Some(&token)).await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["subject"].as_str().unwrap().contains("user:3")));
    let bad = h.api("/api/v1/audit?from=yesterday", Some(&token)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("year-month-day"));
    let bad_page = h.get("/audit?to=31/12/2026", Some(&auditor.cookie)).await;
    assert_eq!(bad_page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_page.body.contains("href=\"#to\""));

    let v = h.store.audit().verify_audit().await.unwrap().expect("the chain is intact");
    assert!(v.entries > 10);
}

// ---- bad input stores nothing ------------------------------------------------------

async fn bad_input_is_explained_and_stores_nothing(engine: Engine) {
    let h = Harness::new(engine).await;
    h.user("admin@example.org", Role::Administrator).await;
    let admin = h.login("admin@example.org").await;
    let users_before = h.store.accounts().users(&peel_store::testing::setup()).await.unwrap().len();
    let org = h.org_id.to_string();
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("email", "not-an-email"),
                ("display_name", "X"),
                ("organisation", &org),
                ("role", "officer"),
                ("password", PASSWORD),
            ],
            "email",
            "right form",
        ),
        (
            vec![
                ("email", "x@example.org"),
                ("display_name", "X"),
                ("organisation", &org),
                ("role", "officer"),
                ("password", "short"),
            ],
            "password",
            "at least 12",
        ),
        (
            vec![
                ("email", "longname@example.org"),
                ("display_name", "X"),
                ("organisation", &org),
                ("role", "officer"),
                ("password", "my longname password"),
            ],
            "password",
            "user name",
        ),
        (
            vec![
                ("email", "x@example.org"),
                ("display_name", "X"),
                ("organisation", &org),
                ("role", "sheriff"),
                ("password", PASSWORD),
            ],
            "role",
            "Choose a role",
        ),
        (
            vec![
                ("email", "x@example.org"),
                ("display_name", " "),
                ("organisation", &org),
                ("role", "officer"),
                ("password", PASSWORD),
            ],
            "display_name",
            "Enter",
        ),
        (
            vec![
                ("email", "ADMIN@example.org"),
                ("display_name", "X"),
                ("organisation", &org),
                ("role", "officer"),
                ("password", PASSWORD),
            ],
            "email",
            "already exists",
        ),
    ];
    for (mut form, field, says) in cases {
        form.push(("csrf_token", &admin.csrf));
        let r = h.post("/admin/users", Some(&admin.cookie), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(&format!("href=\"#{field}\"")), "{field}: error summary links to the field");
        assert!(r.body.contains(says), "{field}: {says}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")) || field == "organisation" || field == "role");
    }
    // An organisation that is not theirs (here, none at all) is refused
    // before anything in the form is checked.
    let elsewhere = [
        ("email", "x@example.org"),
        ("display_name", "X"),
        ("organisation", "999"),
        ("role", "officer"),
        ("password", PASSWORD),
        ("csrf_token", &admin.csrf),
    ];
    let r = h.post("/admin/users", Some(&admin.cookie), &elsewhere).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(h.store.accounts().users(&peel_store::testing::setup()).await.unwrap().len(), users_before);
    assert!(h.audit_actions("user:admin@").await.iter().all(|(a, _)| a != "user.create"));
    h.user("root@example.org", Role::InstallationAdministrator).await;
    let admin = h.login("root@example.org").await;
    let dup = h
        .post(
            "/admin/organisations",
            Some(&admin.cookie),
            &[("csrf_token", &admin.csrf), ("name", "bedfordshire police"), ("kind", "force")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("already exists"));
    let kind = h
        .post(
            "/admin/organisations",
            Some(&admin.cookie),
            &[("csrf_token", &admin.csrf), ("name", "Luton"), ("kind", "club")],
        )
        .await;
    assert_eq!(kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(h.store.accounts().organisations().await.unwrap().len(), 1);
}

peel_store::on_both_engines!(
    sign_in_and_out,
    secure_cookies_when_configured,
    one_message_for_every_failure,
    lock_out_after_five_failures,
    parallel_guesses_cannot_pass_the_limit,
    sign_in_attempts_are_limited_per_address,
    an_administrator_reset_clears_a_lock,
    sessions_expire,
    disabling_ends_sessions,
    next_stays_on_this_site,
    people_change_their_own_password,
    csrf_is_required_on_every_form,
    sign_in_needs_its_double_submit_token,
    bearer_tokens,
    route_role_matrix,
    reads_of_personal_data_are_audited,
    bad_input_is_explained_and_stores_nothing,
    event_feeds_ingest_with_api_tokens,
    pledge_standards_page,
    pledge_standards_are_withdrawn_on_the_page,
);

async fn pledge_standards_page(engine: Engine) {
    let h = Harness::new(engine).await;
    case_review_for_matrix(&h).await; // Bedfordshire's areas and a neighbourhood
    h.user("admin@example.org", Role::Administrator).await;
    let admin = h.login("admin@example.org").await;
    let page = h.get("/admin/pledge-standards", Some(&admin.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Show the standards"), "{}", page.body);
    let page = h.get("/admin/pledge-standards?force=bedfordshire", Some(&admin.cookie)).await;
    assert!(page.body.contains("national-2008") && page.body.contains("within 10 seconds"), "{}", page.body);
    assert!(page.body.contains("Luton North"), "the force's neighbourhoods are offered");

    let form = |amount: &'static str, unit: &'static str| {
        vec![
            ("csrf_token", admin.csrf.as_str()),
            ("force", "bedfordshire"),
            ("neighbourhood", "luton-north"),
            ("commitment", "999-answer"),
            ("version", "luton-north-2026"),
            ("description", "999 calls are answered within 8 seconds."),
            ("amount", amount),
            ("unit", unit),
        ]
    };
    // Looser than the national 10 seconds, and nonsense: explained, nothing stored.
    for (amount, unit, says) in [
        ("11", "seconds", "stricter"),
        ("eight", "seconds", "whole number"),
        ("8", "weeks", "seconds, minutes or hours"),
    ] {
        let r = h.post("/admin/pledge-standards", Some(&admin.cookie), &form(amount, unit)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount} {unit}");
        assert!(r.body.contains("There is a problem") && r.body.contains(says), "{amount} {unit}: {}", r.body);
        assert!(r.body.contains("value=\"luton-north-2026\""), "the form keeps what was typed");
    }
    let set = h.store.pledge().pledge_standards("bedfordshire", Some("luton-north")).await.unwrap();
    assert_eq!(set.get(peel_core::pledge::CommitmentId::Answer999).version, "national-2008");

    let r = h.post("/admin/pledge-standards", Some(&admin.cookie), &form("8", "seconds")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = h.get(r.location(), Some(&admin.cookie)).await;
    assert!(page.body.contains("Saved:") && page.body.contains("luton-north-2026"), "{}", page.body);
    assert!(page.body.contains("within 8 seconds"), "{}", page.body);
    // The force level is unchanged.
    let set = h.store.pledge().pledge_standards("bedfordshire", None).await.unwrap();
    assert_eq!(set.get(peel_core::pledge::CommitmentId::Answer999).version, "national-2008");

    let r = h
        .post(
            "/admin/pledge-standards/area",
            Some(&admin.cookie),
            &[
                ("csrf_token", &admin.csrf),
                ("force", "bedfordshire"),
                ("neighbourhood", "luton-north"),
                ("area", "rural"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = h.get(r.location(), Some(&admin.cookie)).await;
    assert!(page.body.contains("is <strong>rural</strong>"), "{}", page.body);
    let q = AuditQuery { actor: Some("admin@example.org".into()), limit: Some(20), ..Default::default() };
    let actions: Vec<String> = h.store.audit().search_audit(&q).await.unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"pledge.standard.set".to_string()) && actions.contains(&"pledge.area.set".to_string()));
    // An unknown force is a page that says so.
    let r = h.get("/admin/pledge-standards?force=gotham", Some(&admin.cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn pledge_standards_are_withdrawn_on_the_page(engine: Engine) {
    use peel_core::pledge::CommitmentId;
    let h = Harness::new(engine).await;
    case_review_for_matrix(&h).await; // Bedfordshire's areas and a neighbourhood
    h.user("admin@example.org", Role::Administrator).await;
    h.user("supervisor@example.org", Role::Supervisor).await;
    let admin = h.login("admin@example.org").await;
    let supervisor = h.login("supervisor@example.org").await;
    let standard = |version: &str, seconds| peel_core::pledge::Standard {
        id: CommitmentId::Answer999,
        version: version.into(),
        description: format!("999 calls are answered within {seconds} seconds."),
        limit: peel_core::pledge::Limit::Within { seconds },
        source: String::new(),
    };
    h.store
        .pledge()
        .put_local_standard("bedfordshire", None, &standard("bedfordshire-2026", 9), &peel_store::testing::setup())
        .await
        .unwrap();
    h.store
        .pledge()
        .put_local_standard(
            "bedfordshire",
            Some("luton-north"),
            &standard("luton-north-2026", 8),
            &peel_store::testing::setup(),
        )
        .await
        .unwrap();
    let luton = "/admin/pledge-standards?force=bedfordshire&neighbourhood=luton-north";
    let page = h.get(luton, Some(&admin.cookie)).await;
    // One button, for the neighbourhood's own standard, saying which and where.
    assert_eq!(page.body.matches(">Withdraw<").count(), 1, "{}", page.body);
    assert!(
        page.body.contains(
            "Withdraw<span class=\"visually-hidden\"> the local 999-answer standard (luton-north-2026) for Luton North</span>"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("The national minimum"), "{}", page.body);
    let force_page = h.get("/admin/pledge-standards?force=bedfordshire", Some(&admin.cookie)).await;
    assert!(force_page.body.contains("(bedfordshire-2026) for Bedfordshire Police"), "{}", force_page.body);

    let fields = [("force", "bedfordshire"), ("neighbourhood", "luton-north"), ("commitment", "999-answer")];
    fn with<'a>(fields: &[(&'a str, &'a str)], csrf: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut f = fields.to_vec();
        f.push(("csrf_token", csrf));
        f
    }
    let path = "/admin/pledge-standards/withdraw";
    let version = |set: peel_core::pledge::StandardSet| set.get(CommitmentId::Answer999).version.clone();
    // No token, another session's token, a role without the permission:
    // refused, and nothing changes.
    assert_eq!(h.post(path, Some(&admin.cookie), &fields).await.status, StatusCode::FORBIDDEN);
    let theirs = with(&fields, &supervisor.csrf);
    assert_eq!(h.post(path, Some(&admin.cookie), &theirs).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.post(path, Some(&supervisor.cookie), &theirs).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        version(h.store.pledge().pledge_standards("bedfordshire", Some("luton-north")).await.unwrap()),
        "luton-north-2026"
    );

    let mine = with(&fields, &admin.csrf);
    let r = h.post(path, Some(&admin.cookie), &mine).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = h.get(r.location(), Some(&admin.cookie)).await;
    assert!(
        page.body.contains(
            "<strong>Withdrawn:</strong> the local 999-answer standard (luton-north-2026) for Luton North. \
             999-answer there is now within 9 seconds (bedfordshire-2026).</p>"
        ),
        "{}",
        page.body
    );
    assert!(!page.body.contains(">Withdraw<"), "nothing left to withdraw here: {}", page.body);
    assert!(page.body.contains("The force's own"), "{}", page.body);
    assert_eq!(
        version(h.store.pledge().pledge_standards("bedfordshire", Some("luton-north")).await.unwrap()),
        "bedfordshire-2026"
    );
    let q = AuditQuery { actor: Some("admin@example.org".into()), limit: Some(20), ..Default::default() };
    let entries = h.store.audit().search_audit(&q).await.unwrap();
    let entry = entries.iter().find(|e| e.action == "pledge.standard.withdraw").expect("audited");
    assert_eq!(entry.subject, "neighbourhood:bedfordshire/luton-north");
    assert!(entry.details.contains("luton-north-2026"), "{}", entry.details);

    // A second click finds nothing to withdraw, and says so.
    let again = h.post(path, Some(&admin.cookie), &mine).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("There is a problem") && again.body.contains("nothing was changed"), "{}", again.body);
    let mut unknown = mine.clone();
    unknown[2] = ("commitment", "999-answered");
    assert_eq!(h.post(path, Some(&admin.cookie), &unknown).await.status, StatusCode::BAD_REQUEST);
}
