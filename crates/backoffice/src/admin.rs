//! `/admin/organisations` (the installation's administrators) and
//! `/admin/users` (each organisation's administrators, for their own
//! organisation). Who may change what is decided by the store's checks of
//! the caller; these pages only offer what those checks allow.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use peel_core::access::{Caller, OrgKind, Partnership, Permission, Reach, Role, Target};
use peel_store::{Csp, Organisation, StoreError, UserRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Api, Authed, Page, need};
use super::html::{self, FieldError, PageError, esc};
use super::login::user_json;
use crate::AppState;
use peel_usecases::accounts::{self, AccountError, NewAccount, PURPOSE};

// ---- organisations -----------------------------------------------------

/// The organisation forms, read as pairs so that several partnerships can
/// be ticked (`partnership=bedfordshire/luton&partnership=…`).
#[derive(Default)]
struct OrgForm {
    name: String,
    kind: String,
    force: String,
    partnerships: Vec<String>,
}

impl OrgForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> OrgForm {
        let mut f = OrgForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "kind" => f.kind = v,
                "force" => f.force = v,
                "partnership" => f.partnerships.push(v),
                _ => {}
            }
        }
        f
    }

    /// What the form places the organisation at, for an organisation of `kind`.
    fn reach(&self, kind: OrgKind) -> Result<Reach, AccountError> {
        let invalid = |field: &'static str, message: &str| AccountError::Invalid { field, message: message.into() };
        if kind == OrgKind::Force {
            if !self.partnerships.is_empty() {
                return Err(invalid("partnership", "A police force reaches its whole force: choose no partnerships."));
            }
            let force = self.force.trim();
            return Ok(if force.is_empty() { Reach::Unset } else { Reach::Force(force.to_string()) });
        }
        if !self.force.trim().is_empty() {
            return Err(invalid(
                "force",
                "Only a police force's organisation is a force: choose its partnerships instead.",
            ));
        }
        let mut ps = Vec::new();
        for p in &self.partnerships {
            let Some((force_id, csp_id)) = p.split_once('/') else {
                return Err(invalid("partnership", "Choose partnerships from the list."));
            };
            ps.push(Partnership { force_id: force_id.into(), csp_id: csp_id.into() });
        }
        Ok(Reach::Partnerships(ps))
    }

    fn of(o: &Organisation) -> OrgForm {
        let (force, partnerships) = match &o.reach {
            Reach::Force(f) => (f.clone(), vec![]),
            Reach::Partnerships(ps) => (String::new(), ps.iter().map(ToString::to_string).collect()),
            Reach::Installation | Reach::Unset => (String::new(), vec![]),
        };
        OrgForm { name: o.name.clone(), kind: o.kind.slug().into(), force, partnerships }
    }
}

/// The reach fields: a force for a police force, partnerships for anyone else.
fn reach_fields(form: &OrgForm, csps: &[Csp], errors: &[FieldError]) -> String {
    let mut forces = vec![(String::new(), "Not a police force, or not set yet".to_string())];
    forces.extend(peel_core::force::FORCES.iter().map(|f| (f.id.to_string(), f.name.to_string())));
    let partnerships: Vec<(String, String)> =
        csps.iter().map(|c| (format!("{}/{}", c.force_id, c.id), format!("{} ({})", c.name, c.force_id))).collect();
    let partnership_field = if partnerships.is_empty() {
        "<p>No community safety partnerships have been imported yet, so a council, housing provider or victim \
         service cannot be placed in one: import them first (<code>peel import</code> of an areas file).</p>"
            .to_string()
    } else {
        html::checkboxes(
            "partnership",
            "Partnerships (for a council, housing provider or victim service)",
            "Its staff work on the case reviews, procedures and service standards of these partnerships.",
            &partnerships,
            &form.partnerships,
            errors,
        )
    };
    format!(
        "{}{partnership_field}",
        html::select("force", "Police force (for a police force's organisation)", &forces, &form.force, errors)
    )
}

