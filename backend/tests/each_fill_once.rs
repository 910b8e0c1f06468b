//! Each file and each fill once in the lake (issue 12, item 7), through the real `dars` binary:
//! an overlapping export with fill ids adds only the fills the lake lacks, the same file again
//! (under any name) is skipped, identical rows without ids stay separate fills, and every row is
//! counted in the manifest (`read = kept + rejected + excluded + duplicate`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::ok;

const HEADER: &str = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm,Order Id,Fill Id\n";

/// The first export: two days of NET001 and NET002, and two identical NET003 rows without a
/// Fill Id (real exports have such rows; they are two executions).
const FIRST: &str = "01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,1,501\n\
                     01/02/2025 10:00:00,NET001,S,100,AAPL,10.50,1.00,2,502\n\
                     01/02/2025 09:40:00,NET002,B,100,MSFT,20.00,1.00,3,503\n\
                     01/02/2025 11:00:00,NET002,S,100,MSFT,19.00,1.00,4,504\n\
                     01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,5,505\n\
                     01/03/2025 09:45:00,NET001,S,100,AAPL,11.00,1.00,6,506\n\
                     01/03/2025 09:50:00,NET003,B,100,IBM,5.00,0.00,7,\n\
                     01/03/2025 09:50:00,NET003,B,100,IBM,5.00,0.00,7,\n\
                     01/03/2025 10:10:00,NET003,S,200,IBM,5.50,0.00,8,\n";

/// A later export overlapping the first on three fills (503, 505, 506) and adding NET002's
/// second day and NET001's third.
const OVERLAP: &str = "01/02/2025 09:40:00,NET002,B,100,MSFT,20.00,1.00,3,503\n\
                       01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00,5,505\n\
                       01/03/2025 09:45:00,NET001,S,100,AAPL,11.00,1.00,6,506\n\
                       01/03/2025 09:35:00,NET002,T,200,MSFT,21.00,2.00,9,507\n\
                       01/03/2025 14:00:00,NET002,C,200,MSFT,20.00,2.00,10,508\n\
                       01/06/2025 09:31:00,NET001,B,100,AAPL,12.00,1.00,11,509\n\
                       01/06/2025 09:32:00,NET001,S,100,AAPL,11.00,1.00,12,510\n";

/// (fills, gross, net) per (date, account) from `dars export daily`.
fn daily(dir: &Path) -> BTreeMap<(String, String), (u64, f64, f64)> {
    let csv = ok(dir, &["export", "daily"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (date, account, fills, gross, net) = (
        col("date"),
        col("account_id"),
        col("fills_cnt"),
        col("gross"),
        col("net_pnl"),
    );
    rdr.records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{e}"));
            let num = |i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
            (
                (r[date].to_owned(), r[account].to_owned()),
                (r[fills].parse().unwrap_or(u64::MAX), num(gross), num(net)),
            )
        })
        .collect()
}

