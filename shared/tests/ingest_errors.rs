//! Every kind of bad input: what is rejected, where, why, and what the user is told.

use dars_shared::IngestError;
use dars_shared::ingest::{
    self, AnyBatch, Dialect, FileKind, FillsReader, IngestOptions, RejectReason, read_any,
    read_fills, read_fills_with_progress, read_totals,
};

const PR_HEADER: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Route,Liq,Comm,Ecn Fee,SEC,ORF,CAT,TAF,FTT,NSCC,Acc,Clr,Misc,Order Id,Fill Id,Currency,ISIN,CUSIP,Status,PropReports Id";

/// A PropReports row with the given leading fields and zero fees.
fn pr_row(dt: &str, account: &str, side: &str, qty: &str, symbol: &str, price: &str) -> String {
    format!(
        "{dt},{account},{side},{qty},{symbol},{price},ARCA,R,0.50,0.30,0.00,0.01,0.00,0.00,0.00,0.00,0.00,0.05,0.00,1,1,USD,X,X,Filled,1"
    )
}

fn good_row() -> String {
    pr_row("09/05/2025 09:31:02", "TR001", "B", "100", "AAPL", "230.00")
}

fn file(rows: &[String]) -> Vec<u8> {
    let mut s = String::from(PR_HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s.into_bytes()
}

/// Reads a file with one good row and one bad one; returns the single rejection.
fn reject_one(bad: String) -> ingest::Rejection {
    let b = read_fills(
        "t.csv",
        &file(&[good_row(), bad]),
        &IngestOptions::default(),
    )
    .expect("file-level success");
    assert_eq!(
        (
            b.report.rows_read,
            b.report.rows_kept,
            b.report.rows_rejected
        ),
        (2, 1, 1),
        "{}",
        b.report.summary()
    );
    assert_eq!(b.fills.fills.len(), 1);
    b.report
        .rejections
        .into_iter()
        .next()
        .expect("one rejection")
}

#[test]
fn unknown_format_names_headers_closest_format_and_missing_columns() {
    let e = read_any(
        "mystery.csv",
        b"When,Acct,B/S,Shares,Symbol,Price\n1,2,3,4,5,6\n",
        &IngestOptions::default(),
    )
    .expect_err("unknown");
    let msg = e.to_string();
    assert!(
        msg.starts_with("mystery.csv: not a file format DARS knows."),
        "{msg}"
    );
    assert!(
        msg.contains("Headers found: When, Acct, B/S, Shares, Symbol, Price."),
        "{msg}"
    );
    assert!(msg.contains("Closest known format: PropReports fills export (3 of 6 required columns present; missing: Date/Time, Account, Qty)"), "{msg}");
    let IngestError::UnknownFormat { found, .. } = e else {
        panic!("wrong variant: {e:?}");
    };
    assert_eq!(found.closest, Dialect::PropReportsFills);

    // A totals-looking file points at a totals format.
    let e = read_any(
        "t.csv",
        b"date,account_id,gross,net_pnl\n",
        &IngestOptions::default(),
    )
    .expect_err("unknown");
    assert!(e.to_string().contains("Closest known format: DARS daily totals (4 of 6 required columns present; missing: unrealized_delta, total_delta)"), "{e}");
}

#[test]
fn empty_and_binary_files() {
    for bytes in [&b""[..], b"\n\n", b" , \r\n"] {
        let e = read_any("e.csv", bytes, &IngestOptions::default()).expect_err("empty");
        assert!(matches!(e, IngestError::Empty { .. }), "{e:?}");
        assert!(e.to_string().contains("the file is empty"));
    }
    let e = read_any("book.xlsx", b"PK\x03\x04rest", &IngestOptions::default()).expect_err("zip");
    assert!(e.to_string().contains("Excel workbook"), "{e}");
    assert!(e.to_string().contains("export it as CSV"), "{e}");
}

#[test]
fn bad_date() {
    let r = reject_one(pr_row(
        "2025-13-01 09:31:02",
        "TR001",
        "B",
        "100",
        "AAPL",
        "230",
    ));
    assert_eq!(r.reason, RejectReason::BadDate);
    assert_eq!(
        (r.line, r.column.index, r.column.name.as_str()),
        (3, 1, "Date/Time")
    );
    assert_eq!(r.value, "2025-13-01 09:31:02");
    assert!(r.expected.contains("08/29/2025 09:31:02"), "{}", r.expected);
    assert_eq!(
        r.to_string(),
        format!(
            "t.csv line 3, column 'Date/Time' (#1): '2025-13-01 09:31:02' — bad date/time; expected {}",
            r.expected
        )
    );
    // A UTC timestamp is refused rather than silently shifted.
    let r = reject_one(pr_row(
        "2025-09-05T13:31:02Z",
        "TR001",
        "B",
        "100",
        "AAPL",
        "230",
    ));
    assert_eq!(r.reason, RejectReason::BadDate);
}

#[test]
fn bad_side() {
    let r = reject_one(pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "X",
        "100",
        "AAPL",
        "230",
    ));
    assert_eq!(r.reason, RejectReason::BadSide);
    assert_eq!(
        (r.column.index, r.column.name.as_str(), r.value.as_str()),
        (3, "B/S", "X")
    );
    assert!(r.expected.starts_with("B, S, T (short sale) or C (cover)"));
}

