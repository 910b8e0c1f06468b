//! The registry: unique snake_case names, a description, label and phrase for every column, the
//! matrix width, and phrases that read well for any value.

use std::collections::HashSet;

use dars_shared::features::{
    FEATURES, FeatureContext, Group, N_FEATURES, Phrase, Unit, build, def, describe, index_of,
    max_window, names,
};

fn is_snake_case(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && !s.ends_with('_')
        && !s.contains("__")
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

#[test]
fn names_unique_snake_case_and_documented() {
    let mut seen = HashSet::new();
    for d in FEATURES {
        assert!(seen.insert(d.name), "duplicate feature name {}", d.name);
        assert!(is_snake_case(d.name), "{} is not snake_case", d.name);
        assert!(!d.label.trim().is_empty(), "{} has no label", d.name);
        assert!(
            d.description.len() > 20 && d.description.ends_with('.'),
            "{} needs a plain-English description (a sentence): {:?}",
            d.name,
            d.description
        );
        let templates: Vec<&str> = match d.phrase {
            Phrase::Text(t) => vec![t],
            Phrase::Signed(a, b, c) => vec![a, b, c],
            Phrase::Flag(a, b) => vec![a, b],
        };
        assert!(templates.iter().all(|t| !t.trim().is_empty()), "{}", d.name);
        if d.unit == Unit::Flag {
            assert!(
                matches!(d.phrase, Phrase::Flag(..)),
                "{} flag phrase",
                d.name
            );
        }
        if let Some(w) = d.window {
            assert!(w >= 1, "{} window", d.name);
        }
    }
    assert_eq!(N_FEATURES, FEATURES.len());
    assert_eq!(names().len(), FEATURES.len());
    for (i, d) in FEATURES.iter().enumerate() {
        assert_eq!(index_of(d.name), Some(i));
        assert_eq!(def(d.name), Some(d));
    }
    for g in [Group::Pnl, Group::Behaviour, Group::Firm, Group::Experience] {
        assert!(FEATURES.iter().any(|d| d.group == g), "{g:?} is empty");
    }
}

#[test]
fn matrix_width_equals_registry() {
    let rows = vec![dars_shared::DailyRow {
        date: chrono::NaiveDate::from_ymd_opt(2025, 9, 2).expect("date"),
        account_id: "A".into(),
        orders_cnt: Some(1),
        fills_cnt: Some(1),
        qty_cnt: Some(100),
        gross: 1.0,
        fees: Some(0.0),
        net_pnl: 1.0,
        unrealized_delta: 0.0,
        total_delta: 1.0,
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
    }];
    let m = build(&rows, &FeatureContext::default());
    assert_eq!(m.width(), FEATURES.len());
    assert_eq!(m.names, names());
    assert_eq!(m.values.len(), m.len() * FEATURES.len());
}

#[test]
fn max_window_is_the_longest_lookback() {
    // The firm volatility rank: 252 firm days of a 20-day volatility.
    assert_eq!(max_window(), 271);
    assert!(
        FEATURES
            .iter()
            .filter_map(|d| d.window)
            .all(|w| w <= max_window())
    );
}

fn say(name: &str, v: f64) -> String {
    describe(def(name).expect("feature"), v)
}

#[test]
fn phrases_read_well() {
    assert_eq!(say("loss_streak", 3.0), "3-day loss streak");
    assert_eq!(say("loss_streak", 0.0), "no loss streak");
    assert_eq!(
        say("avg_notional_rel_20d", 2.1),
        "traded 2.1x your usual size"
    );
    assert_eq!(
        say("pnl_drawdown", -1240.0),
        "-$1,240 drawdown from your equity peak"
    );
    assert_eq!(say("pnl_drawdown", 0.0), "at your equity peak");
    assert_eq!(say("pnl_last", 350.4), "last day's P&L +$350");
    assert_eq!(say("pnl_last", -12_345.6), "last day's P&L -$12,346");
    assert_eq!(say("trades", 1.0), "1 trade on the last day");
    assert_eq!(say("trades", 14.0), "14 trades on the last day");
    assert_eq!(say("win_rate_5d", 40.0), "won 40% of the last 5 days");
    assert_eq!(
        say("win_rate_drift", -25.0),
        "5-day win rate 25 percentage points below your 20-day rate"
    );
    assert_eq!(
        say("pnl_z_20d", -2.345),
        "last day's P&L -2.3 std devs from your 20-day average"
    );
    assert_eq!(
        say("revenge_flag", 1.0),
        "traded over 1.5x your usual count right after a losing day"
    );
    assert_eq!(say("revenge_flag", 0.0), "no revenge-trading pattern");
    assert_eq!(say("firm_trend", -1.0), "firm P&L trending down");
    assert_eq!(say("weekday", 4.0), "last session was a Friday");
    assert_eq!(
        say("days_since_last_trade", 1.0),
        "1 firm trading day since the previous session"
    );
    assert_eq!(
        say("pnl_drawdown_std", -2.5),
        "drawdown of 2.5 daily std devs"
    );
    assert_eq!(
        say("session_skew", 0.875),
        "closing hour better than the opening hour (+0.88)"
    );
    assert_eq!(
        say("loss_streak", f64::NAN),
        "Loss streak: not enough history"
    );
}

#[test]
fn every_phrase_fills_its_placeholders() {
    for d in FEATURES {
        for v in [
            -1234.5,
            -2.0,
            -1.0,
            -0.25,
            0.0,
            0.25,
            1.0,
            3.0,
            45.0,
            1234.5,
            f64::NAN,
        ] {
            let text = describe(d, v);
            assert!(
                !text.contains('{') && !text.contains('}'),
                "{} at {v}: {text}",
                d.name
            );
            assert!(
                !text.contains("NaN") && !text.contains("inf"),
                "{}: {text}",
                d.name
            );
            assert!(
                !text.contains("+-") && !text.contains("--"),
                "{}: {text}",
                d.name
            );
            assert!(!text.trim().is_empty(), "{}", d.name);
        }
    }
}
