//! The linear baseline: logistic regression (`linfa-logistic`) on standardized features with
//! missing values set to the training mean. If LightGBM cannot beat this on the same folds, the
//! trees are not earning their complexity.

use anyhow::{Context, Result};
use linfa::prelude::*;
use linfa_logistic::{FittedLogisticRegression, LogisticRegression};
use ndarray::{Array1, Array2, ShapeBuilder};

pub struct Logistic {
    mean: Vec<f64>,
    scale: Vec<f64>,
    model: FittedLogisticRegression<f64, bool>,
}

/// Standardizes row-major `x` into a column-major matrix. The layout matters for speed: the
/// gradient linfa-logistic computes is `xᵀ·r`, and without a BLAS ndarray evaluates it row by row
/// of `xᵀ`, which is a contiguous column here but a strided walk over the whole matrix per
/// feature in row-major order (about 3x slower on 90k x 61 training rows).
fn standardize(x: &[f64], width: usize, mean: &[f64], scale: &[f64]) -> Result<Array2<f64>> {
    let rows = x.len() / width.max(1);
    let mut data = Vec::with_capacity(rows * width);
    for c in 0..width {
        data.extend(x.iter().skip(c).step_by(width).map(|&v| {
            if v.is_finite() {
                (v - mean[c]) / scale[c]
            } else {
                0.0
            }
        }));
    }
    Array2::from_shape_vec((rows, width).f(), data).context("shaping the feature matrix")
}

impl Logistic {
    pub fn fit(x: &[f64], y: &[f32], width: usize) -> Result<Logistic> {
        let mut mean = vec![0.0; width];
        let mut scale = vec![1.0; width];
        for c in 0..width {
            let col: Vec<f64> = x
                .iter()
                .skip(c)
                .step_by(width)
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            if col.len() >= 2 {
                let m = col.iter().sum::<f64>() / col.len() as f64;
                let var = col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (col.len() - 1) as f64;
                mean[c] = m;
                scale[c] = if var > 0.0 { var.sqrt() } else { 1.0 };
            }
        }
        let xs = standardize(x, width, &mean, &scale)?;
        let ys: Array1<bool> = y.iter().map(|&v| v > 0.5).collect();
        let model = LogisticRegression::default()
            .alpha(1.0)
            .max_iterations(200)
            .fit(&Dataset::new(xs, ys))
            .context("fitting the logistic baseline")?;
        Ok(Logistic { mean, scale, model })
    }

    /// P(next day negative). linfa reports the probability of the class it labelled positive,
    /// which is not necessarily `true`; flip when it is not.
    pub fn predict(&self, x: &[f64], width: usize) -> Result<Vec<f64>> {
        if x.is_empty() {
            return Ok(Vec::new());
        }
        let xs = standardize(x, width, &self.mean, &self.scale)?;
        let p = self.model.predict_probabilities(&xs);
        let pos_is_true = self.model.labels().pos.class;
        Ok(p.iter()
            .map(|&v| if pos_is_true { v } else { 1.0 - v })
            .collect())
    }
}
