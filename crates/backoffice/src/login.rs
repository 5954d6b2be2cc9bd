//! Signing in and out, the back-office home page and `/api/v1/me`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Backoffice;
use super::auth::{self, Api, LOGIN_CSRF_COOKIE, Page, SESSION_COOKIE, Via, need};
use super::html::{self, FieldError, PageError, esc};
use crate::AppState;
use peel_core::access::{Permission, time};
use peel_store::SessionRecord;
use peel_usecases::accounts::audit;
use peel_usecases::secrets;

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

fn login_page(csrf: &str, email: &str, next: &str, errors: &[FieldError], notice: &str) -> String {
    let body = format!(
        "{notice}{summary}<p>Sign in with the email address and password your administrator gave you.</p>\
         <form method=\"post\" action=\"/login\" novalidate>{csrf}\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">{email}{password}\
         <button type=\"submit\">Sign in</button></form>",
        notice = if notice.is_empty() { String::new() } else { format!("<p role=\"status\">{}</p>", esc(notice)) },
        summary = html::error_summary(errors),
        csrf = html::csrf_field(csrf),
        next = esc(next),
        email = html::input("email", "Email address", "email", email, "username", errors),
        password = html::input("password", "Password", "password", "", "current-password", errors),
    );
    html::page("Sign in", None, &body)
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
        _ => secrets::random_token().map_err(|e| crate::WebError::Internal(e.to_string()))?,
    };
    let notice = if q.changed.is_some() { "Your password has been changed. Sign in with the new one." } else { "" };
    let mut r = html::respond(StatusCode::OK, login_page(&csrf, "", &next, &[], notice));
    r.headers_mut()
        .append(header::SET_COOKIE, auth::set_cookie(LOGIN_CSRF_COOKIE, &csrf, "/login", 3600, bo.secure_cookies));
    Ok(r)
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
    let store = &state.store;
    let next = auth::safe_next(Some(&form.next));
    let client = crate::rate_limit::client_ip(&extensions);
    bo.throttled_sign_ins.write_ended(store, now).await?;
    if let Some(limiter) = &bo.sign_in_limit
        && let Err(wait) = limiter.take(client, std::time::Instant::now())
    {
        let secs = crate::rate_limit::retry_after_secs(wait);
        // Counted, not written: one audit entry per address and window.
        if bo.throttled_sign_ins.record(client, now) {
            tracing::warn!(%client, "sign-in attempts throttled (one audit entry when the window ends)");
            bo.throttled_sign_ins.watch(store.clone(), bo.clock.clone());
        }
        let errors = [FieldError {
            field: "email".into(),
            message: format!(
                "There have been too many attempts to sign in from your network. Wait {secs} seconds, then try again."
            ),
        }];
        let csrf = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("").to_string();
        let mut r =
            html::respond(StatusCode::TOO_MANY_REQUESTS, login_page(&csrf, form.email.trim(), &next, &errors, ""));
        crate::rate_limit::set_retry_after(&mut r, secs);
        return Ok(r);
    }
    let user = if form.email.trim().is_empty() { None } else { store.user_by_email(&form.email).await? };
    // Each attempt is counted before the password is checked, atomically,
    // so parallel guesses cannot get past the lock-out limit.
    let reserved = match &user {
        Some(u) if !u.disabled => {
            let policy = bo.lockout;
            store.update_login_state(u.id, |s| if s.is_locked(now) { s } else { policy.after_failure(s, now) }).await?
        }
        _ => {
            // The same database work as for a real account, so timing does
            // not tell which email addresses exist.
            store.update_login_state(-1, |s| s).await?;
            None
        }
    };
    let usable = reserved.is_some_and(|(before, _)| !before.is_locked(now));
    let phc = user.as_ref().filter(|_| usable).map(|u| u.password_hash.clone());
    let ok = secrets::verify_password_blocking(form.password.clone(), phc).await;

    let user = match user {
        Some(u) if ok => u,
        user => {
            let subject = user.as_ref().map_or("user:unknown".to_string(), |u| format!("user:{}", u.id));
            let mut details = json!({});
            match (&user, reserved) {
                (Some(_), Some((_, after))) if usable => {
                    if after.is_locked(now) {
                        let locked = json!({ "locked_until": after.locked_until.map(time::format) });
                        audit(store, now, "anonymous", "auth.locked", &subject, "security", locked).await?;
                    }
                }
                (Some(u), _) => details = json!({ "refused": if u.disabled { "disabled" } else { "locked" } }),
                (None, _) => {}
            }
            audit(store, now, "anonymous", "auth.login_failed", &subject, "security", details).await?;
            let message = format!(
                "The email address or password is not right, or the account cannot be used just now. \
                 After {} wrong attempts an account is locked for {} minutes.",
                bo.lockout.max_failures,
                bo.lockout.lock_for.num_minutes()
            );
            let errors = [FieldError { field: "email".into(), message }];
            let csrf = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("").to_string();
            return Ok(html::respond(StatusCode::OK, login_page(&csrf, form.email.trim(), &next, &errors, "")));
        }
    };

    store.set_login_state(user.id, &bo.lockout.after_success()).await?;
    // Housekeeping: sign-ins are rare enough to sweep expired sessions.
    store.delete_expired_sessions(now).await?;
    // A fresh token on every sign-in: any token planted before is useless.
    if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
        store.delete_session(&secrets::token_hash(old)).await?;
    }
    let token = secrets::random_token().map_err(|e| crate::WebError::Internal(e.to_string()))?;
    let csrf = secrets::random_token().map_err(|e| crate::WebError::Internal(e.to_string()))?;
    store
        .create_session(&SessionRecord {
            token_hash: secrets::token_hash(&token),
            user_id: user.id,
            csrf_token: csrf,
            created_at: time::format(now),
            expires_at: time::format(now + bo.session_ttl),
            last_seen_at: time::format(now),
        })
        .await?;
    audit(
        store,
        now,
        &format!("user:{}", user.email),
        "auth.login",
        &format!("user:{}", user.id),
        "security",
        json!({}),
    )
    .await?;
    let mut r = Redirect::to(&next).into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, &token, "/", bo.session_ttl.num_seconds(), bo.secure_cookies),
    );
    h.append(header::SET_COOKIE, auth::set_cookie(LOGIN_CSRF_COOKIE, "", "/login", 0, bo.secure_cookies));
    Ok(r)
}

