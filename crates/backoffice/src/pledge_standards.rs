//! `/admin/pledge-standards`: the Pledge standards in force for a force or
//! a neighbourhood, and forms to set a stricter local one, withdraw one set
//! at that level, or set a neighbourhood's urban or rural setting. The
//! changes go through the same checks and audit as the API
//! (`crate::pledge::standards`).

use std::fmt::Write;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use peel_core::pledge::{AreaKind, CommitmentId, Limit, Standard, StandardError, StandardSet};
use serde::Deserialize;

use super::auth::percent_encode;
use super::auth::{Authed, Page, need};
use super::html::{FieldError, PageError};
use super::layout::{self, Chrome};
use crate::pledge::standards::{
    PURPOSE, can_set, known_force, known_neighbourhood, may_set, set_area, set_local_standard, withdraw_local_standard,
};
use crate::{AppState, JsonError};
use askama::Template;

const PATH: &str = "/admin/pledge-standards";

#[derive(Debug, Deserialize, Default)]
pub struct Scope {
    #[serde(default)]
    force: String,
    #[serde(default)]
    neighbourhood: String,
    /// Set after a change, to say what was saved.
    #[serde(default)]
    saved: String,
    /// Set after a withdrawal: the commitment whose local standard went…
    #[serde(default)]
    withdrawn: String,
    /// …and the version it had, so the confirmation can name it.
    #[serde(default)]
    was: String,
}

/// The standard form's fields, all text so a bad value is reported on its
/// field rather than refused by the extractor.
#[derive(Debug, Deserialize, Default)]
pub struct StandardForm {
    #[serde(default)]
    force: String,
    #[serde(default)]
    neighbourhood: String,
    #[serde(default)]
    commitment: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    urban_minutes: String,
    #[serde(default)]
    rural_minutes: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    max_days: String,
}

/// One "Withdraw" button's fields: which level's standard for which
/// commitment.
#[derive(Debug, Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    force: String,
    #[serde(default)]
    neighbourhood: String,
    #[serde(default)]
    commitment: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct AreaForm {
    #[serde(default)]
    force: String,
    #[serde(default)]
    neighbourhood: String,
    #[serde(default)]
    area: String,
}

fn problem(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), message: message.into() }
}

/// A whole number from a form field, at least `min`.
fn number(value: &str, field: &str, what: &str, min: i64) -> Result<i64, FieldError> {
    match value.trim().parse::<i64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(problem(field, format!("Enter {what} as a whole number of at least {min}."))),
    }
}

/// The limit the form describes, of the kind the commitment takes.
fn limit_from(form: &StandardForm, id: CommitmentId) -> Result<Limit, FieldError> {
    let positive = |n: i64, field: &str| u32::try_from(n).map_err(|_| problem(field, "That number is too large."));
    Ok(match StandardSet::national().get(id).limit {
        Limit::Within { .. } => {
            let seconds_per = match form.unit.as_str() {
                "seconds" => 1,
                "minutes" => 60,
                "hours" => 3600,
                _ => return Err(problem("unit", "Choose seconds, minutes or hours.")),
            };
            let amount = number(&form.amount, "amount", "the time limit", 1)?;
            let seconds =
                amount.checked_mul(seconds_per).ok_or_else(|| problem("amount", "That time limit is too long."))?;
            Limit::Within { seconds }
        }
        Limit::ByArea { .. } => {
            let seconds = |value: &str, field: &str, what: &str| {
                number(value, field, what, 1)?.checked_mul(60).ok_or_else(|| problem(field, "That limit is too long."))
            };
            Limit::ByArea {
                urban_seconds: seconds(&form.urban_minutes, "urban_minutes", "the urban limit in minutes")?,
                rural_seconds: seconds(&form.rural_minutes, "rural_minutes", "the rural limit in minutes")?,
            }
        }
        Limit::AtLeastPercent { .. } => {
            let n = number(&form.percent, "percent", "the percentage", 0)?;
            if n > 100 {
                return Err(problem("percent", "Enter a percentage of at most 100."));
            }
            Limit::AtLeastPercent { percent: positive(n, "percent")? }
        }
        Limit::AtLeastCount { .. } => Limit::AtLeastCount {
            count: positive(number(&form.count, "count", "the number of meetings", 1)?, "count")?,
        },
        Limit::AgreedInterval { .. } => Limit::AgreedInterval {
            max_days: Some(positive(
                number(&form.max_days, "max_days", "the longest interval in days", 1)?,
                "max_days",
            )?),
        },
    })
}