#[test]
fn zero_negative_fractional_and_non_numeric_quantities() {
    for (qty, reason) in [
        ("0", RejectReason::NonPositiveQuantity),
        ("-100", RejectReason::NonPositiveQuantity),
        ("(100)", RejectReason::NonPositiveQuantity),
        ("100.5", RejectReason::BadQuantity),
        ("ten", RejectReason::BadQuantity),
    ] {
        let r = reject_one(pr_row(
            "09/05/2025 09:31:02",
            "TR001",
            "B",
            qty,
            "AAPL",
            "230",
        ));
        assert_eq!(r.reason, reason, "{qty}");
        assert_eq!((r.column.index, r.value.as_str()), (4, qty));
    }
}

#[test]
fn bad_and_non_positive_prices() {
    let r = reject_one(pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "B",
        "100",
        "AAPL",
        "23O.00",
    ));
    assert_eq!((r.reason, r.column.index), (RejectReason::BadPrice, 6));
    let r = reject_one(pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "B",
        "100",
        "AAPL",
        "0",
    ));
    assert_eq!(r.reason, RejectReason::NonPositivePrice);
    let r = reject_one(pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "B",
        "100",
        "AAPL",
        "(1.00)",
    ));
    assert_eq!(r.reason, RejectReason::NonPositivePrice);
}

#[test]
fn bad_fee_amount() {
    let row = good_row().replace("0.50,0.30", "0.50,1..3");
    let r = reject_one(row);
    assert_eq!(r.reason, RejectReason::BadAmount);
    assert_eq!(
        (r.column.index, r.column.name.as_str(), r.value.as_str()),
        (10, "Ecn Fee", "1..3")
    );
}

#[test]
fn missing_required_values() {
    for (row, col) in [
        (pr_row("", "TR001", "B", "100", "AAPL", "230"), 1),
        (
            pr_row("09/05/2025 09:31:02", "", "B", "100", "AAPL", "230"),
            2,
        ),
        (
            pr_row("09/05/2025 09:31:02", "TR001", " ", "100", "AAPL", "230"),
            3,
        ),
        (
            pr_row("09/05/2025 09:31:02", "TR001", "B", "", "AAPL", "230"),
            4,
        ),
        (
            pr_row("09/05/2025 09:31:02", "TR001", "B", "100", "", "230"),
            5,
        ),
        (
            pr_row("09/05/2025 09:31:02", "TR001", "B", "100", "AAPL", ""),
            6,
        ),
        ("09/05/2025 09:31:02,TR001,B,100,AAPL".to_owned(), 6), // short row
    ] {
        let r = reject_one(row);
        assert_eq!(
            (r.reason, r.column.index),
            (RejectReason::MissingValue, col)
        );
        assert!(
            r.to_string().contains(": empty — missing value; expected"),
            "{r}"
        );
    }
}

