//! Every table on every public page, downloadable as CSV: the same address
//! with `?format=csv` (the page's own query kept, so the month or quarter
//! chosen carries over). A layer renders the page as usual and writes its
//! tables out, so the CSV can never disagree with the page, and a new page
//! gets its download without code of its own. The page's layout marks where
//! the download link goes ([`SLOT`]); the layer fills it on pages that have
//! a table.
//!
//! The CSV is tidy, one row per cell: `table` (the table's caption), `row`
//! (the row's header cell, else its number), `column` (the column's header)
//! and `value` as the page shows it, except that thousands separators are
//! dropped from whole numbers ("1,234" becomes 1234).

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Where `base.html` puts the download link.
pub const SLOT: &str = "<!--tables-csv-->";

/// The most HTML a page may have to be read for its tables: far above any
/// page's size, so a page is never cut short, and a bound all the same.
const MAX_PAGE: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub caption: String,
    pub columns: Vec<String>,
    /// (row header, every cell in its place: `None` where the header stands)
    pub rows: Vec<(Option<String>, Vec<Option<String>>)>,
}

/// Text without tags, entities decoded, spaces collapsed.
fn text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut tag = false;
    for c in html.chars() {
        match c {
            '<' => tag = true,
            '>' if tag => {
                tag = false;
                out.push(' ');
            }
            _ if !tag => out.push(c),
            _ => {}
        }
    }
    let decoded = decode(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entities askama writes (`&#38;`, `&#60;` …) and the common named ones.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(';').filter(|e| *e <= 10);
        let entity = end.map(|e| &after[1..e]);
        let c = match entity {
            Some("amp") => Some('&'),
            Some("lt") => Some('<'),
            Some("gt") => Some('>'),
            Some("quot") => Some('"'),
            Some("apos") => Some('\''),
            Some("nbsp") => Some(' '),
            Some(e) if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32),
            Some(e) if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match (c, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The cells of one row: (is a header cell, text), in order.
fn cells(row: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = row;
    loop {
        let th = rest.find("<th");
        let td = rest.find("<td");
        let (at, head) = match (th, td) {
            (Some(a), Some(b)) if a < b => (a, true),
            (Some(a), None) => (a, true),
            (_, Some(b)) => (b, false),
            (None, None) => break,
        };
        let close = if head { "</th>" } else { "</td>" };
        let body = &rest[at..];
        let Some(open_end) = body.find('>') else { break };
        let end = body.find(close).unwrap_or(body.len());
        out.push((head, text(&body[open_end + 1..end.max(open_end + 1)])));
        rest = &body[(end + close.len()).min(body.len())..];
    }
    out
}

/// Every table of a page, in order.
pub fn extract(html: &str) -> Vec<Table> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<table") {
        let body = &rest[at..];
        let end = body.find("</table>").unwrap_or(body.len());
        let table = &body[..end];
        let caption = table
            .find("<caption")
            .and_then(|c| table[c..].find("</caption>").map(|e| text(&table[c..c + e])))
            .unwrap_or_default();
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        let mut in_head = true;
        for row in table.split("<tr").skip(1) {
            let row = row.split("</tr>").next().unwrap_or_default();
            let cs = cells(row);
            if in_head && !cs.is_empty() && cs.iter().all(|(h, _)| *h) && rows.is_empty() && columns.is_empty() {
                columns = cs.into_iter().map(|(_, t)| t).collect();
                continue;
            }
            in_head = false;
            // The row's header is its first header cell, wherever it stands;
            // every other cell keeps its place, so it finds its column.
            let header_at = cs.iter().position(|(h, _)| *h);
            let header = header_at.map(|i| cs[i].1.clone());
            let values = cs
                .into_iter()
                .enumerate()
                .map(|(i, (_, t))| if Some(i) == header_at { None } else { Some(t) })
                .collect();
            rows.push((header, values));
        }
        out.push(Table { caption, columns, rows });
        rest = &body[(end + "</table>".len()).min(body.len())..];
    }
    out
}

/// "1,234" → "1234"; anything else as it is.
fn plain_number(cell: &str) -> String {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let groups: Vec<&str> = digits.split(',').collect();
    let whole = groups.len() > 1
        && groups[0].len() <= 3
        && !groups[0].is_empty()
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if whole { cell.replace(',', "") } else { cell.to_string() }
}

