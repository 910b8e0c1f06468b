//! Scoring: the one entry point, [`score`], that turns a daily table into each trader's risk for
//! the next session — used by the morning run on the server and by the web app in the browser,
//! so both say the same thing to the cent and to the word.
//!
//! Per trader: the model's calibrated probability that the next day closes negative, its tier
//! and confidence, exact TreeSHAP explanations turned into sentences, the rules engine's verdict,
//! and a limit recommendation where the larger of the model's and the rules' cuts wins. The rules
//! decide alone when there is no usable model or too little history. [`what_if`] re-scores a
//! trader's latest day as if it had been traded differently and lists the features that moved
//! the probability.

mod config;
mod scorer;
mod what_if_diff;
mod words;

pub use config::ScoringConfig;
pub use scorer::{
    Explanation, Recommendation, ScoreError, Scorer, System, TraderRisk, decide, score,
};
pub use what_if_diff::{FeatureMove, WhatIfOutcome, feature_moves, what_if, what_if_against};
pub use words::{Factor, factors};