#[test]
fn unquoted_thousands_separator_is_too_many_fields() {
    let row = pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "B",
        "100",
        "AZO",
        "3,950.00",
    );
    let r = reject_one(row);
    assert_eq!(r.reason, RejectReason::TooManyFields);
    assert_eq!(r.column.index, 27);
    assert!(
        r.expected.contains("quote values that contain commas"),
        "{}",
        r.expected
    );
    // Quoted, the same value is fine; trailing empty fields are tolerated.
    let ok = pr_row(
        "09/05/2025 09:31:02",
        "TR001",
        "B",
        "100",
        "AZO",
        "\"3,950.00\"",
    ) + ",,";
    let b = read_fills("t.csv", &file(&[ok]), &IngestOptions::default()).expect("ok");
    assert_eq!(b.fills.fills[0].price, 3950.0);
}

#[test]
fn strict_mode_rejects_the_whole_file_at_the_first_error() {
    let bytes = file(&[
        good_row(),
        pr_row("09/05/2025 09:31:02", "TR001", "Q", "100", "AAPL", "230"),
        pr_row("09/05/2025 09:31:02", "TR001", "B", "0", "AAPL", "230"),
    ]);
    let e = read_fills("s.csv", &bytes, &IngestOptions::strict()).expect_err("strict");
    let IngestError::Strict(r) = &e else {
        panic!("wrong variant {e:?}");
    };
    assert_eq!((r.line, r.reason), (3, RejectReason::BadSide));
    assert_eq!(e.file(), "s.csv");
    assert!(e.to_string().starts_with(
        "strict mode rejected the whole file at its first bad row: s.csv line 3, column 'B/S' (#3): 'Q'"
    ), "{e}");
    // The default keeps the good row and lists both bad ones.
    let b = read_fills("s.csv", &bytes, &IngestOptions::default()).expect("lenient");
    assert_eq!(b.report.rows_rejected, 2);
    assert_eq!(b.report.rejected_by_reason.len(), 2);
    // Footers and legacy rows are not errors, even in strict mode.
    let bytes = file(&[
        good_row(),
        pr_row("09/05/2025 09:31:02", "OLD1_OLD", "B", "100", "AAPL", "230"),
        "Page 1/3".to_owned(),
    ]);
    let b = read_fills("s.csv", &bytes, &IngestOptions::strict()).expect("strict ok");
    assert_eq!((b.report.rows_kept, b.report.rows_excluded), (1, 1));
}

#[test]
fn legacy_accounts_are_excluded_and_counted_per_account() {
    let bytes = file(&[
        good_row(),
        pr_row("09/05/2025 09:31:02", "TR7_OLD", "B", "100", "AAPL", "230"),
        pr_row("09/05/2025 09:32:02", "TR7_OLD", "S", "100", "AAPL", "231"),
        pr_row("09/05/2025 09:33:02", "tr8_old", "X", "bad", "AAPL", "oops"),
    ]);
    let b = read_fills("l.csv", &bytes, &IngestOptions::default()).expect("ok");
    assert_eq!(
        (
            b.report.rows_read,
            b.report.rows_kept,
            b.report.rows_excluded,
            b.report.rows_rejected
        ),
        (4, 1, 3, 0)
    );
    let excluded: Vec<(&str, u64)> = b
        .report
        .excluded_accounts
        .iter()
        .map(|(a, n)| (a.as_str(), *n))
        .collect();
    assert_eq!(excluded, [("TR7_OLD", 2), ("tr8_old", 1)]);
    assert!(
        b.report
            .summary()
            .contains("excluded legacy account TR7_OLD: 2 rows")
    );
    assert_eq!(
        b.fills.accounts.len(),
        1,
        "legacy accounts are not interned"
    );

    // A different suffix, and none at all.
    let opts = IngestOptions {
        legacy_suffix: Some("-X".to_owned()),
        ..IngestOptions::default()
    };
    let b = read_fills("l.csv", &bytes, &opts).expect("ok");
    assert_eq!(
        (
            b.report.rows_kept,
            b.report.rows_excluded,
            b.report.rows_rejected
        ),
        (3, 0, 1)
    );
    let opts = IngestOptions {
        legacy_suffix: None,
        ..IngestOptions::default()
    };
    assert_eq!(
        read_fills("l.csv", &bytes, &opts)
            .expect("ok")
            .report
            .rows_excluded,
        0
    );
}

