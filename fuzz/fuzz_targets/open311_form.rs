//! An Open311 `POST requests` form: the query string, a newline, then the
//! body, decoded and checked as `/open311/v2/requests.json` does.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use peel_core::open311::RawRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (query, body) = text.split_once('\n').unwrap_or(("", text));
    let decode = |t: &str| serde_urlencoded::from_str::<Vec<(String, String)>>(t).unwrap_or_default();
    let mut pairs = decode(query);
    pairs.extend(decode(body));
    let now = Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).single().expect("a time");
    match RawRequest::from_form(&pairs).to_report(now).and_then(|r| r.check(now)) {
        Ok(report) => {
            if let Some(link) = &report.media_url {
                assert!(link.scheme().is_web(), "{link}");
            }
        }
        Err(problems) => assert!(!problems.0.is_empty(), "refused without a reason"),
    }
});
