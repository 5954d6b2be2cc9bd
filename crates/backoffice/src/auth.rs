//! Who is asking: sessions (cookie) for pages, bearer tokens for the API,
//! and the extractors through which every route states the permission it needs.
//!
//! `Page<N>` and `Api<N>` admit only people whose role holds `N::PERMISSION`:
//! anonymous page requests are sent to sign in (303), anonymous API requests
//! get 401, and signed-in people without the permission get 403.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use peel_core::access::{Account, Caller, Permission};
use peel_store::UserRecord;
use peel_store::asb::Viewer;
use serde_json::json;

use super::Backoffice;
use super::html;
use crate::{AppState, JsonError};
use peel_usecases::secrets::token_hash;

pub const SESSION_COOKIE: &str = "peel_session";
pub const LOGIN_CSRF_COOKIE: &str = "peel_login_csrf";

/// How the person proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Session { token_hash: String, csrf: String },
    Token { id: i64, name: String },
}

/// A signed-in person (or a machine acting for one): their account, and
/// the caller they are to the store, whose every back-office action checks
/// the caller's role and their organisation's reach.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: UserRecord,
    pub via: Via,
    /// The same account as [`Authed::caller`] holds, for reading.
    account: Account,
    caller: Caller,
}

impl Authed {
    /// The one way to make one: `account` is the store's account for `user`.
    fn new(user: UserRecord, account: Account, via: Via) -> Authed {
        Authed { user, via, caller: Caller::Account(account.clone()), account }
    }

    /// Who they are to the store.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// A change made by them, for `purpose`, at `at`.
    pub fn by<'a>(&'a self, purpose: &'a str, at: chrono::DateTime<chrono::Utc>) -> peel_store::By<'a> {
        peel_store::By { caller: &self.caller, purpose, at }
    }

    /// Them reading or changing casework, for `purpose`, at `at`.
    pub fn viewer<'a>(&'a self, purpose: &'a str, at: chrono::DateTime<chrono::Utc>) -> Viewer<'a> {
        Viewer {
            caller: &self.caller,
            user_id: self.account.user_id,
            org_id: self.account.organisation_id,
            role: self.account.role,
            actor: self.account.actor(),
            purpose,
            at,
        }
    }

    /// The audit log's name for them.
    pub fn actor(&self) -> String {
        self.account.actor().to_string()
    }

    /// The session's CSRF token (empty for API tokens, which need none).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }

    /// Facts about how they signed in, for audit details.
    pub fn via_details(&self) -> serde_json::Value {
        match &self.via {
            Via::Session { .. } => json!({ "via": "session" }),
            Via::Token { id, name } => json!({ "via": "api-token", "token_id": id, "token_name": name }),
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.user.role.has(p)
    }
}

/// A route's required permission, as a type: `Page<need::ManageUsers>`.
pub trait Needs: Send + Sync + 'static {
    const PERMISSION: Permission;
}

pub mod need {
    use super::{Needs, Permission};

