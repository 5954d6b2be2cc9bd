//! Working days in England and Wales: weekdays that are not bank holidays.
//!
//! Local procedures set their deadlines in working days, so the bank
//! holidays are data (`data/bank-holidays-england-and-wales.json`, from
//! GOV.UK). The list covers 2024 to 2028 and must be extended every year;
//! past its last year peel refuses to count working days rather than guess.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

const DATA: &str = include_str!("data/bank-holidays-england-and-wales.json");

/// Working days cannot be counted for this date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "peel's list of bank holidays runs from {first} to {last}, so it cannot count working days in {year}; \
         add that year's bank holidays (from GOV.UK) to the list"
    )]
    OutsideList { year: i32, first: i32, last: i32 },
    #[error("the bank-holiday list is not valid: {0}")]
    BadList(String),
}

/// The bank holidays of one part of the UK, for a known span of years.
#[derive(Debug, Clone)]
pub struct BankHolidays {
    dates: BTreeSet<NaiveDate>,
    first_year: i32,
    last_year: i32,
    source: String,
}

#[derive(Deserialize)]
struct ListFile {
    source: String,
    first_year: i32,
    last_year: i32,
    dates: Vec<ListDate>,
}

#[derive(Deserialize)]
struct ListDate {
    date: NaiveDate,
    #[allow(dead_code)]
    title: String,
}

impl BankHolidays {
    /// Reads a list in the format of the shipped file.
    pub fn from_json(text: &str) -> Result<BankHolidays, CalendarError> {
        let f: ListFile = serde_json::from_str(text).map_err(|e| CalendarError::BadList(e.to_string()))?;
        if f.first_year > f.last_year {
            return Err(CalendarError::BadList("first_year is after last_year".into()));
        }
        let mut dates = BTreeSet::new();
        for d in f.dates {
            if d.date.year() < f.first_year || d.date.year() > f.last_year {
                return Err(CalendarError::BadList(format!("{} is outside {}–{}", d.date, f.first_year, f.last_year)));
            }
            if matches!(d.date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(CalendarError::BadList(format!("{} falls at a weekend", d.date)));
            }
            dates.insert(d.date);
        }
        Ok(BankHolidays { dates, first_year: f.first_year, last_year: f.last_year, source: f.source })
    }

    /// England and Wales, from the shipped list.
    pub fn england_and_wales() -> Result<&'static BankHolidays, CalendarError> {
        static LIST: OnceLock<Result<BankHolidays, CalendarError>> = OnceLock::new();
        LIST.get_or_init(|| BankHolidays::from_json(DATA)).as_ref().map_err(Clone::clone)
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn years(&self) -> (i32, i32) {
        (self.first_year, self.last_year)
    }

    fn covers(&self, d: NaiveDate) -> Result<(), CalendarError> {
        if d.year() < self.first_year || d.year() > self.last_year {
            return Err(CalendarError::OutsideList { year: d.year(), first: self.first_year, last: self.last_year });
        }
        Ok(())
    }

    pub fn is_bank_holiday(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        self.covers(d)?;
        Ok(self.dates.contains(&d))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        Ok(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_bank_holiday(d)?)
    }