#[test]
fn page_footers_repeated_headers_and_blank_rows_are_skipped_and_reported() {
    let bytes = file(&[
        good_row(),
        "Page 1/2".to_owned(),
        PR_HEADER.to_uppercase(),
        String::new(),
        ",,,,".to_owned(),
        pr_row("09/05/2025 09:40:00", "TR001", "S", "100", "AAPL", "231"),
        "Page 2 of 2,,,".to_owned(),
    ]);
    let b = read_fills("p.csv", &bytes, &IngestOptions::default()).expect("ok");
    let r = &b.report;
    assert_eq!((r.rows_read, r.rows_kept, r.rows_rejected), (2, 2, 0));
    let footers: Vec<(u64, &str)> = r
        .page_footers
        .iter()
        .map(|p| (p.line, p.text.as_str()))
        .collect();
    assert_eq!(footers, [(3, "Page 1/2"), (8, "Page 2 of 2")]);
    assert_eq!(r.repeated_headers, [4]);
    assert_eq!(r.blank_rows, 2);
    let summary = r.summary();
    assert!(
        summary.contains("skipped page footer 'Page 1/2' on line 3"),
        "{summary}"
    );
    assert!(
        summary.contains("skipped repeated header on line(s) 4"),
        "{summary}"
    );
}

#[test]
fn wrong_kind_is_explained() {
    let totals =
        b"date,account_id,gross,net_pnl,unrealized_delta,total_delta\n2025-09-05,A,1,1,0,1\n";
    let e = read_fills("t.csv", totals, &IngestOptions::default()).expect_err("not fills");
    assert!(matches!(
        e,
        IngestError::WrongKind {
            expected: FileKind::Fills,
            ..
        }
    ));
    assert!(e.to_string().starts_with("t.csv: expected a fills file but this is DARS daily totals — Detected DARS daily totals"), "{e}");
    let e = read_totals("f.csv", &file(&[good_row()]), &IngestOptions::default())
        .expect_err("not totals");
    assert!(
        e.to_string().contains("expected a daily totals file"),
        "{e}"
    );
}

#[test]
fn rejection_list_can_be_capped_but_counts_stay_complete() {
    let bad = pr_row("09/05/2025 09:31:02", "TR001", "X", "100", "AAPL", "230");
    let bytes = file(&vec![bad; 50]);
    let opts = IngestOptions {
        max_rejections_listed: Some(10),
        ..IngestOptions::default()
    };
    let b = read_fills("c.csv", &bytes, &opts).expect("ok");
    assert_eq!(
        (b.report.rows_rejected, b.report.rejections.len()),
        (50, 10)
    );
    assert_eq!(b.report.rejections_not_listed, 40);
    assert!(
        b.report
            .summary()
            .contains("(40 rejections counted but not listed)")
    );
}

#[test]
fn incremental_reader_reports_progress() {
    let rows: Vec<String> = (0..10).map(|_| good_row()).collect();
    let bytes = file(&rows);
    let mut r = FillsReader::new("i.csv", &bytes, &IngestOptions::default()).expect("header");
    assert_eq!(r.detection().dialect, Dialect::PropReportsFills);
    let p = r.read(4).expect("chunk");
    assert_eq!((p.rows_read, p.done), (4, false));
    assert!(p.fraction() > 0.3 && p.fraction() < 0.6, "{}", p.fraction());
    let p = r.read(100).expect("rest");
    assert_eq!(
        (p.rows_read, p.done, p.bytes_read),
        (10, true, bytes.len() as u64)
    );
    assert_eq!(r.finish().expect("batch").fills.fills.len(), 10);

    let mut seen = Vec::new();
    let b = read_fills_with_progress("i.csv", &bytes, &IngestOptions::default(), 3, &mut |p| {
        seen.push(p.rows_read)
    })
    .expect("ok");
    assert_eq!(seen, [3, 6, 9, 10]);
    assert_eq!(b.report.rows_kept, 10);
}

#[test]
fn headers_are_matched_by_name_in_any_order_case_and_spacing() {
    let csv = "symbol , PRICE,qty,Side, Account_ID ,DateTime\nBRK.B,$480.10,\"1,000\",ss,A1,2025-09-05T09:31:02\n";
    let b = read_fills("o.csv", csv.as_bytes(), &IngestOptions::default()).expect("ok");
    assert_eq!(b.detection.dialect, Dialect::DarsFills);
    let f = &b.fills.fills[0];
    assert_eq!(
        (b.fills.symbol_name(f.symbol), f.qty, f.price),
        ("BRK.B", 1000, 480.1)
    );
    assert_eq!(f.side, dars_shared::Side::Short);
    assert_eq!(f.fee, 0.0);
    assert!(
        b.detection
            .message
            .contains("No fee columns: fees count as 0."),
        "{}",
        b.detection.message
    );
}

