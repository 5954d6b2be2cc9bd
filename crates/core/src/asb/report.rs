//! An anti-social behaviour report: who reported it, who it happened to,
//! where, what happened, when, and what kind of ASB it is.
//!
//! Input arrives as [`RawReport`] (text, from a form or JSON) and is checked
//! whole into a [`NewReport`]: every problem is reported at once, with the
//! field it is about, and nothing is stored until there are none.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::identity::{Identity, normalise_postcode, phone_key};
use super::{Invalid, Problems, slugged, text};
use crate::url::SafeUrl;

slugged! {
    /// How the report reached peel.
    Channel, "how the report was made" {
        Phone => "phone", "By phone";
        Online => "online", "Online";
        PartnerAgency => "partner-agency", "By a partner agency";
        Open311 => "open311", "Over Open311";
    }
}

slugged! {
    /// The Home Office's three ASB categories.
    Category, "the kind of anti-social behaviour" {
        /// Aimed at a person or group rather than the community at large.
        Personal => "personal", "Personal";
        /// Trouble or annoyance to the community at large.
        Nuisance => "nuisance", "Nuisance";
        /// Harm to the public space: fly-tipping, graffiti, noise from places.
        Environmental => "environmental", "Environmental";
    }
}

/// Most victims one report may name.
pub const MAX_VICTIMS: usize = 10;

/// A person's details as typed. Every field is optional text here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct RawPerson {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
}

/// A report as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct RawReport {
    pub channel: String,
    /// For reports from a partner agency: which agency.
    pub referred_by: String,
    pub category: String,
    pub hate_related: bool,
    /// When it happened: `YYYY-MM-DDTHH:MM` (a form's datetime-local).
    pub occurred_at: String,
    pub location: String,
    pub location_postcode: String,
    pub description: String,
    pub reporter: RawPerson,
    pub victims: Vec<RawPerson>,
    /// A link to a photo or video the reporter sent (Open311's `media_url`).
    pub media_url: String,
}

/// A checked person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// Normalised (`LU1 1AA`), or empty.
    pub postcode: String,
}

impl Person {
    pub fn identity(&self) -> Identity {
        Identity::new(&self.name, &self.postcode, &self.phone, &self.email, &self.address)
    }
}

/// A checked report, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub channel: Channel,
    pub referred_by: String,
    pub category: Category,
    pub hate_related: bool,
    pub occurred_at: NaiveDateTime,
    pub location: String,
    pub location_postcode: String,
    pub description: String,
    pub reporter: Person,
    pub victims: Vec<Person>,
    /// An `http` or `https` link to a photo or video, as sent; not fetched.
    pub media_url: Option<SafeUrl>,
}

/// The longest media link kept.
pub const MAX_MEDIA_URL: usize = crate::url::MAX_URL;

/// Checks a link to a photo or video: an `http` or `https` link with a host
/// ([`SafeUrl::parse_web`]). peel keeps the link and never fetches it, so
/// staff follow it knowing it came from the reporter's app.
pub fn check_media_url(raw: &str) -> Result<Option<SafeUrl>, Invalid> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    SafeUrl::parse_web(raw).map(Some).map_err(|e| {
        Invalid::new(
            "media_url",
            format!(
                "media_url {e}: send an http or https link of at most {MAX_MEDIA_URL} characters, like https://example.org/photo.jpg."
            ),
        )
    })
}

/// The stored form of [`NewReport::occurred_at`].
pub const OCCURRED_FORMAT: &str = "%Y-%m-%dT%H:%M";

