//! Why the model said what it said: exact SHAP values for every prediction.
//!
//! [`ShapExplainer`] computes path-dependent TreeSHAP for an [`crate::model::LgbmModel`], equal
//! to LightGBM's `predict(X, pred_contrib=True)` (contributions, then the expected value) and
//! summing to the margin; it keeps its scratch memory between rows so batches do not allocate.
//! [`to_probability_space`] restates those margin-space values in probability points for the
//! page, summing exactly to `p − p_base`.

mod probability;
mod tree_shap;

pub use probability::{ProbabilityShap, to_probability_space};
pub use tree_shap::{Shap, ShapExplainer, tree_shap};
