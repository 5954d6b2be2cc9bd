//! Open311 GeoReport v2: the services peel offers street-reporting apps and
//! how a service request becomes an anti-social behaviour report.
//!
//! GeoReport v2 was written for potholes and street lights, where a request
//! and everything in it can be public. ASB reports are about people, so peel
//! takes requests in through the standard but answers the public only with
//! what cannot identify anyone: the service, the status and the times. The
//! mapping lives here, with no I/O, so the rules can be read and tested in
//! one place; `peel-web` speaks the protocol and `peel-store` keeps the
//! reports.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::asb::report::OCCURRED_FORMAT;
use crate::asb::{Category, Invalid, Problems, RawPerson, RawReport};
use crate::pledge::london;

/// The specification peel follows, as the discovery document names it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// One service a street-reporting app can offer: a kind of ASB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub keywords: &'static str,
    pub category: Category,
}

/// The services, one per Home Office ASB category.
pub const SERVICES: &[Service] = &[
    Service {
        code: "asb-personal",
        name: "Anti-social behaviour aimed at you or someone you know",
        description: "Behaviour that targets a person or a family: harassment, intimidation, threats or abuse.",
        keywords: "anti-social behaviour,harassment,intimidation,threats",
        category: Category::Personal,
    },
    Service {
        code: "asb-nuisance",
        name: "Anti-social behaviour that affects the community",
        description: "Behaviour that causes trouble or annoyance to people in an area: rowdy groups, noisy neighbours, drug use in public.",
        keywords: "anti-social behaviour,nuisance,noise,rowdy",
        category: Category::Nuisance,
    },
    Service {
        code: "asb-environmental",
        name: "Anti-social behaviour that damages a public space",
        description: "Behaviour that spoils the surroundings: graffiti, fly-tipping, litter, abandoned vehicles.",
        keywords: "anti-social behaviour,graffiti,fly-tipping,litter",
        category: Category::Environmental,
    },
];

pub fn service(code: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.code == code.trim())
}

/// The group every service belongs to, in service lists.
pub const GROUP: &str = "Anti-social behaviour";

/// How an attribute's value is given (GeoReport v2 `datatype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    String,
    Datetime,
    SingleValueList,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Datetime => "datetime",
            Datatype::SingleValueList => "singlevaluelist",
        }
    }
}

/// A question a service asks beyond the standard fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub code: &'static str,
    pub datatype: Datatype,
    pub required: bool,
    pub description: &'static str,
    /// (key, name) for list attributes.
    pub values: &'static [(&'static str, &'static str)],
}

/// The attributes every ASB service asks (`attribute[code]=value` on POST).
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        code: "occurred_at",
        datatype: Datatype::Datetime,
        required: false,
        description: "When did it happen? Leave out if it is happening now.",
        values: &[],
    },
    Attribute {
        code: "hate_related",
        datatype: Datatype::SingleValueList,
        required: false,
        description: "Do you think it happened because of someone's race, religion, sexual orientation, disability or gender identity?",
        values: &[("yes", "Yes"), ("no", "No")],
    },
    Attribute {
        code: "victim_name",
        datatype: Datatype::String,
        required: false,
        description: "If it happened to someone else, their name. Leave out if it happened to you.",
        values: &[],
    },
];

/// A service request as an app sends it (GeoReport v2 POST `requests`):
/// every field optional text until checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRequest {
    pub service_code: String,
    pub lat: String,
    pub long: String,
    pub address_string: String,
    pub address_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub description: String,
    /// A link to a photo or video, kept on the report for staff.
    pub media_url: String,
    /// `attribute[code]` values.
    pub attributes: BTreeMap<String, String>,
}

/// Where a report's problem field came from in the request, so an app's
/// developer sees the name of the parameter they sent.
fn request_field(report_field: &str, victim_named: bool) -> String {
    match report_field {
        "category" => "service_code".into(),
        "location" => "address_string".into(),
        "location_postcode" => "address_string".into(),
        "occurred_at" => "attribute[occurred_at]".into(),
        "reporter_name" => "first_name".into(),
        "reporter_phone" => "phone".into(),
        "reporter_email" => "email".into(),
        "victim0_name" if victim_named => "attribute[victim_name]".into(),
        "victim0_name" => "first_name".into(),
        f if f.starts_with("victim0_") && !victim_named => f.replacen("victim0_", "", 1).replace("name", "first_name"),
        other => other.into(),
    }
}

fn parse_lat_long(lat: &str, long: &str, problems: &mut Vec<Invalid>) -> Option<(f64, f64)> {
    let parse = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    match (parse(lat), parse(long)) {
        // England and Wales with a margin: a point outside is a mistake
        // (latitude and longitude swapped, or another country).
        (Some(la), Some(lo)) if (49.8..=56.0).contains(&la) && (-6.5..=2.1).contains(&lo) => Some((la, lo)),
        (Some(_), Some(_)) => {
            problems.push(Invalid::new(
                "lat",
                "lat and long must be a point in England or Wales, in decimal degrees (WGS84), like lat=51.5154 and long=-0.0922.",
            ));
            None
        }
        _ => {
            problems.push(Invalid::new(
                "lat",
                "lat and long must both be decimal degrees (WGS84), like lat=51.5154 and long=-0.0922.",
            ));
            None
        }
    }
}

