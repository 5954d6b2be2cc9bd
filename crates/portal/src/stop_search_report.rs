//! The stop and search figures of a force or a neighbourhood for a month,
//! built once per request from the open-data engine held in memory and
//! then shown as a page, a CSV and a JSON document from the same values
//! (method in `docs/methods.md`, version [`METHOD_VERSION`]).

use peel_core::Month;
use peel_core::geography::Neighbourhood;
use peel_core::peers::{self, MAX_PEERS};
use peel_core::quarterly::percent_change;
use peel_core::rates;
use peel_core::stop_search::{FIELDS, METHOD_VERSION, Row, StopCounts, rows};
use peel_spatial::OpenData;
use peel_store::ComparisonInputs;
use serde::Serialize;

use super::force_rates::{self, ForceFigure};
use super::format::thousands;

#[derive(Debug, Clone, Serialize)]
pub struct StopSearchReport {
    pub method_version: &'static str,
    pub force: String,
    pub force_name: String,
    /// "force" or "neighbourhood".
    pub area_kind: &'static str,
    /// The neighbourhood's id (none for a force).
    pub neighbourhood: Option<String>,
    pub area_name: String,
    pub month: String,
    pub month_name: String,
    /// Whether the force's stop and search file of the month is held.
    pub held: bool,
    /// Why there are no figures, when the month is not held (or the
    /// neighbourhood has no boundary to place stops in).
    pub no_figures: Option<String>,
    /// None when not held: never a zero in place of a missing month.
    pub stops: Option<u64>,
    /// A force's stops published without a map point (none for a neighbourhood).
    pub without_location: Option<u64>,
    pub same_month_last_year: String,
    pub same_month_last_year_name: String,
    pub same_month_last_year_held: bool,
    pub stops_last_year: Option<u64>,
    /// None when last year is not held or its count was zero.
    pub change_percent: Option<f64>,
    pub population: Option<i64>,
    /// Where the population comes from, or why there is none.
    pub population_note: String,
    pub per_1000: Option<f64>,
    pub linked: Option<LinkedFigures>,
    /// One per counted field, in `stop_search::FIELDS` order; empty when not held.
    pub breakdowns: Vec<Breakdown>,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkedFigures {
    pub yes: u64,
    pub no: u64,
    pub not_stated: u64,
    /// Yes as a percentage of the stops where it is stated.
    pub share_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    pub key: &'static str,
    pub title: &'static str,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    pub caption: String,
    /// Where the group comes from, or why there is none.
    pub notes: Vec<String>,
    pub rows: Vec<ComparisonRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub name: String,
    /// The row's own stop and search page (none for a summary row).
    pub href: Option<String>,
    /// None where no stop and search is held for the month.
    pub stops: Option<f64>,
    pub per_1000: Option<f64>,
    /// A row summing up the rows above (an average or the national figure).
    pub summary: bool,
}

/// The figures of force `force_id` (named `force_name`) for `month`.
pub fn force_report(
    data: &OpenData,
    force_id: &str,
    force_name: &str,
    month: Month,
    inputs: &ComparisonInputs,
) -> StopSearchReport {
    let held = data.stop_month_held(force_id, month);
    let last = month.plus(-12);
    let now = data.force_stop_counts(force_id, month);
    let before = data.force_stop_counts(force_id, last);
    let population = data.geography().force_population(force_id);
    let population_note = match (population, inputs.population_sources.get(force_id)) {
        (None, _) => format!("peel holds no population for {force_name}, so no rate per 1,000 residents is shown."),
        (Some(p), Some(s)) => format!("{} residents ({}, {}).", thousands(p), s.source, s.year),
        (Some(p), None) => {
            format!("{} residents; the areas file does not say where this population comes from.", thousands(p))
        }
    };
    let no_figures = (!held).then(|| {
        if data.stop_months(force_id).is_empty() {
            format!("police.uk publishes none for this force: peel holds no stop and search data for {force_name} for any month.")
        } else {
            format!("peel holds no stop and search data for {force_name} for {}: no stop and search file of that month was imported, so there are no figures to show (not a count of zero).", month.long_name())
        }
    });
    let mut r = report(Start {
        force_id,
        force_name,
        area_kind: "force",
        neighbourhood: None,
        area_name: force_name,
        month,
        held,
        population,
        population_note,
    });
    r.no_figures = no_figures;
    r.without_location = now.as_ref().map(|c| c.without_location);
    fill(&mut r, now.as_ref(), before.as_ref(), data.stop_month_held(force_id, last));
    if held {
        r.comparison = force_comparison(data, force_id, force_name, month, inputs);
    }
    r
}

/// The figures of neighbourhood `n` for `month`: the stops, by any force,
/// at the map points inside its boundary; the month is held when its
/// force's file is.
pub fn neighbourhood_report(
    data: &OpenData,
    n: &Neighbourhood,
    force_name: &str,
    month: Month,
    sample: bool,
) -> StopSearchReport {
    let fid = n.force_id.as_str();
    let held = data.stop_month_held(fid, month);
    let last = month.plus(-12);
    let has_boundary = data.neighbourhood_boundary(fid, &n.id).is_some();
    let points = data.neighbourhood_points(fid, &n.id);
    let count =
        |m: Month| (has_boundary && data.stop_month_held(fid, m)).then(|| data.stop_counts_at_points(points, m));
    let population = n.population.and_then(|p| i64::try_from(p).ok()).filter(|p| *p > 0);
    let population_note = match population {
        None => format!("peel holds no population for {}, so no rate per 1,000 residents is shown.", n.name),
        Some(p) if sample => {
            format!("{} residents (from the neighbourhood's details, which are sample content).", thousands(p))
        }
        Some(p) => format!("{} residents (from the neighbourhood's details).", thousands(p)),
    };
    let no_figures = if !has_boundary {
        Some(format!("peel holds no boundary for {}, so its stops cannot be placed in it.", n.name))
    } else if !held {
        Some(if data.stop_months(fid).is_empty() {
            format!(
                "police.uk publishes none for this force: peel holds no stop and search data for {force_name} for any month."
            )
        } else {
            format!(
                "peel holds no stop and search data for {force_name} for {}: no stop and search file of that month was imported, so there are no figures to show (not a count of zero).",
                month.long_name()
            )
        })
    } else {
        None
    };
    let mut r = report(Start {
        force_id: fid,
        force_name,
        area_kind: "neighbourhood",
        neighbourhood: Some(n.id.clone()),
        area_name: &n.name,
        month,
        held: held && has_boundary,
        population,
        population_note,
    });
    r.no_figures = no_figures;
    let (now, before) = (count(month), count(last));
    fill(&mut r, now.as_ref(), before.as_ref(), before.is_some());
    if let Some(now) = &now {
        let force = data.force_stop_counts(fid, month).map(|c| c.total);
        let force_population = data.geography().force_population(fid);
        r.comparison = Comparison {
            caption: format!("Stops and searches in {} and in {force_name}, {}", n.name, month.long_name()),
            notes: vec![format!(
                "The neighbourhood counts the stops at map points inside its boundary; {force_name} counts all its stops, with or without a map point."
            )],
            rows: vec![
                ComparisonRow {
                    name: n.name.clone(),
                    href: None,
                    stops: Some(now.total as f64),
                    per_1000: rates::per_thousand_residents(now.total as i64, population),
                    summary: false,
                },
                ComparisonRow {
                    name: force_name.to_string(),
                    href: Some(format!("/forces/{fid}/stop-and-search?date={month}")),
                    stops: force.map(|c| c as f64),
                    per_1000: force.and_then(|c| rates::per_thousand_residents(c as i64, force_population)),
                    summary: false,
                },
            ],
        };
    }
    r
}

struct Start<'a> {
    force_id: &'a str,
    force_name: &'a str,
    area_kind: &'static str,
    neighbourhood: Option<String>,
    area_name: &'a str,
    month: Month,
    held: bool,
    population: Option<i64>,
    population_note: String,
}

