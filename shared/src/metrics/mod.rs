//! Model-quality metrics, computed once here so the training report, the model page in the
//! browser and the backtest agree on every figure.
//!
//! All functions take predicted probabilities and 0/1 outcomes (1 = the day closed negative) and
//! return `None` when the metric is undefined for the input (no positives, no negatives, empty),
//! rather than a number that looks meaningful.

mod classification;
mod value;

pub use classification::{
    Confusion, ReliabilityBin, base_rate, brier, confusion_at, expected_calibration_error, pr_auc,
    recall_at_precision, reliability, roc_auc, threshold_max_f1, threshold_min_cost,
};
pub use value::{CostMatrix, ev_lift};
