//! Demand against deployment (`…/demand`, `…/demand.csv`) recounted from the
//! events sent, on both engines: incidents and calls by London hour of the
//! week, officers on duty, their ratio, attendance met by grade and hour and
//! time in the neighbourhood, for a force, its BCU and a neighbourhood. The
//! events are sent through the ingest API as a force system would (times with
//! their London offsets), and include a shift over midnight, a shift running
//! into the month from the one before and the night the clocks go back
//! (26 October 2025). The recount below shares no code with peel's: it finds
//! London time from the published clock-change instants and walks every
//! second of every shift. The CSV equals the page.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use peel_core::access::{Reach, Role};
use peel_core::pledge::{AreaKind, CommitmentId, Event, EventBody, generate};
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use peel_store::testing::TestDatabase;
use peel_web::AppState;
use support::{Answer, get, send, thousands};

const FORCE: &str = "city-of-london";
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// When British Summer Time ran in 2025 (published dates), as UTC seconds:
/// 01:00 UTC on 30 March to 01:00 UTC on 26 October.
fn bst_2025() -> (i64, i64) {
    (utc("2025-03-30T01:00:00Z").timestamp(), utc("2025-10-26T01:00:00Z").timestamp())
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test time").with_timezone(&Utc)
}

/// London's offset at a UTC second of 2025.
fn offset(t: i64) -> i64 {
    let (on, off) = bst_2025();
    if (on..off).contains(&t) { 3600 } else { 0 }
}

/// The London hour of the week (Monday 00:00 = 0) of a UTC second, by
/// arithmetic: 1 January 1970 was a Thursday.
fn slot_of(t: i64) -> usize {
    let local = t + offset(t);
    let day = (local.div_euclid(86_400) + 3).rem_euclid(7);
    (day * 24 + local.rem_euclid(86_400) / 3600) as usize
}

