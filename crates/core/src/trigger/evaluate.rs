//! Is the threshold met? Each cited complaint is checked against the
//! qualifying rule (s104(11)), complaints about one incident are counted
//! once, then each of the procedure's rules is tried in order; the first one
//! met decides. Every step is explained in plain English, and the result
//! carries the procedure version, so a decision can be traced and checked.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::complaint::{Complaint, Discretion};
use super::procedure::{Complainants, Procedure, RuleKind};

/// What the threshold check looks at.
#[derive(Debug, Clone, Copy)]
pub struct ThresholdInput<'a> {
    /// The day the application was received.
    pub received_on: NaiveDate,
    pub complaints: &'a [Complaint],
    /// Recorded as vulnerable (for a senior manager's discretion).
    pub vulnerable: bool,
    pub discretion: Option<&'a Discretion>,
}

/// One complaint's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintVerdict {
    /// 1-based, as the application lists them.
    pub number: usize,
    /// Whether it counts towards the threshold.
    pub counts: bool,
    pub reason: String,
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    pub rule_id: String,
    pub description: String,
    pub met: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub procedure_version: String,
    pub met: bool,
    /// The rule that met the threshold (the first in the procedure's order).
    pub met_by: Option<String>,
    pub rules: Vec<RuleResult>,
    pub complaints: Vec<ComplaintVerdict>,
}

impl Evaluation {
    /// One sentence for lists and summaries.
    pub fn summary(&self) -> String {
        match self.met_by.as_ref().and_then(|id| self.rules.iter().find(|r| &r.rule_id == id)) {
            Some(r) => format!("Threshold met: {}.", r.description),
            None => {
                let n = self.complaints.iter().filter(|c| c.counts).count();
                format!("Threshold not met ({n} qualifying {}).", if n == 1 { "incident" } else { "incidents" })
            }
        }
    }
}

/// "1 April 2025".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn months(n: u32) -> String {
    if n == 1 { "1 month".into() } else { format!("{n} months") }
}

/// A counted incident: the complaints about it, who made them, and whether
/// any called it hate-related.
struct Incident {
    people: BTreeSet<String>,
    hate: bool,
}

