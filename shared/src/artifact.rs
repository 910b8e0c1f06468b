//! The trained model as one self-describing JSON document, loaded the same way by the backend's
//! morning run and by the browser (`models/current/model.json`).
//!
//! The LightGBM model is embedded verbatim in LightGBM's own text format, so a data scientist
//! can extract it and load it in Python's LightGBM; everything needed to use it correctly
//! travels with it: the feature definitions in column order, the calibration map, the threshold
//! and how it was chosen, what it was trained on, and how well it did out of sample. Fields added
//! later carry `#[serde(default)]` so older artifacts keep loading.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calibration::Calibration;
use crate::features::{self, FeatureDef, Lookback, Unit};
use crate::metrics::ReliabilityBin;

/// Version of this document's layout. Readers accept any version up to this one.
pub const ARTIFACT_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelArtifact {
    /// Layout version ([`ARTIFACT_FORMAT`] when written).
    pub format: u32,
    /// Registry version, e.g. `20261122-0650-3f9a1c2b`.
    pub version: String,
    /// RFC 3339 UTC time of training.
    pub created_at: String,
    /// `dars` version that trained it.
    pub code_version: String,
    /// Learner name (`lightgbm`).
    pub learner: String,
    /// LightGBM text model (`tree\nversion=v4 ...`), verbatim.
    pub lightgbm_model: String,
    /// Features in the model's column order.
    pub features: Vec<FeatureSpec>,
    /// Maps the model's probability to a calibrated one.
    pub calibration: Calibration,
    /// Calibrated probability at or above which a trader is high risk.
    pub threshold: ThresholdChoice,
    /// What it was trained on.
    pub training: TrainingInfo,
    /// Out-of-sample quality.
    pub metrics: MetricsReport,
    /// Reliability diagram of the calibrated out-of-fold predictions (10 bins).
    #[serde(default)]
    pub reliability: Vec<ReliabilityBin>,
    /// Mean |SHAP| per feature over the training rows, largest first.
    #[serde(default)]
    pub feature_importance: Vec<FeatureImportance>,
    /// The model against the rules on the same out-of-fold trader-days, the figures that
    /// decided whether it could be published (`dars train`'s gate); absent in older artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against_rules: Option<AgainstRules>,
    /// How the model did, out of fold, on traders with too little history of their own, and
    /// whether it scores them (pooled across traders) instead of the rules; absent in older
    /// artifacts, which leave such traders to the rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_history: Option<ShortHistory>,
    /// The market series (its name, e.g. `VIXCLS`) the model was trained with, from the lake;
    /// absent when it was trained without one. A model with one refuses to score a day the
    /// series does not cover ([`crate::score::Scorer::market_gap`]), rather than scoring with
    /// its market features silently missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
}

impl ModelArtifact {
    /// True when the model, rather than the rules, scores traders with fewer trading days of
    /// their own than `rules.min_history_days` ([`ShortHistory::pooled`]).
    pub fn pools_short_history(&self) -> bool {
        self.short_history.as_ref().is_some_and(|s| s.pooled)
    }

    /// Whether this model scores a trader whose own history is `own` (`None`: long enough):
    /// every trader with enough history, a new one only when it pools short histories. The
    /// scorer and the backtest both ask here.
    pub fn scores(&self, own: Option<crate::decision::OwnHistory>) -> bool {
        own.is_none() || self.pools_short_history()
    }
}

/// Traders with too little history of their own (issue #13 item 3): the model scores them from
/// what it learned across all traders only when it has seen enough such trader-days out of fold,
/// from enough different traders, and ranked them better than the rules did on the same days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortHistory {
    /// "Short" means fewer trading days of the trader's own than this (`rules.min_history_days`
    /// when trained).
    pub below_days: usize,
    /// Out-of-fold trader-days scored while the trader's history was that short.
    pub rows: usize,
    /// Distinct traders among them.
    pub traders: usize,
    /// ROC AUC of the model on those trader-days, 0–1 (`None` when they are all one class).
    pub auc_model: Option<f64>,
    /// ROC AUC of the rules' cut on the same trader-days, 0–1.
    pub auc_rules: Option<f64>,
    /// Whether the model scores such traders.
    pub pooled: bool,
    /// Why, in one sentence.
    pub sentence: String,
}

impl ShortHistory {
    /// Out-of-fold trader-days needed before the model may score short histories.
    pub const MIN_ROWS: usize = 100;
    /// Distinct traders needed among them: a firm's model must have seen several traders'
    /// first days, not one trader's.
    pub const MIN_TRADERS: usize = 10;