/// The UTC second a London month of 2025 starts: local midnight on the 1st.
fn month_start(month: u32) -> i64 {
    let midnight = NaiveDate::from_ymd_opt(2025, month, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    // Midnight on the 1st is never near a change, so either guess agrees.
    midnight - offset(midnight - 3600)
}

fn month_of(t: i64) -> u32 {
    (1..=12).rev().find(|m| month_start(*m) <= t).unwrap_or(1)
}

/// A London wall-clock time written with its offset, as a force system sends it.
fn stamp(t: i64) -> String {
    let off = offset(t);
    let at = DateTime::<Utc>::from_timestamp(t, 0).unwrap().with_timezone(&FixedOffset::east_opt(off as i32).unwrap());
    at.to_rfc3339()
}

/// Whole numbers from a small fixed sequence (no dependency on peel's generator).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The events of September and October 2025, as NDJSON lines.
fn events(hoods: &[String]) -> Vec<String> {
    let mut rng = Lcg(2009);
    let mut out = Vec::new();
    let hood = |rng: &mut Lcg, none_percent: u64| -> String {
        if rng.below(100) < none_percent {
            String::new()
        } else {
            format!(r#","neighbourhood":"{}""#, hoods[rng.below(hoods.len() as u64) as usize])
        }
    };
    for month in [9, 10] {
        let (from, to) = (month_start(month), month_start(month + 1));
        let minutes = (to - from) / 60;
        for k in 0..160 {
            let created = from + 60 * rng.below(minutes as u64) as i64;
            let grade = 1 + rng.below(4);
            let n = hood(&mut rng, 10);
            let arrived = match (grade, rng.below(10)) {
                (4, _) | (_, 0) => "null".to_string(),
                (3, _) => format!("{:?}", stamp(created + 60 * rng.below(3000) as i64)),
                _ => format!("{:?}", stamp(created + 60 * rng.below(75) as i64)),
            };
            let appointment = if grade == 3 && rng.below(2) == 0 {
                format!(r#","appointment_at":"{}""#, stamp(created + 3600 * (1 + rng.below(55) as i64)))
            } else {
                String::new()
            };
            let area = if rng.below(10) == 0 { r#","area":"rural""# } else { "" };
            let cancelled = if rng.below(20) == 0 { r#","cancelled":true"# } else { "" };
            out.push(format!(
                r#"{{"id":"i{month}-{k}","force":"{FORCE}"{n},"type":"incident","grade":{grade},"created_at":"{}","arrived_at":{arrived}{appointment}{area}{cancelled}}}"#,
                stamp(created)
            ));
        }
        for k in 0..120 {
            let received = from + rng.below((to - from) as u64) as i64;
            let channel = ["999", "101", "online"][rng.below(3) as usize];
            let n = hood(&mut rng, 20);
            out.push(format!(
                r#"{{"id":"c{month}-{k}","force":"{FORCE}"{n},"type":"call","channel":"{channel}","received_at":"{}","answered_at":"{}"}}"#,
                stamp(received),
                stamp(received + 5)
            ));
        }
        for k in 0..70 {
            let start = from + 1800 * rng.below(((to - from) / 1800) as u64) as i64;
            let length = 3600 * (6 + rng.below(5) as i64);
            let n = hood(&mut rng, 0);
            let visible = rng.below((length / 60) as u64 + 1);
            out.push(duty(&format!("d{month}-{k}"), &n, start, start + length, visible));
        }
    }
    let n = format!(r#","neighbourhood":"{}""#, hoods[0]);
    // Saturday 4 October 22:00 to Sunday 06:00: over midnight.
    let sat = utc("2025-10-04T21:00:00Z").timestamp();
    out.push(duty("midnight", &n, sat, sat + 8 * 3600, 300));
    // 30 September 22:00 to 1 October 06:00: into October from September.
    let sep = utc("2025-09-30T21:00:00Z").timestamp();
    out.push(duty("month-end", &n, sep, sep + 8 * 3600, 480));
    // 26 October 00:00 BST to 06:00 GMT: seven hours, 01:00–01:59 twice.
    let change = utc("2025-10-25T23:00:00Z").timestamp();
    out.push(duty("clocks", &n, change, change + 7 * 3600, 400));
    // An emergency in each of the two 01:30s of that night.
    for (id, t) in [("first-0130", "2025-10-26T00:30:00Z"), ("second-0130", "2025-10-26T01:30:00Z")] {
        let t = utc(t).timestamp();
        out.push(format!(
            r#"{{"id":"{id}","force":"{FORCE}"{n},"type":"incident","grade":1,"created_at":"{}","arrived_at":"{}"}}"#,
            stamp(t),
            stamp(t + 600)
        ));
    }
    out
}

fn duty(id: &str, n: &str, start: i64, end: i64, visible_minutes: u64) -> String {
    format!(
        r#"{{"id":"{id}","force":"{FORCE}"{n},"type":"duty","officer_ref":"PC-{id}","start":"{}","end":"{}","minutes_in_neighbourhood":{visible_minutes}}}"#,
        stamp(start),
        stamp(end)
    )
}

/// `num / den` to `places` decimals, half up, from whole numbers.
fn round(num: u128, den: u128, places: u32) -> Option<f64> {
    let scale = 10u128.pow(places);
    (den > 0).then(|| ((2 * num * scale + den) / (2 * den)) as f64 / scale as f64)
}

/// Which events an area's figures count.
type Keep = Box<dyn Fn(&Event) -> bool>;

/// Everything the page shows, recounted.
#[derive(Default)]
struct Recount {
    incidents: Vec<[u64; 4]>,
    calls: Vec<[u64; 3]>,
    length: Vec<u64>,
    duty: Vec<u64>,
    duties: u64,
    /// (grade, hour or all) -> (met, eligible)
    attendance: BTreeMap<(u8, Option<u32>), (u64, u64)>,
    visible: u64,
    shift: u64,
    hoods_met: BTreeSet<String>,
    hoods: BTreeSet<String>,
    generated: bool,
}

fn secs(t: &peel_core::pledge::event::Timestamp) -> i64 {
    t.timestamp()
}

/// The recount of one London month of 2025 over the events `keep` chooses.
fn recount(events: &[Event], month: u32, rural: &BTreeSet<String>, keep: impl Fn(&Event) -> bool) -> Recount {
    let (from, to) = (month_start(month), month_start(month + 1));
    let mut r = Recount {
        incidents: vec![[0; 4]; 168],
        calls: vec![[0; 3]; 168],
        length: vec![0; 168],
        duty: vec![0; 168],
        ..Default::default()
    };
    for minute in (from..to).step_by(60) {
        r.length[slot_of(minute)] += 60;
    }
    let now = Utc::now().timestamp();
    for e in events.iter().filter(|e| keep(e)) {
        match &e.body {
            EventBody::Incident(i) if month_of(secs(&i.created_at)) == month && !i.cancelled => {
                let created = secs(&i.created_at);
                let g = i.grade as u8;
                r.incidents[slot_of(created)][usize::from(g) - 1] += 1;
                r.generated |= e.generated;
                let arrived = i.arrived_at.as_ref().map(secs);
                let met = match g {
                    1 | 2 => {
                        let rural_here = match i.area {
                            Some(a) => a == AreaKind::Rural,
                            None => e.neighbourhood.as_ref().is_some_and(|n| rural.contains(n)),
                        };
                        let limit = match (g, rural_here) {
                            (1, false) => 15 * 60,
                            (1, true) => 20 * 60,
                            _ => 60 * 60,
                        };
                        assert!(arrived.is_some() || now - created > limit, "all final");
                        arrived.is_some_and(|a| a - created <= limit)
                    }
                    3 => match i.appointment_at.as_ref().map(secs) {
                        Some(appt) => appt - created <= 48 * 3600 && arrived.is_some_and(|a| a <= appt),
                        None => arrived.is_some_and(|a| a - created <= 48 * 3600),
                    },
                    _ => continue,
                };
                let hour = (slot_of(created) % 24) as u32;
                for key in [(g, None), (g, Some(hour))] {
                    let entry = r.attendance.entry(key).or_default();
                    entry.0 += u64::from(met);
                    entry.1 += 1;
                }
            }
            EventBody::Call(c) if month_of(secs(&c.received_at)) == month => {
                let channel = ["999", "101", "online"].iter().position(|ch| *ch == c.channel.as_str()).unwrap();
                r.calls[slot_of(secs(&c.received_at))][channel] += 1;
                r.generated |= e.generated;
            }
            EventBody::Duty(d) => {
                let (start, end) = (secs(&d.start), secs(&d.end));
                if start < to && end > from {
                    r.duties += 1;
                    r.generated |= e.generated;
                    for second in start.max(from)..end.min(to) {
                        r.duty[slot_of(second)] += 1;
                    }
                }
                if month_of(start) == month {
                    let n = e.neighbourhood.clone().unwrap();
                    r.visible += u64::from(d.minutes_in_neighbourhood) * 60;
                    r.shift += (end - start) as u64;
                    r.hoods.insert(n);
                    r.generated |= e.generated;
                }
            }
            _ => {}
        }
    }
    for n in r.hoods.clone() {
        let (v, t) = events
            .iter()
            .filter(|e| keep(e) && e.neighbourhood.as_deref() == Some(n.as_str()))
            .filter_map(|e| match &e.body {
                EventBody::Duty(d) if month_of(secs(&d.start)) == month => {
                    Some((u64::from(d.minutes_in_neighbourhood) * 60, (secs(&d.end) - secs(&d.start)) as u64))
                }
                _ => None,
            })
            .fold((0, 0), |(a, b), (v, t)| (a + v, b + t));
        if v * 100 >= 80 * t {
            r.hoods_met.insert(n);
        }
    }
    r
}

fn num(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

fn fixed(x: Option<f64>, places: usize) -> String {
    x.map_or_else(|| "–".into(), |x| format!("{x:.places$}"))
}

/// The CSV's rows of one table, as maps of column to value.
fn table(csv_text: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect::<BTreeMap<_, _>>())
        .filter(|r| r["table"] == name)
        .collect()
}

/// The CSV holds exactly the recount, and the page shows exactly the CSV.
fn check(uri: &str, page: &Answer, csv_answer: &Answer, r: &Recount) {
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    assert_eq!(csv_answer.status, StatusCode::OK, "{uri}.csv: {}", csv_answer.body);
    assert!(csv_answer.content_type.as_deref().is_some_and(|c| c.starts_with("text/csv")), "{uri}");
    let csv_text = &csv_answer.body;
    let held = r.duties > 0;
    let hours = table(csv_text, "hours");
    assert_eq!(hours.len(), 168, "{uri}");
    for (s, row) in hours.iter().enumerate() {
        let at = format!("{uri} slot {s}");
        assert_eq!(row["day"], DAYS[s / 24], "{at}");
        assert_eq!(row["hour"], (s % 24).to_string(), "{at}");
        assert_eq!(row["method"], "demand-1", "{at}");
        for g in 0..4 {
            assert_eq!(row[&format!("incidents_grade_{}", g + 1)], r.incidents[s][g].to_string(), "{at}");
        }
        for (c, name) in ["999", "101", "online"].iter().enumerate() {
            assert_eq!(row[&format!("calls_{name}")], r.calls[s][c].to_string(), "{at}");
        }
        assert_eq!(row["times_in_month"], (r.length[s] / 3600).to_string(), "{at}");
        let attended: u64 = r.incidents[s][..3].iter().sum();
        let (officers, ratio, officer_hours) = if held {
            (
                round(u128::from(r.duty[s]), u128::from(r.length[s]), 1),
                round(u128::from(attended) * 3600, u128::from(r.duty[s]), 2),
                round(u128::from(r.duty[s]), 3600, 1),
            )
        } else {
            (None, None, None)
        };
        assert_eq!(row["duty_seconds"], if held { r.duty[s].to_string() } else { String::new() }, "{at}");
        assert_eq!(row["officers_on_duty"], num(officers), "{at}");
        assert_eq!(row["incidents_per_officer_hour"], num(ratio), "{at}");
        assert_eq!(row["officer_hours"], num(officer_hours), "{at}");
        // The same hour in the page's table of every hour.
        let mut html = format!("<tr><th scope=\"row\">{} {:02}:00</th>", DAYS[s / 24], s % 24);
        for n in r.incidents[s].iter().chain(r.calls[s].iter()) {
            html.push_str(&format!("<td class=\"num\">{}</td>", thousands(*n)));
        }
        html.push_str(&format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            r.length[s] / 3600,
            fixed(officer_hours, 1),
            fixed(officers, 1),
            fixed(ratio, 2)
        ));
        assert!(page.body.contains(&html), "{at}: the page lacks {html}");
    }
    // The heat maps' tables, a row per day.
    for (d, day) in DAYS.iter().enumerate() {
        let cells = |f: &dyn Fn(usize) -> String| -> String {
            let tds: String = (0..24).map(|h| format!("<td class=\"num\">{}</td>", f(d * 24 + h))).collect();
            format!("<tr><th scope=\"row\">{day}</th>{tds}</tr>")
        };
        let demand = cells(&|s| r.incidents[s][..3].iter().sum::<u64>().to_string());
        assert!(page.body.contains(&demand), "{uri}: demand grid {day}");
        if held {
            let officers = cells(&|s| fixed(round(u128::from(r.duty[s]), u128::from(r.length[s]), 1), 1));
            assert!(page.body.contains(&officers), "{uri}: officers grid {day}");
        }
    }
    let attainment = table(csv_text, "attainment");
    assert_eq!(attainment.len(), 75, "{uri}");
    for row in &attainment {
        let grade: u8 = row["grade"].parse().unwrap();
        let hour: Option<u32> = row["hour"].parse().ok();
        let (met, eligible) = r.attendance.get(&(grade, hour)).copied().unwrap_or_default();
        let at = format!("{uri} grade {grade} hour {hour:?}");
        assert_eq!(
            (row["met"].as_str(), row["eligible"].as_str()),
            (met.to_string().as_str(), eligible.to_string().as_str()),
            "{at}"
        );
        assert_eq!(row["pending"], "0", "{at}");
        assert_eq!(row["percent_met"], num(round(u128::from(met) * 100, u128::from(eligible), 1)), "{at}");
    }
    // The page's table by hour of the day shows the CSV's figures.
    for h in 0..24u32 {
        let mut html = format!("<tr><th scope=\"row\">{h:02}:00 to {h:02}:59</th>");
        for g in 1..=3u8 {
            let row = attainment.iter().find(|a| a["grade"] == g.to_string() && a["hour"] == h.to_string()).unwrap();
            let pct = row["percent_met"].parse::<f64>().ok();
            html.push_str(&format!(
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                row["met"],
                row["eligible"],
                pct.map_or("–".into(), |p| format!("{p:.1}%"))
            ));
        }
        assert!(page.body.contains(&format!("{html}</tr>")), "{uri}: attendance at {h:02}");
    }
    let visibility = table(csv_text, "visibility");
    if r.shift > 0 {
        let v = &visibility[0];
        assert_eq!(v["visible_seconds"], r.visible.to_string(), "{uri}");
        assert_eq!(v["duty_seconds"], r.shift.to_string(), "{uri}");
        let pct = round(u128::from(r.visible) * 100, u128::from(r.shift), 1);
        assert_eq!(v["visible_percent"], num(pct), "{uri}");
        assert_eq!(v["standard_percent"], "80", "{uri}");
        assert_eq!(v["neighbourhoods"], r.hoods.len().to_string(), "{uri}");
        assert_eq!(v["neighbourhoods_met"], r.hoods_met.len().to_string(), "{uri}");
        let share = format!("<td class=\"num\">{}</td><td class=\"num\">at least 80%</td>", fixed(pct, 1) + "%");
        assert!(page.body.contains(&share), "{uri}: visible share");
    } else {
        assert!(visibility.is_empty(), "{uri}");
    }
    assert_eq!(csv_text.lines().nth(1).is_some_and(|l| l.contains(",true,")), r.generated, "{uri}: generated");
    assert_eq!(page.body.contains("Demo figures"), r.generated, "{uri}: demo label");
}

async fn demand_recounts(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let sample = support::sample_dir();
    let files = [sample.join("neighbourhoods/city-of-london.json"), sample.join("areas/city-of-london.json")];
    let summary =
        Importer::new(&store, ImportOptions { quiet: true, ..Default::default() }).import_paths(&files).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let app = peel_web::app(AppState::load(store.clone()).await.unwrap());
    let hoods: Vec<String> = store.pledge().neighbourhood_areas(FORCE).await.unwrap().into_keys().collect();
    assert_eq!(hoods.len(), 6);
    let rural = hoods[1].clone();
    store.pledge().set_neighbourhood_area(FORCE, &rural, AreaKind::Rural, &peel_store::testing::setup()).await.unwrap();
    let rural: BTreeSet<String> = [rural].into();

    // Before any events the pages say so, and offer no download.
    let uri = "/forces/city-of-london/demand";
    let p = get(&app, uri).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("peel holds no Policing Pledge records for City of London Police yet"), "{uri}");
    assert_eq!(get(&app, "/forces/city-of-london/demand.csv").await.status, StatusCode::NOT_FOUND);

    // Known events through the ingest API, as a force system sends them; and a
    // generated (demo) month.
    let lines = events(&hoods);
    let token = support::api_token(&store, Role::EventFeed, "feed@city.example.org", Reach::Force(FORCE.into())).await;
    let plan_hoods: Vec<(String, AreaKind)> =
        store.pledge().neighbourhood_areas(FORCE).await.unwrap().into_iter().collect();
    let plan = generate::Plan {
        force: FORCE,
        month: "2025-06".parse().unwrap(),
        neighbourhoods: &plan_hoods,
        seed: 5,
        now: utc("2026-01-01T00:00:00Z"),
    };
    let demo: Vec<String> = generate::month(&plan).iter().map(|e| serde_json::to_string(e).unwrap()).collect();
    for body in [lines.join("\n"), demo.join("\n")] {
        let request = axum::http::Request::post("/api/v1/events")
            .header("content-type", "application/x-ndjson")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(body))
            .unwrap();
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let sent: Vec<Event> = lines.iter().chain(demo.iter()).map(|l| serde_json::from_str(l).unwrap()).collect();
    // The times were sent with the offsets the recount gives London.
    for l in &lines {
        assert!(l.contains("+01:00") || l.contains("+00:00"), "{l}");
    }

    let members: BTreeSet<String> = hoods.iter().cloned().collect();
    let bank = hoods[0].clone();
    let areas: [(String, Keep); 3] = [
        ("/forces/city-of-london/demand".into(), Box::new(|_: &Event| true)),
        (
            "/forces/city-of-london/bcus/city/demand".into(),
            Box::new(move |e: &Event| e.neighbourhood.as_ref().is_some_and(|n| members.contains(n))),
        ),
        (
            format!("/neighbourhoods/city-of-london/{bank}/demand"),
            Box::new(move |e: &Event| e.neighbourhood.as_deref() == Some(bank.as_str())),
        ),
    ];
    for (base, keep) in &areas {
        for (date, month) in [("2025-10", 10), ("2025-09", 9), ("2025-06", 6)] {
            let uri = format!("{base}?date={date}");
            let page = get(&app, &uri).await;
            let csv_answer = get(&app, &format!("{base}.csv?date={date}")).await;
            let r = recount(&sent, month, &rural, keep);
            check(&uri, &page, &csv_answer, &r);
            // Accessible: three labelled heat maps, unique ids, no personal data.
            assert_eq!(page.body.matches("<svg class=\"chart heat-map\"").count(), 3, "{uri}");
            for id in ["demand-incidents", "demand-officers", "demand-ratio"] {
                assert!(page.body.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")), "{uri}");
            }
            let ids: Vec<&str> = page.body.split(" id=\"").skip(1).filter_map(|t| t.split('"').next()).collect();
            let unique: BTreeSet<&str> = ids.iter().copied().collect();
            assert_eq!(unique.len(), ids.len(), "{uri}: duplicate ids");
            assert!(!page.body.contains("PC-") && !page.body.contains("gen-"), "{uri}: officer references or ids");
            assert!(!csv_answer.body.contains("PC-") && !csv_answer.body.contains("gen-"), "{uri}: CSV");
            assert!(page.body.contains("Method version demand-1"), "{uri}");
            for m in ["2025-10", "2025-09", "2025-06"] {
                assert!(page.body.contains(&format!("<option value=\"{m}\"")), "{uri}: picker offers {m}");
            }
        }
        // The latest month by default.
        let latest = get(&app, base).await;
        assert!(latest.body.contains("<h2 id=\"month\">October 2025</h2>"), "{base}");
        // A month that is not one is a bad request; one without records is not found.
        for bad in ["2025-13", "October", "2025-10-01"] {
            for uri in [format!("{base}?date={bad}"), format!("{base}.csv?date={bad}")] {
                let a = get(&app, &uri).await;
                assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
                assert!(a.body.contains("is not a month"), "{uri}: {}", a.body);
            }
        }
        assert_eq!(get(&app, &format!("{base}?date=2024-10")).await.status, StatusCode::NOT_FOUND, "{base}");
    }

    // The night the clocks went back: Sunday 01:00 happened five times in
    // October, and both 01:30 emergencies are in it; the shift over the
    // change worked it twice.
    let october = recount(&sent, 10, &rural, |_| true);
    let sunday_one = 6 * 24 + 1;
    assert_eq!(october.length[sunday_one], 5 * 3600);
    assert_eq!(october.length.iter().sum::<u64>(), (31 * 24 + 1) * 3600);
    assert!(october.incidents[sunday_one][0] >= 2);
    // September's shift into October counts its six October hours there.
    let csv_oct = get(&app, "/forces/city-of-london/demand.csv?date=2025-10").await.body;
    let wednesday_five = &table(&csv_oct, "hours")[2 * 24 + 5];
    assert!(wednesday_five["duty_seconds"].parse::<u64>().unwrap() >= 3600);

    // Attendance by grade equals the Pledge figures for the same month.
    let report = store.pledge().pledge_compliance(FORCE, "2025-10".parse().unwrap(), None, Utc::now()).await.unwrap();
    for (grade, id) in [
        (1, CommitmentId::EmergencyAttendance),
        (2, CommitmentId::PriorityAttendance),
        (3, CommitmentId::ScheduledAttendance),
    ] {
        let f = report.figure(id).unwrap();
        assert_eq!(october.attendance.get(&(grade, None)).copied().unwrap_or_default(), (f.met, f.eligible), "{id:?}");
    }
    let vis = report.figure(CommitmentId::TeamVisibility).unwrap();
    assert_eq!(vis.visible_percent, round(u128::from(october.visible) * 100, u128::from(october.shift), 1));

    // The Pledge pages link here, for the month they show.
    let p = get(&app, "/forces/city-of-london/pledge?date=2025-09").await;
    assert!(
        p.body.contains("href=\"/forces/city-of-london/demand?date=2025-09\""),
        "force Pledge page links to demand"
    );
    let p = get(&app, "/forces/city-of-london/bcus/city/pledge").await;
    assert!(p.body.contains("href=\"/forces/city-of-london/bcus/city/demand?date=2025-10\""));
    let p = get(&app, "/forces/city-of-london/demand").await;
    assert!(p.body.contains("href=\"/forces/city-of-london/bcus/city/demand\""), "force page links to its BCU's");

    // Unknown areas are not found, page and CSV alike.
    for uri in [
        "/forces/atlantis/demand",
        "/forces/atlantis/demand.csv",
        "/forces/city-of-london/bcus/nowhere/demand",
        "/forces/city-of-london/bcus/nowhere/demand.csv",
        "/neighbourhoods/city-of-london/zzz/demand",
        "/neighbourhoods/city-of-london/zzz/demand.csv",
    ] {
        assert_eq!(get(&app, uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
}

both!(demand_recounts);
