//! `/api/openapi.json` is complete and true: it lists exactly the routes
//! served, every `$ref` resolves, and each route's answer on the sample
//! matches the 200 schema it documents (a small validator for the subset of
//! JSON Schema the document uses: type, properties, required, items, oneOf,
//! enum, $ref).

mod support;

use peel_store::Engine;
use serde_json::Value;
use support::*;

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local reference");
            resolve(spec, spec.pointer(pointer).unwrap_or_else(|| panic!("unresolved {r}")))
        }
        None => schema,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other}"),
    }
}

/// Errors of `v` against `schema`, each with its JSON path.
fn check(spec: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|o| {
                let mut e = Vec::new();
                check(spec, o, v, path, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{path}: matches {matching} of oneOf"));
        }
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_ok(t, v)) {
        errors.push(format!("{path}: {v} is not {types:?}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(v)
    {
        errors.push(format!("{path}: {v} not in enum"));
    }
    if let (Some(items), Value::Array(list)) = (schema.get("items"), v) {
        for (i, item) in list.iter().enumerate().take(50) {
            check(spec, items, item, &format!("{path}[{i}]"), errors);
        }
    }
    if let Value::Object(map) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().expect("key");
            if !map.contains_key(key) {
                errors.push(format!("{path}.{key}: required but missing"));
            }
        }
        if let Some(props) = props {
            for (k, val) in map {
                match props.get(k) {
                    Some(s) => check(spec, s, val, &format!("{path}.{k}"), errors),
                    None => errors.push(format!("{path}.{k}: not documented")),
                }
            }
        } else if let Some(extra) = schema.get("additionalProperties") {
            for (k, val) in map {
                check(spec, extra, val, &format!("{path}.{k}"), errors);
            }
        }
    }
}

async fn check_openapi(engine: Engine) {
    let t = sample_app(engine).await;
    let app = &t.app;
    let spec = get(app, "/api/openapi.json").await.json();
    assert_eq!(spec["openapi"], "3.1.0");

    // Example requests, found from the sample itself.
    let crimes = get(app, "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-06").await.list();
    let location = &crimes[0]["location"]["street"]["id"];
    let outcomes = get(app, "/api/outcomes-at-location?lat=51.515&lng=-0.09&date=2024-06").await.list();
    let pid = outcomes[0]["crime"]["persistent_id"].as_str().expect("pid").to_string();
    let stops = get(app, "/api/stops-street?lat=51.515&lng=-0.09&date=2024-01").await.list();
    let stop_location = &stops[0]["location"]["street"]["id"];
    let poly = "51.5200,-0.0950:51.5190,-0.0720:51.5080,-0.0750:51.5090,-0.0960";
    let token = case_review_setup(&t.store).await;
    let city = || peel_core::access::Reach::Force("city-of-london".into());
    let feed = api_token(&t.store, peel_core::access::Role::EventFeed, "feed@example.org", city()).await;
    let admin = api_token(&t.store, peel_core::access::Role::Administrator, "admin@example.org", city()).await;
    let auditor = api_token(&t.store, peel_core::access::Role::Auditor, "auditor@example.org", city()).await;
    let root =
        api_token(&t.store, peel_core::access::Role::InstallationAdministrator, "root@example.org", city()).await;
    let examples: Vec<(&str, String)> = vec![
        ("/api/forces", "/api/forces".into()),
        ("/api/forces/{force}", "/api/forces/city-of-london".into()),
        ("/api/forces/{force}/people", "/api/forces/city-of-london/people".into()),
        ("/api/{force}/neighbourhoods", "/api/city-of-london/neighbourhoods".into()),
        ("/api/{force}/{neighbourhood}", "/api/city-of-london/ban".into()),
        ("/api/{force}/{neighbourhood}/boundary", "/api/city-of-london/ban/boundary".into()),
        ("/api/{force}/{neighbourhood}/people", "/api/city-of-london/ban/people".into()),
        ("/api/{force}/{neighbourhood}/events", "/api/city-of-london/ban/events".into()),
        ("/api/{force}/{neighbourhood}/priorities", "/api/city-of-london/ban/priorities".into()),
        ("/api/locate-neighbourhood", "/api/locate-neighbourhood?q=51.5134,-0.0890".into()),
        ("/api/crimes-street/{category}", "/api/crimes-street/all-crime?lat=51.515&lng=-0.09&date=2024-06".into()),
        ("/api/crimes-at-location", format!("/api/crimes-at-location?location_id={location}&date=2024-06")),
        (
            "/api/crimes-no-location",
            "/api/crimes-no-location?category=all-crime&force=city-of-london&date=2024-06".into(),
        ),
        ("/api/crime-categories", "/api/crime-categories".into()),
        ("/api/crime-last-updated", "/api/crime-last-updated".into()),
        ("/api/crimes-street-dates", "/api/crimes-street-dates".into()),
        ("/api/outcomes-at-location", format!("/api/outcomes-at-location?poly={poly}&date=2024-06")),
        ("/api/outcomes-for-crime/{persistent_id}", format!("/api/outcomes-for-crime/{pid}")),
        ("/api/stops-street", "/api/stops-street?lat=51.515&lng=-0.09&date=2024-01".into()),
        ("/api/stops-at-location", format!("/api/stops-at-location?location_id={stop_location}&date=2024-01")),
        ("/api/stops-no-location", "/api/stops-no-location?force=city-of-london&date=2024-01".into()),
        ("/api/stops-force", "/api/stops-force?force=city-of-london&date=2024-01".into()),
        ("/api/openapi.json", "/api/openapi.json".into()),
        ("/api/v1/community-trigger", "/api/v1/community-trigger".into()),
        ("/api/v1/community-trigger/{force}/{csp}", "/api/v1/community-trigger/city-of-london/city".into()),
        ("/api/v1/pledge/compliance", "/api/v1/pledge/compliance?force=city-of-london&month=2024-06".into()),
        ("/api/v1/pledge/standards", "/api/v1/pledge/standards?force=city-of-london&neighbourhood=ban".into()),
    ];
    // Routes that take a bearer token: (path, method, uri, body, token, status).
    let review_body = serde_json::json!({
        "force": "city-of-london",
        "csp": "city",
        "application": {
            "received_on": "2024-06-20",
            "applicant_name": "Jo Bloggs",
            "applicant_contact": "jo@example.org",
            "summary": "Noise",
            "complaints": [{ "complainant": "Jo Bloggs", "agency": "City of London Police", "incident": "1",
                "behaviour_on": "2024-06-01", "complained_on": "2024-06-02", "hate_related": true }]
        }
    })
    .to_string();
    let mut secured: Vec<(&str, &str, String, String, &str, u16)> = vec![
        ("/api/v1/asb/case-reviews", "post", "/api/v1/asb/case-reviews".into(), review_body, &token, 201),
        ("/api/v1/asb/case-reviews", "get", "/api/v1/asb/case-reviews".into(), String::new(), &token, 200),
        ("/api/v1/asb/case-reviews/{review}", "get", "/api/v1/asb/case-reviews/1".into(), String::new(), &token, 200),
        (
            "/api/v1/asb/case-reviews/{review}/steps",
            "post",
            "/api/v1/asb/case-reviews/1/steps".into(),
            r#"{"step": "acknowledged", "on": "2024-06-21"}"#.into(),
            &token,
            200,
        ),
        (
            "/api/v1/asb/procedures/{force}/{csp}",
            "get",
            "/api/v1/asb/procedures/city-of-london/city".into(),
            String::new(),
            &token,
            200,
        ),
        (
            "/api/v1/asb/procedures/{force}/{csp}",
            "post",
            "/api/v1/asb/procedures/city-of-london/city".into(),
            peel_core::trigger::Procedure::local_example().to_json(),
            &token,
            201,
        ),
    ];
    // The Pledge routes, each with a token of a role that may use it.
    let standard = serde_json::json!({
        "force": "city-of-london",
        "neighbourhood": "ban",
        "standard": {"id": "999-answer", "version": "ban-2024", "description": "999 calls answered within 8 seconds.",
            "limit": {"kind": "within", "seconds": 8}}
    });
    let event = r#"{"id":"c1","force":"city-of-london","type":"call","channel":"999","received_at":"2024-06-10T12:00:00Z","answered_at":"2024-06-10T12:00:05Z"}"#;
    secured.extend([
        ("/api/v1/me", "get", "/api/v1/me".into(), String::new(), admin.as_str(), 200),
        ("/api/v1/admin/users", "get", "/api/v1/admin/users".into(), String::new(), admin.as_str(), 200),
        ("/api/v1/admin/organisations", "get", "/api/v1/admin/organisations".into(), String::new(), root.as_str(), 200),
        ("/api/v1/audit", "get", "/api/v1/audit?from=2020-01-01&limit=5".into(), String::new(), auditor.as_str(), 200),
        ("/api/v1/events", "post", "/api/v1/events".into(), event.into(), feed.as_str(), 200),
        (
            "/api/v1/pledge/compliance",
            "get",
            "/api/v1/pledge/compliance?force=city-of-london&month=2024-06".into(),
            String::new(),
            admin.as_str(),
            200,
        ),
        (
            "/api/v1/pledge/standards",
            "post",
            "/api/v1/pledge/standards".into(),
            standard.to_string(),
            admin.as_str(),
            200,
        ),
        (
            "/api/v1/pledge/standards",
            "delete",
            "/api/v1/pledge/standards?force=city-of-london&neighbourhood=ban&commitment=999-answer".into(),
            String::new(),
            admin.as_str(),
            200,
        ),
        (
            "/api/v1/pledge/areas",
            "post",
            "/api/v1/pledge/areas".into(),
            r#"{"force": "city-of-london", "neighbourhood": "ban", "area": "urban"}"#.into(),
            admin.as_str(),
            200,
        ),
    ]);
    // The back-office API (`/api/v1/asb/…`, bearer tokens) is checked route
    // by route in tests/asb.rs against the back office's route table; the
    // case review answers are still checked against their schemas below.
    let mut documented: Vec<&str> = spec["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .filter(|p| !p.starts_with("/api/v1/asb/"))
        .collect();
    // The bulk download routes answer files, not JSON: (path, uri, content type).
    let files = [
        ("/api/bulk/{month}/{file}", "/api/bulk/2024-06/2024-06-city-of-london-street.csv", "text/csv"),
        ("/api/bulk/{archive}", "/api/bulk/2024-06.zip", "application/zip"),
    ];
    let mut exercised: Vec<&str> = examples.iter().map(|(p, _)| *p).collect();
    exercised.extend(files.iter().map(|f| f.0));
    exercised.extend(secured.iter().map(|s| s.0).filter(|p| !p.starts_with("/api/v1/asb/")));
    documented.sort_unstable();
    exercised.sort_unstable();
    exercised.dedup();
    assert_eq!(documented, exercised, "the document lists exactly the routes served");

    for (path, uri) in &examples {
        let answer = get(app, uri).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{uri}");
        let schema = &spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        check(&spec, schema, &answer.json(), path, &mut errors);
        assert!(errors.is_empty(), "{uri} does not match its schema:\n{}", errors.join("\n"));
    }
    for (path, uri, content_type) in files {
        let answer = get(app, uri).await;
        assert_eq!(answer.status, axum::http::StatusCode::OK, "{uri}");
        assert!(answer.content_type.as_deref().is_some_and(|c| c.starts_with(content_type)), "{uri}");
        assert!(spec["paths"][path]["get"]["responses"]["200"]["content"][content_type].is_object(), "{path}");
    }
    for (path, method, uri, body, token, status) in &secured {
        let request = axum::http::Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(uri.as_str())
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.clone()))
            .unwrap();
        let answer = send(app, request).await;
        assert_eq!(answer.status.as_u16(), *status, "{method} {uri}: {}", answer.body);
        let op = &spec["paths"][path][method];
        let bearer = op["security"].as_array().is_some_and(|s| s.iter().any(|o| o.get("bearer").is_some()));
        assert!(bearer, "{method} {path} states its bearer token");
        let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
        let mut errors = Vec::new();
        check(&spec, schema, &answer.json(), path, &mut errors);
        assert!(errors.is_empty(), "{method} {uri} does not match its schema:\n{}", errors.join("\n"));
    }
    // The POST variants are documented too.
    for path in ["/api/crimes-street/{category}", "/api/outcomes-at-location", "/api/stops-street"] {
        assert!(spec["paths"][path]["post"]["requestBody"].is_object(), "{path} POST");
    }
}

