//! Scoring settings (the `risk.*` and `rules.*` sections of `config.yaml`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rules::{RulesConfig, TierConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// Tier band and the cut per tier.
    pub tiers: TierConfig,
    /// The rules engine.
    pub rules: RulesConfig,
    /// Daily loss limit of a trader without an override, in dollars.
    pub base_loss_limit: f64,
    /// Per-account loss limits.
    pub loss_limits: BTreeMap<String, f64>,
    /// Upper bound of any combined cut (`risk.loss_cap`).
    pub max_cut: f64,
    /// How many risk factors and "going well" items to put into words.
    pub top_factors: usize,
    /// Contributions smaller than this many probability points are not worth a sentence.
    pub min_points: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            tiers: TierConfig::default(),
            rules: RulesConfig::default(),
            base_loss_limit: 5_000.0,
            loss_limits: BTreeMap::new(),
            max_cut: 0.80,
            top_factors: 3,
            min_points: 0.5,
        }
    }
}

impl ScoringConfig {
    pub fn loss_limit(&self, account: &str) -> f64 {
        self.loss_limits
            .get(account)
            .copied()
            .unwrap_or(self.base_loss_limit)
    }
}
