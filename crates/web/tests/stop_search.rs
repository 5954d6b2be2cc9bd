//! Stop and search pages recounted from the sample's own stop-and-search
//! files on both engines: every table of a force and of neighbourhoods
//! (stops at map points inside the boundary, from the boundary files), the
//! change on the same month a year before, the rate per 1,000 residents;
//! the CSV and JSON equal the page; a month without data says so; a bad
//! month is a 400 and an unknown area a 404.

mod support;

use std::collections::BTreeMap;

use peel_core::{LatLng, Polygon};
use peel_store::Engine;
use serde_json::Value;
use support::{get, sample_dir, table, thousands};

/// One stop as police.uk's file gives it, with the force and month from
/// the file's name (police.uk files a stop under the file's month).
#[derive(Debug, Clone)]
struct Stop {
    month: String,
    at: Option<LatLng>,
    fields: BTreeMap<&'static str, String>,
    linked: String,
    /// As published (UTC).
    datetime: String,
}

/// The report's keys and the file's columns they count.
const COLUMNS: [(&str, &str); 7] = [
    ("object_of_search", "Object of search"),
    ("outcome", "Outcome"),
    ("self_defined_ethnicity", "Self-defined ethnicity"),
    ("officer_defined_ethnicity", "Officer-defined ethnicity"),
    ("age_range", "Age range"),
    ("gender", "Gender"),
    ("type", "Type"),
];

fn city_stops() -> Vec<Stop> {
    let mut out = Vec::new();
    let root = sample_dir().join("police-uk");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let month = dir.file_name().unwrap().to_str().unwrap().to_string();
        let file = dir.join(format!("{month}-city-of-london-stop-and-search.csv"));
        if !file.exists() {
            continue;
        }
        let mut reader = csv::Reader::from_path(&file).unwrap();
        let headers = reader.headers().unwrap().clone();
        for record in reader.records() {
            let r = record.unwrap();
            let col = |name: &str| r.get(headers.iter().position(|h| h == name).unwrap()).unwrap().trim().to_string();
            let at = match (col("Latitude").parse::<f64>(), col("Longitude").parse::<f64>()) {
                (Ok(lat), Ok(lng)) => Some(LatLng { lat, lng }),
                _ => None,
            };
            let fields = COLUMNS.iter().map(|(key, name)| (*key, col(name))).collect();
            let linked = col("Outcome linked to object of search");
            out.push(Stop { month: month.clone(), at, fields, linked, datetime: col("Date") });
        }
    }
    out
}

/// A neighbourhood's boundary, read from its KML file.
fn boundary(id: &str) -> Polygon {
    let path = sample_dir().join(format!("boundaries/neighbourhoods/city-of-london/{id}.kml"));
    let kml = std::fs::read_to_string(path).unwrap();
    let coords = kml.split("<coordinates>").nth(1).unwrap().split("</coordinates>").next().unwrap();
    let ring = coords
        .split_whitespace()
        .map(|p| {
            let mut xy = p.split(',').map(|v| v.parse::<f64>().unwrap());
            let lng = xy.next().unwrap();
            LatLng { lat: xy.next().unwrap(), lng }
        })
        .collect();
    Polygon::new(ring).unwrap()
}

/// Counts by value, an empty field as "Not stated".
fn tally<'s>(stops: impl Iterator<Item = &'s Stop>, key: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for s in stops {
        let v = &s.fields[key];
        *out.entry(if v.is_empty() { "Not stated".to_string() } else { v.clone() }).or_default() += 1;
    }
    out
}

fn change_text(now: u64, before: u64) -> String {
    if before == 0 {
        "None last year".into()
    } else {
        format!("{:+.1}%", (now as f64 - before as f64) * 100.0 / before as f64)
    }
}