/// A limit in words, for the table.
fn limit_text(limit: &Limit) -> String {
    fn time(s: i64) -> String {
        match s {
            s if s % 3600 == 0 => format!("{} hours", s / 3600),
            s if s % 60 == 0 => format!("{} minutes", s / 60),
            s => format!("{s} seconds"),
        }
    }
    match limit {
        Limit::Within { seconds } => format!("within {}", time(*seconds)),
        Limit::ByArea { urban_seconds, rural_seconds } => {
            format!("within {} (urban), {} (rural)", time(*urban_seconds), time(*rural_seconds))
        }
        Limit::AtLeastPercent { percent } => format!("at least {percent}%"),
        Limit::AtLeastCount { count } => format!("at least {count} a month"),
        Limit::AgreedInterval { max_days: None } => "as agreed with each victim".into(),
        Limit::AgreedInterval { max_days: Some(d) } => format!("as agreed, and at least every {d} days"),
    }
}

struct View<'a> {
    force: String,
    neighbourhood: String,
    saved: &'a str,
    /// A withdrawal just made: the commitment and the version withdrawn.
    withdrawn: Option<(CommitmentId, &'a str)>,
    standards: Option<StandardSet>,
    form: &'a StandardForm,
    errors: &'a [FieldError],
}

/// The confirmation of a withdrawal: what went and what applies now.
struct Withdrawal {
    id: &'static str,
    was: String,
    limit: String,
    version: String,
}

/// One standard in force, and where it comes from.
struct StandardRow {
    id: &'static str,
    description: String,
    limit: String,
    version: String,
    source: String,
    /// Set at the level shown ("The force's own" or "The neighbourhood's
    /// own"), so it can be withdrawn here.
    own: Option<&'static str>,
    /// Set by the force, seen from one of its neighbourhoods.
    from_force: bool,
}

/// A neighbourhood's urban or rural setting and the choices.
struct AreaSetting {
    current: &'static str,
    options: Vec<(String, String)>,
}

/// The standards in force at the place chosen, and the forms to change them.
struct InForce {
    rows: Vec<StandardRow>,
    force_name: String,
    commitments: Vec<(String, String)>,
    units: Vec<(String, String)>,
    unit: String,
    area: Option<AreaSetting>,
}

#[derive(Template)]
#[template(path = "pledge_standards.html")]
struct StandardsPage<'a> {
    chrome: Chrome,
    force: String,
    force_query: String,
    neighbourhood: String,
    place: String,
    saved: &'a str,
    withdrawn: Option<Withdrawal>,
    force_options: Vec<(String, String)>,
    /// Empty when the force has no neighbourhoods to choose from.
    hood_options: Vec<(String, String)>,
    in_force: Option<InForce>,
    f: &'a StandardForm,
    errors: &'a [FieldError],
    /// For the fields whose problems are never shown on them.
    none: &'a [FieldError],
}

async fn area_setting(state: &AppState, force: &str, neighbourhood: &str) -> Result<AreaSetting, PageError> {
    let current =
        state.store.pledge().neighbourhood_areas(force).await?.get(neighbourhood).copied().unwrap_or_default();
    let options = [AreaKind::Urban, AreaKind::Rural].iter().map(|k| (k.as_str().into(), k.as_str().into()));
    Ok(AreaSetting { current: current.as_str(), options: options.collect() })
}