/// A community safety partnership in the sample force and a case review
/// coordinator's API token.
async fn case_review_setup(store: &peel_store::Store) -> String {
    let bcu = peel_store::Bcu {
        force_id: "city-of-london".into(),
        id: "city".into(),
        name: "City".into(),
        commentary: None,
        sample: false,
    };
    let csp = peel_store::Csp {
        force_id: "city-of-london".into(),
        id: "city".into(),
        name: "City of London".into(),
        bcu_id: "city".into(),
        local_authority: "City of London".into(),
        local_authority_code: None,
        population: None,
    };
    store.geography().put_areas("city-of-london", None, None, &[bcu], &[csp]).await.expect("areas");
    let city = peel_core::access::Reach::Force("city-of-london".into());
    api_token(store, peel_core::access::Role::AsbCoordinator, "coordinator@example.org", city).await
}

both!(check_openapi);

/// The validator itself catches what it should.
#[test]
fn validator_flags_mismatches() {
    let spec: Value = serde_json::from_str(include_str!("../../api/src/openapi.json")).expect("spec");
    let crime = serde_json::json!({"$ref": "#/components/schemas/Crime"});
    let mut errors = Vec::new();
    check(&spec, &crime, &serde_json::json!({"category": "burglary", "id": "7", "extra": 1}), "crime", &mut errors);
    assert!(errors.iter().any(|e| e.starts_with("crime.id:")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("crime.month: required")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("crime.extra: not documented")), "{errors:?}");
}

