//! Edge cases of every rule, each small enough to check by eye.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::*;
use crate::pledge::standard::{Standard, StandardSet};
use crate::pledge::validate::parse_line;

const FORCE: &str = "kent";

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test time").with_timezone(&Utc)
}

/// An event from a JSON object written without the `force` field.
fn ev(json: &str) -> Event {
    let with_force = json.replacen('{', &format!("{{\"force\":\"{FORCE}\","), 1);
    parse_line(1, &with_force).unwrap_or_else(|e| panic!("{json}: {e:?}"))
}

struct Case {
    month: &'static str,
    now: &'static str,
    hood: Option<&'static str>,
    hoods: BTreeMap<String, AreaKind>,
    standards: StandardSet,
}

impl Case {
    fn june() -> Case {
        Case {
            month: "2024-06",
            now: "2024-08-01T00:00:00Z",
            hood: None,
            hoods: BTreeMap::from([("n1".to_string(), AreaKind::Urban), ("r1".to_string(), AreaKind::Rural)]),
            standards: StandardSet::national(),
        }
    }

    fn now(mut self, now: &'static str) -> Case {
        self.now = now;
        self
    }

    fn run(&self, events: &[Event]) -> Report {
        let scope = Scope {
            force: FORCE,
            month: self.month.parse().expect("month"),
            neighbourhood: self.hood,
            neighbourhoods: &self.hoods,
            standards: &self.standards,
            now: utc(self.now),
        };
        compute(&scope, events)
    }

    fn figure(&self, id: CommitmentId, events: &[Event]) -> Figure {
        self.run(events).figure(id).cloned().expect("every figure is present")
    }
}

fn counts(f: &Figure) -> (u64, u64, u64, Option<f64>) {
    (f.eligible, f.met, f.pending, f.percent)
}

