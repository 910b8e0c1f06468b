//! The real `dars` binary end to end on a small simulated firm: simulate → ingest (and again,
//! unchanged) → export → train → feature export → model registry. Each step is checked on what
//! it wrote.

mod common;

use chrono::NaiveDate;
use common::{FIT, dars, ok, simulate, with_fit};
use dars_shared::artifact::ModelArtifact;

#[test]
fn simulate_ingest_export_train_promote_rollback() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    simulate(dir, 5, 160, 7);

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
    assert!(
        trained.contains(
            "threshold by a restriction budget of 25% of trader-days (10% high risk) from the \
             defaults"
        ),
        "{trained}"
    );
    assert!(trained.contains("simulator oracle AUC"), "{trained}");
    let model = std::fs::read_to_string(dir.join("models/current/model.json")).unwrap_or_default();
    let artifact = ModelArtifact::from_json(&model).unwrap_or_else(|e| panic!("{e}"));
    assert!(artifact.lightgbm_model.starts_with("tree\n"));
    assert_eq!(
        artifact.features.len(),
        dars_shared::features::FEATURES.len()
    );

    check_feature_export(dir, &artifact);

    // A second version, its threshold by the configuration's cost matrix; then rollback.
    std::fs::write(
        dir.join("config.yaml"),
        "risk:\n  cost_matrix: { false_positive: 0, false_negative: 1 }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = dars(dir, &with_fit("train", &[]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("risk.cost_matrix"),
        "{err}"
    );
    std::fs::write(
        dir.join("config.yaml"),
        "risk:\n  cost_matrix: { false_positive: 1, false_negative: 2 }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = ok(dir, &with_fit("train", &["--promote"]));
    assert!(
        second.contains(
            "threshold by minimal cost (false positive 1, false negative 2) from config.yaml"
        ),
        "{second}"
    );
    // The version just trained; when the gate declined it (a small test firm's model rarely
    // beats the rules with an interval above zero), published by hand, as a manager would.
    let version = second
        .lines()
        .find_map(|l| l.strip_prefix("model ")?.split(' ').next())
        .unwrap_or_else(|| panic!("no version in {second}"));
    if !second.contains("promoted: models/current") {
        ok(dir, &["model", "promote", version]);
    }
    let model = std::fs::read_to_string(dir.join("models/current/model.json")).unwrap_or_default();
    let second = ModelArtifact::from_json(&model).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.threshold.method, "min_cost");
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

