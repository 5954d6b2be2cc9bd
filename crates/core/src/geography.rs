//! The policing geography: force → basic command unit (BCU) → community
//! safety partnership (CSP) → neighbourhood, and postcodes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::geo::{Area, LatLng};
use crate::url::{SafeUrl, UrlError};

/// A police force and the public details police.uk shows for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Force {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub url: Option<SafeUrl>,
    pub telephone: Option<String>,
    #[serde(default)]
    pub engagement_methods: Vec<EngagementMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementMethod {
    pub url: Option<SafeUrl>,
    pub description: Option<String>,
    pub title: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// Contact details as police.uk keys them (`email`, `telephone`, `twitter`…).
/// The values of keys that hold links ([`ContactDetails::LINK_KEYS`]) are
/// safe links ([`SafeUrl`]): clients of the police.uk API show them as links.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct ContactDetails(BTreeMap<String, String>);

impl ContactDetails {
    /// The keys police.uk uses for links rather than addresses or numbers.
    pub const LINK_KEYS: &[&str] = &[
        "web",
        "facebook",
        "twitter",
        "youtube",
        "instagram",
        "flickr",
        "myspace",
        "bebo",
        "google-plus",
        "linkedin",
        "blog",
        "forum",
        "rss",
        "e-messaging",
    ];

    /// Checks every link; the first bad one is named with its key.
    pub fn new(details: BTreeMap<String, String>) -> Result<ContactDetails, BadContactLink> {
        for (key, value) in &details {
            if ContactDetails::is_link(key)
                && let Err(reason) = SafeUrl::parse(value)
            {
                return Err(BadContactLink { key: key.clone(), value: value.clone(), reason });
            }
        }
        Ok(ContactDetails(details))
    }

    pub fn is_link(key: &str) -> bool {
        ContactDetails::LINK_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key.trim()))
    }
}

impl std::ops::Deref for ContactDetails {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ContactDetails {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ContactDetails, D::Error> {
        ContactDetails::new(BTreeMap::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A contact detail that should be a link and is not a safe one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("contact_details.{key}: the link {value:?} {reason}")]
pub struct BadContactLink {
    pub key: String,
    pub value: String,
    pub reason: UrlError,
}

/// A neighbourhood: the smallest area with its own policing team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Neighbourhood {
    pub force_id: String,
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// police.uk publishes this as a string; `None` where unknown.
    pub population: Option<u64>,
    pub url_force: Option<SafeUrl>,
    pub centre: Option<LatLng>,
    #[serde(default)]
    pub contact_details: ContactDetails,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub locations: Vec<NeighbourhoodLocation>,
    pub bcu_id: Option<String>,
    pub csp_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub url: SafeUrl,
    pub title: String,
    pub description: Option<String>,
}

/// A place where the team is based or meets the public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighbourhoodLocation {
    pub name: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    pub telephone: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A member of a neighbourhood team, or a force's senior officer. These are
/// public office holders, published by police.uk by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub name: String,
    pub rank: String,
    pub bio: Option<String>,
    #[serde(default)]
    pub contact_details: ContactDetails,
}

/// A local priority agreed with the community, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    pub issue: String,
    /// `YYYY-MM-DDTHH:MM:SS`, local time, as police.uk writes it.
    pub issue_date: String,
    pub action: Option<String>,
    pub action_date: Option<String>,
}

