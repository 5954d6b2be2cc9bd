//! A force compared with its most similar group: the published group (as
//! imported) and the group peel computes from the imported variables, each
//! as crimes per 1,000 residents beside the group's average, and why the
//! computed peers are peers (each variable's value and z-score, and each
//! peer's distance). The method is `peel_core::peers`; `docs/methods.md`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use peel_core::Month;
use peel_core::peers::{self, MAX_PEERS, PublishedGroup, Standardised};
use peel_spatial::OpenData;
use peel_store::ComparisonInputs;

use super::force_rates::{self, ForceFigure, SummaryFigure};
use super::format::one_decimal;
use super::lookup::force_or_404;
use super::months::{MonthChoice, MonthQuery};
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "similar.html")]
pub struct SimilarPage {
    title: String,
    force_id: String,
    force_name: String,
    month_name: String,
    picker: Vec<(String, String, bool)>,
    published: Section,
    computed: Section,
    why: Option<Why>,
    /// (name, sources with years, mean, standard deviation)
    variables: Vec<(String, String, String, String)>,
    left_out: Vec<String>,
    method_version: &'static str,
    notes: Vec<String>,
}

/// One group as a table, or why there is none.
#[derive(Default)]
struct Section {
    /// Empty when there is no table; `message` then says why.
    rows: Vec<GroupRow>,
    message: String,
    source: String,
    caption: String,
}

struct GroupRow {
    rank: String,
    name: String,
    href: String,
    distance: String,
    count: String,
    per_1000: String,
    summary: bool,
}

/// The standardised variables of the force and its computed peers.
struct Why {
    /// The force, then its peers.
    columns: Vec<String>,
    /// (variable, cells "value (z-score)")
    rows: Vec<(String, Vec<String>)>,
    distances: Vec<String>,
}

