//! Plausible, clearly generated events, so a demo has figures to show.
//!
//! Nothing here describes a real force's performance: every event is marked
//! `generated`, every id starts `gen-`, and the mix (mostly met, some
//! breaches, a few abandoned or late) is invented. The output is
//! deterministic for a seed, so demos and tests are repeatable.

use chrono::{DateTime, Duration, Utc};

use super::event::*;
use super::london;
use crate::Month;

/// A small deterministic generator (SplitMix64): no dependency, and the same
/// seed gives the same events on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What to generate: one force-month, with the force's neighbourhoods.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub force: &'a str,
    pub month: Month,
    /// Neighbourhood ids and areas; team events are made for each.
    pub neighbourhoods: &'a [(String, AreaKind)],
    pub seed: u64,
    /// Nothing happens after `now`: a reply that would come later is still
    /// `null`, as it would be in a real feed.
    pub now: DateTime<Utc>,
}

struct Gen<'a> {
    plan: &'a Plan<'a>,
    rng: Rng,
    start: DateTime<Utc>,
    seconds: i64,
    events: Vec<Event>,
}

fn ts(t: DateTime<Utc>) -> Timestamp {
    t.fixed_offset()
}

impl Gen<'_> {
    fn at(&mut self) -> DateTime<Utc> {
        self.start + Duration::seconds(self.rng.range(0, self.seconds - 1))
    }

    /// `t`, or `None` if it has not happened yet.
    fn by_now(&self, t: DateTime<Utc>) -> Option<Timestamp> {
        (t <= self.plan.now).then(|| ts(t))
    }

    fn push(&mut self, kind: &str, neighbourhood: Option<&str>, body: EventBody) {
        let n = self.events.len() + 1;
        self.events.push(Event {
            id: format!("gen-{}-{kind}-{n}", self.plan.month),
            force: self.plan.force.to_string(),
            neighbourhood: neighbourhood.map(str::to_string),
            generated: true,
            body,
        });
    }

    fn calls(&mut self, hood: Option<&str>, count: usize) {
        for _ in 0..count {
            let received = self.at();
            let channel = if self.rng.chance(40) { Channel::Emergency } else { Channel::NonEmergency };
            let answered = if self.rng.chance(3) {
                None
            } else if self.rng.chance(90) {
                Some(received + Duration::seconds(self.rng.range(2, 10)))
            } else {
                Some(received + Duration::seconds(self.rng.range(11, 90)))
            };
            let answered_at = answered.and_then(|a| self.by_now(a));
            let body = EventBody::Call(Call { channel, received_at: ts(received), answered_at });
            self.push("call", hood, body);
        }
    }

    fn incidents(&mut self, hood: &str, area: AreaKind, count: usize) {
        for _ in 0..count {
            let created = self.at();
            let grade = match self.rng.range(1, 10) {
                1..=3 => Grade::Emergency,
                4..=6 => Grade::Priority,
                7..=9 => Grade::Scheduled,
                _ => Grade::NoDeployment,
            };
            let (mut appointment_at, minutes) = match grade {
                Grade::Emergency if area == AreaKind::Rural => (None, self.rng.range(6, 24)),
                Grade::Emergency => (None, self.rng.range(4, 18)),
                Grade::Priority => (None, self.rng.range(15, 75)),
                Grade::Scheduled => (None, self.rng.range(60, 50 * 60)),
                Grade::NoDeployment => (None, 0),
            };
            let mut arrived = (grade != Grade::NoDeployment).then(|| created + Duration::minutes(minutes));
            if grade == Grade::Scheduled && self.rng.chance(50) {
                let appt = created + Duration::hours(self.rng.range(12, 50));
                appointment_at = Some(ts(appt));
                arrived = Some(appt - Duration::minutes(self.rng.range(-20, 30)));
            }
            let body = EventBody::Incident(Incident {
                grade,
                created_at: ts(created),
                arrived_at: arrived.and_then(|a| self.by_now(a)),
                appointment_at,
                area: None,
                cancelled: grade != Grade::NoDeployment && self.rng.chance(3),
            });
            self.push("incident", Some(hood), body);
        }
    }

    fn replies(&mut self, hood: &str, count: usize, dissatisfaction: bool) {
        for _ in 0..count {
            let received = self.at();
            let hours = if self.rng.chance(85) { self.rng.range(1, 23) } else { self.rng.range(24, 60) };
            let minutes = self.rng.range(0, 59);
            let reply = self.by_now(received + Duration::hours(hours) + Duration::minutes(minutes));
            if dissatisfaction {
                let body =
                    EventBody::Dissatisfaction(Dissatisfaction { received_at: ts(received), acknowledged_at: reply });
                self.push("dissatisfaction", Some(hood), body);
            } else {
                let body = EventBody::Message(Message { received_at: ts(received), replied_at: reply });
                self.push("message", Some(hood), body);
            }
        }
    }

    fn duties(&mut self, hood: &str, officers: usize, shifts: usize) {
        for officer in 1..=officers {
            for _ in 0..shifts {
                let start = self.at();
                let minutes = 8 * 60;
                if start + Duration::minutes(minutes) > self.plan.now {
                    continue;
                }
                let share = if self.rng.chance(75) { self.rng.range(80, 95) } else { self.rng.range(55, 79) };
                let body = EventBody::Duty(Duty {
                    officer_ref: format!("gen-{hood}-officer-{officer}"),
                    start: ts(start),
                    end: ts(start + Duration::minutes(minutes)),
                    minutes_in_neighbourhood: u32::try_from(minutes * share / 100).unwrap_or(0),
                });
                self.push("duty", Some(hood), body);
            }
        }
    }

    fn meetings(&mut self, hood: &str) {
        let kinds: &[MeetingKind] = if self.rng.chance(90) {
            &[MeetingKind::Public, MeetingKind::Surgery]
        } else {
            &[MeetingKind::StreetBriefing]
        };
        for &kind in kinds {
            let held = self.at();
            if held <= self.plan.now {
                let attendance = Some(u32::try_from(self.rng.range(5, 40)).unwrap_or(0));
                self.push("meeting", Some(hood), EventBody::Meeting(Meeting { held_at: ts(held), kind, attendance }));
            }
        }
    }

    /// Plans that run for two to four intervals, with their updates (which
    /// may fall in later months, as real ones do).
    fn victim_plans(&mut self, hood: &str, count: usize) {
        for _ in 0..count {
            let start = self.start + Duration::seconds(self.rng.range(0, self.seconds / 2));
            if start > self.plan.now {
                continue;
            }
            let days = [7, 14, 28][usize::try_from(self.rng.range(0, 2)).unwrap_or(0)];
            let end = start + Duration::days(i64::from(days) * self.rng.range(2, 4));
            let crime_ref = format!("gen-{}-crime-{}", self.plan.month, self.events.len() + 1);
            let plan = VictimPlan {
                crime_ref: crime_ref.clone(),
                agreed_interval_days: days,
                start: ts(start),
                end: Some(ts(end)),
            };
            self.push("victim-plan", Some(hood), EventBody::VictimPlan(plan));
            let mut last = start;
            loop {
                // Usually a day or two early; now and then a few days late.
                let slack = if self.rng.chance(92) { -self.rng.range(0, 2) } else { self.rng.range(1, 4) };
                last += Duration::days(i64::from(days) + slack);
                if last >= end || last > self.plan.now {
                    break;
                }
                let update = VictimUpdate { crime_ref: crime_ref.clone(), at: ts(last) };
                self.push("victim-update", Some(hood), EventBody::VictimUpdate(update));
            }
        }
    }
}