fn share_text(part: u64, whole: u64) -> String {
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// Every table of the page at `path` for `month`, recounted from `now` (the
/// month's stops in the area) and `before` (a year before, when held).
async fn check_page(app: &axum::Router, path: &str, month: &str, now: &[&Stop], before: Option<&[&Stop]>) -> Value {
    let page = get(app, &format!("{path}?date={month}")).await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    assert!(page.body.contains("Method version stop-search-1"));
    assert!(!now.is_empty(), "{path} {month}: the sample has stops here");
    let total = table(&page.body, "caption id=\"total-caption\"");
    let row = &total["All stops and searches"];
    assert_eq!(row[0], thousands(now.len() as u64), "{path} {month} total");
    match before {
        Some(b) => {
            assert_eq!(row[1], thousands(b.len() as u64), "{path} {month} a year before");
            assert_eq!(row[2], change_text(now.len() as u64, b.len() as u64));
        }
        None => assert_eq!(row[1..3], ["Not held", "Not held"], "{path} {month}: no year before"),
    }
    for (key, _) in COLUMNS {
        let want = tally(now.iter().copied(), key);
        let last = before.map(|b| tally(b.iter().copied(), key));
        let t = table(&page.body, &format!("caption id=\"{key}-caption\""));
        let mut values: Vec<&String> = want.keys().collect();
        if let Some(l) = &last {
            values.extend(l.keys().filter(|k| !want.contains_key(*k)));
        }
        assert_eq!(t.len(), values.len(), "{path} {month} {key}: one row per value: {t:?}");
        for v in values {
            let n = want.get(v).copied().unwrap_or(0);
            let cells = &t[v];
            assert_eq!(cells[0], thousands(n), "{path} {month} {key} {v}");
            assert_eq!(cells[1], share_text(n, now.len() as u64), "{path} {month} {key} {v} share");
            match &last {
                Some(l) => {
                    let b = l.get(v).copied().unwrap_or(0);
                    assert_eq!(cells[2], thousands(b), "{key} {v} a year before");
                    assert_eq!(cells[3], change_text(n, b), "{key} {v} change");
                }
                None => assert_eq!(cells[2..4], ["Not held", "Not held"]),
            }
        }
    }
    let linked = table(&page.body, "caption id=\"linked-caption\"");
    let count = |v: &str| now.iter().filter(|s| s.linked.eq_ignore_ascii_case(v)).count() as u64;
    let (yes, no) = (count("true"), count("false"));
    assert_eq!(linked["Yes"][0], thousands(yes));
    assert_eq!(linked["No"][0], thousands(no));
    assert_eq!(linked["Not stated"][0], thousands(now.len() as u64 - yes - no));
    assert!(
        page.body.contains(&format!("Of the stops where this is stated, {} were linked.", share_text(yes, yes + no)))
    );

    // The JSON and the CSV hold what the page shows.
    let json = get(app, &format!("{path}.json?date={month}")).await;
    assert_eq!(json.status, 200);
    let j = json.json();
    assert_eq!((j["month"].as_str(), j["method_version"].as_str()), (Some(month), Some("stop-search-1")));
    assert_eq!(j["stops"].as_u64(), Some(now.len() as u64));
    assert_eq!(j["linked"]["yes"].as_u64(), Some(yes));
    let csv = get(app, &format!("{path}.csv?date={month}")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let total_csv = records.iter().find(|r| &r[2] == "total" && &r[3] == "All stops and searches").unwrap();
    assert_eq!(total_csv[4].parse::<u64>().unwrap(), now.len() as u64);
    let breakdowns = j["breakdowns"].as_array().unwrap();
    assert_eq!(breakdowns.len(), COLUMNS.len());
    for b in breakdowns {
        let key = b["key"].as_str().unwrap();
        let t = table(&page.body, &format!("caption id=\"{key}-caption\""));
        let rows = b["rows"].as_array().unwrap();
        let csv_rows: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[2] == key).collect();
        assert_eq!((rows.len(), csv_rows.len()), (t.len(), t.len()), "{key}");
        for (x, r) in rows.iter().zip(&csv_rows) {
            let value = x["value"].as_str().unwrap();
            assert_eq!(&r[3], value, "CSV in the JSON's order");
            let stops = x["stops"].as_u64().unwrap();
            assert_eq!(t[value][0], thousands(stops));
            assert_eq!(r[4].parse::<u64>().unwrap(), stops);
            assert_eq!(t[value][1], format!("{:.1}%", x["share_percent"].as_f64().unwrap()));
            match x["same_month_last_year"].as_u64() {
                Some(b) => {
                    assert_eq!(t[value][2], thousands(b));
                    assert_eq!(r[6].parse::<u64>().unwrap(), b);
                }
                None => assert_eq!((t[value][2].as_str(), &r[6]), ("Not held", "")),
            }
        }
    }
    let compare = table(&page.body, "caption id=\"compare-caption\"");
    let compare_csv: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[2] == "comparison").collect();
    assert_eq!(compare_csv.len(), compare.len());
    for (c, r) in j["comparison"]["rows"].as_array().unwrap().iter().zip(compare_csv) {
        let name = c["name"].as_str().unwrap();
        assert_eq!(&r[3], name);
        match c["stops"].as_f64() {
            Some(n) => assert_eq!(r[4].parse::<f64>().unwrap(), n),
            None => assert_eq!((compare[name][0].as_str(), &r[4]), ("Not held", "")),
        }
    }
    j
}

