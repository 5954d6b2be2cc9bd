//! Quarterly BCU and CSP figures recounted from the sample's own street
//! files on both engines: crimes by category, rates, the change on the same
//! quarter a year before and its test, outcome shares, the Pledge figures
//! summed over the quarter's months; the CSV and JSON equal the page; an
//! incomplete quarter is marked so, never shown as a low figure.

mod support;

use std::collections::BTreeMap;

use chrono::Utc;
use peel_core::quarterly::poisson_change;
use peel_core::{Month, Outcome};
use peel_store::Engine;
use support::sample_csv::rows;
use support::{get, sample_dir, table, thousands};

fn quarter_months(q: &str) -> Vec<String> {
    let (year, n) = q.split_once("-Q").unwrap();
    let first: u32 = (n.parse::<u32>().unwrap() - 1) * 3 + 1;
    (first..first + 3).map(|m| format!("{year}-{m:02}")).collect()
}

/// The quarter's street crimes of `force` whose LSOA lies in one of `authorities`.
fn crimes(force: &str, authorities: &[&str], quarter: &str) -> Vec<support::sample_csv::Row> {
    let months = quarter_months(quarter);
    rows("street")
        .into_iter()
        .filter(|r| r.force == force && months.contains(&r.month))
        .filter(|r| r.lsoa_name.rsplit_once(' ').is_some_and(|(la, _)| authorities.contains(&la)))
        .collect()
}

fn by_category(rows: &[support::sample_csv::Row]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r.kind.clone()).or_default() += 1;
    }
    out
}

/// Equal but for the last bit: serde_json's reader does not round-trip every float.
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

fn p_text(p: f64) -> String {
    if p < 0.0001 { "< 0.0001".into() } else { format!("{p:.4}") }
}