/// The tables as tidy CSV: `table,row,column,value`.
pub fn to_csv(tables: &[Table]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["table", "row", "column", "value"]);
    for (n, t) in tables.iter().enumerate() {
        let name = if t.caption.is_empty() { format!("Table {}", n + 1) } else { t.caption.clone() };
        for (i, (header, cells)) in t.rows.iter().enumerate() {
            let row = header.clone().unwrap_or_else(|| (i + 1).to_string());
            for (j, cell) in cells.iter().enumerate() {
                let Some(cell) = cell else { continue };
                let column = t.columns.get(j).cloned().unwrap_or_else(|| format!("Column {}", j + 1));
                let _ = w.write_record([name.as_str(), row.as_str(), column.as_str(), plain_number(cell).as_str()]);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn wants_csv(req: &Request) -> bool {
    req.uri().query().is_some_and(|q| q.split('&').any(|p| p == "format=csv"))
}

/// The address of this page's CSV: its path and query with `format=csv`.
/// Escaped for the page, as the request's own text is.
fn csv_href(req: &Request) -> String {
    let path = req.uri().path();
    let href = match req.uri().query().filter(|q| !q.is_empty()) {
        Some(q) => format!("{path}?{q}&format=csv"),
        None => format!("{path}?format=csv"),
    };
    super::svg::escape(&href)
}

/// A name for the download from the page's path: `forces-kent-pledge.csv`.
fn file_name(path: &str) -> String {
    let stem: String =
        path.trim_matches('/').chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("{}.csv", if stem.is_empty() { "peel" } else { &stem })
}

/// The layer: serves `?format=csv` from the page's tables, and fills the
/// download link's slot on pages with a table.
pub async fn csv_downloads(req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::GET {
        return next.run(req).await;
    }
    let csv = wants_csv(&req);
    let href = csv_href(&req);
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_PAGE).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The page was too large to read.").into_response();
    };
    let html = String::from_utf8_lossy(&bytes);
    let tables = extract(&html);
    if csv && parts.status == StatusCode::OK {
        if tables.is_empty() {
            return super::not_found_page("a table on this page to download");
        }
        return super::download::csv_attachment(&file_name(&path), to_csv(&tables));
    }
    let link = if tables.is_empty() {
        String::new()
    } else {
        format!("<p class=\"download\"><a href=\"{href}\">Download the tables on this page (CSV)</a></p>")
    };
    let body = html.replacen(SLOT, &link, 1);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<main><table class="table"><caption id="c">Crimes in May &#38; June</caption>
<thead><tr><th scope="col">Category</th><th scope="col" class="num">Crimes</th><th scope="col">Share</th></tr></thead>
<tbody><tr><th scope="row"><a href="/x">Burglary</a></th><td class="num">1,234</td><td>12%</td></tr>
<tr><th scope="row">Other &#60;theft&#62;</th><td class="num">5</td><td>–</td></tr></tbody></table>
<p>between</p><table><tr><td>a</td><td>1,2</td></tr></table>
<table><caption>Ranked</caption><tr><th>Rank</th><th>Force</th><th>Crimes</th></tr><tr><td>1</td><th scope="row">Kent</th><td>7</td></tr></table></main>"#;

    #[test]
    fn tables_are_read_with_their_captions_headers_and_cells() {
        let t = extract(PAGE);
        assert_eq!(t.len(), 3);
        assert_eq!(t[2].rows, [(Some("Kent".into()), vec![Some("1".into()), None, Some("7".into())])]);
        assert_eq!(t[0].caption, "Crimes in May & June");
        assert_eq!(t[0].columns, ["Category", "Crimes", "Share"]);
        assert_eq!(t[0].rows[0], (Some("Burglary".into()), vec![None, Some("1,234".into()), Some("12%".into())]));
        assert_eq!(t[0].rows[1].0.as_deref(), Some("Other <theft>"));
        assert_eq!(t[1].rows, [(None, vec![Some("a".to_string()), Some("1,2".to_string())])]);
    }

    #[test]
    fn the_csv_has_a_row_per_cell_and_plain_whole_numbers() {
        let csv = to_csv(&extract(PAGE));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "table,row,column,value");
        assert_eq!(lines[1], "Crimes in May & June,Burglary,Crimes,1234");
        assert_eq!(lines[2], "Crimes in May & June,Burglary,Share,12%");
        assert_eq!(lines[5], "Table 2,1,Column 1,a");
        assert_eq!(lines[6], "Table 2,1,Column 2,\"1,2\"", "not a thousands separator");
        assert_eq!(lines[7], "Ranked,Kent,Rank,1", "a header cell in the middle names the row");
        assert_eq!(lines[8], "Ranked,Kent,Crimes,7");
    }

    #[test]
    fn numbers_lose_only_thousands_separators() {
        assert_eq!(plain_number("12,345,678"), "12345678");
        assert_eq!(plain_number("-1,000"), "-1000");
        assert_eq!(plain_number("1,2"), "1,2");
        assert_eq!(plain_number("Kent, Essex"), "Kent, Essex");
        assert_eq!(plain_number("12.5%"), "12.5%");
    }

    #[test]
    fn file_names_come_from_the_path() {
        assert_eq!(file_name("/forces/kent/pledge"), "forces-kent-pledge.csv");
        assert_eq!(file_name("/"), "peel.csv");
    }
}
