//! Golden files: each fixture under `tests/fixtures/ingest/` is read and its full interpretation
//! (detection, report, rows, daily table, round trips) compared with the checked-in
//! `<fixture>.expected.json`. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p dars-shared --test golden` and review the diff.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::{fixture, golden};
use dars_shared::daily;
use dars_shared::ingest::{IngestOptions, read_closes, read_fills, read_totals};

fn check(name: &str) {
    let stem = name.trim_end_matches(".csv");
    golden(
        &format!("{stem}.expected.json"),
        &snapshot::snapshot(name, &fixture(name), None),
    );
}

#[test]
fn propreports_fills() {
    check("propreports_fills.csv");
}

#[test]
fn propreports_fills_marked_to_closes() {
    let closes = read_closes(
        "closes.csv",
        &fixture("closes.csv"),
        &IngestOptions::default(),
    )
    .expect("closes fixture")
    .closes;
    golden(
        "propreports_fills.with_closes.expected.json",
        &snapshot::snapshot(
            "propreports_fills.csv",
            &fixture("propreports_fills.csv"),
            Some(&closes),
        ),
    );
}

#[test]
fn propreports_execution_upload() {
    check("propreports_execution_upload.csv");
}

#[test]
fn dars_fills() {
    check("dars_fills.csv");
}

#[test]
fn ibkr_flex_trades() {
    check("ibkr_flex_trades.csv");
}

