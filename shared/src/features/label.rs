//! Labels: does the trader's next trading day close negative?
//!
//! The label of trading day D is 1 when the trader's *next trading day* has a total P&L
//! (`total_delta`: net of fees plus the change in unrealized) below 0, else 0. "Next trading
//! day" skips calendar days the trader did not trade and rows that are not trading days (see
//! [`super::is_trading_day`]): those are not labels. The trader's last trading day has no label —
//! it is the row that gets scored.
//!
//! A label depends on the day after D by definition, so the no-look-ahead guarantee covers the
//! features only; training code must embargo accordingly.

use chrono::NaiveDate;

use crate::schema::DailyRow;

/// What a feature row predicts: the label and the next trading day it is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Target {
    pub label: Option<u8>,
    pub next_total: Option<f64>,
    pub next_date: Option<NaiveDate>,
}

/// 1 when a day's total P&L closes negative.
pub fn closes_negative(total_delta: f64) -> u8 {
    u8::from(total_delta < 0.0)
}

/// The target of trading day `i` of a trader's trading days `rows`.
pub(crate) fn target(rows: &[&DailyRow], i: usize) -> Target {
    match rows.get(i + 1) {
        Some(next) => Target {
            label: Some(closes_negative(next.total_delta)),
            next_total: Some(next.total_delta),
            next_date: Some(next.date),
        },
        None => Target {
            label: None,
            next_total: None,
            next_date: None,
        },
    }
}
