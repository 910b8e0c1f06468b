//! Per-trader features: P&L blocks, drawdown from the recent high, streaks and win rates,
//! behaviour from fills, and experience, for every trading day of one trader in one forward pass.
//!
//! Day i's values read only the trader's days 0..=i (plus the firm row of day i's date), which
//! is what makes the matrix free of look-ahead — and only the last few of them: every value
//! reads at most its registry window (60 trading days at most; the gap since the previous
//! session, 20 firm days), so the same trader scored from a file holding that much history gets
//! the same row, bit for bit, as from the whole lake. Streaks and the experience count are
//! carried forward but capped at their window, which is what makes them bounded. Windowed
//! statistics scan at most 60 days back (see `window`), so the cost is linear in rows. Behaviour
//! norms ("your usual") compare the day with the days *before* it, so a spike is measured
//! against a baseline it is not part of.

use chrono::Datelike;

use super::firm::Firm;
use super::history::Trader;
use super::registry::{Col, EXPERIENCE_CAP, GAP_CAP, N_FEATURES, STREAK_CAP};
use super::window::{
    NestedScan, WindowStats, cumulative_slope, min_rows, prior_mean, prior_summary, quantile, ratio,
};

/// The P&L block windows, in trading days, ascending.
const WINDOWS: [usize; 5] = [3, 5, 10, 20, 60];
/// Columns of each block statistic, one per window in [`WINDOWS`] order.
const MEAN: [Col; 5] = [
    Col::PnlMean3,
    Col::PnlMean5,
    Col::PnlMean10,
    Col::PnlMean20,
    Col::PnlMean60,
];
const STD: [Col; 5] = [
    Col::PnlStd3,
    Col::PnlStd5,
    Col::PnlStd10,
    Col::PnlStd20,
    Col::PnlStd60,
];
const SUM: [Col; 5] = [
    Col::PnlSum3,
    Col::PnlSum5,
    Col::PnlSum10,
    Col::PnlSum20,
    Col::PnlSum60,
];
const WORST: [Col; 5] = [
    Col::PnlWorst3,
    Col::PnlWorst5,
    Col::PnlWorst10,
    Col::PnlWorst20,
    Col::PnlWorst60,
];
const MAX_DD: [Col; 5] = [
    Col::PnlMaxDd3,
    Col::PnlMaxDd5,
    Col::PnlMaxDd10,
    Col::PnlMaxDd20,
    Col::PnlMaxDd60,
];
/// Positions of the 5-, 20- and 60-day windows in [`WINDOWS`]; the drawdown from the recent
/// high uses the 60-day one.
const W5: usize = 1;
const W20: usize = 3;
const W60: usize = 4;
/// Days before the scored one that "your usual" (the behaviour norm and the P&L z-score) uses.
const NORM_WINDOW: usize = 20;
/// Days before the scored one the revenge-trading baseline uses.
const REVENGE_WINDOW: usize = 7;
/// Revenge trading: after a losing day, executions above this multiple of their 7-day mean.
pub const REVENGE_MULTIPLE: f64 = 1.5;
/// Days before the scored one the overtrading percentile uses.
const OVERTRADING_WINDOW: usize = 30;
/// Overtrading: executions above this quantile (interpolated, as numpy's default) of the 30
/// days before.
pub const OVERTRADING_QUANTILE: f64 = 0.8;
/// Days in the equity-slope and risk-adjusted P&L windows.
const SLOPE_WINDOW: usize = 20;
/// Days of losses that loss pressure adds up, the scored day included.
const PRESSURE_WINDOW: usize = 20;
/// Loss pressure's weight per day back: the latest day counts in full, the one before 0.6, then
/// 0.36, … (a loss 5 days back counts 13%, 10 days back 0.6%). Chosen on the demo firm's
/// 120-day backtest among 0.3–0.8 (see BENCHMARKS.md), where 0.5–0.8 all did about as well.
const PRESSURE_FADE: f64 = 0.6;

