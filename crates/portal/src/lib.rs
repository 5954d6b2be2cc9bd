//! The public portal: server-rendered pages that work without JavaScript.
//! "Type in your postcode" → neighbourhood, team, priorities, meetings,
//! crime, trends, map, outcomes, comparisons, and how to complain.

mod areas;
pub mod asb_standards;
mod calendar;
pub mod community_trigger;
mod compare;
mod confidence;
mod crime;
mod demand;
mod download;
mod figures;
mod force_rates;
pub(crate) mod format;
mod info;
mod locate;
mod lookup;
mod months;
mod neighbourhood;
mod pledge;
mod quarterly;
mod quarterly_report;
mod report_card;
mod report_card_figures;
mod search;
mod similar;
mod stop_search;
mod stop_search_report;
pub(crate) mod svg;
pub mod tables;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub(crate) use peel_http::{AppState, JsonError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(search::home))
        .route("/search", get(search::search))
        .route("/locate", get(search::locate_point))
        .route("/neighbourhoods/{force}/{id}", get(neighbourhood::page))
        .route("/neighbourhoods/{force}/{id}/events.ics", get(calendar::events))
        .route("/neighbourhoods/{force}/{id}/pledge", get(pledge::neighbourhood_page))
        .route("/neighbourhoods/{force}/{id}/stop-and-search", get(stop_search::neighbourhood_page))
        .route("/neighbourhoods/{force}/{id}/stop-and-search.csv", get(stop_search::neighbourhood_csv))
        .route("/neighbourhoods/{force}/{id}/stop-and-search.json", get(stop_search::neighbourhood_json))
        .route("/forces/{force}", get(areas::force))
        .route("/forces/{force}/pledge", get(pledge::force_page))
        .route("/forces/{force}/confidence", get(confidence::force_page))
        .route("/forces/{force}/confidence.csv", get(confidence::force_csv))
        .route("/forces/{force}/confidence.json", get(confidence::force_json))
        .route("/neighbourhoods/{force}/{id}/demand", get(demand::neighbourhood_page))
        .route("/neighbourhoods/{force}/{id}/demand.csv", get(demand::neighbourhood_csv))
        .route("/forces/{force}/demand", get(demand::force_page))
        .route("/forces/{force}/demand.csv", get(demand::force_csv))
        .route("/forces/{force}/bcus/{id}", get(areas::bcu))
        .route("/forces/{force}/bcus/{id}/confidence", get(confidence::bcu_page))
        .route("/forces/{force}/bcus/{id}/confidence.csv", get(confidence::bcu_csv))
        .route("/forces/{force}/bcus/{id}/confidence.json", get(confidence::bcu_json))
        .route("/forces/{force}/bcus/{id}/pledge", get(pledge::bcu_page))
        .route("/forces/{force}/bcus/{id}/demand", get(demand::bcu_page))
        .route("/forces/{force}/bcus/{id}/demand.csv", get(demand::bcu_csv))
        .route("/forces/{force}/bcus/{id}/quarterly", get(quarterly::bcu_page))
        .route("/forces/{force}/bcus/{id}/report-card", get(report_card::bcu_page))
        .route("/forces/{force}/bcus/{id}/report-card.csv", get(report_card::bcu_csv))
        .route("/forces/{force}/bcus/{id}/report-card.json", get(report_card::bcu_json))
        .route("/forces/{force}/bcus/{id}/quarterly.csv", get(quarterly::bcu_csv))
        .route("/forces/{force}/bcus/{id}/quarterly.json", get(quarterly::bcu_json))
        .route("/forces/{force}/csps/{id}", get(areas::csp))
        .route("/forces/{force}/csps/{id}/quarterly", get(quarterly::csp_page))
        .route("/forces/{force}/csps/{id}/quarterly.csv", get(quarterly::csp_csv))
        .route("/forces/{force}/csps/{id}/quarterly.json", get(quarterly::csp_json))
        .route("/forces/{force}/neighbourhoods", get(compare::neighbourhoods))
        .route("/forces/{force}/similar", get(similar::page))
        .route("/forces/{force}/report-card", get(report_card::force_page))
        .route("/forces/{force}/report-card.csv", get(report_card::force_csv))
        .route("/forces/{force}/report-card.json", get(report_card::force_json))
        .route("/forces/{force}/stop-and-search", get(stop_search::force_page))
        .route("/forces/{force}/stop-and-search.csv", get(stop_search::force_csv))
        .route("/forces/{force}/stop-and-search.json", get(stop_search::force_json))
        .route("/forces/{force}/complain", get(info::complain))
        .route("/compare", get(compare::forces))
        .route("/crimes/{persistent_id}", get(crime::page))
        .route("/about", get(info::about))
        .route("/accessibility", get(info::accessibility))
        .route("/assets/peel.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        include_str!("../assets/peel.css"),
    )
        .into_response()
}

/// Why a page could not be shown, drawn in the portal's skin.
pub type PageError = peel_http::PageError<PortalSkin>;

/// The portal's skin for failures: its own layout, with links back to the
/// start (see [`peel_http::Skin`]).
pub struct PortalSkin;

#[derive(Template)]
#[template(path = "page.html")]
pub(crate) struct TextPage {
    pub title: String,
    /// (heading, paragraphs, numbered steps)
    pub sections: Vec<(String, Vec<String>, Vec<String>)>,
    pub links: Vec<(String, String)>,
}

impl TextPage {
    /// The summary a shared link shows: the page's first paragraph.
    fn summary(&self) -> &str {
        self.sections.iter().flat_map(|s| s.1.first()).next().map_or(self.title.as_str(), String::as_str)
    }
}

pub(crate) fn render<T: Template>(t: &T) -> Result<Response, PageError> {
    let html = t.render().map_err(|e| JsonError::Internal(format!("template: {e}")))?;
    Ok(Html(html).into_response())
}

/// The page for any address peel does not know.
pub fn not_found_page(what: &str) -> Response {
    let page = TextPage {
        title: "Page not found".into(),
        sections: vec![(
            String::new(),
            vec![
                format!("We could not find {what}."),
                "If you typed the web address, check it is correct. If you followed a link, the area or page may have moved.".into(),
            ],
            vec![],
        )],
        links: vec![("/".into(), "Search for your area by postcode".into()), ("/compare".into(), "Compare forces".into())],
    };
    let body = page.render().unwrap_or_else(|_| "Page not found".into());
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

impl peel_http::Skin for PortalSkin {
    fn page(status: StatusCode, message: &str) -> Response {
        if status == StatusCode::NOT_FOUND {
            return not_found_page(message);
        }
        let (title, text, links) = if status.is_server_error() {
            (
                "Sorry, there is a problem with the service",
                "Try again later. The problem has been logged.".to_string(),
                vec![("/".into(), "Go to the start page".into())],
            )
        } else {
            ("There is a problem", message.to_string(), vec![("/".into(), "Search for your area by postcode".into())])
        };
        let page = TextPage { title: title.into(), sections: vec![(String::new(), vec![text], vec![])], links };
        let body = page.render().unwrap_or_else(|_| title.to_string());
        (status, Html(body)).into_response()
    }
}