    /// The verdict from the out-of-fold figures: pooled when at least [`Self::MIN_ROWS`]
    /// trader-days from [`Self::MIN_TRADERS`] traders were seen and the model's AUC on them is
    /// above the rules'.
    pub fn judge(
        below_days: usize,
        rows: usize,
        traders: usize,
        auc_model: Option<f64>,
        auc_rules: Option<f64>,
    ) -> ShortHistory {
        let seen = format!(
            "{rows} out-of-fold trader-day(s) from {traders} trader(s) with fewer than \
             {below_days} trading days of their own"
        );
        let (pooled, sentence) = if rows < Self::MIN_ROWS || traders < Self::MIN_TRADERS {
            (
                false,
                format!(
                    "the rules score new traders: the model has seen {seen}, and needs at least \
                     {} from {} traders",
                    Self::MIN_ROWS,
                    Self::MIN_TRADERS
                ),
            )
        } else {
            match (auc_model, auc_rules) {
                (Some(m), r) if m > r.unwrap_or(0.5) => (
                    true,
                    format!(
                        "the model scores new traders, pooled across traders: on {seen} its ROC \
                         AUC was {m:.3} against the rules' {:.3}",
                        r.unwrap_or(0.5)
                    ),
                ),
                (m, r) => (
                    false,
                    format!(
                        "the rules score new traders: on {seen} the model's ROC AUC ({}) did \
                         not beat the rules' ({})",
                        m.map_or("n/a".to_owned(), |v| format!("{v:.3}")),
                        r.map_or("n/a".to_owned(), |v| format!("{v:.3}"))
                    ),
                ),
            }
        };
        ShortHistory {
            below_days,
            rows,
            traders,
            auc_model,
            auc_rules,
            pooled,
            sentence,
        }
    }
}

/// The model against the rules out of fold: ranking (ROC AUC) and dollars (each one's cuts
/// replayed on the day's fills, as targeting lift over its own uniform baseline of the same
/// count and size), each difference with a 95% bootstrap interval over trading days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgainstRules {
    /// ROC AUC of the model's calibrated probability, 0–1.
    pub auc_model: f64,
    /// ROC AUC of the rules' cut as a score, 0–1.
    pub auc_rules: f64,
    /// 95% interval of `auc_model − auc_rules`.
    pub auc_difference_ci: (f64, f64),
    /// The model's cuts' targeting lift, dollars.
    pub lift_model: f64,
    /// The rules' cuts' targeting lift, dollars.
    pub lift_rules: f64,
    /// 95% interval of `lift_model − lift_rules`, dollars.
    pub lift_difference_ci: (f64, f64),
    /// Distinct out-of-fold trading days.
    pub trading_days: usize,
    /// Whether the gate let it be published.
    pub publish: bool,
    /// The gate's sentence.
    pub sentence: String,
}

/// A feature as the model knows it; the texts are what traders read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// What the value measures, in [`Unit::artifact_name`]'s words (`dollars`, `stddevs`);
    /// `None` (written `""`) when the artifact did not say.
    #[serde(default, with = "artifact_unit")]
    pub unit: Option<Unit>,
    /// History the value reads: a window in trading days (or `"all"`, the whole history) on the
    /// trader's or the firm's calendar, e.g. `{"window": 60, "calendar": "trader"}`. Absent in
    /// artifacts made before it was recorded; [`FeatureSpec::lookback`] then asks this build's
    /// registry.
    #[serde(default, rename = "lookback", skip_serializing_if = "Option::is_none")]
    pub declared_lookback: Option<Lookback>,
}

impl FeatureSpec {
    /// The spec of a registry entry, as `dars train` writes it.
    pub fn from_def(d: &FeatureDef) -> FeatureSpec {
        FeatureSpec {
            name: d.name.into(),
            label: d.label.into(),
            description: d.description.into(),
            unit: Some(d.unit),
            declared_lookback: Some(d.lookback),
        }
    }

    /// The history the value reads: as recorded in the artifact, else as this build's registry
    /// defines the feature of that name, else unknown (`None`).
    pub fn lookback(&self) -> Option<Lookback> {
        self.declared_lookback
            .or_else(|| features::def(&self.name).map(|d| d.lookback))
    }
}

/// `FeatureSpec::unit` as artifacts write it: the unit's [`Unit::artifact_name`], `""` for none.
mod artifact_unit {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::Unit;

