//! Issue #16 item 5: the lake is a dataset other engines read as it is. pyarrow's dataset API
//! and Apache DataFusion SQL (`benches/lake_as_dataset.py`) read the month partitions
//! (`month=YYYY-MM`, Hive style) and get the daily table `dars export daily` prints, row for row;
//! DataFusion's fills and fees per account-day from the fills table agree with it too. Runs the
//! Python `DARS_PYTHON` names (`scripts/test` sets it to the tools venv, where `scripts/setup`
//! installs pyarrow and datafusion).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{ok, simulate};

#[test]
fn pyarrow_and_datafusion_read_the_lake_as_dars_does() {
    let Some(python) = std::env::var_os("DARS_PYTHON") else {
        eprintln!("DARS_PYTHON is not set: skipped (scripts/test sets it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 3, 60, 8);
    ok(dir, &["ingest", "sim/fills.csv"]);
    let parts: Vec<_> = std::fs::read_dir(dir.join("data/lake/daily"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        parts.iter().all(|p| p.starts_with("month=")) && parts.len() <= 4,
        "{parts:?}"
    );

    // (date, account) -> (fills, net, total, fees) as DARS exports it.
    let csv = ok(dir, &["export", "daily"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or(usize::MAX);
    let (d, a, f, n, t, fe) = (
        col("date"),
        col("account_id"),
        col("fills_cnt"),
        col("net_pnl"),
        col("total_delta"),
        col("fees"),
    );
    let num = |r: &csv::StringRecord, i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
    let dars: BTreeMap<(String, String), [f64; 4]> = rdr
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            let key = (r[d].to_owned(), r[a].to_owned());
            (key, [num(&r, f), num(&r, n), num(&r, t), num(&r, fe)])
        })
        .collect();
    assert!(dars.len() > 50, "{}", dars.len());

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/lake_as_dataset.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir.join("data"))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let key = |r: &serde_json::Value| {
        (
            r["date"].as_str().unwrap_or_default().to_owned(),
            r["account_id"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let close = |a: f64, b: f64| (a - b).abs() < 0.005;
    for engine in ["datafusion_daily", "pyarrow_daily"] {
        let rows = read[engine].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), dars.len(), "{engine}");
        for r in &rows {
            let want = dars
                .get(&key(r))
                .unwrap_or_else(|| panic!("{engine}: {r} not in the export"));
            let got = [
                r["fills_cnt"].as_f64().unwrap_or(f64::NAN),
                r["net_pnl"].as_f64().unwrap_or(f64::NAN),
                r["total_delta"].as_f64().unwrap_or(f64::NAN),
            ];
            for (g, w) in got.iter().zip(want) {
                assert!(close(*g, *w), "{engine} {r}: {got:?} vs {want:?}");
            }
        }
    }
    let fills = read["datafusion_fills"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(fills.len(), dars.len());
    for r in &fills {
        let want = dars.get(&key(r)).unwrap_or_else(|| panic!("{r}"));
        let got = [
            r["fills"].as_f64().unwrap_or(f64::NAN),
            r["fees"].as_f64().unwrap_or(f64::NAN),
        ];
        assert!(
            close(got[0], want[0]) && close(got[1], want[3]),
            "fills {r}: {got:?} vs {want:?}"
        );
    }
}