/// The standards in force at the place chosen, each with its origin.
async fn in_force(state: &AppState, v: &View<'_>, set: &StandardSet, force_name: String) -> Result<InForce, PageError> {
    // Only this level's own standards can be withdrawn here; a
    // neighbourhood's page says which come from the force instead.
    let hood = Some(v.neighbourhood.as_str()).filter(|n| !n.is_empty());
    let own = state.store.pledge().local_standards_at(&v.force, hood).await?;
    let force_own =
        if hood.is_some() { state.store.pledge().local_standards_at(&v.force, None).await? } else { Vec::new() };
    let level = if hood.is_some() { "The neighbourhood's own" } else { "The force's own" };
    let rows = set
        .iter()
        .map(|s| StandardRow {
            id: s.id.as_str(),
            description: s.description.clone(),
            limit: limit_text(&s.limit),
            version: s.version.clone(),
            source: s.source.clone(),
            own: own.iter().any(|o| o.id == s.id).then_some(level),
            from_force: force_own.iter().any(|o| o.id == s.id),
        })
        .collect();
    let area = match hood {
        None => None,
        Some(n) => Some(area_setting(state, &v.force, n).await?),
    };
    let pairs = |all: &[&str]| all.iter().map(|c| (c.to_string(), c.to_string())).collect::<Vec<_>>();
    let commitments: Vec<&str> = CommitmentId::ALL.iter().map(|c| c.as_str()).collect();
    Ok(InForce {
        rows,
        force_name,
        commitments: pairs(&commitments),
        units: pairs(&["seconds", "minutes", "hours"]),
        unit: if v.form.unit.is_empty() { "minutes".into() } else { v.form.unit.clone() },
        area,
    })
}

/// What a withdrawal just made leaves in force, to confirm it.
fn withdrawal(v: &View<'_>) -> Option<Withdrawal> {
    let ((id, was), set) = (v.withdrawn?, v.standards.as_ref()?);
    let now = set.get(id);
    Some(Withdrawal {
        id: id.as_str(),
        was: was.to_string(),
        limit: limit_text(&now.limit),
        version: now.version.clone(),
    })
}

async fn render(state: &AppState, a: &Authed, status: StatusCode, v: View<'_>) -> Result<Response, PageError> {
    let forces = state.store.geography().forces().await?;
    let mut force_options = vec![(String::new(), "Choose a force".to_string())];
    // Only the forces whose standards this person may set: their own.
    force_options.extend(forces.iter().filter(|f| can_set(a.caller(), &f.id)).map(|f| (f.id.clone(), f.name.clone())));
    let hoods = if v.force.is_empty() { Vec::new() } else { state.store.geography().neighbourhoods(&v.force).await? };
    let mut hood_options = Vec::new();
    if !hoods.is_empty() {
        hood_options.push((String::new(), "The whole force".to_string()));
        hood_options.extend(hoods.iter().map(|n| (n.id.clone(), n.name.clone())));
    }
    let place = place_name(&forces, &hoods, &v.force, &v.neighbourhood);
    let withdrawn = withdrawal(&v);
    let in_force = match &v.standards {
        Some(set) => Some(in_force(state, &v, set, place_name(&forces, &hoods, &v.force, "")).await?),
        None => None,
    };
    let page = StandardsPage {
        chrome: Chrome::of(a),
        force_query: percent_encode(&v.force),
        force: v.force.clone(),
        neighbourhood: v.neighbourhood.clone(),
        place,
        saved: v.saved,
        withdrawn,
        force_options,
        hood_options,
        in_force,
        f: v.form,
        errors: v.errors,
        none: &[],
    };
    layout::render(status, &page)
}

/// The name of the force, or of the neighbourhood when one is chosen.
fn place_name(
    forces: &[peel_core::geography::Force],
    hoods: &[peel_core::geography::Neighbourhood],
    force: &str,
    neighbourhood: &str,
) -> String {
    if neighbourhood.is_empty() {
        forces.iter().find(|f| f.id == force).map_or(force.to_string(), |f| f.name.clone())
    } else {
        hoods.iter().find(|n| n.id == neighbourhood).map_or(neighbourhood.to_string(), |n| n.name.clone())
    }
}

