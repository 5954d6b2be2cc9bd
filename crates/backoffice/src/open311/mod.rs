//! Open311 GeoReport v2 at `/open311/v2/`: street-reporting apps list the
//! ASB services, submit reports with an API key, and follow their status.
//!
//! Reading is public and shows no personal data ([`PublicRequest`]);
//! submitting needs a back-office API token (`peel user token`) whose role
//! may record reports, sent as the standard's `api_key` parameter or as
//! `Authorization: Bearer`. What peel does differently from a street-light
//! service (no descriptions, addresses or positions in answers; only Open311
//! reports listed) is in `docs/open311.md`.

pub mod format;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, SecondsFormat, Utc};
use peel_core::access::Permission;
use peel_core::open311::{self as o311, ATTRIBUTES, PublicRequest, SERVICES, Status};
use peel_store::RequestSearch;
use peel_store::asb::AsbError;

use crate::AppState;
use crate::Backoffice;
use crate::auth::{Authed, bearer_token, record_denial, token_user};
use format::{Format, Value, errors, split};
use peel_usecases::casework;
use peel_usecases::secrets::random_token;

/// Why the audit log and casework see a report arrive.
const PURPOSE: &str = "report taken over Open311";

/// Largest form accepted: a report is a few kilobytes. Anyone may post
/// before the key is checked (it may be in the body), so this is small.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(submit).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

fn w3c(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn not_found(format: Format, what: &str) -> Response {
    errors(StatusCode::NOT_FOUND, format, &[format!("{what} was not found")])
}

/// A path without `.json` or `.xml`: the standard needs one.
fn no_format(file: &str) -> Response {
    errors(
        StatusCode::NOT_FOUND,
        Format::Json,
        &[format!("{file:?} is not a GeoReport v2 resource here: end the path in .json or .xml")],
    )
}

fn server_error(format: Format, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "Open311 request failed");
    errors(StatusCode::INTERNAL_SERVER_ERROR, format, &["peel could not answer; please try again later".into()])
}

/// Query or form pairs, `+` and percent-decoded.
fn pairs(text: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(text).unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// GET `discovery`, `services` and `requests` (their paths share a shape).
async fn top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    bo: axum::Extension<Backoffice>,
) -> Response {
    let Some((name, format)) = split(&file) else { return no_format(&file) };
    match name {
        "discovery" => discovery(&headers, format),
        "services" => services(format),
        "requests" => list_requests(&state, format, &pairs(query.as_deref().unwrap_or("")), bo.now()).await,
        _ => not_found(format, &format!("the resource {name:?}")),
    }
}

fn discovery(headers: &HeaderMap, format: Format) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let base = std::env::var("PEEL_PUBLIC_URL")
        .ok()
        .map(|u| u.trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("http://{host}"));
    let changeset = "2026-11-25T00:00:00Z";
    Value::Obj(vec![
        ("changeset", changeset.into()),
        ("contact", "Your local council or police force runs this service. To report an emergency, call 999.".into()),
        ("key_service", format!("Ask the service's administrators for an API key: {base}/login").into()),
        (
            "endpoints",
            Value::List(
                "endpoint",
                vec![Value::Obj(vec![
                    ("specification", o311::SPECIFICATION.into()),
                    ("url", format!("{base}/open311/v2").into()),
                    ("changeset", changeset.into()),
                    ("type", "production".into()),
                    ("formats", Value::List("format", vec!["application/json".into(), "text/xml".into()])),
                ])],
            ),
        ),
    ])
    .respond(StatusCode::OK, format, "discovery")
}

fn services(format: Format) -> Response {
    Value::List(
        "service",
        SERVICES
            .iter()
            .map(|s| {
                Value::Obj(vec![
                    ("service_code", s.code.into()),
                    ("service_name", s.name.into()),
                    ("description", s.description.into()),
                    ("metadata", Value::Bool(true)),
                    ("type", "realtime".into()),
                    ("keywords", s.keywords.into()),
                    ("group", o311::GROUP.into()),
                ])
            })
            .collect(),
    )
    .respond(StatusCode::OK, format, "services")
}

