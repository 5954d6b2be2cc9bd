//! Every table on the public pages downloads as CSV (`?format=csv`) on both
//! engines: the download holds every cell the page shows, the month chosen
//! carries over, figures recount from the sample's street files, a page
//! without tables offers no download, and the link never echoes markup.

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use peel_store::Engine;
use support::get;
use support::sample_csv::rows;

/// The number of data cells (`<td>`) inside the page's tables.
fn data_cells(html: &str) -> usize {
    html.split("<table").skip(1).map(|t| t.split("</table>").next().unwrap_or_default().matches("<td").count()).sum()
}

fn records(csv: &str) -> Vec<[String; 4]> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["table", "row", "column", "value"]);
    r.records().map(|x| x.unwrap()).map(|x| [0, 1, 2, 3].map(|i| x[i].to_string())).collect()
}

async fn every_table(engine: Engine) {
    let (_db, app) = support::whole_sample(engine).await;
    let crime =
        rows("street").into_iter().find(|r| r.force == "city-of-london" && !r.persistent_id.is_empty()).unwrap();
    let pages = [
        "/neighbourhoods/city-of-london/bar".to_string(),
        "/forces/city-of-london?date=2024-06".into(),
        "/forces/city-of-london/bcus/city".into(),
        "/forces/bedfordshire/csps/luton".into(),
        "/compare".into(),
        "/forces/city-of-london/neighbourhoods".into(),
        "/forces/bedfordshire/similar".into(),
        "/forces/city-of-london/bcus/city/quarterly".into(),
        "/forces/city-of-london/report-card".into(),
        "/forces/city-of-london/stop-and-search".into(),
        "/forces/city-of-london/confidence".into(),
        format!("/crimes/{}", crime.persistent_id),
    ];
    for page in &pages {
        let html = get(&app, page).await;
        assert_eq!(html.status, StatusCode::OK, "{page}");
        let cells = data_cells(&html.body);
        assert!(cells > 0, "{page} has a table");
        let sep = if page.contains('?') { "&amp;" } else { "?" };
        let link = format!("<a href=\"{page}{sep}format=csv\">Download the tables on this page (CSV)</a>");
        assert!(html.body.contains(&link), "{page} links its CSV: {link}");
        let csv_uri = format!("{page}{}format=csv", if page.contains('?') { "&" } else { "?" });
        let csv = get(&app, &csv_uri).await;
        assert_eq!(csv.status, StatusCode::OK, "{csv_uri}");
        assert_eq!(csv.content_type.as_deref(), Some("text/csv; charset=utf-8"));
        assert_eq!(records(&csv.body).len(), cells, "{page}: one CSV row per cell");
    }

    // The month chosen carries over, and the figures recount from the street files.
    let csv = get(&app, "/forces/city-of-london?date=2024-06&format=csv").await;
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows("street").into_iter().filter(|r| r.force == "city-of-london" && r.month == "2024-06") {
        *counted.entry(r.kind).or_default() += 1;
    }
    let shown: BTreeMap<String, u64> = records(&csv.body)
        .into_iter()
        .filter(|r| r[0] == "Crimes in June 2024 by category" && r[2] == "Crimes")
        .map(|r| (r[1].clone(), r[3].parse().unwrap()))
        .collect();
    assert_eq!(shown, counted);

    // A page without a table offers no download; asking gives a page not found.
    let about = get(&app, "/about").await;
    assert!(!about.body.contains("format=csv"));
    let none = get(&app, "/about?format=csv").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert!(none.body.contains("a table on this page to download"));
    // A page that is not found stays so as CSV.
    assert_eq!(get(&app, "/forces/atlantis?format=csv").await.status, StatusCode::NOT_FOUND);

    // The link is escaped like everything else the request carries.
    let odd = get(&app, "/forces/city-of-london?x=%22%3E%3Cscript%3E&date=2024-06").await;
    assert!(!odd.body.contains("<script"), "no markup from the address");
}

#[tokio::test]
async fn every_table_sqlite() {
    every_table(Engine::Sqlite).await;
}

#[tokio::test]
async fn every_table_postgres() {
    every_table(Engine::Postgres).await;
}
