//! Training: purged walk-forward validation, LightGBM with a logistic baseline, calibration,
//! threshold, and the versioned artifact the shared crate scores with.

mod folds;
mod gbm;
mod logistic;
mod run;

pub use run::{TrainArgs, train};
