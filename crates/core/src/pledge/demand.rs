//! Demand against deployment (the 2009 white paper, 5.6: "the right person in
//! the right place – and at the right time"), counted from the Pledge events
//! peel already holds: incidents and calls by the hour of the week they came
//! in, the officers on duty in that hour, the ratio of the two, attendance
//! standards met by grade and hour of day, and time spent visibly in the
//! neighbourhood (the Pledge's 80%).
//!
//! Hours are London wall-clock hours, numbered from Monday 00:00–00:59 (0)
//! to Sunday 23:00–23:59 (167), so the grid reads as a week does. London's
//! offset is always a whole number of hours and changes only on a UTC hour,
//! so each UTC hour of a month falls in exactly one London hour of the week.
//! A month's slot is therefore a number of whole hours: normally one per
//! occurrence of its weekday, but on the day the clocks go forward the hour
//! 01:00–01:59 does not happen (the day has 23 hours), and on the day they go
//! back it happens twice (25 hours). Counting each slot's real length keeps
//! the mean officers on duty a true average over the time that passed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

use super::compliance::{Outcome, Scope, attendance, percent};
use super::event::*;
use super::fact::{Fact, FactBody};
use super::london;
use super::standard::{CommitmentId, Limit};
use crate::Month;

/// The method's version, shown on every page and download that uses it
/// (docs/methods.md, "Demand against deployment"). A change to a rule here
/// changes it.
pub const METHOD: &str = "demand-1";

/// Hours in a week: the heat map's cells.
pub const SLOTS: usize = 168;

/// The days of the week in the grid's order.
pub const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// The grades an attendance standard applies to.
pub const ATTENDED_GRADES: [Grade; 3] = [Grade::Emergency, Grade::Priority, Grade::Scheduled];

/// The London hour of the week `t` falls in: 0 for Monday 00:00–00:59 up to
/// 167 for Sunday 23:00–23:59.
pub fn hour_of_week(t: DateTime<Utc>) -> usize {
    let local = london::to_local(t);
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

/// `num / den` rounded half up to `places` decimals; `None` when `den` is 0.
/// Exact for any counts of seconds or events a month holds.
pub fn rounded(num: u128, den: u128, places: u32) -> Option<f64> {
    if den == 0 {
        return None;
    }
    let scale = 10u128.pow(places);
    let units = (2 * num * scale + den) / (2 * den);
    Some(units as f64 / scale as f64)
}

/// Adds the seconds of `[start, end)` that fall inside `[from, to)` to the
/// hour-of-week slot each falls in (whole seconds: a fraction is dropped).
pub fn spread(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    slots: &mut [u64; SLOTS],
) {
    let (mut t, end) = (start.max(from).timestamp(), end.min(to).timestamp());
    while t < end {
        // The next UTC hour, where the London hour also changes.
        let next = (t.div_euclid(3600) + 1) * 3600;
        let upto = next.min(end);
        if let Some(at) = DateTime::<Utc>::from_timestamp(t, 0) {
            slots[hour_of_week(at)] += u64::try_from(upto - t).unwrap_or(0);
        }
        t = upto;
    }
}

/// How long each hour of the week lasts in `month` altogether, in seconds:
/// 3600 for each time it happens, as the clocks make it.
pub fn slot_seconds(month: Month) -> [u64; SLOTS] {
    let mut slots = [0; SLOTS];
    spread(
        london::month_start(month),
        london::month_end(month),
        london::month_start(month),
        london::month_end(month),
        &mut slots,
    );
    slots
}

/// One hour of the week in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    /// 0 (Monday 00:00) to 167 (Sunday 23:00).
    pub hour_of_week: usize,
    pub day: &'static str,
    /// The London hour of the day it starts, 0 to 23.
    pub hour: u32,
    /// Incidents created in it, by grade 1 to 4 (cancelled ones left out).
    pub incidents: [u64; 4],
    /// Calls received in it, by channel: 999, 101, online.
    pub calls: [u64; 3],
    /// How long this hour lasted in the month, in seconds (3600 × the
    /// times it happened).
    pub seconds: u64,
    /// Seconds of shifts inside it, all shifts added together.
    pub duty_seconds: u64,
    /// The mean number of officers on duty: `duty_seconds / seconds`, to one
    /// decimal. `None` when no shift in scope touches the month.
    pub officers: Option<f64>,
    /// Incidents needing attendance (grades 1–3) per officer-hour on duty:
    /// `attended × 3600 / duty_seconds`, to two decimals. `None` when no
    /// officer was on duty in it.
    pub per_officer_hour: Option<f64>,
}

