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
use super::html::{self, FieldError, PageError, esc};
use crate::pledge::standards::{
    PURPOSE, can_set, known_force, known_neighbourhood, may_set, set_area, set_local_standard, withdraw_local_standard,
};
use crate::{AppState, WebError};

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

async fn render(state: &AppState, a: &Authed, v: View<'_>) -> Result<String, PageError> {
    let forces = state.store.forces().await?;
    let mut force_options = vec![(String::new(), "Choose a force".to_string())];
    // Only the forces whose standards this person may set: their own.
    force_options.extend(forces.iter().filter(|f| can_set(a.caller(), &f.id)).map(|f| (f.id.clone(), f.name.clone())));
    let hoods = if v.force.is_empty() { Vec::new() } else { state.store.neighbourhoods(&v.force).await? };
    let mut hood_options = vec![(String::new(), "The whole force".to_string())];
    hood_options.extend(hoods.iter().map(|n| (n.id.clone(), n.name.clone())));

    let mut body = String::from(
        "<p>The Policing Pledge's national standards are the minimum the public can expect. A force may \
         promise more, and so may a neighbourhood through its Neighbourhood Agreement; a local standard can \
         never be looser than the one below it. Every published figure names the version of the standard \
         that produced it, and every change here is written to the audit log.</p>",
    );
    if !v.saved.is_empty() {
        let _ = write!(body, "<div role=\"status\"><p><strong>Saved:</strong> {}</p></div>", esc(v.saved));
    }
    let place = place_name(&forces, &hoods, &v.force, &v.neighbourhood);
    if let (Some((id, was)), Some(set)) = (v.withdrawn, &v.standards) {
        let now = set.get(id);
        let _ = write!(
            body,
            "<div role=\"status\"><p><strong>Withdrawn:</strong> the local {id} standard ({was}) for {place}. \
             {id} there is now {limit} ({version}).</p></div>",
            was = esc(was),
            place = esc(&place),
            limit = esc(&limit_text(&now.limit)),
            version = esc(&now.version),
        );
    }
    body.push_str(&html::error_summary(v.errors));
    let _ = write!(
        body,
        "<form method=\"get\" action=\"{PATH}\">{}{}<button type=\"submit\">Show the standards</button></form>",
        html::select("force", "Force", &force_options, &v.force, &[]),
        if hoods.is_empty() {
            String::new()
        } else {
            html::select("neighbourhood", "Neighbourhood", &hood_options, &v.neighbourhood, &[])
        },
    );
    let Some(set) = &v.standards else {
        return Ok(html::page("Policing Pledge standards", Some(a), &body));
    };
    // Only this level's own standards can be withdrawn here; a
    // neighbourhood's page says which come from the force instead.
    let hood = Some(v.neighbourhood.as_str()).filter(|n| !n.is_empty());
    let own = state.store.local_standards_at(&v.force, hood).await?;
    let force_own = if hood.is_some() { state.store.local_standards_at(&v.force, None).await? } else { Vec::new() };
    let force_name = place_name(&forces, &hoods, &v.force, "");
    let mut rows = String::new();
    for s in set.iter() {
        let origin = if own.iter().any(|o| o.id == s.id) {
            let level = if hood.is_some() { "The neighbourhood's own" } else { "The force's own" };
            format!("{level}{}", withdraw_button(a, &v.force, &v.neighbourhood, s, &place))
        } else if force_own.iter().any(|o| o.id == s.id) {
            format!(
                "The force's own: <a href=\"{PATH}?force={}\">change it for all of {}</a>",
                percent_encode(&v.force),
                esc(&force_name)
            )
        } else {
            "The national minimum".to_string()
        };
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{origin}</td></tr>",
            esc(s.id.as_str()),
            esc(&s.description),
            esc(&limit_text(&s.limit)),
            esc(&s.version),
            esc(&s.source)
        );
    }
    let place = esc(&place);
    let _ = write!(
        body,
        "<h2 id=\"in-force\">In force for {place}</h2>{}",
        html::table(
            "The standards in force",
            &format!(
                "<caption>The standards in force for {place}</caption><thead><tr>\
                 <th scope=\"col\">Commitment</th><th scope=\"col\">What the public is promised</th>\
                 <th scope=\"col\">Limit</th><th scope=\"col\">Version</th><th scope=\"col\">Source</th>\
                 <th scope=\"col\">Set by</th></tr></thead>\
                 <tbody>{rows}</tbody>"
            )
        ),
    );

    let f = v.form;
    let commitments: Vec<(String, String)> =
        CommitmentId::ALL.iter().map(|c| (c.as_str().to_string(), c.as_str().to_string())).collect();
    let units: Vec<(String, String)> =
        ["seconds", "minutes", "hours"].iter().map(|u| (u.to_string(), u.to_string())).collect();
    let hidden = format!(
        "<input type=\"hidden\" name=\"force\" value=\"{}\"><input type=\"hidden\" name=\"neighbourhood\" value=\"{}\">",
        esc(&v.force),
        esc(&v.neighbourhood)
    );
    let _ = write!(
        body,
        "<h2>Set a stricter standard for {place}</h2>\
         <form method=\"post\" action=\"{PATH}\" novalidate>{csrf}{hidden}{commitment}{version}{description}{source}\
         <fieldset><legend>The limit: fill in the one that fits the commitment</legend>\
         <p class=\"hint\">999 answers, priority and scheduled attendance, message replies and acknowledgements \
         take a time limit; emergency attendance an urban and a rural limit; visibility a percentage; public \
         meetings a number a month; victim updates the longest interval between updates.</p>\
         {amount}{unit}{urban}{rural}{percent}{count}{max_days}</fieldset>\
         <button type=\"submit\">Save the standard</button></form>",
        csrf = html::csrf_field(a.csrf()),
        commitment = html::select("commitment", "Commitment", &commitments, &f.commitment, v.errors),
        version = html::input("version", "Version (e.g. kent-2025-04)", "text", &f.version, "off", v.errors),
        description = html::input(
            "description",
            "What the public is promised, in plain English",
            "text",
            &f.description,
            "off",
            v.errors
        ),
        source = html::input("source", "Source (the published promise)", "text", &f.source, "off", v.errors),
        amount = html::input("amount", "Time limit", "text", &f.amount, "off", v.errors),
        unit = html::select(
            "unit",
            "Time limit in",
            &units,
            if f.unit.is_empty() { "minutes" } else { &f.unit },
            v.errors
        ),
        urban = html::input("urban_minutes", "Urban limit, in minutes", "text", &f.urban_minutes, "off", v.errors),
        rural = html::input("rural_minutes", "Rural limit, in minutes", "text", &f.rural_minutes, "off", v.errors),
        percent = html::input("percent", "Percentage of duty time", "text", &f.percent, "off", v.errors),
        count = html::input("count", "Public meetings a month", "text", &f.count, "off", v.errors),
        max_days = html::input(
            "max_days",
            "Longest interval between victim updates, in days",
            "text",
            &f.max_days,
            "off",
            v.errors
        ),
    );
    if !v.neighbourhood.is_empty() {
        let areas = state.store.neighbourhood_areas(&v.force).await?;
        let current = areas.get(&v.neighbourhood).copied().unwrap_or_default();
        let options: Vec<(String, String)> = [AreaKind::Urban, AreaKind::Rural]
            .iter()
            .map(|k| (k.as_str().to_string(), k.as_str().to_string()))
            .collect();
        let _ = write!(
            body,
            "<h2>Urban or rural</h2><p>{place} is <strong>{current}</strong>: its emergencies are attended within \
             the {current} limit unless an incident says otherwise.</p>\
             <form method=\"post\" action=\"{PATH}/area\">{csrf}{hidden}{select}\
             <button type=\"submit\">Save the setting</button></form>",
            current = current.as_str(),
            csrf = html::csrf_field(a.csrf()),
            select = html::select("area", "Setting", &options, current.as_str(), &[]),
        );
    }
    Ok(html::page("Policing Pledge standards", Some(a), &body))
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

