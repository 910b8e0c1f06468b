//! Every checked-in model artifact and promotion history under `tests/fixtures/` loads with
//! today's types and is written back with the same JSON values: typing a field (dates, enums)
//! must not change what old files say. Prediction runs are the backend's type; its `runs` module
//! checks `tests/fixtures/lake/predictions/` the same way.

use std::path::{Path, PathBuf};

use dars_shared::analytics::{PromotionEntry, parse_history};
use dars_shared::artifact::ModelArtifact;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// Every file under `dir`, recursively, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_same_values(file: &Path, original: &Value, written: &Value) {
    let diffs = dars_shared::compat::round_trip_differences(original, written);
    assert!(
        diffs.is_empty(),
        "{} changes when read and written back:\n{}",
        file.display(),
        diffs.join("\n")
    );
}

fn is_artifact(v: &Value) -> bool {
    v.get("lightgbm_model").is_some() && v.get("format").is_some()
}

#[test]
fn every_checked_in_artifact_loads_and_writes_back_the_same_values() {
    let mut seen = 0;
    for path in files(&fixtures()) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = read(&path);
        let Ok(original) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if !is_artifact(&original) {
            continue;
        }
        let a =
            ModelArtifact::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written: Value = serde_json::from_str(&a.to_json())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_same_values(&path, &original, &written);
        // The typed fields, spelled out: dates, the threshold's method, every feature's unit.
        let t = &original["training"];
        assert_eq!(t["from"], Value::from(a.training.from.to_string()));
        assert_eq!(t["to"], Value::from(a.training.to.to_string()));
        assert_eq!(original["threshold"]["method"], a.threshold.method.as_str());
        for (f, spec) in original["features"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: features", path.display()))
            .iter()
            .zip(&a.features)
        {
            assert!(spec.unit.is_some(), "{}: {}", path.display(), spec.name);
            assert_eq!(f["unit"], spec.unit.map_or("", |u| u.artifact_name()));
        }
        for (f, fold) in original["metrics"]["folds"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: folds", path.display()))
            .iter()
            .zip(&a.metrics.folds)
        {
            assert_eq!(f["train_from"], fold.train_from.to_string());
            assert_eq!(f["test_to"], fold.test_to.to_string());
        }
        seen += 1;
    }
    assert!(seen >= 1, "no artifact found under tests/fixtures");
}

#[test]
fn every_checked_in_promotion_history_loads_and_writes_back_the_same_values() {
    let mut seen = 0;
    for path in files(&fixtures()) {
        if path.file_name().is_none_or(|n| n != "history.jsonl") {
            continue;
        }
        let text = read(&path);
        let (entries, bad) = parse_history(&text);
        assert!(
            bad.is_empty(),
            "{}: unreadable lines {bad:?}",
            path.display()
        );
        // Newest first, as the model page lists them.
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(entries.len(), lines.len());
        for (line, entry) in lines.iter().rev().zip(&entries) {
            let original: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let written =
                serde_json::to_value(entry).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_same_values(&path, &original, &written);
            let again: PromotionEntry = serde_json::from_value(written)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(&again, entry);
        }
        seen += 1;
    }
    assert!(seen >= 1, "no history.jsonl found under tests/fixtures");
}
