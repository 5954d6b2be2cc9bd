//! Compliance with the Pledge for one force (or neighbourhood) and month.
//!
//! The rules are written so that every figure can be recomputed by hand
//! from the events:
//!
//! - an item belongs to the London month of its first time; a victim plan
//!   counts in every month its active period `[start, end)` overlaps;
//! - durations are elapsed seconds (a clock change adds or removes nothing)
//!   and limits are inclusive;
//! - something still pending (no reply, acknowledgement or arrival yet) is
//!   not eligible until its limit has passed at `now`; an abandoned 999 call
//!   is final;
//! - `percent` is `met / eligible × 100` rounded half up to one decimal, and
//!   absent when nothing is eligible;
//! - `median_seconds` and `p90_seconds` use the nearest-rank method over the
//!   eligible items that have a time: the value at rank `⌈p/100 × n⌉` of the
//!   sorted times (so the median of an even count is the lower middle one).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::event::*;
use super::fact::{Fact, FactBody, IncidentFact, PlanFact};
use super::london;
use super::standard::{CommitmentId, Limit, StandardSet};
use crate::Month;

/// What to compute: whose figures, for which month, under which standards.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub force: &'a str,
    pub month: Month,
    /// `Some` for a neighbourhood's figures: only events naming it count.
    pub neighbourhood: Option<&'a str>,
    /// Every neighbourhood of the force with its area setting (urban or
    /// rural): public meetings are expected of each, and an incident with no
    /// `area` of its own takes its neighbourhood's.
    pub neighbourhoods: &'a BTreeMap<String, AreaKind>,
    pub standards: &'a StandardSet,
    /// The time of computing: what is still pending at `now` is not yet due.
    pub now: DateTime<Utc>,
}

/// All nine figures for one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub force: String,
    pub month: Month,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbourhood: Option<String>,
    /// Set for a basic command unit's figures (see the store's
    /// `pledge_compliance_bcu`), which cover its neighbourhoods only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcu: Option<String>,
    /// Some counted events were generated, not sent by a force system
    /// (events that count towards no figure, such as 101 calls, do not
    /// mark a month).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generated: bool,
    pub commitments: Vec<Figure>,
}

impl Report {
    pub fn figure(&self, id: CommitmentId) -> Option<&Figure> {
        self.commitments.iter().find(|f| f.id == id)
    }
}

/// One commitment's figure, and the standard that produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub id: CommitmentId,
    /// The standard in plain English.
    pub standard: String,
    pub version: String,
    pub limit: Limit,
    pub eligible: u64,
    pub met: u64,
    /// Items whose limit has not yet passed: not counted in `eligible`.
    pub pending: u64,
    pub percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_seconds: Option<i64>,
    /// `team-visibility` only: minutes in neighbourhoods as a share of all
    /// duty minutes, pooled over every duty in scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_percent: Option<f64>,
    /// What was not met: event ids, or neighbourhood ids for the
    /// per-neighbourhood commitments (visibility, meetings). For the
    /// force's own staff; never for public pages.
    pub breaches: Vec<String>,
}

/// `part / whole × 100`, rounded half up to one decimal; `None` if `whole` is 0.
pub fn percent(part: u128, whole: u128) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let tenths = (2 * part * 1000 + whole) / (2 * whole);
    // Exact below 2^53, which any count of events is.
    Some(tenths as f64 / 10.0)
}

/// The nearest-rank percentile of sorted values: rank `⌈p/100 × n⌉`.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// How one item stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Met(Option<i64>),
    Breach(Option<i64>),
    Pending,
}

/// Elapsed seconds from `a` to `b`.
fn secs(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (b - a).num_seconds()
}

/// Done within `limit` seconds of `start`? If not done: a final breach when
/// `missing_is_final`, else pending until the limit has passed at `now`.
fn within(
    start: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
    limit: i64,
    now: DateTime<Utc>,
    missing_is_final: bool,
) -> Outcome {
    match done {
        Some(d) if secs(start, d) <= limit => Outcome::Met(Some(secs(start, d))),
        Some(d) => Outcome::Breach(Some(secs(start, d))),
        None if missing_is_final => Outcome::Breach(None),
        None if (now - start).num_seconds() > limit => Outcome::Breach(None),
        None => Outcome::Pending,
    }
}

/// Counts for one figure while items are classified.
#[derive(Default)]
struct Tally {
    eligible: u64,
    met: u64,
    pending: u64,
    times: Vec<i64>,
    breaches: Vec<String>,
}

