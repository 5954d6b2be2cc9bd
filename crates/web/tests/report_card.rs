//! The report card recounted from the sample's own files on both engines:
//! every figure behind a grade (crimes, serious harm and outcomes from the
//! street files, residents from the areas files, spending and officers from
//! the finance file), what it is compared with, its score and grade by the
//! published cut points, the domain and overall grades, the trigger for an
//! extraordinary meeting; the CSV equals the JSON and the page; HMICFRS's
//! grades entered in the back office appear beside peel's, told apart.

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use peel_core::Outcome;
use peel_core::access::{OrgKind, Role};
use peel_core::outcome::OutcomeGroup;
use peel_import::{ImportOptions, Importer};
use peel_store::Engine;
use serde_json::Value;
use support::casework::Harness;
use support::sample_csv::rows;
use support::{get, sample_dir};

const SERIOUS: [&str; 3] = ["Violence and sexual offences", "Robbery", "Possession of weapons"];

fn quarter_months(q: &str) -> Vec<String> {
    let (year, n) = q.split_once("-Q").unwrap();
    let first: u32 = (n.parse::<u32>().unwrap() - 1) * 3 + 1;
    (first..first + 3).map(|m| format!("{year}-{m:02}")).collect()
}

/// A force's residents: its areas file's partnerships added up.
fn population(force: &str) -> f64 {
    let text = std::fs::read_to_string(sample_dir().join(format!("areas/{force}.json"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut total = 0.0;
    for b in v["bcus"].as_array().unwrap() {
        for c in b["csps"].as_array().unwrap() {
            total += c["population"].as_f64().unwrap();
        }
    }
    total
}

/// A force's figure from the finance file.
fn finance(force: &str, variable: &str) -> f64 {
    let mut r = csv::Reader::from_path(sample_dir().join("comparisons/force-finance-illustrative.csv")).unwrap();
    r.records()
        .map(|x| x.unwrap())
        .find(|x| &x[0] == force && &x[1] == variable)
        .map(|x| x[2].parse().unwrap())
        .unwrap()
}

/// What the street files say of a force's quarter: crimes, serious harm,
/// and (crimes other than ASB, of which dealt with, whether any outcome is published).
struct Counted {
    crimes: f64,
    serious: f64,
    others: f64,
    dealt: f64,
    published: bool,
}

fn count(force: &str, quarter: &str) -> Counted {
    let months = quarter_months(quarter);
    let mine: Vec<_> = rows("street").into_iter().filter(|r| r.force == force && months.contains(&r.month)).collect();
    let others: Vec<_> = mine.iter().filter(|r| r.kind != "Anti-social behaviour").collect();
    let outcome = |r: &&support::sample_csv::Row| Outcome::from_name(&r.last_outcome);
    Counted {
        crimes: mine.len() as f64,
        serious: mine.iter().filter(|r| SERIOUS.contains(&r.kind.as_str())).count() as f64,
        others: others.len() as f64,
        dealt: others.iter().filter(|r| outcome(r).map(|o| o.group()) == Some(OutcomeGroup::OffenderDealtWith)).count()
            as f64,
        published: others.iter().any(|r| outcome(r).is_some()),
    }
}

/// The published cut points, graded independently of the engine: the
/// number of cut points the score falls on the wrong side of.
fn grade(method: &Value, indicator: &str, score: f64) -> usize {
    let ind = method["indicators"].as_array().unwrap().iter().find(|i| i["id"] == indicator).unwrap();
    let higher = ind["better"] == "higher";
    ind["cuts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_f64().unwrap())
        .filter(|c| if higher { score < *c } else { score > *c })
        .count()
}

fn combined(grades: &[usize]) -> Option<usize> {
    (!grades.is_empty()).then(|| {
        let twice: usize = grades.iter().sum::<usize>() * 2;
        // Rounded to the nearest, halves to the worse (higher) grade.
        (twice + grades.len()) / (2 * grades.len())
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn indicator<'a>(card: &'a Value, id: &str) -> &'a Value {
    card["domains"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["indicators"].as_array().unwrap())
        .find(|i| i["indicator"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

async fn force_card(engine: Engine) {
    let (_db, app) = support::imported(engine, &[sample_dir()], &["2025-04", "2025-05", "2025-06"], 40).await;
    let method: Value = serde_json::from_str(peel_core::report_card::METHOD_JSON).unwrap();
    let scale: Vec<String> = method["scale"].as_array().unwrap().iter().map(|g| g.as_str().unwrap().into()).collect();
    let q = "2025-Q2";
    let card = get(&app, &format!("/forces/city-of-london/report-card.json?quarter={q}")).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    let card = card.json();
    assert_eq!(card["method_version"], "report-card-1");
    assert_eq!(card["quarter"], q);

    let (city, beds) = (count("city-of-london", q), count("bedfordshire", q));
    let (pc, pb) = (population("city-of-london"), population("bedfordshire"));
    let mut expected: BTreeMap<&str, (Option<f64>, Option<f64>)> = BTreeMap::new();
    // Bedfordshire is the only other force the sample holds, so whatever
    // group the City has, its comparators are Bedfordshire's figures.
    expected.insert("crime-rate", (Some(city.crimes * 1000.0 / pc), Some(beds.crimes * 1000.0 / pb)));
    expected.insert("serious-harm-rate", (Some(city.serious * 1000.0 / pc), Some(beds.serious * 1000.0 / pb)));
    let share = |c: &Counted| c.published.then(|| c.dealt * 100.0 / c.others);
    expected.insert("offenders-dealt-with", (share(&city), share(&beds)));
    let spend = |force: &str, pop: f64| finance(force, "net_revenue_expenditure_gbp") / pop;
    expected.insert("spend-per-resident", (Some(spend("city-of-london", pc)), Some(spend("bedfordshire", pb))));
    expected.insert(
        "dealt-with-per-officer",
        (
            Some(city.dealt / finance("city-of-london", "police_officers_fte")),
            beds.published.then(|| beds.dealt / finance("bedfordshire", "police_officers_fte")),
        ),
    );
    assert!(city.published);
    let mut domain_grades: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (id, (value, reference)) in &expected {
        let i = indicator(&card, id);
        assert!(close(f(&i["value"]).unwrap(), value.unwrap()), "{id} value {} vs {value:?}", i["value"]);
        match reference {
            Some(r) => {
                assert!(close(f(&i["reference"]).unwrap(), *r), "{id} reference");
                assert!(
                    i["reference_name"].as_str().unwrap().contains("Bedfordshire"),
                    "{id}: {}",
                    i["reference_name"]
                );
                let score = value.unwrap() / r;
                assert!(close(f(&i["score"]).unwrap(), score), "{id} score");
                let g = grade(&method, id, score);
                assert_eq!(i["grade"].as_str(), Some(scale[g].as_str()), "{id} grade");
                let domain =
                    method["indicators"].as_array().unwrap().iter().find(|x| x["id"] == *id).unwrap()["domain"]
                        .as_str()
                        .unwrap()
                        .to_string();
                domain_grades.entry(domain).or_default().push(g);
            }
            None => {
                assert!(i["grade"].is_null(), "{id} is not graded without a comparator");
                assert_eq!(i["missing"], "No other force's figure is held to compare it with.", "{id}");
            }
        }
    }
    // Pledge: every commitment's met over eligible across the quarter.
    let store_reports = indicator(&card, "pledge-compliance");
    let pledge_value = f(&store_reports["value"]).expect("a Pledge figure for a quarter with events");
    assert!((0.0..=100.0).contains(&pledge_value));
    assert_eq!(store_reports["label"], "counts generated demo events");
    let g = grade(&method, "pledge-compliance", pledge_value);
    assert_eq!(store_reports["grade"].as_str(), Some(scale[g].as_str()));
    domain_grades.entry("confidence-and-satisfaction".into()).or_default().push(g);
    // Confidence: each measure's weighted percentage over the twelve months
    // to the quarter's end, recounted from the responses file, against the
    // method's national figure.
    let months: Vec<String> = ["2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12"]
        .into_iter()
        .map(String::from)
        .chain(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"].map(String::from))
        .collect();
    let mut sums: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    let mut r = csv::Reader::from_path(sample_dir().join("confidence/city-of-london-illustrative.csv")).unwrap();
    for row in r.records().map(|x| x.unwrap()) {
        if &row[0] != "city-of-london" || !months.contains(&row[3].to_string()) {
            continue;
        }
        let positive = ["strongly-agree", "tend-to-agree", "excellent", "good"].contains(&&row[5]);
        let w: f64 = row[6].parse().unwrap();
        let e = sums.entry(row[4].to_string()).or_default();
        e.0 += w;
        e.1 += if positive { w } else { 0.0 };
        e.2 += 1;
    }
    let shown: Vec<&Value> = card["domains"][0]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["indicator"] == "confidence")
        .collect();
    assert_eq!(shown.len(), 3, "the three measures");
    let benchmarks = method["benchmarks"].as_array().unwrap();
    for (measure, (all, positive, n)) in &sums {
        assert!(*n >= 100, "{measure} is published");
        let percent = positive * 100.0 / all;
        let benchmark =
            benchmarks.iter().find(|b| b["measure"] == measure.as_str()).unwrap()["value"].as_f64().unwrap();
        let i = shown
            .iter()
            .find(|i| close(i["value"].as_f64().unwrap(), percent))
            .unwrap_or_else(|| panic!("{measure}: {percent}"));
        assert_eq!(i["reference"].as_f64(), Some(benchmark));
        let g = grade(&method, "confidence", percent - benchmark);
        assert_eq!(i["grade"].as_str(), Some(scale[g].as_str()), "{measure}");
        domain_grades.entry("confidence-and-satisfaction".into()).or_default().push(g);
    }

    let mut areas = Vec::new();
    for d in card["domains"].as_array().unwrap() {
        let want = domain_grades.get(d["domain"].as_str().unwrap()).and_then(|g| combined(g));
        assert_eq!(d["grade"].as_str(), want.map(|g| scale[g].as_str()), "{}", d["domain"]);
        areas.extend(want);
    }
    let overall = if areas.len() >= 2 { combined(&areas) } else { None };
    assert_eq!(card["overall"].as_str(), overall.map(|g| scale[g].as_str()));

    // The CSV has the JSON's rows, and the page shows its grades.
    let csv = get(&app, &format!("/forces/city-of-london/report-card.csv?quarter={q}")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let n: usize = card["domains"].as_array().unwrap().iter().map(|d| d["indicators"].as_array().unwrap().len()).sum();
    assert_eq!(records.len(), n);
    for r in &records {
        // An indicator with several figures (each confidence measure) is told apart by its label.
        let i = card["domains"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["indicators"].as_array().unwrap())
            .find(|i| i["indicator"] == r[6] && i["label"] == r[7])
            .unwrap_or_else(|| panic!("no {} {}", &r[6], &r[7]));
        assert_eq!(&r[12], i["grade"].as_str().unwrap_or(""), "{}", &r[6]);
        // Each request adds the weights up afresh, so the last bit may differ.
        match i["value"].as_f64() {
            Some(v) => assert!(close(r[8].parse().unwrap(), v), "{}", &r[6]),
            None => assert_eq!(&r[8], "", "{}", &r[6]),
        }
        assert_eq!(&r[3], card["overall"].as_str().unwrap_or(""));
    }
    let page = get(&app, &format!("/forces/city-of-london/report-card?quarter={q}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("peel’s own grades, not HMICFRS’s"));
    assert!(page.body.contains("report-card-1"));
    for d in card["domains"].as_array().unwrap() {
        let heading = format!("{}: {}", d["name"].as_str().unwrap(), d["grade"].as_str().unwrap_or("not graded"));
        assert!(page.body.contains(&heading), "{heading}");
    }

    // The trigger follows the history's overall grades.
    let history = card["history"].as_array().unwrap();
    let at = history.iter().position(|h| h["quarter"] == q).unwrap();
    let grade_of = |h: &Value| h["overall"].as_str().map(|g| scale.iter().position(|s| s == g).unwrap());
    let raised = match (at.checked_sub(1).and_then(|i| grade_of(&history[i])), grade_of(&history[at])) {
        (Some(before), Some(now)) => now >= before && now >= 2,
        _ => false,
    };
    assert_eq!(card["trigger"]["raised"].as_bool(), Some(raised), "{}", card["trigger"]["text"]);
}

async fn bcu_card_and_bad_requests(engine: Engine) {
    let (_db, app) = support::imported(engine, &[sample_dir()], &["2025-01", "2025-02", "2025-03"], 40).await;
    let q = "2025-Q1";
    let card = get(&app, &format!("/forces/city-of-london/bcus/city/report-card.json?quarter={q}")).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    let card = card.json();
    let force = get(&app, &format!("/forces/city-of-london/report-card.json?quarter={q}")).await.json();
    // The City's one BCU counts the crimes whose LSOA lies in the City of
    // London, against the force as a whole.
    let months = quarter_months(q);
    let in_city = rows("street")
        .into_iter()
        .filter(|r| r.force == "city-of-london" && months.contains(&r.month))
        .filter(|r| r.lsoa_name.rsplit_once(' ').is_some_and(|(la, _)| la == "City of London"))
        .count() as f64;
    let rate = indicator(&card, "crime-rate");
    assert!(close(rate["value"].as_f64().unwrap(), in_city * 1000.0 / population("city-of-london")));
    assert_eq!(rate["reference_name"], "City of London Police as a whole");
    let whole = indicator(&force, "crime-rate")["value"].as_f64().unwrap();
    assert!(close(rate["reference"].as_f64().unwrap(), whole));
    assert!(close(rate["score"].as_f64().unwrap(), in_city * 1000.0 / population("city-of-london") / whole));
    let spend = indicator(&card, "spend-per-resident");
    assert!(spend["grade"].is_null());
    assert_eq!(spend["missing"], "Finance and workforce figures are held for forces, not for basic command units.");
    // Pledge figures count only months holding events: the quarter's
    // generated ones, and none in 2024 (where every neighbourhood would
    // otherwise count as holding no public meeting).
    let pledge = indicator(&card, "pledge-compliance");
    assert!(pledge["value"].is_number(), "{pledge}");
    assert_eq!(pledge["label"], "counts generated demo events");
    let early = get(&app, "/forces/city-of-london/bcus/city/report-card.json?quarter=2024-Q1").await.json();
    let few = indicator(&early, "confidence");
    assert!(few["missing"].as_str().unwrap().starts_with("Too few survey responses"), "{few}");
    let none = indicator(&early, "pledge-compliance");
    assert!(none["missing"].as_str().unwrap().contains("No Policing Pledge events"), "{none}");
    assert!(none["value"].is_null());

    for (path, want) in [
        ("/forces/city-of-london/report-card?quarter=2025-Q9", "write it as 2025-Q1"),
        ("/forces/city-of-london/report-card?quarter=nonsense", "write it as 2025-Q1"),
        ("/forces/city-of-london/report-card?quarter=2019-Q1", "quarters whose three months it holds"),
        ("/forces/atlantis/report-card", "a police force called “atlantis”"),
        ("/forces/city-of-london/bcus/nowhere/report-card", "a basic command unit called “nowhere”"),
        ("/forces/kent/report-card", "a complete quarter of crime figures for Kent"),
    ] {
        let r = get(&app, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains(want), "{path}: {}", r.body);
    }
}

/// HMICFRS's grades: an administrator of the force enters them in the back
/// office (bad entries refused, nothing stored), and the public card shows
/// them in their own section; another force's administrator cannot.
async fn inspection_grades(engine: Engine) {
    let h = Harness::new(engine).await;
    let summary = Importer::new(&h.store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&[sample_dir()])
        .await
        .expect("import");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let city = h.org("City of London Police", OrgKind::Force).await;
    let beds = h.org("Bedfordshire Police", OrgKind::Force).await;
    let (admin, _) = h.user(city, "admin@city.example.org", Role::Administrator).await;
    let (other, _) = h.user(beds, "admin@beds.example.org", Role::Administrator).await;
    let (officer, _) = h.user(city, "officer@city.example.org", Role::Officer).await;

    let form = h.page(&admin, "/admin/inspection-grades").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("HMICFRS inspection grades: City of London Police"), "{}", form.body);
    let good = [
        ("force", "city-of-london"),
        ("inspection", "PEEL 2023–25"),
        ("question", "Responding to the public"),
        ("grade", "Adequate"),
        ("published_on", "2025-03-31"),
        ("source_url", "https://example.org/peel/city-of-london"),
    ];
    for (field, bad, says) in [
        ("grade", "Fair", "Choose one of HMICFRS"),
        ("published_on", "31/03/2025", "Enter the date the report was published as 2025-03-31."),
        ("source_url", "javascript:alert(1)", "starting https://"),
        ("question", "", "Enter the question or area graded."),
    ] {
        let mut f = good.to_vec();
        f.retain(|(k, _)| *k != field);
        f.push((field, bad));
        let r = h.submit(&admin, "/admin/inspection-grades", &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(says), "{field}: {}", r.body);
    }
    assert!(h.store.inspections().grades("city-of-london").await.unwrap().is_empty(), "nothing stored");
    let denied = h.submit(&other, "/admin/inspection-grades", &good).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    assert_eq!(h.page(&officer, "/admin/inspection-grades").await.status, StatusCode::FORBIDDEN);
    assert!(h.store.inspections().grades("city-of-london").await.unwrap().is_empty());

    let saved = h.submit(&admin, "/admin/inspection-grades", &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let again = [("grade", "Good"), ("published_on", "2025-04-01")];
    let mut replaced = good.to_vec();
    replaced.retain(|(k, _)| !again.iter().any(|(a, _)| a == k));
    replaced.extend(again);
    assert_eq!(h.submit(&admin, "/admin/inspection-grades", &replaced).await.status, StatusCode::SEE_OTHER);
    let grades = h.store.inspections().grades("city-of-london").await.unwrap();
    assert_eq!(grades.len(), 1, "the same inspection and question replace");
    assert_eq!(grades[0].grade, "Good");
    let actions: Vec<String> = h.audit("user:admin@city").await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions.iter().filter(|a| *a == "inspection.grade.set").count(), 2, "{actions:?}");

    let public = peel_web::app(peel_web::AppState::load(h.store.clone()).await.unwrap());
    let card = get(&public, "/forces/city-of-london/report-card.json").await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    let card = card.json();
    assert_eq!(card["inspections"][0]["grade"], "Good");
    assert_eq!(card["inspections"][0]["question"], "Responding to the public");
    let page = get(&public, "/forces/city-of-london/report-card").await;
    assert!(page.body.contains("HMICFRS PEEL grades of City of London Police"));
    assert!(page.body.contains("not comparable with peel’s grades above"));

    let gone = h
        .submit(
            &admin,
            "/admin/inspection-grades/withdraw",
            &[("force", "city-of-london"), ("inspection", "PEEL 2023–25"), ("question", "Responding to the public")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(h.store.inspections().grades("city-of-london").await.unwrap().is_empty());
}

#[tokio::test]
async fn force_card_sqlite() {
    force_card(Engine::Sqlite).await;
}

#[tokio::test]
async fn force_card_postgres() {
    force_card(Engine::Postgres).await;
}

#[tokio::test]
async fn bcu_card_and_bad_requests_sqlite() {
    bcu_card_and_bad_requests(Engine::Sqlite).await;
}

#[tokio::test]
async fn bcu_card_and_bad_requests_postgres() {
    bcu_card_and_bad_requests(Engine::Postgres).await;
}

#[tokio::test]
async fn inspection_grades_sqlite() {
    inspection_grades(Engine::Sqlite).await;
}

#[tokio::test]
async fn inspection_grades_postgres() {
    inspection_grades(Engine::Postgres).await;
}
