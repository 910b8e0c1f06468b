//! The registry: unique snake_case names, a description, label, phrase and bounded lookback for
//! every column, the matrix width, and phrases that read well for any value (std-dev figures
//! only in a sensible range, capped counts saying "or more").

use std::collections::HashSet;

use dars_shared::features::{
    Calendar, FEATURES, FeatureContext, Group, MAX_STD_DEVS, N_FEATURES, Phrase, Unit, Window,
    build, def, describe, index_of, max_window, names,
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
        let templates = templates(&d.phrase);
        assert!(templates.iter().all(|t| !t.trim().is_empty()), "{}", d.name);
        if d.unit == Unit::Flag {
            assert!(
                matches!(d.phrase, Phrase::Flag(..)),
                "{} flag phrase",
                d.name
            );
        }
        match d.lookback.window {
            Window::Days(w) => assert!(w >= 1, "{} window", d.name),
            Window::All => panic!(
                "{} reads the whole history: no file a manager drops can reproduce it",
                d.name
            ),
        }
        if d.group == Group::Firm {
            assert_eq!(d.lookback.calendar, Calendar::Firm, "{}", d.name);
        }
        // A figure in std devs needs its plain-words fallback; a capped count its "or more".
        if d.unit == Unit::StdDevs {
            assert!(
                matches!(d.phrase, Phrase::Bounded(..)),
                "{} shows std devs without a bound",
                d.name
            );
        }
        if let Phrase::Capped(cap, ..) = d.phrase {
            assert_eq!(d.lookback.window, Window::Days(cap), "{} cap", d.name);
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

fn templates(p: &Phrase) -> Vec<&'static str> {
    match *p {
        Phrase::Text(t) => vec![t],
        Phrase::Signed(a, b, c) => vec![a, b, c],
        Phrase::Flag(a, b) => vec![a, b],
        Phrase::Capped(_, inner, at_cap) => {
            let mut v = templates(inner);
            v.push(at_cap);
            v
        }
        Phrase::Bounded(inner, below, above) => {
            let mut v = templates(inner);
            v.extend([below, above]);
            v
        }
    }
}

#[test]
fn matrix_width_equals_registry() {
    let rows = vec![dars_shared::DailyRow::from(
        &dars_shared::schema::DailyTotal {
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
            line: 0,
        },
    )];
    let m = build(&rows, &FeatureContext::default());
    assert_eq!(m.width(), FEATURES.len());
    assert_eq!(m.names, names());
    assert_eq!(m.values.len(), m.len() * FEATURES.len());
}

#[test]
fn max_window_is_the_longest_lookback() {
    // The firm volatility rank: 126 firm days of a 20-day volatility, so a year of files
    // (250 trading days) covers every feature.
    assert_eq!(max_window(), 145);
    assert!(
        FEATURES
            .iter()
            .filter_map(|d| d.lookback.window.days())
            .all(|w| w <= max_window())
    );
    // On the trader's own calendar nothing reads more than 60 trading days.
    let trader = FEATURES
        .iter()
        .filter(|d| d.lookback.calendar == Calendar::Trader)
        .filter_map(|d| d.lookback.window.days())
        .max();
    assert_eq!(trader, Some(60));
}

fn say(name: &str, v: f64) -> String {
    describe(def(name).expect("feature"), v)
}

#[test]
fn phrases_read_well() {
    assert_eq!(say("loss_streak_20d", 3.0), "3-day loss streak");
    assert_eq!(say("loss_streak_20d", 0.0), "no loss streak");
    assert_eq!(
        say("loss_streak_20d", 20.0),
        "loss streak of 20 days or more"
    );
    assert_eq!(say("win_streak_20d", 19.0), "19-day win streak");
    assert_eq!(say("trading_days_60d", 1.0), "1 trading day of history");
    assert_eq!(say("trading_days_60d", 59.0), "59 trading days of history");
    assert_eq!(
        say("trading_days_60d", 60.0),
        "60 or more trading days of history"
    );
    assert_eq!(
        say("avg_notional_rel_20d", 2.1),
        "traded 2.1x your usual size"
    );
    assert_eq!(
        say("pnl_drawdown_60d", -1240.0),
        "$1,240 below your 60-day equity high"
    );
    assert_eq!(say("pnl_drawdown_60d", 0.0), "at your 60-day equity high");
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
        say("days_since_last_trade_20d", 1.0),
        "1 firm trading day since the previous session"
    );
    assert_eq!(
        say("days_since_last_trade_20d", 20.0),
        "20 or more firm trading days since the previous session"
    );
    assert_eq!(
        say("pnl_drawdown_std_60d", -2.5),
        "drawdown of 2.5 daily std devs (60 days)"
    );
    assert_eq!(
        say("session_skew", 0.875),
        "closing hour better than the opening hour (+0.88)"
    );
    assert_eq!(
        say("loss_streak_20d", f64::NAN),
        "Loss streak: not enough history"
    );
}

#[test]
fn std_devs_are_shown_only_in_a_sensible_range() {
    // The figure an email once carried: a drawdown over a tiny std.
    assert_eq!(
        say("pnl_drawdown_std_60d", -450.2),
        "drawdown far larger than your usual daily swings (60 days)"
    );
    assert_eq!(
        say("pnl_drawdown_std_60d", -MAX_STD_DEVS),
        "drawdown of 10.0 daily std devs (60 days)"
    );
    assert_eq!(
        say("loss_pressure_20d", 1.434),
        "recent losses add up to 1.4x your usual daily swing (faded over 20 days)"
    );
    assert_eq!(
        say("loss_pressure_20d", 0.0),
        "no losing day in the last 20 days"
    );
    assert_eq!(
        say("loss_pressure_20d", 14.0),
        "recent losses far larger than your usual daily swings"
    );
    assert_eq!(
        say("pnl_z_20d", 37.0),
        "last day's P&L far above anything in your previous 20 days"
    );
    assert_eq!(
        say("pnl_z_20d", -10.01),
        "last day's P&L far below anything in your previous 20 days"
    );
    assert_eq!(
        say("firm_pnl_z_60d", -12.0),
        "firm's average P&L far below anything in its previous 60 days"
    );
    // No std-dev feature ever prints a figure beyond the bound.
    for d in FEATURES.iter().filter(|d| d.unit == Unit::StdDevs) {
        for v in [-1e9, -450.2, -10.5, 10.5, 450.2, 1e9] {
            let text = describe(d, v);
            // The only numbers left are the windows' lengths.
            let numbers: Vec<&str> = text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .collect();
            assert!(
                numbers.iter().all(|n| ["20", "60"].contains(n)),
                "{}: {text}",
                d.name
            );
            assert!(!text.contains("std dev"), "{}: {text}", d.name);
        }
    }
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
