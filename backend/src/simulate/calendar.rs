//! The trading calendar: which dates the simulated firm trades on.
//!
//! Real exports never contain weekend or exchange-holiday dates, and day-ahead features such as
//! "days since last trade" or "Monday after a loss" only mean something on a real calendar, so the
//! simulator walks NYSE sessions rather than consecutive dates. Holidays are computed from the
//! NYSE rules (rule 7.2 observance: Saturday holidays move to Friday, Sunday holidays to Monday,
//! except that a Saturday New Year's Day is not observed) rather than hardcoded per year, so any
//! `--days` works; the one unscheduled full-day closure in the covered years (the national day of
//! mourning for President Carter, 2025-01-09) is listed explicitly. Early closes (half days) are
//! treated as full sessions: fills stay within 09:30–16:00 either way.

use anyhow::{Context, Result};
use chrono::{Datelike, Days, NaiveDate, Weekday};

/// First session of every simulation: the first trading day of 2024.
pub const START: (i32, u32, u32) = (2024, 1, 2);

/// Unscheduled full-day closures that no rule produces.
const SPECIAL_CLOSURES: [(i32, u32, u32); 1] = [(2025, 1, 9)];

/// The first `n` NYSE sessions from [`START`].
pub fn trading_days(n: usize) -> Result<Vec<NaiveDate>> {
    let (y, m, d) = START;
    let mut date = NaiveDate::from_ymd_opt(y, m, d).context("calendar start date")?;
    let mut days = Vec::with_capacity(n);
    while days.len() < n {
        if is_session(date) {
            days.push(date);
        }
        date = date
            .checked_add_days(Days::new(1))
            .context("trading calendar ran past the supported date range")?;
    }
    Ok(days)
}

/// True on weekdays that are not NYSE full-day holidays.
pub fn is_session(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(date)
}

fn is_holiday(date: NaiveDate) -> bool {
    let y = date.year();
    if SPECIAL_CLOSURES
        .iter()
        .any(|&(sy, sm, sd)| (sy, sm, sd) == (y, date.month(), date.day()))
    {
        return true;
    }
    let fixed = |m: u32, d: u32| ymd(y, m, d).and_then(observed);
    let candidates = [
        // New Year's Day: a Saturday 1 January is not moved back into the old year.
        ymd(y, 1, 1)
            .filter(|d| d.weekday() != Weekday::Sat)
            .and_then(observed),
        nth_weekday(y, 1, Weekday::Mon, 3), // Martin Luther King Jr. Day
        nth_weekday(y, 2, Weekday::Mon, 3), // Washington's Birthday
        easter_sunday(y).and_then(|e| e.checked_sub_days(Days::new(2))), // Good Friday
        last_weekday(y, 5, Weekday::Mon),   // Memorial Day
        if y >= 2022 { fixed(6, 19) } else { None }, // Juneteenth
        fixed(7, 4),                        // Independence Day
        nth_weekday(y, 9, Weekday::Mon, 1), // Labor Day
        nth_weekday(y, 11, Weekday::Thu, 4), // Thanksgiving
        fixed(12, 25),                      // Christmas
    ];
    candidates.contains(&Some(date))
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The weekday on which a fixed-date holiday is observed.
fn observed(date: NaiveDate) -> Option<NaiveDate> {
    match date.weekday() {
        Weekday::Sat => date.checked_sub_days(Days::new(1)),
        Weekday::Sun => date.checked_add_days(Days::new(1)),
        _ => Some(date),
    }
}

fn nth_weekday(y: i32, m: u32, wd: Weekday, n: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(y, m, wd, n as u8)
}

fn last_weekday(y: i32, m: u32, wd: Weekday) -> Option<NaiveDate> {
    nth_weekday(y, m, wd, 5).or_else(|| nth_weekday(y, m, wd, 4))
}

/// Gregorian Easter (the anonymous "Meeus/Jones/Butcher" algorithm).
fn easter_sunday(y: i32) -> Option<NaiveDate> {
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(y, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(y: i32) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = NaiveDate::from_ymd_opt(y, 1, 1).expect("valid date");
        while d.year() == y {
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_session(d) {
                out.push(d.format("%m-%d").to_string());
            }
            d = d.succ_opt().expect("valid date");
        }
        out
    }

    #[test]
    fn nyse_full_day_holidays_match_the_published_schedule() {
        let y2024 = [
            "01-01", "01-15", "02-19", "03-29", "05-27", "06-19", "07-04", "09-02", "11-28",
            "12-25",
        ];
        let y2025 = [
            "01-01", "01-09", "01-20", "02-17", "04-18", "05-26", "06-19", "07-04", "09-01",
            "11-27", "12-25",
        ];
        let y2026 = [
            "01-01", "01-19", "02-16", "04-03", "05-25", "06-19", "07-03", "09-07", "11-26",
            "12-25",
        ];
        assert_eq!(closed(2024), y2024);
        assert_eq!(closed(2025), y2025);
        assert_eq!(closed(2026), y2026);
        // 2022: New Year's Day fell on a Saturday and was not observed on Friday 2021-12-31.
        assert!(is_session(
            NaiveDate::from_ymd_opt(2021, 12, 31).expect("valid date")
        ));
    }

    #[test]
    fn sessions_start_on_the_first_trading_day_of_2024() {
        let days = trading_days(3).expect("calendar");
        let s: Vec<String> = days.iter().map(|d| d.to_string()).collect();
        assert_eq!(s, ["2024-01-02", "2024-01-03", "2024-01-04"]);
        // 2024 has 252 sessions.
        let year = trading_days(260).expect("calendar");
        assert_eq!(year.iter().filter(|d| d.year() == 2024).count(), 252);
    }
}
