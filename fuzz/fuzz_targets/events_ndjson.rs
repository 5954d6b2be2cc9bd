//! Policing Pledge event batches (NDJSON or a JSON array), as
//! `POST /api/v1/events` and `peel events import` read them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peel_core::bounded::MAX_LISTED;
use peel_core::pledge::{parse_body, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let batch = parse_body(text);
    // The errors kept are bounded whatever the input, and in line order.
    assert!(batch.errors.first().len() <= MAX_LISTED);
    assert!(batch.errors.total() >= batch.errors.first().len());
    assert!(batch.errors.first().windows(2).all(|w| w[0].line <= w[1].line));
    // A valid event written back out is read as the same event.
    for e in &batch.events {
        let json = serde_json::to_string(&e.event).expect("an event serialises");
        match validate::parse_line(e.line, &json) {
            Ok(again) => assert_eq!(again, e.event, "{json}"),
            Err(errors) => panic!("{json} was read from {text:?} but not read back: {errors:?}"),
        }
    }
});
