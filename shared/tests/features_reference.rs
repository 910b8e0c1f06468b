//! The single-pass window code against a naive reference: for every day, slice the trader's
//! history up to that day and recompute each statistic from scratch, forwards, with two-pass
//! variance — slow (what the seed's Python did) but obviously right.
#![cfg(not(target_arch = "wasm32"))]

#[path = "features_support/mod.rs"]
mod support;

use dars_shared::features::{FeatureContext, FeatureMatrix, build, index_of, min_rows};
use proptest::prelude::*;
use support::{day, fills_row};

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sample_std(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

fn max_drawdown(xs: &[f64]) -> f64 {
    let (mut equity, mut peak, mut dd) = (0.0f64, 0.0f64, 0.0f64);
    for x in xs {
        equity += x;
        peak = peak.max(equity);
        dd = dd.min(equity - peak);
    }
    dd
}

fn assert_close(got: f64, want: f64, what: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what}: got {got}, want missing");
        return;
    }
    let tol = 1e-9 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

fn get(m: &FeatureMatrix, i: usize, name: &str) -> f64 {
    m.row(i)[index_of(name).expect("feature")]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn window_features_match_a_naive_recompute(
        cents in prop::collection::vec(-300_000i64..300_000, 1..150),
    ) {
        let totals: Vec<f64> = cents.iter().map(|&c| c as f64 / 100.0).collect();
        let rows: Vec<_> = totals
            .iter()
            .enumerate()
            .map(|(d, &t)| fills_row("T", day(d), t, 5))
            .collect();
        let m = build(&rows, &FeatureContext::default());
        prop_assert_eq!(m.len(), totals.len());
        for i in 0..totals.len() {
            let history = &totals[..=i];
            for w in [3usize, 5, 10, 20, 60] {
                let win = &history[history.len().saturating_sub(w)..];
                let ok = win.len() >= min_rows(w);
                let or_nan = |v: f64| if ok { v } else { f64::NAN };
                let what = |s: &str| format!("pnl_{s}_{w}d on day {i}");
                assert_close(get(&m, i, &format!("pnl_mean_{w}d")), or_nan(mean(win)), &what("mean"));
                assert_close(get(&m, i, &format!("pnl_std_{w}d")), or_nan(sample_std(win)), &what("std"));
                assert_close(get(&m, i, &format!("pnl_sum_{w}d")), or_nan(win.iter().sum()), &what("sum"));
                let worst = win.iter().copied().fold(f64::INFINITY, f64::min);
                assert_close(get(&m, i, &format!("pnl_worst_{w}d")), or_nan(worst), &what("worst"));
                assert_close(get(&m, i, &format!("pnl_max_dd_{w}d")), or_nan(max_drawdown(win)), &what("max_dd"));
                if w == 5 || w == 20 {
                    let rate = 100.0 * win.iter().filter(|&&x| x > 0.0).count() as f64 / win.len() as f64;
                    assert_close(get(&m, i, &format!("win_rate_{w}d")), or_nan(rate), &what("win_rate"));
                }
            }
            // The drawdown from the 60-day high: the equity curve over the window, forwards,
            // starting from the level before it.
            let win = &history[history.len().saturating_sub(60)..];
            let (from_high, from_high_std) = if win.len() >= min_rows(60) {
                let (mut equity, mut peak) = (0.0f64, 0.0f64);
                for x in win {
                    equity += x;
                    peak = peak.max(equity);
                }
                let s = sample_std(win);
                let dd = equity - peak;
                (dd, if s == 0.0 { f64::NAN } else { dd / s })
            } else {
                (f64::NAN, f64::NAN)
            };
            assert_close(get(&m, i, "pnl_drawdown_60d"), from_high, &format!("pnl_drawdown_60d on day {i}"));
            assert_close(get(&m, i, "pnl_drawdown_std_60d"), from_high_std, &format!("pnl_drawdown_std_60d on day {i}"));
            let prior = &history[..i][i.saturating_sub(20)..];
            let z = if prior.len() >= 10 {
                let s = sample_std(prior);
                if s == 0.0 { f64::NAN } else { (totals[i] - mean(prior)) / s }
            } else {
                f64::NAN
            };
            assert_close(get(&m, i, "pnl_z_20d"), z, &format!("pnl_z_20d on day {i}"));
            // Loss pressure: the last 20 days' losses, faded by 0.6 a day back, over the 60-day
            // sample std.
            let s60 = sample_std(win);
            let pressure = if win.len() >= min_rows(60) && s60 != 0.0 {
                let mut faded = 0.0;
                for (k, x) in history.iter().rev().take(20).enumerate() {
                    if *x < 0.0 {
                        faded += -x * 0.6f64.powi(k as i32);
                    }
                }
                faded / s60
            } else {
                f64::NAN
            };
            assert_close(get(&m, i, "loss_pressure_20d"), pressure, &format!("loss_pressure_20d on day {i}"));
            let losses = history.iter().rev().take_while(|&&x| x < 0.0).count();
            let wins = history.iter().rev().take_while(|&&x| x > 0.0).count();
            assert_close(get(&m, i, "loss_streak_20d"), losses.min(20) as f64, "loss_streak_20d");
            assert_close(get(&m, i, "win_streak_20d"), wins.min(20) as f64, "win_streak_20d");
            assert_close(get(&m, i, "trading_days_60d"), history.len().min(60) as f64, "trading_days_60d");
        }
    }
}
