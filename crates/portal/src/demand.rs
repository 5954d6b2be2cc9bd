//! Demand against deployment pages for a force, a basic command unit and a
//! neighbourhood (`…/demand`, `?date=YYYY-MM`) and their CSV (`…/demand.csv`):
//! one [`Demand`] each (method `demand-1`, computed in
//! `peel_core::pledge::demand`), so the page and the download agree. Figures
//! only: never an event, an officer or anything about a person.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use peel_core::pledge::CommitmentId;
use peel_core::pledge::demand::{self, ATTENDED_GRADES, DAYS, Demand, Slot, rounded};

use super::download::csv_attachment;
use super::format::thousands;
use super::lookup::{bcu_or_404, force_or_404, neighbourhood_or_404};
use super::months::{MonthChoice, MonthQuery};
use super::pledge::neighbourhood_links;
use super::svg::heat_map;
use super::{PageError, render};
use crate::AppState;

/// Whose figures a request asks for.
#[derive(Clone, Copy)]
enum Area<'a> {
    Force,
    Bcu(&'a str),
    Neighbourhood(&'a str),
}

/// What one request found: the area, the month chosen and its figures.
struct Loaded {
    force_name: String,
    whose: String,
    /// The page's address without `.csv` or the query.
    base: String,
    crumbs: Vec<(String, String)>,
    /// How the figures are put together, where that is not obvious (a BCU).
    scope_note: Option<String>,
    /// Smaller areas with their own demand pages: (href, name).
    parts: Vec<(String, String)>,
    choice: MonthChoice,
    /// `None` when no Pledge events are held at all.
    demand: Option<Demand>,
}

async fn load(state: &AppState, force_id: &str, area: Area<'_>, date: Option<&str>) -> Result<Loaded, PageError> {
    let data = state.index.current();
    let f = force_or_404(&data, force_id)?;
    let pledge = state.store.pledge();
    let force_crumb = (format!("/forces/{force_id}"), f.name.clone());
    let (whose, base, crumbs, hood, scope_note, parts) = match area {
        Area::Force => {
            let parts = data
                .geography()
                .bcus_of(force_id)
                .map(|b| (format!("/forces/{force_id}/bcus/{}/demand", b.id), format!("{} basic command unit", b.name)))
                .collect();
            (f.name.clone(), format!("/forces/{force_id}/demand"), vec![force_crumb], None, None, parts)
        }
        Area::Bcu(id) => {
            let bcu = bcu_or_404(&data, f, id)?;
            let members = state.store.geography().bcu_neighbourhoods(force_id, id).await?.unwrap_or_default();
            let whose = format!("{} basic command unit", bcu.name);
            let note = if members.is_empty() {
                format!("peel knows of no neighbourhoods in the {whose}, so no records can count here.")
            } else {
                format!(
                    "These figures count the records that name one of the {} neighbourhoods in the {whose}, measured against {}'s standards.",
                    thousands(members.len() as i64),
                    f.name
                )
            };
            let crumbs = vec![force_crumb, (format!("/forces/{force_id}/bcus/{id}"), bcu.name.clone())];
            let parts = neighbourhood_links(&data, force_id, &members, "demand");
            (whose, format!("/forces/{force_id}/bcus/{id}/demand"), crumbs, None, Some(note), parts)
        }
        Area::Neighbourhood(id) => {
            let n = &neighbourhood_or_404(&data, force_id, id)?.neighbourhood;
            let crumbs = vec![force_crumb, (format!("/neighbourhoods/{force_id}/{id}"), n.name.clone())];
            (n.name.clone(), format!("/neighbourhoods/{force_id}/{id}/demand"), crumbs, Some(id), None, vec![])
        }
    };
    super::months::well_formed(date)?;
    // A BCU offers its force's months, as its Pledge page does.
    let held = pledge.pledge_months(force_id, hood).await?;
    let latest = held.first().copied();
    let choice = MonthChoice::among(held, latest, date, "Policing Pledge records")?;
    let now = Utc::now();
    let demand = match (choice.month, area) {
        (None, _) => None,
        (Some(m), Area::Bcu(id)) => pledge.pledge_demand_bcu(force_id, m, id, now).await?,
        (Some(m), _) => Some(pledge.pledge_demand(force_id, m, hood, now).await?),
    };
    Ok(Loaded { force_name: f.name.clone(), whose, base, crumbs, scope_note, parts, choice, demand })
}

/// A count as the page writes it: "1,234".
fn count(n: u64) -> String {
    thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A figure to `places` decimals, or "–" where there is none.
fn fixed(x: Option<f64>, places: usize) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x:.places$}"))
}

