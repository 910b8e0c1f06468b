//! [`LgbmModel`]: the validated model and its predictions.

use crate::model::error::{InputError, Location, ModelError, snippet};

use super::raw::{self, RawHeader};
use super::tree::Tree;

/// A validated LightGBM binary classifier.
///
/// Build it with [`LgbmModel::parse`]; explain its predictions with
/// [`crate::explain::ShapExplainer`].
#[derive(Debug, Clone, PartialEq)]
pub struct LgbmModel {
    feature_names: Vec<String>,
    trees: Vec<Tree>,
    sigmoid: f64,
    expected_value: f64,
    max_depth: usize,
}

impl LgbmModel {
    /// Parses and validates a LightGBM text model (`tree\nversion=v4\n...`).
    ///
    /// Everything prediction and TreeSHAP rely on is checked: version, objective, class count,
    /// feature names against `max_feature_idx`, tree numbering and `tree_sizes`, every array's
    /// length, feature indices, thresholds, `decision_type` bits, that the child pointers form
    /// one tree reaching every node once, and that each node's count equals its children's.
    /// Any violation is a [`ModelError`] naming the line and tree; this function does not panic
    /// on any input.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let raw = raw::split(text)?;
        let header = Header::from_raw(&raw.header)?;
        if raw.trees.is_empty() {
            return Err(ModelError::NoTrees);
        }
        if let Some(sizes) = header.tree_sizes
            && sizes.0 != raw.trees.len()
        {
            return Err(ModelError::WrongLength {
                at: Location::header(sizes.1),
                field: "tree_sizes",
                expected: raw.trees.len(),
                found: sizes.0,
            });
        }
        let num_features = header.feature_names.len();
        let trees = raw
            .trees
            .iter()
            .enumerate()
            .map(|(i, t)| Tree::from_raw(t, i, num_features))
            .collect::<Result<Vec<_>, _>>()?;
        // LightGBM's pred_contrib adds each tree's expected value to the bias in tree order;
        // summing in the same order reproduces its bias bit for bit.
        let mut expected_value = 0.0;
        for t in &trees {
            expected_value += t.expected_value;
        }
        let max_depth = trees.iter().map(|t| t.max_depth).max().unwrap_or(0);
        Ok(Self {
            feature_names: header.feature_names,
            trees,
            sigmoid: header.sigmoid,
            expected_value,
            max_depth,
        })
    }

    /// Feature names in row order (LightGBM's `feature_names=` line).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of features a row must have.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The objective's `sigmoid:` scale k in p = 1 / (1 + exp(−k·margin)); 1 unless the model
    /// was trained with another `sigmoid` parameter.
    pub fn sigmoid(&self) -> f64 {
        self.sigmoid
    }

    /// The SHAP base value in margin space: the sum over trees of each tree's cover-weighted
    /// mean leaf value (LightGBM's last `pred_contrib` column).
    pub fn expected_value(&self) -> f64 {
        self.expected_value
    }

    /// Depth of the deepest tree.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    pub(crate) fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Checks that `row` has one value per feature.
    pub fn check_row(&self, row: &[f64]) -> Result<(), InputError> {
        if row.len() == self.num_features() {
            Ok(())
        } else {
            Err(InputError::RowLength {
                expected: self.num_features(),
                found: row.len(),
            })
        }
    }

    /// The raw score (log-odds times k): LightGBM's `predict(raw_score=True)`. Missing values
    /// are `f64::NAN`. The row must have [`Self::num_features`] values: a row built for another
    /// model is an error rather than a silently wrong score.
    pub fn predict_margin(&self, row: &[f64]) -> Result<f64, InputError> {
        self.check_row(row)?;
        Ok(self.margin_unchecked(row))
    }

    /// The probability that the label is 1 (here: the day closes negative): LightGBM's
    /// `predict()`.
    pub fn predict_proba(&self, row: &[f64]) -> Result<f64, InputError> {
        Ok(self.probability(self.predict_margin(row)?))
    }

    /// The objective's link: margin → probability, `1 / (1 + exp(−k·margin))`.
    pub fn probability(&self, margin: f64) -> f64 {
        sigmoid(self.sigmoid, margin)
    }

    /// Sum of tree outputs in tree order, as LightGBM's `GBDT::PredictRaw`.
    pub(crate) fn margin_unchecked(&self, row: &[f64]) -> f64 {
        let mut margin = 0.0;
        for t in &self.trees {
            margin += t.predict(row);
        }
        margin
    }
}

/// `1 / (1 + exp(−k·x))`, LightGBM's `BinaryLogloss::ConvertOutput`.
pub(crate) fn sigmoid(k: f64, x: f64) -> f64 {
    1.0 / (1.0 + (-k * x).exp())
}

/// The header fields a prediction depends on.
struct Header {
    feature_names: Vec<String>,
    sigmoid: f64,
    /// Entries of `tree_sizes` and its line, when present (LightGBM writes it; it is optional).
    tree_sizes: Option<(usize, usize)>,
}