async fn force_and_neighbourhood_recount(engine: Engine) {
    let (_db, app) = support::whole_sample(engine).await;
    let app = &app;
    let stops = city_stops();
    let of = |month: &str| stops.iter().filter(|s| s.month == month).collect::<Vec<_>>();

    // The force: every stop of the month, with or without a map point.
    let path = "/forces/city-of-london/stop-and-search";
    let feb = of("2025-02");
    let j = check_page(app, path, "2025-02", &feb, Some(&of("2024-02"))).await;
    let page = get(app, &format!("{path}?date=2025-02")).await;
    let total = table(&page.body, "caption id=\"total-caption\"");
    assert_eq!(total["All stops and searches"][3], format!("{:.2}", feb.len() as f64 * 1000.0 / 8_583.0), "per 1,000");
    let unplaced = feb.iter().filter(|s| s.at.is_none()).count() as u64;
    assert_eq!(j["without_location"].as_u64(), Some(unplaced));
    // The force beside its group: City's published group has no peers, so the computed one.
    let compare = table(&page.body, "caption id=\"compare-caption\"");
    assert_eq!(compare["City of London Police"][0], thousands(feb.len() as u64));
    assert!(compare.values().any(|c| c[0] == "Not held"), "peers without stop and search say so: {compare:?}");
    assert!(page.body.contains("the group is the one peel computes"), "{}", page.body);
    // A month with no year before held, whose file holds a stop dated in
    // March by UTC (in the first hour of April in British Summer Time): it
    // counts in April, as police.uk files it.
    let april = of("2024-04");
    assert!(april.iter().any(|s| s.datetime.starts_with("2024-03-31T23")), "the sample keeps the quirk");
    check_page(app, path, "2024-04", &april, None).await;

    // Neighbourhoods: the stops whose map point lies inside the boundary.
    let mut placed = 0;
    for id in ["ban", "bar", "fen", "fle", "liv", "mon"] {
        let polygon = boundary(id);
        let inside = |month: &str| {
            of(month).into_iter().filter(|s| s.at.is_some_and(|p| polygon.contains(p))).collect::<Vec<_>>()
        };
        let (now, before) = (inside("2025-02"), inside("2024-02"));
        placed += now.len();
        let path = format!("/neighbourhoods/city-of-london/{id}/stop-and-search");
        if now.is_empty() {
            let j = get(app, &format!("{path}.json?date=2025-02")).await.json();
            assert_eq!(j["stops"].as_u64(), Some(0), "{id}: held, and none there");
            continue;
        }
        check_page(app, &path, "2025-02", &now, Some(&before)).await;
        let aug = inside("2024-08");
        if !aug.is_empty() {
            check_page(app, &path, "2024-08", &aug, None).await;
        }
    }
    let located = feb.iter().filter(|s| s.at.is_some()).count();
    assert!(placed > 0 && placed <= located, "{placed} of {located} placed in a neighbourhood");

    // Without a date: the latest month held for stop and search.
    let latest = get(app, path).await;
    assert!(latest.body.contains("<h2 id=\"month\">February 2025</h2>"), "{}", latest.body);
    assert!(latest.body.contains("<option value=\"2024-01\">"), "the picker offers the months held");
    assert!(!latest.body.contains("<option value=\"2024-11\""), "and not a month without stop and search");
}