/// A meeting, surgery or other event of the neighbourhood team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub title: String,
    pub description: Option<String>,
    pub address: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM:SS`, local time.
    pub start_date: String,
    pub end_date: Option<String>,
    #[serde(default)]
    pub contact_details: ContactDetails,
}

/// Everything a neighbourhood publishes besides its boundary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NeighbourhoodDetails {
    pub neighbourhood: Neighbourhood,
    pub team: Vec<Officer>,
    pub priorities: Vec<Priority>,
    pub events: Vec<Event>,
    /// Content made up for the demo, which pages must label as such.
    pub sample: bool,
}

/// A basic command unit: a group of local authorities a force manages as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bcu {
    pub force_id: String,
    pub id: String,
    pub name: String,
    pub commentary: Option<String>,
    pub sample: bool,
}

/// A community safety partnership, covering one local authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    pub force_id: String,
    pub id: String,
    pub name: String,
    pub bcu_id: String,
    /// As it begins police.uk's LSOA names ("Luton 012B").
    pub local_authority: String,
    pub local_authority_code: Option<String>,
    pub population: Option<i64>,
}

impl Csp {
    /// The local authority as crimes' LSOA names begin, with the characters
    /// a SQL `LIKE` pattern would treat specially left out.
    pub fn lsoa_prefix(&self) -> String {
        self.local_authority.replace(['%', '_'], "")
    }
}

/// The local authority an LSOA name belongs to: police.uk names LSOAs
/// "<local authority> <three digits and a letter>" ("Luton 012B").
pub fn lsoa_local_authority(lsoa_name: &str) -> Option<&str> {
    let mut chars = lsoa_name.char_indices().rev();
    for _ in 0..4 {
        chars.next()?;
    }
    match chars.next() {
        Some((i, ' ')) => Some(&lsoa_name[..i]),
        _ => None,
    }
}

/// A force with what police.uk and the portal show of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForceDetails {
    pub force: Force,
    /// Its senior officers, as police.uk's `forces/{id}/people` lists them.
    pub people: Vec<Officer>,
    pub commentary: Option<String>,
    pub boundary: Option<Area>,
}

/// The forces, BCUs, CSPs and neighbourhoods held, each list in a fixed
/// order so that lookups can search them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Geography {
    /// In police.uk's order.
    pub forces: Vec<ForceDetails>,
    /// By force id, then neighbourhood id (as bytes).
    pub neighbourhoods: Vec<NeighbourhoodDetails>,
    /// By force id, then name.
    pub bcus: Vec<Bcu>,
    /// By force id, then name.
    pub csps: Vec<Csp>,
}

impl Geography {
    pub fn force(&self, id: &str) -> Option<&ForceDetails> {
        self.forces.iter().find(|f| f.force.id == id)
    }

    /// A force's neighbourhoods, by id.
    pub fn neighbourhoods_of(&self, force_id: &str) -> &[NeighbourhoodDetails] {
        let list = &self.neighbourhoods;
        let a = list.partition_point(|n| n.neighbourhood.force_id.as_str() < force_id);
        let b = list.partition_point(|n| n.neighbourhood.force_id.as_str() <= force_id);
        &list[a..b]
    }

    pub fn neighbourhood(&self, force_id: &str, id: &str) -> Option<&NeighbourhoodDetails> {
        let list = self.neighbourhoods_of(force_id);
        list.binary_search_by(|n| n.neighbourhood.id.as_str().cmp(id)).ok().map(|i| &list[i])
    }

    /// A force's BCUs, by name.
    pub fn bcus_of<'a>(&'a self, force_id: &'a str) -> impl Iterator<Item = &'a Bcu> + 'a {
        self.bcus.iter().filter(move |b| b.force_id == force_id)
    }

    /// A force's CSPs, by name.
    pub fn csps_of<'a>(&'a self, force_id: &'a str) -> impl Iterator<Item = &'a Csp> + 'a {
        self.csps.iter().filter(move |c| c.force_id == force_id)
    }

    /// The partnership a neighbourhood is policed within: the one its file
    /// names, or, where it names none (or one not held), its force's only partnership (a force
    /// with several gives no answer rather than a guess).
    pub fn csp_of<'a>(&'a self, n: &'a Neighbourhood) -> Option<&'a Csp> {
        let named = n.csp_id.as_ref().and_then(|id| self.csps_of(&n.force_id).find(|c| &c.id == id));
        named.or_else(|| {
            let mut csps = self.csps_of(&n.force_id);
            let only = csps.next()?;
            csps.next().is_none().then_some(only)
        })
    }

    /// The BCU a neighbourhood is in: the one its file names, else its
    /// partnership's (see [`Geography::csp_of`]).
    pub fn bcu_of<'a>(&'a self, n: &'a Neighbourhood) -> Option<&'a Bcu> {
        let id = n.bcu_id.as_ref().or_else(|| self.csp_of(n).map(|c| &c.bcu_id))?;
        self.bcus_of(&n.force_id).find(move |b| &b.id == id)
    }

    /// Residents of a force: the sum over its partnerships, known only when
    /// at least one has a population.
    pub fn force_population(&self, force_id: &str) -> Option<i64> {
        let total: i64 = self.csps_of(force_id).filter_map(|c| c.population).sum();
        (total > 0).then_some(total)
    }
}

/// A neighbourhood with its boundary, as the spatial index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourhoodBoundary {
    pub force_id: String,
    pub neighbourhood_id: String,
    pub area: Area,
}

/// A UK postcode in canonical form: upper case, one space before the inward code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Postcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a UK postcode: expected something like EC2V 7HH")]
pub struct PostcodeError(pub String);

impl Postcode {
    /// Accepts any spacing and case ("ec2v7hh", " EC2V  7HH ").
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let err = || PostcodeError(input.trim().to_string());
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(err());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let ib = inward.as_bytes();
        let inward_ok = ib[0].is_ascii_digit() && ib[1].is_ascii_alphabetic() && ib[2].is_ascii_alphabetic();
        let ob = outward.as_bytes();
        let outward_ok = (2..=4).contains(&ob.len())
            && ob[0].is_ascii_alphabetic()
            && ob.iter().all(u8::is_ascii_alphanumeric)
            && ob.iter().any(u8::is_ascii_digit);
        if !(inward_ok && outward_ok) {
            return Err(err());
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code ("EC2V"), the part that names the district.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A postcode's centre and the administrative areas it falls in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostcodePoint {
    pub postcode: Postcode,
    pub at: LatLng,
    /// ONS code of the local authority district (e.g. E09000001).
    pub admin_district: Option<String>,
    pub ward: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lsoa_names_give_their_local_authority() {
        assert_eq!(lsoa_local_authority("Luton 012B"), Some("Luton"));
        assert_eq!(lsoa_local_authority("City of London 001F"), Some("City of London"));
        assert_eq!(lsoa_local_authority("Bro Morgannwg 0ÿ1A"), Some("Bro Morgannwg"));
        assert_eq!(lsoa_local_authority(" 001A"), Some(""));
        assert_eq!(lsoa_local_authority("Luton012B"), None);
        assert_eq!(lsoa_local_authority("001A"), None);
        assert_eq!(lsoa_local_authority(""), None);
    }

    #[test]
    fn postcodes_in_any_spacing() {
        for s in ["EC2V 7HH", "ec2v7hh", "  Ec2v   7hH ", "EC2V\t7HH"] {
            assert_eq!(Postcode::parse(s).unwrap().as_str(), "EC2V 7HH");
        }
        assert_eq!(Postcode::parse("lu1 1aa").unwrap().as_str(), "LU1 1AA");
        assert_eq!(Postcode::parse("M1 1AE").unwrap().outward(), "M1");
    }

    #[test]
    fn rejects_non_postcodes() {
        for s in ["", "hello", "EC2V", "12345", "EC2V 7H", "EC2V 777", "ÉC2V 7HH", "Cheapside"] {
            assert!(Postcode::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn contact_links_are_safe_links() {
        let ok: ContactDetails =
            serde_json::from_str(r#"{"email":"team@example.org","telephone":"101","twitter":"https://x.example/t"}"#)
                .expect("valid");
        assert_eq!(ok.get("telephone").map(String::as_str), Some("101"));
        let again: ContactDetails = serde_json::from_str(&serde_json::to_string(&ok).expect("json")).expect("again");
        assert_eq!(again, ok);
        let e = serde_json::from_str::<ContactDetails>(r#"{"email":"a@b.example","Web":"javascript:alert(1)"}"#)
            .expect_err("refused")
            .to_string();
        assert!(e.starts_with(r#"contact_details.Web: the link "javascript:alert(1)" is a javascript: link"#), "{e}");
        // Only keys that name links are links: an email address is text.
        assert!(ContactDetails::new([("email".to_string(), "javascript:x".to_string())].into()).is_ok());
        let link: Link =
            serde_json::from_str(r#"{"url":"tel:101","title":"Call","description":null}"#).expect("a link");
        assert_eq!(link.url.scheme(), crate::url::Scheme::Tel);
        assert!(serde_json::from_str::<Link>(r#"{"url":"data:,x","title":"x","description":null}"#).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = Postcode::parse(&s);
        }

        #[test]
        fn canonical_form_is_a_fixed_point(s in "[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}") {
            if let Ok(p) = Postcode::parse(&s) {
                prop_assert_eq!(Postcode::parse(p.as_str()).unwrap(), p);
            }
        }
    }

    fn csp(force: &str, id: &str, bcu: &str, population: Option<i64>) -> Csp {
        Csp {
            force_id: force.into(),
            id: id.into(),
            name: id.into(),
            bcu_id: bcu.into(),
            local_authority: id.into(),
            local_authority_code: None,
            population,
        }
    }

    #[test]
    fn a_neighbourhood_without_a_partnership_takes_its_forces_only_one() {
        let mut g = Geography {
            bcus: vec![Bcu {
                force_id: "f".into(),
                id: "b1".into(),
                name: "B1".into(),
                commentary: None,
                sample: false,
            }],
            csps: vec![csp("f", "c1", "b1", Some(1000))],
            ..Geography::default()
        };
        let n = Neighbourhood { force_id: "f".into(), id: "n".into(), ..Neighbourhood::default() };
        assert_eq!(g.csp_of(&n).map(|c| c.id.as_str()), Some("c1"));
        assert_eq!(g.bcu_of(&n).map(|b| b.id.as_str()), Some("b1"));
        assert_eq!(g.force_population("f"), Some(1000));
        g.csps.push(csp("f", "c2", "b1", None));
        assert_eq!(g.csp_of(&n), None, "two partnerships: no guess");
        assert_eq!(g.bcu_of(&n), None);
        let named = Neighbourhood { csp_id: Some("c2".into()), ..n };
        assert_eq!(g.csp_of(&named).map(|c| c.id.as_str()), Some("c2"));
        assert_eq!(g.force_population("elsewhere"), None);
    }
}
