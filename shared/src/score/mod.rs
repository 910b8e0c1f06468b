//! Scoring: the one entry point, [`score`], that turns a daily table into each trader's risk for
//! the next session — used by the morning run on the server and by the web app in the browser,
//! so both say the same thing to the cent and to the word.
//!
//! Per trader: the model's calibrated probability that the next day closes negative, its
//! confidence, exact TreeSHAP explanations turned into sentences, the rules engine's verdict,
//! and the one [`crate::decision::Decision`] made from them under the [`crate::policy::Policy`].
//! The rules decide alone when there is no usable model or too little history; stale traders
//! are listed, not scored.
//! [`what_if`] re-scores a trader's latest day as if it had been traded differently and lists
//! the features that moved the probability.

mod scorer;
mod what_if_diff;
mod words;

pub use scorer::{Explanation, ScoreError, Scorer, TraderRisk, market_gap, score, session_date};
pub use what_if_diff::{FeatureMove, WhatIfOutcome, feature_moves, what_if, what_if_against};
pub use words::{Factor, factors};
