//! Shared helpers for the API tests: a database with the bundled sample
//! imported, on either engine, and one-line request helpers.

#![allow(dead_code)]

pub mod casework;
pub mod python;
pub mod sample_csv;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use peel_import::{ImportOptions, Importer};
use peel_store::testing::TestDatabase;
use peel_store::{Engine, Store};
use peel_web::AppState;
use serde_json::Value;
use tower::ServiceExt;

pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample")
}

/// The app over a fresh database of `engine` holding the sample's open data,
/// neighbourhood boundaries and neighbourhood details. The database lives as
/// long as the returned guard.
pub struct TestApp {
    pub db: TestDatabase,
    pub store: Store,
    pub app: Router,
}

pub async fn sample_app(engine: Engine) -> TestApp {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let dir = sample_dir();
    let paths = [dir.join("police-uk"), dir.join("boundaries/neighbourhoods"), dir.join("neighbourhoods")];
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(&paths)
        .await
        .expect("import the sample");
    assert!(summary.failed.is_empty(), "sample files failed: {:?}", summary.failed);
    let state = AppState::load(store.clone()).await.expect("build the index");
    TestApp { db, store, app: peel_web::app(state) }
}

/// The app over a fresh database of `engine` holding `paths` of the sample
/// (all of it: `&[sample_dir()]`), with generated Policing Pledge events
/// for the City of London in `pledge_months` (seeded from `seed`, one more
/// a month), as the demo's own are made.
pub async fn imported(engine: Engine, paths: &[PathBuf], pledge_months: &[&str], seed: u64) -> (TestDatabase, Router) {
    let db = TestDatabase::new(engine).await;
    let store = db.store().await;
    let summary = Importer::new(&store, ImportOptions { quiet: true, ..Default::default() })
        .import_paths(paths)
        .await
        .expect("import the sample");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let hoods: Vec<(String, peel_core::pledge::AreaKind)> =
        store.pledge().neighbourhood_areas("city-of-london").await.unwrap().into_iter().collect();
    for (i, m) in pledge_months.iter().enumerate() {
        let plan = peel_core::pledge::generate::Plan {
            force: "city-of-london",
            month: m.parse().unwrap(),
            neighbourhoods: &hoods,
            seed: seed + i as u64,
            now: "2026-06-01T00:00:00Z".parse().unwrap(),
        };
        store.pledge().put_pledge_events(&peel_core::pledge::generate::month(&plan)).await.unwrap();
    }
    let app = peel_web::app(AppState::load(store).await.expect("load"));
    (db, app)
}

/// The app over the whole sample, without generated Pledge events.
pub async fn whole_sample(engine: Engine) -> (TestDatabase, Router) {
    imported(engine, &[sample_dir()], &[], 0).await
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub content_type: Option<String>,
    /// The body as text (bytes that are not UTF-8, as in a zip, replaced).
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The body as a JSON array, asserting 200.
    pub fn list(&self) -> Vec<Value> {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        match self.json() {
            Value::Array(a) => a,
            other => panic!("expected a list, got {other}"),
        }
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("infallible service");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
    let bytes = axum::body::to_bytes(response.into_body(), 256 * 1024 * 1024).await.expect("read body");
    let bytes = bytes.to_vec();
    Answer { status, headers, content_type, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

pub async fn post_form(app: &Router, uri: &str, form: &str) -> Answer {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .expect("request");
    send(app, request).await
}

pub async fn post_json(app: &Router, uri: &str, json: &str) -> Answer {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.to_string()))
        .expect("request");
    send(app, request).await
}

/// Writes one test body for both engines: `both!(check_x)` makes
/// `mod check_x { sqlite, postgres }`, each calling `check_x(engine)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(peel_store::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(peel_store::Engine::Postgres).await
            }
        }
    )*};
}

/// The API token of a new account with `role`, in an organisation of its
/// own named after `email` (one account per email) that works within
/// `reach`: a force's organisation for a force, a council for partnerships.
pub async fn api_token(
    store: &Store,
    role: peel_core::access::Role,
    email: &str,
    reach: peel_core::access::Reach,
) -> String {
    use peel_core::access::{OrgKind, Reach};
    use peel_store::testing::setup_at;
    use peel_usecases::accounts::{self, NewAccount};
    let at = chrono::Utc::now();
    let kind = if matches!(reach, Reach::Force(_)) { OrgKind::Force } else { OrgKind::Council };
    let org = accounts::add_organisation(store, &setup_at(at), email, kind, &reach).await.expect("organisation");
    let new = NewAccount {
        email,
        display_name: "Staff",
        organisation_id: org.id,
        role,
        password: "correct horse battery staple",
    };
    let user = accounts::add_user(store, &setup_at(at), &new, &Default::default()).await.expect("user");
    accounts::issue_api_token(store, &setup_at(at), &user, "test").await.expect("token").0
}

/// A count as the pages write it: digits grouped by commas (12,345).
pub fn thousands(n: impl Into<i128>) -> String {
    let n: i128 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Each table row's cells as text, keyed by the text of its row header,
/// within the table captioned `caption`.
pub fn table(html: &str, caption: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let start = html.find(caption).unwrap_or_else(|| panic!("no table {caption:?}"));
    let body = &html[start..];
    let body = &body[..body.find("</table>").unwrap()];
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
        out.trim()
            .replace("&#60;", "<")
            .replace("&lt;", "<")
            .replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
    };
    let mut out = std::collections::BTreeMap::new();
    for row in body.split("<tr").skip(1) {
        let row = row.split("</tr>").next().unwrap_or_default();
        let Some((_, after)) = row.split_once("<th scope=\"row\">") else { continue };
        let (name, rest) = after.split_once("</th>").unwrap();
        let cells =
            rest.split("<td").skip(1).map(|c| text(&format!("<td{}", c.split("</td>").next().unwrap()))).collect();
        out.insert(text(name), cells);
    }
    out
}