#[test]
fn semicolon_and_tab_delimited_files() {
    let semi = "datetime;account_id;symbol;side;price;qty\n2025-09-05 09:31:02;A;X;B;10.5;100\n";
    let tab = semi.replace(';', "\t");
    for csv in [semi.to_owned(), tab] {
        let b = read_fills("d.csv", csv.as_bytes(), &IngestOptions::default()).expect("ok");
        assert_eq!(b.fills.fills.len(), 1, "{}", b.report.summary());
    }
}

#[test]
fn read_any_dispatches_on_the_header() {
    let opts = IngestOptions::default();
    assert!(matches!(
        read_any("f", &file(&[good_row()]), &opts),
        Ok(AnyBatch::Fills(_))
    ));
    let totals = "Date,Account,Gross,Net,Unrealized δ,Total δ\n09/05/2025,A,\"$1,234.50\",\"1,230.00\",(5.00),\"1,225.00\"\n";
    let Ok(AnyBatch::Totals(t)) = read_any("t", totals.as_bytes(), &opts) else {
        panic!("not totals");
    };
    assert_eq!(t.totals[0].gross, 1234.5);
    assert_eq!(t.totals[0].unrealized_delta, -5.0);
    assert_eq!(t.totals[0].fees, None);
    let Ok(AnyBatch::Closes(c)) =
        read_any("c", b"Date,Symbol,Close\n2025-09-05,BRK.B,480.5\n", &opts)
    else {
        panic!("not closes");
    };
    assert_eq!(c.closes.len(), 1);
    let d = ingest::detect_file("t", totals.as_bytes()).expect("detect");
    assert_eq!(d.dialect, Dialect::PropReportsTotals);
}

#[test]
fn totals_rows_are_validated() {
    let csv = "date,account_id,orders_cnt,gross,net_pnl,unrealized_delta,total_delta\n\
               2025-09-05,A,3,10,9,1,10\n\
               2025-09-05,B,x,10,9,1,10\n\
               2025-99-05,C,3,10,9,1,10\n\
               2025-09-05,D,3,10,9,,10\n";
    let t = read_totals("t.csv", csv.as_bytes(), &IngestOptions::default()).expect("ok");
    let reasons: Vec<_> = t
        .report
        .rejections
        .iter()
        .map(|r| (r.line, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (3, RejectReason::BadCount),
            (4, RejectReason::BadDate),
            (5, RejectReason::MissingValue)
        ]
    );
    assert_eq!(t.totals.len(), 1);
}

#[test]
fn invalid_utf8_in_names_is_kept_lossily() {
    let mut bytes = PR_HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n09/05/2025 09:31:02,TR\xff1,B,100,AAPL,230.00\n");
    let b = read_fills("u.csv", &bytes, &IngestOptions::default()).expect("ok");
    assert_eq!(b.fills.accounts.name(0), "TR\u{fffd}1");
}

/// Issue #15: a stray quote kept 101 of 2,000 rows with "1 rejected" and exit 0. The whole
/// kind: a quote that never closes is an error naming the file and the line it opens on.
#[test]
fn an_unterminated_quote_is_an_error_naming_its_line() {
    let mut rows: Vec<String> = (0..2_000).map(|_| good_row()).collect();
    rows[100] = pr_row(
        "09/05/2025 09:31:02",
        "\"TR001",
        "B",
        "100",
        "AAPL",
        "230.00",
    );
    let e = read_fills("stray.csv", &file(&rows), &IngestOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.starts_with("stray.csv line 102: a quoted field opens here"),
        "{e}"
    );
}

