//! `/admin/organisations` and `/admin/users`: administrators only.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use peel_core::access::{OrgKind, Role};
use peel_store::{Organisation, UserRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts::{self, AccountError, NewAccount, audit};
use super::auth::{Api, Authed, Page, need};
use super::html::{self, FieldError, PageError, esc};
use super::login::user_json;
use crate::AppState;

const PURPOSE: &str = "account administration";

fn field_errors(e: AccountError) -> Result<Vec<FieldError>, PageError> {
    match e {
        AccountError::Invalid { field, message } => Ok(vec![FieldError { field: field.into(), message }]),
        AccountError::Store(s) => Err(s.into()),
        AccountError::Secret(s) => Err(crate::WebError::Internal(s.to_string()).into()),
    }
}

// ---- organisations -----------------------------------------------------

#[derive(Deserialize, Default)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

fn organisations_page(a: &Authed, orgs: &[Organisation], form: &OrgForm, errors: &[FieldError]) -> String {
    let mut rows = String::new();
    for o in orgs {
        let _ = write!(rows, "<tr><td>{}</td><td>{}</td></tr>", esc(&o.name), esc(o.kind.label()));
    }
    let table = if orgs.is_empty() {
        "<p>There are no organisations yet.</p>".to_string()
    } else {
        html::table(
            "Organisations",
            &format!(
                "<caption>Organisations</caption><thead><tr><th scope=\"col\">Name</th>\
                 <th scope=\"col\">Kind</th></tr></thead><tbody>{rows}</tbody>"
            ),
        )
    };
    let kinds: Vec<(String, String)> = OrgKind::ALL.iter().map(|k| (k.slug().into(), k.label().into())).collect();
    let body = format!(
        "{summary}{table}<h2>Add an organisation</h2><form method=\"post\" action=\"/admin/organisations\" novalidate>\
         {csrf}{name}{kind}<button type=\"submit\">Add organisation</button></form>",
        summary = html::error_summary(errors),
        csrf = html::csrf_field(a.csrf()),
        name = html::input("name", "Name", "text", &form.name, "organization", errors),
        kind = html::select("kind", "Kind of organisation", &kinds, &form.kind, errors),
    );
    html::page("Organisations", Some(a), &body)
}

pub async fn organisations(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageOrganisations>,
) -> Result<Response, PageError> {
    let orgs = state.store.organisations().await?;
    Ok(html::respond(StatusCode::OK, organisations_page(&a, &orgs, &OrgForm::default(), &[])))
}

pub async fn create_organisation(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageOrganisations>,
    Form(form): Form<OrgForm>,
) -> Result<Response, PageError> {
    let result = match form.kind.parse::<OrgKind>() {
        Ok(kind) => accounts::add_organisation(&state.store, &a.actor(), &form.name, kind, bo.now()).await,
        Err(_) => Err(AccountError::Invalid { field: "kind", message: "Choose the kind of organisation.".into() }),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/organisations").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let orgs = state.store.organisations().await?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, organisations_page(&a, &orgs, &form, &errors)))
        }
    }
}

pub async fn api_organisations(
    State(state): State<AppState>,
    Api(..): Api<need::ManageOrganisations>,
) -> Result<Json<Value>, crate::WebError> {
    let orgs = state.store.organisations().await?;
    Ok(Json(json!({
        "organisations": orgs.iter().map(|o| json!({
            "id": o.id, "name": o.name, "kind": o.kind.slug(), "created_at": o.created_at
        })).collect::<Vec<_>>()
    })))
}

// ---- users -------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

fn status(u: &UserRecord, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    if u.disabled {
        "Disabled"
    } else if u.login.is_locked(now) {
        "Locked after failed sign-ins"
    } else {
        "Active"
    }
}

fn users_page(
    a: &Authed,
    now: chrono::DateTime<chrono::Utc>,
    users: &[UserRecord],
    orgs: &[Organisation],
    form: &UserForm,
    errors: &[FieldError],
) -> String {
    let mut rows = String::new();
    for u in users {
        let toggle = if u.id == a.user.id {
            "<p>This is you</p>".to_string()
        } else if u.disabled {
            html::post_button(&format!("/admin/users/{}/enable", u.id), a.csrf(), &format!("Enable {}", u.email))
        } else {
            html::post_button(&format!("/admin/users/{}/disable", u.id), a.csrf(), &format!("Disable {}", u.email))
        };
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{toggle}\
             <a href=\"/admin/users/{}/reset\">Reset password for {}</a></td></tr>",
            esc(&u.display_name),
            esc(&u.email),
            esc(u.role.label()),
            esc(&u.organisation_name),
            status(u, now),
            u.id,
            esc(&u.email),
        );
    }
    let table = html::table(
        "User accounts",
        &format!(
            "<caption>User accounts</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Email address</th>\
             <th scope=\"col\">Role</th><th scope=\"col\">Organisation</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody>"
        ),
    );
    let orgs: Vec<(String, String)> = orgs.iter().map(|o| (o.id.to_string(), o.name.clone())).collect();
    let roles: Vec<(String, String)> = Role::ALL.iter().map(|r| (r.slug().into(), r.label().into())).collect();
    let body = format!(
        "{summary}{table}<h2>Add a user</h2>\
         <form method=\"post\" action=\"/admin/users\" novalidate>{csrf}{email}{name}{org}{role}{password}\
         <p>The password must be at least 12 characters and must not contain the email address. \
         Give it to the person by a safe route.</p><button type=\"submit\">Add user</button></form>",
        summary = html::error_summary(errors),
        csrf = html::csrf_field(a.csrf()),
        email = html::input("email", "Email address", "email", &form.email, "off", errors),
        name = html::input("display_name", "Full name", "text", &form.display_name, "off", errors),
        org = html::select("organisation", "Organisation", &orgs, &form.organisation, errors),
        role = html::select("role", "Role", &roles, &form.role, errors),
        password = html::input("password", "Initial password", "password", "", "new-password", errors),
    );
    html::page("User accounts", Some(a), &body)
}