impl Tally {
    fn add(&mut self, id: &str, outcome: Outcome) {
        match outcome {
            Outcome::Met(t) => {
                self.eligible += 1;
                self.met += 1;
                self.times.extend(t);
            }
            Outcome::Breach(t) => {
                self.eligible += 1;
                self.times.extend(t);
                self.breaches.push(id.to_string());
            }
            Outcome::Pending => self.pending += 1,
        }
    }

    fn figure(mut self, set: &StandardSet, id: CommitmentId, timed: bool) -> Figure {
        let standard = set.get(id);
        self.times.sort_unstable();
        self.breaches.sort();
        Figure {
            id,
            standard: standard.description.clone(),
            version: standard.version.clone(),
            limit: standard.limit,
            eligible: self.eligible,
            met: self.met,
            pending: self.pending,
            percent: percent(u128::from(self.met), u128::from(self.eligible)),
            median_seconds: if timed { nearest_rank(&self.times, 50) } else { None },
            p90_seconds: if timed { nearest_rank(&self.times, 90) } else { None },
            visible_percent: None,
            breaches: self.breaches,
        }
    }
}

fn within_seconds(set: &StandardSet, id: CommitmentId) -> i64 {
    match set.get(id).limit {
        Limit::Within { seconds } => seconds,
        Limit::ByArea { urban_seconds, .. } => urban_seconds,
        // Standards are checked to have their commitment's kind of limit.
        _ => 0,
    }
}

/// Computes every figure for `scope` from `events`. Events of other forces,
/// other neighbourhoods (at neighbourhood level) or other months are ignored,
/// so the caller may pass a superset.
pub fn compute(scope: &Scope<'_>, events: &[Event]) -> Report {
    let facts: Vec<Fact> = events.iter().filter(|e| e.force == scope.force).filter_map(Fact::of).collect();
    compute_facts(scope, &facts)
}

/// [`compute`] over the facts of the scope's force's events (the store reads
/// them from typed columns). Facts of other neighbourhoods (at neighbourhood
/// level) or other months are ignored.
pub fn compute_facts(scope: &Scope<'_>, facts: &[Fact]) -> Report {
    let in_scope = |e: &&Fact| scope.neighbourhood.is_none_or(|n| e.neighbourhood.as_deref() == Some(n));
    // Only what can count: the store leaves the rest out of what it reads,
    // so both routes see the same facts (the `generated` flag included).
    let month_facts: Vec<&Fact> =
        facts.iter().filter(in_scope).filter(|e| e.month == scope.month && e.counts()).collect();
    let set = scope.standards;
    let now = scope.now;

    let mut answer = Tally::default();
    let mut emergency = Tally::default();
    let mut priority = Tally::default();
    let mut scheduled = Tally::default();
    let mut reply = Tally::default();
    let mut ack = Tally::default();
    let answer_limit = within_seconds(set, CommitmentId::Answer999);
    let reply_limit = within_seconds(set, CommitmentId::TeamMessageReply);
    let ack_limit = within_seconds(set, CommitmentId::DissatisfactionAck);

    for e in &month_facts {
        match &e.body {
            FactBody::Call { channel: Channel::Emergency, received_at, answered_at } => {
                answer.add(&e.id, within(*received_at, *answered_at, answer_limit, now, true));
            }
            FactBody::Incident(i) => match (i.grade, attendance(scope, e, i)) {
                (Grade::Emergency, Some(outcome)) => emergency.add(&e.id, outcome),
                (Grade::Priority, Some(outcome)) => priority.add(&e.id, outcome),
                (Grade::Scheduled, Some(outcome)) => scheduled.add(&e.id, outcome),
                _ => {}
            },
            FactBody::Message { received_at, replied_at } => {
                reply.add(&e.id, within(*received_at, *replied_at, reply_limit, now, false))
            }
            FactBody::Dissatisfaction { received_at, acknowledged_at } => {
                ack.add(&e.id, within(*received_at, *acknowledged_at, ack_limit, now, false));
            }
            _ => {}
        }
    }

    let visibility = team_visibility(set, &month_facts);
    let meetings = public_meetings(scope, &month_facts);
    let (victims, generated_plans) = victim_updates(scope, facts);

    Report {
        force: scope.force.to_string(),
        month: scope.month,
        neighbourhood: scope.neighbourhood.map(str::to_string),
        bcu: None,
        // Only what this month's figures count: a demo plan of another
        // month must not mark a real month as generated.
        generated: generated_plans || month_facts.iter().any(|e| e.generated),
        commitments: vec![
            answer.figure(set, CommitmentId::Answer999, true),
            emergency.figure(set, CommitmentId::EmergencyAttendance, true),
            priority.figure(set, CommitmentId::PriorityAttendance, true),
            scheduled.figure(set, CommitmentId::ScheduledAttendance, true),
            reply.figure(set, CommitmentId::TeamMessageReply, true),
            visibility,
            meetings.figure(set, CommitmentId::PublicMeetings, false),
            victims.figure(set, CommitmentId::VictimUpdates, false),
            ack.figure(set, CommitmentId::DissatisfactionAck, true),
        ],
    }
}