/// Issue #15: old-Mac CR-only line ends read 0 of 2,000 rows with exit 0; every row is read.
#[test]
fn cr_only_line_ends_read_every_row() {
    let rows: Vec<String> = (0..2_000).map(|_| good_row()).collect();
    let bytes: Vec<u8> = file(&rows)
        .into_iter()
        .map(|b| if b == b'\n' { b'\r' } else { b })
        .collect();
    let b = read_fills("mac.csv", &bytes, &IngestOptions::default()).expect("read");
    assert_eq!(
        (
            b.report.rows_read,
            b.report.rows_kept,
            b.report.rows_rejected
        ),
        (2_000, 2_000, 0),
        "{}",
        b.report.summary()
    );
}

/// Issue #15 item 2: absurd values are rejected with the bound they broke, never kept (a price
/// of 1e308 made a day's gross infinite; a fill dated 2052 moved the morning run to 2052).
#[test]
fn implausible_values_are_rejected_naming_the_bound() {
    let cases = [
        (
            pr_row(
                "09/05/2025 09:31:02",
                "TR001",
                "B",
                "100",
                "AAPL",
                "2000000.00",
            ),
            "Price",
            "a price of at most $1,000,000 a share",
        ),
        (
            pr_row(
                "09/05/2025 09:31:02",
                "TR001",
                "B",
                "4294967295",
                "AAPL",
                "230.00",
            ),
            "Qty",
            "at most 10000000 shares in one fill",
        ),
        (
            pr_row(
                "09/05/2025 09:31:02",
                "TR001",
                "B",
                "9000000",
                "AAPL",
                "230.00",
            ),
            "Price",
            "price x shares of at most $1,000,000,000 in one fill",
        ),
        (
            pr_row("09/05/1900 09:31:02", "TR001", "B", "100", "AAPL", "230.00"),
            "Date/Time",
            "a trading day on or after 1990-01-01",
        ),
        (
            pr_row("09/05/2052 09:31:02", "TR001", "B", "100", "AAPL", "230.00"),
            "Date/Time",
            "a trading day no later than 2026-12-02 (tomorrow)",
        ),
        (
            good_row().replacen(",0.50,", ",200000.00,", 1),
            "Comm",
            "a fee of at most $100,000 in one fill",
        ),
    ];
    let opts = IngestOptions {
        plausibility: ingest::Plausibility {
            latest: chrono::NaiveDate::from_ymd_opt(2026, 12, 2),
            ..Default::default()
        },
        ..IngestOptions::default()
    };
    for (bad, column, expected) in cases {
        let b = read_fills("t.csv", &file(&[good_row(), bad.clone()]), &opts).expect("read");
        assert_eq!(
            (
                b.report.rows_read,
                b.report.rows_kept,
                b.report.rows_rejected
            ),
            (2, 1, 1),
            "{bad}: {}",
            b.report.summary()
        );
        let r = &b.report.rejections[0];
        assert_eq!(r.column.name, column, "{bad}");
        assert_eq!(r.reason, RejectReason::Implausible, "{bad}");
        assert!(r.expected.starts_with(expected), "{bad}: {}", r.expected);
    }
}

/// Issue #16 item 4: `0,125` was read as 125 and `3.862,25` as 3.86225, both with "0 rejected".
/// A decimal comma anywhere in a number column refuses the whole file, naming where.
#[test]
fn decimal_commas_refuse_the_whole_file() {
    for (value, col) in [
        ("\"0,125\"", 6),
        ("\"3.862,25\"", 6),
        ("\"12,40\"", 6),
        ("\"1,00\"", 6),
        ("\"236,6\"", 6),
    ] {
        let bad = pr_row("09/05/2025 09:32:00", "TR001", "S", "100", "AAPL", value);
        let e = read_fills(
            "eu.csv",
            &file(&[good_row(), good_row(), bad]),
            &IngestOptions::default(),
        )
        .expect_err(value);
        let IngestError::DecimalComma(r) = &e else {
            panic!("{value}: {e}");
        };
        assert_eq!((r.line, r.column.index), (4, col), "{value}");
        let text = e.to_string();
        assert!(
            text.starts_with("eu.csv line 4, column 'Price' (#6):")
                && text.contains("decimal comma")
                && text.contains("Nothing from this file was read"),
            "{text}"
        );
    }
    // A fee written with a decimal comma, in parentheses (a rebate).
    let mut row = good_row();
    row = row.replacen("0.50", "\"(0,50)\"", 1);
    let e = read_fills("eu.csv", &file(&[row]), &IngestOptions::default()).expect_err("fee");
    assert!(matches!(e, IngestError::DecimalComma(_)), "{e}");
    // Totals: a German-format Net.
    let totals = "Date,Account,Gross,Net,Unrealized δ,Total δ\n09/05/2025,A,\"-1.234,50\",\"-1.240,00\",\"0,00\",\"-1.240,00\"\n";
    let e = read_any("t.csv", totals.as_bytes(), &IngestOptions::default()).expect_err("totals");
    assert!(matches!(e, IngestError::DecimalComma(_)), "{e}");
    // Values that are not numbers at all stay row rejections, and real thousands groups read.
    let r = reject_one(pr_row(
        "09/05/2025 09:32:00",
        "TR001",
        "S",
        "100",
        "AAPL",
        "abc",
    ));
    assert_eq!(r.reason, RejectReason::BadPrice);
    let b = read_fills(
        "us.csv",
        &file(&[pr_row(
            "09/05/2025 09:32:00",
            "TR001",
            "S",
            "100",
            "BRK.A",
            "\"1,234.50\"",
        )]),
        &IngestOptions::default(),
    )
    .expect("US grouping");
    assert_eq!(b.fills.fills[0].price, 1234.5);
}

