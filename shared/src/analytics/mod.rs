//! What the trader and model pages show beyond the latest prediction: how a trader's win rate,
//! habits and hours have gone over their history, how past predictions fared, and what the model
//! made of each past day.
//!
//! These are views of numbers computed elsewhere — the feature matrix ([`crate::features`]), the
//! daily table ([`crate::daily`]), the backtest file ([`crate::backtest`]) and the scorer's SHAP
//! ([`crate::score::Scorer::explain`]) — reshaped into series, counts and chart layouts. Nothing
//! here recomputes a feature, so the timelines agree with what the model was fed, and both the web
//! app and a report can draw the same pictures from them.

mod behaviour;
mod drift;
#[cfg(test)]
mod fixture;
mod lineage;
mod predictions;
mod shap_history;
mod time_of_day;

pub use behaviour::{BehaviourFlags, DISPOSITION_RATIO, FlagCounts};
pub use drift::{WinRateDrift, account_rows};
pub use lineage::{PromotionAction, PromotionEntry, parse_history};
pub use predictions::PredictionHistory;
pub use shap_history::{Beeswarm, ShapHistory, SwarmPoint};
pub use time_of_day::{Bucket, BucketPnl, time_of_day};