/// How an incident stands against its grade's attendance standard, as at
/// `scope.now`; `None` for one cancelled or needing no deployment (grade 4),
/// which no attendance standard counts. The demand figures' attainment by
/// hour uses this too, so it can never disagree with the Pledge figures.
pub(crate) fn attendance(scope: &Scope<'_>, e: &Fact, i: &IncidentFact) -> Option<Outcome> {
    if i.cancelled {
        return None;
    }
    let (set, now) = (scope.standards, scope.now);
    match i.grade {
        Grade::Emergency => Some(within(i.created_at, i.arrived_at, emergency_limit(scope, e, i), now, false)),
        Grade::Priority => {
            Some(within(i.created_at, i.arrived_at, within_seconds(set, CommitmentId::PriorityAttendance), now, false))
        }
        Grade::Scheduled => Some(scheduled_outcome(i, within_seconds(set, CommitmentId::ScheduledAttendance), now)),
        Grade::NoDeployment => None,
    }
}

/// The attendance limit for a grade 1 incident: rural or urban by the
/// incident's own `area`, else its neighbourhood's setting, else urban.
fn emergency_limit(scope: &Scope<'_>, e: &Fact, i: &IncidentFact) -> i64 {
    let area = i
        .area
        .or_else(|| e.neighbourhood.as_ref().and_then(|n| scope.neighbourhoods.get(n).copied()))
        .unwrap_or_default();
    match scope.standards.get(CommitmentId::EmergencyAttendance).limit {
        Limit::ByArea { urban_seconds, rural_seconds } => match area {
            AreaKind::Urban => urban_seconds,
            AreaKind::Rural => rural_seconds,
        },
        _ => 0,
    }
}

/// Grade 3: with an appointment, met when the appointment was set within the
/// limit of creation and kept (arrival by the appointment; early is fine);
/// without one, met on arrival within the limit.
fn scheduled_outcome(i: &IncidentFact, limit: i64, now: DateTime<Utc>) -> Outcome {
    let Some(appt) = i.appointment_at else {
        return within(i.created_at, i.arrived_at, limit, now, false);
    };
    let took = i.arrived_at.map(|a| secs(i.created_at, a));
    if secs(i.created_at, appt) > limit {
        // Too late an appointment can never be met, whatever happens next.
        return Outcome::Breach(took);
    }
    match i.arrived_at {
        Some(a) if a <= appt => Outcome::Met(took),
        Some(_) => Outcome::Breach(took),
        None if now > appt => Outcome::Breach(None),
        None => Outcome::Pending,
    }
}

/// Per neighbourhood with duty records: met when the month's summed minutes
/// in the neighbourhood reach the standard's share of its summed duty time.
fn team_visibility(set: &StandardSet, month_facts: &[&Fact]) -> Figure {
    let percent_needed = match set.get(CommitmentId::TeamVisibility).limit {
        Limit::AtLeastPercent { percent } => u128::from(percent),
        _ => 0,
    };
    // neighbourhood -> (visible seconds, duty seconds)
    let mut by_hood: BTreeMap<&str, (u128, u128)> = BTreeMap::new();
    for e in month_facts {
        if let (FactBody::Duty { seconds, minutes_in_neighbourhood }, Some(n)) = (&e.body, e.neighbourhood.as_deref()) {
            let entry = by_hood.entry(n).or_default();
            entry.0 += u128::from(*minutes_in_neighbourhood) * 60;
            entry.1 += u128::try_from(*seconds).unwrap_or(0);
        }
    }
    let mut tally = Tally::default();
    let (mut visible, mut total) = (0u128, 0u128);
    for (hood, (v, t)) in &by_hood {
        visible += v;
        total += t;
        let met = v * 100 >= percent_needed * t;
        tally.add(hood, if met { Outcome::Met(None) } else { Outcome::Breach(None) });
    }
    let mut figure = tally.figure(set, CommitmentId::TeamVisibility, false);
    figure.visible_percent = percent(visible, total);
    figure
}