/// The page's crimes table, recounted; then the CSV and JSON against the page.
async fn check_area(
    app: &axum::Router,
    path: &str,
    (force, authorities): (&str, &[&str]),
    population: i64,
    quarter: &str,
    last: Option<&str>,
) {
    let page = get(app, &format!("{path}?quarter={quarter}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Method version quarterly-1"));
    let now = crimes(force, authorities, quarter);
    let before = last.map(|l| crimes(force, authorities, l));
    assert!(now.len() > 100 && before.as_ref().is_none_or(|b| !b.is_empty()), "the sample has crimes here");
    let (now_c, before_c) = (by_category(&now), before.as_deref().map(by_category));
    let t = table(&page.body, "Crimes by category");
    assert_eq!(t.len(), 15, "all crime and the 14 categories");
    let mut expected: Vec<(String, u64, Option<u64>)> =
        vec![("All crime".into(), now.len() as u64, before.as_ref().map(|b| b.len() as u64))];
    for c in peel_core::CrimeCategory::ALL {
        let name = c.name().to_string();
        let n = now_c.get(&name).copied().unwrap_or(0);
        let b = before_c.as_ref().map(|b| b.get(&name).copied().unwrap_or(0));
        expected.push((name, n, b));
    }
    for (name, n, b) in &expected {
        let row = &t[name];
        assert_eq!(row[0], thousands(*n), "{name} count");
        assert_eq!(row[1], format!("{:.2}", *n as f64 * 1000.0 / population as f64), "{name} rate");
        let Some(b) = *b else {
            assert_eq!(row[2..], ["Not held", "Not held", "Not tested", "Not tested"], "{name}: no year before");
            continue;
        };
        assert_eq!(row[2], thousands(b), "{name} last year");
        let test = poisson_change(*n, b);
        assert_eq!(row[4], p_text(test.p_value), "{name} p");
        assert_eq!(row[5], test.verdict(), "{name} verdict");
        if b > 0 {
            assert_eq!(row[3], format!("{:+.1}%", (*n as f64 - b as f64) * 100.0 / b as f64), "{name} change");
        }
    }

    // Outcome shares: the last outcome of the quarter's crimes other than ASB.
    let mut groups: BTreeMap<&str, u64> = BTreeMap::new();
    let others: Vec<_> = now.iter().filter(|r| r.kind != "Anti-social behaviour").collect();
    for r in &others {
        use peel_core::outcome::OutcomeGroup::*;
        let name = match Outcome::from_name(&r.last_outcome).map(|o| o.group()) {
            Some(OffenderDealtWith) => "Suspect charged, cautioned or otherwise dealt with",
            Some(Pending) => "Under investigation or awaiting court",
            Some(NoFurtherAction) => "Closed with no one dealt with",
            Some(Unknown) => "No update available",
            None => "No outcome published",
        };
        *groups.entry(name).or_default() += 1;
    }
    let o = table(&page.body, "Outcomes of the crimes of");
    assert_eq!(o.len(), 5);
    for (name, cells) in &o {
        let n = groups.get(name.as_str()).copied().unwrap_or(0);
        assert_eq!(cells[0], thousands(n), "{name}");
        assert_eq!(cells[1], format!("{:.1}%", n as f64 * 100.0 / others.len() as f64), "{name} share");
    }

    // The JSON and the CSV hold what the page shows.
    let json = get(app, &format!("{path}.json?quarter={quarter}")).await;
    assert_eq!(json.status, 200);
    let j: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(j["quarter"], quarter);
    assert_eq!(j["complete"], true);
    assert_eq!(j["method_version"], "quarterly-1");
    let csv = get(app, &format!("{path}.csv?quarter={quarter}")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let crimes_csv: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[3] == "crimes").collect();
    let cats = j["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 15);
    assert_eq!(crimes_csv.len(), 15);
    for (c, r) in cats.iter().zip(&crimes_csv) {
        let name = c["category"].as_str().unwrap();
        let row = &t[name];
        assert_eq!(&r[4], name, "CSV in the JSON's order");
        assert_eq!(row[0], thousands(c["crimes"].as_u64().unwrap()));
        assert_eq!(r[5].parse::<u64>().unwrap(), c["crimes"].as_u64().unwrap());
        assert_eq!(row[1], format!("{:.2}", c["per_1000"].as_f64().unwrap()));
        assert!(same(r[6].parse::<f64>().unwrap(), c["per_1000"].as_f64().unwrap()), "{}", &r[6]);
        match c["same_quarter_last_year"].as_u64() {
            None => {
                assert!(c["p_value"].is_null() && c["verdict"].is_null());
                assert_eq!((&r[8], &r[10], &r[11]), ("", "", ""));
                assert_eq!(row[2], "Not held");
            }
            Some(b) => {
                assert_eq!(row[2], thousands(b));
                assert_eq!(r[8].parse::<u64>().unwrap(), b);
                assert_eq!(row[4], p_text(c["p_value"].as_f64().unwrap()));
                assert!(same(r[10].parse::<f64>().unwrap(), c["p_value"].as_f64().unwrap()), "{}", &r[10]);
                assert_eq!(row[5], c["verdict"].as_str().unwrap());
                assert_eq!(&r[11], c["verdict"].as_str().unwrap());
            }
        }
    }
    let outcomes_csv: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[3] == "outcomes").collect();
    for (oj, r) in j["outcomes"].as_array().unwrap().iter().zip(&outcomes_csv) {
        let name = oj["outcome"].as_str().unwrap();
        assert_eq!(&r[4], name);
        assert_eq!(o[name][0], thousands(oj["crimes"].as_u64().unwrap()));
        assert!(same(r[7].parse::<f64>().unwrap(), oj["share_percent"].as_f64().unwrap()), "{}", &r[7]);
    }
    let history = table(&page.body, "Crimes each quarter in");
    let quarters_csv: Vec<&csv::StringRecord> = records.iter().filter(|r| &r[3] == "quarters").collect();
    assert_eq!(quarters_csv.len(), history.len());
    for h in j["history"].as_array().unwrap() {
        let row = &history[h["name"].as_str().unwrap()];
        assert_eq!(row[0], "3 of 3", "the sample holds every month of each year it holds");
        assert_eq!(row[1], thousands(h["crimes"].as_u64().unwrap()));
    }
    let q = &history[&j["quarter_name"].as_str().unwrap().to_string()];
    assert_eq!(q[1], thousands(now.len() as u64), "the history agrees with the quarter");
}

async fn bcu_and_csp_recount(engine: Engine) {
    let (_db, app) = support::imported(engine, &[sample_dir()], &[], 20).await;
    // City of London: 2024 and 2025 held, so each quarter of 2025 has a year before.
    let city = ("city-of-london", &["City of London"][..]);
    check_area(&app, "/forces/city-of-london/csps/city-of-london/quarterly", city, 8_583, "2025-Q1", Some("2024-Q1"))
        .await;
    check_area(&app, "/forces/city-of-london/bcus/city/quarterly", city, 8_583, "2025-Q4", Some("2024-Q4")).await;
    // Bedfordshire: 2025 only, so no change can be tested.
    let luton = ("bedfordshire", &["Luton"][..]);
    check_area(&app, "/forces/bedfordshire/csps/luton/quarterly", luton, 225_262, "2025-Q1", None).await;
    let bedford = ("bedfordshire", &["Bedford", "Central Bedfordshire"][..]);
    let residents = 185_289 + 294_454;
    check_area(&app, "/forces/bedfordshire/bcus/bedford-and-central/quarterly", bedford, residents, "2025-Q3", None)
        .await;
    // Without a quarter: the latest complete one, and the links lead here.
    let latest = get(&app, "/forces/bedfordshire/bcus/luton/quarterly").await;
    assert!(latest.body.contains("<h2 id=\"quarter\">October to December 2025</h2>"), "{}", latest.body);
    for (page, link) in [
        ("/forces/bedfordshire", "/forces/bedfordshire/bcus/luton/quarterly"),
        ("/forces/bedfordshire", "/forces/bedfordshire/csps/bedford/quarterly"),
        ("/forces/bedfordshire/bcus/luton", "/forces/bedfordshire/bcus/luton/quarterly"),
        ("/forces/bedfordshire/csps/luton", "/forces/bedfordshire/csps/luton/quarterly"),
    ] {
        assert!(get(&app, page).await.body.contains(&format!("href=\"{link}\"")), "{page} links {link}");
    }
    // A quarter with no year before held: not tested, and said so.
    let first = get(&app, "/forces/bedfordshire/csps/luton/quarterly?quarter=2025-Q2").await;
    assert!(first.body.contains("peel does not hold every month of April to June 2024"), "{}", first.body);
    for bad in ["2025-Q5", "2019-Q1", "soon"] {
        let p = get(&app, &format!("/forces/bedfordshire/bcus/luton/quarterly?quarter={bad}")).await;
        assert_eq!(p.status, 404, "{bad}");
        assert!(p.body.contains(bad), "the page names {bad}");
    }
    assert_eq!(get(&app, "/forces/bedfordshire/bcus/atlantis/quarterly.json").await.status, 404);
    assert_eq!(get(&app, "/forces/bedfordshire/csps/atlantis/quarterly.csv").await.status, 404);
}