fn call(id: &str, received: &str, answered: Option<&str>) -> Event {
    let answered = answered.map_or("null".to_string(), |a| format!("\"{a}\""));
    ev(&format!(r#"{{"id":"{id}","type":"call","channel":"999","received_at":"{received}","answered_at":{answered}}}"#))
}

#[test]
fn percent_rounds_half_up_to_one_decimal() {
    assert_eq!(percent(2, 3), Some(66.7));
    assert_eq!(percent(1, 3), Some(33.3));
    assert_eq!(percent(1, 8), Some(12.5));
    assert_eq!(percent(1, 16), Some(6.3)); // 6.25 rounds up
    assert_eq!(percent(1, 2000), Some(0.1)); // 0.05 rounds up
    assert_eq!(percent(1, 2001), Some(0.0));
    assert_eq!(percent(5, 5), Some(100.0));
    assert_eq!(percent(0, 0), None);
}

#[test]
fn nearest_rank_percentiles() {
    assert_eq!(nearest_rank(&[], 50), None);
    assert_eq!(nearest_rank(&[7], 90), Some(7));
    assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
    assert_eq!(nearest_rank(&[1, 2, 3, 4, 5], 50), Some(3));
    let ten: Vec<i64> = (1..=10).collect();
    assert_eq!(nearest_rank(&ten, 90), Some(9));
    let eleven: Vec<i64> = (1..=11).collect();
    assert_eq!(nearest_rank(&eleven, 90), Some(10));
}

#[test]
fn calls_answered_in_exactly_ten_seconds_are_met() {
    let events = [
        call("ten", "2024-06-10T12:00:00Z", Some("2024-06-10T12:00:10Z")),
        call("eleven", "2024-06-10T12:00:00Z", Some("2024-06-10T12:00:11Z")),
        call("abandoned", "2024-06-10T12:00:00Z", None),
    ];
    let f = Case::june().figure(CommitmentId::Answer999, &events);
    assert_eq!(counts(&f), (3, 1, 0, Some(33.3)));
    assert_eq!(f.breaches, ["abandoned", "eleven"]);
    assert_eq!((f.median_seconds, f.p90_seconds), (Some(10), Some(11)));
    assert_eq!(f.version, "national-2008");
}

#[test]
fn abandoned_calls_are_final_even_when_just_received() {
    let events = [call("a", "2024-06-30T22:59:00Z", None)];
    let f = Case::june().now("2024-06-30T22:59:01Z").figure(CommitmentId::Answer999, &events);
    assert_eq!(counts(&f), (1, 0, 0, Some(0.0)));
}

#[test]
fn non_emergency_channels_do_not_count() {
    let e = ev(r#"{"id":"x","type":"call","channel":"101","received_at":"2024-06-10T12:00:00Z","answered_at":null}"#);
    let f = Case::june().figure(CommitmentId::Answer999, &[e]);
    assert_eq!(counts(&f), (0, 0, 0, None));
    assert_eq!((f.median_seconds, f.p90_seconds), (None, None));
}

#[test]
fn calls_take_the_london_month_of_receipt() {
    let events = [
        // 23:30 UTC on 31 May is 00:30 BST on 1 June: a June call.
        call("june", "2024-05-31T23:30:00Z", Some("2024-05-31T23:30:05Z")),
        // 22:59:59 UTC on 31 May is still May in London.
        call("may", "2024-05-31T22:59:59Z", Some("2024-05-31T23:00:30Z")),
        // 23:00 UTC on 30 June is 1 July in London.
        call("july", "2024-06-30T23:00:00Z", Some("2024-06-30T23:00:05Z")),
    ];
    let f = Case::june().figure(CommitmentId::Answer999, &events);
    assert_eq!(counts(&f), (1, 1, 0, Some(100.0)));
}

#[test]
fn elapsed_time_ignores_the_clock_change() {
    // Received 00:59:55 UTC on 27 Oct 2024 (01:59:55 BST), answered 10 s
    // later at 01:00:05 UTC (01:00:05 GMT): wall clocks went backwards, the
    // elapsed time is 10 s.
    let mut case = Case::june();
    case.month = "2024-10";
    let e = call("c", "2024-10-27T01:59:55+01:00", Some("2024-10-27T01:00:05+00:00"));
    let f = case.figure(CommitmentId::Answer999, &[e]);
    assert_eq!(counts(&f), (1, 1, 0, Some(100.0)));
    assert_eq!(f.median_seconds, Some(10));
}

fn incident(id: &str, extra: &str) -> Event {
    ev(&format!(r#"{{"id":"{id}","type":"incident","created_at":"2024-06-10T12:00:00Z",{extra}}}"#))
}

#[test]
fn emergency_attendance_urban_and_rural() {
    let events = [
        incident("urban-15", r#""grade":1,"arrived_at":"2024-06-10T12:15:00Z""#),
        incident("urban-15m1s", r#""grade":1,"arrived_at":"2024-06-10T12:15:01Z""#),
        incident("rural-20", r#""grade":1,"area":"rural","arrived_at":"2024-06-10T12:20:00Z""#),
        incident("rural-20m1s", r#""grade":1,"area":"rural","arrived_at":"2024-06-10T12:20:01Z""#),
        // No area of its own: takes its rural neighbourhood's.
        incident("hood-rural", r#""grade":1,"neighbourhood":"r1","arrived_at":"2024-06-10T12:18:00Z""#),
        // Its own area beats the neighbourhood's.
        incident("own-urban", r#""grade":1,"neighbourhood":"r1","area":"urban","arrived_at":"2024-06-10T12:18:00Z""#),
        incident("cancelled", r#""grade":1,"cancelled":true,"arrived_at":null"#),
        incident("never", r#""grade":1,"arrived_at":null"#),
    ];
    let f = Case::june().figure(CommitmentId::EmergencyAttendance, &events);
    assert_eq!(counts(&f), (7, 3, 0, Some(42.9)));
    assert_eq!(f.breaches, ["never", "own-urban", "rural-20m1s", "urban-15m1s"]);
    // Times of arrivals only: 900, 901, 1080, 1080, 1200, 1201.
    assert_eq!((f.median_seconds, f.p90_seconds), (Some(1080), Some(1201)));
}

#[test]
fn unarrived_incidents_are_pending_until_the_limit_passes() {
    let events = [incident("p", r#""grade":1,"arrived_at":null"#)];
    let case = Case::june();
    let at_limit = case.now("2024-06-10T12:15:00Z").figure(CommitmentId::EmergencyAttendance, &events);
    assert_eq!(counts(&at_limit), (0, 0, 1, None));
    let after = Case::june().now("2024-06-10T12:15:01Z").figure(CommitmentId::EmergencyAttendance, &events);
    assert_eq!(counts(&after), (1, 0, 0, Some(0.0)));
    assert_eq!(after.breaches, ["p"]);
}

#[test]
fn priority_attendance_sixty_minutes() {
    let events = [
        incident("60", r#""grade":2,"arrived_at":"2024-06-10T13:00:00Z""#),
        incident("61", r#""grade":2,"arrived_at":"2024-06-10T13:00:01Z""#),
        incident("g4", r#""grade":4,"arrived_at":null"#),
    ];
    let f = Case::june().figure(CommitmentId::PriorityAttendance, &events);
    assert_eq!(counts(&f), (2, 1, 0, Some(50.0)));
    assert_eq!(f.breaches, ["61"]);
}

#[test]
fn scheduled_attendance_appointments() {
    let events = [
        // Appointment exactly 48 h after creation, arrived on time.
        incident(
            "appt-48h",
            r#""grade":3,"appointment_at":"2024-06-12T12:00:00Z","arrived_at":"2024-06-12T12:00:00Z""#,
        ),
        // Early is fine.
        incident("early", r#""grade":3,"appointment_at":"2024-06-11T12:00:00Z","arrived_at":"2024-06-10T15:00:00Z""#),
        // Late for the appointment.
        incident("late", r#""grade":3,"appointment_at":"2024-06-11T12:00:00Z","arrived_at":"2024-06-11T12:00:01Z""#),
        // Appointment 48 h + 1 s away: not met even if kept.
        incident(
            "appt-far",
            r#""grade":3,"appointment_at":"2024-06-12T12:00:01Z","arrived_at":"2024-06-12T12:00:00Z""#,
        ),
        // No appointment: 48 h from creation.
        incident("none-48h", r#""grade":3,"arrived_at":"2024-06-12T12:00:00Z""#),
        incident("none-late", r#""grade":3,"arrived_at":"2024-06-12T12:00:01Z""#),
    ];
    let f = Case::june().figure(CommitmentId::ScheduledAttendance, &events);
    assert_eq!(counts(&f), (6, 3, 0, Some(50.0)));
    assert_eq!(f.breaches, ["appt-far", "late", "none-late"]);
}

#[test]
fn scheduled_pending_until_the_appointment_passes() {
    let events = [
        incident("a", r#""grade":3,"appointment_at":"2024-06-11T12:00:00Z","arrived_at":null"#),
        incident("far", r#""grade":3,"appointment_at":"2024-06-13T12:00:00Z","arrived_at":null"#),
    ];
    let f = Case::june().now("2024-06-11T12:00:00Z").figure(CommitmentId::ScheduledAttendance, &events);
    // `far` can never be met, so it is final at once.
    assert_eq!(counts(&f), (1, 0, 1, Some(0.0)));
    let f = Case::june().now("2024-06-11T12:00:01Z").figure(CommitmentId::ScheduledAttendance, &events);
    assert_eq!(counts(&f), (2, 0, 0, Some(0.0)));
}

fn message(id: &str, received: &str, replied: Option<&str>) -> Event {
    let replied = replied.map_or("null".to_string(), |a| format!("\"{a}\""));
    ev(&format!(
        r#"{{"id":"{id}","type":"message","neighbourhood":"n1","received_at":"{received}","replied_at":{replied}}}"#
    ))
}

#[test]
fn messages_replied_in_exactly_24_hours_are_met() {
    let events = [
        message("24h", "2024-06-10T12:00:00Z", Some("2024-06-11T12:00:00Z")),
        message("24h1s", "2024-06-10T12:00:00Z", Some("2024-06-11T12:00:01Z")),
        message("waiting", "2024-06-30T12:00:00Z", None),
        message("ignored", "2024-06-01T12:00:00Z", None),
    ];
    let f = Case::june().now("2024-07-01T12:00:00Z").figure(CommitmentId::TeamMessageReply, &events);
    assert_eq!(counts(&f), (3, 1, 1, Some(33.3)));
    assert_eq!(f.breaches, ["24h1s", "ignored"]);
    assert_eq!((f.median_seconds, f.p90_seconds), (Some(86_400), Some(86_401)));
}

#[test]
fn a_day_across_the_clock_change_is_24_elapsed_hours() {
    // Received 12:00 BST on Saturday 26 October 2024; replied 12:00 GMT on
    // the Sunday, which is 25 elapsed hours.
    let mut case = Case::june();
    case.month = "2024-10";
    let events = [message("m", "2024-10-26T12:00:00+01:00", Some("2024-10-27T12:00:00+00:00"))];
    let f = case.figure(CommitmentId::TeamMessageReply, &events);
    assert_eq!(counts(&f), (1, 0, 0, Some(0.0)));
    assert_eq!(f.median_seconds, Some(25 * 3600));
}

#[test]
fn dissatisfaction_acknowledged_within_24_hours() {
    let d = |id: &str, ack: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"dissatisfaction","received_at":"2024-06-10T12:00:00Z","acknowledged_at":{ack}}}"#
        ))
    };
    let events = [d("ok", "\"2024-06-11T12:00:00Z\""), d("late", "\"2024-06-11T12:00:01Z\""), d("open", "null")];
    let f = Case::june().now("2024-06-11T12:00:00Z").figure(CommitmentId::DissatisfactionAck, &events);
    assert_eq!(counts(&f), (2, 1, 1, Some(50.0)));
    let f = Case::june().now("2024-06-11T12:00:01Z").figure(CommitmentId::DissatisfactionAck, &events);
    assert_eq!(counts(&f), (3, 1, 0, Some(33.3)));
    assert_eq!(f.breaches, ["late", "open"]);
}

fn duty(id: &str, hood: &str, start: &str, end: &str, minutes: u32) -> Event {
    ev(&format!(
        r#"{{"id":"{id}","type":"duty","neighbourhood":"{hood}","officer_ref":"PC{id}","start":"{start}","end":"{end}","minutes_in_neighbourhood":{minutes}}}"#
    ))
}

#[test]
fn team_visibility_exactly_eighty_percent_is_met() {
    let events = [
        // n1: 480 of 600 minutes = 80% exactly.
        duty("a", "n1", "2024-06-10T08:00:00Z", "2024-06-10T13:00:00Z", 240),
        duty("b", "n1", "2024-06-11T08:00:00Z", "2024-06-11T13:00:00Z", 240),
        // r1: 479 of 600 = 79.8%.
        duty("c", "r1", "2024-06-10T08:00:00Z", "2024-06-10T18:00:00Z", 479),
    ];
    let f = Case::june().figure(CommitmentId::TeamVisibility, &events);
    assert_eq!(counts(&f), (2, 1, 0, Some(50.0)));
    assert_eq!(f.breaches, ["r1"]);
    // Pooled: 959 of 1200 minutes = 79.9166…% → 79.9.
    assert_eq!(f.visible_percent, Some(79.9));
    assert_eq!(f.median_seconds, None);
}

#[test]
fn duty_belongs_to_the_month_of_its_start() {
    // Starts 23:30 BST on 30 June (22:30 UTC): June, though it ends in July.
    let events = [duty("night", "n1", "2024-06-30T22:30:00Z", "2024-07-01T06:30:00Z", 400)];
    let june = Case::june().figure(CommitmentId::TeamVisibility, &events);
    assert_eq!(counts(&june), (1, 1, 0, Some(100.0)));
    let mut july = Case::june();
    july.month = "2024-07";
    assert_eq!(july.figure(CommitmentId::TeamVisibility, &events).eligible, 0);
}

fn meeting(id: &str, hood: &str, at: &str, kind: &str) -> Event {
    ev(&format!(r#"{{"id":"{id}","type":"meeting","neighbourhood":"{hood}","held_at":"{at}","kind":"{kind}"}}"#))
}

#[test]
fn public_meetings_per_neighbourhood() {
    let events = [
        // 00:30 BST on 1 June: a June meeting.
        meeting("m1", "n1", "2024-05-31T23:30:00Z", "public"),
        meeting("m2", "r1", "2024-06-15T18:00:00Z", "surgery"),
    ];
    let f = Case::june().figure(CommitmentId::PublicMeetings, &events);
    assert_eq!(counts(&f), (2, 1, 0, Some(50.0)));
    assert_eq!(f.breaches, ["r1"]);
    // Mid-month, a neighbourhood without its meeting yet is pending.
    let f = Case::june().now("2024-06-20T00:00:00Z").figure(CommitmentId::PublicMeetings, &events);
    assert_eq!(counts(&f), (1, 1, 1, Some(100.0)));
}

fn plan(id: &str, start: &str, end: Option<&str>, days: u32) -> Event {
    let end = end.map_or(String::new(), |e| format!(r#","end":"{e}""#));
    ev(&format!(
        r#"{{"id":"{id}","type":"victim_plan","crime_ref":"CR-{id}","agreed_interval_days":{days},"start":"{start}"{end}}}"#
    ))
}

fn update(plan_id: &str, n: u32, at: &str) -> Event {
    ev(&format!(r#"{{"id":"{plan_id}-u{n}","type":"victim_update","crime_ref":"CR-{plan_id}","at":"{at}"}}"#))
}

#[test]
fn victim_updates_gaps_within_the_interval() {
    // June 2024 in London: 2024-05-31T23:00Z to 2024-06-30T23:00Z.
    let events = [
        // Weekly updates, each gap exactly 7 days, last one exactly 7 days
        // before the month ends: never more than 7 days overdue.
        plan("kept", "2024-06-02T23:00:00Z", None, 7),
        update("kept", 1, "2024-06-09T23:00:00Z"),
        update("kept", 2, "2024-06-16T23:00:00Z"),
        update("kept", 3, "2024-06-23T23:00:00Z"),
        update("kept", 4, "2024-06-30T23:00:00Z"), // July in London: irrelevant
        // One gap of 7 days and 1 second.
        plan("slipped", "2024-06-02T23:00:00Z", None, 7),
        update("slipped", 1, "2024-06-09T23:00:01Z"),
        update("slipped", 2, "2024-06-16T23:00:00Z"),
        update("slipped", 3, "2024-06-23T23:00:00Z"),
        // A May update counts: the plan started in April, updated 25 May,
        // then 20 June and 30 June (within 30 days each time).
        plan("older", "2024-04-01T09:00:00Z", None, 30),
        update("older", 1, "2024-05-25T09:00:00Z"),
        update("older", 2, "2024-06-20T09:00:00Z"),
        // Overdue before June (no update since April) is still overdue on
        // 1 June: a breach in June too.
        plan("stale", "2024-04-01T09:00:00Z", None, 30),
        // Ended in May: not active in June.
        plan("ended", "2024-04-01T09:00:00Z", Some("2024-05-31T23:00:00Z"), 30),
        // Ends mid-June; the gap to its end is what counts, not to month end.
        plan("short", "2024-06-01T09:00:00Z", Some("2024-06-08T09:00:00Z"), 7),
    ];
    let f = Case::june().figure(CommitmentId::VictimUpdates, &events);
    assert_eq!(f.breaches, ["slipped", "stale"]);
    assert_eq!(counts(&f), (5, 3, 0, Some(60.0)));
}

#[test]
fn victim_plans_in_progress_are_pending_until_overdue() {
    let events = [plan("p", "2024-06-03T09:00:00Z", None, 14)];
    let f = Case::june().now("2024-06-17T09:00:00Z").figure(CommitmentId::VictimUpdates, &events);
    assert_eq!(counts(&f), (0, 0, 1, None));
    let f = Case::june().now("2024-06-17T09:00:01Z").figure(CommitmentId::VictimUpdates, &events);
    assert_eq!(counts(&f), (1, 0, 0, Some(0.0)));
}

#[test]
fn a_local_cap_on_the_interval_applies() {
    let mut case = Case::june();
    case.standards
        .override_with(Standard {
            id: CommitmentId::VictimUpdates,
            version: "kent-2024".into(),
            description: "At least every 28 days.".into(),
            limit: Limit::AgreedInterval { max_days: Some(28) },
            source: String::new(),
        })
        .expect("stricter");
    let events = [plan("p", "2024-06-01T09:00:00Z", None, 60)];
    let f = case.figure(CommitmentId::VictimUpdates, &events);
    assert_eq!((counts(&f), f.version.as_str()), ((1, 0, 0, Some(0.0)), "kent-2024"));
}

#[test]
fn neighbourhood_level_counts_only_events_naming_it() {
    let events = [
        message("in", "2024-06-10T12:00:00Z", Some("2024-06-10T13:00:00Z")),
        call("nowhere", "2024-06-10T12:00:00Z", Some("2024-06-10T12:00:05Z")),
        meeting("m", "n1", "2024-06-10T19:00:00Z", "public"),
    ];
    let mut case = Case::june();
    case.hood = Some("n1");
    let r = case.run(&events);
    assert_eq!(r.neighbourhood.as_deref(), Some("n1"));
    let get = |id| r.figure(id).map(counts).expect("figure");
    assert_eq!(get(CommitmentId::TeamMessageReply), (1, 1, 0, Some(100.0)));
    assert_eq!(get(CommitmentId::Answer999), (0, 0, 0, None));
    assert_eq!(get(CommitmentId::PublicMeetings), (1, 1, 0, Some(100.0)));
    case.hood = Some("r1");
    let r = case.run(&events);
    assert_eq!(r.figure(CommitmentId::PublicMeetings).map(counts), Some((1, 0, 0, Some(0.0))));
    assert_eq!(r.figure(CommitmentId::TeamMessageReply).map(counts), Some((0, 0, 0, None)));
}

#[test]
fn other_forces_are_ignored_and_every_commitment_is_listed() {
    let other = parse_line(
        1,
        r#"{"id":"o","force":"essex","type":"call","channel":"999","received_at":"2024-06-10T12:00:00Z","answered_at":null}"#,
    )
    .expect("valid");
    let r = Case::june().run(&[other]);
    let ids: Vec<CommitmentId> = r.commitments.iter().map(|f| f.id).collect();
    assert_eq!(ids, CommitmentId::ALL);
    assert_eq!(r.figure(CommitmentId::Answer999).map(|f| f.eligible), Some(0));
    let json = serde_json::to_value(&r).expect("ser");
    assert_eq!(json["commitments"][0]["id"], "999-answer");
    assert!(json["commitments"][0]["percent"].is_null());
    assert!(json.get("neighbourhood").is_none());
}

#[test]
fn only_what_the_month_counts_marks_it_generated() {
    let mut demo_july = call("demo", "2024-07-10T12:00:00Z", Some("2024-07-10T12:00:05Z"));
    demo_july.generated = true;
    let real_june = call("real", "2024-06-10T12:00:00Z", Some("2024-06-10T12:00:05Z"));
    assert!(!Case::june().run(&[real_june.clone(), demo_july.clone()]).generated);

    // A generated plan still active in June marks June.
    let mut demo_plan = plan("p", "2024-05-01T00:00:00Z", None, 30);
    demo_plan.generated = true;
    assert!(Case::june().run(&[real_june.clone(), demo_plan.clone()]).generated);
    // Not once it has ended before June.
    let mut ended = plan("q", "2024-05-01T00:00:00Z", Some("2024-05-20T00:00:00Z"), 30);
    ended.generated = true;
    assert!(!Case::june().run(&[real_june, ended]).generated);
}

#[test]
fn what_counts_towards_no_figure_does_not_mark_a_month_generated() {
    let mut demo_101 =
        ev(r#"{"id":"d","type":"call","channel":"101","received_at":"2024-06-10T12:00:00Z","answered_at":null}"#);
    demo_101.generated = true;
    let real = call("real", "2024-06-10T12:00:00Z", Some("2024-06-10T12:00:05Z"));
    assert!(!Case::june().run(&[real.clone(), demo_101]).generated);
    let mut demo_999 = call("demo", "2024-06-11T12:00:00Z", Some("2024-06-11T12:00:05Z"));
    demo_999.generated = true;
    assert!(Case::june().run(&[real, demo_999]).generated);
}

#[test]
fn facts_that_can_count() {
    let fact = |json: &str| Fact::of(&ev(json)).expect("fact");
    assert!(
        fact(r#"{"id":"a","type":"call","channel":"999","received_at":"2024-06-10T12:00:00Z","answered_at":null}"#)
            .counts()
    );
    assert!(
        !fact(r#"{"id":"b","type":"call","channel":"online","received_at":"2024-06-10T12:00:00Z","answered_at":null}"#)
            .counts()
    );
    let incident = |grade: u8, cancelled: bool| {
        fact(&format!(
            r#"{{"id":"i","type":"incident","grade":{grade},"created_at":"2024-06-10T12:00:00Z","arrived_at":null,"cancelled":{cancelled}}}"#
        ))
        .counts()
    };
    assert!(incident(1, false) && incident(3, false));
    assert!(!incident(4, false) && !incident(2, true));
    let meeting = |kind: &str| {
        fact(&format!(
            r#"{{"id":"m","type":"meeting","neighbourhood":"n1","held_at":"2024-06-10T19:00:00Z","kind":"{kind}"}}"#
        ))
        .counts()
    };
    assert!(meeting("public") && !meeting("surgery"));
}