    pub fn serialize<S: Serializer>(unit: &Option<Unit>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(unit.map_or("", Unit::artifact_name))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Unit>, D::Error> {
        let name = String::deserialize(d)?;
        if name.is_empty() {
            return Ok(None);
        }
        Unit::from_artifact_name(&name)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("unknown feature unit {name:?}")))
    }
}

/// How the threshold was chosen (`risk.threshold` when trained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMethod {
    /// A restriction budget: the top share of out-of-fold trader-days is cut.
    RestrictShare,
    /// A probability fixed in the configuration.
    Fixed,
    /// The least expected cost of false positives and false negatives.
    MinCost,
    /// The highest out-of-fold F1.
    MaxF1,
}

impl ThresholdMethod {
    /// The name as serialized: `restrict_share`, `fixed`, `min_cost` or `max_f1`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdMethod::RestrictShare => "restrict_share",
            ThresholdMethod::Fixed => "fixed",
            ThresholdMethod::MinCost => "min_cost",
            ThresholdMethod::MaxF1 => "max_f1",
        }
    }
}

impl std::fmt::Display for ThresholdMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ThresholdMethod {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThresholdChoice {
    /// Calibrated probability at or above which a trader is high risk.
    pub value: f64,
    /// Calibrated probability at or above which the limit is cut (moderate risk); absent in
    /// artifacts written before budgets, where it is `value` minus the moderate band.
    #[serde(default)]
    pub restrict_from: Option<f64>,
    /// How the cut-points were chosen.
    pub method: ThresholdMethod,
    /// Calibrated out-of-fold probabilities at 201 equal quantile steps (0, 0.5%, …, 100%), so
    /// a new restriction budget maps to thresholds without a retrain (`Policy::thresholds`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantiles: Vec<f64>,
    /// Out-of-fold precision, recall and F1 at the cut-point.
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingInfo {
    /// First and last feature dates of the labelled rows.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: u64,
    pub accounts: u64,
    /// Share of labelled rows whose next day closed negative.
    pub positive_rate: f64,
    /// SHA-256 of the feature matrix and labels, to tie a model to its data.
    pub data_hash: String,
    /// Trading days left out between training and test blocks.
    pub embargo_days: u32,
    /// Boosting rounds of the final model (chosen by early stopping on the folds).
    pub num_trees: u32,
    /// LightGBM parameters used, by LightGBM's names.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)
    )]
    pub params: serde_json::Value,
    /// Wall-clock seconds of the final LightGBM fit (dataset construction and boosting), so a
    /// slow retrain shows up in the registry; absent in artifacts made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_seconds: Option<f64>,
}

/// Scores of one set of predictions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scores {
    pub rows: u64,
    pub positives: u64,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub recall_at_70_precision: Option<f64>,
    pub brier: Option<f64>,
    pub ece: Option<f64>,
    /// Dollars: losses avoided minus gains forgone if flagged days had been cut.
    #[serde(default)]
    pub ev_lift: Option<f64>,
}

/// One walk-forward fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FoldReport {
    pub fold: u32,
    pub train_from: NaiveDate,
    pub train_to: NaiveDate,
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
    pub train_rows: u64,
    pub model: Scores,
    pub logistic: Scores,
    pub rules: Scores,
    /// The simulator's own probabilities on the test rows, when known (demo data only).
    #[serde(default)]
    pub oracle_auc: Option<f64>,
    pub num_trees: u32,
    /// ROC AUC of the raw (uncalibrated) LightGBM probabilities: isotonic calibration merges
    /// scores into ties, so this is the figure to compare with another LightGBM on the same fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_auc: Option<f64>,
    /// Wall-clock seconds of the fold's LightGBM fit with early stopping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricsReport {
    pub folds: Vec<FoldReport>,
    /// All out-of-fold predictions, raw model probabilities.
    pub uncalibrated: Scores,
    /// All out-of-fold predictions after calibration.
    pub calibrated: Scores,
    pub logistic: Scores,
    pub rules: Scores,
    #[serde(default)]
    pub oracle_auc: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeatureImportance {
    pub name: String,
    pub mean_abs_shap: f64,
}

/// Why an artifact could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("the model file is not valid JSON for a DARS model: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the model file has layout version {found}, newer than this program understands ({supported}); update DARS"
    )]
    TooNew { found: u32, supported: u32 },
    #[error("the model file lists no features")]
    NoFeatures,
}