/// The last postcode written in an address ("12 High St, Luton LU1 1AA"),
/// so same-address matching works for reports sent over Open311 too.
fn postcode_in(address: &str) -> Option<String> {
    let words: Vec<&str> = address.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    (0..words.len()).rev().find_map(|i| {
        let pair = (i + 1 < words.len()).then(|| format!("{} {}", words[i], words[i + 1]));
        pair.and_then(|p| crate::asb::identity::normalise_postcode(&p))
            .or_else(|| (words[i].len() >= 5).then(|| crate::asb::identity::normalise_postcode(words[i])).flatten())
    })
}

/// `attribute[occurred_at]`: a W3C date-time with an offset (the standard's
/// form), or a London local `YYYY-MM-DDTHH:MM`. Stored as London local time,
/// as reports taken by phone are.
fn occurred_at(raw: Option<&String>, now: DateTime<Utc>, problems: &mut Vec<Invalid>) -> String {
    let Some(raw) = raw.map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return london::to_local(now).format(OCCURRED_FORMAT).to_string();
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return london::to_local(t.with_timezone(&Utc)).format(OCCURRED_FORMAT).to_string();
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(raw, OCCURRED_FORMAT) {
        return t.format(OCCURRED_FORMAT).to_string();
    }
    problems.push(Invalid::new(
        "attribute[occurred_at]",
        "attribute[occurred_at] must be a date and time like 2026-09-01T21:30:00+01:00.",
    ));
    // A placeholder the report check accepts, so its own problems are still
    // listed; the request is refused either way.
    london::to_local(now).format(OCCURRED_FORMAT).to_string()
}

impl RawRequest {
    /// The fields of a POST `requests` from its decoded form pairs (the
    /// query string's and the body's). Unknown parameters are ignored, as
    /// the standard lets a server do; of a repeated one the last counts.
    pub fn from_form(pairs: &[(String, String)]) -> RawRequest {
        let mut r = RawRequest::default();
        for (k, v) in pairs {
            let slot = match k.as_str() {
                "service_code" => &mut r.service_code,
                "lat" => &mut r.lat,
                "long" => &mut r.long,
                "address_string" => &mut r.address_string,
                "address_id" => &mut r.address_id,
                "email" => &mut r.email,
                "first_name" => &mut r.first_name,
                "last_name" => &mut r.last_name,
                "phone" => &mut r.phone,
                "description" => &mut r.description,
                "media_url" => &mut r.media_url,
                k => {
                    if let Some(code) = k.strip_prefix("attribute[").and_then(|c| c.strip_suffix(']')) {
                        r.attributes.insert(code.to_string(), v.clone());
                    }
                    continue;
                }
            };
            *slot = v.clone();
        }
        r
    }

    /// Checks the request and turns it into a report taken over Open311.
    /// Every problem is listed, each named by the request parameter it is
    /// about. The reporter is the victim unless `attribute[victim_name]`
    /// names someone else.
    pub fn to_report(&self, now: DateTime<Utc>) -> Result<RawReport, Problems> {
        let mut problems = Vec::new();
        let service = service(&self.service_code);
        if service.is_none() {
            let codes: Vec<&str> = SERVICES.iter().map(|s| s.code).collect();
            problems.push(Invalid::new(
                "service_code",
                format!(
                    "service_code {:?} is not a service here; use one of: {} (GET services.json lists them).",
                    self.service_code.trim(),
                    codes.join(", ")
                ),
            ));
        }
        for code in self.attributes.keys() {
            if !ATTRIBUTES.iter().any(|a| a.code == code) {
                problems.push(Invalid::new(
                    format!("attribute[{code}]"),
                    format!("attribute[{code}] is not asked by this service; see its service definition."),
                ));
            }
        }
        let has_point = !self.lat.trim().is_empty() || !self.long.trim().is_empty();
        let point = if has_point { parse_lat_long(&self.lat, &self.long, &mut problems) } else { None };
        let address = self.address_string.trim();
        let location = match (address.is_empty(), point) {
            (false, _) => address.to_string(),
            (true, Some((la, lo))) => format!("Near {la:.5}, {lo:.5} (a point sent over Open311)"),
            (true, None) => {
                if !has_point {
                    problems.push(Invalid::new(
                        "address_string",
                        "Say where it happened: send lat and long, or address_string.",
                    ));
                }
                String::new()
            }
        };
        let location_postcode = postcode_in(address).unwrap_or_default();
        let hate_related = match self.attributes.get("hate_related").map(|v| v.trim().to_ascii_lowercase()) {
            None => false,
            Some(v) if v.is_empty() || v == "no" => false,
            Some(v) if v == "yes" => true,
            Some(_) => {
                problems.push(Invalid::new("attribute[hate_related]", "attribute[hate_related] must be yes or no."));
                false
            }
        };
        let occurred_at = occurred_at(self.attributes.get("occurred_at"), now, &mut problems);
        let name = format!("{} {}", self.first_name.trim(), self.last_name.trim()).trim().to_string();
        let reporter = RawPerson {
            name,
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: String::new(),
            postcode: String::new(),
        };
        let victim_name = self.attributes.get("victim_name").map(|v| v.trim()).filter(|v| !v.is_empty());
        let victim = match victim_name {
            Some(n) => RawPerson { name: n.to_string(), ..Default::default() },
            None => reporter.clone(),
        };
        let report = RawReport {
            channel: "open311".into(),
            referred_by: String::new(),
            category: service.map(|s| s.category.slug().to_string()).unwrap_or_default(),
            hate_related,
            occurred_at,
            location,
            location_postcode,
            description: self.description.clone(),
            reporter,
            victims: vec![victim],
            media_url: self.media_url.clone(),
        };
        if let Err(Problems(more)) = report.check(now) {
            for p in more {
                // The service code's own problem is already listed.
                if p.field == "category" && service.is_none() {
                    continue;
                }
                let field = request_field(&p.field, victim_name.is_some());
                // A bad point already says where the place went wrong.
                if field == "address_string" && has_point && point.is_none() {
                    continue;
                }
                // Our own message for a parameter is the more specific one.
                if !problems.iter().any(|q: &Invalid| q.field == field) {
                    problems.push(Invalid::new(field, p.message));
                }
            }
        }
        if problems.is_empty() { Ok(report) } else { Err(Problems(problems)) }
    }
}