fn again(force: &str, neighbourhood: &str, saved: &str) -> Response {
    let mut to = format!("{PATH}?force={}&saved={}", percent_encode(force), percent_encode(saved));
    if !neighbourhood.is_empty() {
        let _ = write!(to, "&neighbourhood={}", percent_encode(neighbourhood));
    }
    Redirect::to(&to).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Query(q): Query<Scope>,
) -> Result<Response, PageError> {
    // Their own force's page unless another is asked for (and refused).
    let own = a.account().reach.force().unwrap_or_default();
    let force = Some(q.force.trim()).filter(|f| !f.is_empty()).unwrap_or(own).to_string();
    if !force.is_empty() {
        known_force(Some(&force))?;
        may_set(&state.store, &a.by(PURPOSE, bo.now()), &force).await?;
    }
    let neighbourhood = q.neighbourhood.trim().to_string();
    let standards = if force.is_empty() {
        None
    } else {
        let id = known_force(Some(&force))?;
        let hood = known_neighbourhood(&state.store, &id, Some(&neighbourhood)).await?;
        Some(state.store.pledge().pledge_standards(&id, hood.as_deref()).await?)
    };
    let form = StandardForm::default();
    let withdrawn = q.withdrawn.parse::<CommitmentId>().ok().map(|id| (id, q.was.as_str()));
    let view = View { force, neighbourhood, saved: &q.saved, withdrawn, standards, form: &form, errors: &[] };
    render(&state, &a, StatusCode::OK, view).await
}

/// The standard the form describes, or the first problem with it.
fn standard_from(form: &StandardForm) -> Result<Standard, FieldError> {
    let id = form.commitment.parse::<CommitmentId>().map_err(|_| problem("commitment", "Choose a commitment."))?;
    let limit = limit_from(form, id)?;
    if form.version.trim().is_empty() {
        return Err(problem("version", "Enter a version, such as the force and the date it was agreed."));
    }
    if form.description.trim().is_empty() {
        return Err(problem("description", "Say in plain English what the public is promised."));
    }
    Ok(Standard {
        id,
        version: form.version.trim().to_string(),
        description: form.description.trim().to_string(),
        limit,
        source: form.source.trim().to_string(),
    })
}

/// The page again for the place a form was about, with its problem.
async fn refused(
    state: &AppState,
    a: &Authed,
    status: StatusCode,
    (force, hood): (String, Option<&str>),
    form: &StandardForm,
    error: FieldError,
) -> Result<Response, PageError> {
    let standards = Some(state.store.pledge().pledge_standards(&force, hood).await?);
    let errors = [error];
    let neighbourhood = hood.unwrap_or("").to_string();
    let view = View { force, neighbourhood, saved: "", withdrawn: None, standards, form, errors: &errors };
    render(state, a, status, view).await
}

