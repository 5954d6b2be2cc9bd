//! Signing in and out, the back-office home page and `/api/v1/me`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Backoffice;
use super::auth::{self, Api, LOGIN_CSRF_COOKIE, Page, SESSION_COOKIE, Via, need};
use super::html::{self, FieldError, PageError};
use super::layout::{Chrome, render};
use crate::AppState;
use askama::Template;
use chrono::{DateTime, Utc};
use peel_core::access::time;
use peel_store::Store;
use peel_usecases::accounts::audit;
use peel_usecases::secrets;
use peel_usecases::sign_in::{self, SignIn};
use std::net::IpAddr;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    /// Set after a password change.
    changed: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    csrf: &'a str,
    email: &'a str,
    next: &'a str,
    errors: &'a [FieldError],
    notice: &'a str,
}

fn login_page(
    status: StatusCode,
    csrf: &str,
    email: &str,
    next: &str,
    errors: &[FieldError],
    notice: &str,
) -> Result<Response, PageError> {
    render(status, &LoginPage { chrome: Chrome::nobody(), csrf, email, next, errors, notice })
}

/// The sign-in form. Sets a double-submit CSRF cookie for the form.
pub async fn login_form(
    State(state): State<AppState>,
    Extension(bo): Extension<Backoffice>,
    Query(q): Query<LoginQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let next = auth::safe_next(q.next.as_deref());
    if auth::session_user(&state, &bo, &headers).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let csrf = match auth::cookie(&headers, LOGIN_CSRF_COOKIE) {
        Some(c) if c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()) => c.to_string(),
        _ => secrets::random_token().map_err(|e| crate::JsonError::Internal(e.to_string()))?,
    };
    let notice = if q.changed.is_some() { "Your password has been changed. Sign in with the new one." } else { "" };
    let mut r = login_page(StatusCode::OK, &csrf, "", &next, &[], notice)?;
    r.headers_mut()
        .append(header::SET_COOKIE, auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, "/login", 3600, bo.secure_cookies));
    Ok(r)
}

/// Refuses the attempt when the address has signed in too often: counted,
/// not written, so one audit entry is made per address and window.
async fn throttled(
    bo: &Backoffice,
    store: &Store,
    client: IpAddr,
    now: DateTime<Utc>,
) -> Result<Option<u64>, PageError> {
    bo.throttled_sign_ins.write_ended(store, now).await?;
    let Some(limiter) = &bo.sign_in_limit else { return Ok(None) };
    let Err(wait) = limiter.take(client, std::time::Instant::now()) else { return Ok(None) };
    if bo.throttled_sign_ins.record(client, now) {
        tracing::warn!(%client, "sign-in attempts throttled (one audit entry when the window ends)");
        bo.throttled_sign_ins.watch(store.clone(), bo.clock.clone());
    }
    Ok(Some(crate::rate_limit::retry_after_secs(wait)))
}

/// The session cookie set and the sign-in form's cookie cleared, on the
/// way to where the person was going.
fn started(bo: &Backoffice, token: &str, next: &str) -> Response {
    let mut r = Redirect::to(next).into_response();
    let ttl = bo.session_ttl.num_seconds();
    let h = r.headers_mut();
    h.append(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, token, "/", ttl, bo.secure_cookies));
    h.append(header::SET_COOKIE, auth::set_cookie(LOGIN_CSRF_COOKIE, "", "/login", 0, bo.secure_cookies));
    r
}

/// The one message for every refused sign-in, naming the lock-out rule.
fn refused(bo: &Backoffice) -> String {
    format!(
        "The email address or password is not right, or the account cannot be used just now. \
         After {} wrong attempts an account is locked for {} minutes.",
        bo.lockout.max_failures,
        bo.lockout.lock_for.num_minutes()
    )
}

