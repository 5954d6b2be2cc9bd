//! Calendar months, the unit police.uk publishes data in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month such as `2024-03`.
///
/// police.uk keys every street-level record by month (never by day), so the
/// month is the natural partition key for storage, replacement on re-import
/// and trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: u16,
    month: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a month: expected YYYY-MM, for example 2024-03")]
pub struct MonthError {
    pub input: String,
}

impl Month {
    /// Builds a month, returning `None` for a month outside 1..=12 or a year
    /// outside 1900..=9999 (police.uk data starts in 2010).
    pub fn new(year: u16, month: u8) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then_some(Month { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Months since year 0; differences of this give month spans.
    pub fn index(self) -> i32 {
        i32::from(self.year) * 12 + i32::from(self.month) - 1
    }

    pub fn from_index(index: i32) -> Option<Month> {
        let year = u16::try_from(index.div_euclid(12)).ok()?;
        let month = u8::try_from(index.rem_euclid(12) + 1).ok()?;
        Month::new(year, month)
    }

    /// The month `n` months later (or earlier for negative `n`).
    pub fn plus(self, n: i32) -> Month {
        Month::from_index(self.index() + n).unwrap_or(self)
    }

    /// The first day as `YYYY-MM-01`, the form police.uk's `crime-last-updated` uses.
    pub fn first_day(self) -> String {
        format!("{self}-01")
    }

    /// "March 2025": how the portal writes months for people.
    pub fn long_name(self) -> String {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{} {}", NAMES[usize::from(self.month - 1)], self.year)
    }

    /// Every month from `self` to `last`, inclusive.
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.index()..=last.index()).filter_map(Month::from_index)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;

    /// Accepts exactly `YYYY-MM`: police.uk answers 404 to `2024-1` or
    /// `2024-01-15`, so peel is as strict.
    fn from_str(s: &str) -> Result<Month, MonthError> {
        let err = || MonthError { input: s.to_string() };
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return Err(err());
        }
        let year: u16 = s[..4].parse().map_err(|_| err())?;
        let month: u8 = s[5..].parse().map_err(|_| err())?;
        Month::new(year, month).ok_or_else(err)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints() {
        let m: Month = "2024-03".parse().unwrap();
        assert_eq!(m.to_string(), "2024-03");
        assert_eq!(m.long_name(), "March 2024");
        assert_eq!(m.first_day(), "2024-03-01");
        assert_eq!(m.plus(10).to_string(), "2025-01");
        assert_eq!(m.plus(-3).to_string(), "2023-12");
    }

    #[test]
    fn rejects_what_police_uk_rejects() {
        for bad in ["2024-13", "2024-00", "2024-1", "2024-01-15", "24-01", "", "2024/01", "２０２４-01", "+024-01"]
        {
            assert!(bad.parse::<Month>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn through_is_inclusive() {
        let a: Month = "2024-11".parse().unwrap();
        let b: Month = "2025-02".parse().unwrap();
        let all: Vec<String> = a.through(b).map(|m| m.to_string()).collect();
        assert_eq!(all, ["2024-11", "2024-12", "2025-01", "2025-02"]);
    }

    proptest! {
        #[test]
        fn round_trips(y in 1900u16..=9999, m in 1u8..=12) {
            let month = Month::new(y, m).unwrap();
            prop_assert_eq!(month.to_string().parse::<Month>().unwrap(), month);
            prop_assert_eq!(Month::from_index(month.index()).unwrap(), month);
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = s.parse::<Month>();
        }
    }
}
