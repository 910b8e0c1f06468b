//! The daily table's CSV/JSON forms and reconciliation against back-office totals, on the
//! golden fixtures.

mod common;

use common::fixture;
use dars_shared::daily;
use dars_shared::ingest::{Dialect, IngestOptions, read_fills, read_totals};
use dars_shared::reconcile::{DiscrepancyKind, reconcile};
use dars_shared::schema::DailyRow;

fn computed() -> Vec<DailyRow> {
    let b = read_fills(
        "propreports_fills.csv",
        &fixture("propreports_fills.csv"),
        &IngestOptions::default(),
    )
    .expect("fixture");
    daily::from_fills(&b.fills, None).1
}

#[test]
fn csv_columns_start_with_the_totals_columns() {
    let csv = daily::to_csv(&computed());
    let header = csv.lines().next().unwrap_or_default();
    assert!(header.starts_with(
        "date,account_id,orders_cnt,fills_cnt,qty_cnt,gross,fees,net_pnl,unrealized_delta,total_delta,"
    ));
    assert_eq!(header.split(',').count(), daily::CSV_COLUMNS.len());
}

#[test]
fn exported_table_reads_back_as_totals() {
    let rows = computed();
    let csv = daily::to_csv(&rows);
    let t =
        read_totals("export.csv", csv.as_bytes(), &IngestOptions::default()).expect("reads back");
    assert_eq!(t.detection.dialect, Dialect::DarsTotals);
    assert!(
        t.detection
            .message
            .contains("Ignored columns: round_trips, winning_round_trips"),
        "{}",
        t.detection.message
    );
    assert_eq!(t.totals.len(), rows.len());
    for (row, total) in rows.iter().zip(&t.totals) {
        assert_eq!((&row.account_id, row.date), (&total.account_id, total.date));
        assert_eq!(
            (row.orders_cnt, row.fills_cnt, row.qty_cnt),
            (total.orders_cnt, total.fills_cnt, total.qty_cnt)
        );
        for (a, b) in [
            (row.gross, total.gross),
            (row.fees.unwrap_or(f64::NAN), total.fees.unwrap_or(f64::NAN)),
            (row.net_pnl, total.net_pnl),
            (row.unrealized_delta, total.unrealized_delta),
            (row.total_delta, total.total_delta),
        ] {
            assert!((a - b).abs() <= 0.005 + 1e-9, "{a} vs {b}");
        }
    }
    // And it reconciles with the table it came from.
    assert!(reconcile(&rows, &t.totals).is_empty());
}

#[test]
fn json_round_trips_and_keeps_none() {
    let rows = computed();
    let json = daily::to_json(&rows);
    let back: Vec<DailyRow> = serde_json::from_str(&json).expect("json");
    assert_eq!(back, rows);
    assert!(json.contains("\"avg_hold_secs_losers\": null"));
    // Rows from totals have no behaviour columns: None, never 0.
    let t = read_totals(
        "propreports_totals.csv",
        &fixture("propreports_totals.csv"),
        &IngestOptions::default(),
    )
    .expect("fixture");
    let from_totals = daily::from_totals(&t.totals);
    assert!(
        from_totals
            .iter()
            .all(|r| r.round_trips.is_none() && r.max_fills_10min.is_none())
    );
    let csv = daily::to_csv(&from_totals);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap_or_default()
            .ends_with(",,,,,,,,,,,,,"),
        "{csv}"
    );
}

#[test]
fn reconcile_lists_mismatches_and_one_sided_days() {
    let t = read_totals(
        "propreports_totals.csv",
        &fixture("propreports_totals.csv"),
        &IngestOptions::default(),
    )
    .expect("fixture");
    let diffs = reconcile(&computed(), &t.totals);
    let got: Vec<(String, String, DiscrepancyKind)> = diffs
        .iter()
        .map(|d| (d.account_id.to_string(), d.date.to_string(), d.kind))
        .collect();
    assert_eq!(
        got,
        [
            (
                "TR002".into(),
                "2025-08-27".into(),
                DiscrepancyKind::OnlyReported
            ),
            (
                "TR002".into(),
                "2025-08-29".into(),
                DiscrepancyKind::TotalDiffers
            ),
        ]
    );
    assert_eq!(
        diffs[1].to_string(),
        "TR002 2025-08-29: computed Total δ 98.23 but the totals file says 97.23 (difference 1.00)"
    );
    assert_eq!(
        diffs[0].to_string(),
        "TR002 2025-08-27: the totals file says Total δ 1030.00, but the fills have no such day"
    );
}

