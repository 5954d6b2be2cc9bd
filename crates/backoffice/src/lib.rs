//! The back office: sign-in, accounts, organisations and the audit log.
//!
//! Security, in one place:
//! - sessions: a random 256-bit token in an `HttpOnly; SameSite=Lax` cookie
//!   (`Secure` when configured), only its SHA-256 stored, fixed lifetime;
//! - CSRF: every state-changing form request to a page route passes
//!   [`csrf_guard`], which compares the form's `csrf_token` with the
//!   session's (sign-in uses a double-submit cookie, as there is no session yet);
//! - the API (`/api/v1/…`) takes only `Authorization: Bearer` tokens, never cookies;
//! - every route states its permission through [`auth::Page`] / [`auth::Api`];
//! - lock-out after repeated failures, with one message for every failure;
//! - security headers on every answer (see [`security_headers`]).

mod account;
mod admin;
mod audit_log;
pub mod auth;
pub mod case_reviews;
pub mod cases;
pub mod html;
mod inspection_grades;
pub mod layout;
mod login;
pub mod open311;
pub mod pledge;
mod pledge_standards;
pub mod throttle_log;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use peel_core::access::{LockoutPolicy, PasswordPolicy, Permission};

pub(crate) use peel_http::{AppState, JsonError, json_query, rate_limit};

/// Where the current time comes from (tests move it by hand).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that only moves when told to.
    pub fn manual(start: DateTime<Utc>) -> (Clock, ManualClock) {
        let t = Arc::new(Mutex::new(start));
        let read = t.clone();
        (Clock(Arc::new(move || *read.lock().unwrap_or_else(|e| e.into_inner()))), ManualClock(t))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

/// The back office's settings.
#[derive(Clone)]
pub struct BackofficeConfig {
    /// Mark cookies `Secure` (set when served over HTTPS: `PEEL_SECURE_COOKIES=true`).
    pub secure_cookies: bool,
    /// How long a session lasts from sign-in.
    pub session_ttl: Duration,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    pub lockout: LockoutPolicy,
    pub password_policy: PasswordPolicy,
    pub clock: Clock,
    /// Sign-in attempts allowed per client address, whatever the accounts
    /// tried: the lock-out protects one account, this stops one address
    /// trying a few passwords on every account. `None`: no limit.
    pub sign_in_limit: Option<crate::rate_limit::Limiter>,
    /// Sign-ins refused by that limit, counted into one audit entry per
    /// address and window.
    pub throttled_sign_ins: Arc<throttle_log::ThrottleLog>,
}

impl Default for BackofficeConfig {
    fn default() -> BackofficeConfig {
        BackofficeConfig {
            secure_cookies: false,
            session_ttl: Duration::hours(8),
            session_idle: Duration::minutes(60),
            lockout: LockoutPolicy::default(),
            password_policy: PasswordPolicy::default(),
            clock: Clock::system(),
            sign_in_limit: None,
            throttled_sign_ins: Arc::default(),
        }
    }
}

impl BackofficeConfig {
    /// Defaults, with `PEEL_SECURE_COOKIES=true`, `PEEL_SESSION_HOURS=N` and
    /// `PEEL_SESSION_IDLE_MINUTES=N` read from the environment, and a limit of
    /// sign-in attempts per client address (`PEEL_SIGN_IN_LIMIT`, attempts a
    /// second/burst; default 0.2/20, one every 5 seconds after 20; `off` for none).
    pub fn from_env() -> BackofficeConfig {
        let mut c = BackofficeConfig::default();
        let limit = std::env::var("PEEL_SIGN_IN_LIMIT").unwrap_or_default();
        c.sign_in_limit = match limit.trim() {
            "off" | "none" => None,
            "" => Some(crate::rate_limit::Limiter::new(DEFAULT_SIGN_IN_LIMIT)),
            v => match v.parse() {
                Ok(l) => Some(crate::rate_limit::Limiter::new(l)),
                Err(e) => {
                    tracing::warn!("PEEL_SIGN_IN_LIMIT: {e}; using the default");
                    Some(crate::rate_limit::Limiter::new(DEFAULT_SIGN_IN_LIMIT))
                }
            },
        };
        if let Ok(v) = std::env::var("PEEL_SECURE_COOKIES") {
            c.secure_cookies = matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on");
        }
        if let Some(h) = std::env::var("PEEL_SESSION_HOURS").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
            c.session_ttl = Duration::hours(h.clamp(1, 24 * 7));
        }
        if let Some(m) = std::env::var("PEEL_SESSION_IDLE_MINUTES").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
            c.session_idle = Duration::minutes(m.clamp(5, 24 * 60));
        }
        c
    }
}