/// The same trades as the CSV report, as Flex XML: the same fills and daily table, with every
/// rejection on the XML's own line (`Trade` elements on lines 6 to 19).
#[test]
fn ibkr_flex_trades_xml() {
    golden(
        "ibkr_flex_trades.xml.expected.json",
        &snapshot::snapshot(
            "ibkr_flex_trades.xml",
            &fixture("ibkr_flex_trades.xml"),
            None,
        ),
    );
    let opts = IngestOptions::default();
    let read = |name: &str| match dars_shared::ingest::read_any(name, &fixture(name), &opts) {
        Ok(dars_shared::ingest::AnyBatch::Fills(b)) => b,
        other => panic!("{name}: {other:?}"),
    };
    let (csv, xml) = (read("ibkr_flex_trades.csv"), read("ibkr_flex_trades.xml"));
    let snap = |name: &str| -> serde_json::Value {
        serde_json::from_str(&snapshot::snapshot(name, &fixture(name), None))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (a, b) = (snap("ibkr_flex_trades.csv"), snap("ibkr_flex_trades.xml"));
    for key in ["daily", "round_trips", "open_positions"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(csv.report.rows_kept, xml.report.rows_kept);
    let lines = |b: &dars_shared::ingest::FillsBatch| {
        b.report
            .rejections
            .iter()
            .map(|r| r.line)
            .collect::<Vec<_>>()
    };
    // CSV rows 5, 8, 11, 14, 15 are the XML's trades 4, 7, 10, 13, 14: lines 9, 12, 15, 18, 19.
    assert_eq!(lines(&csv), [5, 8, 11, 14, 15]);
    assert_eq!(lines(&xml), [9, 12, 15, 18, 19]);
}

#[test]
fn propreports_totals() {
    check("propreports_totals.csv");
}

#[test]
fn dars_totals() {
    check("dars_totals.csv");
}

#[test]
fn bad_rows() {
    check("bad_rows.csv");
}

/// Issue #16 item 7: a market series is a file like any other, recognised by its shape (FRED's
/// `observation_date,VIXCLS`, with `.` for a day without a value).
#[test]
fn market_series() {
    check("market_vixcls.csv");
}

#[test]
fn closes() {
    check("closes.csv");
}

/// Issue #16 item 3: option contracts carry 100 shares. A PropReports round trip of 2 calls
/// bought at 1.20 and sold at 1.55 made $0.70 instead of $70.00, and a put expiring worthless at
/// 0.00 was rejected, so its loss was never booked. The fills now reconcile with PropReports'
/// own daily totals to the cent, shares and options side by side.
#[test]
fn propreports_options() {
    check("propreports_options.csv");
    let opts = IngestOptions::default();
    let fills = read_fills(
        "propreports_options.csv",
        &fixture("propreports_options.csv"),
        &opts,
    )
    .expect("options fills");
    assert_eq!(fills.report.rows_rejected, 0, "{}", fills.report.summary());
    let totals = read_totals(
        "propreports_options_totals.csv",
        &fixture("propreports_options_totals.csv"),
        &opts,
    )
    .expect("options totals")
    .totals;
    let combined = daily::combine(&fills.fills, None, &totals);
    assert_eq!(combined.compared, 4);
    assert!(
        combined.discrepancies.is_empty(),
        "{:?}",
        combined.discrepancies
    );
    let day = |account: &str, date: &str| {
        combined
            .rows
            .iter()
            .find(|r| r.account_id == account && r.date.to_string() == date)
            .unwrap_or_else(|| panic!("no {account} {date}"))
    };
    // $70.00 on the calls and $50.00 on 100 shares.
    assert!((day("TR010", "2025-01-16").gross - 120.0).abs() < 1e-9);
    // The worthless expiry books the whole premium: 3 x 0.45 x 100.
    assert!((day("TR010", "2025-03-21").total_delta + 135.0).abs() < 1e-9);
    // A short call covered lower: (2.10 - 1.60) x 100.
    assert!((day("TR011", "2025-03-20").gross - 50.0).abs() < 1e-9);
}

/// Issue #16 item 2: a DAS Trader trade log holds times only. Its trading day comes from the file
/// name here (the summary says so); DAS's own `P / L` column agrees with the daily table: TRDAS1
/// made $150.00 gross ($149.85 after $0.15 of net ECN fees), TRDAS2 lost $50.00 on a short.
#[test]
fn das_trades() {
    check("das_trades_2025-01-02.csv");
    let name = "das_trades_2025-01-02.csv";
    let b = read_fills(name, &fixture(name), &IngestOptions::default()).expect("DAS fills");
    assert!(
        b.report
            .summary()
            .contains("times only: every fill booked on 2025-01-02 (from the file name)"),
        "{}",
        b.report.summary()
    );
    let rows = daily::from_fills(&b.fills, None).1;
    let day = |a: &str| {
        rows.iter()
            .find(|r| r.account_id == a)
            .unwrap_or_else(|| panic!("no {a}"))
    };
    assert!((day("TRDAS1").gross - 150.0).abs() < 1e-9);
    assert!((day("TRDAS1").net_pnl - 149.85).abs() < 1e-9);
    assert!((day("TRDAS2").gross + 50.0).abs() < 1e-9);
    // The same bytes under a name without a date are refused, naming what to do.
    let e = read_fills("trades.csv", &fixture(name), &IngestOptions::default())
        .expect_err("no trading day");
    assert!(
        e.to_string().contains("dars ingest --date YYYY-MM-DD"),
        "{e}"
    );
    // A log with its own Date column books each row on its date, whatever --date says.
    let dated = b"Date,Time,Symbol,Side,Price,Qty,Account\n\
                  01/02/2025,09:31:02,AAPL,B,227.50,100,TRDAS1\n\
                  01/03/2025,10:00:00,AAPL,S,228.50,100,TRDAS1\n";
    let opts = IngestOptions {
        trading_day: chrono::NaiveDate::from_ymd_opt(2025, 1, 6),
        ..IngestOptions::default()
    };
    let b = read_fills("dated.csv", dated, &opts).expect("dated DAS log");
    let days: Vec<String> = b
        .fills
        .fills
        .iter()
        .map(|f| f.time.date().to_string())
        .collect();
    assert_eq!(days, ["2025-01-02", "2025-01-03"]);
    assert!(b.report.trading_day.is_none(), "{}", b.report.summary());
}

/// Issue #16 item 3: futures are sized by the configured table (ES $50, MES $5, NQ $20 a point;
/// tick 0.25) and reconcile with PropReports' daily totals to the cent. A root not in the table
/// (CL) and a price off the tick are rejected with what was expected.
#[test]
fn propreports_futures() {
    let name = "propreports_futures.csv";
    let opts = snapshot::fixture_futures();
    golden(
        "propreports_futures.expected.json",
        &snapshot::snapshot_with(name, &fixture(name), None, &opts),
    );
    let fills = read_fills(name, &fixture(name), &opts).expect("futures fills");
    assert_eq!(fills.report.rows_rejected, 2, "{}", fills.report.summary());
    let totals = read_totals(
        "propreports_futures_totals.csv",
        &fixture("propreports_futures_totals.csv"),
        &opts,
    )
    .expect("futures totals")
    .totals;
    let combined = daily::combine(&fills.fills, None, &totals);
    assert_eq!(combined.compared, 2);
    assert!(
        combined.discrepancies.is_empty(),
        "{:?}",
        combined.discrepancies
    );
    let gross = |a: &str| {
        combined
            .rows
            .iter()
            .find(|r| r.account_id == a)
            .map(|r| r.gross)
            .unwrap_or(f64::NAN)
    };
    assert!((gross("FUT01") + 220.0).abs() < 1e-9);
    assert!((gross("FUT02") + 241.25).abs() < 1e-9);
    // Without the table, every future is refused rather than booked at a multiplier of 1.
    let bare = read_fills(name, &fixture(name), &IngestOptions::default()).expect("read");
    assert_eq!(bare.report.rows_kept, 0, "{}", bare.report.summary());
}

/// Interactive Brokers' `FUT` rows follow the same table: refused without it (the golden file),
/// booked at the table's multiplier with it, and refused when the export's `Multiplier`
/// disagrees with the table.
#[test]
fn ibkr_futures_follow_the_table() {
    let name = "ibkr_flex_trades.csv";
    let es = |multiplier| {
        let mut opts = IngestOptions::default();
        opts.instruments.futures.insert(
            "ES".into(),
            dars_shared::instrument::FutureSpec {
                multiplier,
                tick: 0.25,
            },
        );
        read_fills(name, &fixture(name), &opts).expect("read")
    };
    let bare = read_fills(name, &fixture(name), &IngestOptions::default()).expect("read");
    let with = es(50.0);
    assert_eq!(with.report.rows_kept, bare.report.rows_kept + 1);
    let wrong = es(5.0);
    assert_eq!(wrong.report.rows_kept, bare.report.rows_kept);
    assert!(
        wrong
            .report
            .rejections
            .iter()
            .any(|r| r.column.name == "Multiplier" && r.expected.contains("a multiplier of 5")),
        "{}",
        wrong.report.summary()
    );
}
