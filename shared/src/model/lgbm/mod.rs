//! LightGBM binary classifiers from LightGBM's own text model format, evaluated in pure Rust.
//!
//! [`LgbmModel::parse`] reads the text that `Booster.save_model` / `model_to_string` (or
//! `lightgbm3`'s `save_file`) writes, validates all of it and keeps a compact form;
//! [`LgbmModel::predict_margin`] and [`LgbmModel::predict_proba`] then reproduce LightGBM's
//! `predict(raw_score=True)` and `predict()` bit for bit on the golden vectors in
//! `tests/fixtures/lgbm/` (made by `make_golden.py` there with LightGBM 4.7.0).
//!
//! What is supported, and what is refused with [`crate::model::ModelError::Unsupported`]:
//! - format `version=v4`, `objective=binary` with an optional `sigmoid:` scale, one class;
//! - numerical splits with all three missing-value types, routed exactly as LightGBM's
//!   `Tree::NumericalDecision` does: missing type NaN sends NaN the default direction; Zero
//!   sends NaN *and* 0 (|x| ≤ 1e-35) the default direction; None reads NaN as 0.0 and compares
//!   it with the threshold. LightGBM's predictor also drops |x| ≤ 1e-35 to 0.0 before any tree
//!   sees it, so we do too. `x <= threshold` goes left, compared in f64 as LightGBM does;
//! - refused: categorical splits (the DARS features are all numeric, and LightGBM's category
//!   bitsets would be a second decision path to keep exact), linear trees (`is_linear=1`),
//!   random-forest averaging (`average_output`), multiclass and other objectives. Trees deeper
//!   than [`MAX_DEPTH`] are refused too, which bounds recursion and TreeSHAP's scratch memory.
//!
//! Why not the `treeshap` crate (0.1.0, reviewed from its published source): it is small,
//! careful and no_std, and its path-dependent TreeSHAP matches LightGBM, but it rejects
//! `missing_type=Zero` splits outright (models trained with `zero_as_missing=true` would not
//! load), ignores the objective's `sigmoid:` parameter, does not check the format version, the
//! tree count or that `internal_count` equals the sum of its children (which TreeSHAP's local
//! accuracy depends on), reports errors by field name only (no line or tree), and allocates a
//! fresh path buffer per node visit from a pool, so a batch is not allocation-free. Adding those
//! would mean forking a young single-author crate; the parser and evaluator here are a few
//! hundred lines with the same golden tests deciding, so we own them instead.

mod booster;
mod raw;
mod tree;

pub use booster::LgbmModel;
pub use tree::MAX_DEPTH;

pub(crate) use booster::sigmoid as sigmoid_link;
pub(crate) use tree::{Split, Tree};
