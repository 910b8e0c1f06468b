//! The policy: everything that turns a calibrated probability into an action — the threshold
//! rule (a restriction budget by default), tier cuts, loss limits, the rules and when they may
//! override the model, minimum history and staleness.
//!
//! It is published with each model version (`models/<version>/policy.json`), so the browser,
//! the morning run and the backtest decide with the same settings, and a rollback restores model
//! and policy together. The public copy leaves out the per-account loss limits (the firm's
//! internal data, [`Policy::public`]); the page loads those only with a manager's token.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::artifact::ModelArtifact;
use crate::rules::{RulesConfig, Thresholds, TierConfig};

/// How the model's thresholds are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ThresholdRule {
    /// A restriction budget: the model restricts (cuts the limit of) at most `share` of active
    /// trader-days, `high_share` of them in the high tier. Turned into probabilities on the
    /// out-of-fold predictions of validation (`risk.restrict_share`, `risk.high_share`).
    RestrictShare { share: f64, high_share: f64 },
    /// A fixed high-risk probability, the moderate band below it (`risk.prob_threshold`).
    Fixed { probability: f64 },
    /// The threshold of least expected cost on validation (`risk.cost_matrix`); chosen when the
    /// model is trained, so new costs need a retrain.
    MinCost {
        false_positive: f64,
        false_negative: f64,
    },
    /// Maximal F1 on validation (flags nearly everyone when most trader-days lose).
    MaxF1,
}

impl Default for ThresholdRule {
    fn default() -> Self {
        ThresholdRule::RestrictShare {
            share: 0.25,
            high_share: 0.10,
        }
    }
}

impl ThresholdRule {
    /// "a restriction budget of 25% of trader-days (10% high)".
    pub fn describe(&self) -> String {
        match self {
            ThresholdRule::RestrictShare { share, high_share } => format!(
                "a restriction budget of {:.0}% of trader-days ({:.0}% high risk)",
                share * 100.0,
                high_share * 100.0
            ),
            ThresholdRule::Fixed { probability } => {
                format!("a fixed threshold of {:.0}%", probability * 100.0)
            }
            ThresholdRule::MinCost {
                false_positive,
                false_negative,
            } => format!(
                "minimal cost (false positive {false_positive}, false negative {false_negative})"
            ),
            ThresholdRule::MaxF1 => "maximal F1".to_owned(),
        }
    }
}

/// Everything that turns a probability into a decision. Units: dollars for limits, fractions
/// (0–1) for cuts and shares, trading days for history, business days for staleness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// How the thresholds are chosen.
    pub threshold: ThresholdRule,
    /// Moderate band and the cut per tier.
    pub tiers: TierConfig,
    /// The rules engine, and which of its hits may override the model.
    pub rules: RulesConfig,
    /// Daily loss limit of a trader without an entry in `loss_limits`, in dollars.
    pub base_loss_limit: f64,
    /// Per-account daily loss limits, in dollars (left out of the public copy).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub loss_limits: BTreeMap<String, f64>,
    /// Upper bound of any cut (`risk.loss_cap`).
    pub max_cut: f64,
    /// How many risk factors and "going well" items to put into words.
    pub top_factors: usize,
    /// Contributions smaller than this many probability points are not worth a sentence.
    pub min_points: f64,
    /// Business days without a trade after which a trader is stale: listed, not scored.
    pub stale_after_days: u32,
    /// Calendar days without a trade after which a trader has left the desk (not listed by the
    /// morning run; listed as departed by the page).
    pub active_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            threshold: ThresholdRule::default(),
            tiers: TierConfig::default(),
            rules: RulesConfig::default(),
            base_loss_limit: 5_000.0,
            loss_limits: BTreeMap::new(),
            max_cut: 0.80,
            top_factors: 3,
            min_points: 0.5,
            stale_after_days: 5,
            active_days: 30,
        }
    }
}

impl Policy {
    /// The trader's daily loss limit in dollars.
    pub fn loss_limit(&self, account: &str) -> f64 {
        self.loss_limits
            .get(account)
            .copied()
            .unwrap_or(self.base_loss_limit)
    }

    /// The copy anyone may read: per-account limits removed.
    pub fn public(&self) -> Policy {
        Policy {
            loss_limits: BTreeMap::new(),
            ..self.clone()
        }
    }