fn report(s: Start<'_>) -> StopSearchReport {
    let last = s.month.plus(-12);
    StopSearchReport {
        method_version: METHOD_VERSION,
        force: s.force_id.to_string(),
        force_name: s.force_name.to_string(),
        area_kind: s.area_kind,
        neighbourhood: s.neighbourhood,
        area_name: s.area_name.to_string(),
        month: s.month.to_string(),
        month_name: s.month.long_name(),
        held: s.held,
        no_figures: None,
        stops: None,
        without_location: None,
        same_month_last_year: last.to_string(),
        same_month_last_year_name: last.long_name(),
        same_month_last_year_held: false,
        stops_last_year: None,
        change_percent: None,
        population: s.population,
        population_note: s.population_note,
        per_1000: None,
        linked: None,
        breakdowns: Vec::new(),
        comparison: Comparison::default(),
    }
}

/// The month's figures, compared with the same month a year before where
/// that is held (`before` is then its counts).
fn fill(r: &mut StopSearchReport, now: Option<&StopCounts>, before: Option<&StopCounts>, last_held: bool) {
    r.same_month_last_year_held = last_held && before.is_some();
    r.stops_last_year = before.map(|b| b.total);
    let Some(now) = now.filter(|_| r.held) else { return };
    r.stops = Some(now.total);
    r.change_percent = before.and_then(|b| percent_change(now.total, b.total));
    r.per_1000 = rates::per_thousand_residents(now.total as i64, r.population);
    r.linked = Some(LinkedFigures {
        yes: now.linked.yes,
        no: now.linked.no,
        not_stated: now.linked.not_stated,
        share_percent: now.linked.share_percent(),
    });
    r.breakdowns = FIELDS
        .iter()
        .map(|&(field, key, title)| Breakdown {
            key,
            title,
            rows: rows(now.of(field), now.total, before.map(|b| b.of(field))),
        })
        .collect();
}

