//! Public confidence figures, recounted from the sample's responses file on
//! both engines: the weighted percentages, intervals and bases on the force
//! and BCU pages, the change on the twelve months before and its test, the
//! downloads against the page, suppression below the minimum base, bad
//! dates, and bad files refused with their lines and nothing stored.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use axum::http::StatusCode;
use peel_core::Month;
use peel_import::{ImportOptions, Importer, Summary};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};
use support::{get, sample_dir, thousands};

const FILE: &str = "confidence/city-of-london-illustrative.csv";
const FORCE: &str = "/forces/city-of-london/confidence";
const BCU: &str = "/forces/city-of-london/bcus/city/confidence";

async fn import(store: &Store, paths: &[PathBuf]) -> Summary {
    Importer::new(store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(paths)
        .await
        .expect("import runs")
}

/// The areas (for the BCU) and the responses, through `peel import`'s path.
async fn sample(engine: Engine) -> (TestDatabase, Store, axum::Router) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let summary = import(&store, &[sample_dir().join("areas"), sample_dir().join(FILE)]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.survey_responses, responses().len());
    let app = peel_web::app(peel_web::AppState::load(store.clone()).await.expect("load"));
    (db, store, app)
}

struct Response {
    bcu: String,
    month: Month,
    measure: String,
    positive: bool,
    weight: f64,
}

/// The sample file read directly; positive answers as docs/methods.md lists them.
fn responses() -> Vec<Response> {
    let mut reader = csv::Reader::from_path(sample_dir().join(FILE)).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Response {
                bcu: r[1].to_string(),
                month: r[3].parse().unwrap(),
                measure: r[4].to_string(),
                positive: ["strongly-agree", "tend-to-agree", "excellent", "good"].contains(&&r[5]),
                weight: r[6].parse().unwrap(),
            }
        })
        .collect()
}

/// (percent, low, high, unweighted base, standard error) recounted here:
/// p = Σw⁺/Σw, n_eff = (Σw)²/Σw², se = √(p(1−p)/n_eff), p ± 1.96·se clipped.
fn recount(measure: &str, bcu: Option<&str>, first: &str, last: &str) -> Option<(f64, f64, f64, usize, f64)> {
    let (first, last): (Month, Month) = (first.parse().unwrap(), last.parse().unwrap());
    let rows: Vec<Response> = responses()
        .into_iter()
        .filter(|r| r.measure == measure && r.month >= first && r.month <= last)
        .filter(|r| bcu.is_none_or(|b| r.bcu == b))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let w: f64 = rows.iter().map(|r| r.weight).sum();
    let w2: f64 = rows.iter().map(|r| r.weight * r.weight).sum();
    let p = rows.iter().filter(|r| r.positive).map(|r| r.weight).sum::<f64>() / w;
    let se = (p * (1.0 - p) / (w * w / w2)).sqrt();
    let z = 1.959963984540054;
    Some((100.0 * p, 100.0 * (p - z * se).max(0.0), 100.0 * (p + z * se).min(1.0), rows.len(), se))
}

/// Each table row's cells as text, keyed by its row header.
fn table_rows(html: &str) -> BTreeMap<String, Vec<String>> {
    let text = |s: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in s.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                _ if !tag => out.push(c),
                _ => {}
            }
        }
        out.trim().replace("&#38;", "&").replace("&amp;", "&")
    };
    let mut out = BTreeMap::new();
    for row in html.split("<tr").skip(1) {
        let row = row.split("</tr>").next().unwrap_or_default();
        let Some((_, after)) = row.split_once("<th scope=\"row\">") else { continue };
        let (name, rest) = after.split_once("</th>").expect("closed header");
        let cells =
            rest.split("<td").skip(1).map(|c| text(&format!("<td{}", c.split("</td>").next().unwrap_or("")))).collect();
        out.insert(text(name), cells);
    }
    out
}

const MEASURES: [&str; 3] = ["single-confidence", "good-job", "local-confidence"];