fn organisations_page(
    a: &Authed,
    orgs: &[Organisation],
    csps: &[Csp],
    form: &OrgForm,
    errors: &[FieldError],
) -> String {
    let mut rows = String::new();
    for o in orgs {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/admin/organisations/{}\">Change what {} works within</a></td></tr>",
            esc(&o.name),
            esc(o.kind.label()),
            esc(&o.reach.describe()),
            o.id,
            esc(&o.name),
        );
    }
    let table = if orgs.is_empty() {
        "<p>There are no organisations yet.</p>".to_string()
    } else {
        html::table(
            "Organisations",
            &format!(
                "<caption>Organisations</caption><thead><tr><th scope=\"col\">Name</th>\
                 <th scope=\"col\">Kind</th><th scope=\"col\">Works within</th><th scope=\"col\">Actions</th></tr></thead>\
                 <tbody>{rows}</tbody>"
            ),
        )
    };
    let kinds: Vec<(String, String)> = OrgKind::ALL.iter().map(|k| (k.slug().into(), k.label().into())).collect();
    let body = format!(
        "{summary}<p>Each organisation's staff act only within what it works within: a police force's staff \
         within that force, a partner's within its partnerships.</p>{table}<h2>Add an organisation</h2>\
         <form method=\"post\" action=\"/admin/organisations\" novalidate>\
         {csrf}{name}{kind}{reach}<button type=\"submit\">Add organisation</button></form>",
        summary = html::error_summary(errors),
        csrf = html::csrf_field(a.csrf()),
        name = html::input("name", "Name", "text", &form.name, "organization", errors),
        kind = html::select("kind", "Kind of organisation", &kinds, &form.kind, errors),
        reach = reach_fields(form, csps, errors),
    );
    html::page("Organisations", Some(a), &body)
}

pub async fn organisations(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageOrganisations>,
) -> Result<Response, PageError> {
    let orgs = state.store.organisations().await?;
    let csps = state.store.all_csps().await?;
    Ok(html::respond(StatusCode::OK, organisations_page(&a, &orgs, &csps, &OrgForm::default(), &[])))
}

pub async fn create_organisation(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageOrganisations>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = OrgForm::from_pairs(pairs);
    let by = a.by(PURPOSE, bo.now());
    let result = match form.kind.parse::<OrgKind>() {
        Ok(kind) => match form.reach(kind) {
            Ok(reach) => accounts::add_organisation(&state.store, &by, &form.name, kind, &reach).await,
            Err(e) => Err(e),
        },
        Err(_) => Err(AccountError::Invalid { field: "kind", message: "Choose the kind of organisation.".into() }),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/organisations").into_response()),
        Err(e) => {
            let errors = html::field_errors(e)?;
            let orgs = state.store.organisations().await?;
            let csps = state.store.all_csps().await?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, organisations_page(&a, &orgs, &csps, &form, &errors)))
        }
    }
}

fn organisation_page(a: &Authed, o: &Organisation, csps: &[Csp], form: &OrgForm, errors: &[FieldError]) -> String {
    let body = format!(
        "{summary}<p>{name} is a {kind}. It works within {reach}.</p>\
         <form method=\"post\" action=\"/admin/organisations/{id}\" novalidate>{csrf}{fields}\
         <button type=\"submit\">Save what {name} works within</button></form>\
         <p><a href=\"/admin/organisations\">Back to organisations</a></p>",
        summary = html::error_summary(errors),
        name = esc(&o.name),
        kind = esc(&o.kind.label().to_lowercase()),
        reach = esc(&o.reach.describe()),
        id = o.id,
        csrf = html::csrf_field(a.csrf()),
        fields = reach_fields(form, csps, errors),
    );
    html::page(&format!("What {} works within", o.name), Some(a), &body)
}

async fn find_organisation(state: &AppState, id: i64) -> Result<Organisation, PageError> {
    state.store.organisation(id).await?.ok_or_else(|| crate::WebError::NotFound(format!("Organisation {id}")).into())
}

pub async fn organisation(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageOrganisations>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let o = find_organisation(&state, id).await?;
    let csps = state.store.all_csps().await?;
    Ok(html::respond(StatusCode::OK, organisation_page(&a, &o, &csps, &OrgForm::of(&o), &[])))
}