/// `dars export features` must hand another learner exactly what `dars train` validated on: the
/// same labelled rows, feature columns in order, and per fold the same training and test rows,
/// with early stopping's `valid` slice after every `fit` row's label and no training label
/// reaching the test block.
fn check_feature_export(dir: &std::path::Path, artifact: &ModelArtifact) {
    let mut args = vec!["export", "features"];
    args.extend(FIT);
    args.extend(["--out", "export"]);
    let said = ok(dir, &args);
    assert!(said.contains("2 folds"), "{said}");

    let folds: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("export/folds.json")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("folds.json: {e}"));
    let params: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("export/params.json")).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("params.json: {e}"));
    assert_eq!(params["objective"], "binary");
    assert!(params["early_stopping_rounds"].as_u64().is_some());

    let mut rdr = csv::Reader::from_path(dir.join("export/features.csv"))
        .unwrap_or_else(|e| panic!("features.csv: {e}"));
    let header: Vec<String> = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(String::from)
        .collect();
    let n_folds = artifact.metrics.folds.len();
    assert_eq!(header[..4], ["account_id", "date", "label_date", "label"]);
    let feature_names: Vec<&str> = artifact.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(header[4 + n_folds..], feature_names[..]);

    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let mut labelled = 0u64;
    // Per fold: (fit, valid, test) counts, latest fit label date, earliest valid date.
    let mut seen = vec![(0u64, 0u64, 0u64, None::<NaiveDate>, None::<NaiveDate>); n_folds];
    for rec in rdr.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{e}"));
        let (d, label_date) = (date(&rec[1]), date(&rec[2]));
        if !rec[3].is_empty() {
            labelled += 1;
            assert!(label_date > d, "label after its feature day: {rec:?}");
        }
        for v in rec.iter().skip(4 + n_folds) {
            assert!(
                v.is_empty() || v.parse::<f64>().is_ok_and(f64::is_finite),
                "{v:?}"
            );
        }
        for (k, acc) in seen.iter_mut().enumerate() {
            let f = &folds["folds"][k];
            let bound = |key: &str| date(f[key].as_str().unwrap_or_default());
            match &rec[4 + k] {
                "" => {}
                role @ ("fit" | "valid") => {
                    assert!(!rec[3].is_empty(), "unlabelled training row {rec:?}");
                    assert!(d <= bound("train_to") && label_date < bound("test_from"));
                    if role == "fit" {
                        acc.0 += 1;
                        acc.3 = acc.3.max(label_date);
                    } else {
                        acc.1 += 1;
                        acc.4 = Some(
                            acc.4
                                .map_or(d.unwrap_or_default(), |v| v.min(d.unwrap_or_default())),
                        );
                    }
                }
                "test" => {
                    assert!(bound("test_from") <= d && d <= bound("test_to"));
                    acc.2 += 1;
                }
                other => panic!("unknown fold role {other:?}"),
            }
        }
    }
    assert_eq!(labelled, artifact.training.rows);
    for (k, (fit, valid, test, last_fit_label, first_valid)) in seen.iter().enumerate() {
        let trained = &artifact.metrics.folds[k];
        assert_eq!(folds["folds"][k]["train_rows"], trained.train_rows);
        assert_eq!(*test, trained.model.rows, "fold {}", k + 1);
        assert!(fit + valid <= trained.train_rows && *fit > 0 && *valid > 0);
        assert!(
            last_fit_label < first_valid,
            "fold {}: fit labels reach the valid slice",
            k + 1
        );
        assert!(trained.raw_auc.is_some() && trained.fit_seconds.is_some());
    }
    assert!(artifact.training.fit_seconds.is_some());
}

/// A newer export that covers an account-day replaces that account-day's fills, so P&L is never
/// counted twice; other accounts on that day and other days are kept.
#[test]
fn a_newer_export_replaces_the_account_days_it_covers() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let first = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                 01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                 01/02/2025 10:00:00,NET001,S,100,AAPL,10.50\n\
                 01/02/2025 09:40:00,NET002,B,100,MSFT,20.00\n\
                 01/02/2025 11:00:00,NET002,S,100,MSFT,19.00\n\
                 01/03/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                 01/03/2025 09:45:00,NET001,S,100,AAPL,11.00\n";
    let newer = "Date/Time,Account,B/S,Qty,Symbol,Price\n\
                 01/02/2025 09:31:00,NET001,B,100,AAPL,10.00\n\
                 01/02/2025 10:00:00,NET001,S,100,AAPL,10.20\n";
    std::fs::write(dir.join("first.csv"), first).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("newer.csv"), newer).unwrap_or_else(|e| panic!("{e}"));
    ok(dir, &["ingest", "first.csv"]);
    let said = ok(dir, &["ingest", "newer.csv"]);
    assert!(said.contains("replaced 1 account-day(s)"), "{said}");

    let csv = ok(dir, &["export", "daily"]);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (date, account, gross, fills) = (
        col("date"),
        col("account_id"),
        col("gross"),
        col("fills_cnt"),
    );
    let mut got: Vec<(String, String, f64, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{e}"));
            (
                r[date].to_owned(),
                r[account].to_owned(),
                r[gross].parse().unwrap_or(f64::NAN),
                r[fills].to_owned(),
            )
        })
        .collect();
    got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let want = [
        ("2025-01-02", "NET001", 20.0, "2"),
        ("2025-01-02", "NET002", -100.0, "2"),
        ("2025-01-03", "NET001", 100.0, "2"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.0.as_str(), g.1.as_str(), g.3.as_str()),
            (w.0, w.1, w.3),
            "{got:?}"
        );
        assert!((g.2 - w.2).abs() < 1e-9, "{got:?}");
    }
}