/// The force beside its most similar group (the published one where it
/// names peers, else the one peel computes), the group's average and every
/// force with stop and search held for the month.
fn force_comparison(
    data: &OpenData,
    force_id: &str,
    force_name: &str,
    month: Month,
    inputs: &ComparisonInputs,
) -> Comparison {
    let figure = |id: &str| ForceFigure {
        id: id.to_string(),
        name: force_rates::force_name(data, id),
        count: data.force_stop_counts(id, month).map(|c| c.total as i64),
        population: data.geography().force_population(id),
        km2: None,
    };
    let published = inputs.published_groups.iter().find(|g| g.force_id == force_id);
    let mut notes = Vec::new();
    let group: Vec<String> = match published {
        Some(g) if !g.peers.is_empty() => {
            notes.push(format!("The most similar group is the published one: {} ({}).", g.source, g.year));
            g.peers.clone()
        }
        _ => {
            let standardised = peers::standardise(&inputs.variables);
            let computed = standardised.nearest(force_id, MAX_PEERS).unwrap_or_default();
            let why = match published {
                Some(_) => "The published list gives this force no peers",
                None => "No published group is held for this force",
            };
            if computed.is_empty() {
                notes.push(format!("{why}, and peel computes none for it, so there is no group to compare with."));
            } else {
                let mut sources: Vec<String> =
                    inputs.variables.iter().map(|v| format!("{} ({})", v.source, v.year)).collect();
                sources.sort();
                sources.dedup();
                notes.push(format!(
                    "{why}, so the group is the one peel computes from the imported variables (method {}). Variables: {}.",
                    peers::METHOD_VERSION,
                    sources.join("; ")
                ));
            }
            computed.into_iter().map(|p| p.force_id).collect()
        }
    };
    let me = figure(force_id);
    let members: Vec<ForceFigure> = group.iter().map(|id| figure(id)).collect();
    // Only a force peel holds has a page to link to.
    let row = |f: &ForceFigure| ComparisonRow {
        name: f.name.clone(),
        href: data.geography().force(&f.id).map(|_| format!("/forces/{}/stop-and-search?date={month}", f.id)),
        stops: f.count.map(|c| c as f64),
        per_1000: f.per_1000(),
        summary: false,
    };
    let mut rows = vec![row(&me)];
    rows.extend(members.iter().map(row));
    if !members.is_empty() {
        let mut all = members.clone();
        all.push(me.clone());
        let avg = force_rates::average(&format!("Group average (including {force_name})"), &all);
        rows.push(ComparisonRow {
            name: avg.name,
            href: None,
            stops: avg.count,
            per_1000: avg.per_1000,
            summary: true,
        });
    }
    // Every force held: the total, and the rate over the forces with a population.
    let national: Vec<ForceFigure> = data.stop_forces(month).into_iter().map(figure).collect();
    let with_population: Vec<&ForceFigure> = national.iter().filter(|f| f.population.is_some()).collect();
    let pop: i64 = with_population.iter().filter_map(|f| f.population).sum();
    let counted: i64 = with_population.iter().filter_map(|f| f.count).sum();
    rows.push(ComparisonRow {
        name: "Every force with stop and search held".into(),
        href: None,
        stops: Some(national.iter().filter_map(|f| f.count).sum::<i64>() as f64),
        per_1000: rates::per_thousand_residents(counted, Some(pop)),
        summary: true,
    });
    let missing: Vec<String> = force_rates::territorial()
        .filter(|k| !national.iter().any(|f| f.id == k.id))
        .map(|k| k.name.to_string())
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "peel holds stop and search for {} of the {} forces of England and Wales for {}, so the last row covers only those.",
            force_rates::territorial().count() - missing.len(),
            force_rates::territorial().count(),
            month.long_name()
        ));
    }
    notes.push("“Not held” means peel holds no stop and search for that force and month: it is left out of the average, not counted as zero. The average is the mean of the rates of the forces that have one, each counting once.".into());
    Comparison {
        caption: format!("Stops and searches by {force_name} and its most similar group, {}", month.long_name()),
        notes,
        rows,
    }
}