/// Every cell of the page, the JSON and the CSV against the recount.
async fn check_area(app: &axum::Router, path: &str, bcu: Option<&str>) {
    let page = get(app, path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("These figures are illustrative"), "{path} says the sample is made up");
    assert!(page.body.contains("confidence-1"), "{path} shows the method version");
    assert!(page.body.contains("<svg"), "{path} has its chart");
    let table = table_rows(&page.body);
    let json = get(app, &format!("{path}.json")).await.json();
    assert_eq!(json["end_month"], "2025-12", "the latest month held by default");
    assert_eq!(json["period"]["first"], "2025-01");
    assert_eq!(json["previous_period"]["last"], "2024-12");
    assert_eq!(json["minimum_unweighted_base"], 100);
    let csv_text = get(app, &format!("{path}.csv?date=2025-12")).await.body;
    let mut csv_rows = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = csv_rows.headers().unwrap().clone();
    let csv_rows: Vec<BTreeMap<String, String>> = csv_rows
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect();
    assert_eq!(csv_rows.len(), 3);
    for (i, code) in MEASURES.iter().enumerate() {
        let j = &json["measures"][i];
        assert_eq!(j["measure"], *code);
        let (p, lo, hi, n, se) = recount(code, bcu, "2025-01", "2025-12").unwrap();
        let (p0, _, _, n0, se0) = recount(code, bcu, "2024-01", "2024-12").unwrap();
        assert!(n >= 100 && n0 >= 100, "the sample publishes both years");
        let label = j["label"].as_str().unwrap();
        let row = &table[label];
        assert_eq!(row[0], format!("{p:.1}%"), "{path} {code} weighted %");
        assert_eq!(row[1], format!("{lo:.1}% to {hi:.1}%"), "{path} {code} interval");
        assert_eq!(row[2], thousands(n as i64), "{path} {code} base");
        assert_eq!(row[3], format!("{p0:.1}%"), "{path} {code} previous");
        assert_eq!(row[4], format!("{:+.1} points", p - p0), "{path} {code} change");
        let z = (p - p0) / 100.0 / (se * se + se0 * se0).sqrt();
        let verdict = if z.abs() > 1.959963984540054 { "Significant change" } else { "No significant change" };
        assert_eq!(row[5], verdict, "{path} {code} z = {z}");
        // The downloads hold the page's numbers.
        let num = |v: &serde_json::Value| v.as_f64().unwrap();
        assert_eq!(format!("{:.1}%", num(&j["now"]["weighted_percent"])), row[0]);
        assert_eq!(format!("{:.1}% to {:.1}%", num(&j["now"]["ci_low"]), num(&j["now"]["ci_high"])), row[1]);
        assert_eq!(j["now"]["unweighted_base"], n);
        assert_eq!(j["previous"]["unweighted_base"], n0);
        assert_eq!(j["significant"], z.abs() > 1.959963984540054);
        let c = &csv_rows[i];
        assert_eq!(c["measure"], *code);
        for (col, v) in [
            ("weighted_percent", &j["now"]["weighted_percent"]),
            ("ci_low", &j["now"]["ci_low"]),
            ("ci_high", &j["now"]["ci_high"]),
            ("previous_weighted_percent", &j["previous"]["weighted_percent"]),
            ("change_points", &j["change_points"]),
        ] {
            assert_eq!(c[col].parse::<f64>().unwrap(), num(v), "{path} {code} CSV {col}");
        }
        assert_eq!(c["unweighted_base"], n.to_string());
        assert_eq!(c["significant"], j["significant"].to_string());
        assert_eq!(c["status"], "published");
    }
}