fn opt_u64(v: Option<u64>) -> f64 {
    v.map_or(f64::NAN, |n| n as f64)
}

fn opt_f64(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// Firm days from the previous session (firm day `before`) to firm day `now` (0-based), capped
/// at [`GAP_CAP`]. Without a previous session the gap is at least `now + 1` days, so it is the
/// cap once `now + 1` reaches it and unknown before. Either way the value depends only on which
/// of the last `GAP_CAP` firm days the trader traded on.
fn days_since(now: usize, before: Option<usize>) -> Option<usize> {
    let cap = GAP_CAP as usize;
    match before {
        Some(before) => Some(now.saturating_sub(before).min(cap)),
        None => (now + 1 >= cap).then_some(cap),
    }
}

/// Loss pressure on the last of `history`'s days: its last [`PRESSURE_WINDOW`] days' losses
/// (gains count 0), the latest in full and each earlier one faded by [`PRESSURE_FADE`] per day
/// back, in units of `swing` (the trader's 60-day sample std of daily P&L, dollars). 0 without a
/// loss in the window; NaN when `swing` is missing or 0.
fn loss_pressure(history: &[f64], swing: f64) -> f64 {
    if swing.is_nan() || swing == 0.0 {
        return f64::NAN;
    }
    let mut weight = 1.0;
    let mut pressure = 0.0;
    for &x in history.iter().rev().take(PRESSURE_WINDOW) {
        pressure += weight * (-x).max(0.0);
        weight *= PRESSURE_FADE;
    }
    pressure / swing
}

/// Computes every feature row of `trader`, oldest first, handing each to `emit` with its
/// position in `trader.rows`.
pub(crate) fn compute(trader: &Trader<'_>, firm: &Firm, mut emit: impl FnMut(usize, &[f64])) {
    let rows = &trader.rows;
    let totals: Vec<f64> = rows.iter().map(|r| r.total_delta).collect();
    let trades: Vec<f64> = rows.iter().map(|r| opt_u64(r.fills_cnt)).collect();
    let shares: Vec<f64> = rows.iter().map(|r| opt_u64(r.qty_cnt)).collect();
    let avg_notional: Vec<f64> = rows
        .iter()
        .map(|r| opt_f64(r.avg_position_notional))
        .collect();
    let max_notional: Vec<f64> = rows
        .iter()
        .map(|r| opt_f64(r.max_position_notional))
        .collect();

    let mut loss_streak = 0u32;
    let mut win_streak = 0u32;
    let mut prev_firm_day: Option<usize> = None;
    let mut blocks = [WindowStats::MISSING; WINDOWS.len()];
    let mut recent: Vec<f64> = Vec::with_capacity(OVERTRADING_WINDOW);
    let mut row = [f64::NAN; N_FEATURES];

    for (i, r) in rows.iter().enumerate() {
        row.fill(f64::NAN);
        let mut set = |c: Col, v: f64| row[c as usize] = v;
        let x = totals[i];

        // ---- P&L ----
        set(Col::PnlLast, x);
        NestedScan::run(&totals[..=i], &WINDOWS, &mut blocks);
        for (w, s) in blocks.iter().enumerate() {
            set(MEAN[w], s.mean);
            set(STD[w], s.std);
            set(SUM[w], s.sum);
            set(WORST[w], s.worst);
            set(MAX_DD[w], s.max_dd);
        }
        let b60 = blocks[W60];
        set(Col::PnlDrawdown60, b60.from_high);
        set(Col::PnlDrawdownStd60, ratio(b60.from_high, b60.std));
        let prior = prior_summary(&totals, i, NORM_WINDOW);
        if prior.n >= min_rows(NORM_WINDOW) {
            set(Col::PnlZ20, prior.z(x));
        }
        set(Col::LossPressure20, loss_pressure(&totals[..=i], b60.std));
        // Capped as they grow: a streak of STREAK_CAP reads the last STREAK_CAP days only.
        loss_streak = if x < 0.0 {
            (loss_streak + 1).min(STREAK_CAP)
        } else {
            0
        };
        win_streak = if x > 0.0 {
            (win_streak + 1).min(STREAK_CAP)
        } else {
            0
        };
        set(Col::LossStreak20, f64::from(loss_streak));
        set(Col::WinStreak20, f64::from(win_streak));
        let (b5, b20) = (blocks[W5], blocks[W20]);
        set(Col::WinRate5, b5.win_rate);
        set(Col::WinRate20, b20.win_rate);
        set(Col::WinRateDrift, b5.win_rate - b20.win_rate);
        set(Col::VolRatio5v20, ratio(b5.std, b20.std));
        let slope_days = &totals[(i + 1).saturating_sub(SLOPE_WINDOW)..=i];
        if slope_days.len() >= min_rows(SLOPE_WINDOW) {
            set(Col::EquitySlope20, cumulative_slope(slope_days));
        }
        set(Col::PnlSharpe20, ratio(b20.mean, b20.std));

        // ---- Behaviour ----
        let t = trades[i];
        set(Col::Trades, t);
        set(
            Col::TradesRel20,
            ratio(t, prior_mean(&trades, i, NORM_WINDOW)),
        );
        set(
            Col::SharesRel20,
            ratio(shares[i], prior_mean(&shares, i, NORM_WINDOW)),
        );
        set(
            Col::AvgNotionalRel20,
            ratio(avg_notional[i], prior_mean(&avg_notional, i, NORM_WINDOW)),
        );
        set(
            Col::MaxNotionalRel20,
            ratio(max_notional[i], prior_mean(&max_notional, i, NORM_WINDOW)),
        );
        set(
            Col::BurstTrades10m,
            r.max_fills_10min.map_or(f64::NAN, f64::from),
        );
        if i >= 1 && !t.is_nan() {
            let usual = prior_mean(&trades, i, REVENGE_WINDOW);
            if !usual.is_nan() {
                let revenge = totals[i - 1] < 0.0 && t > REVENGE_MULTIPLE * usual;
                set(Col::RevengeFlag, f64::from(u8::from(revenge)));
            }
        }
        recent.clear();
        recent.extend(
            trades[i.saturating_sub(OVERTRADING_WINDOW)..i]
                .iter()
                .filter(|v| !v.is_nan()),
        );
        if !t.is_nan() && recent.len() >= min_rows(OVERTRADING_WINDOW) {
            let p80 = quantile(&mut recent, OVERTRADING_QUANTILE);
            set(Col::OvertradingFlag, f64::from(u8::from(t > p80)));
        }
        if let (Some(losers), Some(winners)) = (r.avg_hold_secs_losers, r.avg_hold_secs_winners) {
            set(Col::HoldLosersVsWinners, ratio(losers, winners));
        }
        if let (Some(open), Some(mid), Some(close)) = (r.pnl_open, r.pnl_midday, r.pnl_close) {
            set(Col::PnlOpenHour, open);
            set(Col::PnlMidday, mid);
            set(Col::PnlCloseHour, close);
            set(
                Col::SessionSkew,
                ratio(close - open, open.abs() + mid.abs() + close.abs()),
            );
        }

        // ---- Experience ----
        set(
            Col::TradingDays60,
            (i + 1).min(EXPERIENCE_CAP as usize) as f64,
        );
        set(
            Col::Weekday,
            f64::from(r.date.weekday().num_days_from_monday()),
        );
        let firm_day = firm.index(r.date);
        if let Some(gap) = firm_day.and_then(|now| days_since(now, prev_firm_day)) {
            set(Col::DaysSinceLastTrade20, gap as f64);
        }
        prev_firm_day = firm_day;

        // ---- Firm and market ----
        if let Some(f) = firm_day {
            firm.write(f, &mut row);
        }
        emit(i, &row);
    }
}
