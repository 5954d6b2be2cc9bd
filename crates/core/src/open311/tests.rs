use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    // 1 September 2026, 12:00 UTC: 13:00 in London (BST).
    Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap()
}

fn good() -> RawRequest {
    RawRequest {
        service_code: "asb-nuisance".into(),
        lat: "51.5154".into(),
        long: "-0.0922".into(),
        first_name: "Jane".into(),
        last_name: "Smith".into(),
        email: "Jane@Example.org".into(),
        description: "A group shouting outside every night after midnight".into(),
        ..Default::default()
    }
}

fn fields(e: Problems) -> Vec<String> {
    e.0.into_iter().map(|p| p.field).collect()
}

#[test]
fn a_good_request_is_a_report_over_open311_with_the_reporter_as_victim() {
    let r = good().to_report(now()).unwrap();
    assert_eq!(r.channel, "open311");
    assert_eq!(r.category, "nuisance");
    assert_eq!(r.location, "Near 51.51540, -0.09220 (a point sent over Open311)");
    assert_eq!(r.reporter.name, "Jane Smith");
    assert_eq!(r.victims, vec![r.reporter.clone()]);
    // No occurred_at: now, in London time (BST).
    assert_eq!(r.occurred_at, "2026-09-01T13:00");
    assert!(!r.hate_related);
    let checked = r.check(now()).unwrap();
    assert_eq!(checked.reporter.email, "jane@example.org");
}

#[test]
fn every_service_maps_to_its_category() {
    for s in SERVICES {
        let r = RawRequest { service_code: s.code.into(), ..good() }.to_report(now()).unwrap();
        assert_eq!(r.category, s.category.slug());
    }
    assert_eq!(SERVICES.len(), Category::ALL.len(), "one service per category");
}

#[test]
fn an_address_is_used_as_given_and_its_postcode_found() {
    let r = RawRequest {
        lat: String::new(),
        long: String::new(),
        address_string: "12 High Street, Luton lu1 1aa".into(),
        ..good()
    }
    .to_report(now())
    .unwrap();
    assert_eq!(r.location, "12 High Street, Luton lu1 1aa");
    assert_eq!(r.location_postcode, "LU1 1AA");
    let r = RawRequest { address_string: "Outside the station".into(), ..good() }.to_report(now()).unwrap();
    assert_eq!((r.location.as_str(), r.location_postcode.as_str()), ("Outside the station", ""));
}

#[test]
fn attributes_set_the_time_hate_and_victim() {
    let mut req = good();
    req.attributes.insert("occurred_at".into(), "2026-08-31T23:30:00Z".into());
    req.attributes.insert("hate_related".into(), "Yes".into());
    req.attributes.insert("victim_name".into(), "Sam Patel".into());
    let r = req.to_report(now()).unwrap();
    // 23:30 UTC on 31 August is 00:30 on 1 September in London.
    assert_eq!(r.occurred_at, "2026-09-01T00:30");
    assert!(r.hate_related);
    assert_eq!(r.victims.len(), 1);
    assert_eq!(r.victims[0].name, "Sam Patel");
    assert_eq!(r.reporter.name, "Jane Smith");
    // A London local time is taken as given; "no" and empty are not hate-related.
    let mut req = good();
    req.attributes.insert("occurred_at".into(), "2026-08-30T21:15".into());
    req.attributes.insert("hate_related".into(), "no".into());
    let r = req.to_report(now()).unwrap();
    assert_eq!((r.occurred_at.as_str(), r.hate_related), ("2026-08-30T21:15", false));
}

