//! The scorer: a validated model plus the logic that turns a trader's latest feature row into a
//! [`TraderRisk`].

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::config::ScoringConfig;
use super::words::{Factor, factors};
use crate::DailyRow;
use crate::artifact::{ArtifactError, ModelArtifact};
use crate::calibration::Confidence;
use crate::explain::{ShapExplainer, to_probability_space};
use crate::features::{self, FeatureContext, FeatureRowKey, WhatIfError};
use crate::model::{InputError, LgbmModel, ModelError};
use crate::rules::{self, RulesDecision, Tier};

/// Why a model cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error("the LightGBM model inside the artifact is invalid: {0}")]
    Model(#[from] ModelError),
    #[error("the model uses feature {0:?}, which this version of DARS does not compute")]
    UnknownFeature(String),
    #[error("the artifact lists {artifact} features but its LightGBM model has {model}")]
    FeatureCount { artifact: usize, model: usize },
    #[error(
        "feature {position} is {artifact:?} in the artifact but {model:?} in its LightGBM model"
    )]
    FeatureName {
        position: usize,
        artifact: String,
        model: String,
    },
    #[error(transparent)]
    WhatIf(#[from] WhatIfError),
    #[error(transparent)]
    Input(#[from] InputError),
}

/// A model ready to score: the artifact, its parsed LightGBM model, and where each of its
/// features sits in the feature matrix this build computes.
#[derive(Debug, Clone)]
pub struct Scorer {
    artifact: ModelArtifact,
    model: LgbmModel,
    columns: Vec<usize>,
}

impl Scorer {
    pub fn from_json(text: &str) -> Result<Scorer, ScoreError> {
        Scorer::new(ModelArtifact::from_json(text)?)
    }

    /// Validates the artifact against its embedded model and against this build's features.
    pub fn new(artifact: ModelArtifact) -> Result<Scorer, ScoreError> {
        let model = LgbmModel::parse(&artifact.lightgbm_model)?;
        let names = model.feature_names();
        if names.len() != artifact.features.len() {
            return Err(ScoreError::FeatureCount {
                artifact: artifact.features.len(),
                model: names.len(),
            });
        }
        let mut columns = Vec::with_capacity(names.len());
        for (position, (spec, name)) in artifact.features.iter().zip(names).enumerate() {
            if &spec.name != name {
                return Err(ScoreError::FeatureName {
                    position,
                    artifact: spec.name.clone(),
                    model: name.clone(),
                });
            }
            let col =
                features::index_of(name).ok_or_else(|| ScoreError::UnknownFeature(name.clone()))?;
            columns.push(col);
        }
        Ok(Scorer {
            artifact,
            model,
            columns,
        })
    }

    pub fn artifact(&self) -> &ModelArtifact {
        &self.artifact
    }

    pub fn model(&self) -> &LgbmModel {
        &self.model
    }

    /// The model's input row picked out of a feature-matrix row.
    fn model_row(&self, matrix_row: &[f64]) -> Vec<f64> {
        self.columns
            .iter()
            .map(|&c| matrix_row.get(c).copied().unwrap_or(f64::NAN))
            .collect()
    }

    /// Calibrated probability for one feature-matrix row, without its explanation: a backtest
    /// scores every past day, and SHAP would be nearly all of its cost.
    pub fn probability(&self, matrix_row: &[f64]) -> Result<f64, ScoreError> {
        let row = self.model_row(matrix_row);
        let p = self.model.predict_proba(&row)?;
        Ok(self.artifact.calibration.apply(p))
    }

    /// Calibrated probability and its explanation for one feature-matrix row.
    pub fn explain(&self, matrix_row: &[f64]) -> Result<Explanation, ScoreError> {
        let row = self.model_row(matrix_row);
        let shap = ShapExplainer::new(&self.model).explain(&row)?;
        let prob = to_probability_space(&shap, self.model.sigmoid());
        let cal = &self.artifact.calibration;
        let probability = cal.apply(prob.probability);
        let base_probability = cal.apply(prob.expected_value);
        // Restate the raw-probability contributions on the calibrated scale so the waterfall
        // ends at the probability shown. Calibration is monotone, so signs are kept.
        let raw_delta = prob.probability - prob.expected_value;
        let scale = if raw_delta.abs() > 1e-12 {
            (probability - base_probability) / raw_delta
        } else {
            1.0
        };
        Ok(Explanation {
            features: self
                .artifact
                .features
                .iter()
                .map(|f| f.name.clone())
                .collect(),
            values: row,
            margin: shap.margin(),
            margin_base: shap.expected_value,
            margin_contributions: shap.values,
            raw_probability: prob.probability,
            probability,
            base_probability,
            probability_contributions: prob.values.iter().map(|v| v * scale).collect(),
        })
    }
}

/// Exact TreeSHAP of one prediction, in margin space and on the calibrated probability scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub features: Vec<String>,
    /// The model's input values (NaN = missing).
    #[serde(with = "nan_as_null")]
    pub values: Vec<f64>,
    /// Raw margin (log-odds) = `margin_base + Σ margin_contributions`.
    pub margin: f64,
    pub margin_base: f64,
    pub margin_contributions: Vec<f64>,
    /// The model's uncalibrated probability.
    pub raw_probability: f64,
    /// Calibrated probability = `base_probability + Σ probability_contributions`.
    pub probability: f64,
    pub base_probability: f64,
    pub probability_contributions: Vec<f64>,
}

