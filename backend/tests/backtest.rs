//! `dars backtest` on a small simulated firm, through the real binary: the CSV is in the shared
//! format, early blocks without enough history are the rules', and — the point of a backtest —
//! deleting everything after a day changes no prediction made for that day or before.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use dars_shared::backtest::{self, BacktestRow};

mod common;
use common::{FIT, ok, simulate};

fn day_of(line: &str) -> Option<NaiveDate> {
    line.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%m/%d/%Y").ok())
}

fn read(path: &Path) -> Vec<BacktestRow> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    backtest::parse(&path.display().to_string(), &bytes).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn backtest_is_out_of_sample_and_blind_to_the_future() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 5, 170, 11);
    let fills = std::fs::read_to_string(dir.join("sim/fills.csv")).unwrap_or_default();
    let days: BTreeSet<NaiveDate> = fills.lines().skip(1).filter_map(day_of).collect();
    // Cut the history after the last trading day of the second-to-last month.
    let last_month = days.iter().next_back().map(|d| (d.year(), d.month()));
    let cut = days
        .iter()
        .copied()
        .filter(|d| Some((d.year(), d.month())) != last_month)
        .max()
        .unwrap_or_else(|| panic!("no trading days"));
    let mut truncated = String::new();
    for (i, line) in fills.lines().enumerate() {
        if i == 0 || day_of(line).is_some_and(|d| d <= cut) {
            truncated.push_str(line);
            truncated.push('\n');
        }
    }
    std::fs::write(dir.join("sim/fills-cut.csv"), truncated).unwrap_or_else(|e| panic!("{e}"));
    ok(dir, &["ingest", "--data", "full", "sim/fills.csv"]);
    ok(dir, &["ingest", "--data", "cut", "sim/fills-cut.csv"]);

    let from = days
        .iter()
        .nth(45)
        .copied()
        .unwrap_or_else(|| panic!("short history"));
    let from = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    let run = |data: &str| {
        let out = format!("{data}.csv");
        let mut args = vec![
            "backtest",
            "--data",
            data,
            "--retrain",
            "monthly",
            "--out",
            &out,
        ];
        let from = from.to_string();
        args.extend(["--from", &from]);
        args.extend(FIT);
        let text = ok(dir, &args);
        (text, read(&dir.join(&out)))
    };
    let (full_text, full) = run("full");
    let (_, cut_rows) = run("cut");

    // The first month has too little history for walk-forward validation: the rules decide.
    assert!(full_text.contains("rules only ("), "{full_text}");
    assert!(full_text.contains("by the model"), "{full_text}");
    assert!(full.iter().any(|r| r.system == "model"));
    assert!(
        full.iter()
            .all(|r| matches!(r.system.as_str(), "model" | "guard") == r.probability.is_some())
    );
    // A low tier never carries a cut, and a cut is never low (every row of the backtest).
    assert!(
        full.iter()
            .all(|r| (r.tier == dars_shared::rules::Tier::Low) == (r.cut_pct <= 0.0)),
        "a low tier with a cut, or a cut read as low"
    );
    assert!(full.iter().all(|r| r.date >= from));
    assert!(dir.join("full.json").is_file() && dir.join("full.txt").is_file());

    // Every prediction for a day up to the cut is identical with or without the later data.
    let before: Vec<&BacktestRow> = full.iter().filter(|r| r.date <= cut).collect();
    let cut_known: Vec<&BacktestRow> = cut_rows.iter().filter(|r| r.date <= cut).collect();
    assert!(
        before.len() > 50,
        "too few rows to compare: {}",
        before.len()
    );
    assert_eq!(before, cut_known);
    assert!(full.iter().any(|r| r.date > cut));
}