    /// The `n`th working day after `from` (`from` itself never counts, so an
    /// application received on a Saturday has its first working day on Monday).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.checked_add_days(Days::new(1)).ok_or(CalendarError::OutsideList {
                year: from.year(),
                first: self.first_year,
                last: self.last_year,
            })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().unwrap_or(to);
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn list() -> &'static BankHolidays {
        BankHolidays::england_and_wales().unwrap()
    }

    #[test]
    fn the_shipped_list_reads_and_covers_2024_to_2028() {
        let l = list();
        assert_eq!(l.years(), (2024, 2028));
        assert!(l.source().contains("gov.uk"));
        for year in 2024..=2028 {
            let n = l.dates.iter().filter(|x| x.year() == year).count();
            assert_eq!(n, 8, "England and Wales have 8 bank holidays a year ({year})");
        }
        assert!(l.is_bank_holiday(d("2026-12-28")).unwrap(), "Boxing Day 2026 is a Saturday: substitute Monday");
        assert!(!l.is_bank_holiday(d("2026-12-26")).unwrap());
        assert!(l.is_bank_holiday(d("2028-01-03")).unwrap(), "1 January 2028 is a Saturday");
    }

    #[test]
    fn weekends_and_bank_holidays_are_not_working_days() {
        let l = list();
        assert!(!l.is_working_day(d("2025-11-29")).unwrap(), "Saturday");
        assert!(!l.is_working_day(d("2025-11-30")).unwrap(), "Sunday");
        assert!(!l.is_working_day(d("2025-08-25")).unwrap(), "summer bank holiday");
        assert!(l.is_working_day(d("2025-08-26")).unwrap());
    }

    #[test]
    fn counting_across_a_bank_holiday_weekend() {
        let l = list();
        // Thursday before Easter 2025: Fri 18 and Mon 21 are bank holidays.
        assert_eq!(l.add_working_days(d("2025-04-17"), 1).unwrap(), d("2025-04-22"));
        assert_eq!(l.add_working_days(d("2025-04-17"), 9).unwrap(), d("2025-05-02"));
        // Across the early May bank holiday too (Mon 5 May 2025).
        assert_eq!(l.add_working_days(d("2025-04-17"), 10).unwrap(), d("2025-05-06"));
        // Christmas 2026: Fri 25 and the substitute Mon 28.
        assert_eq!(l.add_working_days(d("2026-12-24"), 1).unwrap(), d("2026-12-29"));
        // Christmas 2027 falls at a weekend: Mon 27 and Tue 28 are substitutes.
        assert_eq!(l.add_working_days(d("2027-12-24"), 1).unwrap(), d("2027-12-29"));
        assert_eq!(l.working_days_between(d("2025-04-17"), d("2025-05-02")).unwrap(), 9);
        assert_eq!(l.working_days_between(d("2025-05-02"), d("2025-04-17")).unwrap(), 0);
    }

    #[test]
    fn a_weekend_start_counts_from_monday() {
        let l = list();
        assert_eq!(l.add_working_days(d("2025-11-29"), 1).unwrap(), d("2025-12-01"));
        assert_eq!(l.add_working_days(d("2025-11-29"), 0).unwrap(), d("2025-11-29"));
    }

    #[test]
    fn leap_day_is_an_ordinary_working_day() {
        let l = list();
        // 29 February 2028 is a Tuesday.
        assert!(l.is_working_day(d("2028-02-29")).unwrap());
        assert_eq!(l.add_working_days(d("2028-02-28"), 1).unwrap(), d("2028-02-29"));
        assert_eq!(l.add_working_days(d("2028-02-28"), 4).unwrap(), d("2028-03-03"));
        assert_eq!(l.add_working_days(d("2024-02-28"), 2).unwrap(), d("2024-03-01"));
    }

    #[test]
    fn refuses_to_guess_past_the_list() {
        let l = list();
        let e = l.add_working_days(d("2028-12-20"), 10).unwrap_err();
        assert_eq!(e, CalendarError::OutsideList { year: 2029, first: 2024, last: 2028 });
        assert!(e.to_string().contains("add that year's bank holidays"));
        assert!(l.is_working_day(d("2023-06-01")).is_err());
    }

    #[test]
    fn bad_lists_are_refused() {
        let weekend =
            r#"{"source":"x","first_year":2025,"last_year":2025,"dates":[{"date":"2025-11-29","title":"x"}]}"#;
        assert!(BankHolidays::from_json(weekend).unwrap_err().to_string().contains("weekend"));
        let outside =
            r#"{"source":"x","first_year":2025,"last_year":2025,"dates":[{"date":"2026-01-01","title":"x"}]}"#;
        assert!(BankHolidays::from_json(outside).is_err());
        assert!(BankHolidays::from_json("{}").is_err());
    }
}