/// JSON has no NaN; a missing feature value is `null`.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| x.is_finite().then_some(*x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let v = Vec::<Option<f64>>::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}

/// Which system produced the recommendation's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum System {
    Model { version: String },
    Rules { reason: String },
}

/// The limit recommendation for the next session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub base_limit: f64,
    /// Fraction of the limit to cut (0.4 = 40%).
    pub cut: f64,
    pub new_limit: f64,
    /// The model tier's cut, when the model scored this trader.
    pub model_cut: Option<f64>,
    pub rules_cut: f64,
    /// `model`, `rules`, `model and rules` (equal cuts) or `none`.
    pub decided_by: String,
    /// "Reduce limit by 40%: $3,000 (was $5,000)".
    pub text: String,
}

/// One trader's risk for the next session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderRisk {
    pub account_id: String,
    /// The last trading day in the data: the prediction is for the session after it.
    pub as_of: NaiveDate,
    pub trading_days: usize,
    pub system: System,
    /// Calibrated P(next day closes negative); `None` when the rules decided alone.
    pub probability: Option<f64>,
    pub tier: Tier,
    pub confidence: Option<Confidence>,
    pub threshold: Option<f64>,
    pub recommendation: Recommendation,
    /// Largest contributions towards a loss, in words.
    pub risk_factors: Vec<Factor>,
    /// Largest contributions against a loss.
    pub going_well: Vec<Factor>,
    pub rules: RulesDecision,
    pub explanation: Option<Explanation>,
}

/// Every trader's risk for the session after their latest trading day, in account order. With
/// no `scorer` (no model, or one that failed to load) the rules decide for everyone.
pub fn score(
    scorer: Option<&Scorer>,
    daily: &[DailyRow],
    ctx: &FeatureContext,
    cfg: &ScoringConfig,
) -> Vec<TraderRisk> {
    let m = features::build(daily, ctx);
    let histories = histories(daily);
    let mut days: HashMap<&str, usize> = HashMap::new();
    for k in &m.rows {
        *days.entry(k.account_id.as_str()).or_default() += 1;
    }
    m.latest_rows()
        .into_iter()
        .map(|i| {
            let key = &m.rows[i];
            let n = days.get(key.account_id.as_str()).copied().unwrap_or(0);
            risk_for_row(scorer, key, m.row(i), n, history_upto(&histories, key), cfg)
        })
        .collect()
}

fn histories(daily: &[DailyRow]) -> HashMap<&str, Vec<(NaiveDate, f64)>> {
    let mut out: HashMap<&str, Vec<(NaiveDate, f64)>> = HashMap::new();
    for r in daily {
        out.entry(r.account_id.as_str())
            .or_default()
            .push((r.date, r.total_delta));
    }
    for v in out.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    out
}

