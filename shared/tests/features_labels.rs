//! Labels: 1 when the trader's next trading day closes negative; days without trading are
//! neither rows nor labels; each trader's last day has no label.

#[path = "features_support/mod.rs"]
mod support;

use dars_shared::features::{FeatureContext, build, is_trading_day, latest_per_account};
use support::{day, fills_row, totals_row};

#[test]
fn next_trading_day_negative_is_one_and_last_day_has_none() {
    let mut carry_only = fills_row("A", day(2), -100.0, 0);
    carry_only.fills_cnt = Some(0);
    carry_only.orders_cnt = Some(0);
    carry_only.qty_cnt = Some(0);
    let rows = vec![
        fills_row("A", day(0), 10.0, 3),
        fills_row("A", day(1), -5.0, 3),
        // A carried a position through day 2 without trading: not a label, not a row.
        carry_only,
        // Days 3-4 not in the table (days off), then a flat day.
        fills_row("A", day(5), 0.0, 3),
        fills_row("A", day(6), -1.0, 3),
        fills_row("A", day(7), 2.0, 3),
    ];
    let m = build(&rows, &FeatureContext::default());
    let dates: Vec<_> = m.rows.iter().map(|k| k.date).collect();
    assert_eq!(dates, [day(0), day(1), day(5), day(6), day(7)]);
    // day 0 → day 1 lost; day 1 → day 5 flat (0 is not negative); day 5 → day 6 lost;
    // day 6 → day 7 won; day 7 is the last day.
    assert_eq!(m.labels, [Some(1), Some(0), Some(1), Some(0), None]);
    assert_eq!(
        m.next_total,
        [Some(-5.0), Some(0.0), Some(-1.0), Some(2.0), None]
    );
    assert_eq!(
        m.next_date,
        [Some(day(1)), Some(day(5)), Some(day(6)), Some(day(7)), None]
    );
}

#[test]
fn idle_totals_rows_are_not_trading_days() {
    // A totals export lists idle days as zero rows; a carry-only day shows only unrealized.
    let idle = totals_row("B", day(1), 0.0);
    let mut carry = totals_row("B", day(2), 0.0);
    carry.unrealized_delta = -40.0;
    carry.total_delta = -40.0;
    assert!(!is_trading_day(&idle));
    assert!(!is_trading_day(&carry));
    assert!(is_trading_day(&totals_row("B", day(0), 12.0)));

    let rows = vec![
        totals_row("B", day(0), 12.0),
        idle,
        carry,
        totals_row("B", day(3), -7.0),
    ];
    let m = build(&rows, &FeatureContext::default());
    assert_eq!(m.len(), 2);
    assert_eq!(m.labels, [Some(1), None]);
    // The streak is not broken by the idle days either.
    assert_eq!(m.get(1, "trading_days_60d"), Some(2.0));
}

#[test]
fn rows_sorted_by_account_then_date_and_duplicates_resolved() {
    let rows = vec![
        fills_row("Z", day(1), 5.0, 2),
        fills_row("A", day(1), 5.0, 2),
        fills_row("Z", day(0), 5.0, 2),
        fills_row("A", day(0), 5.0, 2),
        // A later row for the same account and day replaces the earlier one.
        fills_row("A", day(1), -9.0, 2),
    ];
    let m = build(&rows, &FeatureContext::default());
    let keys: Vec<_> = m
        .rows
        .iter()
        .map(|k| (k.account_id.as_str(), k.date))
        .collect();
    assert_eq!(
        keys,
        [("A", day(0)), ("A", day(1)), ("Z", day(0)), ("Z", day(1))]
    );
    assert_eq!(m.labels, [Some(1), None, Some(0), None]);
    assert_eq!(m.get(1, "pnl_last"), Some(-9.0));
    assert_eq!(m.latest_rows(), [1, 3]);
    let latest = latest_per_account(&m);
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[1].key.account_id, "Z");
    assert_eq!(latest[1].key.date, day(1));
    assert_eq!(latest[1].values.len(), m.width());
}

#[test]
fn empty_table_gives_empty_matrix_with_all_columns() {
    let m = build(&[], &FeatureContext::default());
    assert!(m.is_empty());
    assert_eq!(m.width(), dars_shared::features::N_FEATURES);
    assert!(m.values.is_empty() && m.labels.is_empty());
}