pub async fn save_standard(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Form(form): Form<StandardForm>,
) -> Result<Response, PageError> {
    let force = known_force(Some(&form.force))?;
    let by = a.by(PURPOSE, bo.now());
    may_set(&state.store, &by, &force).await?;
    let hood = Some(form.neighbourhood.trim()).filter(|n| !n.is_empty());
    let error = match standard_from(&form) {
        Ok(standard) => match set_local_standard(&state.store, &by, &force, hood, &standard).await {
            Ok(_) => {
                let saved = format!("{} is now {} ({})", standard.id, limit_text(&standard.limit), standard.version);
                return Ok(again(&force, hood.unwrap_or(""), &saved));
            }
            Err(JsonError::Unprocessable(message)) => problem("commitment", message),
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    refused(&state, &a, StatusCode::UNPROCESSABLE_ENTITY, (force, hood), &form, error).await
}

/// Where to go after a withdrawal: the same page, saying what went.
fn withdrawn_to(force: &str, hood: Option<&str>, commitment: CommitmentId, version: &str) -> Redirect {
    let mut to = format!(
        "{PATH}?force={}&withdrawn={}&was={}",
        percent_encode(force),
        percent_encode(commitment.as_str()),
        percent_encode(version)
    );
    if let Some(n) = hood {
        let _ = write!(to, "&neighbourhood={}", percent_encode(n));
    }
    Redirect::to(&to)
}

/// Withdraws the local standard a "Withdraw" button names, then shows the
/// page again saying what applies now. Nothing to withdraw (a second click,
/// say) or a withdrawal the layering refuses is explained on the page.
pub async fn withdraw(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let force = known_force(Some(&form.force))?;
    let by = a.by(PURPOSE, bo.now());
    may_set(&state.store, &by, &force).await?;
    let hood = known_neighbourhood(&state.store, &force, Some(&form.neighbourhood)).await?;
    let commitment: CommitmentId =
        form.commitment.trim().parse().map_err(|e: StandardError| JsonError::BadRequest(e.to_string()))?;
    let (status, error) = match withdraw_local_standard(&state.store, &by, &force, hood.as_deref(), commitment).await {
        Ok((withdrawn, _)) => {
            return Ok(withdrawn_to(&force, hood.as_deref(), commitment, &withdrawn.version).into_response());
        }
        Err(JsonError::NotFound(message)) => (StatusCode::NOT_FOUND, problem("in-force", message)),
        Err(JsonError::Unprocessable(message)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, problem(&format!("withdraw-{commitment}"), message))
        }
        Err(e) => return Err(e.into()),
    };
    refused(&state, &a, status, (force, hood.as_deref()), &StandardForm::default(), error).await
}

pub async fn save_area(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Form(form): Form<AreaForm>,
) -> Result<Response, PageError> {
    may_set(&state.store, &a.by(PURPOSE, bo.now()), form.force.trim()).await?;
    let area: AreaKind = form.area.parse().map_err(JsonError::BadRequest)?;
    set_area(&state.store, &a.by(PURPOSE, bo.now()), &form.force, &form.neighbourhood, area).await?;
    let saved = format!("{} is now {}", form.neighbourhood.trim(), area.as_str());
    Ok(again(form.force.trim(), form.neighbourhood.trim(), &saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(commitment: &str) -> StandardForm {
        StandardForm { commitment: commitment.into(), ..StandardForm::default() }
    }

    #[test]
    fn limits_come_from_the_fields_the_commitment_takes() {
        let f = StandardForm { amount: "8".into(), unit: "seconds".into(), ..form("999-answer") };
        assert_eq!(limit_from(&f, CommitmentId::Answer999).ok(), Some(Limit::Within { seconds: 8 }));
        let f = StandardForm { amount: "12".into(), unit: "hours".into(), ..form("team-message-reply") };
        assert_eq!(limit_from(&f, CommitmentId::TeamMessageReply).ok(), Some(Limit::Within { seconds: 43_200 }));
        let f = StandardForm { urban_minutes: "10".into(), rural_minutes: "15".into(), ..form("") };
        assert_eq!(
            limit_from(&f, CommitmentId::EmergencyAttendance).ok(),
            Some(Limit::ByArea { urban_seconds: 600, rural_seconds: 900 })
        );
        let f = StandardForm { max_days: "14".into(), ..form("") };
        assert_eq!(
            limit_from(&f, CommitmentId::VictimUpdates).ok(),
            Some(Limit::AgreedInterval { max_days: Some(14) })
        );
        let f = StandardForm { urban_minutes: i64::MAX.to_string(), rural_minutes: "1".into(), ..form("") };
        assert_eq!(
            limit_from(&f, CommitmentId::EmergencyAttendance).map_err(|e| e.field).err(),
            Some("urban_minutes".into())
        );
    }

    #[test]
    fn bad_limits_name_their_field() {
        let f = StandardForm { amount: "ten".into(), unit: "seconds".into(), ..form("") };
        assert_eq!(limit_from(&f, CommitmentId::Answer999).map_err(|e| e.field).err(), Some("amount".into()));
        let f = StandardForm { amount: "10".into(), unit: "fortnights".into(), ..form("") };
        assert_eq!(limit_from(&f, CommitmentId::Answer999).map_err(|e| e.field).err(), Some("unit".into()));
        let f = StandardForm { percent: "101".into(), ..form("") };
        assert_eq!(limit_from(&f, CommitmentId::TeamVisibility).map_err(|e| e.field).err(), Some("percent".into()));
        let f = StandardForm { count: "0".into(), ..form("") };
        assert_eq!(limit_from(&f, CommitmentId::PublicMeetings).map_err(|e| e.field).err(), Some("count".into()));
        let f = StandardForm { amount: i64::MAX.to_string(), unit: "hours".into(), ..form("") };
        assert_eq!(limit_from(&f, CommitmentId::Answer999).map_err(|e| e.field).err(), Some("amount".into()));
    }

    #[test]
    fn limits_in_words() {
        assert_eq!(limit_text(&Limit::Within { seconds: 10 }), "within 10 seconds");
        assert_eq!(
            limit_text(&Limit::ByArea { urban_seconds: 900, rural_seconds: 1200 }),
            "within 15 minutes (urban), 20 minutes (rural)"
        );
        assert_eq!(limit_text(&Limit::Within { seconds: 86_400 }), "within 24 hours");
    }
}
