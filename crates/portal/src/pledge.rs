//! The public Policing Pledge pages for a force, a basic command unit and a
//! neighbourhood: each
//! commitment's figure for the latest month with events, its 12-month trend
//! and what the standard means. Figures only: never event ids (breaches) or
//! anything about a person.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use peel_core::Month;
use peel_core::pledge::{CommitmentId, Figure, Report, StandardSet};
use peel_spatial::OpenData;

use super::figures::window;
use super::format::thousands;
use super::lookup::{bcu_or_404, force_or_404, neighbourhood_or_404};
use super::months::{MonthChoice, MonthQuery};
use super::svg::percent_chart;
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "pledge.html")]
pub struct PledgePage {
    title: String,
    caption: String,
    crumbs: Vec<(String, String)>,
    /// Whose figures these are, in a sentence: "City of London Police".
    whose: String,
    /// The latest month's figures count generated (demo) events.
    generated: bool,
    /// Earlier months of the trend that count generated events, named.
    generated_earlier: Option<String>,
    /// `None` when no events are held at all.
    latest_name: Option<String>,
    first_name: String,
    commitments: Vec<CommitmentView>,
    /// How the figures are put together, where that is not obvious (a BCU).
    scope_note: Option<String>,
    /// The smaller areas with their own Pledge pages: (href, name).
    parts: Vec<(String, String)>,
    /// The months with records to choose from: (value, label, selected).
    picker: Vec<(String, String, bool)>,
    /// The same area's demand-against-deployment page.
    demand_href: String,
}

struct CommitmentView {
    anchor: String,
    heading: String,
    standard: String,
    measured: &'static str,
    source: String,
    version: String,
    /// "12 of 14 met (85.7%)", or that nothing was eligible.
    summary: String,
    percent: String,
    met: String,
    eligible: String,
    median: String,
    p90: String,
    /// Sentences about times and shares, for the timed commitments.
    details: Vec<String>,
    chart_svg: String,
    /// (month, percent, met, eligible)
    trend_rows: Vec<(String, String, String, String)>,
}

/// A short heading and how the figure is measured, in plain English.
pub(super) fn about(id: CommitmentId) -> (&'static str, &'static str) {
    match id {
        CommitmentId::Answer999 => (
            "Answering 999 calls",
            "Every 999 call received in the month counts. A call is met if it was answered within the limit. A call where the caller hung up before it was answered counts as not met.",
        ),
        CommitmentId::EmergencyAttendance => (
            "Attending emergencies",
            "Every emergency (grade 1) incident created in the month counts, unless it was cancelled. It is met if an officer arrived within the limit: the rural limit applies in rural areas. An incident still waiting for an officer counts only once its limit has passed.",
        ),
        CommitmentId::PriorityAttendance => (
            "Attending priority calls",
            "Every priority (grade 2) incident created in the month counts, unless it was cancelled. It is met if an officer arrived within the limit.",
        ),
        CommitmentId::ScheduledAttendance => (
            "Scheduled appointments",
            "Every incident where attendance could be scheduled (grade 3) counts, unless it was cancelled. It is met if the appointment offered was within 48 hours and an officer arrived by the appointment; without an appointment, if an officer arrived within 48 hours.",
        ),
        CommitmentId::TeamMessageReply => (
            "Replies to messages to the neighbourhood team",
            "Every message received by a neighbourhood team in the month counts. It is met if it was answered within the limit. A message still waiting for a reply counts only once its limit has passed.",
        ),
        CommitmentId::TeamVisibility => (
            "Time the team spends in the neighbourhood",
            "Each neighbourhood whose officers recorded shifts in the month counts once. It is met if the time they spent in the neighbourhood was at least the required share of all their shift time.",
        ),
        CommitmentId::PublicMeetings => (
            "Public meetings",
            "Each neighbourhood counts once a month. It is met if at least the required number of public meetings was held there that month.",
        ),
        CommitmentId::VictimUpdates => (
            "Keeping victims informed",
            "Every agreement to keep a victim of crime updated that was active in the month counts. It is met if the victim was never left waiting longer than the interval agreed with them.",
        ),
        CommitmentId::DissatisfactionAck => (
            "Acknowledging dissatisfaction",
            "Every expression of dissatisfaction received in the month counts. It is met if it was acknowledged within the limit.",
        ),
    }
}