#[test]
fn every_problem_is_named_by_the_parameter_sent() {
    let mut req = RawRequest {
        service_code: "pothole".into(),
        lat: "51.5".into(),
        long: "not a number".into(),
        email: "not an email".into(),
        ..Default::default()
    };
    req.attributes.insert("hate_related".into(), "maybe".into());
    req.attributes.insert("occurred_at".into(), "last night".into());
    req.attributes.insert("colour".into(), "red".into());
    let f = fields(req.to_report(now()).unwrap_err());
    for want in [
        "service_code",
        "attribute[colour]",
        "lat",
        "attribute[hate_related]",
        "attribute[occurred_at]",
        "first_name",
        "email",
        "description",
    ] {
        assert!(f.iter().any(|g| g == want), "{want} missing from {f:?}");
    }
    assert!(!f.iter().any(|g| g == "category"), "report field names never leak: {f:?}");
}

#[test]
fn a_place_is_required_and_must_be_in_england_or_wales() {
    let f = fields(RawRequest { lat: String::new(), long: String::new(), ..good() }.to_report(now()).unwrap_err());
    assert_eq!(f, vec!["address_string"]);
    // Swapped latitude and longitude.
    let f =
        fields(RawRequest { lat: "-0.0922".into(), long: "51.5154".into(), ..good() }.to_report(now()).unwrap_err());
    assert_eq!(f, vec!["lat"]);
    // Only one of the pair.
    let f = fields(RawRequest { long: String::new(), ..good() }.to_report(now()).unwrap_err());
    assert_eq!(f, vec!["lat"]);
    // Infinity is not a place.
    let f = fields(RawRequest { lat: "inf".into(), ..good() }.to_report(now()).unwrap_err());
    assert_eq!(f, vec!["lat"]);
}

#[test]
fn a_future_time_is_refused() {
    let mut req = good();
    req.attributes.insert("occurred_at".into(), "2026-09-02T12:00:00+01:00".into());
    let e = req.to_report(now()).unwrap_err();
    assert_eq!(fields(e), vec!["attribute[occurred_at]"]);
}

#[test]
fn public_status_follows_the_case() {
    let t = now();
    let open = PublicRequest::new(7, Category::Personal, false, false, "Luton Borough Council".into(), t, t);
    assert_eq!((open.status, open.service_code), (Status::Open, "asb-personal"));
    assert!(open.status_notes.starts_with("Received"));
    let in_case = PublicRequest::new(7, Category::Personal, true, false, String::new(), t, t);
    assert_eq!(in_case.status, Status::Open);
    assert!(in_case.status_notes.contains("open case"));
    let closed = PublicRequest::new(7, Category::Environmental, true, true, String::new(), t, t);
    assert_eq!((closed.status, closed.service_code), (Status::Closed, "asb-environmental"));
}

#[test]
fn status_filters_parse() {
    assert_eq!(Status::parse_filter("open").unwrap(), vec![Status::Open]);
    assert_eq!(Status::parse_filter("Open, closed").unwrap(), vec![Status::Open, Status::Closed]);
    assert_eq!(Status::parse_filter("pending").unwrap_err().field, "status");
}

#[test]
fn search_ranges_default_to_90_days_and_are_bounded() {
    let (from, to) = search_range(None, None, now()).unwrap();
    assert_eq!((to, to - from), (now(), chrono::Duration::days(90)));
    let (from, to) = search_range(Some("2026-08-01T00:00:00Z"), None, now()).unwrap();
    assert_eq!((from, to), (Utc.with_ymd_and_hms(2026, 8, 1, 0, 0, 0).unwrap(), now()));
    // Exactly 90 days is allowed; a second more is not.
    assert!(search_range(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"), now()).is_ok());
    assert_eq!(
        search_range(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:01Z"), now()).unwrap_err().field,
        "end_date"
    );
    assert_eq!(
        search_range(Some("2026-05-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"), now()).unwrap_err().field,
        "start_date"
    );
    assert_eq!(search_range(Some("yesterday"), None, now()).unwrap_err().field, "start_date");
}

#[test]
fn postcodes_are_found_in_addresses() {
    assert_eq!(postcode_in("12 High Street, Luton LU1 1AA").as_deref(), Some("LU1 1AA"));
    assert_eq!(postcode_in("Flat 2, EC2V7HH").as_deref(), Some("EC2V 7HH"));
    assert_eq!(postcode_in("Behind the shops"), None);
}
