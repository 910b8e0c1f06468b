//! Training: purged walk-forward validation, LightGBM with a logistic baseline, calibration,
//! threshold, and the versioned artifact the shared crate scores with.

mod backtest;
mod export;
mod folds;
mod gate;
mod gbm;
mod learner;
mod logistic;
mod pipeline;
mod replay;
mod run;

pub use backtest::{BacktestReport, BacktestRequest, Retrain, backtest};
pub use export::{ExportFeaturesRequest, export_features};
pub use folds::{DEFAULT_EMBARGO_DAYS, FoldPlan};
pub use run::{ModelRequest, TrainRequest, train};
