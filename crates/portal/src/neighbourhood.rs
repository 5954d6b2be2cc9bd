//! The neighbourhood page: the team, priorities ("you said, we did"),
//! meetings, crime by category, the 12-month trend, the map, outcomes, how
//! the area compares, and how to contact, complain and escalate.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use peel_core::geo::Area;
use peel_core::{CrimeCategory, Month, Outcome};
use peel_spatial::CrimeRef;

use super::figures::{AreaFigures, MonthCount, figures, window};
use super::format::{long_date, one_decimal, strip_tags, thousands, time_of_day};
use super::lookup::{force_or_404, neighbourhood_or_404};
use super::svg::{area_map, map_legend};
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "neighbourhood.html")]
pub struct NeighbourhoodPage {
    force_id: String,
    force_name: String,
    id: String,
    name: String,
    bcu: Option<(String, String)>,
    csp: Option<(String, String)>,
    sample: bool,
    description: Option<String>,
    team: Vec<TeamMember>,
    contacts: Vec<(String, String)>,
    locations: Vec<String>,
    priorities: Vec<PriorityView>,
    events: Vec<EventView>,
    fig: AreaFigures,
    map_svg: String,
    legend: Vec<(&'static str, &'static str)>,
    streets: Vec<(String, String)>,
    outcomes: Vec<(String, String)>,
    /// (href, category, street, latest outcome) of the month's crimes with a reference.
    crime_links: Vec<(String, &'static str, String, &'static str)>,
    rate_unit: String,
    comparison: Vec<(String, String, String)>,
}

struct TeamMember {
    name: String,
    rank: String,
    bio: Option<String>,
}

struct PriorityView {
    issue: String,
    issue_date: String,
    action: Option<String>,
    action_date: String,
}

struct EventView {
    title: String,
    when: String,
    address: Option<String>,
    description: Option<String>,
}

fn contact_label(key: &str) -> String {
    match key {
        "email" => "Email".into(),
        "telephone" => "Telephone".into(),
        "mobile" => "Mobile".into(),
        "web" => "Website".into(),
        "twitter" => "X (Twitter)".into(),
        "facebook" => "Facebook".into(),
        other => {
            let mut s = other.replace('-', " ");
            if let Some(first) = s.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            s
        }
    }
}

