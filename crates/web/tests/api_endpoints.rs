//! Every API route on both engines: status codes, defaults, key names and
//! types, with the sample imported.

mod support;

use axum::http::StatusCode;
use peel_core::LatLng;
use peel_store::Engine;
use serde_json::{Value, json};
use support::*;

fn is_6dp(v: &Value) -> bool {
    v.as_str().and_then(|s| s.split_once('.')).is_some_and(|(_, d)| d.len() == 6)
}

/// A crime record as police.uk shapes it.
fn assert_crime(c: &Value) {
    let keys: Vec<&str> = c.as_object().expect("object").keys().map(String::as_str).collect();
    for k in [
        "category",
        "persistent_id",
        "location_subtype",
        "id",
        "location",
        "context",
        "month",
        "location_type",
        "outcome_status",
    ] {
        assert!(keys.contains(&k), "missing {k} in {c}");
    }
    assert_eq!(keys.len(), 9, "{c}");
    assert!(c["id"].is_i64());
    assert!(c["persistent_id"].is_string());
    assert_eq!(c["location_subtype"], "");
    assert_eq!(c["context"], "");
    if !c["location"].is_null() {
        assert_eq!(c["location_type"], "Force");
        assert!(is_6dp(&c["location"]["latitude"]) && is_6dp(&c["location"]["longitude"]), "{c}");
        assert!(c["location"]["street"]["id"].is_i64());
        assert!(c["location"]["street"]["name"].is_string());
    }
    if c["category"] == "anti-social-behaviour" {
        assert_eq!(c["persistent_id"], "");
        assert!(c["outcome_status"].is_null());
    } else {
        assert_eq!(c["persistent_id"].as_str().map(str::len), Some(64));
    }
}