/// A price of 0.00 is valid only for an option (an expiry booked worthless); shares at 0.00 and
/// negative prices stay rejected.
#[test]
fn a_zero_price_is_an_option_expiring_worthless_or_an_error() {
    let r = reject_one(pr_row(
        "09/05/2025 09:32:00",
        "TR001",
        "S",
        "100",
        "AAPL",
        "0.00",
    ));
    assert_eq!(r.reason, RejectReason::NonPositivePrice);
    assert!(r.expected.contains("only for an option"), "{}", r.expected);
    let r = reject_one(pr_row(
        "09/05/2025 09:32:00",
        "TR001",
        "S",
        "1",
        "AAPL  250919C00230000",
        "-0.05",
    ));
    assert_eq!(r.reason, RejectReason::NonPositivePrice);
    let b = read_fills(
        "o.csv",
        &file(&[pr_row(
            "09/19/2025 16:00:00",
            "TR001",
            "S",
            "1",
            "AAPL  250919C00230000",
            "0.00",
        )]),
        &IngestOptions::default(),
    )
    .expect("an expiry");
    assert_eq!((b.report.rows_kept, b.fills.fills[0].price), (1, 0.0));
}

/// A closing price of 0.00 marks an option that expired worthless; for a share it is an error.
#[test]
fn a_zero_close_is_valid_for_an_option_only() {
    let csv = "Date,Symbol,Close\n2025-09-19,AAPL  250919C00230000,0.00\n2025-09-19,AAPL,0.00\n";
    let b =
        ingest::read_closes("c.csv", csv.as_bytes(), &IngestOptions::default()).expect("closes");
    assert_eq!((b.report.rows_kept, b.report.rows_rejected), (1, 1));
    assert_eq!(b.closes.len(), 1);
}

/// A decimal-comma file can be made only of values that are also valid US thousands groups:
/// prices to the mill (`12,345` = 12.345) and no fees. No single value gives it away, the file
/// does: commas and never a point. It is refused whole rather than read 1,000 times too high.
#[test]
fn a_file_of_commas_and_no_point_is_refused() {
    let csv = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n\
               09/05/2025 09:31:00,TR001,B,100,AAPL,\"12,345\",\n\
               09/05/2025 09:32:00,TR001,S,100,AAPL,\"12,350\",\n";
    let e = read_fills("eu.csv", csv.as_bytes(), &IngestOptions::default())
        .expect_err("ambiguous file");
    let IngestError::DecimalComma(r) = &e else {
        panic!("{e}");
    };
    assert_eq!((r.line, r.column.index, r.value.as_str()), (2, 6, "12,345"));
    assert!(e.to_string().contains("never with a point"), "{e}");
    // The same values in a file that also writes points are US thousands groups.
    let us = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n\
              09/05/2025 09:31:00,TR001,B,1,BRK.A,\"712,345\",0.35\n";
    let b = read_fills("us.csv", us.as_bytes(), &IngestOptions::default()).expect("US file");
    assert_eq!(b.fills.fills[0].price, 712_345.0);
}