pub async fn users(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
) -> Result<Response, PageError> {
    let users = state.store.users().await?;
    let orgs = state.store.organisations().await?;
    let now = bo.now();
    audit(&state.store, now, &a.actor(), "user.list", "users", PURPOSE, json!({ "count": users.len() })).await?;
    Ok(html::respond(StatusCode::OK, users_page(&a, now, &users, &orgs, &UserForm::default(), &[])))
}

pub async fn create_user(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    let now = bo.now();
    let parsed = (form.organisation.trim().parse::<i64>(), form.role.parse::<Role>());
    let result = match parsed {
        (Err(_), _) => Err(AccountError::Invalid { field: "organisation", message: "Choose an organisation.".into() }),
        (_, Err(_)) => Err(AccountError::Invalid { field: "role", message: "Choose a role.".into() }),
        (Ok(organisation_id), Ok(role)) => {
            let new = NewAccount {
                email: &form.email,
                display_name: &form.display_name,
                organisation_id,
                role,
                password: &form.password,
            };
            accounts::add_user(&state.store, &a.actor(), &new, &bo.password_policy, now).await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let users = state.store.users().await?;
            let orgs = state.store.organisations().await?;
            audit(&state.store, now, &a.actor(), "user.list", "users", PURPOSE, json!({ "count": users.len() }))
                .await?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, users_page(&a, now, &users, &orgs, &form, &errors)))
        }
    }
}

async fn set_disabled(
    state: &AppState,
    a: &Authed,
    bo: &super::Backoffice,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    if id == a.user.id {
        return Ok(html::message_page(
            StatusCode::BAD_REQUEST,
            "You cannot disable your own account",
            Some(a),
            "Ask another administrator to do it.",
        ));
    }
    match accounts::set_disabled(&state.store, &a.actor(), id, disabled, bo.now()).await {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            field_errors(e)?;
            Ok(html::message_page(
                StatusCode::BAD_REQUEST,
                "There is a problem",
                Some(a),
                "The account could not be changed.",
            ))
        }
    }
}

pub async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Page(a, bo, ..): Page<need::ManageUsers>,
) -> Result<Response, PageError> {
    set_disabled(&state, &a, &bo, id, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Page(a, bo, ..): Page<need::ManageUsers>,
) -> Result<Response, PageError> {
    set_disabled(&state, &a, &bo, id, false).await
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

fn reset_page(a: &Authed, u: &UserRecord, errors: &[FieldError]) -> String {
    let body = format!(
        "{summary}<p>Set a new password for {name} ({email}). Their sessions end, any lock-out is cleared, \
         and they sign in with the new password.</p>\
         <form method=\"post\" action=\"/admin/users/{id}/reset\" novalidate>{csrf}{pw}\
         <button type=\"submit\">Set new password</button></form><p><a href=\"/admin/users\">Back to user accounts</a></p>",
        summary = html::error_summary(errors),
        name = esc(&u.display_name),
        email = esc(&u.email),
        id = u.id,
        csrf = html::csrf_field(a.csrf()),
        pw = html::input("password", "New password", "password", "", "new-password", errors),
    );
    html::page("Reset a password", Some(a), &body)
}

async fn find_user(state: &AppState, id: i64) -> Result<UserRecord, PageError> {
    state.store.user(id).await?.ok_or_else(|| crate::WebError::NotFound(format!("User {id}")).into())
}

pub async fn reset_form(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Page(a, bo, ..): Page<need::ManageUsers>,
) -> Result<Response, PageError> {
    let u = find_user(&state, id).await?;
    audit(&state.store, bo.now(), &a.actor(), "user.read", &format!("user:{id}"), PURPOSE, json!({})).await?;
    Ok(html::respond(StatusCode::OK, reset_page(&a, &u, &[])))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    let u = find_user(&state, id).await?;
    match accounts::reset_password(&state.store, &a.actor(), id, &form.password, &bo.password_policy, bo.now()).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, reset_page(&a, &u, &errors)))
        }
    }
}

/// `GET /api/v1/admin/users`.
pub async fn api_users(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageUsers>,
) -> Result<Json<Value>, crate::WebError> {
    let users = state.store.users().await?;
    let mut details = a.via_details();
    details["count"] = users.len().into();
    audit(&state.store, bo.now(), &a.actor(), "user.list", "users", PURPOSE, details).await?;
    Ok(Json(json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() })))
}