    macro_rules! needs {
        ($($name:ident),* $(,)?) => {$(
            #[doc = concat!("Requires [`Permission::", stringify!($name), "`].")]
            pub struct $name;
            impl Needs for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }
    needs!(
        ViewOwnAccount,
        ManageOrganisations,
        ManageUsers,
        ReadAuditLog,
        RecordReport,
        ViewCases,
        ManageCases,
        SuperviseCases
    );
    needs!(RunCaseReviews, ManageAsbRules);
    needs!(IngestEvents);
    needs!(ViewPledgeBreaches, SetPledgeStandards, RecordInspectionGrades);
}

/// Reads one cookie's value.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value. `max_age` of 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The person behind the session cookie, if the session is live and the
/// account usable.
pub async fn session_user(
    state: &AppState,
    bo: &Backoffice,
    headers: &HeaderMap,
) -> Result<Option<Authed>, crate::JsonError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = token_hash(token);
    let now = bo.now();
    let Some(session) = state.store.accounts().live_session(&hash, now, now - bo.session_idle).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.accounts().user(session.user_id).await? else { return Ok(None) };
    if user.disabled {
        return Ok(None);
    }
    let account = account_of(state, &user).await?;
    Ok(Some(Authed::new(user, account, Via::Session { token_hash: hash, csrf: session.csrf_token })))
}

/// The person behind an `Authorization: Bearer …` header.
pub async fn bearer_user(
    state: &AppState,
    bo: &Backoffice,
    headers: &HeaderMap,
) -> Result<Option<Authed>, crate::JsonError> {
    let Some(token) = bearer_token(headers) else { return Ok(None) };
    token_user(state, bo, token).await
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The person an API token belongs to, however it was sent (Open311 sends it
/// as `api_key`), if the token is live and the account usable.
pub async fn token_user(state: &AppState, bo: &Backoffice, token: &str) -> Result<Option<Authed>, crate::JsonError> {
    let Some(t) = state.store.accounts().use_api_token(&token_hash(token), bo.now()).await? else { return Ok(None) };
    let Some(user) = state.store.accounts().user(t.user_id).await? else { return Ok(None) };
    if user.disabled {
        return Ok(None);
    }
    let account = account_of(state, &user).await?;
    Ok(Some(Authed::new(user, account, Via::Token { id: t.id, name: t.name })))
}

/// The account `user` acts as: their role within their organisation's reach.
async fn account_of(state: &AppState, user: &UserRecord) -> Result<Account, crate::JsonError> {
    match state.store.accounts().caller_for(user).await? {
        Caller::Account(a) => Ok(a),
        _ => Err(crate::JsonError::Internal(format!("user {} is not an account", user.id))),
    }
}

/// Writes an `access.denied` audit entry: someone signed in tried a route
/// their role does not allow. A failure to write it is logged, and the
/// refusal stands either way.
pub async fn record_denial(state: &AppState, bo: &Backoffice, a: &Authed, route: &str, p: Permission) {
    let subject = format!("route:{route}");
    let mut details = a.via_details();
    details["permission"] = p.slug().into();
    if let Err(e) = peel_usecases::accounts::audit(
        &state.store,
        bo.now(),
        &a.actor(),
        "access.denied",
        &subject,
        "security",
        details,
    )
    .await
    {
        tracing::error!(error = %e, "cannot write an access.denied audit entry");
    }
}

fn backoffice(parts: &Parts) -> Result<Backoffice, StatusCode> {
    parts.extensions.get::<Backoffice>().cloned().ok_or_else(|| {
        tracing::error!("back-office route without its configuration layer");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

/// A signed-in person whose role holds `N`'s permission, on a page.
pub struct Page<N: Needs>(pub Authed, pub Backoffice, pub PhantomData<N>);

impl<N: Needs> FromRequestParts<AppState> for Page<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bo = backoffice(parts).map_err(IntoResponse::into_response)?;
        let authed = match parts.extensions.get::<Authed>() {
            Some(a) => Some(a.clone()),
            None => {
                session_user(state, &bo, &parts.headers).await.map_err(|e| html::PageError::from(e).into_response())?
            }
        };
        let Some(a) = authed else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/backoffice");
            let target = if parts.method == axum::http::Method::GET {
                format!("/login?next={}", percent_encode(next))
            } else {
                "/login".to_string()
            };
            return Err(Redirect::to(&target).into_response());
        };
        if !a.may(N::PERMISSION) {
            record_denial(state, &bo, &a, &format!("{} {}", parts.method, parts.uri.path()), N::PERMISSION).await;
            return Err(crate::layout::message_page(
                StatusCode::FORBIDDEN,
                "You do not have permission to see this page",
                Some(&a),
                &format!(
                    "Your role ({}) does not allow you to {}. If you need to, ask an administrator.",
                    a.user.role.label(),
                    N::PERMISSION.describe()
                ),
            ));
        }
        parts.extensions.insert(a.clone());
        Ok(Page(a, bo, PhantomData))
    }
}

/// A machine (or person) with an API token whose user's role holds `N`'s permission.
pub struct Api<N: Needs>(pub Authed, pub Backoffice, pub PhantomData<N>);

impl<N: Needs> FromRequestParts<AppState> for Api<N> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bo = backoffice(parts).map_err(IntoResponse::into_response)?;
        let authed = bearer_user(state, &bo, &parts.headers).await.map_err(IntoResponse::into_response)?;
        let Some(a) = authed else {
            return Err(JsonError::Unauthorized(
                "send a valid API token: Authorization: Bearer <token> (make one with `peel user token`)".to_string(),
            )
            .into_response());
        };
        if !a.may(N::PERMISSION) {
            record_denial(state, &bo, &a, &format!("{} {}", parts.method, parts.uri.path()), N::PERMISSION).await;
            return Err(JsonError::Forbidden(format!(
                "the role {} may not {}",
                a.user.role.slug(),
                N::PERMISSION.describe()
            ))
            .into_response());
        }
        Ok(Api(a, bo, PhantomData))
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only same-site paths may be returned to after signing in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs ("/\t/evil" becomes
        // "//evil"), so any whitespace or control character is refused.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_whitespace() || c.is_control())
                && !n.starts_with("/login") =>
        {
            n.to_string()
        }
        _ => "/backoffice".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; peel_session=abc ; b=2"));
        assert_eq!(cookie(&h, "peel_session"), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "peel"), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let c = set_cookie("peel_session", "t", "/", 60, true);
        assert_eq!(c, "peel_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
        assert!(!set_cookie("x", "t", "/", 60, false).to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        for bad in
            ["//evil.example", "https://evil.example", "/\\evil", "", "/login?next=/x", "/\t/evil.example", "/\n/evil"]
        {
            assert_eq!(safe_next(Some(bad)), "/backoffice", "{bad}");
        }
        assert_eq!(safe_next(None), "/backoffice");
        assert_eq!(percent_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
