//! Builders for the feature tests: daily rows with readable defaults, a business-day calendar, and
//! seeded random firms (several traders, fills and totals rows, idle days, duplicates).
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
        account_id: account.to_owned().into(),
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
    DailyRow::from(&dars_shared::schema::DailyTotal {
        date,
        account_id: account.to_owned().into(),
        orders_cnt: None,
        fills_cnt: None,
        qty_cnt: None,
        gross: total,
        fees: None,
        net_pnl: total,
        unrealized_delta: 0.0,
        total_delta: total,
        line: 0,
    })
}

/// Column `name` of row (`account`, `date`); panics with the name when absent.
pub fn value(m: &FeatureMatrix, account: &str, date: NaiveDate, name: &str) -> f64 {
    let i = m
        .find(account, date)
        .unwrap_or_else(|| panic!("no row for {account} on {date}"));
    let c = index_of(name).unwrap_or_else(|| panic!("no feature {name}"));
    m.row(i)[c]
}

/// splitmix64: the tables are generated from one proptest-chosen seed, so a failure is
/// reproducible from the printed case.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A daily total: sometimes exactly 0, sometimes cents, mostly whole dollars.
    pub fn total(&mut self) -> f64 {
        match self.below(10) {
            0 => 0.0,
            1 => (self.below(200_001) as f64 - 100_000.0) / 100.0,
            _ => self.below(4001) as f64 - 2000.0,
        }
    }

    /// `f()` nine times in ten, else missing.
    pub fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.chance(10) { None } else { Some(f(self)) }
    }
}

/// One random row: mostly computed from fills (behaviour columns each sometimes missing), some
/// from a totals file, some days without trading.
pub fn random_row(rng: &mut Rng, account: &str, date: NaiveDate) -> DailyRow {
    let total = rng.total();
    match rng.below(20) {
        0..=2 => totals_row(account, date, total),
        3 => {
            // Carry-only: no fills, only an unrealized change.
            let mut r = fills_row(account, date, 0.0, 0);
            r.unrealized_delta = total;
            r.total_delta = total;
            r
        }
        _ => {
            let fills = 1 + rng.below(80);
            let mut r = fills_row(account, date, total, fills);
            r.qty_cnt = rng.opt(|g| fills * (1 + g.below(500)));
            r.avg_position_notional = rng.opt(|g| 100.0 + g.below(100_000) as f64);
            r.max_position_notional = rng.opt(|g| 1000.0 + g.below(300_000) as f64);
            r.avg_hold_secs_winners = rng.opt(|g| g.below(3000) as f64);
            r.avg_hold_secs_losers = rng.opt(|g| g.below(3000) as f64);
            r.max_fills_10min = rng.opt(|g| g.below(fills + 1) as u32);
            r.pnl_open = rng.opt(Rng::total);
            r.pnl_midday = rng.opt(Rng::total);
            r.pnl_close = rng.opt(Rng::total);
            r
        }
    }
}

pub const ACCOUNTS: [&str; 6] = ["ALPHA", "bravo", "C3", "delta", "ECHO", "F"];

pub fn random_table(rng: &mut Rng, traders: usize, days: usize) -> Vec<DailyRow> {
    let mut rows = Vec::new();
    for d in 0..days {
        for account in &ACCOUNTS[..traders] {
            if rng.chance(75) {
                rows.push(random_row(rng, account, day(d)));
                // Now and then the same day twice (a corrected re-export).
                if rng.chance(3) {
                    rows.push(random_row(rng, account, day(d)));
                }
            }
        }
    }
    rows
}