fn person(p: &RawPerson, field: &str, who: &str, problems: &mut Vec<Invalid>) -> Person {
    let mut take = |r: Result<String, Invalid>| {
        r.unwrap_or_else(|e| {
            problems.push(e);
            String::new()
        })
    };
    let name = take(text(&p.name, &format!("{field}_name"), &format!("the {who}'s name"), true, 200, false));
    let phone = take(text(&p.phone, &format!("{field}_phone"), &format!("the {who}'s phone number"), false, 40, false));
    let email =
        take(text(&p.email, &format!("{field}_email"), &format!("the {who}'s email address"), false, 254, false));
    let address =
        take(text(&p.address, &format!("{field}_address"), &format!("the {who}'s address"), false, 500, false));
    if !phone.is_empty() && (phone_key(&phone).is_empty() || phone.chars().any(|c| c.is_alphabetic())) {
        problems.push(Invalid::new(
            format!("{field}_phone"),
            format!("Enter the {who}'s phone number with at least 10 digits, like 01582 123456."),
        ));
    }
    if !email.is_empty() && !plausible_email(&email) {
        problems.push(Invalid::new(
            format!("{field}_email"),
            format!("Enter the {who}'s email address in the right form, like name@example.org."),
        ));
    }
    let postcode = if p.postcode.trim().is_empty() {
        String::new()
    } else {
        normalise_postcode(&p.postcode).unwrap_or_else(|| {
            problems.push(Invalid::new(
                format!("{field}_postcode"),
                format!("Enter the {who}'s postcode in the right form, like LU1 1AA."),
            ));
            String::new()
        })
    };
    Person { name, phone, email: email.to_lowercase(), address, postcode }
}

fn plausible_email(e: &str) -> bool {
    !e.chars().any(char::is_whitespace)
        && matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && !d.contains('@') && d.contains('.')
            && !d.starts_with('.') && !d.ends_with('.'))
}

impl RawReport {
    /// Checks everything, reporting every problem at once. `now` bounds
    /// when the behaviour can have happened.
    pub fn check(&self, now: DateTime<Utc>) -> Result<NewReport, Problems> {
        let mut problems = Vec::new();
        let channel = Channel::parse(&self.channel, "channel").map_err(|e| problems.push(e)).ok();
        let category = Category::parse(&self.category, "category").map_err(|e| problems.push(e)).ok();
        let referred_by = text(&self.referred_by, "referred_by", "the referring agency", false, 200, false)
            .unwrap_or_else(|e| {
                problems.push(e);
                String::new()
            });
        if channel == Some(Channel::PartnerAgency) && referred_by.is_empty() {
            problems.push(Invalid::new("referred_by", "Enter the partner agency that made the report."));
        }
        let occurred_at = match NaiveDateTime::parse_from_str(self.occurred_at.trim(), OCCURRED_FORMAT) {
            Ok(t) if t.and_utc() > now + chrono::Duration::hours(1) => {
                problems.push(Invalid::new("occurred_at", "The time it happened cannot be in the future."));
                None
            }
            Ok(t) => Some(t),
            Err(_) => {
                problems.push(Invalid::new(
                    "occurred_at",
                    "Enter when it happened as a date and time, like 2026-09-01T21:30.",
                ));
                None
            }
        };
        let mut take = |r: Result<String, Invalid>| {
            r.unwrap_or_else(|e| {
                problems.push(e);
                String::new()
            })
        };
        let location = take(text(&self.location, "location", "where it happened", true, 500, false));
        let description = take(text(&self.description, "description", "what happened", true, 4000, true));
        let location_postcode = if self.location_postcode.trim().is_empty() {
            String::new()
        } else {
            normalise_postcode(&self.location_postcode).unwrap_or_else(|| {
                problems.push(Invalid::new(
                    "location_postcode",
                    "Enter the postcode where it happened in the right form, like LU1 1AA.",
                ));
                String::new()
            })
        };
        let reporter = person(&self.reporter, "reporter", "reporter", &mut problems);
        if self.victims.is_empty() {
            problems.push(Invalid::new("victim0_name", "Enter at least one victim (the reporter may be the victim)."));
        }
        if self.victims.len() > MAX_VICTIMS {
            problems.push(Invalid::new("victims", format!("A report may name at most {MAX_VICTIMS} victims.")));
        }
        let victims: Vec<Person> = self
            .victims
            .iter()
            .take(MAX_VICTIMS)
            .enumerate()
            .map(|(i, v)| person(v, &format!("victim{i}"), "victim", &mut problems))
            .collect();
        let media_url = check_media_url(&self.media_url).unwrap_or_else(|e| {
            problems.push(e);
            None
        });
        match (channel, category, occurred_at) {
            (Some(channel), Some(category), Some(occurred_at)) if problems.is_empty() => Ok(NewReport {
                channel,
                referred_by,
                category,
                hate_related: self.hate_related,
                occurred_at,
                location,
                location_postcode,
                description,
                reporter,
                victims,
                media_url,
            }),
            _ => Err(Problems(problems)),
        }
    }
}