/// Sign-in attempts per client address: bursts of 20, then one every 5 seconds.
pub const DEFAULT_SIGN_IN_LIMIT: crate::rate_limit::RateLimit =
    crate::rate_limit::RateLimit { per_second: 0.2, burst: 20.0 };

/// The configuration as handlers see it (a request extension).
#[derive(Clone)]
pub struct Backoffice(pub Arc<BackofficeConfig>);

impl Backoffice {
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

impl std::ops::Deref for Backoffice {
    type Target = BackofficeConfig;
    fn deref(&self) -> &BackofficeConfig {
        &self.0
    }
}

/// Every back-office route with the permission it needs (`None`: public).
/// The route × role matrix test checks it covers each one; keep it in step
/// with [`routes`].
pub const ROUTES: &[(&str, &str, Option<Permission>)] = &[
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("POST", "/logout", Some(Permission::ViewOwnAccount)),
    ("GET", "/backoffice", Some(Permission::ViewOwnAccount)),
    ("GET", "/account/password", Some(Permission::ViewOwnAccount)),
    ("POST", "/account/password", Some(Permission::ViewOwnAccount)),
    ("GET", "/admin/organisations", Some(Permission::ManageOrganisations)),
    ("POST", "/admin/organisations", Some(Permission::ManageOrganisations)),
    ("GET", "/admin/organisations/{id}", Some(Permission::ManageOrganisations)),
    ("POST", "/admin/organisations/{id}", Some(Permission::ManageOrganisations)),
    ("GET", "/admin/users", Some(Permission::ManageUsers)),
    ("POST", "/admin/users", Some(Permission::ManageUsers)),
    ("POST", "/admin/users/{id}/disable", Some(Permission::ManageUsers)),
    ("POST", "/admin/users/{id}/enable", Some(Permission::ManageUsers)),
    ("GET", "/admin/users/{id}/reset", Some(Permission::ManageUsers)),
    ("POST", "/admin/users/{id}/reset", Some(Permission::ManageUsers)),
    ("GET", "/audit", Some(Permission::ReadAuditLog)),
    ("GET", "/api/v1/me", Some(Permission::ViewOwnAccount)),
    ("GET", "/api/v1/audit", Some(Permission::ReadAuditLog)),
    ("GET", "/api/v1/admin/users", Some(Permission::ManageUsers)),
    ("GET", "/api/v1/admin/organisations", Some(Permission::ManageOrganisations)),
    // ASB casework (see `cases`). Cases are further limited to those owned
    // by or shared with the person's organisation.
    ("GET", "/asb/reports/new", Some(Permission::RecordReport)),
    ("POST", "/asb/reports", Some(Permission::RecordReport)),
    ("GET", "/asb/reports", Some(Permission::ViewCases)),
    ("GET", "/asb/reports/{id}", Some(Permission::ViewCases)),
    ("GET", "/asb/reports/{id}/risk", Some(Permission::RecordReport)),
    ("POST", "/asb/reports/{id}/risk", Some(Permission::RecordReport)),
    ("GET", "/asb/cases", Some(Permission::ViewCases)),
    ("POST", "/asb/cases", Some(Permission::ManageCases)),
    ("GET", "/asb/cases/{id}", Some(Permission::ViewCases)),
    ("POST", "/asb/cases/{id}/reports", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/shares", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/unshare", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/actions", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/tools", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/close", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/reassign", Some(Permission::SuperviseCases)),
    ("POST", "/asb/cases/{id}/reopen", Some(Permission::ManageCases)),
    ("GET", "/asb/reviews", Some(Permission::SuperviseCases)),
    ("GET", "/asb/rules", Some(Permission::ManageAsbRules)),
    ("POST", "/asb/rules", Some(Permission::ManageAsbRules)),
    ("GET", "/api/v1/asb/rules", Some(Permission::RecordReport)),
    ("POST", "/api/v1/asb/rules", Some(Permission::ManageAsbRules)),
    ("GET", "/api/v1/asb/rules/versions", Some(Permission::ManageAsbRules)),
    ("POST", "/api/v1/asb/reports", Some(Permission::RecordReport)),
    ("GET", "/api/v1/asb/reports", Some(Permission::ViewCases)),
    ("GET", "/api/v1/asb/reports/{id}", Some(Permission::ViewCases)),
    ("POST", "/api/v1/asb/reports/{id}/risk", Some(Permission::RecordReport)),
    ("GET", "/api/v1/asb/reports/{id}/risk", Some(Permission::ViewCases)),
    ("POST", "/api/v1/asb/cases", Some(Permission::ManageCases)),
    ("GET", "/api/v1/asb/cases", Some(Permission::ViewCases)),
    ("GET", "/api/v1/asb/cases/{id}", Some(Permission::ViewCases)),
    ("POST", "/api/v1/asb/cases/{id}/reports", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/shares", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/unshare", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/actions", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/tools", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/close", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/reassign", Some(Permission::SuperviseCases)),
    ("POST", "/api/v1/asb/cases/{id}/reopen", Some(Permission::ManageCases)),
    ("GET", "/api/v1/asb/reviews", Some(Permission::SuperviseCases)),
    ("GET", "/asb/case-reviews", Some(Permission::RunCaseReviews)),
    ("POST", "/asb/case-reviews", Some(Permission::RunCaseReviews)),
    ("GET", "/asb/case-reviews/new", Some(Permission::RunCaseReviews)),
    ("GET", "/asb/case-reviews/{review}", Some(Permission::RunCaseReviews)),
    ("POST", "/asb/case-reviews/{review}/steps", Some(Permission::RunCaseReviews)),
    ("GET", "/api/v1/asb/case-reviews", Some(Permission::RunCaseReviews)),
    ("POST", "/api/v1/asb/case-reviews", Some(Permission::RunCaseReviews)),
    ("GET", "/api/v1/asb/case-reviews/{review}", Some(Permission::RunCaseReviews)),
    ("POST", "/api/v1/asb/case-reviews/{review}/steps", Some(Permission::RunCaseReviews)),
    ("GET", "/api/v1/asb/procedures/{force}/{csp}", Some(Permission::RunCaseReviews)),
    ("POST", "/api/v1/asb/procedures/{force}/{csp}", Some(Permission::RunCaseReviews)),
    ("GET", "/admin/pledge-standards", Some(Permission::SetPledgeStandards)),
    ("POST", "/admin/pledge-standards", Some(Permission::SetPledgeStandards)),
    ("POST", "/admin/pledge-standards/area", Some(Permission::SetPledgeStandards)),
    ("POST", "/admin/pledge-standards/withdraw", Some(Permission::SetPledgeStandards)),
    ("GET", "/admin/inspection-grades", Some(Permission::RecordInspectionGrades)),
    ("POST", "/admin/inspection-grades", Some(Permission::RecordInspectionGrades)),
    ("POST", "/admin/inspection-grades/withdraw", Some(Permission::RecordInspectionGrades)),
    // Local ASB service standards (see `cases::standards`).
    ("POST", "/asb/cases/{id}/contacts", Some(Permission::ManageCases)),
    ("POST", "/asb/cases/{id}/csp", Some(Permission::ManageCases)),
    ("GET", "/asb/due", Some(Permission::ViewCases)),
    ("GET", "/api/v1/asb/due", Some(Permission::ViewCases)),
    ("GET", "/api/v1/asb/cases/{id}/service", Some(Permission::ViewCases)),
    ("POST", "/api/v1/asb/cases/{id}/contacts", Some(Permission::ManageCases)),
    ("POST", "/api/v1/asb/cases/{id}/csp", Some(Permission::ManageCases)),
    ("GET", "/api/v1/asb/standards/{force}/{csp}", Some(Permission::ViewCases)),
    ("POST", "/api/v1/asb/standards/{force}/{csp}", Some(Permission::RunCaseReviews)),
    // Served by `crate::pledge`, which also takes its shared ingest token.
    ("POST", "/api/v1/events", Some(Permission::IngestEvents)),
    // Served by `crate::pledge`: the standards themselves are public (GET).
    ("POST", "/api/v1/pledge/standards", Some(Permission::SetPledgeStandards)),
    ("DELETE", "/api/v1/pledge/standards", Some(Permission::SetPledgeStandards)),
    ("POST", "/api/v1/pledge/areas", Some(Permission::SetPledgeStandards)),
];

/// Every back-office route. Pages go through the CSRF guard; the API does not
/// (it takes no cookies), and both get the security headers.
pub fn routes(state: &AppState, config: BackofficeConfig) -> Router<AppState> {
    let pages = Router::new()
        .route("/login", get(login::login_form).post(login::login))
        .route("/logout", post(login::logout))
        .route("/backoffice", get(login::home))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/admin/organisations", get(admin::organisations).post(admin::create_organisation))
        .route("/admin/organisations/{id}", get(admin::organisation).post(admin::set_organisation_reach))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/users/{id}/enable", post(admin::enable_user))
        .route("/admin/users/{id}/reset", get(admin::reset_form).post(admin::reset_password))
        .route("/audit", get(audit_log::audit_page))
        .route("/admin/pledge-standards", get(pledge_standards::show).post(pledge_standards::save_standard))
        .route("/admin/pledge-standards/area", post(pledge_standards::save_area))
        .route("/admin/pledge-standards/withdraw", post(pledge_standards::withdraw))
        .route("/admin/inspection-grades", get(inspection_grades::show).post(inspection_grades::save))
        .route("/admin/inspection-grades/withdraw", post(inspection_grades::withdraw))
        .merge(cases::page_routes())
        .route("/asb/case-reviews", get(case_reviews::pages::list).post(case_reviews::pages::create))
        .route("/asb/case-reviews/new", get(case_reviews::pages::new_form))
        .route("/asb/case-reviews/{review}", get(case_reviews::pages::show))
        .route("/asb/case-reviews/{review}/steps", post(case_reviews::pages::record_step))
        .layer(middleware::from_fn_with_state(state.clone(), csrf_guard));
    let api = Router::new()
        .route("/api/v1/me", get(login::api_me))
        .route("/api/v1/audit", get(audit_log::api_audit))
        .route("/api/v1/admin/users", get(admin::api_users))
        .route("/api/v1/admin/organisations", get(admin::api_organisations))
        .merge(cases::api_routes())
        .merge(crate::open311::routes())
        .route("/api/v1/asb/case-reviews", get(case_reviews::api::list).post(case_reviews::api::create))
        .route("/api/v1/asb/case-reviews/{review}", get(case_reviews::api::show))
        .route("/api/v1/asb/case-reviews/{review}/steps", post(case_reviews::api::record_step))
        .route(
            "/api/v1/asb/procedures/{force}/{csp}",
            get(case_reviews::api::procedure).post(case_reviews::api::adopt_procedure),
        );
    pages
        .merge(api)
        .layer(middleware::map_response(security_headers))
        .layer(axum::Extension(Backoffice(Arc::new(config))))
}

/// Largest form body accepted.
const FORM_LIMIT: usize = 64 * 1024;

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// The answer to a form whose CSRF token is missing or wrong.
fn expired_form() -> Response {
    crate::layout::message_page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        None,
        "For your security the form could not be sent. Go back, reload the page and try again.",
    )
}

