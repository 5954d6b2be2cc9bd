//! Force, BCU and CSP pages: counts, 12-month trends and commentary at the
//! white paper's upper three levels.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use peel_core::Month;
use peel_core::geography::{Bcu, Csp};
use peel_spatial::OpenData;

use super::figures::{AreaFigures, MonthCount, figures, window};
use super::lookup::{bcu_or_404, force_or_404};
use super::months::{MonthChoice, MonthQuery};
use super::svg::area_map;
use super::{PageError, render};
use crate::AppState;

#[derive(Template)]
#[template(path = "area.html")]
pub struct AreaPage {
    pub title: String,
    pub caption: Option<String>,
    pub crumbs: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub intro: Vec<String>,
    pub commentary: Option<String>,
    pub commentary_sample: bool,
    pub figures: Option<AreaFigures>,
    pub map_svg: String,
    pub map_caption: String,
    /// The months held to choose from: (value, label, selected).
    pub picker: Vec<(String, String, bool)>,
    /// The map's key: (colour, category), where crimes are drawn.
    pub legend: Vec<(&'static str, &'static str)>,
    /// (heading, [(href, text)])
    pub links: Vec<(String, Vec<(String, String)>)>,
}

impl AreaPage {
    /// The summary a shared link shows: the month's crime count, which is
    /// what a reader comes for, and what the page holds when none is held.
    fn summary(&self) -> String {
        match &self.figures {
            Some(f) => format!(
                "{} crimes recorded in {} in {}, by category, with the 12-month trend and a map.",
                f.total_text, self.title, f.latest_name
            ),
            None => format!(
                "Crime and policing in {}: its areas, figures and how to hold the police to account.",
                self.title
            ),
        }
    }
}

/// The crimes of the 12 months to `latest` whose LSOA lies in the CSP's local authority.
fn csp_counts(data: &OpenData, csp: &Csp, latest: Month) -> Vec<MonthCount> {
    let (from, to) = window(latest);
    data.local_authority_counts(&csp.force_id, &csp.lsoa_prefix(), from, to)
}

/// The force's 12-month figures, if any crimes are held for it.
pub(super) fn force_figures(data: &OpenData, id: &str, name: &str, month: Option<Month>) -> Option<AreaFigures> {
    let latest = month?;
    let (from, to) = window(latest);
    let counts = data.force_counts(Some(id), from, to);
    (!counts.is_empty()).then(|| figures(name, &counts, latest))
}

/// What the force page cannot show yet, said plainly.
fn force_notes(name: &str, has_figures: bool, has_neighbourhoods: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if !has_figures {
        notes.push(format!("peel holds no street-level crime data for {name} yet."));
    }
    if !has_neighbourhoods {
        notes.push(format!("Neighbourhood boundaries for {name} are not loaded, so there are no neighbourhood pages."));
    }
    notes
}

/// The force's BCUs, partnerships and neighbourhoods, then where to go next.
fn force_links(data: &OpenData, id: &str, name: &str) -> Vec<(String, Vec<(String, String)>)> {
    let geography = data.geography();
    let mut links = Vec::new();
    let bcus: Vec<_> = geography.bcus_of(id).map(|b| (format!("/forces/{id}/bcus/{}", b.id), b.name.clone())).collect();
    if !bcus.is_empty() {
        links.push(("Basic command units".to_string(), bcus));
    }
    let csps: Vec<_> = geography.csps_of(id).map(|c| (format!("/forces/{id}/csps/{}", c.id), c.name.clone())).collect();
    if !csps.is_empty() {
        links.push(("Community safety partnerships".to_string(), csps));
    }
    let quarterly: Vec<_> = geography
        .bcus_of(id)
        .map(|b| (format!("/forces/{id}/bcus/{}/quarterly", b.id), format!("{} basic command unit", b.name)))
        .chain(geography.csps_of(id).map(|c| (format!("/forces/{id}/csps/{}/quarterly", c.id), c.name.clone())))
        .collect();
    if !quarterly.is_empty() {
        links.push(("Quarterly figures".to_string(), quarterly));
    }
    let hoods = geography.neighbourhoods_of(id);
    if !hoods.is_empty() {
        let mut items: Vec<(String, String)> = hoods
            .iter()
            .map(|n| (format!("/neighbourhoods/{id}/{}", n.neighbourhood.id), n.neighbourhood.name.clone()))
            .collect();
        items.push((format!("/forces/{id}/neighbourhoods"), "Compare these neighbourhoods".into()));
        links.push(("Neighbourhoods".to_string(), items));
    }
    let more = vec![
        (format!("/forces/{id}/pledge"), format!("How {name} is meeting the Policing Pledge")),
        (format!("/forces/{id}/report-card"), format!("{name}'s report card: graded each quarter")),
        (format!("/forces/{id}/confidence"), format!("Public confidence in {name}")),
        (format!("/forces/{id}/stop-and-search"), format!("Stop and search by {name}")),
        ("/compare".into(), "Compare forces".into()),
        (format!("/forces/{id}/complain"), format!("How to complain about {name}")),
    ];
    links.push(("More".to_string(), more));
    links
}

/// The partnership's 12-month figures, if any of its crimes are held.
pub(super) fn csp_figures(data: &OpenData, csp: &Csp, month: Option<Month>) -> Option<AreaFigures> {
    let l = month?;
    let counts = csp_counts(data, csp, l);
    (!counts.is_empty()).then(|| figures(&csp.name, &counts, l))
}

