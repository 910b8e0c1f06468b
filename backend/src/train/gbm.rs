//! LightGBM, the design's default learner, through the `lightgbm3` bindings (LightGBM built from
//! source). Fit/predict have the same shape as the logistic baseline so both run on identical
//! folds.

use anyhow::{Context, Result};
use lightgbm3::{Booster, Dataset};
use serde_json::{Value, json};

/// Hyper-parameters. Conservative on purpose: a few thousand trader-days of noisy labels reward
/// shallow trees, large leaves and shrinkage more than capacity.
#[derive(Debug, Clone)]
pub struct GbmParams {
    pub num_leaves: u32,
    pub learning_rate: f64,
    pub min_data_in_leaf: u32,
    pub feature_fraction: f64,
    pub bagging_fraction: f64,
    pub lambda_l2: f64,
    pub max_rounds: u32,
    pub early_stopping_rounds: u32,
    pub seed: u64,
    pub threads: u32,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            num_leaves: 15,
            learning_rate: 0.03,
            min_data_in_leaf: 40,
            feature_fraction: 0.8,
            bagging_fraction: 0.8,
            lambda_l2: 5.0,
            max_rounds: 600,
            early_stopping_rounds: 50,
            seed: 7,
            threads: 2,
        }
    }
}

impl GbmParams {
    pub fn to_json(&self, rounds: u32, early_stopping: bool) -> Value {
        let mut v = json!({
            "objective": "binary",
            "metric": "binary_logloss",
            "num_iterations": rounds,
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": true,
            "force_row_wise": true,
            "num_threads": self.threads,
            "verbosity": -1,
        });
        if early_stopping {
            v["early_stopping_rounds"] = json!(self.early_stopping_rounds);
        }
        v
    }
}

/// Row-major features (NaN = missing) with 0/1 labels.
pub struct Xy<'a> {
    pub x: &'a [f64],
    pub y: &'a [f32],
    pub width: usize,
}

/// Trains on `train`, early-stopping on `valid` when given; `rounds` overrides the maximum.
pub fn fit(
    train: &Xy<'_>,
    valid: Option<&Xy<'_>>,
    names: &[String],
    params: &GbmParams,
    rounds: Option<u32>,
) -> Result<Booster> {
    let width = i32::try_from(train.width).context("too many features")?;
    let mut ds = Dataset::from_slice(train.x, train.y, width, true)
        .context("building the LightGBM training set")?;
    ds.set_feature_names(names)
        .context("naming LightGBM features")?;
    let valid_ds = match valid {
        Some(v) => Some(
            Dataset::from_slice_with_reference(v.x, v.y, width, true, Some(&ds))
                .context("building the LightGBM validation set")?,
        ),
        None => None,
    };
    let p = params.to_json(rounds.unwrap_or(params.max_rounds), valid_ds.is_some());
    Booster::train_with_valid(ds, valid_ds, &p).context("training LightGBM")
}

/// P(next day negative) for each row.
pub fn predict(model: &Booster, x: &[f64], width: usize) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Ok(Vec::new());
    }
    let w = i32::try_from(width).context("too many features")?;
    model
        .predict_with_params(x, w, true, "num_threads=2")
        .context("LightGBM prediction")
}

/// Mean |SHAP| per feature over `x`, from LightGBM's own `pred_contrib`.
pub fn mean_abs_shap(model: &Booster, x: &[f64], width: usize) -> Result<Vec<f64>> {
    let w = i32::try_from(width).context("too many features")?;
    let contrib = model
        .predict_contrib(x, w, true)
        .context("LightGBM pred_contrib")?;
    let rows = x.len() / width.max(1);
    let mut out = vec![0.0; width];
    for r in 0..rows {
        for (c, slot) in out.iter_mut().enumerate() {
            *slot += contrib[r * (width + 1) + c].abs();
        }
    }
    for v in &mut out {
        *v /= rows.max(1) as f64;
    }
    Ok(out)
}