impl Header {
    fn from_raw(raw: &RawHeader<'_>) -> Result<Self, ModelError> {
        let get = |key: &'static str| {
            raw.fields.get(key).ok_or(ModelError::MissingField {
                at: Location::header(raw.last_line),
                field: key,
            })
        };
        let uint = |key: &'static str| -> Result<(usize, usize), ModelError> {
            let f = get(key)?;
            let v = f
                .value
                .trim()
                .parse()
                .map_err(|_| ModelError::InvalidNumber {
                    at: Location::header(f.line),
                    field: key,
                    value: snippet(f.value),
                    expected: "a non-negative integer",
                })?;
            Ok((v, f.line))
        };

        let version = get("version")?;
        if version.value.trim() != "v4" {
            return Err(ModelError::UnsupportedVersion {
                at: Location::header(version.line),
                found: snippet(version.value),
            });
        }
        if let Some(line) = raw.average_output {
            return Err(ModelError::Unsupported {
                at: Location::header(line),
                what: "averaged output (boosting=rf)".into(),
            });
        }
        for key in ["num_class", "num_tree_per_iteration"] {
            let (v, line) = uint(key)?;
            if v != 1 {
                return Err(ModelError::Unsupported {
                    at: Location::header(line),
                    what: format!("{key}={v}; only binary classification (one class) is supported"),
                });
            }
        }
        let sigmoid = parse_objective(get("objective")?)?;

        let (max_feature_idx, _) = uint("max_feature_idx")?;
        let names = get("feature_names")?;
        let feature_names: Vec<String> = names
            .value
            .split_ascii_whitespace()
            .map(str::to_owned)
            .collect();
        if max_feature_idx.checked_add(1) != Some(feature_names.len()) {
            return Err(ModelError::WrongLength {
                at: Location::header(names.line),
                field: "feature_names",
                expected: max_feature_idx.saturating_add(1),
                found: feature_names.len(),
            });
        }
        let tree_sizes = raw
            .fields
            .get("tree_sizes")
            .map(|f| (f.value.split_ascii_whitespace().count(), f.line));
        Ok(Self {
            feature_names,
            sigmoid,
            tree_sizes,
        })
    }
}

/// `objective=binary sigmoid:1` → the sigmoid scale. Unknown tokens are refused rather than
/// ignored: a future parameter could change the link function.
fn parse_objective(f: raw::Field<'_>) -> Result<f64, ModelError> {
    let at = Location::header(f.line);
    let mut tokens = f.value.split_ascii_whitespace();
    let name = tokens.next().unwrap_or("");
    if name != "binary" {
        return Err(ModelError::Unsupported {
            at,
            what: format!("objective {:?}; only `binary` is supported", snippet(name)),
        });
    }
    let mut sigmoid = None;
    for tok in tokens {
        let Some(v) = tok.strip_prefix("sigmoid:") else {
            return Err(ModelError::Unsupported {
                at,
                what: format!("objective parameter {:?}", snippet(tok)),
            });
        };
        let k: f64 = v.parse().map_err(|_| ModelError::InvalidNumber {
            at,
            field: "objective",
            value: snippet(tok),
            expected: "sigmoid:<number>",
        })?;
        if !(k.is_finite() && k > 0.0) || sigmoid.replace(k).is_some() {
            return Err(ModelError::InvalidValue {
                at,
                field: "objective",
                reason: format!("{tok:?} must appear once, with a positive finite value"),
            });
        }
    }
    Ok(sigmoid.unwrap_or(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objective(value: &str) -> Result<f64, ModelError> {
        parse_objective(raw::Field { line: 7, value })
    }

    #[test]
    fn objective_line_sets_the_link() {
        assert_eq!(objective("binary sigmoid:1"), Ok(1.0));
        assert_eq!(objective("binary sigmoid:0.7"), Ok(0.7));
        assert_eq!(objective("binary"), Ok(1.0));
        assert!(matches!(
            objective("regression"),
            Err(ModelError::Unsupported { .. })
        ));
        assert!(matches!(
            objective("cross_entropy"),
            Err(ModelError::Unsupported { .. })
        ));
        assert!(matches!(
            objective("binary sigmoid:1 scale_pos_weight:2"),
            Err(ModelError::Unsupported { .. })
        ));
        assert!(matches!(
            objective("binary sigmoid:x"),
            Err(ModelError::InvalidNumber { .. })
        ));
        for bad in [
            "binary sigmoid:0",
            "binary sigmoid:inf",
            "binary sigmoid:1 sigmoid:2",
        ] {
            assert!(
                matches!(objective(bad), Err(ModelError::InvalidValue { at, .. }) if at.line == 7),
                "{bad}"
            );
        }
    }

    #[test]
    fn link_is_lightgbms() {
        assert_eq!(sigmoid(1.0, 0.0), 0.5);
        assert!((sigmoid(0.7, 2.0) - 1.0 / (1.0 + (-1.4f64).exp())).abs() < 1e-16);
    }
}
