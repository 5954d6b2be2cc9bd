//! The police.uk crime categories.

use serde::{Deserialize, Serialize};

/// One of the 14 street-level crime categories police.uk publishes.
///
/// The bulk CSVs carry the display name ("Violence and sexual offences"), the
/// API the slug (`violent-crime`); both map to this one type so nothing else
/// in peel handles category strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrimeCategory {
    AntiSocialBehaviour,
    BicycleTheft,
    Burglary,
    CriminalDamageArson,
    Drugs,
    OtherTheft,
    PossessionOfWeapons,
    PublicOrder,
    Robbery,
    Shoplifting,
    TheftFromThePerson,
    VehicleCrime,
    ViolentCrime,
    OtherCrime,
}

/// The category part of a query: one category or the `all-crime` alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CategoryFilter {
    All,
    Only(CrimeCategory),
}

impl CategoryFilter {
    /// police.uk silently treats an unknown slug as `all-crime`; peel keeps that
    /// behaviour for compatibility (see docs/api-compatibility.md).
    pub fn from_slug_lenient(slug: &str) -> CategoryFilter {
        CrimeCategory::from_slug(slug).map_or(CategoryFilter::All, CategoryFilter::Only)
    }

    pub fn matches(self, c: CrimeCategory) -> bool {
        match self {
            CategoryFilter::All => true,
            CategoryFilter::Only(only) => only == c,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            CategoryFilter::All => "all-crime",
            CategoryFilter::Only(c) => c.slug(),
        }
    }
}

impl CrimeCategory {
    /// In the order police.uk's `crime-categories` lists them.
    pub const ALL: [CrimeCategory; 14] = [
        CrimeCategory::AntiSocialBehaviour,
        CrimeCategory::BicycleTheft,
        CrimeCategory::Burglary,
        CrimeCategory::CriminalDamageArson,
        CrimeCategory::Drugs,
        CrimeCategory::OtherTheft,
        CrimeCategory::PossessionOfWeapons,
        CrimeCategory::PublicOrder,
        CrimeCategory::Robbery,
        CrimeCategory::Shoplifting,
        CrimeCategory::TheftFromThePerson,
        CrimeCategory::VehicleCrime,
        CrimeCategory::ViolentCrime,
        CrimeCategory::OtherCrime,
    ];

    pub fn slug(self) -> &'static str {
        use CrimeCategory::*;
        match self {
            AntiSocialBehaviour => "anti-social-behaviour",
            BicycleTheft => "bicycle-theft",
            Burglary => "burglary",
            CriminalDamageArson => "criminal-damage-arson",
            Drugs => "drugs",
            OtherTheft => "other-theft",
            PossessionOfWeapons => "possession-of-weapons",
            PublicOrder => "public-order",
            Robbery => "robbery",
            Shoplifting => "shoplifting",
            TheftFromThePerson => "theft-from-the-person",
            VehicleCrime => "vehicle-crime",
            ViolentCrime => "violent-crime",
            OtherCrime => "other-crime",
        }
    }

    pub fn name(self) -> &'static str {
        use CrimeCategory::*;
        match self {
            AntiSocialBehaviour => "Anti-social behaviour",
            BicycleTheft => "Bicycle theft",
            Burglary => "Burglary",
            CriminalDamageArson => "Criminal damage and arson",
            Drugs => "Drugs",
            OtherTheft => "Other theft",
            PossessionOfWeapons => "Possession of weapons",
            PublicOrder => "Public order",
            Robbery => "Robbery",
            Shoplifting => "Shoplifting",
            TheftFromThePerson => "Theft from the person",
            VehicleCrime => "Vehicle crime",
            ViolentCrime => "Violence and sexual offences",
            OtherCrime => "Other crime",
        }
    }

    pub fn from_slug(slug: &str) -> Option<CrimeCategory> {
        CrimeCategory::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// Parses the `Crime type` column of a street CSV. Besides today's names it
    /// accepts the older names police.uk used before the 2013 split of
    /// "Other crime" and the 2014 rename of "Violent crime".
    pub fn from_csv_name(name: &str) -> Option<CrimeCategory> {
        let name = name.trim();
        if let Some(c) = CrimeCategory::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name)) {
            return Some(c);
        }
        match name.to_ascii_lowercase().as_str() {
            "violent crime" | "violence and sexual offences " => Some(CrimeCategory::ViolentCrime),
            "criminal damage & arson" => Some(CrimeCategory::CriminalDamageArson),
            "anti social behaviour" | "antisocial behaviour" => Some(CrimeCategory::AntiSocialBehaviour),
            "public disorder and weapons" => Some(CrimeCategory::PublicOrder),
            _ => CrimeCategory::from_slug(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_names_round_trip() {
        for c in CrimeCategory::ALL {
            assert_eq!(CrimeCategory::from_slug(c.slug()), Some(c));
            assert_eq!(CrimeCategory::from_csv_name(c.name()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.slug());
        }
    }

    #[test]
    fn all_crime_is_a_filter_not_a_category() {
        assert_eq!(CrimeCategory::from_slug("all-crime"), None);
        assert_eq!(CategoryFilter::from_slug_lenient("all-crime"), CategoryFilter::All);
        assert_eq!(CategoryFilter::from_slug_lenient("nonsense"), CategoryFilter::All);
        assert_eq!(CategoryFilter::from_slug_lenient("burglary"), CategoryFilter::Only(CrimeCategory::Burglary));
    }

    #[test]
    fn unknown_csv_names_are_refused() {
        assert_eq!(CrimeCategory::from_csv_name("Littering"), None);
        assert_eq!(CrimeCategory::from_csv_name(""), None);
    }
}