async fn service_definition(Path(file): Path<String>) -> Response {
    let Some((code, format)) = split(&file) else { return no_format(&file) };
    let Some(service) = o311::service(code) else { return not_found(format, &format!("the service {code:?}")) };
    let attributes = ATTRIBUTES
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Value::Obj(vec![
                ("variable", Value::Bool(true)),
                ("code", a.code.into()),
                ("datatype", a.datatype.as_str().into()),
                ("required", Value::Bool(a.required)),
                ("datatype_description", Value::Null),
                ("order", Value::Int(i as i64 + 1)),
                ("description", a.description.into()),
                (
                    "values",
                    Value::List(
                        "value",
                        a.values
                            .iter()
                            .map(|(k, n)| Value::Obj(vec![("key", (*k).into()), ("name", (*n).into())]))
                            .collect(),
                    ),
                ),
            ])
        })
        .collect();
    Value::Obj(vec![("service_code", service.code.into()), ("attributes", Value::List("attribute", attributes))])
        .respond(StatusCode::OK, format, "service_definition")
}

fn request_value(r: &PublicRequest) -> Value {
    Value::Obj(vec![
        ("service_request_id", r.id.to_string().into()),
        ("status", r.status.as_str().into()),
        ("status_notes", r.status_notes.into()),
        ("service_name", r.service_name.into()),
        ("service_code", r.service_code.into()),
        ("description", Value::Null),
        ("agency_responsible", r.agency_responsible.clone().into()),
        ("service_notice", Value::Null),
        ("requested_datetime", w3c(r.requested).into()),
        ("updated_datetime", w3c(r.updated).into()),
        ("expected_datetime", Value::Null),
        ("address", Value::Null),
        ("address_id", Value::Null),
        ("zipcode", Value::Null),
        ("media_url", Value::Null),
    ])
}

fn request_list(rs: &[PublicRequest], format: Format) -> Response {
    Value::List("request", rs.iter().map(request_value).collect()).respond(StatusCode::OK, format, "service_requests")
}

async fn list_requests(state: &AppState, format: Format, q: &[(String, String)], now: DateTime<Utc>) -> Response {
    let mut problems = Vec::new();
    let mut search = RequestSearch::default();
    if let Some(ids) = param(q, "service_request_id").filter(|s| !s.trim().is_empty()) {
        for id in ids.split(',') {
            match id.trim().parse::<i64>() {
                Ok(n) => search.ids.push(n),
                Err(_) => problems.push(format!("service_request_id: {:?} is not a request id", id.trim())),
            }
        }
    }
    if let Some(codes) = param(q, "service_code").filter(|s| !s.trim().is_empty()) {
        for code in codes.split(',') {
            match o311::service(code) {
                Some(s) => search.service_codes.push(s.code.to_string()),
                None => problems.push(format!("service_code: {:?} is not a service here", code.trim())),
            }
        }
    }
    if let Some(status) = param(q, "status").filter(|s| !s.trim().is_empty()) {
        match Status::parse_filter(status) {
            Ok(s) => search.statuses = s,
            Err(e) => problems.push(e.to_string()),
        }
    }
    match o311::search_range(param(q, "start_date"), param(q, "end_date"), now) {
        Ok((from, to)) => (search.from, search.to) = (Some(from), Some(to)),
        Err(e) => problems.push(e.to_string()),
    }
    if !problems.is_empty() {
        return errors(StatusCode::BAD_REQUEST, format, &problems);
    }
    match state.store.open311().open311_requests(&search).await {
        Ok(rs) => request_list(&rs, format),
        Err(e) => server_error(format, e),
    }
}

async fn one_request(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((id, format)) = split(&file) else { return no_format(&file) };
    let Ok(id) = id.parse::<i64>() else { return not_found(format, &format!("the service request {id:?}")) };
    match state.store.open311().open311_request(id).await {
        Ok(Some(r)) => request_list(&[r], format),
        Ok(None) => not_found(format, &format!("the service request {id}")),
        Err(e) => server_error(format, e),
    }
}

