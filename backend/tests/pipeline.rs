//! The real `dars` binary end to end on a small simulated firm: simulate → ingest (and again,
//! unchanged) → export → train → model registry. Each step is checked on what it wrote.

mod common;

use common::{dars, ok, with_fit};

#[test]
fn simulate_ingest_export_train_promote_rollback() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    ok(
        dir,
        &[
            "simulate",
            "--traders",
            "5",
            "--days",
            "160",
            "--seed",
            "7",
            "--out",
            "sim",
        ],
    );

    let first = ok(dir, &["ingest", "sim/fills.csv", "sim/totals.csv"]);
    assert!(
        first.contains("Detected PropReports fills export"),
        "{first}"
    );
    assert!(first.contains("excluded legacy account"), "{first}");
    assert!(
        first.contains("match the computed totals to the cent"),
        "FIFO P&L must reconcile with the simulator's totals:\n{first}"
    );
    assert!(dir.join("data/lake/manifest.json").is_file());
    assert!(
        std::fs::read_dir(dir.join("data/raw"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 2
    );

    let again = ok(dir, &["ingest", "sim/fills.csv"]);
    assert!(again.contains("nothing changed"), "{again}");

    let csv = ok(dir, &["export", "daily", "--format", "csv"]);
    assert!(csv.starts_with(
        "date,account_id,orders_cnt,fills_cnt,qty_cnt,gross,fees,net_pnl,unrealized_delta,total_delta"
    ));
    // The export reads back as a totals file.
    std::fs::write(dir.join("export.csv"), &csv).unwrap_or_else(|e| panic!("{e}"));
    let back = ok(dir, &["ingest", "--data", "data2", "export.csv"]);
    assert!(back.contains("daily totals"), "{back}");

    let json = ok(dir, &["export", "daily", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert!(rows.as_array().is_some_and(|a| a.len() > 300));

    let trained = ok(
        dir,
        &with_fit("train", &["--oracle", "sim/oracle.csv", "--promote"]),
    );
    assert!(trained.contains("AUC gbm"), "{trained}");
    assert!(trained.contains("simulator oracle AUC"), "{trained}");
    let model = std::fs::read_to_string(dir.join("models/current/model.json")).unwrap_or_default();
    let artifact =
        dars_shared::artifact::ModelArtifact::from_json(&model).unwrap_or_else(|e| panic!("{e}"));
    assert!(artifact.lightgbm_model.starts_with("tree\n"));
    assert_eq!(
        artifact.features.len(),
        dars_shared::features::FEATURES.len()
    );

    // A second version, then rollback to the first.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(dir, &with_fit("train", &["--promote"]));
    let list = ok(dir, &["model", "list"]);
    assert_eq!(
        list.lines().filter(|l| l.contains("20")).count(),
        2,
        "{list}"
    );
    let rolled = ok(dir, &["model", "rollback", "--why", "test"]);
    assert!(rolled.contains(&artifact.version), "{rolled}");
}

#[test]
fn unknown_format_and_strict_mode_fail_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    std::fs::write(dir.join("weird.csv"), "foo,bar,baz\n1,2,3\n").unwrap_or_else(|e| panic!("{e}"));
    let out = dars(dir, &["ingest", "weird.csv"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("weird.csv") && err.contains("foo"), "{err}");

    let bad = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
               01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
               01/02/2025 09:32:00,NET001,X,100,AAPL,10.10\n";
    std::fs::write(dir.join("bad.csv"), bad).unwrap_or_else(|e| panic!("{e}"));
    let lenient = ok(dir, &["ingest", "bad.csv"]);
    assert!(lenient.contains("bad.csv line 3"), "{lenient}");
    let out = dars(dir, &["ingest", "--data", "strict", "--strict", "bad.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
    assert!(
        !dir.join("strict/lake/manifest.json").exists(),
        "strict failure must not write the lake"
    );
}
