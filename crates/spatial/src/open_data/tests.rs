//! The engine built from a handful of records, its answers checked whole.

use peel_core::geo::{LatLng, ONE_MILE_M};
use peel_core::records::{StoredCrime, StoredOutcome, StoredStop};
use peel_core::{CategoryFilter, CrimeCategory, Month, Outcome};

use peel_core::geography::Geography;

use super::{Builder, OpenData};

fn m(s: &str) -> Month {
    s.parse().expect("month")
}

fn crime(
    id: i64,
    month: &str,
    pid: Option<&'static str>,
    category: CrimeCategory,
    at: Option<i64>,
) -> StoredCrime<'static> {
    StoredCrime {
        id,
        force_id: "city-of-london",
        month: m(month),
        persistent_id: pid,
        category,
        location_id: at,
        lsoa_name: Some("City of London 001A"),
        last_outcome: (category != CrimeCategory::AntiSocialBehaviour).then_some(Outcome::UnderInvestigation),
        context: "",
        location_type: "Force",
        location_subtype: "",
    }
}

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn engine() -> OpenData {
    let mut b = Builder::new();
    b.location(7, LatLng { lat: 51.515, lng: -0.09 }, "On or near \"Cheapside\"").expect("point");
    b.location(3, LatLng { lat: 51.516, lng: -0.091 }, "On or near Bank").expect("point");
    b.location(9, LatLng { lat: 52.5, lng: -1.0 }, "").expect("point");
    b.import("street", "city-of-london", m("2024-01"));
    b.import("street", "city-of-london", m("2024-02"));
    b.import("stop-and-search", "city-of-london", m("2024-01"));
    // Out of order on purpose: the engine sorts.
    b.crime(crime(12, "2024-01", Some(A), CrimeCategory::Burglary, Some(7))).expect("crime");
    b.crime(crime(10, "2024-01", None, CrimeCategory::AntiSocialBehaviour, Some(3))).expect("crime");
    b.crime(crime(11, "2024-01", Some("Odd-Id"), CrimeCategory::Robbery, Some(7))).expect("crime");
    b.crime(crime(13, "2024-01", Some(B), CrimeCategory::Burglary, None)).expect("crime");
    // A repeated reference: the first stored crime (lowest id) answers for it.
    b.crime(crime(20, "2024-02", Some(A), CrimeCategory::Burglary, Some(3))).expect("crime");
    b.outcome(StoredOutcome {
        id: 2,
        force_id: "city-of-london",
        month: m("2024-02"),
        persistent_id: A,
        outcome: Outcome::Charged,
        location_id: Some(7),
    })
    .expect("outcome");
    b.outcome(StoredOutcome {
        id: 1,
        force_id: "city-of-london",
        month: m("2024-01"),
        persistent_id: A,
        outcome: Outcome::UnderInvestigation,
        location_id: Some(7),
    })
    .expect("outcome");
    // An outcome of a crime not held: counted, never listed.
    b.outcome(StoredOutcome {
        id: 3,
        force_id: "city-of-london",
        month: m("2024-02"),
        persistent_id: "cccc",
        outcome: Outcome::Charged,
        location_id: Some(7),
    })
    .expect("outcome");
    b.stop(StoredStop {
        id: 5,
        force_id: "city-of-london",
        month: m("2024-01"),
        kind: "Person search",
        datetime: "2024-01-05T10:00:00+00:00",
        operation: Some(false),
        operation_name: None,
        location_id: Some(3),
        gender: Some("Male"),
        age_range: Some("18-24"),
        self_defined_ethnicity: None,
        officer_defined_ethnicity: Some("White"),
        legislation: Some("Misuse of Drugs Act 1971 (section 23)"),
        object_of_search: Some("Controlled drugs"),
        outcome: Some("Arrest"),
        outcome_linked_to_object_of_search: Some(true),
        removal_of_more_than_outer_clothing: None,
    })
    .expect("stop");
    b.finish(42, Geography::default(), Vec::new()).expect("engine")
}

fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn answers_area_queries_from_memory() {
    let d = engine();
    assert_eq!((d.version(), d.latest_month(), d.point_count()), (42, Some(m("2024-02")), 3));
    let near = d.points_within_radius(LatLng { lat: 51.515, lng: -0.09 }, ONE_MILE_M);
    assert_eq!(near.len(), 2);
    assert_eq!(d.count_crimes(m("2024-01"), &near, CategoryFilter::All), 3);
    assert_eq!(d.count_crimes(m("2024-01"), &near, CategoryFilter::Only(CrimeCategory::Robbery)), 1);
    assert_eq!(d.count_crimes(m("2023-12"), &near, CategoryFilter::All), 0);
    let cheapside =
        r#"{"latitude":"51.515000","street":{"id":7,"name":"On or near \"Cheapside\""},"longitude":"-0.090000"}"#;
    let bank = r#"{"latitude":"51.516000","street":{"id":3,"name":"On or near Bank"},"longitude":"-0.091000"}"#;
    let got = text(|o| d.write_crimes(o, m("2024-01"), &near, CategoryFilter::All));
    let want = format!(
        "[{{\"category\":\"anti-social-behaviour\",\"persistent_id\":\"\",\"location_subtype\":\"\",\"id\":10,\"location\":{bank},\"context\":\"\",\"month\":\"2024-01\",\"location_type\":\"Force\",\"outcome_status\":null}},\
{{\"category\":\"robbery\",\"persistent_id\":\"Odd-Id\",\"location_subtype\":\"\",\"id\":11,\"location\":{cheapside},\"context\":\"\",\"month\":\"2024-01\",\"location_type\":\"Force\",\"outcome_status\":{{\"category\":\"Under investigation\",\"date\":\"2024-01\"}}}},\
{{\"category\":\"burglary\",\"persistent_id\":\"{A}\",\"location_subtype\":\"\",\"id\":12,\"location\":{cheapside},\"context\":\"\",\"month\":\"2024-01\",\"location_type\":\"Force\",\"outcome_status\":{{\"category\":\"Under investigation\",\"date\":\"2024-02\"}}}}]"
    );
    assert_eq!(got, want);
    let unplaced = text(|o| d.write_crimes_without_location(o, "city-of-london", m("2024-01"), CategoryFilter::All));
    assert!(
        unplaced.contains("\"id\":13,\"location\":null") && unplaced.contains("\"location_type\":null"),
        "{unplaced}"
    );
    assert_eq!(text(|o| d.write_crimes_without_location(o, "kent", m("2024-01"), CategoryFilter::All)), "[]");
}