/// 42 → "42 seconds", 5400 → "1 hour 30 minutes", 93600 → "1 day 2 hours".
pub fn duration(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{} {unit}s", thousands(n)) };
    let s = seconds.max(0);
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => plural(s, "second"),
        (0, 0, m) if s % 60 == 0 => plural(m, "minute"),
        (0, 0, m) => format!("{} {}", plural(m, "minute"), plural(s % 60, "second")),
        (0, h, 0) => plural(h, "hour"),
        (0, h, m) => format!("{} {}", plural(h, "hour"), plural(m, "minute")),
        (d, 0, _) => plural(d, "day"),
        (d, h, _) => format!("{} {}", plural(d, "day"), plural(h, "hour")),
    }
}

fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p:.1}%"))
}

fn summary(f: &Figure, month: &str) -> String {
    match f.percent {
        None => format!("Nothing counted towards this standard in {month}."),
        Some(p) => {
            format!("{} of {} met in {month}: {p:.1}%.", thousands(f.met as i64), thousands(f.eligible as i64))
        }
    }
}

fn details(f: &Figure) -> Vec<String> {
    let mut out = Vec::new();
    let verb = match f.id {
        CommitmentId::Answer999 => "answered",
        CommitmentId::TeamMessageReply => "answered",
        CommitmentId::DissatisfactionAck => "acknowledged",
        _ => "attended",
    };
    if let (Some(m), Some(p)) = (f.median_seconds, f.p90_seconds) {
        out.push(format!("Half were {verb} within {}, and 9 in 10 within {}.", duration(m), duration(p)));
    }
    if let Some(v) = f.visible_percent {
        out.push(format!("Across all their shifts, officers spent {v:.1}% of their time in their neighbourhoods."));
    }
    if f.pending > 0 {
        out.push(format!(
            "{} more {} not yet due, so {} not counted yet.",
            thousands(f.pending as i64),
            if f.pending == 1 { "is" } else { "are" },
            if f.pending == 1 { "it is" } else { "they are" }
        ));
    }
    out
}

/// Whether the latest month's figures count generated (demo) events, and
/// the earlier months of the trend that do, as "May 2025 and June 2025":
/// a page is labelled as demo figures only when the month it reports is.
fn demo_months(latest: Option<Month>, reports: &[Report]) -> (bool, Option<String>) {
    let latest_generated = reports.iter().any(|r| Some(r.month) == latest && r.generated);
    let earlier: Vec<String> =
        reports.iter().filter(|r| Some(r.month) != latest && r.generated).map(|r| r.month.long_name()).collect();
    let named = match earlier.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    };
    (latest_generated, named.filter(|_| !latest_generated))
}