/// A quarter with a month missing is marked incomplete, with no figures
/// (not a low one); the Pledge figures are the months' sums.
async fn incomplete_quarter_and_pledge(engine: Engine) {
    let s = sample_dir();
    let paths = [
        s.join("areas/city-of-london.json"),
        s.join("neighbourhoods/city-of-london.json"),
        s.join("police-uk/2025-04"),
        s.join("police-uk/2025-05"),
        s.join("police-uk/2025-06"),
        s.join("police-uk/2025-07"),
    ];
    let (db, app) = support::imported(engine, &paths, &["2025-04", "2025-05", "2025-06"], 20).await;
    let page = get(&app, "/forces/city-of-london/bcus/city/quarterly?quarter=2025-Q3").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("This quarter is incomplete"), "{}", page.body);
    assert!(page.body.contains("Months held: July 2025."));
    assert!(!page.body.contains("Crimes by category"), "no figures for an incomplete quarter");
    let history = table(&page.body, "Crimes each quarter in");
    assert_eq!(history["July to September 2025"], ["1 of 3", "Incomplete", "Incomplete"]);
    let csv = get(&app, "/forces/city-of-london/bcus/city/quarterly.csv?quarter=2025-Q3").await;
    assert!(!csv.body.contains(",crimes,"), "no crime rows in the CSV either");
    let json = get(&app, "/forces/city-of-london/bcus/city/quarterly.json?quarter=2025-Q3").await;
    let j: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(j["complete"], false);
    assert_eq!(j["months"][0]["held"], true);
    assert_eq!(j["months"][1]["held"], false);
    // The only complete quarter is the default.
    let q2 = get(&app, "/forces/city-of-london/bcus/city/quarterly").await;
    assert!(q2.body.contains("<h2 id=\"quarter\">April to June 2025</h2>"));
    assert!(q2.body.contains("peel does not hold every month of April to June 2024"));

    // Pledge: each standard's met and counted, summed over the quarter's months.
    let store = db.store().await;
    let reports = store
        .pledge()
        .pledge_compliance_bcu_months(
            "city-of-london",
            "2025-04".parse::<Month>().unwrap(),
            "2025-06".parse().unwrap(),
            "city",
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let pledge = table(&q2.body, "Policing Pledge standards met by the City of London basic command unit");
    assert_eq!(pledge.len(), reports[0].commitments.len());
    let j: serde_json::Value =
        serde_json::from_str(&get(&app, "/forces/city-of-london/bcus/city/quarterly.json").await.body).unwrap();
    for (i, row) in j["pledge"]["rows"].as_array().unwrap().iter().enumerate() {
        let met: u64 = reports.iter().map(|r| r.commitments[i].met).sum();
        let eligible: u64 = reports.iter().map(|r| r.commitments[i].eligible).sum();
        assert_eq!(row["met"].as_u64(), Some(met));
        assert_eq!(row["eligible"].as_u64(), Some(eligible));
        let cells = &pledge[row["commitment"].as_str().unwrap()];
        assert_eq!(cells[0], thousands(met));
        assert_eq!(cells[1], thousands(eligible));
        if eligible > 0 {
            assert_eq!(cells[2], format!("{:.1}%", (met as f64 * 1000.0 / eligible as f64).round() / 10.0));
        }
    }
    assert!(q2.body.contains("generated events written for the peel demo"));
    // A partnership shows its BCU's Pledge figures, and says so.
    let csp = get(&app, "/forces/city-of-london/csps/city-of-london/quarterly").await;
    assert!(csp.body.contains("not for each partnership"), "{}", csp.body);
    assert_eq!(table(&csp.body, "Policing Pledge standards met by").len(), pledge.len());
}

both!(bcu_and_csp_recount, incomplete_quarter_and_pledge);
