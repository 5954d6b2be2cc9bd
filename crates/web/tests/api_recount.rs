//! Recounts: the API's answers against counts made directly from the
//! sample's CSV files, on both engines.

mod support;

use std::collections::{HashMap, HashSet};

use peel_core::geo::ONE_MILE_M;
use peel_core::{LatLng, Outcome, Polygon};
use peel_store::Engine;
use serde_json::Value;
use support::sample_csv::{Row, rows};
use support::*;

/// Points around which to recount: the City (busy), its edge, and Luton.
const CENTRES: [(f64, f64, &str); 4] = [
    (51.515, -0.09, "2024-01"),
    (51.5136, -0.0984, "2025-06"),
    (51.5074, -0.1278, "2024-11"),
    (51.8787, -0.42, "2025-03"),
];

/// A quadrilateral over the eastern half of the City, a triangle over Luton,
/// and a box round all of Bedfordshire (over 2,500 map points, so more than
/// one chunked `IN` list).
const POLYS: [(&str, &str); 3] = [
    ("51.5200,-0.0950:51.5190,-0.0720:51.5080,-0.0750:51.5090,-0.0960", "2024-02"),
    ("51.90,-0.45:51.86,-0.38:51.86,-0.46", "2025-07"),
    ("52.33,-0.70:52.33,-0.15:51.80,-0.15:51.80,-0.70", "2025-07"),
];

fn near(r: &Row, centre: LatLng) -> bool {
    r.at.is_some_and(|p| centre.distance_m(p) <= ONE_MILE_M)
}

fn key(p: LatLng) -> (String, String) {
    (format!("{:.6}", p.lat), format!("{:.6}", p.lng))
}

fn api_key(v: &Value) -> (String, String) {
    let s = |k: &str| v["location"][k].as_str().expect("coordinate string").to_string();
    (s("latitude"), s("longitude"))
}