async fn confidence_recounts(engine: Engine) {
    let (_db, store, app) = sample(engine).await;
    check_area(&app, FORCE, None).await;
    check_area(&app, BCU, Some("city")).await;
    // The sample's single confidence question rises significantly at force level.
    let json = get(&app, &format!("{FORCE}.json")).await.json();
    assert_eq!(json["measures"][0]["significant"], true);

    // The store's API the report card calls agrees with the page.
    let end: Month = "2025-12".parse().unwrap();
    let years = store.confidence().year_on_year("city-of-london", Some("city"), end).await.unwrap();
    let (p, ..) = recount("good-job", Some("city"), "2025-01", "2025-12").unwrap();
    let good_job = years.iter().find(|y| y.measure.code() == "good-job").unwrap();
    let e = good_job.now.figure.estimate().unwrap();
    assert!((e.percent - p).abs() < 1e-9, "{} against {p}", e.percent);
    assert!(e.effective_base < e.unweighted_base as f64, "weights lower the effective base");
    assert_eq!(store.confidence().rolling_year("city-of-london", None, end).await.unwrap().len(), 3);

    // Re-importing the same source replaces its rows rather than adding to them.
    let again = import(&store, &[sample_dir().join(FILE)]).await;
    assert_eq!(again.survey_responses_replaced, responses().len() as u64);
    let json_again = get(&app, &format!("{FORCE}.json")).await.json();
    assert_eq!(json_again, json);

    // Twelve months ending June 2024 hold six months: 96 answers each, below 100.
    let early = get(&app, &format!("{FORCE}?date=2024-06")).await;
    assert_eq!(early.status, StatusCode::OK);
    let row = &table_rows(&early.body)["Have confidence in the police in this area"];
    assert_eq!(row[0], "Not published: fewer than 100 responses");
    assert_eq!(row[2], "96");
    assert_eq!(row[3], "No survey responses are held");
    assert_eq!(row[5], "Not tested: both periods need a published figure");
    let j = get(&app, &format!("{FORCE}.json?date=2024-06")).await.json();
    assert_eq!(j["measures"][2]["now"]["status"], "suppressed");
    assert!(j["measures"][2]["now"]["weighted_percent"].is_null());

    // A configured minimum above the BCU's base suppresses it, not the force's.
    let bcu_base = recount("good-job", Some("city"), "2025-01", "2025-12").unwrap().3 as u32;
    store.confidence().set_min_base(bcu_base + 1).await.unwrap();
    let bcu = get(&app, BCU).await;
    let row = &table_rows(&bcu.body)["Say the police in this area do a good or excellent job"];
    assert_eq!(row[0], format!("Not published: fewer than {} responses", bcu_base + 1));
    let force = get(&app, FORCE).await;
    assert!(table_rows(&force.body)["Say the police in this area do a good or excellent job"][0].ends_with('%'));
    assert!(store.confidence().set_min_base(1_000_000).await.is_err());

    // Dates: not a month is a bad request; a month without responses, not found.
    for bad in ["2025-13", "soon", "2025-1"] {
        for path in [FORCE.to_string(), format!("{BCU}.csv"), format!("{FORCE}.json")] {
            let a = get(&app, &format!("{path}?date={bad}")).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}?date={bad}");
        }
    }
    assert!(get(&app, &format!("{FORCE}?date=2025-13")).await.body.contains("for example 2024-03 for March 2024"));
    assert_eq!(get(&app, &format!("{FORCE}?date=2023-01")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/forces/city-of-london/bcus/nowhere/confidence").await.status, StatusCode::NOT_FOUND);

    // A force without responses says so, and shows no zero.
    let none = get(&app, "/forces/bedfordshire/confidence").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.body.contains("No survey responses are held for Bedfordshire Police."));
    assert!(!none.body.contains("0.0%") && !none.body.contains("<table"));
    assert_eq!(get(&app, "/forces/bedfordshire/confidence.json").await.json()["measures"], serde_json::json!([]));

    // The force and BCU pages link to theirs.
    assert!(get(&app, "/forces/city-of-london").await.body.contains(&format!("href=\"{FORCE}\"")));
    assert!(get(&app, "/forces/city-of-london/bcus/city").await.body.contains(&format!("href=\"{BCU}\"")));
}

async fn bad_files_are_refused(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    assert!(import(&store, &[sample_dir().join("areas")]).await.failed.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("responses.csv");
    std::fs::write(
        &path,
        "force,bcu,neighbourhood,month,measure,response,weight,source\n\
         city-of-london,city,,2025-01,good-job,good,1.5,Survey\n\
         city-of-london,city,,2025-01,good-job,good,heavy,Survey\n\
         atlantis,,,2025-01,good-job,good,1,Survey\n\
         city-of-london,,,2025-1,good-job,good,1,Survey\n\
         city-of-london,,,2025-01,trust-in-police,good,1,Survey\n\
         city-of-london,,,2025-01,good-job,good,0,Survey\n",
    )
    .unwrap();
    let summary = import(&store, std::slice::from_ref(&path)).await;
    assert_eq!(summary.failed.len(), 1);
    let said = summary.failed[0].to_string();
    for needle in [
        "responses.csv:3: weight: \"heavy\"",
        "responses.csv:4: force: \"atlantis\" is not a police.uk force id",
        "responses.csv:5: month: \"2025-1\" is not a month",
        "responses.csv:6: measure: \"trust-in-police\" is not a measure",
        "responses.csv:7: weight: \"0\"",
        "the file was not imported",
    ] {
        assert!(said.contains(needle), "{needle:?} not in:\n{said}");
    }
    // A BCU the force does not have is refused after the rows are read.
    std::fs::write(
        &path,
        "force,bcu,neighbourhood,month,measure,response,weight,source\n\
         city-of-london,city,,2025-01,good-job,good,1,Survey\ncity-of-london,west,,2025-01,good-job,good,1,Survey\n",
    )
    .unwrap();
    let said = import(&store, &[path]).await.failed[0].to_string();
    assert!(said.contains("responses.csv:3: bcu: \"west\" is not a BCU of city-of-london"), "{said}");
    let c = store.confidence();
    assert!(c.months("city-of-london", None).await.unwrap().is_empty(), "nothing stored");
    let (a, b) = ("2025-01".parse().unwrap(), "2025-12".parse().unwrap());
    assert!(c.sums("city-of-london", None, a, b).await.unwrap().is_empty());
}

both!(confidence_recounts, bad_files_are_refused);