impl NewReport {
    /// The identity of the place it happened, for same-address matching.
    pub fn location_identity(&self) -> Identity {
        Identity::new("", &self.location_postcode, "", "", &self.location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn media_links_are_http_or_https_with_a_host() {
        assert_eq!(check_media_url("  ").unwrap(), None);
        let ok = "https://photos.example.org/a/b.jpg?x=1";
        assert_eq!(check_media_url(ok).unwrap().as_deref(), Some(ok));
        assert!(check_media_url("mailto:a@example.org").is_err(), "a link to a page or file only");
        assert!(check_media_url("HTTP://example.org").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org/x",
            "https://",
            "https:///x",
            "example.org/photo.jpg",
            "https://exa mple.org",
            "data:image/png;base64,AAAA",
        ] {
            assert_eq!(check_media_url(bad).unwrap_err().field, "media_url", "{bad}");
        }
        assert!(check_media_url(&format!("https://example.org/{}", "a".repeat(MAX_MEDIA_URL))).is_err());
        let mut r = good();
        r.media_url = "javascript:alert(1)".into();
        assert_eq!(r.check(now()).unwrap_err().0[0].field, "media_url");
    }

    pub(crate) fn good() -> RawReport {
        RawReport {
            channel: "phone".into(),
            category: "personal".into(),
            occurred_at: "2026-08-31T21:30".into(),
            location: "12 High Street, Luton".into(),
            location_postcode: "lu1 1aa".into(),
            description: "Youths kicking the door\nagain".into(),
            reporter: RawPerson { name: "Jane Smith".into(), phone: "07700 900123".into(), ..Default::default() },
            victims: vec![RawPerson {
                name: "Jane Smith".into(),
                address: "12 High Street".into(),
                postcode: "LU1 1AA".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_good_report_is_normalised() {
        let r = good().check(now()).unwrap();
        assert_eq!(r.channel, Channel::Phone);
        assert_eq!(r.category, Category::Personal);
        assert_eq!(r.location_postcode, "LU1 1AA");
        assert_eq!(r.victims[0].postcode, "LU1 1AA");
        assert_eq!(r.description, "Youths kicking the door\nagain");
        assert_eq!(r.victims[0].identity().address_key, "LU1 1AA|12 high street");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let raw = RawReport {
            channel: "fax".into(),
            category: "".into(),
            occurred_at: "yesterday".into(),
            reporter: RawPerson { email: "nope".into(), postcode: "LU1".into(), ..Default::default() },
            ..Default::default()
        };
        let Problems(p) = raw.check(now()).unwrap_err();
        let fields: Vec<_> = p.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "channel",
            "category",
            "occurred_at",
            "location",
            "description",
            "reporter_name",
            "reporter_email",
            "reporter_postcode",
            "victim0_name",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(p.iter().any(|x| x.message.contains("phone, online, partner-agency, open311")));
    }

    #[test]
    fn edges() {
        let mut r = good();
        r.occurred_at = "2026-09-01T13:00".into();
        assert!(r.check(now()).is_ok(), "an hour ahead is allowed for clock drift");
        r.occurred_at = "2026-09-01T13:01".into();
        assert!(r.check(now()).is_err(), "but not more");
        let mut r = good();
        r.channel = "partner-agency".into();
        assert_eq!(r.check(now()).unwrap_err().0[0].field, "referred_by");
        r.referred_by = "Luton Homes".into();
        assert!(r.check(now()).is_ok());
        let mut r = good();
        r.victims = vec![r.victims[0].clone(); MAX_VICTIMS + 1];
        assert!(r.check(now()).is_err());
        let mut r = good();
        r.description = "x".repeat(4001);
        assert!(r.check(now()).is_err());
        r.description = "x".repeat(4000);
        assert!(r.check(now()).is_ok());
        let mut r = good();
        r.location = "two\nlines".into();
        assert!(r.check(now()).is_err());
        let mut r = good();
        r.reporter.phone = "call me".into();
        assert_eq!(r.check(now()).unwrap_err().0[0].field, "reporter_phone");
    }
}