fn build(
    whose: &str,
    latest: Option<Month>,
    reports: &[Report],
    standards: &StandardSet,
) -> (Option<String>, String, Vec<CommitmentView>) {
    let Some(latest) = latest else { return (None, String::new(), vec![]) };
    let (first, _) = window(latest);
    let latest_name = latest.long_name();
    let Some(current) = reports.iter().find(|r| r.month == latest) else {
        return (None, String::new(), vec![]);
    };
    let views = current
        .commitments
        .iter()
        .map(|f| {
            let (heading, measured) = about(f.id);
            let trend: Vec<(Month, Option<&Figure>)> =
                reports.iter().map(|r| (r.month, r.figure(f.id))).collect();
            let points: Vec<(Month, Option<f64>)> = trend.iter().map(|(m, t)| (*m, t.and_then(|t| t.percent))).collect();
            let chart_svg = percent_chart(
                &format!("pledge-{}", f.id.as_str()),
                &format!("{heading}: percentage met each month in {whose}"),
                &format!(
                    "Line chart of the percentage met each month from {} to {}, on a scale of 0 to 100%. Months with nothing to count are left out. The same figures are in the table below.",
                    first.long_name(),
                    latest_name
                ),
                &points,
            );
            CommitmentView {
                anchor: f.id.as_str().to_string(),
                heading: heading.to_string(),
                standard: f.standard.clone(),
                measured,
                source: standards.get(f.id).source.clone(),
                version: f.version.clone(),
                summary: summary(f, &latest_name),
                percent: percent_text(f.percent),
                met: thousands(f.met as i64),
                eligible: thousands(f.eligible as i64),
                median: f.median_seconds.map(duration).unwrap_or_else(|| "–".into()),
                p90: f.p90_seconds.map(duration).unwrap_or_else(|| "–".into()),
                details: details(f),
                chart_svg,
                trend_rows: trend
                    .iter()
                    .map(|(m, t)| {
                        (
                            m.long_name(),
                            percent_text(t.and_then(|t| t.percent)),
                            t.map(|t| thousands(t.met as i64)).unwrap_or_default(),
                            t.map(|t| thousands(t.eligible as i64)).unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    (Some(latest_name), first.long_name(), views)
}

/// The same area's demand page, for the month shown.
fn demand_link(path: String, month: Option<Month>) -> String {
    match month {
        Some(m) => format!("{path}?date={m}"),
        None => path,
    }
}

/// The month chosen among those holding Pledge records for a force (or one
/// of its neighbourhoods): the latest when none is asked for.
async fn choose(
    state: &AppState,
    force_id: &str,
    neighbourhood: Option<&str>,
    date: Option<&str>,
) -> Result<MonthChoice, PageError> {
    let held = state.store.pledge().pledge_months(force_id, neighbourhood).await?;
    let latest = held.first().copied();
    MonthChoice::among(held, latest, date, "Policing Pledge figures")
}

/// The chosen month, the reports of the 12 months to it, and the standards.
async fn figures(
    state: &AppState,
    force_id: &str,
    neighbourhood: Option<&str>,
    date: Option<&str>,
) -> Result<(MonthChoice, Vec<Report>, StandardSet), PageError> {
    let store = &state.store;
    let choice = choose(state, force_id, neighbourhood, date).await?;
    let standards = store.pledge().pledge_standards(force_id, neighbourhood).await?;
    let reports = match choice.month {
        Some(month) => {
            let (from, to) = window(month);
            store.pledge().pledge_compliance_months(force_id, from, to, neighbourhood, Utc::now()).await?
        }
        None => vec![],
    };
    Ok((choice, reports, standards))
}

/// A basic command unit's chosen month (among its force's), reports and standards.
async fn bcu_figures(
    state: &AppState,
    force_id: &str,
    id: &str,
    date: Option<&str>,
) -> Result<(MonthChoice, Vec<Report>, StandardSet), PageError> {
    let store = &state.store;
    let choice = choose(state, force_id, None, date).await?;
    let standards = store.pledge().pledge_standards(force_id, None).await?;
    let reports = match choice.month {
        Some(month) => {
            let (from, to) = window(month);
            store.pledge().pledge_compliance_bcu_months(force_id, from, to, id, Utc::now()).await?.unwrap_or_default()
        }
        None => vec![],
    };
    Ok((choice, reports, standards))
}

pub async fn force_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, &id)?;
    let (choice, reports, standards) = figures(&state, &id, None, q.date.as_deref()).await?;
    let latest = choice.month;
    let (latest_name, first_name, commitments) = build(&f.name, latest, &reports, &standards);
    let parts = data
        .geography()
        .bcus_of(&id)
        .map(|b| (format!("/forces/{id}/bcus/{}/pledge", b.id), format!("{} basic command unit", b.name)))
        .collect();
    let demo = demo_months(latest, &reports);
    render(&PledgePage {
        title: format!("Policing Pledge: {}", f.name),
        caption: f.name.clone(),
        crumbs: vec![(format!("/forces/{id}"), f.name.clone())],
        whose: f.name.clone(),
        generated: demo.0,
        generated_earlier: demo.1,
        latest_name,
        first_name,
        commitments,
        scope_note: None,
        parts,
        picker: choice.picker,
        demand_href: demand_link(format!("/forces/{id}/demand"), latest),
    })
}

pub async fn neighbourhood_page(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let n = &neighbourhood_or_404(&data, &force_id, &id)?.neighbourhood;
    let f = force_or_404(&data, &force_id)?;
    let (choice, reports, standards) = figures(&state, &force_id, Some(&id), q.date.as_deref()).await?;
    let latest = choice.month;
    let (latest_name, first_name, commitments) = build(&n.name, latest, &reports, &standards);
    let demo = demo_months(latest, &reports);
    render(&PledgePage {
        title: format!("Policing Pledge: {}", n.name),
        caption: f.name.clone(),
        crumbs: vec![
            (format!("/forces/{force_id}"), f.name.clone()),
            (format!("/neighbourhoods/{force_id}/{id}"), n.name.clone()),
        ],
        whose: n.name.clone(),
        generated: demo.0,
        generated_earlier: demo.1,
        latest_name,
        first_name,
        commitments,
        scope_note: None,
        parts: vec![],
        picker: choice.picker,
        demand_href: demand_link(format!("/neighbourhoods/{force_id}/{id}/demand"), latest),
    })
}

/// Links to one kind of page (`page`: "pledge", "demand") of a BCU's
/// neighbourhoods, by name.
pub(super) fn neighbourhood_links(
    data: &OpenData,
    force_id: &str,
    members: &BTreeSet<String>,
    page: &str,
) -> Vec<(String, String)> {
    let geography = data.geography();
    let mut parts: Vec<(String, String)> = members
        .iter()
        .filter_map(|n| {
            let hood = geography.neighbourhood(force_id, n)?;
            Some((format!("/neighbourhoods/{force_id}/{n}/{page}"), hood.neighbourhood.name.clone()))
        })
        .collect();
    parts.sort_by(|a, b| a.1.cmp(&b.1));
    parts
}

/// What a BCU's figures count: records naming its neighbourhoods, against its force's standards.
fn bcu_scope_note(whose: &str, force_name: &str, neighbourhoods: usize) -> String {
    if neighbourhoods == 0 {
        format!(
            "peel knows of no neighbourhoods in the {whose}, so only records that name none of them (updates to victims) could count here."
        )
    } else {
        format!(
            "These figures count the records that name one of the {} neighbourhoods in the {whose}, measured against {force_name}'s standards. Public meetings count each of those neighbourhoods once a month.",
            thousands(neighbourhoods as i64),
        )
    }
}

pub async fn bcu_page(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, &force_id)?;
    let bcu = bcu_or_404(&data, f, &id)?;
    let members = state.store.geography().bcu_neighbourhoods(&force_id, &id).await?.unwrap_or_default();
    let (choice, reports, standards) = bcu_figures(&state, &force_id, &id, q.date.as_deref()).await?;
    let latest = choice.month;
    let whose = format!("{} basic command unit", bcu.name);
    let (latest_name, first_name, commitments) = build(&whose, latest, &reports, &standards);
    let parts = neighbourhood_links(&data, &force_id, &members, "pledge");
    let scope_note = Some(bcu_scope_note(&whose, &f.name, members.len()));
    let demo = demo_months(latest, &reports);
    render(&PledgePage {
        title: format!("Policing Pledge: {whose}"),
        caption: f.name.clone(),
        crumbs: vec![
            (format!("/forces/{force_id}"), f.name.clone()),
            (format!("/forces/{force_id}/bcus/{id}"), bcu.name.clone()),
        ],
        whose,
        generated: demo.0,
        generated_earlier: demo.1,
        latest_name,
        first_name,
        commitments,
        scope_note,
        parts,
        picker: choice.picker,
        demand_href: demand_link(format!("/forces/{force_id}/bcus/{id}/demand"), latest),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(42), "42 seconds");
        assert_eq!(duration(60), "1 minute");
        assert_eq!(duration(754), "12 minutes 34 seconds");
        assert_eq!(duration(5400), "1 hour 30 minutes");
        assert_eq!(duration(7200), "2 hours");
        assert_eq!(duration(93_600), "1 day 2 hours");
        assert_eq!(duration(172_800), "2 days");
    }
}
