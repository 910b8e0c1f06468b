//! Issue #16 item 6: an export with more fills than `ingest.fills_in_memory` is streamed, its
//! fills counted per month and merged a group of months at a time (each group read again from
//! the file), and the daily table is rebuilt a group of accounts at a time. The lake it leaves
//! is the one holding everything in memory leaves, byte for byte, and so are the counts.

mod common;

use std::path::Path;

use common::{ok, ok_with_env, simulate};

/// `dars ingest` with a memory budget of `fills` parsed fills, from the environment.
fn ingest_with_budget(dir: &Path, data: &str, fills: u64, files: &[&str]) -> String {
    let mut args = vec!["ingest"];
    args.extend_from_slice(files);
    args.extend(["--data", data, "--config", "none.yaml"]);
    let budget = fills.to_string();
    ok_with_env(dir, &args, &[("DARS__INGEST__FILLS_IN_MEMORY", &budget)])
}

/// Every file under `dir/<data>/lake/<table>`, by path, with its bytes.
fn table_files(dir: &Path, data: &str, table: &str) -> Vec<(String, Vec<u8>)> {
    let root = dir.join(data).join("lake").join(table);
    let mut out = Vec::new();
    for month in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{e}")) {
        let month = month.unwrap_or_else(|e| panic!("{e}")).path();
        for file in std::fs::read_dir(&month).unwrap_or_else(|e| panic!("{e}")) {
            let file = file.unwrap_or_else(|e| panic!("{e}")).path();
            let name = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            out.push((name, std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"))));
        }
    }
    out.sort();
    out
}

/// The lines that count rows, the daily table and the reconciliation, without the lines that
/// say how.
fn counts(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| {
            l.contains("rows read")
                || l.starts_with("daily table:")
                || l.starts_with("reconciliation")
        })
        .collect()
}

#[test]
fn a_file_over_the_memory_budget_leaves_the_same_lake() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 4, 80, 5);
    let files = ["sim/fills.csv", "sim/totals.csv"];
    let whole = ingest_with_budget(dir, "whole", 10_000_000, &files);
    assert!(!whole.contains("groups of"), "{whole}");
    let fills: u64 = counts(&whole)
        .iter()
        .find(|l| l.contains("fills.csv"))
        .and_then(|l| l.split(" rows read").next())
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{whole}"));
    assert!(fills > 3_000, "{fills}");

    // A budget of a third of the file: at least three groups of months and of accounts.
    let budget = fills / 3;
    let parts = ingest_with_budget(dir, "parts", budget, &files);
    assert!(parts.contains("groups of months"), "{parts}");
    assert!(parts.contains("groups of accounts"), "{parts}");
    assert_eq!(counts(&whole), counts(&parts));
    for table in ["fills", "totals", "daily"] {
        let (a, b) = (
            table_files(dir, "whole", table),
            table_files(dir, "parts", table),
        );
        assert!(!a.is_empty(), "{table}");
        assert!(a == b, "the {table} partitions differ");
    }
    assert_eq!(
        ok(dir, &["export", "daily", "--data", "whole"]),
        ok(dir, &["export", "daily", "--data", "parts"])
    );

    // The same file again under the small budget: recognised, nothing changed.
    let again = ingest_with_budget(dir, "parts", budget, &files[..1]);
    assert!(again.contains("nothing changed"), "{again}");
}