/// Checks the token `sent` with a form: against the sign-in cookie on
/// `/login`, else against the live session's (whose person is then kept
/// for the handler). No session passes: the handler sends the person to
/// sign in, changing nothing.
async fn check_token(state: &AppState, bo: &Backoffice, parts: &mut Parts, sent: &str) -> Result<(), Response> {
    let same = |expected: &str| peel_usecases::secrets::constant_time_eq(expected.as_bytes(), sent.as_bytes());
    if parts.uri.path() == "/login" {
        let expected = auth::cookie(&parts.headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
        return if expected.is_empty() || !same(expected) { Err(expired_form()) } else { Ok(()) };
    }
    match auth::session_user(state, bo, &parts.headers).await {
        Ok(Some(a)) if !same(a.csrf()) => Err(expired_form()),
        Ok(Some(a)) => {
            parts.extensions.insert(a);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(html::PageError::from(e).into_response()),
    }
}

/// Refuses any state-changing request whose form lacks the right CSRF token.
///
/// With a live session the token must equal the session's. Without one, the
/// request goes on to its handler, which sends the person to sign in (it can
/// change nothing). Sign-in itself uses a double-submit cookie.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(bo) = req.extensions().get::<Backoffice>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return crate::layout::message_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large", None, "Send less.");
    };
    let sent = serde_urlencoded::from_bytes::<CsrfField>(&bytes).map(|f| f.csrf_token).unwrap_or_default();
    if let Err(refused) = check_token(&state, &bo, &mut parts, &sent).await {
        return refused;
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Headers on every back-office answer: no framing, no sniffing, no
/// referrer, only this site's resources, and nothing cached.
///
/// `Content-Encoding: identity` keeps the application's compression layer
/// off these answers: pages that hold a CSRF token and echo what was typed
/// must not be compressed (the BREACH attack).
pub async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    if !h.contains_key(header::CONTENT_ENCODING) {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