/// Per neighbourhood in scope: met when enough public meetings were held in
/// the month. Until the month is over, a neighbourhood still short of its
/// meetings is pending, and only meetings already held (at `now`) count.
fn public_meetings(scope: &Scope<'_>, month_facts: &[&Fact]) -> Tally {
    let needed = match scope.standards.get(CommitmentId::PublicMeetings).limit {
        Limit::AtLeastCount { count } => u64::from(count),
        _ => 1,
    };
    let hoods: Vec<&str> = match scope.neighbourhood {
        Some(n) => vec![n],
        None => scope.neighbourhoods.keys().map(String::as_str).collect(),
    };
    let mut held: BTreeMap<&str, u64> = BTreeMap::new();
    for e in month_facts {
        if let (FactBody::Meeting { held_at, kind: MeetingKind::Public }, Some(n)) =
            (&e.body, e.neighbourhood.as_deref())
            && *held_at <= scope.now
        {
            *held.entry(n).or_default() += 1;
        }
    }
    let month_over = scope.now >= london::month_end(scope.month);
    let mut tally = Tally::default();
    for hood in hoods {
        let outcome = match held.get(hood).copied().unwrap_or(0) {
            n if n >= needed => Outcome::Met(None),
            _ if month_over => Outcome::Breach(None),
            _ => Outcome::Pending,
        };
        tally.add(hood, outcome);
    }
    tally
}

/// Victim plans active in the month: met when at no moment of the month
/// within the plan's active period had more than the agreed interval passed
/// since the plan started or the last update (earlier months' updates count).
/// The victim-updates tally, and whether any plan it counts was generated.
fn victim_updates(scope: &Scope<'_>, facts: &[Fact]) -> (Tally, bool) {
    let cap_days = match scope.standards.get(CommitmentId::VictimUpdates).limit {
        Limit::AgreedInterval { max_days } => max_days,
        _ => None,
    };
    let mut plans: Vec<(&Fact, &PlanFact)> = Vec::new();
    let mut updates: HashMap<&str, Vec<DateTime<Utc>>> = HashMap::new();
    for e in facts {
        match &e.body {
            FactBody::VictimPlan(p) if scope.neighbourhood.is_none_or(|n| e.neighbourhood.as_deref() == Some(n)) => {
                plans.push((e, p));
            }
            FactBody::VictimUpdate { crime_ref, at } => updates.entry(crime_ref.as_str()).or_default().push(*at),
            _ => {}
        }
    }
    for list in updates.values_mut() {
        list.sort_unstable();
    }
    let mut tally = Tally::default();
    let mut generated = false;
    for (e, plan) in plans {
        let days = cap_days.map_or(plan.agreed_interval_days, |cap| cap.min(plan.agreed_interval_days));
        let interval = Duration::days(i64::from(days));
        let ups = updates.get(plan.crime_ref.as_str()).map_or(&[][..], Vec::as_slice);
        if let Some(outcome) = plan_outcome(scope.month, scope.now, plan, interval, ups) {
            tally.add(&e.id, outcome);
            generated |= e.generated;
        }
    }
    (tally, generated)
}

/// One plan in one month; `None` when the plan is not active in the month.
fn plan_outcome(
    month: Month,
    now: DateTime<Utc>,
    plan: &PlanFact,
    interval: Duration,
    sorted_updates: &[DateTime<Utc>],
) -> Option<Outcome> {
    let start = plan.start;
    let month_start = london::month_start(month);
    let month_end = london::month_end(month);
    let plan_end = plan.end.unwrap_or(month_end);
    // The moments of the month within the plan: [window_start, natural_end).
    let window_start = start.max(month_start);
    let natural_end = plan_end.min(month_end);
    if window_start >= natural_end {
        return None;
    }
    // Moments after `now` have not happened yet.
    let window_end = natural_end.min(now);
    if window_end <= window_start {
        return Some(Outcome::Pending);
    }
    // Contact points: the start, then each update after it (and not after
    // `now`). Between point a and the next point b (or the window end) the
    // victim is overdue at moments t with t > a + interval; is any such t
    // inside [window_start, min(b, window_end))?
    let mut points = vec![start];
    points.extend(sorted_updates.iter().copied().filter(|&u| u > start && u <= now && u < window_end));
    let overdue = points.iter().enumerate().any(|(k, &a)| {
        let next = points.get(k + 1).copied().unwrap_or(window_end).min(window_end);
        (a + interval).max(window_start) < next
    });
    Some(if overdue {
        Outcome::Breach(None)
    } else if window_end < natural_end {
        Outcome::Pending
    } else {
        Outcome::Met(None)
    })
}

#[cfg(test)]
mod tests;
