//! The binning rules, each on a case small enough to check by eye.

use std::collections::BTreeMap;

use super::*;
use crate::pledge::standard::StandardSet;
use crate::pledge::validate::parse_line;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test time").with_timezone(&Utc)
}

fn month(s: &str) -> Month {
    s.parse().expect("test month")
}

fn ev(json: &str) -> Event {
    let with_force = json.replacen('{', "{\"force\":\"kent\",", 1);
    parse_line(1, &with_force).unwrap_or_else(|e| panic!("{json}: {e:?}"))
}

fn duty(id: &str, hood: &str, start: &str, end: &str, minutes: u32) -> Event {
    ev(&format!(
        r#"{{"id":"{id}","neighbourhood":"{hood}","type":"duty","officer_ref":"PC{id}","start":"{start}","end":"{end}","minutes_in_neighbourhood":{minutes}}}"#
    ))
}

fn incident(id: &str, hood: &str, grade: u8, created: &str, arrived: Option<&str>) -> Event {
    let arrived = arrived.map_or("null".to_string(), |a| format!("{a:?}"));
    ev(&format!(
        r#"{{"id":"{id}","neighbourhood":"{hood}","type":"incident","grade":{grade},"created_at":"{created}","arrived_at":{arrived}}}"#
    ))
}

/// Slot number of a London day (0 = Monday) and hour.
fn slot(day: usize, hour: usize) -> usize {
    day * 24 + hour
}

fn run(m: &str, hood: Option<&str>, events: &[Event]) -> Demand {
    let hoods = BTreeMap::from([("n1".to_string(), AreaKind::Urban), ("r1".to_string(), AreaKind::Rural)]);
    let standards = StandardSet::national();
    let scope = Scope {
        force: "kent",
        month: month(m),
        neighbourhood: hood,
        neighbourhoods: &hoods,
        standards: &standards,
        now: utc("2030-01-01T00:00:00Z"),
    };
    compute(&scope, events)
}

#[test]
fn hours_of_the_week_are_london_wall_clock_hours_from_monday() {
    // Monday 3 June 2024 00:00 in London is 23:00 UTC on the Sunday.
    assert_eq!(hour_of_week(utc("2024-06-02T23:00:00Z")), 0);
    assert_eq!(hour_of_week(utc("2024-06-02T22:59:59Z")), 167);
    // In winter London is UTC: Monday 6 January 2025.
    assert_eq!(hour_of_week(utc("2025-01-06T00:00:00Z")), 0);
    assert_eq!(hour_of_week(utc("2025-01-10T18:30:00Z")), slot(4, 18));
}

#[test]
fn a_month_without_a_clock_change_is_whole_weeks_and_days() {
    // June 2024: 30 days from a Saturday, so Saturday and Sunday happen 5 times.
    let s = slot_seconds(month("2024-06"));
    assert_eq!(s.iter().sum::<u64>(), 30 * 24 * 3600);
    assert_eq!(s[slot(5, 0)], 5 * 3600);
    assert_eq!(s[slot(6, 23)], 5 * 3600);
    assert_eq!(s[slot(0, 12)], 4 * 3600);
}

#[test]
fn the_spring_day_has_no_hour_from_one_to_two() {
    // BST began at 01:00 (GMT) on Sunday 30 March 2025: a 23-hour day.
    let s = slot_seconds(month("2025-03"));
    assert_eq!(s.iter().sum::<u64>(), (31 * 24 - 1) * 3600);
    // Sundays 2, 9, 16, 23 and 30 March; 01:00–01:59 happened on four.
    assert_eq!(s[slot(6, 1)], 4 * 3600);
    assert_eq!(s[slot(6, 0)], 5 * 3600);
    assert_eq!(s[slot(6, 2)], 5 * 3600);
}