/// Every `(METHOD, path)` the server's routers serve, read from the source
/// of the crates it composes (`web`, `api`, `portal`, `backoffice`): each
/// `.route("path", get(…).post(…))` call, with the `/api` nest of
/// `api/src/lib.rs` applied. Reading the source rather than a list kept
/// by hand means a new route cannot be added without this test seeing it.
fn served_routes() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for c in ["web", "api", "portal", "backoffice"] {
        walk(&crates.join(c).join("src"), &mut files);
    }
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let prefix = if file.ends_with("api/src/lib.rs") { "/api" } else { "" };
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let Some(len) = rest[open + 1..].find('"') else { break };
            let path = format!("{prefix}{}", &rest[open + 1..open + 1 + len]);
            // The handlers: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &rest[open + 1 + len..end];
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                let starts =
                    [format!(",{method}("), format!(".{method}("), format!(" {method}("), format!("::{method}(")];
                if starts.iter().any(|s| handlers.contains(s.as_str()))
                    || handlers.trim_start_matches([',', ' ', '\n']).starts_with(&format!("{method}("))
                {
                    routes.push((method.to_uppercase(), path.clone()));
                    found = true;
                }
            }
            assert!(found, "no method found for route {path} in {}", file.display());
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

/// The OpenAPI document lists every JSON API route the server has (each
/// path under `/api/` with each of its methods) and nothing it does not.
/// Pages, `/open311/v2/` (described by the GeoReport v2 specification and
/// `docs/open311.md`), `/healthz` and `/metrics` are not part of it.
#[test]
fn document_lists_every_api_route() {
    let spec: Value = serde_json::from_str(include_str!("../../api/src/openapi.json")).expect("spec");
    let served: Vec<(String, String)> = served_routes().into_iter().filter(|(_, p)| p.starts_with("/api/")).collect();
    // The scan itself sees what it must: routes of every router.
    for probe in [
        ("GET", "/api/forces"),
        ("GET", "/api/v1/me"),
        ("DELETE", "/api/v1/pledge/standards"),
        ("POST", "/api/v1/asb/cases/{id}/reopen"),
    ] {
        assert!(served.iter().any(|(m, p)| m == probe.0 && p == probe.1), "the scan misses {probe:?}: {served:?}");
    }
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys().filter(|m| *m != "parameters") {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let missing: Vec<_> = served.iter().filter(|r| !documented.contains(r)).collect();
    let extra: Vec<_> = documented.iter().filter(|r| !served.contains(r)).collect();
    assert!(missing.is_empty(), "served but not in /api/openapi.json: {missing:?}");
    assert!(extra.is_empty(), "in /api/openapi.json but not served: {extra:?}");
}

/// Each operation states the statuses it can answer with: 401 and 403 for
/// every one that takes a bearer token, 400 or 422 and 413 for every one
/// that takes a body, and 429 for everything under `/api/` (the optional
/// rate limit); and the content of every answer but police.uk's empty 503.
#[test]
fn document_states_every_status() {
    let spec: Value = serde_json::from_str(include_str!("../../api/src/openapi.json")).expect("spec");
    let mut problems = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if method == "parameters" {
                continue;
            }
            let responses = op["responses"].as_object().expect("responses");
            let has = |s: &str| responses.contains_key(s);
            let bearer = op["security"].as_array().is_some_and(|s| s.iter().any(|o| o.get("bearer").is_some()));
            let mut want = vec!["429"];
            if bearer {
                want.extend(["401", "403"]);
            }
            if op.get("requestBody").is_some() {
                want.push("413");
                if !has("400") && !has("422") {
                    problems.push(format!("{method} {path}: neither 400 nor 422 for a bad body"));
                }
            }
            for s in want {
                if !has(s) {
                    problems.push(format!("{method} {path}: no {s}"));
                }
            }
            for (status, response) in responses {
                if status != "503" && response.get("content").is_none() && response.get("$ref").is_none() {
                    problems.push(format!("{method} {path}: {status} has no content"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