impl Slot {
    /// Incidents that an attendance standard applies to (grades 1–3).
    pub fn attended(&self) -> u64 {
        self.incidents[..3].iter().sum()
    }
}

/// Attendance standards met for one grade, in one London hour of the day
/// the incidents were created (`None`: all hours).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attainment {
    pub grade: u8,
    pub hour: Option<u32>,
    pub met: u64,
    pub eligible: u64,
    /// Still within their limit at the time of computing: not counted.
    pub pending: u64,
    /// `met / eligible × 100`, to one decimal, half up.
    pub percent: Option<f64>,
}

/// Time neighbourhood officers spent in their neighbourhoods, over the
/// shifts of the month (as the Pledge's time-in-the-neighbourhood figure).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visibility {
    /// The share the standard asks for (80 nationally).
    pub standard_percent: u32,
    pub duties: u64,
    pub duty_seconds: u64,
    pub visible_seconds: u64,
    /// `visible_seconds / duty_seconds × 100`, to one decimal.
    pub percent: Option<f64>,
    /// Neighbourhoods with shifts in the month, and how many of them met the
    /// standard on their own shifts.
    pub neighbourhoods: u64,
    pub neighbourhoods_met: u64,
}

/// Every demand figure for one force, BCU or neighbourhood and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    pub method: &'static str,
    pub force: String,
    pub month: Month,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbourhood: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcu: Option<String>,
    /// Some event counted was generated (demo), not sent by a force system.
    pub generated: bool,
    /// Incidents created in the month, cancelled ones left out.
    pub incidents: u64,
    /// Cancelled incidents created in the month, which count nowhere.
    pub cancelled: u64,
    pub calls: u64,
    /// Shifts with any time inside the month.
    pub duties: u64,
    /// The 168 hours of the week, Monday 00:00 first.
    pub slots: Vec<Slot>,
    /// Grades 1–3, each with all hours first (`hour: None`) then hours 0–23.
    pub attainment: Vec<Attainment>,
    pub visibility: Visibility,
}

fn in_scope(scope: &Scope<'_>, e: &Event) -> bool {
    e.force == scope.force && scope.neighbourhood.is_none_or(|n| e.neighbourhood.as_deref() == Some(n))
}

#[derive(Default, Clone, Copy)]
struct Tally {
    met: u64,
    eligible: u64,
    pending: u64,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Met(_) => {
                self.met += 1;
                self.eligible += 1;
            }
            Outcome::Breach(_) => self.eligible += 1,
            Outcome::Pending => self.pending += 1,
        }
    }

    fn row(self, grade: Grade, hour: Option<u32>) -> Attainment {
        Attainment {
            grade: grade as u8,
            hour,
            met: self.met,
            eligible: self.eligible,
            pending: self.pending,
            percent: percent(u128::from(self.met), u128::from(self.eligible)),
        }
    }
}