#[test]
fn the_autumn_day_has_the_hour_from_one_to_two_twice() {
    // BST ended at 02:00 (BST) on Sunday 26 October 2025: a 25-hour day.
    let s = slot_seconds(month("2025-10"));
    assert_eq!(s.iter().sum::<u64>(), (31 * 24 + 1) * 3600);
    // Sundays 5, 12, 19 and 26 October, the last with 01:00–01:59 twice.
    assert_eq!(s[slot(6, 1)], 5 * 3600);
    assert_eq!(s[slot(6, 0)], 4 * 3600);
    // An incident in either 01:30 is a Sunday 01:00 incident.
    assert_eq!(hour_of_week(utc("2025-10-26T00:30:00Z")), slot(6, 1));
    assert_eq!(hour_of_week(utc("2025-10-26T01:30:00Z")), slot(6, 1));
}

#[test]
fn a_shift_over_midnight_fills_both_days_by_the_second() {
    let mut slots = [0; SLOTS];
    // Sunday 22:30 to Monday 02:15 in London (winter, so UTC).
    let (from, to) = (utc("2025-01-01T00:00:00Z"), utc("2025-02-01T00:00:00Z"));
    spread(utc("2025-01-12T22:30:00Z"), utc("2025-01-13T02:15:00Z"), from, to, &mut slots);
    assert_eq!(slots[slot(6, 22)], 1800);
    assert_eq!(slots[slot(6, 23)], 3600);
    assert_eq!(slots[slot(0, 0)], 3600);
    assert_eq!(slots[slot(0, 1)], 3600);
    assert_eq!(slots[slot(0, 2)], 900);
    assert_eq!(slots.iter().sum::<u64>(), 3 * 3600 + 2700);
}

#[test]
fn a_shift_is_clipped_to_the_month() {
    let mut slots = [0; SLOTS];
    let (from, to) = (london::month_start(month("2025-02")), london::month_end(month("2025-02")));
    // Friday 31 January 22:00 to Saturday 1 February 06:00.
    spread(utc("2025-01-31T22:00:00Z"), utc("2025-02-01T06:00:00Z"), from, to, &mut slots);
    assert_eq!(slots.iter().sum::<u64>(), 6 * 3600);
    assert_eq!(slots[slot(4, 23)], 0);
    assert_eq!(slots[slot(5, 0)], 3600);
}

#[test]
fn a_shift_over_the_autumn_change_counts_the_hour_it_worked_twice() {
    let mut slots = [0; SLOTS];
    let m = month("2025-10");
    // 00:00 BST to 04:00 GMT on 26 October: five hours worked.
    spread(
        utc("2025-10-25T23:00:00Z"),
        utc("2025-10-26T04:00:00Z"),
        london::month_start(m),
        london::month_end(m),
        &mut slots,
    );
    assert_eq!(slots.iter().sum::<u64>(), 5 * 3600);
    assert_eq!(slots[slot(6, 1)], 2 * 3600);
}