pub async fn force(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, &id)?;
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let figs = force_figures(&data, &id, &f.name, choice.month);
    let geography = data.geography();
    let details = geography.force(&id);
    let boundary = details.and_then(|d| d.boundary.as_ref());
    let map_svg = boundary.map(|b| area_map(&format!("The {} area", f.name), Some(b), &[])).unwrap_or_default();
    let commentary = details.and_then(|d| d.commentary.clone());
    let commentary_sample = commentary.is_some() && geography.bcus_of(&id).any(|b| b.sample);
    render(&AreaPage {
        title: f.name.clone(),
        caption: Some("Police force".into()),
        crumbs: vec![],
        notes: force_notes(&f.name, figs.is_some(), !geography.neighbourhoods_of(&id).is_empty()),
        intro: f.description.iter().map(|d| super::format::strip_tags(d)).collect(),
        commentary,
        commentary_sample,
        figures: figs,
        map_svg,
        map_caption: format!("The {} force area.", f.name),
        picker: choice.picker,
        legend: vec![],
        links: force_links(&data, &id, &f.name),
    })
}

/// A BCU's partnerships, then its Pledge page.
fn bcu_links(fid: &str, bcu: &Bcu, csps: &[&Csp]) -> Vec<(String, Vec<(String, String)>)> {
    let partnerships = csps.iter().map(|c| (format!("/forces/{fid}/csps/{}", c.id), c.name.clone())).collect();
    let pledge =
        vec![(format!("/forces/{fid}/bcus/{}/pledge", bcu.id), format!("How {} met the Policing Pledge", bcu.name))];
    let quarterly =
        vec![(format!("/forces/{fid}/bcus/{}/quarterly", bcu.id), format!("Quarterly figures for {}", bcu.name))];
    let card = vec![(format!("/forces/{fid}/bcus/{}/report-card", bcu.id), format!("{}'s report card", bcu.name))];
    let confidence =
        vec![(format!("/forces/{fid}/bcus/{}/confidence", bcu.id), format!("Public confidence in {}", bcu.name))];
    vec![
        ("Community safety partnerships".into(), partnerships),
        ("Quarterly figures".into(), quarterly),
        ("Public confidence".into(), confidence),
        ("Service standards".into(), pledge),
        ("Report card".into(), card),
    ]
}

/// What a partnership is, and how many live in it where that is known.
fn csp_intro(csp: &Csp) -> Vec<String> {
    let mut intro = vec![format!(
        "The {} brings together the council, police and other agencies in {} to reduce crime and disorder.",
        csp.name, csp.local_authority
    )];
    if let Some(p) = csp.population {
        intro.push(format!("About {} people live here.", super::format::thousands(p)));
    }
    intro
}

pub async fn bcu(
    State(state): State<AppState>,
    Path((fid, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let f = force_or_404(&data, &fid)?;
    let bcu = bcu_or_404(&data, f, &id)?;
    let csps: Vec<&Csp> = data.geography().csps_of(&fid).filter(|c| c.bcu_id == id).collect();
    let figs = choice.month.and_then(|l| {
        let counts: Vec<MonthCount> = csps.iter().flat_map(|c| csp_counts(&data, c, l)).collect();
        (!counts.is_empty()).then(|| figures(&bcu.name, &counts, l))
    });
    let names: Vec<&str> = csps.iter().map(|c| c.local_authority.as_str()).collect();
    render(&AreaPage {
        title: format!("{} basic command unit", bcu.name),
        caption: Some(f.name.clone()),
        crumbs: vec![(format!("/forces/{fid}"), f.name.clone())],
        notes: bcu
            .sample
            .then(|| "This grouping of local authorities is sample configuration for the peel demo.".into())
            .into_iter()
            .collect(),
        intro: vec![format!(
            "This basic command unit covers {}. Crimes are counted where their LSOA lies in these local authorities.",
            names.join(" and ")
        )],
        commentary: bcu.commentary.clone(),
        commentary_sample: bcu.sample,
        figures: figs,
        map_svg: String::new(),
        map_caption: String::new(),
        picker: choice.picker,
        legend: vec![],
        links: bcu_links(&fid, bcu, &csps),
    })
}

pub async fn csp(
    State(state): State<AppState>,
    Path((fid, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let choice = MonthChoice::of(&data, q.date.as_deref())?;
    let f = force_or_404(&data, &fid)?;
    let csp =
        data.geography().csps_of(&fid).find(|c| c.id == id).ok_or_else(|| {
            PageError::not_found(format!("a community safety partnership called “{id}” in {}", f.name))
        })?;
    let figs = csp_figures(&data, csp, choice.month);
    let bcu_name = data.geography().bcus_of(&fid).find(|b| b.id == csp.bcu_id).map(|b| b.name.clone());
    let mut crumbs = vec![(format!("/forces/{fid}"), f.name.clone())];
    if let Some(b) = &bcu_name {
        crumbs.push((format!("/forces/{fid}/bcus/{}", csp.bcu_id), b.clone()));
    }
    let intro = csp_intro(csp);
    render(&AreaPage {
        title: csp.name.clone(),
        caption: Some("Community safety partnership".into()),
        crumbs,
        notes: vec![],
        intro,
        commentary: None,
        commentary_sample: false,
        figures: figs,
        map_svg: String::new(),
        map_caption: String::new(),
        picker: choice.picker,
        legend: vec![],
        links: vec![
            (
                "Quarterly figures".into(),
                vec![(format!("/forces/{fid}/csps/{id}/quarterly"), format!("Quarterly figures for {}", csp.name))],
            ),
            ("More".into(), vec![(format!("/forces/{fid}"), f.name.clone())]),
        ],
    })
}
