//! The scorer: a validated model plus the logic that turns a trader's latest feature row into a
//! [`TraderRisk`].

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::words::{Factor, factors};
use crate::artifact::{ArtifactError, ModelArtifact};
use crate::calibration::Confidence;
use crate::decision::{self, Basis, Decision, ModelView, OwnHistory, business_days_between};
use crate::explain::{ShapExplainer, to_probability_space};
use crate::features::{self, FeatureContext, FeatureRowKey, WhatIfError};
use crate::model::{InputError, LgbmModel, ModelError};
use crate::policy::Policy;
use crate::rules::{self, RulesDecision, Thresholds};
use crate::{Account, DailyRow};

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

    /// Why this model cannot score `date` with `ctx`'s market series: it was trained with a
    /// series that is not loaded, is another one, or does not cover the day. `None` when the
    /// model needs no series or the series covers the day. Shared by the morning run and the
    /// page, so neither scores with the market features silently missing.
    pub fn market_gap(&self, ctx: &FeatureContext, date: NaiveDate) -> Option<String> {
        market_gap(self.artifact.market.as_deref(), ctx.market.as_ref(), date)
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    pub features: Vec<String>,
    /// The model's input values (NaN = missing, `null` in JSON).
    #[serde(with = "nan_as_null")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Option<f64>>))]
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

/// One trader's risk for the next session: the model's view (when it scored) and the one
/// [`Decision`] every surface shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderRisk {
    pub account_id: Account,
    /// The trader's last trading day in the data: the prediction is for the session after the
    /// scored session date.
    pub as_of: NaiveDate,
    pub trading_days: usize,
    /// Calibrated P(next day closes negative), 0–1; `None` when the model did not score.
    pub probability: Option<f64>,
    pub confidence: Option<Confidence>,
    /// The probabilities where the tiers begin, when the model scored.
    pub thresholds: Option<Thresholds>,
    pub decision: Decision,
    /// Largest contributions towards a loss, in words.
    pub risk_factors: Vec<Factor>,
    /// Largest contributions against a loss.
    pub going_well: Vec<Factor>,
    /// The rules' verdict on the same history (whether or not they decided).
    pub rules: RulesDecision,
    pub explanation: Option<Explanation>,
}

/// Why a model trained with the market series `trained_with` cannot score `date` with `market`
/// (none loaded, another one, or no value for the day, naming it); `None` when it can, or when
/// the model was trained without one. [`Scorer::market_gap`] for a scorer; the backtest, whose
/// models are fitted on the same matrix, calls it with the matrix's series.
pub fn market_gap(
    trained_with: Option<&str>,
    market: Option<&crate::features::MarketSeries>,
    date: NaiveDate,
) -> Option<String> {
    let name = trained_with?;
    match market {
        None => Some(format!(
            "the model was trained with the market series {name}, and none is loaded \
             (`dars ingest` its file; the page reads the server's)"
        )),
        Some(m) if m.name() != name => Some(format!(
            "the model was trained with the market series {name}, but the one loaded is {}",
            m.name()
        )),
        Some(m) => m
            .gap_on(date)
            .map(|gap| format!("the model reads the market series {name}, {gap}")),
    }
}

/// The session being scored: the newest day in `daily` unless given.
pub fn session_date(daily: &[DailyRow]) -> Option<NaiveDate> {
    daily.iter().map(|r| r.date).max()
}

/// Every trader's risk for the session after `session` (default: the newest day in the data),
/// in account order. Traders idle for more than the policy's staleness setting are listed with
/// a stale decision and not scored. With no `scorer` (no model, or one that failed to load) the
/// rules decide for everyone.
pub fn score(
    scorer: Option<&Scorer>,
    daily: &[DailyRow],
    ctx: &FeatureContext,
    policy: &Policy,
    session: Option<NaiveDate>,
) -> Vec<TraderRisk> {
    let Some(session) = session.or_else(|| session_date(daily)) else {
        return Vec::new();
    };
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
            let idle = business_days_between(key.date, session);
            let departed = (session - key.date).num_days() > i64::from(policy.active_days);
            if departed || idle > policy.stale_after_days {
                return TraderRisk {
                    account_id: key.account_id.clone(),
                    as_of: key.date,
                    trading_days: n,
                    probability: None,
                    confidence: None,
                    thresholds: None,
                    decision: decision::stale(
                        key.date,
                        idle,
                        departed,
                        policy.loss_limit(&key.account_id),
                    ),
                    risk_factors: Vec::new(),
                    going_well: Vec::new(),
                    rules: RulesDecision::default(),
                    explanation: None,
                };
            }
            risk_for_row(
                scorer,
                key,
                m.row(i),
                n,
                history_upto(&histories, key),
                ctx,
                policy,
            )
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
    ctx: &FeatureContext,
    policy: &Policy,
) -> TraderRisk {
    let base_limit = policy.loss_limit(&key.account_id);
    let rules = rules::evaluate(&totals, &policy.rules, base_limit);
    let needed = policy.rules.min_history_days;
    let own_history = OwnHistory::short(trading_days, needed);
    let market_gap = scorer.and_then(|s| s.market_gap(ctx, key.date));
    let model = match scorer {
        None => Err(Basis::NoModel("no model is published")),
        Some(_) if market_gap.is_some() => {
            Err(Basis::NoModel(market_gap.as_deref().unwrap_or_default()))
        }
        Some(s) if !s.artifact.scores(own_history) => Err(Basis::NewTrader {
            trading_days,
            needed,
        }),
        Some(s) => Ok((s, s.explain(row))),
    };
    // The risk of a trader the model did not score: the decision and the rules' verdict only.
    let unscored = |decision: Decision, rules: RulesDecision| TraderRisk {
        account_id: key.account_id.clone(),
        as_of: key.date,
        trading_days,
        probability: None,
        confidence: None,
        thresholds: None,
        decision,
        risk_factors: Vec::new(),
        going_well: Vec::new(),
        rules,
        explanation: None,
    };
    match model {
        Ok((s, Ok(e))) => {
            let thresholds = policy.thresholds(&s.artifact);
            let points: Vec<f64> = e
                .probability_contributions
                .iter()
                .map(|v| v * 100.0)
                .collect();
            let (risk_factors, going_well) = factors(
                &e.features,
                &e.values,
                &points,
                policy.top_factors,
                policy.min_points,
            );
            let d = decision::decide(
                Basis::Model(ModelView {
                    version: &s.artifact.version,
                    probability: e.probability,
                    thresholds,
                    factors: &risk_factors,
                    own_history,
                }),
                &rules,
                base_limit,
                policy,
            );
            TraderRisk {
                probability: Some(e.probability),
                confidence: Some(s.artifact.calibration.confidence_at(e.raw_probability)),
                thresholds: Some(thresholds),
                risk_factors,
                going_well,
                explanation: Some(e),
                ..unscored(d, rules)
            }
        }
        Ok((_, Err(e))) => {
            let why = format!("the model could not score this trader: {e}");
            let d = decision::decide(Basis::NoModel(&why), &rules, base_limit, policy);
            unscored(d, rules)
        }
        Err(basis) => {
            let d = decision::decide(basis, &rules, base_limit, policy);
            unscored(d, rules)
        }
    }
}