pub async fn set_organisation_reach(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageOrganisations>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let o = find_organisation(&state, id).await?;
    let form = OrgForm::from_pairs(pairs);
    let result = match form.reach(o.kind) {
        Ok(reach) => {
            state.store.set_organisation_reach(id, &reach, &a.by(PURPOSE, bo.now())).await.map_err(|e| match e {
                StoreError::Invalid(m) => AccountError::Invalid { field: "reach", message: m },
                e => e.into(),
            })
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/organisations").into_response()),
        Err(e) => {
            let errors = html::field_errors(e)?;
            let csps = state.store.all_csps().await?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, organisation_page(&a, &o, &csps, &form, &errors)))
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
            "id": o.id,
            "name": o.name,
            "kind": o.kind.slug(),
            "created_at": o.created_at,
            "force": o.reach.force(),
            "partnerships": o.reach.partnerships().iter().map(ToString::to_string).collect::<Vec<_>>(),
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

/// Whether `caller` may change account `u` (the same check the store makes).
fn may_change(caller: &Caller, u: &UserRecord) -> bool {
    caller
        .authorise(Permission::ManageUsers, Target::Account { organisation_id: u.organisation_id, role: u.role })
        .is_ok()
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
        let actions = if u.id == a.user.id {
            "<p>This is you</p>".to_string()
        } else if !may_change(a.caller(), u) {
            "<p>Changed only at the command line</p>".to_string()
        } else {
            let toggle = if u.disabled {
                html::post_button(&format!("/admin/users/{}/enable", u.id), a.csrf(), &format!("Enable {}", u.email))
            } else {
                html::post_button(&format!("/admin/users/{}/disable", u.id), a.csrf(), &format!("Disable {}", u.email))
            };
            format!("{toggle}<a href=\"/admin/users/{}/reset\">Reset password for {}</a>", u.id, esc(&u.email))
        };
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
            esc(&u.display_name),
            esc(&u.email),
            esc(u.role.label()),
            esc(&u.organisation_name),
            status(u, now),
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
    // Only the roles the store would let this caller give.
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .filter(|r| match a.caller() {
            Caller::Account(acc) => a
                .caller()
                .authorise(Permission::ManageUsers, Target::Account { organisation_id: acc.organisation_id, role: **r })
                .is_ok(),
            _ => false,
        })
        .map(|r| (r.slug().into(), r.label().into()))
        .collect();
    let scope = match &a.account().reach {
        Reach::Installation => {
            "You manage each organisation's administrators; they manage their own staff.".to_string()
        }
        _ => format!("You manage the accounts of {}.", a.account().organisation_name),
    };
    let body = format!(
        "{summary}<p>{scope}</p>{table}<h2>Add a user</h2>\
         <form method=\"post\" action=\"/admin/users\" novalidate>{csrf}{email}{name}{org}{role}{password}\
         <p>The password must be at least 12 characters and must not contain the email address. \
         Give it to the person by a safe route.</p><button type=\"submit\">Add user</button></form>",
        summary = html::error_summary(errors),
        scope = esc(&scope),
        csrf = html::csrf_field(a.csrf()),
        email = html::input("email", "Email address", "email", &form.email, "off", errors),
        name = html::input("display_name", "Full name", "text", &form.display_name, "off", errors),
        org = html::select("organisation", "Organisation", &orgs, &form.organisation, errors),
        role = html::select("role", "Role", &roles, &form.role, errors),
        password = html::input("password", "Initial password", "password", "", "new-password", errors),
    );
    html::page("User accounts", Some(a), &body)
}

async fn render_users(
    state: &AppState,
    a: &Authed,
    now: chrono::DateTime<chrono::Utc>,
    status: StatusCode,
    form: &UserForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let users = state.store.users(&a.by(PURPOSE, now)).await?;
    let orgs = state.store.organisations_for(a.caller()).await?;
    Ok(html::respond(status, users_page(a, now, &users, &orgs, form, errors)))
}

pub async fn users(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
) -> Result<Response, PageError> {
    render_users(&state, &a, bo.now(), StatusCode::OK, &UserForm::default(), &[]).await
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
            accounts::add_user(&state.store, &a.by(PURPOSE, now), &new, &bo.password_policy).await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let errors = html::field_errors(e)?;
            render_users(&state, &a, now, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
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
    match accounts::set_disabled(&state.store, &a.by(PURPOSE, bo.now()), id, disabled).await {
        Ok(()) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            html::field_errors(e)?;
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
    Page(a, bo, ..): Page<need::ManageUsers>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    set_disabled(&state, &a, &bo, id, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Path(id): Path<i64>,
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

pub async fn reset_form(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = state.store.managed_user(id, &a.by(PURPOSE, bo.now())).await?;
    Ok(html::respond(StatusCode::OK, reset_page(&a, &u, &[])))
}

pub async fn reset_password(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    let by = a.by(PURPOSE, bo.now());
    match accounts::reset_password(&state.store, &by, id, &form.password, &bo.password_policy).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e) => {
            let errors = html::field_errors(e)?;
            let u = state.store.user_to_change(id, &by).await?;
            Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, reset_page(&a, &u, &errors)))
        }
    }
}

/// `GET /api/v1/admin/users`: the accounts the token's holder administers.
pub async fn api_users(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageUsers>,
) -> Result<Json<Value>, crate::WebError> {
    let users = state.store.users(&a.by(PURPOSE, bo.now())).await?;
    Ok(Json(json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() })))
}