pub async fn page(
    State(state): State<AppState>,
    Path(force_id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let force = force_or_404(&data, &force_id)?.clone();
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let inputs = state.store.comparisons().comparison_inputs().await?;
    let standardised = peers::standardise(&inputs.variables);
    let month = choice.month;
    let mut published = month.map_or_else(no_month, |m| published_section(&data, &inputs, &force_id, m));
    published.caption = format!("The published most similar group of {}", force.name);
    let mut computed = month.map_or_else(no_month, |m| computed_section(&data, &standardised, &force_id, m));
    computed.caption = format!("The most similar group peel computes for {}", force.name);
    let why = why(&data, &standardised, &force_id);
    let notes = month.map_or_else(Vec::new, |m| notes(&data, &inputs, &force_id, &standardised, m));
    render(&SimilarPage {
        title: format!("{} compared with its most similar group", force.name),
        force_name: force.name,
        force_id,
        month_name: month.map(Month::long_name).unwrap_or_default(),
        picker: choice.picker,
        published,
        computed,
        why,
        variables: variable_rows(&standardised, &inputs),
        left_out: standardised
            .left_out
            .iter()
            .map(|(f, v)| format!("{} (no {})", force_rates::force_name(&data, f), v.join(", ")))
            .collect(),
        method_version: peers::METHOD_VERSION,
        notes,
    })
}

fn no_month() -> Section {
    Section { message: "There are no crime figures to compare yet.".into(), ..Section::default() }
}

/// The force and its peers (with their distances where computed), the
/// group's average (the force included, as HMIC's group averages are) and
/// the national figure.
fn group_rows(data: &OpenData, force_id: &str, peers: &[(String, Option<f64>)], month: Month) -> Vec<GroupRow> {
    let me = force_rates::force_figure(data, force_id, month);
    let members: Vec<ForceFigure> = peers.iter().map(|(id, _)| force_rates::force_figure(data, id, month)).collect();
    let row = |rank: String, f: &ForceFigure, distance: Option<f64>| GroupRow {
        rank,
        name: f.name.clone(),
        href: format!("/forces/{}", f.id),
        distance: distance.map_or(String::new(), |d| format!("{d:.2}")),
        count: f.count.map_or("No figures held".into(), |c| force_rates::count_text(c as f64)),
        per_1000: match (f.count, f.population) {
            (None, _) => "No figures held".into(),
            (Some(_), None) => "Not known".into(),
            _ => force_rates::rate_text(f.per_1000()),
        },
        summary: false,
    };
    let mut rows = vec![row("The force".into(), &me, None)];
    rows.extend(members.iter().zip(peers).enumerate().map(|(i, (f, (_, d)))| row((i + 1).to_string(), f, *d)));
    let mut all = members.clone();
    all.push(me.clone());
    let average = force_rates::average(&format!("Group average (including {})", me.name), &all);
    for s in [average, force_rates::national(data, month).figure] {
        rows.push(summary_row(s));
    }
    rows
}

fn summary_row(s: SummaryFigure) -> GroupRow {
    GroupRow {
        rank: String::new(),
        name: s.name,
        href: String::new(),
        distance: String::new(),
        count: s.count.map_or("No figures held".into(), force_rates::count_text),
        per_1000: force_rates::rate_text(s.per_1000),
        summary: true,
    }
}

fn published_section(data: &OpenData, inputs: &ComparisonInputs, force_id: &str, month: Month) -> Section {
    let Some(group) = inputs.published_groups.iter().find(|g| g.force_id == force_id) else {
        let message = if inputs.published_groups.is_empty() {
            "No published list of most similar groups is held.".to_string()
        } else {
            "The published list held gives no group for this force.".to_string()
        };
        return Section { message, ..Section::default() };
    };
    let PublishedGroup { peers, source, year, .. } = group;
    let source = format!("{source} ({year})");
    if peers.is_empty() {
        let message = "The published list gives this force no peers: no force is like it (HMIC's groups give the City of London none).".into();
        return Section { message, source, ..Section::default() };
    }
    let peers: Vec<(String, Option<f64>)> = peers.iter().map(|p| (p.clone(), None)).collect();
    Section { rows: group_rows(data, force_id, &peers, month), source, ..Section::default() }
}

fn computed_section(data: &OpenData, s: &Standardised, force_id: &str, month: Month) -> Section {
    let source = format!("computed by peel, method {}", peers::METHOD_VERSION);
    let Some(near) = s.nearest(force_id, MAX_PEERS) else {
        let message = if s.variables.is_empty() {
            "No variables to compute groups from are held (see below).".into()
        } else {
            "This force lacks a value for a variable used, so peel computes no group for it (see below).".into()
        };
        return Section { message, source, ..Section::default() };
    };
    let peers: Vec<(String, Option<f64>)> = near.into_iter().map(|p| (p.force_id, Some(p.distance))).collect();
    Section { rows: group_rows(data, force_id, &peers, month), source, ..Section::default() }
}

fn why(data: &OpenData, s: &Standardised, force_id: &str) -> Option<Why> {
    let near = s.nearest(force_id, MAX_PEERS)?;
    let mut members = vec![s.force(force_id)?];
    members.extend(near.iter().filter_map(|p| s.force(&p.force_id)));
    let rows = s
        .variables
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let cells = members.iter().map(|m| format!("{} ({:+.2})", trim_number(m.values[i]), m.z[i])).collect();
            (v.name.clone(), cells)
        })
        .collect();
    Some(Why {
        columns: members.iter().map(|m| force_rates::force_name(data, &m.force_id)).collect(),
        rows,
        distances: std::iter::once("0".to_string()).chain(near.iter().map(|p| format!("{:.2}", p.distance))).collect(),
    })
}

/// A value as imported, without trailing zeros ("4.5", "580").
fn trim_number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn variable_rows(s: &Standardised, inputs: &ComparisonInputs) -> Vec<(String, String, String, String)> {
    s.variables
        .iter()
        .map(|v| {
            let mut sources: Vec<String> = inputs
                .variables
                .iter()
                .filter(|x| x.variable == v.name)
                .map(|x| format!("{} ({})", x.source, x.year))
                .collect();
            sources.sort();
            sources.dedup();
            (v.name.clone(), sources.join("; "), one_decimal(v.mean), format!("{:.2}", v.sd))
        })
        .collect()
}

fn notes(data: &OpenData, inputs: &ComparisonInputs, force_id: &str, s: &Standardised, month: Month) -> Vec<String> {
    let mut ids: Vec<String> = vec![force_id.to_string()];
    if let Some(g) = inputs.published_groups.iter().find(|g| g.force_id == force_id) {
        ids.extend(g.peers.iter().cloned());
    }
    ids.extend(s.nearest(force_id, MAX_PEERS).unwrap_or_default().into_iter().map(|p| p.force_id));
    ids.sort();
    ids.dedup();
    let figs: Vec<ForceFigure> = ids.iter().map(|id| force_rates::force_figure(data, id, month)).collect();
    force_rates::notes(&figs, &force_rates::national(data, month), &inputs.population_sources)
}