#[test]
fn ties_outcomes_to_their_crimes() {
    let d = engine();
    let at = [d.point_by_location_id(7).expect("point 7")];
    // Both outcome records of February count towards the limit; the one
    // whose crime is not held is not listed.
    assert_eq!(d.count_outcomes(m("2024-02"), &at), 2);
    let got = text(|o| d.write_outcomes(o, m("2024-02"), &at));
    assert!(got.starts_with(r#"[{"category":{"code":"charged","name":"#), "{got}");
    assert!(got.contains(r#""date":"2024-02","person_id":null,"crime":{"category":"burglary""#), "{got}");
    assert!(got.contains(r#""id":12,"#) && !got.contains("outcome_status"), "{got}");
    let crime = d.crime(A).expect("held");
    assert_eq!((crime.id(), crime.month()), (12, m("2024-01")));
    assert_eq!(crime.history(), vec![(m("2024-01"), Outcome::UnderInvestigation), (m("2024-02"), Outcome::Charged)]);
    assert_eq!(crime.outcome_status(), Some((Outcome::UnderInvestigation, m("2024-02"))));
    let history = text(|o| {
        assert!(d.write_case_history(o, B));
    });
    assert!(history.ends_with(r#""outcomes":null}"#), "{history}");
    assert!(!d.write_case_history(&mut Vec::new(), "cccc"));
    assert!(d.crime(&A.to_uppercase()).is_none(), "ids match exactly");
}

#[test]
fn writes_stops_and_counts_figures() {
    let d = engine();
    let bank = d.point_by_location_id(3).expect("point 3");
    let got = text(|o| d.write_stops(o, m("2024-01"), &[bank]));
    assert!(got.starts_with(r#"[{"age_range":"18-24","officer_defined_ethnicity":"White","involved_person":true,"self_defined_ethnicity":null,"gender":"Male""#), "{got}");
    assert!(got.contains(r#""outcome_object":{"id":"bu-arrest","name":"Arrest"}"#), "{got}");
    assert!(got.ends_with(r#""operation":false,"outcome":"Arrest","type":"Person search","operation_name":null,"removal_of_more_than_outer_clothing":null}]"#), "{got}");
    assert_eq!(text(|o| d.write_force_stops(o, "city-of-london", m("2024-01"), true)), "[]");
    assert_eq!(text(|o| d.write_force_stops(o, "city-of-london", m("2024-01"), false)), got);
    assert_eq!(d.street_dates(), &[(m("2024-02"), vec![]), (m("2024-01"), vec!["city-of-london".to_string()])]);
    let jan = d.force_counts(Some("city-of-london"), m("2024-01"), m("2024-01"));
    assert_eq!(jan.iter().map(|c| c.2).sum::<i64>(), 4);
    assert_eq!(d.local_authority_counts("city-of-london", "City of London", m("2024-01"), m("2024-02")).len(), 4);
    assert_eq!(d.force_totals(m("2024-02")), vec![("city-of-london".to_string(), 1)]);
}

#[test]
fn counts_stops_by_field() {
    use peel_core::stop_search::{Field, Linked, NOT_STATED};
    let d = engine();
    assert_eq!(d.stop_months("city-of-london"), vec![m("2024-01")]);
    assert!(d.stop_months("kent").is_empty());
    assert_eq!(d.stop_forces(m("2024-01")), vec!["city-of-london"]);
    assert!(d.force_stop_counts("city-of-london", m("2024-02")).is_none(), "no file that month: not held");
    let c = d.force_stop_counts("city-of-london", m("2024-01")).expect("held");
    assert_eq!((c.total, c.without_location), (1, 0));
    let one = |v: &str| [(v.to_string(), 1u64)].into_iter().collect::<std::collections::BTreeMap<_, _>>();
    assert_eq!(c.of(Field::ObjectOfSearch), &one("Controlled drugs"));
    assert_eq!(c.of(Field::SelfDefinedEthnicity), &one(NOT_STATED));
    assert_eq!(c.of(Field::Outcome), &one("Arrest"));
    assert_eq!(c.linked, Linked { yes: 1, no: 0, not_stated: 0 });
    let bank = d.point_by_location_id(3).expect("point 3");
    let cheapside = d.point_by_location_id(7).expect("point 7");
    let mut both = vec![bank, cheapside];
    both.sort_unstable();
    assert_eq!(d.stop_counts_at_points(&both, m("2024-01")), c);
    assert_eq!(d.stop_counts_at_points(&[cheapside], m("2024-01")).total, 0);
}

#[test]
fn refuses_what_it_cannot_hold() {
    let mut b = Builder::new();
    assert!(b.crime(crime(1, "2024-01", None, CrimeCategory::Burglary, Some(99))).is_err(), "an unknown map point");
    assert!(b.location(1, LatLng { lat: 51.0, lng: 0.0 }, "").is_err(), "points come first");
    let mut b = Builder::new();
    b.location(1, LatLng { lat: 51.0, lng: 0.0 }, "").expect("point");
    b.location(1, LatLng { lat: 52.0, lng: 0.0 }, "").expect("point");
    assert!(b.finish(1, Geography::default(), Vec::new()).is_err(), "a location id held twice");
}
