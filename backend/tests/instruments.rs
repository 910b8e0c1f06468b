//! Issue #16 items 2 and 3 through the real `dars` binary: futures sized by `config.yaml`'s
//! table reconcile with PropReports' totals to the cent, and a changed table recomputes the daily
//! table of fills already in the lake; a DAS Trader trade log (times only) is booked on the day
//! its file name or `--date` gives, and refused when it has neither or they disagree.

mod common;

use std::path::Path;

use common::{dars, ok};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/ingest")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
}

fn table(es_multiplier: u32) -> String {
    format!(
        "instruments:\n  futures:\n    ES: {{multiplier: {es_multiplier}, tick: 0.25}}\n    \
         MES: {{multiplier: 5, tick: 0.25}}\n    NQ: {{multiplier: 20, tick: 0.25}}\n"
    )
}

/// `date,account_id -> gross` of `dars export daily`.
fn gross(dir: &Path, account: &str) -> Vec<(String, f64)> {
    let csv = ok(dir, &["export", "daily"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or(usize::MAX);
    let (d, a, g) = (col("date"), col("account_id"), col("gross"));
    rdr.records()
        .filter_map(Result::ok)
        .filter(|r| &r[a] == account)
        .map(|r| (r[d].to_owned(), r[g].parse().unwrap_or(f64::NAN)))
        .collect()
}

#[test]
fn futures_follow_the_configured_table() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    for name in ["propreports_futures.csv", "propreports_futures_totals.csv"] {
        write(dir, name, &fixture(name));
    }
    write(dir, "config.yaml", table(50).as_bytes());
    let out = ok(
        dir,
        &[
            "ingest",
            "propreports_futures.csv",
            "propreports_futures_totals.csv",
        ],
    );
    assert!(
        out.contains("reconciliation: all 2 reported account-days match the computed totals"),
        "{out}"
    );
    assert!(out.contains("a price on ES's tick of 0.25"), "{out}");
    assert!(
        out.contains("CLJ5 is a future on CL, which is not configured"),
        "{out}"
    );
    assert_eq!(gross(dir, "FUT01"), [("2025-03-03".to_owned(), -220.0)]);
    assert_eq!(gross(dir, "FUT02"), [("2025-03-03".to_owned(), -241.25)]);

    // A changed table re-sizes the fills already in the lake, with no new file: ES at $5 a
    // point makes FUT01's two ES contracts lose 2 x 2 x 5 = $20 instead of $200, and the
    // reconciliation says so.
    write(dir, "config.yaml", table(5).as_bytes());
    let out = ok(dir, &["ingest", "propreports_futures_totals.csv"]);
    assert!(out.contains("nothing changed"), "{out}");
    assert!(
        out.contains("differs from the one the lake was built with (ES x50 tick 0.25"),
        "{out}"
    );
    assert!(
        out.contains("reconciliation: 1 of 2 reported account-days differ"),
        "{out}"
    );
    assert_eq!(gross(dir, "FUT01"), [("2025-03-03".to_owned(), -40.0)]);

    // A table without a root the lake's fills use is refused, and nothing changes.
    write(
        dir,
        "config.yaml",
        b"instruments:\n  futures:\n    ES: {multiplier: 50, tick: 0.25}\n",
    );
    let refused = dars(dir, &["ingest", "propreports_futures_totals.csv"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(
        err.contains("no longer lists MES, NQ, but the lake holds fills of them"),
        "{err}"
    );
    assert_eq!(gross(dir, "FUT01"), [("2025-03-03".to_owned(), -40.0)]);
}

#[test]
fn das_trade_logs_are_dated_by_the_file_name_or_date_flag() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let name = "das_trades_2025-01-02.csv";
    let bytes = fixture(name);
    write(dir, name, &bytes);
    let out = ok(dir, &["ingest", name]);
    assert!(out.contains("Detected DAS Trader trades"), "{out}");
    assert!(
        out.contains("times only: every fill booked on 2025-01-02 (from the file name)"),
        "{out}"
    );
    assert_eq!(gross(dir, "TRDAS1"), [("2025-01-02".to_owned(), 150.0)]);

    // Another day's log (other bytes) under a name without a date: refused until --date says.
    let next: Vec<u8> = String::from_utf8_lossy(&bytes)
        .replace("TRDAS2", "TRDAS3")
        .into_bytes();
    write(dir, "trades.csv", &next);
    let refused = dars(dir, &["ingest", "trades.csv"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(
        err.contains("trades.csv: its rows hold times but no date") && err.contains("--date"),
        "{err}"
    );
    let out = ok(dir, &["ingest", "trades.csv", "--date", "2025-01-03"]);
    assert!(
        out.contains("every fill booked on 2025-01-03 (given with --date)"),
        "{out}"
    );
    assert_eq!(gross(dir, "TRDAS3"), [("2025-01-03".to_owned(), -50.0)]);

    // A flag that contradicts the file name books nothing.
    write(dir, "das_2025-01-06.csv", &next[..next.len() - 1]);
    let refused = dars(
        dir,
        &["ingest", "das_2025-01-06.csv", "--date", "2025-01-07"],
    );
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(
        err.contains("--date says 2025-01-07 but the file name says 2025-01-06"),
        "{err}"
    );
    assert!(gross(dir, "TRDAS3").iter().all(|(d, _)| d == "2025-01-03"));
}
