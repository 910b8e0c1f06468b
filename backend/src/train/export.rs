//! `dars export features`: the exact feature matrix, labels, walk-forward folds and LightGBM
//! parameters `dars train` uses, as files another tool can train on. Its first user is
//! `benches/lightgbm_side_by_side.py`, which fits Python's LightGBM on the same rows and folds to
//! check our accuracy and fit time against the reference implementation; a data scientist can
//! use it the same way to try a model of their own on identical validation.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::json;

use super::pipeline::{self, FoldRows, InnerSplit};
use super::run::ModelRequest;
use crate::atomic::{with_atomic_file, write_atomic};

/// What `dars export features` writes: `model`'s matrix and folds, into `out`.
#[derive(Debug, Clone)]
pub struct ExportFeaturesRequest {
    pub model: ModelRequest,
    /// Directory to write `features.csv`, `folds.json` and `params.json` into.
    pub out: PathBuf,
}

/// What a row does in fold k: `fit` (boosting), `valid` (early stopping), `test` (out-of-fold
/// prediction), or nothing (outside the fold's window, in its embargo, or purged).
fn role(i: usize, split: &InnerSplit, rows: &FoldRows) -> &'static str {
    // The lists are sorted (they filter matrix order), so a binary search answers membership.
    if split.fit.binary_search(&i).is_ok() {
        "fit"
    } else if split.valid.binary_search(&i).is_ok() {
        "valid"
    } else if rows.test.binary_search(&i).is_ok() {
        "test"
    } else {
        ""
    }
}

pub fn export_features(args: &ExportFeaturesRequest) -> Result<()> {
    let _lake = crate::lake::lock::read(&args.model.data)?;
    let (_, data) = args.model.load(&dars_shared::policy::Policy::default())?;
    let m = &data.m;
    let labelled = data.labelled();
    // Folds and LightGBM parameters only: the threshold's cost matrix (and the configuration
    // it comes from) plays no part in an export.
    let opts = args
        .model
        .options_with(dars_shared::policy::ThresholdRule::MaxF1);
    let folds = pipeline::folds_for(&pipeline::distinct_dates(m, &labelled), &opts)?;
    let splits = folds
        .iter()
        .map(|f| {
            let rows = pipeline::fold_rows(m, &labelled, f);
            let split = pipeline::inner_split(m, &rows.train)?;
            Ok((rows, split))
        })
        .collect::<Result<Vec<(FoldRows, InnerSplit)>>>()?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let features = args.out.join("features.csv");
    with_atomic_file(&features, |file| {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        let mut header: Vec<String> = ["account_id", "date", "label_date", "label"]
            .map(String::from)
            .to_vec();
        header.extend((1..=folds.len()).map(|k| format!("fold_{k}")));
        header.extend(m.names.iter().map(|n| n.to_string()));
        w.write_record(&header)?;
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        for i in 0..m.len() {
            record.clear();
            record.push(m.rows[i].account_id.to_string());
            record.push(m.rows[i].date.to_string());
            record.push(m.next_date[i].map(|d| d.to_string()).unwrap_or_default());
            record.push(m.labels[i].map(|l| l.to_string()).unwrap_or_default());
            record.extend(
                splits
                    .iter()
                    .map(|(rows, split)| role(i, split, rows).into()),
            );
            // Rust's `Display` for f64 is the shortest text that parses back to the same bits,
            // so the other tool sees exactly our values; an empty cell is a missing value.
            record.extend(m.row(i).iter().map(|v| {
                if v.is_nan() {
                    String::new()
                } else {
                    v.to_string()
                }
            }));
            w.write_record(&record)?;
        }
        w.flush()?;
        Ok(())
    })?;

    let folds_json = json!({
        "embargo_days": opts.plan.embargo,
        "min_train_days": opts.plan.resolve(pipeline::distinct_dates(m, &labelled).len()).1,
        "final_rounds": "the median of the folds' early-stopped tree counts (sorted, index n/2), at least 1",
        "folds": folds.iter().zip(&splits).map(|(f, (rows, split))| json!({
            "fold": f.index,
            "train_from": f.train_from.to_string(),
            "train_to": f.train_to.to_string(),
            "test_from": f.test_from.to_string(),
            "test_to": f.test_to.to_string(),
            "train_rows": rows.train.len(),
            "fit_rows": split.fit.len(),
            "valid_rows": split.valid.len(),
            "test_rows": rows.test.len(),
        })).collect::<Vec<_>>(),
    });
    write_atomic(
        &args.out.join("folds.json"),
        serde_json::to_string_pretty(&folds_json)?.as_bytes(),
    )?;
    let params = opts.params.to_json(opts.params.max_rounds, true);
    write_atomic(
        &args.out.join("params.json"),
        serde_json::to_string_pretty(&params)?.as_bytes(),
    )?;
    println!(
        "exported {} rows ({} labelled) x {} features and {} folds to {}",
        m.len(),
        labelled.len(),
        m.width(),
        folds.len(),
        args.out.display()
    );
    Ok(())
}