fn percent_text(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x:.1}%"))
}

/// Officer-hours on duty in an hour of the week, to one decimal.
fn officer_hours(s: &Slot) -> Option<f64> {
    rounded(u128::from(s.duty_seconds), 3600, 1)
}

/// "Monday 09:00".
fn slot_name(s: &Slot) -> String {
    format!("{} {:02}:00", s.day, s.hour)
}

/// One hour of the week as the page's table shows it.
struct HourRow {
    name: String,
    incidents: [String; 4],
    calls: [String; 3],
    times: String,
    officer_hours: String,
    officers: String,
    ratio: String,
}

/// One grade's attendance as the page shows it: met, counted, percentage.
type Attained = [(String, String, String); 3];

/// A week's figures laid out as the heat map is: a row per day of 24 cells.
type Grid = Vec<(&'static str, Vec<String>)>;

fn grid(cells: &[Option<f64>], places: usize) -> Grid {
    DAYS.iter()
        .enumerate()
        .map(|(d, day)| (*day, (0..24).map(|h| fixed(cells[d * 24 + h], places)).collect()))
        .collect()
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DemandPage {
    title: String,
    caption: String,
    crumbs: Vec<(String, String)>,
    whose: String,
    base: String,
    pledge_href: String,
    scope_note: Option<String>,
    parts: Vec<(String, String)>,
    picker: Vec<(String, String, bool)>,
    method: &'static str,
    /// `None` when no events are held at all.
    month_name: Option<String>,
    month_value: String,
    generated: bool,
    /// Sentences about what is and is not held for the month.
    notes: Vec<String>,
    has_demand: bool,
    has_duties: bool,
    demand_svg: String,
    demand_grid: Grid,
    officers_svg: String,
    officers_grid: Grid,
    ratio_svg: String,
    ratio_grid: Grid,
    hours: Vec<HourRow>,
    /// (grade heading, anchor on the Pledge page, met, counted, not yet due, percentage)
    grades: Vec<(String, &'static str, String, String, String, String)>,
    /// (hour label, the three grades)
    attainment: Vec<(String, Attained)>,
    visibility: Vec<String>,
    visibility_row: Option<[String; 6]>,
}

fn attained(d: &Demand, hour: Option<u32>) -> Attained {
    let one = |g: u8| {
        d.attainment
            .iter()
            .find(|a| a.grade == g && a.hour == hour)
            .map(|a| (count(a.met), count(a.eligible), percent_text(a.percent)))
            .unwrap_or_default()
    };
    [one(1), one(2), one(3)]
}

fn grade_heading(grade: u8) -> (String, CommitmentId) {
    match grade {
        1 => ("Grade 1: emergency".into(), CommitmentId::EmergencyAttendance),
        2 => ("Grade 2: priority".into(), CommitmentId::PriorityAttendance),
        _ => ("Grade 3: scheduled".into(), CommitmentId::ScheduledAttendance),
    }
}

fn page(l: Loaded) -> Result<Response, PageError> {
    let pledge_href = format!("{}/pledge", l.base.trim_end_matches("/demand"));
    let mut p = DemandPage {
        title: format!("Demand and deployment: {}", l.whose),
        caption: l.force_name.clone(),
        crumbs: l.crumbs,
        whose: l.whose.clone(),
        base: l.base,
        pledge_href,
        scope_note: l.scope_note,
        parts: l.parts,
        picker: l.choice.picker,
        method: demand::METHOD,
        month_name: None,
        month_value: String::new(),
        generated: false,
        notes: vec![],
        has_demand: false,
        has_duties: false,
        demand_svg: String::new(),
        demand_grid: vec![],
        officers_svg: String::new(),
        officers_grid: vec![],
        ratio_svg: String::new(),
        ratio_grid: vec![],
        hours: vec![],
        grades: vec![],
        attainment: vec![],
        visibility: vec![],
        visibility_row: None,
    };
    let Some(d) = l.demand else { return render(&p) };
    let month = d.month.long_name();
    let whose = &l.whose;
    p.month_value = d.month.to_string();
    p.generated = d.generated;
    p.has_demand = d.incidents > 0 || d.calls > 0;
    p.has_duties = d.duties > 0;
    if !p.has_demand {
        p.notes
            .push(format!("peel holds no incidents or calls for {whose} in {month}, so there is no demand to show."));
    }
    if !p.has_duties {
        p.notes.push(format!("peel holds no shifts for {whose} in {month}, so officers on duty, the ratio of demand to officers and time in the neighbourhood cannot be shown."));
    }
    if d.cancelled > 0 {
        p.notes.push(format!(
            "{} cancelled {} created in {month} {} not counted.",
            count(d.cancelled),
            if d.cancelled == 1 { "incident" } else { "incidents" },
            if d.cancelled == 1 { "is" } else { "are" }
        ));
    }
    let attended: Vec<Option<f64>> = d.slots.iter().map(|s| Some(s.attended() as f64)).collect();
    let officers: Vec<Option<f64>> = d.slots.iter().map(|s| s.officers).collect();
    let ratio: Vec<Option<f64>> = d.slots.iter().map(|s| s.per_officer_hour).collect();
    let tail = "The same figures are in the table beside it.";
    p.demand_svg = heat_map(
        "demand-incidents",
        &format!("Incidents needing attendance by hour of the week, {whose}, {month}"),
        &format!(
            "Grid of 7 days by 24 hours. Each cell is the number of incidents of grades 1 to 3 created in that hour in {month}, written in the cell; darker cells have more. {tail}"
        ),
        &DAYS,
        &attended,
        0,
    );
    p.demand_grid = grid(&attended, 0);
    p.officers_svg = heat_map(
        "demand-officers",
        &format!("Officers on duty by hour of the week, {whose}, {month}"),
        &format!(
            "Grid of 7 days by 24 hours. Each cell is the average number of officers on duty in that hour over {month}, to one decimal, written in the cell; darker cells have more. {tail}"
        ),
        &DAYS,
        &officers,
        1,
    );
    p.officers_grid = grid(&officers, 1);
    p.ratio_svg = heat_map(
        "demand-ratio",
        &format!("Incidents per officer-hour on duty by hour of the week, {whose}, {month}"),
        &format!(
            "Grid of 7 days by 24 hours. Each cell is the incidents needing attendance in that hour divided by the officer-hours on duty in it, to two decimals, written in the cell; a dash where no officer was on duty; darker cells have more incidents for each officer. {tail}"
        ),
        &DAYS,
        &ratio,
        2,
    );
    p.ratio_grid = grid(&ratio, 2);
    p.hours = d
        .slots
        .iter()
        .map(|s| HourRow {
            name: slot_name(s),
            incidents: s.incidents.map(count),
            calls: s.calls.map(count),
            times: count(s.seconds / 3600),
            officer_hours: if p.has_duties { fixed(officer_hours(s), 1) } else { "–".into() },
            officers: fixed(s.officers, 1),
            ratio: fixed(s.per_officer_hour, 2),
        })
        .collect();
    p.grades = ATTENDED_GRADES
        .iter()
        .filter_map(|g| d.attainment.iter().find(|a| a.grade == *g as u8 && a.hour.is_none()))
        .map(|a| {
            let (heading, id) = grade_heading(a.grade);
            (heading, id.as_str(), count(a.met), count(a.eligible), count(a.pending), percent_text(a.percent))
        })
        .collect();
    p.attainment = std::iter::once(("All hours".to_string(), attained(&d, None)))
        .chain((0..24).map(|h| (format!("{h:02}:00 to {h:02}:59"), attained(&d, Some(h)))))
        .collect();
    let v = &d.visibility;
    if v.duties > 0 {
        p.visibility.push(format!(
            "The Pledge asks that neighbourhood officers spend at least {}% of their time visibly in their neighbourhood. Over the {} {} that started in {month}, officers spent {} of their time there.",
            v.standard_percent,
            count(v.duties),
            if v.duties == 1 { "shift" } else { "shifts" },
            percent_text(v.percent),
        ));
        p.visibility_row = Some([
            fixed(rounded(u128::from(v.duty_seconds), 3600, 1), 1),
            fixed(rounded(u128::from(v.visible_seconds), 3600, 1), 1),
            percent_text(v.percent),
            format!("{}%", v.standard_percent),
            count(v.neighbourhoods_met),
            count(v.neighbourhoods),
        ]);
    }
    p.month_name = Some(month);
    render(&p)
}

/// The CSV download: every figure of the page, tidy (every row names its
/// area, month and method), numbers unformatted.
pub fn csv(whose: &str, d: &Demand) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "area",
        "month",
        "method",
        "generated",
        "table",
        "day",
        "hour",
        "grade",
        "incidents_grade_1",
        "incidents_grade_2",
        "incidents_grade_3",
        "incidents_grade_4",
        "calls_999",
        "calls_101",
        "calls_online",
        "times_in_month",
        "duty_seconds",
        "officer_hours",
        "officers_on_duty",
        "incidents_per_officer_hour",
        "met",
        "eligible",
        "pending",
        "percent_met",
        "visible_seconds",
        "visible_percent",
        "standard_percent",
        "neighbourhoods",
        "neighbourhoods_met",
    ]);
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let head = [whose.to_string(), d.month.to_string(), d.method.to_string(), d.generated.to_string()];
    let mut row = |table: &str, cells: [String; 24]| {
        let mut rec: Vec<String> = head.to_vec();
        rec.push(table.to_string());
        rec.extend(cells);
        let _ = w.write_record(&rec);
    };
    let e = String::new;
    let held = d.duties > 0;
    for s in &d.slots {
        let [g1, g2, g3, g4] = s.incidents.map(|n| n.to_string());
        let [c999, c101, online] = s.calls.map(|n| n.to_string());
        row(
            "hours",
            [
                s.day.to_string(),
                s.hour.to_string(),
                e(),
                g1,
                g2,
                g3,
                g4,
                c999,
                c101,
                online,
                (s.seconds / 3600).to_string(),
                if held { s.duty_seconds.to_string() } else { e() },
                if held { opt(officer_hours(s)) } else { e() },
                opt(s.officers),
                opt(s.per_officer_hour),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
                e(),
            ],
        );
    }
    for a in &d.attainment {
        let mut cells: [String; 24] = Default::default();
        cells[1] = a.hour.map(|h| h.to_string()).unwrap_or_default();
        cells[2] = a.grade.to_string();
        cells[15] = a.met.to_string();
        cells[16] = a.eligible.to_string();
        cells[17] = a.pending.to_string();
        cells[18] = opt(a.percent);
        row("attainment", cells);
    }
    let v = &d.visibility;
    if v.duties > 0 {
        let mut cells: [String; 24] = Default::default();
        cells[11] = v.duty_seconds.to_string();
        cells[12] = opt(rounded(u128::from(v.duty_seconds), 3600, 1));
        cells[19] = v.visible_seconds.to_string();
        cells[20] = opt(v.percent);
        cells[21] = v.standard_percent.to_string();
        cells[22] = v.neighbourhoods.to_string();
        cells[23] = v.neighbourhoods_met.to_string();
        row("visibility", cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_response(l: &Loaded) -> Result<Response, PageError> {
    let Some(d) = &l.demand else {
        return Err(PageError::not_found(format!("any Policing Pledge records for {}", l.whose)));
    };
    let area = l.base.trim_start_matches('/').trim_end_matches("/demand").replace('/', "-");
    Ok(csv_attachment(&format!("{area}-demand-{}.csv", d.month), csv(&l.whose, d)))
}

pub async fn force_page(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    page(load(&s, &f, Area::Force, q.date.as_deref()).await?)
}

pub async fn force_csv(
    State(s): State<AppState>,
    Path(f): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    csv_response(&load(&s, &f, Area::Force, q.date.as_deref()).await?)
}

pub async fn bcu_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    page(load(&s, &f, Area::Bcu(&id), q.date.as_deref()).await?)
}

pub async fn bcu_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    csv_response(&load(&s, &f, Area::Bcu(&id), q.date.as_deref()).await?)
}

pub async fn neighbourhood_page(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    page(load(&s, &f, Area::Neighbourhood(&id), q.date.as_deref()).await?)
}

pub async fn neighbourhood_csv(
    State(s): State<AppState>,
    Path((f, id)): Path<(String, String)>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    csv_response(&load(&s, &f, Area::Neighbourhood(&id), q.date.as_deref()).await?)
}
