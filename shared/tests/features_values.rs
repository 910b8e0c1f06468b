//! Hand-checked feature values on a small table, the minimum-history rule, and missing values
//! that stay NaN (never 0).
//!
//! Expected numbers were worked out independently of the implementation (by hand and with a
//! short Python script using `statistics`), from the table in `table()`.

#[path = "features_support/mod.rs"]
mod support;

use approx::assert_abs_diff_eq;
use dars_shared::DailyRow;
use dars_shared::features::{
    FEATURES, FeatureContext, FeatureMatrix, MarketSeries, build, index_of, min_rows,
};
use support::{day, fills_row, totals_row, value};

/// Trader A's daily totals and executions over 20 consecutive trading days.
const A_TOTALS: [f64; 20] = [
    100.0, -50.0, -30.0, 200.0, -10.0, -20.0, -40.0, 60.0, 80.0, -70.0, 30.0, -300.0, 50.0, 40.0,
    -20.0, 10.0, 90.0, -60.0, -30.0, -80.0,
];
const A_FILLS: [u64; 20] = [
    10, 12, 8, 10, 11, 9, 10, 10, 12, 8, 10, 14, 10, 9, 11, 10, 10, 12, 10, 40,
];

/// A trades every day; B on days 0, 1, 5 and 19; C comes from a totals file.
fn table() -> Vec<DailyRow> {
    let mut rows = Vec::new();
    for (i, (&t, &f)) in A_TOTALS.iter().zip(&A_FILLS).enumerate() {
        let mut r = fills_row("A", day(i), t, f);
        if i == 19 {
            r.avg_position_notional = Some(25_000.0);
            r.avg_hold_secs_losers = Some(300.0);
            r.avg_hold_secs_winners = Some(100.0);
            r.pnl_open = Some(-500.0);
            r.pnl_midday = Some(100.0);
            r.pnl_close = Some(200.0);
        }
        if i == 18 {
            r.avg_hold_secs_winners = None; // no winning trip closed that day
        }
        rows.push(r);
    }
    for (i, t) in [(0, 10.0), (1, -5.0), (5, 20.0), (19, 10.0)] {
        rows.push(fills_row("B", day(i), t, 5));
    }
    for i in 0..12 {
        rows.push(totals_row(
            "C",
            day(i),
            if i % 3 == 0 { -25.0 } else { 40.0 },
        ));
    }
    rows
}

fn matrix() -> FeatureMatrix {
    build(&table(), &FeatureContext::default())
}