fn history_upto(h: &HashMap<&str, Vec<(NaiveDate, f64)>>, key: &FeatureRowKey) -> Vec<f64> {
    h.get(key.account_id.as_str())
        .map(|v| {
            v.iter()
                .take_while(|x| x.0 <= key.date)
                .map(|x| x.1)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn risk_for_row(
    scorer: Option<&Scorer>,
    key: &FeatureRowKey,
    row: &[f64],
    trading_days: usize,
    totals: Vec<f64>,
    cfg: &ScoringConfig,
) -> TraderRisk {
    let rules = rules::evaluate(&totals, &cfg.rules);
    let model = match scorer {
        None => Err("no model is published".to_owned()),
        Some(_) if trading_days < cfg.rules.min_history_days => Err(format!(
            "only {trading_days} trading day{} of history (the model needs {})",
            if trading_days == 1 { "" } else { "s" },
            cfg.rules.min_history_days
        )),
        Some(s) => s
            .explain(row)
            .map(|e| (s, e))
            .map_err(|e| format!("the model could not score this trader: {e}")),
    };
    let base_limit = cfg.loss_limit(&key.account_id);
    match model {
        Ok((s, e)) => {
            let threshold = s.artifact.threshold.value;
            let (tier, recommendation) =
                decide(Some((e.probability, threshold)), rules.cut, base_limit, cfg);
            let points: Vec<f64> = e
                .probability_contributions
                .iter()
                .map(|v| v * 100.0)
                .collect();
            let (risk_factors, going_well) = factors(
                &e.features,
                &e.values,
                &points,
                cfg.top_factors,
                cfg.min_points,
            );
            TraderRisk {
                account_id: key.account_id.clone(),
                as_of: key.date,
                trading_days,
                system: System::Model {
                    version: s.artifact.version.clone(),
                },
                probability: Some(e.probability),
                tier,
                confidence: Some(s.artifact.calibration.confidence_at(e.raw_probability)),
                threshold: Some(threshold),
                recommendation,
                risk_factors,
                going_well,
                rules,
                explanation: Some(e),
            }
        }
        Err(reason) => {
            let (tier, recommendation) = decide(None, rules.cut, base_limit, cfg);
            TraderRisk {
                account_id: key.account_id.clone(),
                as_of: key.date,
                trading_days,
                system: System::Rules { reason },
                probability: None,
                tier,
                confidence: None,
                threshold: None,
                recommendation,
                risk_factors: Vec::new(),
                going_well: Vec::new(),
                rules,
                explanation: None,
            }
        }
    }
}

/// Tier and recommendation from the model's (probability, threshold), when it scored, and the
/// rules' verdict: the one decision the morning run, the web app and backtests share.
pub fn decide(
    model: Option<(f64, f64)>,
    rules_cut: f64,
    base_limit: f64,
    cfg: &ScoringConfig,
) -> (Tier, Recommendation) {
    match model {
        Some((p, threshold)) => {
            let tier = Tier::of(p, threshold, &cfg.tiers);
            let model_cut = tier.cut(&cfg.tiers);
            (
                tier,
                recommend(base_limit, Some(model_cut), rules_cut, cfg.max_cut),
            )
        }
        None => {
            // Without a probability the tier follows the rules' cut.
            let tier = if rules_cut >= cfg.tiers.high_cut {
                Tier::High
            } else if rules_cut > 0.0 {
                Tier::Moderate
            } else {
                Tier::Low
            };
            (tier, recommend(base_limit, None, rules_cut, cfg.max_cut))
        }
    }
}

/// The larger of the model's and the rules' cuts wins, capped.
fn recommend(
    base_limit: f64,
    model_cut: Option<f64>,
    rules_cut: f64,
    max_cut: f64,
) -> Recommendation {
    let m = model_cut.unwrap_or(0.0);
    let cut = m.max(rules_cut).min(max_cut);
    let decided_by = if cut <= 0.0 {
        "none"
    } else if model_cut.is_some() && (m - rules_cut).abs() < 1e-12 {
        "model and rules"
    } else if model_cut.is_some() && m > rules_cut {
        "model"
    } else {
        "rules"
    };
    let new_limit = (base_limit * (1.0 - cut)).round();
    let text = if cut > 0.0 {
        format!(
            "Reduce limit by {:.0}%: {} (was {})",
            cut * 100.0,
            rules::dollars(new_limit),
            rules::dollars(base_limit)
        )
    } else {
        format!("Keep limit at {}", rules::dollars(base_limit))
    };
    Recommendation {
        base_limit,
        cut,
        new_limit,
        model_cut,
        rules_cut,
        decided_by: decided_by.into(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn larger_cut_wins_and_text_states_dollars() {
        let r = recommend(5000.0, Some(0.4), 0.3, 0.8);
        assert_eq!(r.cut, 0.4);
        assert_eq!(r.decided_by, "model");
        assert_eq!(r.text, "Reduce limit by 40%: $3,000 (was $5,000)");
        let r = recommend(5000.0, Some(0.2), 0.5, 0.8);
        assert_eq!(r.decided_by, "rules");
        assert_eq!(r.new_limit, 2500.0);
        let r = recommend(5000.0, None, 0.0, 0.8);
        assert_eq!(r.text, "Keep limit at $5,000");
        assert_eq!(r.decided_by, "none");
        let r = recommend(10_000.0, Some(0.9), 0.0, 0.8);
        assert_eq!(r.cut, 0.8);
    }
}