#[test]
fn reconcile_tolerates_a_cent_but_not_more() {
    let mut rows = computed();
    let t = read_totals(
        "x",
        daily::to_csv(&rows).as_bytes(),
        &IngestOptions::default(),
    )
    .expect("x");
    rows[0].total_delta += 0.0099;
    assert!(reconcile(&rows, &t.totals).is_empty());
    rows[0].total_delta += 0.0051;
    assert_eq!(reconcile(&rows, &t.totals).len(), 1);
    rows.remove(1);
    let kinds: Vec<_> = reconcile(&rows, &t.totals).iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [DiscrepancyKind::TotalDiffers, DiscrepancyKind::OnlyReported]
    );
}

/// A daily table built a group of accounts at a time is the whole one: an account carrying a
/// position has a day on every trading day, including a day only another account traded, so
/// each part's rows are computed on the whole set's trading days; and the reported totals are
/// reconciled once against every part's rows (totals for one account only still list the
/// other accounts' days as computed only, as in one pass).
#[test]
fn combining_accounts_part_by_part_on_the_whole_calendar_is_combining_the_whole() {
    use chrono::NaiveDate;
    use dars_shared::schema::{DailyTotal, FillSet, Side};
    let at = |day: u32, hour: u32| {
        NaiveDate::from_ymd_opt(2025, 3, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    };
    let mut set = FillSet::new();
    // CARRY buys on the 3rd and still holds on the 5th; only OTHER trades on the 4th and 5th.
    set.push(at(3, 10), "CARRY", "XYZ", Side::Buy, 100, 10.0, 1.0, None);
    for day in [4, 5] {
        set.push(at(day, 10), "OTHER", "ABC", Side::Buy, 50, 20.0, 1.0, None);
        set.push(at(day, 11), "OTHER", "ABC", Side::Sell, 50, 21.0, 1.0, None);
    }
    // The back office reports OTHER's 4th only (and a totals-only account).
    let total = |account: &str, day: u32, net: f64| DailyTotal {
        date: at(day, 0).date(),
        account_id: account.into(),
        orders_cnt: None,
        fills_cnt: None,
        qty_cnt: None,
        gross: net,
        fees: Some(0.0),
        net_pnl: net,
        unrealized_delta: 0.0,
        total_delta: net,
        line: 2,
    };
    let totals = vec![total("OTHER", 4, 48.0), total("ONLYTOTALS", 4, -10.0)];
    // The closes move the carried position: the 4th and 5th are rows of CARRY's.
    let mut closes = dars_shared::schema::Closes::new();
    closes.insert(at(4, 0).date(), "XYZ", 11.0);
    closes.insert(at(5, 0).date(), "XYZ", 12.5);
    let closes = Some(&closes);
    let whole = daily::combine(&set, closes, &totals);
    assert!(
        whole
            .rows
            .iter()
            .any(|r| r.account_id == "CARRY" && r.date == at(4, 0).date()),
        "the carried day is a row"
    );
    assert!(
        whole.discrepancies.iter().any(|d| d.account_id == "CARRY"),
        "CARRY's days are listed as computed only: {:?}",
        whole.discrepancies
    );
    let mut days: Vec<NaiveDate> = set.fills.iter().map(|f| f.time.date()).collect();
    days.sort_unstable();
    days.dedup();
    let part_of = |a: &str| usize::from(a == "OTHER");
    let (mut rows, mut naive_rows) = (Vec::new(), Vec::new());
    for part in [0, 1] {
        let mut of_part = set.clone();
        of_part
            .fills
            .retain(|f| part_of(set.account_name(f.account)) == part);
        rows.extend(daily::rows_on(&of_part, closes, Some(&days)));
        naive_rows.extend(daily::rows_on(&of_part, closes, None));
    }
    assert_eq!(daily::with_totals(rows, &totals), whole);
    assert_ne!(
        daily::with_totals(naive_rows, &totals),
        whole,
        "without the whole calendar the carried days after CARRY's own last fill are lost"
    );
}