/// Checks the threshold. Pure: the same input always gives the same answer.
pub fn evaluate(procedure: &Procedure, input: &ThresholdInput<'_>) -> Evaluation {
    let q = &procedure.qualifying;
    // Earliest complaint first, so the one that counts for an incident is
    // the first made; ties keep the application's order.
    let mut order: Vec<usize> = (0..input.complaints.len()).collect();
    order.sort_by_key(|&i| (input.complaints[i].complained_on, i));

    let mut verdicts: Vec<Option<ComplaintVerdict>> = vec![None; input.complaints.len()];
    // incident key → (number of the complaint that counts, incident)
    let mut incidents: BTreeMap<String, (usize, Incident)> = BTreeMap::new();
    for i in order {
        let c = &input.complaints[i];
        let number = i + 1;
        let latest_complaint = c.behaviour_on.checked_add_months(Months::new(q.complaint_within_months));
        let latest_application = c.complained_on.checked_add_months(Months::new(q.application_within_months));
        let verdict = |counts: bool, reason: String| Some(ComplaintVerdict { number, counts, reason });
        if c.complained_on < c.behaviour_on {
            verdicts[i] = verdict(false, "Does not count: it is dated before the behaviour it is about.".into());
            continue;
        }
        if latest_complaint.is_none_or(|l| c.complained_on > l) {
            verdicts[i] = verdict(
                false,
                format!(
                    "Does not count: made on {}, more than {} after the behaviour on {} (it had to be made by {}).",
                    long_date(c.complained_on),
                    months(q.complaint_within_months),
                    long_date(c.behaviour_on),
                    latest_complaint.map(long_date).unwrap_or_else(|| "then".into()),
                ),
            );
            continue;
        }
        if c.complained_on > input.received_on {
            verdicts[i] = verdict(false, "Does not count: it is dated after the application was received.".into());
            continue;
        }
        if latest_application.is_none_or(|l| input.received_on > l) {
            verdicts[i] = verdict(
                false,
                format!(
                    "Does not count: made on {}, more than {} before the application on {}.",
                    long_date(c.complained_on),
                    months(q.application_within_months),
                    long_date(input.received_on),
                ),
            );
            continue;
        }
        match incidents.get_mut(&c.incident_key()) {
            Some((first, incident)) => {
                incident.people.insert(c.complainant_key());
                incident.hate |= c.hate_related;
                let first_agency = &input.complaints[*first - 1].agency;
                let how = if crate::trigger::complaint::key(first_agency) == crate::trigger::complaint::key(&c.agency) {
                    format!("also reported to {first_agency}")
                } else {
                    format!("reported to {first_agency}, and here to {}", c.agency)
                };
                verdicts[i] = verdict(
                    false,
                    format!(
                        "Counted once with complaint {first}: it is the same incident ({how}). \
                         One incident counts once, however many agencies were told."
                    ),
                );
            }
            None => {
                incidents.insert(
                    c.incident_key(),
                    (number, Incident { people: BTreeSet::from([c.complainant_key()]), hate: c.hate_related }),
                );
                verdicts[i] = verdict(
                    true,
                    format!(
                        "Counts: made within {} of the behaviour and within {} before the application{}.",
                        months(q.complaint_within_months),
                        months(q.application_within_months),
                        if c.hate_related { "; hate-related" } else { "" },
                    ),
                );
            }
        }
    }
    let counted: Vec<&Incident> = incidents.values().map(|(_, inc)| inc).collect();

    let mut rules = Vec::new();
    let mut met_by = None;
    for rule in &procedure.rules {
        let (met, explanation) = match rule.kind {
            RuleKind::Complaints { min, complainants, min_hate_related } => {
                count_rule(&counted, input.complaints, min, complainants, min_hate_related)
            }
            RuleKind::Discretionary => match input.discretion {
                Some(d) if input.vulnerable => (
                    true,
                    format!(
                        "Met: {} decided a review is needed for a vulnerable victim: {}",
                        d.by.trim(),
                        d.reason.trim()
                    ),
                ),
                Some(d) => (
                    false,
                    format!(
                        "Not met: {} asked for a review, but the victim is not recorded as vulnerable.",
                        d.by.trim()
                    ),
                ),
                None => (false, "Not met: no senior manager's decision is recorded.".into()),
            },
        };
        if met && met_by.is_none() {
            met_by = Some(rule.id.clone());
        }
        rules.push(RuleResult { rule_id: rule.id.clone(), description: rule.description.clone(), met, explanation });
    }
    Evaluation {
        procedure_version: procedure.version.clone(),
        met: met_by.is_some(),
        met_by,
        rules,
        complaints: verdicts.into_iter().flatten().collect(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn count_rule(
    counted: &[&Incident],
    complaints: &[Complaint],
    min: u32,
    who: Complainants,
    min_hate: u32,
) -> (bool, String) {
    let min = min as usize;
    let min_hate = min_hate as usize;
    let hate = |list: &[&&Incident]| list.iter().filter(|i| i.hate).count();
    let all: Vec<&&Incident> = counted.iter().collect();
    let hate_note = |list: &[&&Incident]| {
        if min_hate == 0 {
            String::new()
        } else {
            format!(", {} hate-related (at least {min_hate} needed)", hate(list))
        }
    };
    match who {
        Complainants::Any => {
            let met = all.len() >= min && hate(&all) >= min_hate;
            let n = plural(all.len(), "qualifying incident", "qualifying incidents");
            let verb = if met { "Met" } else { "Not met" };
            (met, format!("{verb}: {n} (at least {min} needed){}.", hate_note(&all)))
        }
        Complainants::OnePerson => {
            // The person with the most qualifying incidents.
            let mut best: Option<(String, Vec<&&Incident>)> = None;
            let people: BTreeSet<&String> = counted.iter().flat_map(|i| i.people.iter()).collect();
            for p in people {
                let theirs: Vec<&&Incident> = all.iter().copied().filter(|i| i.people.contains(p)).collect();
                let better = match &best {
                    None => true,
                    Some((_, b)) => (theirs.len(), hate(&theirs)) > (b.len(), hate(b)),
                };
                if better {
                    best = Some((p.clone(), theirs));
                }
            }
            let Some((person, theirs)) = best else {
                return (false, format!("Not met: no qualifying incidents (at least {min} from one person needed)."));
            };
            let name = complaints
                .iter()
                .find(|c| c.complainant_key() == person)
                .map(|c| c.complainant.trim().to_string())
                .unwrap_or(person);
            let met = theirs.len() >= min && hate(&theirs) >= min_hate;
            let verb = if met { "Met" } else { "Not met" };
            let n = plural(theirs.len(), "qualifying incident", "qualifying incidents");
            (
                met,
                format!(
                    "{verb}: {name} complained of {n}, the most from one person (at least {min} needed){}.",
                    hate_note(&theirs)
                ),
            )
        }
        Complainants::SeveralPeople => {
            let people: BTreeSet<&String> = counted.iter().flat_map(|i| i.people.iter()).collect();
            let enough = all.len() >= min && hate(&all) >= min_hate;
            let met = enough && people.len() >= 2;
            let n = plural(all.len(), "qualifying incident", "qualifying incidents");
            let from = plural(people.len(), "person", "different people");
            let explanation = if enough && !met {
                format!("Not met: {n}, but all from one person; reports from more than one person are needed.")
            } else {
                let verb = if met { "Met" } else { "Not met" };
                format!("{verb}: {n} from {from} (at least {min} from more than one person needed){}.", hate_note(&all))
            };
            (met, explanation)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::procedure::Procedure;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn c(who: &str, agency: &str, incident: &str, behaviour: &str, complained: &str) -> Complaint {
        Complaint {
            complainant: who.into(),
            agency: agency.into(),
            incident: incident.into(),
            behaviour_on: d(behaviour),
            complained_on: d(complained),
            hate_related: false,
            report_id: None,
        }
    }

    fn hate(mut x: Complaint) -> Complaint {
        x.hate_related = true;
        x
    }

    fn run(p: &Procedure, received: &str, complaints: &[Complaint]) -> Evaluation {
        evaluate(p, &ThresholdInput { received_on: d(received), complaints, vulnerable: false, discretion: None })
    }

    fn national() -> Procedure {
        Procedure::national_default()
    }

    #[test]
    fn three_qualifying_complaints_meet_the_national_threshold() {
        let cs = [
            c("A", "Council", "1", "2025-03-01", "2025-03-02"),
            c("B", "Police", "2", "2025-03-10", "2025-03-11"),
            c("C", "Housing", "3", "2025-04-01", "2025-04-02"),
        ];
        let e = run(&national(), "2025-05-01", &cs);
        assert!(e.met);
        assert_eq!(e.met_by.as_deref(), Some("three-complaints"));
        assert_eq!(e.procedure_version, "national-default-1");
        assert!(e.complaints.iter().all(|v| v.counts));
        assert_eq!(e.summary(), "Threshold met: At least 3 qualifying complaints about the behaviour.");
        let e = run(&national(), "2025-05-01", &cs[..2]);
        assert!(!e.met);
        assert_eq!(e.rules[0].explanation, "Not met: 2 qualifying incidents (at least 3 needed).");
        assert_eq!(e.summary(), "Threshold not met (2 qualifying incidents).");
    }

    #[test]
    fn exactly_one_month_after_the_behaviour_still_counts() {
        let on_the_day = [c("A", "Council", "1", "2025-03-15", "2025-04-15")];
        let e = run(&national(), "2025-05-01", &on_the_day);
        assert!(e.complaints[0].counts, "{}", e.complaints[0].reason);
        let a_day_late = [c("A", "Council", "1", "2025-03-15", "2025-04-16")];
        let e = run(&national(), "2025-05-01", &a_day_late);
        assert!(!e.complaints[0].counts);
        assert_eq!(
            e.complaints[0].reason,
            "Does not count: made on 16 April 2025, more than 1 month after the behaviour on 15 March 2025 \
             (it had to be made by 15 April 2025)."
        );
    }

    #[test]
    fn a_month_from_the_end_of_a_month_ends_at_the_end_of_the_next() {
        // 31 January + 1 month is 28 February (2025) or 29 February (2028).
        let e = run(&national(), "2025-03-10", &[c("A", "C", "1", "2025-01-31", "2025-02-28")]);
        assert!(e.complaints[0].counts);
        let e = run(&national(), "2025-03-10", &[c("A", "C", "1", "2025-01-31", "2025-03-01")]);
        assert!(!e.complaints[0].counts);
        let e = run(&national(), "2028-03-10", &[c("A", "C", "1", "2028-01-31", "2028-02-29")]);
        assert!(e.complaints[0].counts, "leap year");
        let e = run(&national(), "2028-03-10", &[c("A", "C", "1", "2028-01-31", "2028-03-01")]);
        assert!(!e.complaints[0].counts, "leap year, a day late");
        // A complaint on 29 February: six months later is 29 August.
        let e = run(&national(), "2028-08-29", &[c("A", "C", "1", "2028-02-20", "2028-02-29")]);
        assert!(e.complaints[0].counts);
        let e = run(&national(), "2028-08-30", &[c("A", "C", "1", "2028-02-20", "2028-02-29")]);
        assert!(!e.complaints[0].counts);
    }

    #[test]
    fn exactly_six_months_before_the_application_still_counts() {
        let cs = [c("A", "Council", "1", "2025-01-01", "2025-01-10")];
        assert!(run(&national(), "2025-07-10", &cs).complaints[0].counts);
        let e = run(&national(), "2025-07-11", &cs);
        assert!(!e.complaints[0].counts);
        assert_eq!(
            e.complaints[0].reason,
            "Does not count: made on 10 January 2025, more than 6 months before the application on 11 July 2025."
        );
        // From 31 August, six months is 28 February (29 in a leap year).
        let cs = [c("A", "Council", "1", "2027-08-20", "2027-08-31")];
        assert!(run(&national(), "2028-02-29", &cs).complaints[0].counts);
        assert!(!run(&national(), "2028-03-01", &cs).complaints[0].counts);
    }

    #[test]
    fn one_incident_told_to_three_agencies_counts_once() {
        let cs = [
            c("A", "Luton Borough Council", "Ref 77", "2025-03-01", "2025-03-03"),
            c("A", "Bedfordshire Police", "ref-77", "2025-03-01", "2025-03-02"),
            c("A", "Luton Homes", "REF 77", "2025-03-01", "2025-03-04"),
        ];
        let e = run(&national(), "2025-04-01", &cs);
        assert!(!e.met);
        assert_eq!(e.rules[0].explanation, "Not met: 1 qualifying incident (at least 3 needed).");
        // The earliest complaint (to the police) is the one that counts.
        assert!(e.complaints[1].counts);
        assert!(!e.complaints[0].counts && !e.complaints[2].counts);
        assert_eq!(e.complaints[0].number, 1);
        assert_eq!(
            e.complaints[0].reason,
            "Counted once with complaint 2: it is the same incident (reported to Bedfordshire Police, and here to \
             Luton Borough Council). One incident counts once, however many agencies were told."
        );
        // A late report of the incident does not stop an earlier in-time one counting.
        let cs =
            [c("A", "Council", "77", "2025-03-01", "2025-04-20"), c("A", "Police", "77", "2025-03-01", "2025-03-05")];
        let e = run(&national(), "2025-05-01", &cs);
        assert!(!e.complaints[0].counts && e.complaints[1].counts);
    }

    #[test]
    fn complaints_dated_wrongly_do_not_count() {
        let e = run(&national(), "2025-05-01", &[c("A", "C", "1", "2025-03-10", "2025-03-09")]);
        assert!(e.complaints[0].reason.contains("before the behaviour"));
        let e = run(&national(), "2025-05-01", &[c("A", "C", "1", "2025-04-20", "2025-05-02")]);
        assert!(e.complaints[0].reason.contains("after the application"));
    }

    fn local() -> Procedure {
        Procedure::local_example()
    }

    fn rule<'a>(e: &'a Evaluation, id: &str) -> &'a RuleResult {
        e.rules.iter().find(|r| r.rule_id == id).unwrap()
    }

    #[test]
    fn three_from_one_person() {
        let cs = [
            c("Jo Bloggs", "Council", "1", "2025-03-01", "2025-03-02"),
            c("jo bloggs", "Police", "2", "2025-03-10", "2025-03-11"),
            c("Sam", "Police", "3", "2025-03-12", "2025-03-12"),
        ];
        let e = run(&local(), "2025-04-01", &cs);
        let r = rule(&e, "one-person-three");
        assert!(!r.met);
        assert_eq!(
            r.explanation,
            "Not met: Jo Bloggs complained of 2 qualifying incidents, the most from one person (at least 3 needed)."
        );
        let mut more = cs.to_vec();
        more.push(c("JO BLOGGS", "Housing", "4", "2025-03-20", "2025-03-21"));
        let e = run(&local(), "2025-04-01", &more);
        assert!(rule(&e, "one-person-three").met);
        assert_eq!(e.met_by.as_deref(), Some("one-person-three"));
    }

    #[test]
    fn five_from_several_people() {
        let five_from_one: Vec<Complaint> =
            (1..=5).map(|i| c("A", "Council", &i.to_string(), "2025-03-01", "2025-03-02")).collect();
        let e = run(&local(), "2025-04-01", &five_from_one);
        let r = rule(&e, "several-people-five");
        assert!(!r.met);
        assert!(r.explanation.contains("all from one person"), "{}", r.explanation);
        let mut mixed = five_from_one.clone();
        mixed[4].complainant = "B".into();
        let e = run(&local(), "2025-04-01", &mixed);
        assert!(rule(&e, "several-people-five").met);
        assert_eq!(
            rule(&e, "several-people-five").explanation,
            "Met: 5 qualifying incidents from 2 different people (at least 5 from more than one person needed)."
        );
        // Four incidents, even from several people, are not enough.
        let e = run(&local(), "2025-04-01", &mixed[1..]);
        assert!(!rule(&e, "several-people-five").met);
    }

    #[test]
    fn one_hate_incident() {
        let e = run(&local(), "2025-04-01", &[hate(c("A", "Police", "1", "2025-03-01", "2025-03-02"))]);
        assert!(e.met);
        assert_eq!(e.met_by.as_deref(), Some("one-hate-incident"));
        assert_eq!(
            rule(&e, "one-hate-incident").explanation,
            "Met: 1 qualifying incident (at least 1 needed), 1 hate-related (at least 1 needed)."
        );
        // A hate incident that does not qualify (reported late) does not meet it.
        let e = run(&local(), "2025-06-01", &[hate(c("A", "Police", "1", "2025-03-01", "2025-04-05"))]);
        assert!(!e.met);
        // Not on the national default, which has no hate rule.
        let e = run(&national(), "2025-04-01", &[hate(c("A", "Police", "1", "2025-03-01", "2025-03-02"))]);
        assert!(!e.met);
    }

    #[test]
    fn two_where_one_is_hate_related() {
        let mut p = local();
        p.rules.retain(|r| r.id == "two-one-hate" || r.id == "one-person-three");
        let two = [
            c("A", "Police", "1", "2025-03-01", "2025-03-02"),
            hate(c("B", "Council", "2", "2025-03-05", "2025-03-06")),
        ];
        let e = run(&p, "2025-04-01", &two);
        assert_eq!(e.met_by.as_deref(), Some("two-one-hate"));
        let e = run(&p, "2025-04-01", &two[..1]);
        assert!(!e.met);
        let neither =
            [c("A", "Police", "1", "2025-03-01", "2025-03-02"), c("B", "Council", "2", "2025-03-05", "2025-03-06")];
        let e = run(&p, "2025-04-01", &neither);
        assert!(!e.met);
        assert_eq!(
            rule(&e, "two-one-hate").explanation,
            "Not met: 2 qualifying incidents (at least 2 needed), 0 hate-related (at least 1 needed)."
        );
        // The hate flag on any report of an incident makes the incident hate-related.
        let same = [
            c("A", "Police", "1", "2025-03-01", "2025-03-02"),
            hate(c("A", "Council", "1", "2025-03-01", "2025-03-03")),
            c("B", "Council", "2", "2025-03-05", "2025-03-06"),
        ];
        assert_eq!(run(&p, "2025-04-01", &same).met_by.as_deref(), Some("two-one-hate"));
    }

    #[test]
    fn a_senior_manager_may_trigger_for_a_vulnerable_victim() {
        let d1 =
            Discretion { by: "Pat Lee, Head of Community Safety".into(), reason: "repeat victim, disabled".into() };
        let input = |vulnerable, discretion| ThresholdInput {
            received_on: d("2025-04-01"),
            complaints: &[],
            vulnerable,
            discretion,
        };
        let e = evaluate(&local(), &input(true, Some(&d1)));
        assert!(e.met);
        assert_eq!(e.met_by.as_deref(), Some("senior-manager"));
        assert!(rule(&e, "senior-manager").explanation.starts_with("Met: Pat Lee"));
        let e = evaluate(&local(), &input(false, Some(&d1)));
        assert!(!e.met);
        assert!(rule(&e, "senior-manager").explanation.contains("not recorded as vulnerable"));
        let e = evaluate(&local(), &input(true, None));
        assert!(!e.met);
        assert_eq!(rule(&e, "senior-manager").explanation, "Not met: no senior manager's decision is recorded.");
        // The national default has no discretionary rule.
        assert!(!evaluate(&national(), &input(true, Some(&d1))).met);
    }

    #[test]
    fn the_first_rule_met_is_the_one_recorded_and_every_rule_is_reported() {
        let cs = [
            hate(c("A", "Council", "1", "2025-03-01", "2025-03-02")),
            c("A", "Police", "2", "2025-03-10", "2025-03-11"),
            c("A", "Housing", "3", "2025-03-12", "2025-03-12"),
        ];
        let e = run(&local(), "2025-04-01", &cs);
        assert_eq!(e.met_by.as_deref(), Some("one-person-three"));
        assert_eq!(e.rules.len(), 5);
        assert!(rule(&e, "one-hate-incident").met && rule(&e, "two-one-hate").met);
        assert!(!rule(&e, "several-people-five").met);
    }

    #[test]
    fn the_evaluation_round_trips_as_json() {
        let e = run(&local(), "2025-04-01", &[c("A", "Council", "1", "2025-03-01", "2025-03-02")]);
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Evaluation>(&text).unwrap(), e);
    }
}
