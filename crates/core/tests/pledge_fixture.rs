//! The hand-computed fixture: every rule's edge in one force-month.
//!
//! `fixtures/pledge-kent-2024-10.ndjson` holds October 2024 for Kent, with
//! neighbourhoods `town` (urban) and `marsh` (rural). London's October 2024
//! runs from 2024-09-30T23:00Z (BST) to 2024-11-01T00:00Z (GMT); the clocks
//! went back at 2024-10-27T01:00Z. The working, figure by figure:
//!
//! - 999-answer: c-10s (00:30 BST on 1 Oct, 10 s) met; c-11s breach;
//!   c-abandoned breach (final); c-oct-last (23:59:50 GMT on 31 Oct, 10 s)
//!   met; c-clock (9 s across the clock change) met; c-sept (23:59:59 BST
//!   on 30 Sep) and c-nov are other months; c-101 is not a 999 call;
//!   c-essex another force. 3/5 = 60.0; times 9,10,10,11: median (rank 2)
//!   10, p90 (rank 4) 11.
//! - emergency-attendance: urban 15:00 met; urban 16:00 breach; marsh
//!   (rural by setting) 20:00 met; own area rural 20:01 breach; cancelled
//!   out; i1-none never arrived (breach once 15 min passed). 2/5 = 40.0;
//!   times 900,960,1200,1201: median 960, p90 1201.
//! - priority-attendance: 60:00 met, 61:00 breach, cancelled out. 1/2;
//!   times 3600, 3660.
//! - scheduled-attendance: appointment exactly 48 h and arrived early met;
//!   appointment 48 h + 1 s breach; arrived 5 min after appointment breach;
//!   no appointment, arrived at 48 h met; i3-pending's appointment is on
//!   2 Nov (pending until then, a breach after). 2/5 = 40.0; times 86700,
//!   171000, 172800, 172800: median 171000, p90 172800.
//! - team-message-reply: m-24h (12:00 BST to 11:00 GMT next day, exactly
//!   24 elapsed hours) met; m-24h1s breach; two unreplied (one due after
//!   the month). 1/4 = 25.0; times 86400, 86401.
//! - team-visibility: town 1008 of 1260 minutes (du-t3 is 9 elapsed hours
//!   across the clock change) = 80% exactly, met; marsh 383 of 480 breach;
//!   du-sept is September. 1/2; pooled 1391/1740 = 79.94 → 79.9.
//! - public-meetings: town's public meeting at 00:30 BST on 1 Oct met;
//!   marsh had only a surgery (its public meeting is 1 Nov). 1/2.
//! - victim-updates: vp-kept (14-day gaps exactly) met; vp-gap (7 days and
//!   1 s) breach; vp-stale (last update 25 Sep, overdue from 25 Oct)
//!   breach; vp-prev (29-day gaps, one in September) met; vp-ends-mid
//!   (10 days to its end exactly) met; vp-ended ended as October began.
//!   3/5 = 60.0.
//! - dissatisfaction-ack: 24 h met, 24 h + 1 s breach, d-open breach once
//!   24 h passed. 1/3 = 33.3; times 86400, 86401.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use peel_core::Month;
use peel_core::pledge::{AreaKind, CommitmentId, Report, Scope, StandardSet, compute, parse_ndjson};
use serde_json::Value;

const EVENTS: &str = include_str!("fixtures/pledge-kent-2024-10.ndjson");
const EXPECTED: &str = include_str!("fixtures/pledge-kent-2024-10.expected.json");

fn report(neighbourhood: Option<&str>, now: &str) -> Report {
    let batch = parse_ndjson(EVENTS);
    assert!(batch.errors.is_empty(), "the fixture is valid: {:?}", batch.errors);
    let events: Vec<_> = batch.events.into_iter().map(|e| e.event).collect();
    let hoods = BTreeMap::from([("town".to_string(), AreaKind::Urban), ("marsh".to_string(), AreaKind::Rural)]);
    let standards = StandardSet::national();
    let month: Month = "2024-10".parse().expect("month");
    let now: DateTime<Utc> = now.parse().expect("now");
    compute(&Scope { force: "kent", month, neighbourhood, neighbourhoods: &hoods, standards: &standards, now }, &events)
}

/// Every field the expectation names must match; the optional times and
/// `visible_percent` must be absent when the expectation leaves them out.
fn assert_figures(report: &Report, expected: &Value) {
    let actual = serde_json::to_value(report).expect("serialise");
    let figures = actual["commitments"].as_array().expect("commitments");
    assert_eq!(figures.len(), 9);
    for figure in figures {
        let id = figure["id"].as_str().expect("id");
        let want = &expected[id];
        assert!(want.is_object(), "no expectation for {id}");
        for (key, value) in want.as_object().into_iter().flatten() {
            assert_eq!(&figure[key], value, "{id}.{key}");
        }
        for key in ["median_seconds", "p90_seconds", "visible_percent"] {
            if want.get(key).is_none() {
                assert!(figure.get(key).is_none(), "{id}.{key} should be absent");
            }
        }
        assert_eq!(figure["version"], "national-2008", "{id}");
    }
}

#[test]
fn force_figures_match_the_hand_computation() {
    let expected: Value = serde_json::from_str(EXPECTED).expect("expected json");
    assert_figures(&report(None, "2025-01-01T00:00:00Z"), &expected["force"]);
}

#[test]
fn neighbourhood_figures_match_the_hand_computation() {
    let expected: Value = serde_json::from_str(EXPECTED).expect("expected json");
    let r = report(Some("town"), "2025-01-01T00:00:00Z");
    assert_eq!(r.neighbourhood.as_deref(), Some("town"));
    assert_figures(&r, &expected["town"]);
}

#[test]
fn just_after_the_month_some_items_are_still_pending() {
    // 12:00 on 1 November: the unreplied message of 31 Oct 20:00, the
    // unacknowledged dissatisfaction of 31 Oct 23:00 and the appointment on
    // 2 Nov are not yet due; everything else is as final.
    let r = report(None, "2024-11-01T12:00:00Z");
    let get = |id| r.figure(id).map(|f| (f.eligible, f.met, f.pending, f.percent)).expect("figure");
    assert_eq!(get(CommitmentId::ScheduledAttendance), (4, 2, 1, Some(50.0)));
    assert_eq!(get(CommitmentId::TeamMessageReply), (3, 1, 1, Some(33.3)));
    assert_eq!(get(CommitmentId::DissatisfactionAck), (2, 1, 1, Some(50.0)));
    assert_eq!(get(CommitmentId::EmergencyAttendance), (5, 2, 0, Some(40.0)));
    assert_eq!(get(CommitmentId::PublicMeetings), (2, 1, 0, Some(50.0)));
    assert_eq!(get(CommitmentId::VictimUpdates), (5, 3, 0, Some(60.0)));
}