/// A month of generated events for one force: only what had begun by
/// `plan.now` (nothing for a month that has not started).
pub fn month(plan: &Plan<'_>) -> Vec<Event> {
    let start = london::month_start(plan.month);
    let seconds = (london::month_end(plan.month).min(plan.now) - start).num_seconds();
    if seconds <= 0 {
        return Vec::new();
    }
    let seed = plan.seed ^ u64::try_from(plan.month.index()).unwrap_or(0).wrapping_mul(0x2545_F491_4F6C_DD1D);
    let mut g = Gen { plan, rng: Rng(seed), start, seconds, events: Vec::new() };
    g.calls(None, 60);
    for (hood, area) in plan.neighbourhoods {
        g.calls(Some(hood), 20);
        g.incidents(hood, *area, 30);
        g.replies(hood, 12, false);
        g.replies(hood, 2, true);
        g.duties(hood, 3, 18);
        g.meetings(hood);
        g.victim_plans(hood, 4);
    }
    g.events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pledge::compliance::{Scope, compute};
    use crate::pledge::standard::StandardSet;
    use crate::pledge::validate::parse_line;
    use std::collections::BTreeMap;

    fn plan<'a>(hoods: &'a [(String, AreaKind)], now: &str) -> Plan<'a> {
        Plan {
            force: "city-of-london",
            month: "2024-10".parse().expect("month"),
            neighbourhoods: hoods,
            seed: 7,
            now: now.parse().expect("now"),
        }
    }

    #[test]
    fn generated_events_are_valid_marked_and_repeatable() {
        let hoods = vec![("ban".to_string(), AreaKind::Urban), ("fen".to_string(), AreaKind::Rural)];
        let events = month(&plan(&hoods, "2025-01-01T00:00:00Z"));
        assert!(events.len() > 200);
        assert_eq!(events, month(&plan(&hoods, "2025-01-01T00:00:00Z")));
        for (i, e) in events.iter().enumerate() {
            assert!(e.generated && e.id.starts_with("gen-"));
            // Each one passes the same validation a force's feed does.
            let line = serde_json::to_string(e).expect("ser");
            assert_eq!(parse_line(i + 1, &line).as_ref(), Ok(e), "{line}");
            // Victim updates may follow their plan into later months.
            let month = plan(&hoods, "2025-01-01T00:00:00Z").month;
            assert!(e.month().is_some_and(|m| m == month || (m > month && e.event_type() == EventType::VictimUpdate)));
        }
        let ids: std::collections::BTreeSet<_> = events.iter().map(|e| (e.event_type(), &e.id)).collect();
        assert_eq!(ids.len(), events.len(), "ids are unique");

        let areas: BTreeMap<String, AreaKind> = hoods.iter().cloned().collect();
        let standards = StandardSet::national();
        let p = plan(&hoods, "2025-01-01T00:00:00Z");
        let scope = Scope {
            force: p.force,
            month: p.month,
            neighbourhood: None,
            neighbourhoods: &areas,
            standards: &standards,
            now: p.now,
        };
        let report = compute(&scope, &events);
        assert!(report.generated);
        // Plausible: every commitment has something eligible, mostly met.
        for f in &report.commitments {
            assert!(f.eligible > 0, "{:?}", f.id);
            assert!(f.percent.is_some_and(|p| p > 30.0), "{:?} {:?}", f.id, f.percent);
        }
    }

    #[test]
    fn a_month_not_yet_begun_has_no_events() {
        let hoods = vec![("ban".to_string(), AreaKind::Urban)];
        assert!(month(&plan(&hoods, "2024-09-30T22:59:59Z")).is_empty());
    }

    #[test]
    fn nothing_happens_after_now() {
        let hoods = vec![("ban".to_string(), AreaKind::Urban)];
        let now: DateTime<Utc> = "2024-10-15T00:00:00Z".parse().expect("now");
        for e in month(&plan(&hoods, "2024-10-15T00:00:00Z")) {
            let later = match &e.body {
                EventBody::Call(c) => c.answered_at,
                EventBody::Message(m) => m.replied_at,
                EventBody::Incident(i) => i.arrived_at,
                EventBody::Meeting(m) => Some(m.held_at),
                EventBody::VictimUpdate(u) => Some(u.at),
                EventBody::Duty(d) => Some(d.end),
                _ => None,
            };
            assert!(later.is_none_or(|t| t.with_timezone(&Utc) <= now), "{e:?}");
            assert!(e.first_time().with_timezone(&Utc) <= now, "{e:?}");
        }
    }
}
