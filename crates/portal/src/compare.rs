//! Comparisons: every force against the national average, and the
//! neighbourhoods of a force against each other. Tables sort by a link per
//! column (no JavaScript); a bar chart shows the same figures.

use std::fmt::Write;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use peel_core::{Month, rates};
use peel_spatial::OpenData;
use serde::Deserialize;

use super::force_rates;
use super::format::{one_decimal, thousands};
use super::lookup::force_or_404;
use super::months::MonthChoice;
use super::svg::escape;
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    title: String,
    crumbs: Vec<(String, String)>,
    month_name: String,
    explanation: String,
    /// (label, sort key, numeric, `aria-sort` when sorted by this)
    headers: Vec<(&'static str, &'static str, bool, Option<&'static str>)>,
    rows: Vec<Row>,
    /// Rows summing up the areas above (the table's foot), not sorted with them.
    summary: Vec<Row>,
    chart_svg: String,
    chart_caption: String,
    /// The month the reader chose (empty for the latest), kept by the sort links.
    date: String,
    /// The months held to choose from: (value, label, selected).
    picker: Vec<(String, String, bool)>,
    /// Notes under the table: where populations come from, what is missing.
    notes: Vec<String>,
    /// A link to "compared with its most similar group", where one applies.
    similar_link: Option<(String, String)>,
    /// Whether the table has the column of links to each force's group.
    similar_column: bool,
}

struct Row {
    name: String,
    href: String,
    /// The force's most similar group page (forces only).
    similar: Option<String>,
    count: String,
    per_1000: String,
    per_km2: String,
    highlight: bool,
}

struct Figure {
    name: String,
    href: String,
    similar: Option<String>,
    count: i64,
    population: Option<i64>,
    km2: Option<f64>,
    highlight: bool,
}

impl Figure {
    fn per_1000(&self) -> Option<f64> {
        rates::per_thousand_residents(self.count, self.population)
    }

    fn per_km2(&self) -> Option<f64> {
        rates::per_square_km(self.count, self.km2)
    }
}

#[derive(Deserialize)]
pub struct SortQuery {
    sort: Option<String>,
    /// The month compared (`YYYY-MM`); the latest held by default.
    #[serde(default)]
    date: Option<String>,
}

/// The column headings; the one sorted by says which way, as `sort_figures`
/// orders: names A to Z, figures largest first.
fn headers(sort: &str) -> Vec<(&'static str, &'static str, bool, Option<&'static str>)> {
    [
        ("Area", "name", false),
        ("Crimes", "count", true),
        ("Per 1,000 residents", "per1000", true),
        ("Per km²", "perkm2", true),
    ]
    .into_iter()
    .map(|(l, k, num)| (l, k, num, (k == sort).then_some(if k == "name" { "ascending" } else { "descending" })))
    .collect()
}

fn sort_figures(figs: &mut [Figure], sort: &str) {
    let key = |f: &Figure| match sort {
        "count" => Some(f.count as f64),
        "per1000" => f.per_1000(),
        "perkm2" => f.per_km2(),
        _ => None,
    };
    if sort == "name" {
        figs.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        figs.sort_by(|a, b| key(b).partial_cmp(&key(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.name.cmp(&b.name)));
    }
}

fn bar_chart(title: &str, figs: &[Figure], per_km2: bool) -> String {
    let values: Vec<(&str, f64)> = figs
        .iter()
        .filter_map(|f| if per_km2 { f.per_km2() } else { f.per_1000() }.map(|v| (f.name.as_str(), v)))
        .collect();
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1e-9);
    let (w, bar, gap, label_w) = (640.0, 22.0, 8.0, 230.0);
    let h = (bar + gap) * values.len() as f64 + gap;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="bars-title" xmlns="http://www.w3.org/2000/svg"><title id="bars-title">{}</title>"#,
        escape(title)
    );
    for (i, (name, v)) in values.iter().enumerate() {
        let y = gap + i as f64 * (bar + gap);
        let len = (w - label_w - 70.0) * v / max;
        let _ = write!(
            s,
            r##"<text x="{}" y="{:.1}" text-anchor="end" font-size="13" fill="#0b0c0c">{}</text><rect x="{label_w}" y="{y:.1}" width="{len:.1}" height="{bar}" fill="#1d70b8"/><text x="{:.1}" y="{:.1}" font-size="13" fill="#0b0c0c">{}</text>"##,
            label_w - 8.0,
            y + bar * 0.7,
            escape(name),
            label_w + len + 6.0,
            y + bar * 0.7,
            one_decimal(*v)
        );
    }
    s.push_str("</svg>");
    s
}

fn rows(figs: &[Figure]) -> Vec<Row> {
    figs.iter()
        .map(|f| Row {
            name: f.name.clone(),
            href: f.href.clone(),
            similar: f.similar.clone(),
            count: thousands(f.count),
            per_1000: f.per_1000().map_or("Not known".into(), one_decimal),
            per_km2: f.per_km2().map_or("Not known".into(), one_decimal),
            highlight: f.highlight,
        })
        .collect()
}