fn check(got: &BTreeMap<(String, String), (u64, f64, f64)>, want: &[(&str, &str, u64, f64, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for &(date, account, fills, gross, net) in want {
        let g = got
            .get(&(date.to_owned(), account.to_owned()))
            .unwrap_or_else(|| panic!("no {date} {account} in {got:#?}"));
        assert_eq!(g.0, fills, "{date} {account} fills: {got:#?}");
        assert!(
            (g.1 - gross).abs() < 1e-9,
            "{date} {account} gross: {got:#?}"
        );
        assert!((g.2 - net).abs() < 1e-9, "{date} {account} net: {got:#?}");
    }
}

fn write(dir: &Path, name: &str, rows: &str) {
    std::fs::write(dir.join(name), format!("{HEADER}{rows}")).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn an_overlapping_export_with_fill_ids_adds_only_the_new_fills() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write(dir, "first.csv", FIRST);
    write(dir, "overlap.csv", OVERLAP);

    let said = ok(dir, &["ingest", "first.csv"]);
    assert!(!said.contains("skipped"), "{said}");
    let first = [
        ("2025-01-02", "NET001", 2, 50.0, 48.0),
        ("2025-01-02", "NET002", 2, -100.0, -102.0),
        ("2025-01-03", "NET001", 2, 100.0, 98.0),
        ("2025-01-03", "NET003", 3, 100.0, 100.0),
    ];
    check(&daily(dir), &first);

    let said = ok(dir, &["ingest", "overlap.csv"]);
    assert!(
        said.contains("7 rows read, 4 kept, 0 rejected, 3 already loaded."),
        "{said}"
    );
    assert!(
        said.contains("skipped 3 fills whose Fill Id was already loaded"),
        "{said}"
    );
    assert!(!said.contains("replaced"), "{said}");
    let after = [
        ("2025-01-02", "NET001", 2, 50.0, 48.0),
        ("2025-01-02", "NET002", 2, -100.0, -102.0),
        ("2025-01-03", "NET001", 2, 100.0, 98.0),
        ("2025-01-03", "NET002", 2, 200.0, 196.0),
        ("2025-01-03", "NET003", 3, 100.0, 100.0),
        ("2025-01-06", "NET001", 2, -100.0, -102.0),
    ];
    check(&daily(dir), &after);

    // The manifest counts every row of the overlap: 4 kept + 3 duplicates = 7 read.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("data/lake/manifest.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let entry = &manifest["files"][1];
    let n = |k: &str| entry[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!(
        (n("rows_read"), n("rows_kept"), n("rows_duplicate")),
        (7, 4, 3)
    );
    assert_eq!(
        n("rows_read"),
        n("rows_kept") + n("rows_rejected") + n("rows_excluded") + n("rows_duplicate")
    );

    // The same bytes again, under their own name and under another: skipped, nothing changes.
    std::fs::copy(dir.join("first.csv"), dir.join("first-copy.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let said = ok(dir, &["ingest", "overlap.csv", "first-copy.csv"]);
    assert!(said.contains("skipped 2 files already loaded"), "{said}");
    assert!(said.contains("identical to first.csv"), "{said}");
    check(&daily(dir), &after);
}

#[test]
fn the_same_file_twice_in_one_run_is_ingested_once() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write(dir, "first.csv", FIRST);
    let said = ok(dir, &["ingest", "first.csv", "first.csv"]);
    assert!(said.contains("skipped 1 file already loaded"), "{said}");
    assert!(
        said.contains("ingested 1 file(s), 1 already in the lake"),
        "{said}"
    );
    check(
        &daily(dir),
        &[
            ("2025-01-02", "NET001", 2, 50.0, 48.0),
            ("2025-01-02", "NET002", 2, -100.0, -102.0),
            ("2025-01-03", "NET001", 2, 100.0, 98.0),
            ("2025-01-03", "NET003", 3, 100.0, 100.0),
        ],
    );
}

/// Issue #15 item 3: an export without fill ids that starts partway through a day replaced that
/// whole account-day with the afternoon only (net P&L changed on 3,600 account-days). Now the
/// partial day is held back and reported, the loaded day stays, the later days are added, and
/// an export covering the whole day resolves it.
#[test]
fn a_later_export_starting_mid_day_never_replaces_the_loaded_day() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let header = "Date/Time,Account,B/S,Qty,Symbol,Price,Comm\n";
    let put = |name: &str, rows: &str| {
        std::fs::write(dir.join(name), format!("{header}{rows}")).unwrap_or_else(|e| panic!("{e}"))
    };
    // The whole of 2 January: a morning round trip (+50) and an afternoon one (−30).
    put(
        "january.csv",
        "01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00\n\
         01/02/2025 10:00:00,NET001,S,100,AAPL,10.50,1.00\n\
         01/02/2025 13:00:00,NET001,B,100,AAPL,10.40,1.00\n\
         01/02/2025 14:00:00,NET001,S,100,AAPL,10.10,1.00\n",
    );
    // Exported from 12:00 on the 2nd: the afternoon again, then the 3rd.
    put(
        "from-noon.csv",
        "01/02/2025 13:00:00,NET001,B,100,AAPL,10.40,1.00\n\
         01/02/2025 14:00:00,NET001,S,100,AAPL,10.10,1.00\n\
         01/03/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00\n\
         01/03/2025 09:45:00,NET001,S,100,AAPL,11.00,1.00\n",
    );
    ok(dir, &["ingest", "january.csv"]);
    let whole_day = ("2025-01-02", "NET001", 4, 20.0, 16.0);
    check(&daily(dir), &[whole_day]);

    let said = ok(dir, &["ingest", "from-noon.csv"]);
    assert!(
        said.contains("4 rows read, 2 kept, 0 rejected, 2 held back."),
        "{said}"
    );
    assert!(
        said.contains(
            "NET001 2025-01-02: this file's 2 fills from 13:00:00 to 14:00:00, inside the loaded \
             export's 09:31:00 to 14:00:00"
        ),
        "{said}"
    );
    assert!(!said.contains("replaced"), "{said}");
    check(
        &daily(dir),
        &[whole_day, ("2025-01-03", "NET001", 2, 100.0, 98.0)],
    );
    let manifest = || -> serde_json::Value {
        serde_json::from_slice(
            &std::fs::read(dir.join("data/lake/manifest.json")).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let m = manifest();
    let entry = &m["files"][1];
    let n = |k: &str| entry[k].as_u64().unwrap_or(u64::MAX);
    assert_eq!((n("rows_read"), n("rows_kept"), n("rows_held")), (4, 2, 2));
    assert_eq!(m["held"].as_array().map(Vec::len), Some(1), "{m}");
    assert_eq!(m["held"][0]["file"], "from-noon.csv");

    // A corrected export of the whole 2nd (the afternoon exit was at 10.20): it covers the
    // loaded span, so it replaces the day and resolves the held-back entry.
    put(
        "corrected.csv",
        "01/02/2025 09:31:00,NET001,B,100,AAPL,10.00,1.00\n\
         01/02/2025 10:00:00,NET001,S,100,AAPL,10.50,1.00\n\
         01/02/2025 13:00:00,NET001,B,100,AAPL,10.40,1.00\n\
         01/02/2025 14:00:00,NET001,S,100,AAPL,10.20,1.00\n",
    );
    let said = ok(dir, &["ingest", "corrected.csv"]);
    assert!(said.contains("replaced 1 account-day(s)"), "{said}");
    check(
        &daily(dir),
        &[
            ("2025-01-02", "NET001", 4, 30.0, 26.0),
            ("2025-01-03", "NET001", 2, 100.0, 98.0),
        ],
    );
    assert_eq!(manifest()["held"].as_array().map(Vec::len), Some(0));

    // A morning-only export of a day loaded from an afternoon export: disjoint, both kept.
    put(
        "pm.csv",
        "01/07/2025 13:00:00,NET002,B,100,MSFT,20.00,0.00\n\
         01/07/2025 14:00:00,NET002,S,100,MSFT,21.00,0.00\n",
    );
    put(
        "am.csv",
        "01/07/2025 09:31:00,NET002,B,100,MSFT,20.00,0.00\n\
         01/07/2025 09:45:00,NET002,S,100,MSFT,19.50,0.00\n",
    );
    ok(dir, &["ingest", "pm.csv"]);
    let said = ok(dir, &["ingest", "am.csv"]);
    assert!(said.contains("2 rows read, 2 kept, 0 rejected."), "{said}");
    let got = daily(dir);
    let d = got
        .get(&("2025-01-07".to_owned(), "NET002".to_owned()))
        .unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!((d.0, d.1), (4, 50.0));
}