async fn token(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((t, format)) = split(&file) else { return no_format(&file) };
    match state.store.open311().open311_token(t).await {
        Ok(Some(id)) => Value::List(
            "request",
            vec![Value::Obj(vec![("service_request_id", id.to_string().into()), ("token", t.into())])],
        )
        .respond(StatusCode::OK, format, "service_requests"),
        Ok(None) => not_found(format, "the token"),
        Err(e) => server_error(format, e),
    }
}

/// The pairs of a POSTed form (and of its query string), or the answer
/// that refuses it.
fn submitted_form(
    name: &str,
    format: Format,
    query: Option<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<(String, String)>, Box<Response>> {
    let body = body.map_err(|e| {
        let message = format!("the form could not be read ({e}); send at most {} KiB", MAX_FORM_BYTES / 1024);
        Box::new(errors(e.status(), format, &[message]))
    })?;
    if name != "requests" {
        let message = format!("{name} cannot be posted to; post to requests");
        return Err(Box::new(errors(StatusCode::METHOD_NOT_ALLOWED, format, &[message])));
    }
    let mut all = pairs(query.as_deref().unwrap_or(""));
    let text = std::str::from_utf8(&body)
        .map_err(|_| Box::new(errors(StatusCode::BAD_REQUEST, format, &["the form body is not UTF-8 text".into()])))?;
    all.extend(pairs(text));
    Ok(all)
}

/// The account whose API token the form (or the `Authorization` header)
/// carries, if it may record reports; else the answer that refuses it.
async fn reporter(
    state: &AppState,
    bo: &Backoffice,
    form: &[(String, String)],
    headers: &HeaderMap,
    format: Format,
) -> Result<Authed, Box<Response>> {
    let refuse = |message: String| Box::new(errors(StatusCode::FORBIDDEN, format, &[message]));
    let Some(key) = param(form, "api_key").map(str::trim).filter(|k| !k.is_empty()).or(bearer_token(headers)) else {
        return Err(refuse(
            "send api_key: an API token made with `peel user token` for an account that may record reports".into(),
        ));
    };
    let user = match token_user(state, bo, key).await {
        Ok(Some(u)) => u,
        Ok(None) => return Err(refuse("api_key is not a valid API token".into())),
        Err(e) => return Err(Box::new(server_error(format, e))),
    };
    if !user.may(Permission::RecordReport) {
        record_denial(state, bo, &user, "POST /open311/v2/requests", Permission::RecordReport).await;
        let role = user.user.role.slug();
        return Err(refuse(format!("the role {role} may not {}", Permission::RecordReport.describe())));
    }
    Ok(user)
}

/// The answer to a stored report: its number, the token to follow it by
/// and a notice naming the organisation that has it.
fn accepted(id: i64, token: Option<String>, organisation: &str, format: Format) -> Response {
    let notice = format!("{organisation} has your report. If you or anyone else is in danger, call 999.");
    let request = vec![
        ("service_request_id", id.to_string().into()),
        ("token", token.map_or(Value::Null, Value::Str)),
        ("service_notice", notice.into()),
        ("account_id", Value::Null),
    ];
    Value::List("request", vec![Value::Obj(request)]).respond(StatusCode::OK, format, "service_requests")
}

/// POST `requests`: a new report.
async fn submit(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    bo: axum::Extension<Backoffice>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some((name, format)) = split(&file) else { return no_format(&file) };
    let form = match submitted_form(name, format, query, body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let user = match reporter(&state, &bo, &form, &headers, format).await {
        Ok(u) => u,
        Err(refused) => return *refused,
    };
    let token = match random_token() {
        Ok(t) => t[..32].to_string(),
        Err(e) => return server_error(format, e),
    };
    let viewer = user.viewer(PURPOSE, bo.now());
    match casework::record_open311_report(&state.store, &viewer, &form, &token).await {
        Ok((view, token)) => accepted(view.id, token, &user.user.organisation_name, format),
        Err(AsbError::Invalid(p)) => {
            let lines: Vec<String> = p.0.iter().map(|i| format!("{}: {}", i.field, i.message)).collect();
            errors(StatusCode::BAD_REQUEST, format, &lines)
        }
        Err(e) => server_error(format, e),
    }
}