async fn check_geography(engine: Engine) {
    let t = sample_app(engine).await;
    let app = &t.app;

    let forces = get(app, "/api/forces").await.list();
    assert_eq!(forces.len(), 44);
    assert_eq!(forces[0], json!({"id": "avon-and-somerset", "name": "Avon and Somerset Constabulary"}));
    assert!(forces.iter().all(|f| f["id"] != "btp"));

    let city = get(app, "/api/forces/city-of-london").await;
    assert_eq!(city.status, StatusCode::OK);
    let city = city.json();
    assert_eq!(city["id"], "city-of-london");
    assert_eq!(city["telephone"], "101");
    assert_eq!(city["engagement_methods"][0]["type"], "website");
    for k in ["description", "url", "engagement_methods", "telephone", "id", "name"] {
        assert!(city.get(k).is_some(), "force lacks {k}");
    }
    for bad in ["/api/forces/btp", "/api/forces/nowhere", "/api/forces/nowhere/people"] {
        let a = get(app, bad).await;
        assert_eq!((a.status, a.body.as_str()), (StatusCode::NOT_FOUND, "Not Found"), "{bad}");
    }
    let people = get(app, "/api/forces/city-of-london/people").await.list();
    assert_eq!(people[0]["rank"], "Commissioner");
    assert!(people[0]["contact_details"].is_object());

    let hoods = get(app, "/api/city-of-london/neighbourhoods").await.list();
    let ids: Vec<&str> = hoods.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(ids, ["ban", "bar", "fen", "fle", "liv", "mon"]);
    assert_eq!(hoods[0], json!({"id": "ban", "name": "Bank"}));
    assert_eq!(get(app, "/api/bedfordshire/neighbourhoods").await.list(), Vec::<Value>::new());
    assert_eq!(get(app, "/api/nowhere/neighbourhoods").await.status, StatusCode::NOT_FOUND);

    let ban = get(app, "/api/city-of-london/ban").await.json();
    assert_eq!(ban["id"], "ban");
    assert!(ban["population"].is_string(), "population is a string");
    assert!(ban.get("url").is_none(), "police.uk has url_force, not url");
    assert!(is_6dp(&ban["centre"]["latitude"]) && is_6dp(&ban["centre"]["longitude"]));
    assert!(ban["links"][0]["url"].is_string());
    assert!(ban["locations"][0].get("postcode").is_some());
    for bad in
        ["/api/city-of-london/BAN", "/api/city-of-london/zzz", "/api/nowhere/ban", "/api/city-of-london/zzz/boundary"]
    {
        assert_eq!(get(app, bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }

    let boundary = get(app, "/api/city-of-london/ban/boundary").await.list();
    assert!(boundary.len() > 3);
    assert_eq!(boundary.first(), boundary.last(), "the ring is closed");
    let lat = boundary[0]["latitude"].as_str().expect("string");
    assert_eq!(lat.split_once('.').map(|(_, d)| d.len()), Some(10));

    let team = get(app, "/api/city-of-london/ban/people").await.list();
    assert_eq!(team.len(), 3);
    for k in ["bio", "contact_details", "name", "rank"] {
        assert!(team[0].get(k).is_some(), "officer lacks {k}");
    }
    let events = get(app, "/api/city-of-london/ban/events").await.list();
    for e in &events {
        for k in ["contact_details", "description", "title", "address", "type", "start_date", "end_date"] {
            assert!(e.get(k).is_some(), "event lacks {k}");
        }
    }
    let priorities = get(app, "/api/city-of-london/ban/priorities").await.list();
    assert!(!priorities.is_empty());
    for p in &priorities {
        let mut keys: Vec<&str> = p.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["action", "action-date", "issue", "issue-date"]);
    }

    // locate-neighbourhood agrees with the stored boundaries, point by point.
    let areas = t.store.geography().neighbourhood_boundaries().await.expect("boundaries");
    let mut located = 0;
    for i in 0..40 {
        let at = LatLng { lat: 51.506 + f64::from(i % 8) * 0.002, lng: -0.112 + f64::from(i / 8) * 0.009 };
        let want = areas.iter().find(|(_, _, a)| a.contains(at));
        let a = get(app, &format!("/api/locate-neighbourhood?q={},{}", at.lat, at.lng)).await;
        match want {
            Some((f, n, _)) => {
                assert_eq!(a.json(), json!({"force": f, "neighbourhood": n}), "at {at:?}");
                located += 1;
            }
            None => assert_eq!(a.status, StatusCode::NOT_FOUND, "at {at:?}"),
        }
    }
    assert!(located > 10, "the probe grid should mostly fall in the City");
    assert_eq!(get(app, "/api/locate-neighbourhood?q=48.8566,2.3522").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(app, "/api/locate-neighbourhood?q=999,0").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(app, "/api/locate-neighbourhood?q=abc").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(app, "/api/locate-neighbourhood").await.status, StatusCode::BAD_REQUEST);
}

async fn check_crimes(engine: Engine) {
    let t = sample_app(engine).await;
    let app = &t.app;

    // A point query; every record has police.uk's shape.
    let jan = get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-01").await.list();
    assert!(jan.len() > 100);
    jan.iter().for_each(assert_crime);
    assert!(jan.iter().all(|c| c["month"] == "2024-01"));
    assert!(jan.iter().any(|c| c["category"] == "anti-social-behaviour"));
    assert!(jan.iter().any(|c| c["outcome_status"].is_object()));

    // An omitted date is the latest month; a misspelt key is ignored.
    let latest = get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09").await.list();
    assert!(!latest.is_empty() && latest.iter().all(|c| c["month"] == "2025-12"));
    let misspelt = get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&dte=2024-01").await.list();
    assert_eq!(misspelt, latest);
    // An unknown category is all crime, as on police.uk.
    let unknown = get(app, "/api/crimes-street/no-such-thing?lat=51.515&lng=-0.09&date=2024-01").await.list();
    assert_eq!(unknown, jan);
    let burglary = get(app, "/api/crimes-street/burglary?lat=51.515&lng=-0.09&date=2024-01").await.list();
    assert!(burglary.iter().all(|c| c["category"] == "burglary"));
    // After the latest month: an empty list.
    assert!(get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2030-01").await.list().is_empty());
    // Off the globe, as police.uk: an empty list, not an error.
    assert!(get(app, "/api/crimes-street/all-crime?lat=999&lng=0&date=2024-01").await.list().is_empty());
    assert!(get(app, "/api/crimes-at-location?lat=0&lng=999&date=2024-01").await.list().is_empty());
    // Outside coverage: an empty list.
    assert!(get(app, "/api/crimes-street/all-crime?lat=48.8566&lng=2.3522&date=2024-01").await.list().is_empty());

    for (uri, status) in [
        ("/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-13", StatusCode::NOT_FOUND),
        ("/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-01-15", StatusCode::NOT_FOUND),
        // A malformed date is refused even where the place has no crimes.
        ("/api/crimes-at-location?lat=0&lng=999&date=2024-13", StatusCode::NOT_FOUND),
        ("/api/crimes-at-location?lat=48.8566&lng=2.3522&date=soon", StatusCode::NOT_FOUND),
        ("/api/crimes-street/all-crime?lat=abc&lng=-0.09", StatusCode::BAD_REQUEST),
        ("/api/crimes-street/all-crime?lat=51.515", StatusCode::BAD_REQUEST),
        ("/api/crimes-street/all-crime", StatusCode::BAD_REQUEST),
        ("/api/crimes-street/all-crime?poly=51.5,-0.1:51.52,-0.1", StatusCode::BAD_REQUEST),
        ("/api/crimes-street/all-crime?poly=51.5,-0.1:x,y:51.52,-0.08", StatusCode::BAD_REQUEST),
    ] {
        let a = get(app, uri).await;
        assert_eq!(a.status, status, "{uri}: {}", a.body);
    }
    let json_body =
        post_json(app, "/api/crimes-street/all-crime", r#"{"poly":"51.5,-0.1:51.52,-0.1:51.52,-0.08"}"#).await;
    assert_eq!(json_body.status, StatusCode::BAD_REQUEST, "police.uk refuses JSON bodies");

    // At a location: by id, and by the nearest map point.
    let first = &jan[0];
    let (id, lat, lng) = (
        first["location"]["street"]["id"].as_i64().expect("id"),
        first["location"]["latitude"].as_str().expect("lat"),
        first["location"]["longitude"].as_str().expect("lng"),
    );
    let here = get(app, &format!("/api/crimes-at-location?location_id={id}&date=2024-01")).await.list();
    assert!(here.iter().any(|c| c["id"] == first["id"]));
    assert!(here.iter().all(|c| c["location"]["street"]["id"] == id));
    let snapped = get(app, &format!("/api/crimes-at-location?lat={lat}&lng={lng}&date=2024-01")).await.list();
    assert_eq!(snapped, here, "a point on a map point snaps to it");
    assert_eq!(
        get(app, "/api/crimes-at-location?location_id=999999999&date=2024-01").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(app, "/api/crimes-at-location?date=2024-01").await.status, StatusCode::BAD_REQUEST);

    // Without a location.
    let none = get(app, "/api/crimes-no-location?category=all-crime&force=city-of-london&date=2024-01").await.list();
    for c in &none {
        assert!(c["location"].is_null() && c["location_type"].is_null());
        assert_eq!(c["location_subtype"], "");
    }
    assert!(get(app, "/api/crimes-no-location?category=all-crime&force=btp&date=2024-01").await.list().is_empty());
    assert_eq!(
        get(app, "/api/crimes-no-location?category=all-crime&force=nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(app, "/api/crimes-no-location?force=city-of-london").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(app, "/api/crimes-no-location?category=all-crime").await.status, StatusCode::BAD_REQUEST);

    // Reference lists.
    let categories = get(app, "/api/crime-categories?date=2011-08").await.list();
    assert_eq!(categories.len(), 15);
    assert_eq!(categories[0], json!({"url": "all-crime", "name": "All crime"}));
    assert_eq!(categories[13], json!({"url": "violent-crime", "name": "Violence and sexual offences"}));
    assert_eq!(get(app, "/api/crime-last-updated").await.json(), json!({"date": "2025-12-01"}));
    let dates = get(app, "/api/crimes-street-dates").await.list();
    assert_eq!(dates.len(), 24);
    assert_eq!(dates[0], json!({"date": "2025-12", "stop-and-search": []}));
    assert_eq!(dates[23], json!({"date": "2024-01", "stop-and-search": ["city-of-london"]}));
}

async fn check_outcomes_and_stops(engine: Engine) {
    let t = sample_app(engine).await;
    let app = &t.app;

    let list = get(app, "/api/outcomes-at-location?lat=51.515&lng=-0.09&date=2024-06").await.list();
    assert!(!list.is_empty());
    for o in &list {
        assert!(o["category"]["code"].is_string() && o["category"]["name"].is_string());
        assert_eq!(o["date"], "2024-06");
        assert!(o["person_id"].is_null());
        assert!(o["crime"].get("outcome_status").is_none(), "nested crimes have no outcome_status");
        assert!(o["crime"]["id"].is_i64());
    }
    let id = list[0]["crime"]["location"]["street"]["id"].as_i64().expect("street id");
    let at = get(app, &format!("/api/outcomes-at-location?location_id={id}&date=2024-06")).await.list();
    assert!(at.iter().all(|o| o["crime"]["location"]["street"]["id"] == id));
    assert!(at.iter().any(|o| o == &list[0]));
    let poly = "51.5200,-0.0950:51.5190,-0.0720:51.5080,-0.0750:51.5090,-0.0960";
    let by_get = get(app, &format!("/api/outcomes-at-location?poly={poly}&date=2024-06")).await.list();
    let by_post = post_form(app, "/api/outcomes-at-location", &format!("poly={poly}&date=2024-06")).await.list();
    assert_eq!(by_get, by_post);
    assert_eq!(get(app, "/api/outcomes-at-location?location_id=999999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(app, "/api/outcomes-at-location").await.status, StatusCode::BAD_REQUEST);

    let pid = list[0]["crime"]["persistent_id"].as_str().expect("pid").to_string();
    let history = get(app, &format!("/api/outcomes-for-crime/{pid}")).await.json();
    assert_eq!(history["crime"]["persistent_id"], pid.as_str());
    assert!(history["crime"].get("outcome_status").is_none());
    let outcomes = history["outcomes"].as_array().expect("outcomes");
    assert!(outcomes.iter().any(|o| o["date"] == "2024-06"));
    assert!(outcomes.iter().all(|o| o.get("crime").is_none() && o["person_id"].is_null()));
    for bad in [pid.to_uppercase(), "0".repeat(64)] {
        assert_eq!(get(app, &format!("/api/outcomes-for-crime/{bad}")).await.status, StatusCode::NOT_FOUND);
    }
    // A crime held with no outcome record answers `outcomes: null`.
    let beds = get(app, "/api/crimes-street/drugs?lat=51.8787&lng=-0.42&date=2025-03").await.list();
    let beds_pid = beds[0]["persistent_id"].as_str().expect("pid");
    let history = get(app, &format!("/api/outcomes-for-crime/{beds_pid}")).await.json();
    assert!(history["outcomes"].is_null());

    // Stops.
    let stops = get(app, "/api/stops-street?lat=51.515&lng=-0.09&date=2024-01").await.list();
    assert!(!stops.is_empty());
    for s in &stops {
        for k in [
            "age_range",
            "officer_defined_ethnicity",
            "involved_person",
            "self_defined_ethnicity",
            "gender",
            "legislation",
            "outcome_linked_to_object_of_search",
            "datetime",
            "outcome_object",
            "location",
            "object_of_search",
            "operation",
            "outcome",
            "type",
            "operation_name",
            "removal_of_more_than_outer_clothing",
        ] {
            assert!(s.get(k).is_some(), "stop lacks {k}");
        }
        assert_eq!(s["involved_person"], s["type"] != "Vehicle search");
        assert!(s["outcome"].is_string());
        assert_eq!(s["outcome_object"]["name"], s["outcome"]);
        assert!(s["datetime"].as_str().is_some_and(|d| d.ends_with("+00:00")));
        assert!(is_6dp(&s["location"]["latitude"]));
    }
    let nfa = stops.iter().find(|s| s["outcome"] == "A no further action disposal").expect("an NFA stop");
    assert_eq!(nfa["outcome_object"]["id"], "bu-no-further-action");
    let by_post = post_form(app, "/api/stops-street", &format!("poly={poly}&date=2024-01")).await.list();
    let by_get = get(app, &format!("/api/stops-street?poly={poly}&date=2024-01")).await.list();
    assert_eq!(by_post, by_get);

    let id = stops[0]["location"]["street"]["id"].as_i64().expect("street id");
    let here = get(app, &format!("/api/stops-at-location?location_id={id}&date=2024-01")).await.list();
    assert!(!here.is_empty() && here.iter().all(|s| s["location"]["street"]["id"] == id));
    // Unlike crimes, an unknown location is an empty list on police.uk.
    assert!(get(app, "/api/stops-at-location?location_id=999999999&date=2024-01").await.list().is_empty());
    assert_eq!(get(app, "/api/stops-at-location?date=2024-01").await.status, StatusCode::BAD_REQUEST);

    let all = get(app, "/api/stops-force?force=city-of-london&date=2024-01").await.list();
    assert!(all.len() >= stops.len());
    // The latest month is that of street crimes, even where no stops exist.
    assert!(get(app, "/api/stops-force?force=city-of-london").await.list().is_empty());
    assert!(get(app, "/api/stops-force?force=nowhere&date=2024-01").await.list().is_empty());
    assert_eq!(get(app, "/api/stops-force").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(app, "/api/stops-no-location?force=city-of-london&date=2024-99").await.status,
        StatusCode::NOT_FOUND
    );
}

both!(check_geography, check_crimes, check_outcomes_and_stops);
