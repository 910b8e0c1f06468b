//! A small deterministic firm for the analytics tests: four traders over 80 weekdays with
//! pseudo-random P&L and fills, so every feature window fills up.

use chrono::{Datelike, Days, NaiveDate};

use crate::DailyRow;
use crate::features::{FeatureContext, FeatureMatrix, build};

pub const ARTIFACT: &str = include_str!("../../../tests/fixtures/artifact/model-v1.json");

pub fn row(account: &str, date: NaiveDate, total: f64, fills: u64) -> DailyRow {
    let json = serde_json::json!({
        "date": date, "account_id": account, "orders_cnt": fills / 2, "fills_cnt": fills,
        "qty_cnt": fills * 100, "gross": total + 20.0, "fees": 20.0, "net_pnl": total,
        "unrealized_delta": 0.0, "total_delta": total, "round_trips": fills / 2,
        "winning_round_trips": fills / 4, "avg_position_notional": 50_000.0,
        "max_position_notional": 120_000.0, "avg_hold_secs_winners": 300.0,
        "avg_hold_secs_losers": if fills.is_multiple_of(3) { 900.0 } else { 200.0 },
        "max_fills_10min": fills / 5,
        "pnl_open": total / 2.0 + 10.0, "pnl_midday": total / 4.0, "pnl_close": total / 4.0,
        "pnl_extended_hours": 10.0, "first_fill_time": "09:31:00", "last_fill_time": "15:55:00"
    });
    serde_json::from_value(json).unwrap_or_else(|e| panic!("test row: {e}"))
}

pub fn firm() -> Vec<DailyRow> {
    let mut out = Vec::new();
    let mut state = 99u64;
    let mut day = 0;
    let mut d = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    while day < 80 {
        if d.weekday().number_from_monday() <= 5 {
            for (k, acc) in ["A1", "B2", "C3", "D4"].iter().enumerate() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                let total = (u - 0.55) * 2000.0 * (k as f64 + 1.0);
                out.push(row(acc, d, total.round(), 20 + (state % 60)));
            }
            day += 1;
        }
        d = d.checked_add_days(Days::new(1)).unwrap_or(d);
    }
    out
}

pub fn matrix(daily: &[DailyRow]) -> FeatureMatrix {
    build(daily, &FeatureContext::default())
}