/// Computes the demand figures for `scope` from `events`: those of other
/// forces or (at neighbourhood level) other neighbourhoods are ignored. A
/// shift counts towards officers on duty for the part of it inside the
/// month, so the caller passes the month before too (for shifts running
/// into this one); every other figure counts the month's own events.
pub fn compute(scope: &Scope<'_>, events: &[Event]) -> Demand {
    let (from, to) = (london::month_start(scope.month), london::month_end(scope.month));
    let lengths = slot_seconds(scope.month);
    let mut incidents = [[0u64; 4]; SLOTS];
    let mut calls = [[0u64; 3]; SLOTS];
    let mut on_duty = [0u64; SLOTS];
    let mut by_hour = [[Tally::default(); 24]; 3];
    let mut by_grade = [Tally::default(); 3];
    let (mut n_incidents, mut cancelled, mut n_calls, mut duties) = (0, 0, 0, 0);
    let mut generated = false;
    // neighbourhood -> (visible seconds, duty seconds) of the month's shifts
    let mut visible: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut visible_duties = 0;

    for e in events.iter().filter(|e| in_scope(scope, e)) {
        let this_month = e.month() == Some(scope.month);
        match &e.body {
            EventBody::Incident(i) if this_month => {
                if i.cancelled {
                    cancelled += 1;
                    continue;
                }
                let created = i.created_at.with_timezone(&Utc);
                let slot = hour_of_week(created);
                incidents[slot][usize::from(u8::from(i.grade)) - 1] += 1;
                n_incidents += 1;
                generated |= e.generated;
                let Some(fact) = Fact::of(e) else { continue };
                if let FactBody::Incident(fi) = &fact.body
                    && let Some(outcome) = attendance(scope, &fact, fi)
                {
                    let g = usize::from(u8::from(i.grade)) - 1;
                    by_grade[g].add(outcome);
                    by_hour[g][slot % 24].add(outcome);
                }
            }
            EventBody::Call(c) if this_month => {
                let channel = Channel::ALL.iter().position(|ch| *ch == c.channel).unwrap_or(0);
                calls[hour_of_week(c.received_at.with_timezone(&Utc))][channel] += 1;
                n_calls += 1;
                generated |= e.generated;
            }
            EventBody::Duty(d) => {
                let (start, end) = (d.start.with_timezone(&Utc), d.end.with_timezone(&Utc));
                if start < to && end > from {
                    spread(start, end, from, to, &mut on_duty);
                    duties += 1;
                    generated |= e.generated;
                }
                if let (true, Some(n)) = (this_month, e.neighbourhood.as_deref()) {
                    let entry = visible.entry(n).or_default();
                    entry.0 += u64::from(d.minutes_in_neighbourhood) * 60;
                    entry.1 += u64::try_from(d.seconds()).unwrap_or(0);
                    visible_duties += 1;
                    generated |= e.generated;
                }
            }
            _ => {}
        }
    }

    let slots = (0..SLOTS)
        .map(|s| {
            let attended: u64 = incidents[s][..3].iter().sum();
            let held = duties > 0;
            Slot {
                hour_of_week: s,
                day: DAYS[s / 24],
                hour: (s % 24) as u32,
                incidents: incidents[s],
                calls: calls[s],
                seconds: lengths[s],
                duty_seconds: on_duty[s],
                officers: if held { rounded(u128::from(on_duty[s]), u128::from(lengths[s]), 1) } else { None },
                per_officer_hour: if held {
                    rounded(u128::from(attended) * 3600, u128::from(on_duty[s]), 2)
                } else {
                    None
                },
            }
        })
        .collect();

    let mut attainment = Vec::with_capacity(3 * 25);
    for (g, grade) in ATTENDED_GRADES.into_iter().enumerate() {
        attainment.push(by_grade[g].row(grade, None));
        attainment.extend((0..24).map(|h| by_hour[g][h as usize].row(grade, Some(h))));
    }

    let standard_percent = match scope.standards.get(CommitmentId::TeamVisibility).limit {
        Limit::AtLeastPercent { percent } => percent,
        _ => 0,
    };
    let (seen, total) = visible.values().fold((0, 0), |(a, b), (v, t)| (a + v, b + t));
    let met = visible.values().filter(|(v, t)| u128::from(*v) * 100 >= u128::from(standard_percent) * u128::from(*t));
    let visibility = Visibility {
        standard_percent,
        duties: visible_duties,
        duty_seconds: total,
        visible_seconds: seen,
        percent: percent(u128::from(seen), u128::from(total)),
        neighbourhoods: visible.len() as u64,
        neighbourhoods_met: met.count() as u64,
    };

    Demand {
        method: METHOD,
        force: scope.force.to_string(),
        month: scope.month,
        neighbourhood: scope.neighbourhood.map(str::to_string),
        bcu: None,
        generated,
        incidents: n_incidents,
        cancelled,
        calls: n_calls,
        duties,
        slots,
        attainment,
        visibility,
    }
}

/// The months whose events [`compute`] needs for `month`: the one before
/// it too, whose shifts may run into it. A shift that started earlier still
/// (over a month long) is not read, and the method says so.
pub fn months_read(month: Month) -> (Month, Month) {
    (month.plus(-1), month)
}

#[cfg(test)]
mod tests;
