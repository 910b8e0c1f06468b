//! The trading day of a file whose rows hold a time but no date (DAS Trader's trade log, issue
//! #16 item 2): given by the user (`dars ingest --date`) or read from the file name, and never
//! guessed. Both at once must agree.
//!
//! A file name's date is read only in year-first forms (`2025-01-02`, `2025_01_02`,
//! `2025.01.02`, `20250102`): `01-02-2025` is January 2 in the US and February 1 in Europe, and
//! a wrong guess would book a whole day's fills on another day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::IngestError;

/// Where a times-only file's trading day came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaySource {
    /// The user gave it (`dars ingest --date`).
    Given,
    /// Read from the file name.
    FileName,
}

/// A times-only file's trading day and its source, reported in the ingest summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingDay {
    /// The day every fill of the file is booked on.
    pub date: NaiveDate,
    /// Where it came from.
    pub source: DaySource,
}

impl std::fmt::Display for TradingDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.source {
            DaySource::Given => write!(f, "{} (given with --date)", self.date),
            DaySource::FileName => write!(f, "{} (from the file name)", self.date),
        }
    }
}

const HOW: &str = "give the trading day with `dars ingest --date YYYY-MM-DD`, or put it in the \
                   file name year first, like trades_2025-01-02.csv or trades_20250102.csv";

/// The distinct dates written year first in the last path component of `file`, in order of
/// appearance.
pub fn dates_in_file_name(file: &str) -> Vec<NaiveDate> {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file).as_bytes();
    let digit = |i: usize| name.get(i).is_some_and(u8::is_ascii_digit);
    let digits = |from: usize, n: usize| (from..from + n).all(digit);
    let number = |from: usize, n: usize| {
        std::str::from_utf8(&name[from..from + n])
            .ok()
            .and_then(|t| t.parse::<u32>().ok())
    };
    let mut out = Vec::new();
    for i in 0..name.len() {
        if !digit(i) || (i > 0 && digit(i - 1)) {
            continue;
        }
        let sep = name.get(i + 4).copied();
        let (ymd, end) = if digits(i, 4)
            && matches!(sep, Some(b'-' | b'_' | b'.'))
            && digits(i + 5, 2)
            && name.get(i + 7).copied() == sep
            && digits(i + 8, 2)
        {
            ((i, i + 5, i + 8), i + 10)
        } else if digits(i, 8) {
            ((i, i + 4, i + 6), i + 8)
        } else {
            continue;
        };
        if digit(end) {
            continue;
        }
        let date = (|| {
            let y = i32::try_from(number(ymd.0, 4)?).ok()?;
            NaiveDate::from_ymd_opt(y, number(ymd.1, 2)?, number(ymd.2, 2)?)
        })();
        if let Some(d) = date.filter(|d| (1990..=2100).contains(&chrono::Datelike::year(d)))
            && !out.contains(&d)
        {
            out.push(d);
        }
    }
    out
}

/// The trading day of times-only `file`: `given` if set (it must match a date in the file
/// name, if the name has one), else the one date in the file name.
///
/// Errors ([`IngestError::TradingDay`]): no day at all, two different dates in the file name,
/// or `given` contradicting the file name.
pub fn resolve(file: &str, given: Option<NaiveDate>) -> Result<TradingDay, IngestError> {
    let in_name = dates_in_file_name(file);
    let err = |what: String| IngestError::TradingDay {
        file: file.to_owned(),
        what,
    };
    let list = |dates: &[NaiveDate]| {
        dates
            .iter()
            .map(NaiveDate::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    };
    match (given, in_name.as_slice()) {
        (Some(date), names) if names.is_empty() || names.contains(&date) => Ok(TradingDay {
            date,
            source: DaySource::Given,
        }),
        (Some(date), names) => Err(err(format!(
            "--date says {date} but the file name says {}; nothing was read, so that no fill \
             is booked on the wrong day. Rename the file or give the date it names",
            list(names)
        ))),
        (None, [date]) => Ok(TradingDay {
            date: *date,
            source: DaySource::FileName,
        }),
        (None, []) => Err(err(format!(
            "its rows hold times but no date, and the file name has no date either; {HOW}"
        ))),
        (None, names) => Err(err(format!(
            "its rows hold times but no date, and the file name has two ({}); {HOW}",
            list(names)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reads_year_first_dates_from_the_name_only() {
        assert_eq!(
            dates_in_file_name("das_trades_2025-01-02.csv"),
            [d(2025, 1, 2)]
        );
        assert_eq!(
            dates_in_file_name("/x/2024_12_31/t.csv"),
            Vec::<NaiveDate>::new()
        );
        assert_eq!(dates_in_file_name("t 20250102.csv"), [d(2025, 1, 2)]);
        assert_eq!(dates_in_file_name("t.2025.01.02.csv"), [d(2025, 1, 2)]);
        assert!(dates_in_file_name("trades_01-02-2025.csv").is_empty());
        assert!(dates_in_file_name("acct123456789.csv").is_empty());
        assert!(dates_in_file_name("t_2025-13-02.csv").is_empty());
        assert_eq!(
            dates_in_file_name("2025-01-02 to 2025-01-03.csv"),
            [d(2025, 1, 2), d(2025, 1, 3)]
        );
    }

    #[test]
    fn given_and_file_name_must_agree() {
        let day = resolve("trades_2025-01-02.csv", None).expect("from name");
        assert_eq!((day.date, day.source), (d(2025, 1, 2), DaySource::FileName));
        let day = resolve("trades.csv", Some(d(2025, 1, 3))).expect("given");
        assert_eq!(day.to_string(), "2025-01-03 (given with --date)");
        assert!(resolve("trades_2025-01-02.csv", Some(d(2025, 1, 2))).is_ok());
        let e = resolve("trades_2025-01-02.csv", Some(d(2025, 1, 3)))
            .expect_err("contradiction")
            .to_string();
        assert!(
            e.contains("--date says 2025-01-03 but the file name says 2025-01-02"),
            "{e}"
        );
        let e = resolve("trades.csv", None).expect_err("none").to_string();
        assert!(
            e.starts_with("trades.csv: its rows hold times but no date"),
            "{e}"
        );
        let e = resolve("2025-01-02_2025-01-03.csv", None)
            .expect_err("two")
            .to_string();
        assert!(e.contains("has two (2025-01-02 and 2025-01-03)"), "{e}");
    }
}