async fn check_recount(engine: Engine) {
    let t = sample_app(engine).await;
    let street = rows("street");
    let outcomes = rows("outcomes");
    let stops = rows("stop-and-search");
    assert!(street.len() > 50_000 && !outcomes.is_empty() && !stops.is_empty());

    // Radius: every crime within a mile of the point that month.
    for (lat, lng, month) in CENTRES {
        let centre = LatLng { lat, lng };
        let api = get(&t.app, &format!("/api/crimes-street/all-crime?lat={lat}&lng={lng}&date={month}")).await.list();
        let want = street.iter().filter(|r| r.month == month && near(r, centre)).count();
        assert!(want > 0, "{month} near {lat},{lng} should hold crimes");
        assert_eq!(api.len(), want, "crimes within a mile of {lat},{lng} in {month}");
        let ids: HashSet<i64> = api.iter().map(|c| c["id"].as_i64().expect("integer id")).collect();
        assert_eq!(ids.len(), api.len(), "ids are unique");

        // One category: the CSV names it, the API slugs it.
        let api = get(&t.app, &format!("/api/crimes-street/shoplifting?lat={lat}&lng={lng}&date={month}")).await.list();
        let want = street.iter().filter(|r| r.month == month && near(r, centre) && r.kind == "Shoplifting").count();
        assert_eq!(api.len(), want, "shoplifting near {lat},{lng}");

        let api = get(&t.app, &format!("/api/stops-street?lat={lat}&lng={lng}&date={month}")).await.list();
        let want = stops.iter().filter(|r| r.month == month && near(r, centre)).count();
        assert_eq!(api.len(), want, "stops within a mile of {lat},{lng} in {month}");
    }

    // Polygon: exactly the crimes inside it.
    for (poly, month) in POLYS {
        let polygon = Polygon::parse_police_uk(poly).expect("test polygon");
        let inside = |r: &&Row| r.month == month && r.at.is_some_and(|p| polygon.contains(p));
        let api = get(&t.app, &format!("/api/crimes-street/all-crime?poly={poly}&date={month}")).await.list();
        let want = street.iter().filter(inside).count();
        assert!(want > 0);
        assert_eq!(api.len(), want, "crimes in {poly} in {month}");
        let posted =
            post_form(&t.app, "/api/crimes-street/all-crime", &format!("poly={poly}&date={month}")).await.list();
        assert_eq!(posted, api, "POST answers as GET does");
    }

    // Location: each map point of an answer holds the CSV's rows at that point.
    let month = "2024-01";
    let api = get(&t.app, &format!("/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date={month}")).await.list();
    let mut by_location: HashMap<i64, (String, String)> = HashMap::new();
    for c in &api {
        by_location.insert(c["location"]["street"]["id"].as_i64().expect("street id"), api_key(c));
    }
    let mut checked = 0;
    for (id, at) in by_location.iter().take(40) {
        let here = get(&t.app, &format!("/api/crimes-at-location?location_id={id}&date={month}")).await.list();
        let want = street.iter().filter(|r| r.month == month && r.at.map(key).as_ref() == Some(at)).count();
        assert_eq!(here.len(), want, "crimes at location {id}");
        checked += 1;
    }
    assert!(checked > 10);

    // No location: per force and month.
    for (force, month) in [("city-of-london", "2024-03"), ("bedfordshire", "2025-05")] {
        let api =
            get(&t.app, &format!("/api/crimes-no-location?category=all-crime&force={force}&date={month}")).await.list();
        let want = street.iter().filter(|r| r.force == force && r.month == month && r.at.is_none()).count();
        assert_eq!(api.len(), want, "crimes without a location, {force} {month}");
        assert!(api.iter().all(|c| c["location"].is_null() && c["location_type"].is_null()));
    }

    // outcome_status: the last outcome's name, dated by the latest outcome record.
    let mut latest: HashMap<&str, &str> = HashMap::new();
    for o in &outcomes {
        let m = latest.entry(o.persistent_id.as_str()).or_insert(o.month.as_str());
        if o.month.as_str() > *m {
            *m = o.month.as_str();
        }
    }
    // police.uk repeats a few crime ids, even within one month at one map
    // point with different outcomes, so a crime is matched on its id, month
    // and map point, and its status must be one of those rows' outcomes.
    let mut by_pid: HashMap<(&str, (String, String)), Vec<&Row>> = HashMap::new();
    for r in street.iter().filter(|r| r.month == month) {
        if let Some(at) = r.at {
            by_pid.entry((r.persistent_id.as_str(), key(at))).or_default().push(r);
        }
    }
    let mut with_status = 0;
    for c in &api {
        let pid = c["persistent_id"].as_str().expect("string");
        if pid.is_empty() {
            assert!(c["outcome_status"].is_null(), "ASB has no outcome status");
            continue;
        }
        let candidates = &by_pid[&(pid, api_key(c))];
        let names: Vec<Option<&str>> =
            candidates.iter().map(|r| Outcome::from_name(&r.last_outcome).map(Outcome::crime_status_name)).collect();
        let got = c["outcome_status"]["category"].as_str();
        assert!(names.contains(&got), "status of {pid}: {got:?} not in {names:?}");
        if got.is_none() {
            continue;
        }
        let date = latest.get(pid).copied().unwrap_or(month);
        assert_eq!(c["outcome_status"]["date"], date, "outcome date of {pid}");
        with_status += 1;
    }
    assert!(with_status > 10);

    // Outcomes in an area: the CSV's outcomes there whose crime is held.
    let held: HashSet<&str> = street.iter().map(|r| r.persistent_id.as_str()).filter(|p| !p.is_empty()).collect();
    for (poly, month) in [(POLYS[0].0, "2024-06"), (POLYS[0].0, "2025-02")] {
        let polygon = Polygon::parse_police_uk(poly).expect("test polygon");
        let api = get(&t.app, &format!("/api/outcomes-at-location?poly={poly}&date={month}")).await.list();
        let want = outcomes
            .iter()
            .filter(|r| r.month == month && r.at.is_some_and(|p| polygon.contains(p)))
            .filter(|r| held.contains(r.persistent_id.as_str()))
            .count();
        assert!(want > 0);
        assert_eq!(api.len(), want, "outcomes in {poly} in {month}");
    }
    let centre = LatLng { lat: 51.515, lng: -0.09 };
    let api = get(&t.app, "/api/outcomes-at-location?lat=51.515&lng=-0.09&date=2024-09").await.list();
    let want = outcomes
        .iter()
        .filter(|r| r.month == "2024-09" && near(r, centre) && held.contains(r.persistent_id.as_str()))
        .count();
    assert_eq!(api.len(), want, "outcomes within a mile");

    // Outcomes for one crime: every outcome row of it.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for o in &outcomes {
        *counts.entry(o.persistent_id.as_str()).or_default() += 1;
    }
    let (pid, n) = counts
        .iter()
        .filter(|(p, _)| held.contains(**p))
        .max_by_key(|(p, n)| (**n, **p))
        .map(|(p, n)| (*p, *n))
        .expect("a crime with outcomes");
    let history = get(&t.app, &format!("/api/outcomes-for-crime/{pid}")).await.json();
    assert_eq!(history["outcomes"].as_array().map(Vec::len), Some(n), "outcomes of {pid}");

    // Stops per force-month, all and without a location.
    for month in ["2024-01", "2024-08", "2025-02"] {
        let all = get(&t.app, &format!("/api/stops-force?force=city-of-london&date={month}")).await.list();
        let want: Vec<&Row> = stops.iter().filter(|r| r.month == month).collect();
        assert_eq!(all.len(), want.len(), "stops in {month}");
        let none = get(&t.app, &format!("/api/stops-no-location?force=city-of-london&date={month}")).await.list();
        assert_eq!(none.len(), want.iter().filter(|r| r.at.is_none()).count(), "stops without a location in {month}");
        assert!(none.iter().all(|s| s["location"].is_null()));
    }
}

both!(check_recount);