impl ModelArtifact {
    /// Parses and checks the envelope; the embedded LightGBM model is validated by
    /// [`crate::model`] when it is loaded for scoring.
    pub fn from_json(text: &str) -> Result<ModelArtifact, ArtifactError> {
        let a: ModelArtifact = serde_json::from_str(text)?;
        if a.format > ARTIFACT_FORMAT {
            return Err(ArtifactError::TooNew {
                found: a.format,
                supported: ARTIFACT_FORMAT,
            });
        }
        if a.features.is_empty() {
            return Err(ArtifactError::NoFeatures);
        }
        Ok(a)
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FEATURES;

    const FIXTURE: &str = include_str!("../../tests/fixtures/artifact/model-v1.json");

    #[test]
    fn the_checked_in_artifact_records_each_features_lookback() {
        let a = ModelArtifact::from_json(FIXTURE).unwrap_or_else(|e| panic!("fixture: {e}"));
        assert_eq!(a.features.len(), FEATURES.len());
        for (spec, def) in a.features.iter().zip(FEATURES) {
            assert_eq!(spec.name, def.name);
            assert_eq!(spec.declared_lookback, Some(def.lookback), "{}", spec.name);
        }
        // Written back, the lookback survives the round trip.
        let again = ModelArtifact::from_json(&a.to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, a);
    }

    #[test]
    fn an_artifact_without_lookbacks_still_loads_and_asks_the_registry() {
        let mut json: serde_json::Value =
            serde_json::from_str(FIXTURE).unwrap_or_else(|e| panic!("fixture: {e}"));
        let features = json["features"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("features is a list"));
        for f in features.iter_mut() {
            if let Some(obj) = f.as_object_mut() {
                obj.remove("lookback");
            }
        }
        let a = ModelArtifact::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}"));
        for (spec, def) in a.features.iter().zip(FEATURES) {
            assert_eq!(spec.declared_lookback, None);
            assert_eq!(spec.lookback(), Some(def.lookback), "{}", spec.name);
        }
        // Not written back as `null`: the field stays absent.
        assert!(!a.to_json().contains("\"lookback\""));
    }

    #[test]
    fn a_lookback_reads_as_days_or_all() {
        let spec: FeatureSpec = serde_json::from_str(
            r#"{"name": "x", "lookback": {"window": "all", "calendar": "trader"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            spec.lookback().map(|l| l.window),
            Some(features::Window::All)
        );
        let spec: FeatureSpec = serde_json::from_str(
            r#"{"name": "x", "lookback": {"window": 271, "calendar": "firm"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.lookback(), Some(Lookback::firm(271)));
        for bad in [r#"0"#, r#""forever""#, r#"-3"#] {
            let text =
                format!(r#"{{"name": "x", "lookback": {{"window": {bad}, "calendar": "firm"}}}}"#);
            assert!(serde_json::from_str::<FeatureSpec>(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn units_are_written_as_artifacts_always_wrote_them() {
        for u in Unit::ALL {
            // What `FeatureSpec::from_def` wrote before the unit was typed.
            let old = format!("{u:?}").to_lowercase();
            assert_eq!(u.artifact_name(), old);
            assert_eq!(Unit::from_artifact_name(&old), Some(u));
        }
        assert!(FEATURES.iter().all(|d| Unit::ALL.contains(&d.unit)));
        let spec: FeatureSpec = serde_json::from_str(r#"{"name": "x", "unit": "stddevs"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.unit, Some(Unit::StdDevs));
        // No unit, or an empty one, is none; written back as the empty string it always was.
        for text in [r#"{"name": "x"}"#, r#"{"name": "x", "unit": ""}"#] {
            let spec: FeatureSpec = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(spec.unit, None);
            let json = serde_json::to_value(&spec).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(json["unit"], "");
        }
        assert!(
            serde_json::from_str::<FeatureSpec>(r#"{"name": "x", "unit": "std_devs"}"#).is_err()
        );
    }

    #[test]
    fn threshold_methods_are_written_by_name() {
        for (m, name) in [
            (ThresholdMethod::RestrictShare, "restrict_share"),
            (ThresholdMethod::Fixed, "fixed"),
            (ThresholdMethod::MinCost, "min_cost"),
            (ThresholdMethod::MaxF1, "max_f1"),
        ] {
            assert_eq!(m.as_str(), name);
            assert_eq!(m.to_string(), name);
            let json = serde_json::to_value(m).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(json, name);
            let back: ThresholdMethod =
                serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back, m);
        }
        assert!(serde_json::from_str::<ThresholdMethod>(r#""maxf1""#).is_err());
    }
}
