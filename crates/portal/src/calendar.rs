//! An iCalendar feed of a neighbourhood's meetings and events, so people can
//! subscribe from any calendar app.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use peel_core::geography::Event;

use super::PageError;
use super::lookup::neighbourhood_or_404;
use crate::AppState;

/// RFC 5545 text escaping.
fn text(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n").replace('\r', "")
}

/// "2026-12-09T18:30:00" → "20261209T183000" (local time, with TZID).
fn stamp(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 12).then(|| format!("{}T{:0<6}", &digits[..8], &digits[8..digits.len().min(14)]))
}

/// Folds lines longer than 75 octets, as RFC 5545 requires.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        if len + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// One event as an iCalendar VEVENT, its lines folded; times are local to
/// England and Wales, as the neighbourhood files give them.
fn vevent(e: &Event, uid: &str, start: &str, now: &str) -> String {
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        format!("DTSTAMP:{now}"),
        format!("DTSTART;TZID=Europe/London:{start}"),
    ];
    if let Some(end) = e.end_date.as_deref().and_then(stamp) {
        lines.push(format!("DTEND;TZID=Europe/London:{end}"));
    }
    lines.push(format!("SUMMARY:{}", text(&e.title)));
    if let Some(d) = &e.description {
        lines.push(format!("DESCRIPTION:{}", text(&super::format::strip_tags(d))));
    }
    if let Some(a) = &e.address {
        lines.push(format!("LOCATION:{}", text(a)));
    }
    lines.push("END:VEVENT".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

pub async fn events(
    State(state): State<AppState>,
    Path((force_id, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let data = state.index.current();
    let details = neighbourhood_or_404(&data, &force_id, &id)?;
    let (n, events) = (&details.neighbourhood, &details.events);
    let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut ics = String::new();
    for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//peel//neighbourhood events//EN", "CALSCALE:GREGORIAN"] {
        ics.push_str(&fold(line));
    }
    ics.push_str(&fold(&format!("X-WR-CALNAME:{}", text(&format!("{} neighbourhood events", n.name)))));
    for (i, e) in events.iter().enumerate() {
        if let Some(start) = stamp(&e.start_date) {
            ics.push_str(&vevent(e, &format!("{force_id}-{id}-{i}-{start}@peel"), &start, &now));
        }
    }
    ics.push_str(&fold("END:VCALENDAR"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"events.ics\"")),
        ],
        ics,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_stamps_and_folds() {
        assert_eq!(super::text("a, b; c\nd"), "a\\, b\\; c\\nd");
        assert_eq!(super::stamp("2026-12-09T18:30:00").as_deref(), Some("20261209T183000"));
        assert_eq!(super::stamp("soon"), None);
        let long = "x".repeat(100);
        assert!(super::fold(&long).lines().all(|l| l.len() <= 75));
    }
}