/// Checks the password, applying the lock-out rule, and starts a session.
/// Every failure gets the same message, so the answer never reveals whether
/// an account exists, is disabled or is locked.
pub async fn login(
    State(state): State<AppState>,
    Extension(bo): Extension<Backoffice>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let now = bo.now();
    let next = auth::safe_next(Some(&form.next));
    let csrf = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("").to_string();
    let again = |status, message: String| {
        let errors = [FieldError { field: "email".into(), message }];
        login_page(status, &csrf, form.email.trim(), &next, &errors, "")
    };
    if let Some(secs) = throttled(&bo, &state.store, crate::rate_limit::client_ip(&extensions), now).await? {
        let wait = format!("Wait {secs} seconds, then try again.");
        let too_many = format!("There have been too many attempts to sign in from your network. {wait}");
        let mut r = again(StatusCode::TOO_MANY_REQUESTS, too_many)?;
        crate::rate_limit::set_retry_after(&mut r, secs);
        return Ok(r);
    }
    let old = auth::cookie(&headers, SESSION_COOKIE);
    let password = form.password.clone();
    match sign_in::sign_in(&state.store, bo.lockout, bo.session_ttl, &form.email, password, old, now).await {
        Ok(SignIn::Started { token, .. }) => Ok(started(&bo, &token, &next)),
        Ok(SignIn::Refused) => again(StatusCode::OK, refused(&bo)),
        Err(e) => Err(html::failure(e)),
    }
}

/// Ends the session (POST, with the CSRF token).
pub async fn logout(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewOwnAccount>,
) -> Result<Response, PageError> {
    if let Via::Session { token_hash, .. } = &a.via {
        state.store.accounts().delete_session(token_hash).await?;
    }
    audit(&state.store, bo.now(), &a.actor(), "auth.logout", &format!("user:{}", a.user.id), "security", json!({}))
        .await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", "/", 0, bo.secure_cookies));
    Ok(r)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    name: String,
    email: String,
    role: &'static str,
    organisation: String,
    reach: String,
    /// What the role allows, as sentences.
    allowed: Vec<String>,
}

/// The back-office home: who you are and what you can do.
pub async fn home(Page(a, ..): Page<need::ViewOwnAccount>) -> Result<Response, PageError> {
    let page = HomePage {
        name: a.user.display_name.clone(),
        email: a.user.email.clone(),
        role: a.user.role.label(),
        organisation: a.user.organisation_name.clone(),
        reach: a.account().reach.describe(),
        allowed: a.user.role.permissions().iter().map(|p| capital(p.describe())).collect(),
        chrome: Chrome::of(&a),
    };
    render(StatusCode::OK, &page)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub fn user_json(u: &peel_store::UserRecord) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "role": u.role.slug(),
        "organisation": { "id": u.organisation_id, "name": u.organisation_name },
        "disabled": u.disabled,
        "locked_until": u.login.locked_until.map(time::format),
        "created_at": u.created_at,
    })
}

/// `GET /api/v1/me`: the token's account and its permissions.
pub async fn api_me(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ViewOwnAccount>,
) -> Result<Json<Value>, crate::JsonError> {
    audit(
        &state.store,
        bo.now(),
        &a.actor(),
        "user.read",
        &format!("user:{}", a.user.id),
        "own account",
        a.via_details(),
    )
    .await?;
    let mut v = user_json(&a.user);
    v["permissions"] = a.user.role.permissions().iter().map(|p| p.slug()).collect();
    let reach = &a.account().reach;
    v["works_within"] = json!({
        "installation": *reach == peel_core::access::Reach::Installation,
        "force": reach.force(),
        "partnerships": reach.partnerships().iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    Ok(Json(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_links_its_errors_to_their_fields() {
        let errors = [FieldError { field: "email".into(), message: "Enter <an> email address".into() }];
        let page = LoginPage {
            chrome: Chrome::nobody(),
            csrf: "c0ffee",
            email: "a\"b",
            next: "/x",
            errors: &errors,
            notice: "",
        };
        let html = page.render().expect("renders");
        assert!(html.contains("<h2 id=\"error-summary-title\">There is a problem</h2>"));
        assert!(html.contains("<li><a href=\"#email\">Enter &#60;an&#62; email address</a></li>"), "{html}");
        assert!(html.contains("<p id=\"email-error\"><strong>Error:</strong> Enter &#60;an&#62; email address</p>"));
        assert!(html.contains("aria-describedby=\"email-error\" aria-invalid=\"true\""));
        assert!(html.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"c0ffee\">"));
        assert!(!html.contains("value=\"a\"b\""), "what was typed is escaped");
        assert!(!html.contains("password-error"), "only the field with the problem is marked");
        let clean = LoginPage { errors: &[], ..page };
        assert!(!clean.render().expect("renders").contains("There is a problem"));
    }
}
