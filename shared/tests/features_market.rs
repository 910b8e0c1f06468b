//! The optional market series: parsing the common download shapes and the as-of date join.

#[path = "features_support/mod.rs"]
mod support;

use chrono::NaiveDate;
use dars_shared::features::{FeatureContext, MarketError, MarketSeries, build};
use support::{day, fills_row, value};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[test]
fn parses_fred_style_with_dots_for_missing_days() {
    let csv = b"observation_date,VIXCLS\n2025-09-01,.\n2025-09-02,15.5\n2025-09-03,16.25\n\n";
    let s = MarketSeries::parse(csv).expect("parses");
    assert_eq!(s.name(), "VIXCLS");
    assert_eq!(
        s.points(),
        [(date(2025, 9, 2), 15.5), (date(2025, 9, 3), 16.25)]
    );
}

#[test]
fn parses_headerless_and_yahoo_close_column() {
    let s = MarketSeries::parse(b"09/02/2025,15.5\n09/03/2025,16\n").expect("parses");
    assert_eq!(s.name(), "market");
    assert_eq!(s.len(), 2);
    let yahoo = b"Date,Open,High,Low,Close,Adj Close,Volume\n2025-09-02,15,17,14,16.5,16.5,0\n";
    let s = MarketSeries::parse(yahoo).expect("parses");
    assert_eq!(s.name(), "Close");
    assert_eq!(s.points(), [(date(2025, 9, 2), 16.5)]);
}

#[test]
fn later_duplicate_wins_and_order_does_not_matter() {
    let s =
        MarketSeries::parse(b"date,v\n2025-09-03,2\n2025-09-02,1\n2025-09-03,3\n").expect("parses");
    assert_eq!(
        s.points(),
        [(date(2025, 9, 2), 1.0), (date(2025, 9, 3), 3.0)]
    );
}

#[test]
fn bad_rows_are_errors_with_their_line() {
    let err = MarketSeries::parse(b"date,v\n2025-09-02,1\nnot a date,2\n").expect_err("bad");
    assert!(
        matches!(err, MarketError::BadDate { line: 3, .. }),
        "{err:?}"
    );
    let err = MarketSeries::parse(b"date,v\n2025-09-02,abc\n").expect_err("bad");
    assert!(
        matches!(err, MarketError::BadValue { line: 2, .. }),
        "{err}"
    );
    assert!(matches!(
        MarketSeries::parse(b"date,v\n"),
        Err(MarketError::Empty)
    ));
}

#[test]
fn joined_as_of_the_day_within_a_week() {
    let s = MarketSeries::new(
        "vix",
        [
            (date(2025, 9, 1), 10.0),
            (date(2025, 9, 3), 12.0),
            // A value after the day must never be used for it.
            (date(2025, 9, 5), 99.0),
        ],
    );
    assert_eq!(s.value_on(date(2025, 9, 3)), Some(12.0));
    assert_eq!(s.value_on(date(2025, 9, 4)), Some(12.0));
    assert_eq!(s.value_on(date(2025, 8, 31)), None);
    assert_eq!(s.value_on(date(2025, 9, 12)), Some(99.0));
    assert_eq!(s.value_on(date(2025, 9, 13)), None); // 8 days stale
    assert_eq!(s.change_on(date(2025, 9, 4), 1), Some(2.0));
    assert_eq!(s.change_on(date(2025, 9, 4), 2), None);

    let rows = vec![
        fills_row("A", day(0), 1.0, 1),
        fills_row("A", day(3), 1.0, 1),
    ];
    let ctx = FeatureContext { market: Some(s) };
    let m = build(&rows, &ctx);
    assert_eq!(value(&m, "A", day(0), "market_value"), 10.0);
    assert_eq!(value(&m, "A", day(3), "market_value"), 12.0); // Thu 4 Sep: Wed's value
}