fn month_counts(crimes: &[CrimeRef<'_>]) -> Vec<MonthCount> {
    let mut m: BTreeMap<(Month, CrimeCategory), i64> = BTreeMap::new();
    for c in crimes {
        *m.entry((c.month(), c.category())).or_default() += 1;
    }
    m.into_iter().map(|((month, category), count)| (month, category, count)).collect()
}

fn rate(count: i64, per: Option<f64>) -> String {
    match per {
        Some(d) if d > 0.0 => one_decimal(count as f64 / d),
        _ => "Not known".into(),
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let details = neighbourhood_or_404(&data, &force_id, &id)?;
    let n = &details.neighbourhood;
    let force = force_or_404(&data, &force_id)?;
    let geography = data.geography();
    let boundary = data.neighbourhood_boundary(&force_id, &id);
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let csps: Vec<_> = geography.csps_of(&force_id).collect();
    let csp = n.csp_id.as_ref().and_then(|c| csps.iter().copied().find(|x| &x.id == c)).or(if csps.len() == 1 {
        csps.first().copied()
    } else {
        None
    });
    let bcu_id = n.bcu_id.clone().or_else(|| csp.map(|c| c.bcu_id.clone()));
    let bcu =
        bcu_id.and_then(|b| geography.bcus_of(&force_id).find(|x| x.id == b)).map(|b| (b.id.clone(), b.name.clone()));

    let latest = data.latest_month().unwrap_or_else(|| Month::new(2025, 1).unwrap_or_else(|| unreachable!()));
    let (from, to) = window(latest);
    // The crimes at the map points inside the boundary (found once, then kept).
    let crimes = data.crimes_at_points(data.neighbourhood_points(&force_id, &id), from, to);
    let fig = figures(&n.name, &month_counts(&crimes), latest);
    let this_month: Vec<&CrimeRef> = crimes.iter().filter(|c| c.month() == latest).collect();
    let place = |c: &CrimeRef| c.point().and_then(|p| data.point(p));
    let points: Vec<_> = this_month.iter().filter_map(|c| place(c).map(|(_, at, _)| (at, c.category()))).collect();
    let map_svg = if boundary.is_some() || !points.is_empty() {
        area_map(&format!("Crime in {} in {}", n.name, latest.long_name()), boundary, &points)
    } else {
        String::new()
    };
    let mut streets: BTreeMap<&str, i64> = BTreeMap::new();
    let mut outcomes: BTreeMap<&'static str, i64> = BTreeMap::new();
    for c in &this_month {
        if let Some((_, _, street)) = place(c) {
            *streets.entry(street).or_default() += 1;
        }
        if let Some(o) = c.last_outcome() {
            *outcomes.entry(Outcome::name(o)).or_default() += 1;
        }
    }
    let mut streets: Vec<(&str, i64)> = streets.into_iter().collect();
    streets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut outcomes: Vec<(&str, i64)> = outcomes.into_iter().collect();
    outcomes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    // How it compares: per 1,000 residents where populations are known, else per km².
    let force_count: i64 = data.force_counts(Some(&force_id), latest, latest).iter().map(|c| c.2).sum();
    let force_pop: i64 = csps.iter().filter_map(|c| c.population).sum();
    let count = this_month.len() as i64;
    let (rate_unit, comparison) = match n.population.filter(|p| *p > 0) {
        Some(pop) => (
            "per 1,000 residents".to_string(),
            vec![
                (n.name.clone(), thousands(count), rate(count, Some(pop as f64 / 1000.0))),
                (
                    force.name.clone(),
                    thousands(force_count),
                    rate(force_count, (force_pop > 0).then(|| force_pop as f64 / 1000.0)),
                ),
            ],
        ),
        None => {
            let km2 = boundary.map(Area::area_km2);
            let force_km2 = geography.force(&force_id).and_then(|f| f.boundary.as_ref()).map(Area::area_km2);
            (
                "per square kilometre".to_string(),
                vec![
                    (n.name.clone(), thousands(count), rate(count, km2)),
                    (force.name.clone(), thousands(force_count), rate(force_count, force_km2)),
                ],
            )
        }
    };

    render(&NeighbourhoodPage {
        force_name: force.name.clone(),
        id: n.id.clone(),
        name: n.name.clone(),
        bcu,
        csp: csp.map(|c| (c.id.clone(), c.name.clone())),
        sample: details.sample,
        description: n.description.as_deref().map(strip_tags).filter(|d| !d.is_empty()),
        team: details
            .team
            .iter()
            .map(|p| TeamMember { name: p.name.clone(), rank: p.rank.clone(), bio: p.bio.as_deref().map(strip_tags) })
            .collect(),
        contacts: n.contact_details.iter().map(|(k, v)| (contact_label(k), v.clone())).collect(),
        locations: n
            .locations
            .iter()
            .map(|l| {
                [l.name.as_deref(), l.address.as_deref(), l.postcode.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(strip_tags)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
            .collect(),
        priorities: details
            .priorities
            .iter()
            .map(|p| PriorityView {
                issue: strip_tags(&p.issue),
                issue_date: long_date(&p.issue_date),
                action: p.action.as_deref().map(strip_tags),
                action_date: p.action_date.as_deref().map(long_date).unwrap_or_default(),
            })
            .collect(),
        events: details
            .events
            .iter()
            .filter(|e| e.end_date.as_deref().unwrap_or(&e.start_date) >= now.as_str())
            .map(|e| {
                let time = time_of_day(&e.start_date);
                let end = e.end_date.as_deref().map(time_of_day).unwrap_or_default();
                let when = match (time.is_empty(), end.is_empty()) {
                    (true, _) => long_date(&e.start_date),
                    (false, true) => format!("{} at {time}", long_date(&e.start_date)),
                    (false, false) => format!("{}, {time} to {end}", long_date(&e.start_date)),
                };
                EventView {
                    title: e.title.clone(),
                    when,
                    address: e.address.clone(),
                    description: e.description.as_deref().map(strip_tags),
                }
            })
            .collect(),
        fig,
        legend: map_legend(&points),
        map_svg,
        streets: streets.into_iter().take(10).map(|(s, n)| (s.to_string(), thousands(n))).collect(),
        outcomes: outcomes.into_iter().map(|(o, n)| (o.to_string(), thousands(n))).collect(),
        crime_links: this_month
            .iter()
            .filter_map(|c| {
                let pid = c.persistent_id()?;
                Some((
                    format!("/crimes/{pid}"),
                    c.category().name(),
                    place(c).map(|(_, _, street)| street.to_string()).unwrap_or_default(),
                    c.last_outcome().map_or("No outcome published", Outcome::name),
                ))
            })
            .take(100)
            .collect(),
        rate_unit,
        comparison,
        force_id,
    })
}