fn close(m: &FeatureMatrix, account: &str, d: usize, name: &str, expected: f64) {
    let v = value(m, account, day(d), name);
    assert!(
        (v - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{name} for {account} on day {d}: got {v}, expected {expected}"
    );
}

fn missing(m: &FeatureMatrix, account: &str, d: usize, name: &str) {
    let v = value(m, account, day(d), name);
    assert!(
        v.is_nan(),
        "{name} for {account} on day {d} should be missing, got {v}"
    );
}

#[test]
fn pnl_blocks_on_the_last_day() {
    let m = matrix();
    close(&m, "A", 19, "pnl_last", -80.0);
    close(&m, "A", 19, "pnl_mean_3d", -56.666666666666664);
    close(&m, "A", 19, "pnl_std_3d", 25.166114784235834);
    close(&m, "A", 19, "pnl_sum_3d", -170.0);
    close(&m, "A", 19, "pnl_worst_3d", -80.0);
    close(&m, "A", 19, "pnl_max_dd_3d", -170.0);
    close(&m, "A", 19, "pnl_mean_5d", -14.0);
    close(&m, "A", 19, "pnl_std_5d", 67.30527468185537);
    close(&m, "A", 19, "pnl_sum_5d", -70.0);
    close(&m, "A", 19, "pnl_max_dd_5d", -170.0);
    close(&m, "A", 19, "pnl_mean_10d", -27.0);
    close(&m, "A", 19, "pnl_std_10d", 109.14312723310718);
    close(&m, "A", 19, "pnl_worst_10d", -300.0);
    close(&m, "A", 19, "pnl_max_dd_10d", -300.0);
    close(&m, "A", 19, "pnl_mean_20d", -2.5);
    close(&m, "A", 19, "pnl_std_20d", 98.6154146165801);
    close(&m, "A", 19, "pnl_sum_20d", -50.0);
    // Peak 290 after day 8, now at -50.
    close(&m, "A", 19, "pnl_max_dd_20d", -340.0);
    // 20 rows < 30 needed for a 60-day window.
    missing(&m, "A", 19, "pnl_mean_60d");
}

/// Trader D: +100 on days 0..9 (equity 1,000), then -50 every day up to day 69 (equity -2,000);
/// trader E trades on firm days 19 and 45 only, F on day 18 only.
fn long_matrix() -> FeatureMatrix {
    let mut rows: Vec<DailyRow> = (0..70)
        .map(|i| fills_row("D", day(i), if i < 10 { 100.0 } else { -50.0 }, 10))
        .collect();
    rows.push(fills_row("E", day(19), 5.0, 3));
    rows.push(fills_row("E", day(45), 5.0, 3));
    rows.push(fills_row("F", day(18), 5.0, 3));
    build(&rows, &FeatureContext::default())
}

#[test]
fn drawdown_from_the_60_day_high() {
    let m = matrix();
    // A has 20 trading days, fewer than the 30 a 60-day window needs.
    missing(&m, "A", 19, "pnl_drawdown_60d");
    missing(&m, "A", 19, "pnl_drawdown_std_60d");
    // The 3-day window of days 0..2 starts from 0: 100, 50, 20 → 80 below the high.
    close(&m, "A", 2, "pnl_max_dd_3d", -80.0);

    let m = long_matrix();
    missing(&m, "D", 28, "pnl_drawdown_60d");
    // Day 29: the high of 1,000 (day 9) is in the window, the close is 0.
    close(&m, "D", 29, "pnl_drawdown_60d", -1000.0);
    // Day 68: days 9..68; the high of 1,000 is day 9's close, the close -1,950. The window's
    // P&L: one +100 and 59 of -50, mean -47.5, sample std sqrt(375).
    close(&m, "D", 68, "pnl_drawdown_60d", -2950.0);
    close(&m, "D", 68, "pnl_drawdown_std_60d", -2950.0 / 375f64.sqrt());
    // Day 69: days 10..69, all -50; the high is the level before the window (day 9's 1,000),
    // not an all-time peak — and with a std of 0 there are no std devs to count.
    close(&m, "D", 69, "pnl_drawdown_60d", -3000.0);
    missing(&m, "D", 69, "pnl_drawdown_std_60d");
}

/// Trader G: 40 trading days of gains and losses, `((37 i) mod 23 - 11) x $10` on day i.
fn pressure_matrix() -> FeatureMatrix {
    let rows: Vec<DailyRow> = (0..40)
        .map(|i| {
            let t = (((i * 37) % 23) as f64 - 11.0) * 10.0;
            fills_row("G", day(i), t, 10)
        })
        .collect();
    build(&rows, &FeatureContext::default())
}

#[test]
fn loss_pressure_weighs_recent_losses_in_the_traders_own_swings() {
    // Values from Python's `statistics.stdev` and a direct sum over the last 20 days.
    let g = pressure_matrix();
    missing(&g, "G", 28, "loss_pressure_20d");
    close(&g, "G", 29, "loss_pressure_20d", 1.1405260358638032);
    close(&g, "G", 38, "loss_pressure_20d", 1.434470639016443);
    // Day 39 gained $60: the latest day adds nothing and day 38's -$80 now counts 0.6.
    close(&g, "G", 39, "loss_pressure_20d", 0.8622581924880582);

    let m = long_matrix();
    // D's day 29: 30 days (10 of +100, 20 of -50), mean 0 and sample variance 150,000 / 29; the
    // last 20 days all lost $50, so the pressure is 50 (1 + 0.6 + ... + 0.6^19) / std.
    close(
        &m,
        "D",
        29,
        "loss_pressure_20d",
        125.0 * (1.0 - 0.6f64.powi(20)) / (150_000.0f64 / 29.0).sqrt(),
    );
    // Fewer than 30 days, or a 60-day std of 0 (days 10..69 all -$50): missing, never 0.
    missing(&m, "D", 28, "loss_pressure_20d");
    missing(&m, "D", 69, "loss_pressure_20d");
    // Twenty days without a loss read 0.
    let calm: Vec<DailyRow> = (0..40)
        .map(|i| {
            fills_row(
                "H",
                day(i),
                if i < 15 { -100.0 } else { 50.0 + i as f64 },
                5,
            )
        })
        .collect();
    close(
        &build(&calm, &FeatureContext::default()),
        "H",
        34,
        "loss_pressure_20d",
        0.0,
    );
}

#[test]
fn streaks_z_score_and_win_rate_drift() {
    let m = matrix();
    close(&m, "A", 19, "loss_streak_20d", 3.0);
    close(&m, "A", 19, "win_streak_20d", 0.0);
    close(&m, "A", 16, "win_streak_20d", 2.0);
    close(&m, "A", 16, "loss_streak_20d", 0.0);
    // Streaks stop counting at 20 days.
    let long = long_matrix();
    close(&long, "D", 9, "win_streak_20d", 10.0);
    close(&long, "D", 28, "loss_streak_20d", 19.0);
    close(&long, "D", 29, "loss_streak_20d", 20.0);
    close(&long, "D", 69, "loss_streak_20d", 20.0);
    close(&m, "A", 19, "pnl_z_20d", -0.8193187078554138);
    close(&m, "A", 19, "win_rate_5d", 40.0);
    close(&m, "A", 19, "win_rate_20d", 45.0);
    close(&m, "A", 19, "win_rate_drift", -5.0);
    close(&m, "A", 19, "vol_ratio_5d_20d", 0.6825025777515659);
    close(&m, "A", 19, "equity_slope_20d", -7.676691729323308);
    close(&m, "A", 19, "pnl_sharpe_20d", -0.02535100632816969);
    // z needs 10 earlier days.
    missing(&m, "A", 9, "pnl_z_20d");
    assert!(!value(&m, "A", day(10), "pnl_z_20d").is_nan());
}

#[test]
fn behaviour_flags_and_ratios() {
    let m = matrix();
    close(&m, "A", 19, "trades", 40.0);
    close(&m, "A", 19, "trades_rel_20d", 3.877551020408163);
    close(&m, "A", 19, "avg_notional_rel_20d", 2.5);
    close(&m, "A", 19, "max_notional_rel_20d", 1.0);
    close(&m, "A", 19, "burst_trades_10min", 5.0);
    // Revenge: day 18 lost 30, and 40 trades > 1.5 x 10.29 (days 12-18).
    close(&m, "A", 19, "revenge_flag", 1.0);
    // Day 18: day 17 lost, but 10 trades < 1.5 x 10.86.
    close(&m, "A", 18, "revenge_flag", 0.0);
    // Day 4: 4 earlier days suffice; day 3 won, so no revenge.
    close(&m, "A", 4, "revenge_flag", 0.0);
    missing(&m, "A", 3, "revenge_flag");
    // Overtrading: 40 > 80th percentile (11.4) of days 0-18.
    close(&m, "A", 19, "overtrading_flag", 1.0);
    // Day 15: 10 trades vs 80th percentile 11.2 of days 0-14; needs 15 earlier days.
    close(&m, "A", 15, "overtrading_flag", 0.0);
    missing(&m, "A", 14, "overtrading_flag");
    // Disposition: losers held 300 s vs winners 100 s.
    close(&m, "A", 19, "hold_losers_vs_winners", 3.0);
    missing(&m, "A", 18, "hold_losers_vs_winners");
    // Session skew: (200 - (-500)) / (500 + 100 + 200).
    close(&m, "A", 19, "session_skew", 0.875);
    close(&m, "A", 19, "pnl_open_hour", -500.0);
    close(&m, "A", 19, "pnl_close_hour", 200.0);
}

#[test]
fn firm_and_experience() {
    let m = matrix();
    close(&m, "A", 19, "firm_loss_share", 50.0);
    close(&m, "B", 19, "firm_loss_share", 50.0);
    close(&m, "A", 19, "firm_dispersion", 90.0 / 2f64.sqrt());
    // Day 0: A +100, B +10, C -25 → one of three lost.
    close(&m, "A", 0, "firm_loss_share", 100.0 / 3.0);
    close(&m, "A", 19, "trading_days_60d", 20.0);
    close(&m, "B", 19, "trading_days_60d", 4.0);
    close(&m, "A", 19, "days_since_last_trade_20d", 1.0);
    close(&m, "B", 5, "days_since_last_trade_20d", 4.0);
    close(&m, "B", 19, "days_since_last_trade_20d", 14.0);
    missing(&m, "B", 0, "days_since_last_trade_20d");
    // Both count up to their window.
    let long = long_matrix();
    close(&long, "D", 58, "trading_days_60d", 59.0);
    close(&long, "D", 59, "trading_days_60d", 60.0);
    close(&long, "D", 69, "trading_days_60d", 60.0);
    // E's first day is the firm's 20th: no session in the 19 firm days before, so "20 or
    // more"; its second comes 26 firm days later. F's first day is the 19th: unknown.
    close(&long, "E", 19, "days_since_last_trade_20d", 20.0);
    close(&long, "E", 45, "days_since_last_trade_20d", 20.0);
    missing(&long, "F", 18, "days_since_last_trade_20d");
    // 2025-09-01 is a Monday; day 4 a Friday.
    close(&m, "A", 0, "weekday", 0.0);
    close(&m, "A", 4, "weekday", 4.0);
}

#[test]
fn minimum_history_rule() {
    assert_eq!(min_rows(3), 2);
    assert_eq!(min_rows(5), 3);
    assert_eq!(min_rows(20), 10);
    assert_eq!(min_rows(60), 30);
    let m = matrix();
    missing(&m, "A", 0, "pnl_mean_3d");
    close(&m, "A", 1, "pnl_mean_3d", 25.0);
    missing(&m, "A", 1, "pnl_mean_5d");
    close(&m, "A", 2, "pnl_mean_5d", 20.0 / 3.0);
    // A 20-day window with 9 rows is missing, with 10 rows it is their mean.
    missing(&m, "A", 8, "pnl_mean_20d");
    close(&m, "A", 9, "pnl_mean_20d", 22.0);
    missing(&m, "A", 8, "win_rate_20d");
    close(&m, "A", 9, "win_rate_20d", 40.0);
}

#[test]
fn missing_history_and_columns_are_nan_not_zero() {
    let m = matrix();
    // A trader's first day: no window, norm or previous day yet.
    for name in [
        "pnl_mean_3d",
        "pnl_std_3d",
        "pnl_sum_3d",
        "pnl_max_dd_3d",
        "pnl_z_20d",
        "win_rate_5d",
        "vol_ratio_5d_20d",
        "trades_rel_20d",
        "revenge_flag",
        "overtrading_flag",
        "days_since_last_trade_20d",
        "firm_pnl_z_60d",
        "firm_vol_pct_6m",
    ] {
        missing(&m, "B", 0, name);
    }
    // C comes from a totals file: behaviour missing, P&L present.
    for name in [
        "trades",
        "trades_rel_20d",
        "shares_rel_20d",
        "avg_notional_rel_20d",
        "burst_trades_10min",
        "revenge_flag",
        "overtrading_flag",
        "hold_losers_vs_winners",
        "pnl_open_hour",
        "session_skew",
    ] {
        missing(&m, "C", 11, name);
    }
    close(&m, "C", 11, "pnl_mean_10d", 20.5);
    close(&m, "C", 11, "win_rate_5d", 80.0);
    // No market series given.
    missing(&m, "A", 19, "market_value");
    missing(&m, "A", 19, "market_change_5d");
}

/// A deterministic pseudo-random generator (splitmix64), so the test needs no RNG crate.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn every_feature_is_computed_somewhere() {
    let mut s = 7u64;
    let mut rows = Vec::new();
    for a in 0..4 {
        for d in 0..320 {
            if next(&mut s) % 10 < 8 {
                let total = (next(&mut s) % 2001) as f64 - 1000.0;
                let mut r = fills_row(&format!("T{a}"), day(d), total, 1 + next(&mut s) % 60);
                r.avg_position_notional = Some(1000.0 + (next(&mut s) % 50_000) as f64);
                r.pnl_close = Some((next(&mut s) % 400) as f64 - 200.0);
                rows.push(r);
            }
        }
    }
    let market = MarketSeries::new("vix", (0..330).map(|d| (day(d), 15.0 + (d % 17) as f64)));
    let m = build(
        &rows,
        &FeatureContext {
            market: Some(market),
        },
    );
    assert_eq!(m.width(), FEATURES.len());
    for (c, def) in FEATURES.iter().enumerate() {
        let seen = (0..m.len()).filter(|&i| !m.row(i)[c].is_nan()).count();
        assert!(seen > 0, "{} is never computed", def.name);
    }
    // The firm volatility rank needs 63 volatility values, the first of which needs 10 firm
    // days: it starts on the firm's 72nd trading day.
    let mut dates: Vec<_> = m.rows.iter().map(|k| k.date).collect();
    dates.sort_unstable();
    dates.dedup();
    let c = index_of("firm_vol_pct_6m").expect("feature");
    let first = (0..m.len())
        .filter(|&i| !m.row(i)[c].is_nan())
        .map(|i| m.rows[i].date)
        .min()
        .expect("some rank");
    assert_eq!(first, dates[71]);
    let trend = index_of("firm_trend").expect("feature");
    for i in 0..m.len() {
        let v = m.row(i)[trend];
        assert!(v.is_nan() || v == -1.0 || v == 0.0 || v == 1.0, "trend {v}");
    }
    let on_day_20 = (0..m.len())
        .find(|&i| m.rows[i].date == day(20))
        .expect("someone traded on day 20");
    assert_abs_diff_eq!(m.get(on_day_20, "market_value").expect("column"), 18.0);
    assert_abs_diff_eq!(m.get(on_day_20, "market_change_5d").expect("column"), -12.0);
}