/// A request's state as the public sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// The `status` filter of GET `requests` (comma-separated, any case).
    pub fn parse_filter(s: &str) -> Result<Vec<Status>, Invalid> {
        s.split(',')
            .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                "open" => Ok(Status::Open),
                "closed" => Ok(Status::Closed),
                other => Err(Invalid::new("status", format!("status {other:?} is not known; use open or closed."))),
            })
            .collect()
    }
}

/// What the public may see of a request: nothing about a person, and not
/// where it happened (a location can name a victim's home).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRequest {
    pub id: i64,
    pub service_code: &'static str,
    pub service_name: &'static str,
    pub status: Status,
    /// Plain English: what is happening with it.
    pub status_notes: &'static str,
    pub agency_responsible: String,
    pub requested: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

impl PublicRequest {
    /// `in_case` and `closed`: whether the report is part of a case, and
    /// whether that case is closed.
    pub fn new(
        id: i64,
        category: Category,
        in_case: bool,
        closed: bool,
        agency_responsible: String,
        requested: DateTime<Utc>,
        updated: DateTime<Utc>,
    ) -> PublicRequest {
        let service = SERVICES.iter().find(|s| s.category == category).unwrap_or(&SERVICES[0]);
        let (status, status_notes) = match (in_case, closed) {
            (_, true) => (Status::Closed, "The case this report is part of has been closed."),
            (true, false) => (Status::Open, "This report is part of an open case."),
            (false, false) => (Status::Open, "Received. It will be assessed and, where needed, made part of a case."),
        };
        PublicRequest {
            id,
            service_code: service.code,
            service_name: service.name,
            status,
            status_notes,
            agency_responsible,
            requested,
            updated,
        }
    }
}

/// The longest span GET `requests` searches, and its default when no dates
/// are given (the standard's 90 days).
pub const MAX_SEARCH_DAYS: i64 = 90;

/// Largest number of requests one GET `requests` answer lists.
pub const MAX_LIST: i64 = 1000;

/// The date range of a GET `requests` search: `start_date` and `end_date`
/// (W3C date-times), defaulting to the 90 days before now.
pub fn search_range(
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Invalid> {
    let parse = |s: &str, field: &str| {
        DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| Invalid::new(field, format!("{field} must be a W3C date and time like 2026-09-01T00:00:00Z.")))
    };
    let span = chrono::Duration::days(MAX_SEARCH_DAYS);
    let (from, to) = match (start.filter(|s| !s.trim().is_empty()), end.filter(|s| !s.trim().is_empty())) {
        (Some(s), Some(e)) => (parse(s, "start_date")?, parse(e, "end_date")?),
        (Some(s), None) => {
            let s = parse(s, "start_date")?;
            (s, (s + span).min(now))
        }
        (None, Some(e)) => {
            let e = parse(e, "end_date")?;
            (e - span, e)
        }
        (None, None) => (now - span, now),
    };
    if from > to {
        return Err(Invalid::new("start_date", "start_date must not be after end_date."));
    }
    if to - from > span {
        return Err(Invalid::new("end_date", format!("A search may span at most {MAX_SEARCH_DAYS} days.")));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests;
