//! `/admin/organisations` (the installation's administrators) and
//! `/admin/users` (each organisation's administrators, for their own
//! organisation). Who may change what is decided by the store's checks of
//! the caller; these pages only offer what those checks allow.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use peel_core::access::{Caller, OrgKind, Partnership, Permission, Reach, Role, Target};
use peel_store::{Csp, Organisation, StoreError, UserRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{Api, Authed, Page, need};
use super::html::{self, FieldError, PageError};
use super::layout::{Chrome, message_page, render};
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

/// The forces a police force's organisation may be placed in.
fn force_options() -> Vec<(String, String)> {
    let mut forces = vec![(String::new(), "Not a police force, or not set yet".to_string())];
    forces.extend(peel_core::force::FORCES.iter().map(|f| (f.id.to_string(), f.name.to_string())));
    forces
}

/// The partnerships anyone else may be placed in, as `force/csp` values.
fn partnership_options(csps: &[Csp]) -> Vec<(String, String)> {
    csps.iter().map(|c| (format!("{}/{}", c.force_id, c.id), format!("{} ({})", c.name, c.force_id))).collect()
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct OrganisationsPage<'a> {
    chrome: Chrome,
    orgs: &'a [Organisation],
    kinds: Vec<(String, String)>,
    forces: Vec<(String, String)>,
    partnerships: Vec<(String, String)>,
    form: &'a OrgForm,
    errors: &'a [FieldError],
}

async fn organisations_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    form: &OrgForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let orgs = state.store.accounts().organisations().await?;
    let csps = state.store.geography().all_csps().await?;
    let page = OrganisationsPage {
        chrome: Chrome::of(a),
        orgs: &orgs,
        kinds: OrgKind::ALL.iter().map(|k| (k.slug().into(), k.label().into())).collect(),
        forces: force_options(),
        partnerships: partnership_options(&csps),
        form,
        errors,
    };
    render(status, &page)
}

pub async fn organisations(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageOrganisations>,
) -> Result<Response, PageError> {
    organisations_page(&state, &a, StatusCode::OK, &OrgForm::default(), &[]).await
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
            organisations_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, &form, &errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_organisation.html")]
struct OrganisationPage<'a> {
    chrome: Chrome,
    o: &'a Organisation,
    forces: Vec<(String, String)>,
    partnerships: Vec<(String, String)>,
    form: &'a OrgForm,
    errors: &'a [FieldError],
}

async fn organisation_page(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    o: &Organisation,
    form: &OrgForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let csps = state.store.geography().all_csps().await?;
    let page = OrganisationPage {
        chrome: Chrome::of(a),
        o,
        forces: force_options(),
        partnerships: partnership_options(&csps),
        form,
        errors,
    };
    render(status, &page)
}

async fn find_organisation(state: &AppState, id: i64) -> Result<Organisation, PageError> {
    state
        .store
        .accounts()
        .organisation(id)
        .await?
        .ok_or_else(|| crate::JsonError::NotFound(format!("Organisation {id}")).into())
}

pub async fn organisation(
    State(state): State<AppState>,
    Page(a, ..): Page<need::ManageOrganisations>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let o = find_organisation(&state, id).await?;
    organisation_page(&state, &a, StatusCode::OK, &o, &OrgForm::of(&o), &[]).await
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
            state.store.accounts().set_organisation_reach(id, &reach, &a.by(PURPOSE, bo.now())).await.map_err(|e| {
                match e {
                    StoreError::Invalid(m) => AccountError::Invalid { field: "reach", message: m },
                    e => e.into(),
                }
            })
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/organisations").into_response()),
        Err(e) => {
            let errors = html::field_errors(e)?;
            organisation_page(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, &o, &form, &errors).await
        }
    }
}

pub async fn api_organisations(
    State(state): State<AppState>,
    Api(..): Api<need::ManageOrganisations>,
) -> Result<Json<Value>, crate::JsonError> {
    let orgs = state.store.accounts().organisations().await?;
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

/// One account's row in the table, with what the caller may do to it.
struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    organisation: String,
    status: &'static str,
    me: bool,
    may_change: bool,
    disabled: bool,
    enable: String,
    enable_label: String,
    disable: String,
    disable_label: String,
}

impl UserRow {
    fn of(a: &Authed, u: &UserRecord, now: chrono::DateTime<chrono::Utc>) -> UserRow {
        UserRow {
            id: u.id,
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role.label(),
            organisation: u.organisation_name.clone(),
            status: status(u, now),
            me: u.id == a.user.id,
            may_change: may_change(a.caller(), u),
            disabled: u.disabled,
            enable: format!("/admin/users/{}/enable", u.id),
            enable_label: format!("Enable {}", u.email),
            disable: format!("/admin/users/{}/disable", u.id),
            disable_label: format!("Disable {}", u.email),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    chrome: Chrome,
    scope: String,
    rows: Vec<UserRow>,
    orgs: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    form: &'a UserForm,
    errors: &'a [FieldError],
}

/// Only the roles the store would let this caller give.
fn roles_to_give(a: &Authed) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .filter(|r| match a.caller() {
            Caller::Account(acc) => a
                .caller()
                .authorise(Permission::ManageUsers, Target::Account { organisation_id: acc.organisation_id, role: **r })
                .is_ok(),
            _ => false,
        })
        .map(|r| (r.slug().into(), r.label().into()))
        .collect()
}

fn users_scope(a: &Authed) -> String {
    match &a.account().reach {
        Reach::Installation => {
            "You manage each organisation's administrators; they manage their own staff.".to_string()
        }
        _ => format!("You manage the accounts of {}.", a.account().organisation_name),
    }
}

async fn render_users(
    state: &AppState,
    a: &Authed,
    now: chrono::DateTime<chrono::Utc>,
    status: StatusCode,
    form: &UserForm,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let users = state.store.accounts().users(&a.by(PURPOSE, now)).await?;
    let orgs = state.store.accounts().organisations_for(a.caller()).await?;
    let page = UsersPage {
        chrome: Chrome::of(a),
        scope: users_scope(a),
        rows: users.iter().map(|u| UserRow::of(a, u, now)).collect(),
        orgs: orgs.iter().map(|o| (o.id.to_string(), o.name.clone())).collect(),
        roles: roles_to_give(a),
        form,
        errors,
    };
    render(status, &page)
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
        return Ok(message_page(
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
            Ok(message_page(
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

#[derive(Template)]
#[template(path = "admin_reset.html")]
struct ResetPage<'a> {
    chrome: Chrome,
    u: &'a UserRecord,
    errors: &'a [FieldError],
}

fn reset_page(status: StatusCode, a: &Authed, u: &UserRecord, errors: &[FieldError]) -> Result<Response, PageError> {
    render(status, &ResetPage { chrome: Chrome::of(a), u, errors })
}

pub async fn reset_form(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::ManageUsers>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = state.store.accounts().managed_user(id, &a.by(PURPOSE, bo.now())).await?;
    reset_page(StatusCode::OK, &a, &u, &[])
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
            let u = state.store.accounts().user_to_change(id, &by).await?;
            reset_page(StatusCode::UNPROCESSABLE_ENTITY, &a, &u, &errors)
        }
    }
}

/// `GET /api/v1/admin/users`: the accounts the token's holder administers.
pub async fn api_users(
    State(state): State<AppState>,
    Api(a, bo, ..): Api<need::ManageUsers>,
) -> Result<Json<Value>, crate::JsonError> {
    let users = state.store.accounts().users(&a.by(PURPOSE, bo.now())).await?;
    Ok(Json(json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() })))
}