#[test]
fn officers_and_the_ratio_come_from_the_seconds() {
    // February 2025: four of every hour. Two officers on duty every Monday
    // 09:00–10:00, one of them also 10:00–10:30 on the first Monday.
    let mut events = Vec::new();
    for (k, day) in ["03", "10", "17", "24"].iter().enumerate() {
        events.push(duty(
            &format!("a{k}"),
            "n1",
            &format!("2025-02-{day}T09:00:00Z"),
            &format!("2025-02-{day}T10:00:00Z"),
            60,
        ));
        events.push(duty(
            &format!("b{k}"),
            "n1",
            &format!("2025-02-{day}T09:00:00Z"),
            &format!("2025-02-{day}T10:00:00Z"),
            30,
        ));
    }
    events.push(duty("c", "n1", "2025-02-03T10:00:00Z", "2025-02-03T10:30:00Z", 0));
    events.push(incident("i1", "n1", 1, "2025-02-03T09:10:00Z", Some("2025-02-03T09:20:00Z")));
    events.push(incident("i2", "n1", 2, "2025-02-10T09:10:00Z", None));
    events.push(incident("i3", "n1", 4, "2025-02-10T09:50:00Z", None));
    events.push(incident("i4", "n1", 1, "2025-02-17T10:05:00Z", Some("2025-02-17T10:25:00Z")));
    let d = run("2025-02", None, &events);
    let nine = &d.slots[slot(0, 9)];
    assert_eq!((nine.seconds, nine.duty_seconds), (4 * 3600, 8 * 3600));
    assert_eq!(nine.officers, Some(2.0));
    assert_eq!(nine.incidents, [1, 1, 0, 1]);
    // Two incidents needing attendance over eight officer-hours.
    assert_eq!(nine.per_officer_hour, Some(0.25));
    let ten = &d.slots[slot(0, 10)];
    // Half an hour over four hours: 0.125 officers, shown as 0.1.
    assert_eq!((ten.duty_seconds, ten.officers), (1800, Some(0.1)));
    assert_eq!(ten.per_officer_hour, Some(2.0));
    // An hour with nobody on duty has officers 0 and no ratio.
    assert_eq!((d.slots[0].officers, d.slots[0].per_officer_hour), (Some(0.0), None));
    assert_eq!((d.incidents, d.duties), (4, 9));
    // Attendance: i1 met (10 min), i2 never attended, i4 late (20 min).
    let row = |g: u8, h: Option<u32>| d.attainment.iter().find(|a| a.grade == g && a.hour == h).cloned().expect("row");
    assert_eq!((row(1, None).met, row(1, None).eligible), (1, 2));
    assert_eq!((row(1, Some(9)).met, row(1, Some(9)).eligible, row(1, Some(9)).percent), (1, 1, Some(100.0)));
    assert_eq!((row(1, Some(10)).met, row(1, Some(10)).eligible), (0, 1));
    assert_eq!((row(2, None).met, row(2, None).eligible), (0, 1));
    assert_eq!(row(3, None).percent, None);
    assert_eq!(d.attainment.len(), 75);
    // Visibility: 4 × 60 + 4 × 30 minutes in the neighbourhood over 8.5 hours.
    let v = &d.visibility;
    assert_eq!((v.visible_seconds, v.duty_seconds), ((4 * 60 + 4 * 30) * 60, 8 * 3600 + 1800));
    assert_eq!(v.percent, Some(70.6));
    assert_eq!((v.neighbourhoods, v.neighbourhoods_met, v.standard_percent), (1, 0, 80));
}

#[test]
fn without_shifts_there_are_no_officer_figures() {
    let d = run("2025-02", None, &[incident("i1", "n1", 1, "2025-02-03T09:10:00Z", None)]);
    assert!(d.slots.iter().all(|s| s.officers.is_none() && s.per_officer_hour.is_none()));
    assert_eq!(d.visibility.percent, None);
}

#[test]
fn scope_month_and_cancellation_rules() {
    let mut cancelled = incident("x", "n1", 1, "2025-02-03T09:10:00Z", None);
    if let EventBody::Incident(i) = &mut cancelled.body {
        i.cancelled = true;
    }
    let events = vec![
        cancelled,
        incident("other-month", "n1", 1, "2025-01-31T23:59:59Z", None),
        incident("r", "r1", 1, "2025-02-04T09:00:00Z", Some("2025-02-04T09:19:00Z")),
        duty("jan", "n1", "2025-01-31T20:00:00Z", "2025-02-01T04:00:00Z", 0),
    ];
    let d = run("2025-02", None, &events);
    assert_eq!((d.incidents, d.cancelled, d.duties), (1, 1, 1));
    // A rural emergency has 20 minutes: met at 19.
    assert_eq!(d.attainment[0].met, 1);
    // January's shift counts its four February hours, but not in visibility.
    assert_eq!(d.slots.iter().map(|s| s.duty_seconds).sum::<u64>(), 4 * 3600);
    assert_eq!(d.visibility.duties, 0);
    let n1 = run("2025-02", Some("n1"), &events);
    assert_eq!((n1.incidents, n1.duties), (0, 1));
}

#[test]
fn rounding_is_half_up() {
    assert_eq!(rounded(1, 20, 1), Some(0.1));
    assert_eq!(rounded(1, 40, 1), Some(0.0));
    assert_eq!(rounded(3, 40, 1), Some(0.1));
    assert_eq!(rounded(1, 8, 2), Some(0.13));
    assert_eq!(rounded(5, 0, 1), None);
}
