//! Builders for the feature tests: daily rows with readable defaults and a business-day calendar.
#![allow(dead_code)]

use chrono::{Datelike, Days, NaiveDate, Weekday};
use dars_shared::DailyRow;
use dars_shared::features::{FeatureMatrix, index_of};

/// The `n`-th weekday counting from Monday 2025-09-01 (n = 0).
pub fn day(n: usize) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(2025, 9, 1).expect("valid date");
    let mut left = n;
    while left > 0 {
        d = d + Days::new(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// A day computed from fills: every behaviour column present, `fills` executions.
pub fn fills_row(account: &str, date: NaiveDate, total: f64, fills: u64) -> DailyRow {
    DailyRow {
        date,
        account_id: account.to_owned(),
        orders_cnt: Some(fills),
        fills_cnt: Some(fills),
        qty_cnt: Some(fills * 100),
        gross: total + 1.0,
        fees: Some(1.0),
        net_pnl: total,
        unrealized_delta: 0.0,
        total_delta: total,
        round_trips: Some(2),
        winning_round_trips: Some(1),
        avg_position_notional: Some(10_000.0),
        max_position_notional: Some(20_000.0),
        avg_hold_secs_winners: Some(100.0),
        avg_hold_secs_losers: Some(150.0),
        max_fills_10min: Some(fills.min(5) as u32),
        pnl_open: Some(total + 1.0),
        pnl_midday: Some(0.0),
        pnl_close: Some(0.0),
        pnl_extended_hours: Some(0.0),
        first_fill_time: None,
        last_fill_time: None,
    }
}

/// A day from a totals file: P&L only, every behaviour column and count `None`.
pub fn totals_row(account: &str, date: NaiveDate, total: f64) -> DailyRow {
    DailyRow {
        date,
        account_id: account.to_owned(),
        orders_cnt: None,
        fills_cnt: None,
        qty_cnt: None,
        gross: total,
        fees: None,
        net_pnl: total,
        unrealized_delta: 0.0,
        total_delta: total,
        round_trips: None,
        winning_round_trips: None,
        avg_position_notional: None,
        max_position_notional: None,
        avg_hold_secs_winners: None,
        avg_hold_secs_losers: None,
        max_fills_10min: None,
        pnl_open: None,
        pnl_midday: None,
        pnl_close: None,
        pnl_extended_hours: None,
        first_fill_time: None,
        last_fill_time: None,
    }
}

/// Column `name` of row (`account`, `date`); panics with the name when absent.
pub fn value(m: &FeatureMatrix, account: &str, date: NaiveDate, name: &str) -> f64 {
    let i = m
        .find(account, date)
        .unwrap_or_else(|| panic!("no row for {account} on {date}"));
    let c = index_of(name).unwrap_or_else(|| panic!("no feature {name}"));
    m.row(i)[c]
}
