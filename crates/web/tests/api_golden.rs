//! Golden shape tests: peel's answers have the keys, nesting and JSON types
//! of saved police.uk answers (`fixtures/police-uk/`).

mod support;

use peel_store::Engine;
use serde_json::Value;
use support::*;

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/police-uk").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences in shape between `ours` and police.uk's `theirs`. `null` on
/// either side matches any type (police.uk nulls most fields somewhere);
/// keys in `optional` may be missing on either side.
fn shape_diff(ours: &Value, theirs: &Value, path: &str, optional: &[&str], out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Null, _) | (_, Value::Null) => {}
        // Contact details are an open map of strings (email, twitter, …);
        // which keys appear depends on the neighbourhood.
        (Value::Object(a), Value::Object(_)) if path.ends_with("contact_details") => {
            if let Some((k, v)) = a.iter().find(|(_, v)| !v.is_string()) {
                out.push(format!("{path}.{k}: peel gives {}, police.uk strings", kind(v)));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get(k) {
                    Some(o) => shape_diff(o, v, &format!("{path}.{k}"), optional, out),
                    None if optional.contains(&k.as_str()) => {}
                    None => out.push(format!("{path}.{k}: missing in peel's answer")),
                }
            }
            for k in a.keys() {
                if !b.contains_key(k) && !optional.contains(&k.as_str()) {
                    out.push(format!("{path}.{k}: police.uk has no such key"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                shape_diff(x, y, &format!("{path}[0]"), optional, out);
            }
        }
        (a, b) if kind(a) == kind(b) => {}
        (a, b) => out.push(format!("{path}: peel gives {}, police.uk {}", kind(a), kind(b))),
    }
}

fn assert_same_shape(ours: &Value, theirs: &Value, what: &str, optional: &[&str]) {
    let mut diffs = Vec::new();
    shape_diff(ours, theirs, what, optional, &mut diffs);
    assert!(diffs.is_empty(), "{what} differs from police.uk:\n{}", diffs.join("\n"));
}

async fn check_golden(engine: Engine) {
    let t = sample_app(engine).await;
    let app = &t.app;
    let ours = |uri: &'static str| async move { get(app, uri).await.json() };

    assert_same_shape(
        &ours("/api/city-of-london/neighbourhoods").await,
        &fixture("neighbourhoods__gloucestershire.json"),
        "neighbourhoods",
        &[],
    );
    // police.uk leaves `description` out where a force wrote none; a
    // location's `telephone` likewise.
    assert_same_shape(
        &ours("/api/city-of-london/ban").await,
        &fixture("neighbourhood__gloucestershire_AA3.json"),
        "neighbourhood",
        &["description", "telephone"],
    );
    assert_same_shape(
        &ours("/api/city-of-london/ban/boundary").await,
        &fixture("boundary__gloucestershire_AA3.json"),
        "boundary",
        &[],
    );

    // Crimes: each of police.uk's records against one of ours of the same kind.
    let crimes = get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-01").await.list();
    let saved = fixture("crimes-street_all-crime__lat51.9042_lng-2.10141__2021-05.json");
    for theirs in saved.as_array().expect("list") {
        let same_kind = |c: &&Value| {
            (c["category"] == "anti-social-behaviour") == (theirs["category"] == "anti-social-behaviour")
                && c["outcome_status"].is_null() == theirs["outcome_status"].is_null()
        };
        let ours = crimes.iter().find(same_kind).expect("a crime of the same kind");
        assert_same_shape(ours, theirs, "crime", &[]);
        assert_eq!(ours["outcome_status"].is_null(), theirs["outcome_status"].is_null());
    }

    let stops = get(app, "/api/stops-street?lat=51.515&lng=-0.09&date=2024-01").await.list();
    assert_same_shape(&stops[0], &fixture("sdk_stop-and-search.json"), "stop", &[]);

    let outcomes = get(app, "/api/outcomes-at-location?lat=51.515&lng=-0.09&date=2024-06").await.list();
    assert_same_shape(&outcomes[0], &fixture("sdk_outcome.json"), "outcome", &[]);

    let history = fixture("sdk_case-history.json");
    let none = get(app, "/api/crimes-no-location?category=all-crime&force=city-of-london&date=2024-06").await.list();
    let with_outcomes = {
        let mut found = None;
        for c in &none {
            let pid = c["persistent_id"].as_str().unwrap_or_default();
            if pid.is_empty() {
                continue;
            }
            let h = get(app, &format!("/api/outcomes-for-crime/{pid}")).await.json();
            if h["outcomes"].is_array() {
                found = Some(h);
                break;
            }
        }
        found.expect("a crime without a location that has outcomes")
    };
    assert_same_shape(&with_outcomes, &history, "case history", &[]);
    assert!(with_outcomes["crime"]["location_type"].is_null() && history["crime"]["location_type"].is_null());

    let priorities = ours("/api/city-of-london/ban/priorities").await;
    assert_same_shape(&priorities[0], &fixture("sdk_neighbourhood-priority.json"), "priority", &[]);
    assert_same_shape(&ours("/api/forces/city-of-london").await, &fixture("sdk_police-force.json"), "force", &["type"]);
    let people = ours("/api/forces/city-of-london/people").await;
    assert_same_shape(&people[0], &fixture("sdk_police-officer.json"), "officer", &[]);
    let categories = ours("/api/crime-categories").await;
    assert_same_shape(&categories[0], &fixture("sdk_crime-category.json"), "category", &[]);
}

both!(check_golden);
