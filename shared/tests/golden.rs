//! Golden files: each fixture under `tests/fixtures/ingest/` is read and its full interpretation
//! (detection, report, rows, daily table, round trips) compared with the checked-in
//! `<fixture>.expected.json`. Regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p dars-shared --test golden` and review the diff.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::{fixture, golden};
use dars_shared::ingest::{IngestOptions, read_closes};

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

#[test]
fn closes() {
    check("closes.csv");
}