/// Ends the session (POST, with the CSRF token).
pub async fn logout(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ViewOwnAccount>,
) -> Result<Response, PageError> {
    if let Via::Session { token_hash, .. } = &a.via {
        state.store.delete_session(token_hash).await?;
    }
    audit(&state.store, bo.now(), &a.actor(), "auth.logout", &format!("user:{}", a.user.id), "security", json!({}))
        .await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", "/", 0, bo.secure_cookies));
    Ok(r)
}

/// The back-office home: who you are and what you can do.
pub async fn home(Page(a, ..): Page<need::ViewOwnAccount>) -> Response {
    let mut links = String::new();
    links.push_str("<li><a href=\"/account/password\">Change your password</a></li>");
    if a.may(Permission::ManageOrganisations) {
        links.push_str("<li><a href=\"/admin/organisations\">Manage organisations</a></li>");
    }
    if a.may(Permission::ManageUsers) {
        links.push_str("<li><a href=\"/admin/users\">Manage user accounts</a></li>");
    }
    if a.may(Permission::ReadAuditLog) {
        links.push_str("<li><a href=\"/audit\">Search the audit log</a></li>");
    }
    if a.may(Permission::RunCaseReviews) {
        links.push_str("<li><a href=\"/asb/case-reviews\">Case reviews (Community Trigger)</a></li>");
    }
    let can: String =
        a.user.role.permissions().iter().map(|p| format!("<li>{}</li>", esc(&capital(p.describe())))).collect();
    let body = format!(
        "<dl><dt>Name</dt><dd>{}</dd><dt>Email address</dt><dd>{}</dd><dt>Role</dt><dd>{}</dd>\
         <dt>Organisation</dt><dd>{}</dd><dt>You work within</dt><dd>{}</dd></dl>\
         <h2>What your role allows</h2><ul>{can}</ul><h2>Go to</h2><ul>{links}</ul>",
        esc(&a.user.display_name),
        esc(&a.user.email),
        esc(a.user.role.label()),
        esc(&a.user.organisation_name),
        esc(&a.account().reach.describe()),
    );
    html::respond(StatusCode::OK, html::page("Your account", Some(&a), &body))
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
) -> Result<Json<Value>, crate::WebError> {
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