/// Each force with crimes held for `month`.
fn force_figures(data: &OpenData, month: Month) -> Vec<Figure> {
    force_rates::held(data, month)
        .into_iter()
        .map(|f| Figure {
            href: format!("/forces/{}", f.id),
            similar: Some(format!("/forces/{}/similar", f.id)),
            name: f.name,
            count: f.count.unwrap_or_default(),
            population: f.population,
            km2: f.km2,
            highlight: false,
        })
        .collect()
}

/// The rows after the forces: the average force and the national figure.
fn summary_rows(data: &OpenData, month: Month) -> (Vec<Row>, force_rates::National) {
    let figs = force_rates::held(data, month);
    let national = force_rates::national(data, month);
    let rows = [force_rates::average("Average of these forces", &figs), national.figure.clone()]
        .into_iter()
        .map(|s| Row {
            name: s.name,
            href: String::new(),
            similar: None,
            count: s.count.map_or("Not known".into(), force_rates::count_text),
            per_1000: force_rates::rate_text(s.per_1000),
            per_km2: force_rates::rate_text(s.per_km2),
            highlight: true,
        })
        .collect();
    (rows, national)
}

/// Each neighbourhood of the force with a boundary, and its count for `month`.
fn neighbourhood_figures(data: &OpenData, force_id: &str, month: Month) -> Vec<Figure> {
    let mut figs = Vec::new();
    for (r, area) in data.neighbourhood_boundaries().filter(|(r, _)| r.force_id == force_id) {
        let id = &r.neighbourhood_id;
        if area.bbox().is_none() {
            continue;
        }
        let count = data.count_at_points(data.neighbourhood_points(force_id, id), month) as i64;
        let n = data.geography().neighbourhood(force_id, id).map(|d| &d.neighbourhood);
        figs.push(Figure {
            name: n.map_or(id.clone(), |n| n.name.clone()),
            href: format!("/neighbourhoods/{force_id}/{id}"),
            similar: None,
            count,
            population: n.and_then(|n| n.population).and_then(|p| i64::try_from(p).ok()),
            km2: Some(area.area_km2()),
            highlight: false,
        });
    }
    figs
}

pub async fn forces(State(state): State<AppState>, Query(q): Query<SortQuery>) -> Result<Response, PageError> {
    let sort = q.sort.unwrap_or_else(|| "perkm2".into());
    let data = state.index.current();
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let month = choice.month;
    let mut figs = month.map(|m| force_figures(&data, m)).unwrap_or_default();
    sort_figures(&mut figs, &sort);
    let chart_svg = bar_chart("Crimes per square kilometre by force", &figs, true);
    let inputs = state.store.comparisons().comparison_inputs().await?;
    let (summary, notes) = match month {
        Some(m) if !figs.is_empty() => {
            let (summary, national) = summary_rows(&data, m);
            (summary, force_rates::notes(&force_rates::held(&data, m), &national, &inputs.population_sources))
        }
        _ => (Vec::new(), Vec::new()),
    };
    render(&ComparePage {
        title: "Compare police forces".into(),
        crumbs: vec![],
        month_name: month.map(Month::long_name).unwrap_or_default(),
        explanation: "Rates are per 1,000 residents where the population of the force's community safety partnerships is imported, and per square kilometre of the force boundary. The average is the average force: each figure's mean over the forces listed, each counting once. The national row adds up every force held, and its rates divide total crimes by total residents (or area) of the forces that have them.".into(),
        headers: headers(&sort),
        date: q.date.as_ref().and(month).map(|m| m.to_string()).unwrap_or_default(),
        picker: choice.picker,
        rows: rows(&figs),
        summary,
        chart_svg,
        chart_caption: "Crimes per square kilometre; the table gives every figure.".into(),
        notes,
        similar_link: None,
        similar_column: true,
    })
}

pub async fn neighbourhoods(
    State(state): State<AppState>,
    Path(force_id): Path<String>,
    Query(q): Query<SortQuery>,
) -> Result<Response, PageError> {
    let sort = q.sort.unwrap_or_else(|| "perkm2".into());
    let data = state.index.current();
    let force = force_or_404(&data, &force_id)?;
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let month = choice.month;
    let mut figs = month.map(|m| neighbourhood_figures(&data, &force_id, m)).unwrap_or_default();
    sort_figures(&mut figs, &sort);
    let chart_svg = bar_chart(&format!("Crimes per square kilometre by neighbourhood in {}", force.name), &figs, true);
    render(&ComparePage {
        title: format!("Compare neighbourhoods in {}", force.name),
        crumbs: vec![(format!("/forces/{force_id}"), force.name.clone())],
        month_name: month.map(Month::long_name).unwrap_or_default(),
        explanation: "Rates are per 1,000 residents where the neighbourhood's population is published, and per square kilometre of its boundary.".into(),
        headers: headers(&sort),
        date: q.date.as_ref().and(month).map(|m| m.to_string()).unwrap_or_default(),
        picker: choice.picker,
        rows: rows(&figs),
        summary: Vec::new(),
        chart_svg,
        chart_caption: "Crimes per square kilometre; the table gives every figure.".into(),
        notes: Vec::new(),
        similar_link: Some((format!("/forces/{force_id}/similar"), format!("Compare {} with its most similar group of forces", force.name))),
        similar_column: false,
    })
}