/// A "Withdraw" button for a local standard set at the level shown. Its
/// accessible name says which standard and where, since a screen reader
/// may list the buttons without their rows; the visible word starts it.
fn withdraw_button(a: &Authed, force: &str, neighbourhood: &str, s: &Standard, place: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{PATH}/withdraw\">{csrf}\
         <input type=\"hidden\" name=\"force\" value=\"{force}\">\
         <input type=\"hidden\" name=\"neighbourhood\" value=\"{neighbourhood}\">\
         <input type=\"hidden\" name=\"commitment\" value=\"{id}\">\
         <button type=\"submit\" id=\"withdraw-{id}\">Withdraw<span class=\"visually-hidden\"> the local {id} \
         standard ({version}) for {place}</span></button></form>",
        csrf = html::csrf_field(a.csrf()),
        force = esc(force),
        neighbourhood = esc(neighbourhood),
        id = esc(s.id.as_str()),
        version = esc(&s.version),
        place = esc(place),
    )
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
        Some(state.store.pledge_standards(&id, hood.as_deref()).await?)
    };
    let form = StandardForm::default();
    let withdrawn = q.withdrawn.parse::<CommitmentId>().ok().map(|id| (id, q.was.as_str()));
    let view = View { force, neighbourhood, saved: &q.saved, withdrawn, standards, form: &form, errors: &[] };
    Ok(html::respond(StatusCode::OK, render(&state, &a, view).await?))
}