/// A month held for crimes but not for stop and search, and a force with
/// none, say so and show no table of zeros; a bad month is a 400; an
/// unknown force or neighbourhood a 404; the force and neighbourhood pages
/// link here.
async fn missing_months_and_bad_input(engine: Engine) {
    let (_db, app) = support::whole_sample(engine).await;
    let app = &app;
    for path in ["/forces/city-of-london/stop-and-search", "/neighbourhoods/city-of-london/ban/stop-and-search"] {
        let p = get(app, &format!("{path}?date=2024-11")).await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(
            p.body.contains("peel holds no stop and search data for City of London Police for November 2024"),
            "{}",
            p.body
        );
        assert!(!p.body.contains("total-caption") && !p.body.contains("<strong>0</strong>"), "no zero table");
        assert!(p.body.contains("<option value=\"2024-11\" selected>November 2024 (none held)</option>"));
        let j = get(app, &format!("{path}.json?date=2024-11")).await.json();
        assert!(j["stops"].is_null() && j["breakdowns"].as_array().unwrap().is_empty(), "{j}");
        let csv = get(app, &format!("{path}.csv?date=2024-11")).await;
        assert!(csv.body.contains(",no_figures,") && !csv.body.contains(",total,"), "{}", csv.body);
        // A year after a month not held: its change is not held either.
        let p = get(app, &format!("{path}.json?date=2025-11")).await.json();
        assert!(p["stops"].is_null());
        for bad in ["2024-13", "abc"] {
            for suffix in ["", ".csv", ".json"] {
                let p = get(app, &format!("{path}{suffix}?date={bad}")).await;
                assert_eq!(p.status, 400, "{path}{suffix}?date={bad}");
                assert!(p.body.contains(&format!("“{bad}” is not a month")), "{}", p.body);
            }
        }
        let p = get(app, &format!("{path}?date=1999-01")).await;
        assert_eq!(p.status, 404, "a month peel holds nothing for");
    }
    // Bedfordshire: police.uk publishes no stop and search for it in the sample.
    let p = get(app, "/forces/bedfordshire/stop-and-search").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("police.uk publishes none for this force"), "{}", p.body);
    assert!(!p.body.contains("total-caption"));
    let j = get(app, "/forces/bedfordshire/stop-and-search.json").await.json();
    assert!(j["stops"].is_null() && j["held"] == false, "{j}");

    for path in [
        "/forces/atlantis/stop-and-search",
        "/forces/atlantis/stop-and-search.csv",
        "/forces/atlantis/stop-and-search.json",
        "/neighbourhoods/city-of-london/atlantis/stop-and-search",
        "/neighbourhoods/city-of-london/atlantis/stop-and-search.json",
        "/neighbourhoods/atlantis/ban/stop-and-search",
    ] {
        let p = get(app, path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(p.body.contains("atlantis"), "{path} names what was not found");
    }
    for (page, link) in [
        ("/forces/city-of-london", "/forces/city-of-london/stop-and-search"),
        ("/forces/bedfordshire", "/forces/bedfordshire/stop-and-search"),
        ("/neighbourhoods/city-of-london/ban", "/neighbourhoods/city-of-london/ban/stop-and-search"),
    ] {
        assert!(get(app, page).await.body.contains(&format!("href=\"{link}\"")), "{page} links {link}");
    }
}

both!(force_and_neighbourhood_recount, missing_months_and_bad_input);