    /// The thresholds this policy uses with `artifact`: a budget reads them off the artifact's
    /// out-of-fold probability quantiles (so a new budget needs no retrain), a fixed threshold is
    /// itself, cost and F1 use what validation chose when the model was trained.
    pub fn thresholds(&self, artifact: &ModelArtifact) -> Thresholds {
        let t = &artifact.threshold;
        let trained = || Thresholds {
            high: t.value,
            restrict: t
                .restrict_from
                .unwrap_or(t.value - self.tiers.moderate_band),
        };
        match &self.threshold {
            ThresholdRule::RestrictShare { share, high_share } if !t.quantiles.is_empty() => {
                Thresholds {
                    high: quantile_of(&t.quantiles, 1.0 - high_share),
                    restrict: quantile_of(&t.quantiles, 1.0 - share),
                }
            }
            ThresholdRule::Fixed { probability } => Thresholds::banded(*probability, &self.tiers),
            _ => trained(),
        }
    }

    /// Checks every value a policy file can hold; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let frac = |key: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!(
                    "{key}: expected a fraction between 0 and 1, found {v}"
                ))
            }
        };
        match &self.threshold {
            ThresholdRule::RestrictShare { share, high_share } => {
                frac("risk.restrict_share", *share)?;
                frac("risk.high_share", *high_share)?;
                if high_share > share {
                    return Err(format!(
                        "risk.high_share: the high tier ({high_share}) cannot be larger than the \
                         whole restriction budget risk.restrict_share ({share})"
                    ));
                }
            }
            ThresholdRule::Fixed { probability } => frac("risk.prob_threshold", *probability)?,
            ThresholdRule::MinCost {
                false_positive,
                false_negative,
            } => {
                if !(*false_positive > 0.0 && *false_negative > 0.0) {
                    return Err("risk.cost_matrix: both costs must be positive numbers".to_owned());
                }
            }
            ThresholdRule::MaxF1 => {}
        }
        frac("risk.loss_cap", self.max_cut)?;
        frac("risk.tiers.high_cut", self.tiers.high_cut)?;
        frac("risk.tiers.moderate_cut", self.tiers.moderate_cut)?;
        frac("risk.tiers.moderate_band", self.tiers.moderate_band)?;
        if !(self.base_loss_limit.is_finite() && self.base_loss_limit > 0.0) {
            return Err(format!(
                "risk.base_loss_limit: expected a positive dollar amount, found {}",
                self.base_loss_limit
            ));
        }
        for (account, limit) in &self.loss_limits {
            if !(limit.is_finite() && *limit > 0.0) {
                return Err(format!(
                    "risk.loss_limits.{account}: expected a positive dollar amount, found {limit}"
                ));
            }
        }
        Ok(())
    }
}

/// The `q` quantile (0–1) read off quantiles stored at equal steps from 0 to 1, interpolating.
pub fn quantile_of(quantiles: &[f64], q: f64) -> f64 {
    match quantiles {
        [] => f64::NAN,
        [only] => *only,
        _ => {
            let pos = q.clamp(0.0, 1.0) * (quantiles.len() - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(quantiles.len() - 1);
            let w = pos - lo as f64;
            quantiles[lo] * (1.0 - w) + quantiles[hi] * w
        }
    }
}

/// `n + 1` quantiles of `values` at equal steps from 0 to 1 (linear interpolation, numpy's
/// default), what [`Policy::thresholds`] reads a budget from.
pub fn quantiles(values: &[f64], n: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() || n == 0 {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    (0..=n)
        .map(|k| crate::features::window::quantile_sorted(&v, k as f64 / n as f64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_round_trip_a_budget() {
        let p: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
        let q = quantiles(&p, 200);
        assert_eq!(q.len(), 201);
        let t = quantile_of(&q, 0.75);
        let share = p.iter().filter(|&&x| x >= t).count() as f64 / p.len() as f64;
        assert!((share - 0.25).abs() < 0.002, "{share}");
    }

    #[test]
    fn public_copy_has_no_account_limits() {
        let mut p = Policy::default();
        p.loss_limits.insert("NET001".into(), 8_000.0);
        assert_eq!(p.loss_limit("NET001"), 8_000.0);
        let json = serde_json::to_string(&p.public()).unwrap_or_default();
        assert!(!json.contains("NET001"), "{json}");
        assert!(!json.contains("loss_limits"), "{json}");
    }

    #[test]
    fn validate_names_the_key() {
        let p = Policy {
            threshold: ThresholdRule::RestrictShare {
                share: 0.1,
                high_share: 0.2,
            },
            ..Policy::default()
        };
        assert!(p.validate().unwrap_err().starts_with("risk.high_share"));
        assert!(Policy::default().validate().is_ok());
    }
}