pub async fn save_standard(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Form(form): Form<StandardForm>,
) -> Result<Response, PageError> {
    let force = known_force(Some(&form.force))?;
    may_set(&state.store, &a.by(PURPOSE, bo.now()), &force).await?;
    let hood = Some(form.neighbourhood.trim()).filter(|n| !n.is_empty());
    let checked =
        form.commitment.parse::<CommitmentId>().map_err(|_| problem("commitment", "Choose a commitment.")).and_then(
            |id| {
                let limit = limit_from(&form, id)?;
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
            },
        );
    let error = match checked {
        Ok(standard) => match set_local_standard(&state.store, &a.by(PURPOSE, bo.now()), &force, hood, &standard).await
        {
            Ok(_) => {
                let saved = format!("{} is now {} ({})", standard.id, limit_text(&standard.limit), standard.version);
                return Ok(again(&force, hood.unwrap_or(""), &saved));
            }
            Err(WebError::Unprocessable(message)) => problem("commitment", message),
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let standards = Some(state.store.pledge_standards(&force, hood).await?);
    let errors = [error];
    let view = View {
        force,
        neighbourhood: hood.unwrap_or("").to_string(),
        saved: "",
        withdrawn: None,
        standards,
        form: &form,
        errors: &errors,
    };
    Ok(html::respond(StatusCode::UNPROCESSABLE_ENTITY, render(&state, &a, view).await?))
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
    may_set(&state.store, &a.by(PURPOSE, bo.now()), &force).await?;
    let hood = known_neighbourhood(&state.store, &force, Some(&form.neighbourhood)).await?;
    let commitment: CommitmentId =
        form.commitment.trim().parse().map_err(|e: StandardError| WebError::BadRequest(e.to_string()))?;
    let (status, error) = match withdraw_local_standard(
        &state.store,
        &a.by(PURPOSE, bo.now()),
        &force,
        hood.as_deref(),
        commitment,
    )
    .await
    {
        Ok((withdrawn, _)) => {
            let mut to = format!(
                "{PATH}?force={}&withdrawn={}&was={}",
                percent_encode(&force),
                percent_encode(commitment.as_str()),
                percent_encode(&withdrawn.version)
            );
            if let Some(n) = &hood {
                let _ = write!(to, "&neighbourhood={}", percent_encode(n));
            }
            return Ok(Redirect::to(&to).into_response());
        }
        Err(WebError::NotFound(message)) => (StatusCode::NOT_FOUND, problem("in-force", message)),
        Err(WebError::Unprocessable(message)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, problem(&format!("withdraw-{commitment}"), message))
        }
        Err(e) => return Err(e.into()),
    };
    let standards = Some(state.store.pledge_standards(&force, hood.as_deref()).await?);
    let errors = [error];
    let empty = StandardForm::default();
    let view = View {
        force,
        neighbourhood: hood.unwrap_or_default(),
        saved: "",
        withdrawn: None,
        standards,
        form: &empty,
        errors: &errors,
    };
    Ok(html::respond(status, render(&state, &a, view).await?))
}

pub async fn save_area(
    State(state): State<AppState>,
    Page(a, bo, ..): Page<need::SetPledgeStandards>,
    Form(form): Form<AreaForm>,
) -> Result<Response, PageError> {
    may_set(&state.store, &a.by(PURPOSE, bo.now()), form.force.trim()).await?;
    let area: AreaKind = form.area.parse().map_err(WebError::BadRequest)?;
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
