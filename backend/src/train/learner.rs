//! The learners the pipeline validates side by side on the same folds: LightGBM, the model DARS
//! publishes, and the logistic baseline it has to beat. Both are driven through one [`Learner`]
//! trait (in the spirit of linfa's `Fit`/`Predict` split), so a fold fits and scores each the same
//! way and a new learner is one `impl` away from the cross-validation, the backtest and the
//! retrain, which all run [`super::pipeline::fit`].

use anyhow::Result;
use lightgbm3::Booster;

use super::gbm::{self, GbmParams, Xy};
use super::logistic::Logistic;

/// Fits a model on labelled rows and scores new ones.
pub trait Learner {
    /// What fitting produces.
    type Model;

    /// Fits on `train` (row-major features, NaN = missing; labels 0/1); a learner that can
    /// early-stop does so on `valid`, the others ignore it.
    fn fit(&self, train: &Xy<'_>, valid: Option<&Xy<'_>>) -> Result<Self::Model>;

    /// P(next day closes negative), 0–1, for each row of row-major `x` (`width` columns).
    fn predict(&self, model: &Self::Model, x: &[f64], width: usize) -> Result<Vec<f64>>;
}

/// LightGBM with the configured parameters; `rounds` fixes the number of trees (the final fit
/// uses the folds' median), otherwise early stopping on the validation rows decides.
pub struct LightGbm<'a> {
    /// Feature names, stored in the model so the shared crate can check its inputs.
    pub names: &'a [String],
    pub params: &'a GbmParams,
    pub rounds: Option<u32>,
}

impl Learner for LightGbm<'_> {
    type Model = Booster;

    fn fit(&self, train: &Xy<'_>, valid: Option<&Xy<'_>>) -> Result<Booster> {
        gbm::fit(train, valid, self.names, self.params, self.rounds)
    }

    fn predict(&self, model: &Booster, x: &[f64], width: usize) -> Result<Vec<f64>> {
        gbm::predict(model, x, width)
    }
}

/// The logistic-regression baseline (`linfa-logistic`, standardized features).
pub struct LogisticBaseline;

impl Learner for LogisticBaseline {
    type Model = Logistic;

    fn fit(&self, train: &Xy<'_>, _valid: Option<&Xy<'_>>) -> Result<Logistic> {
        Logistic::fit(train.x, train.y, train.width)
    }

    fn predict(&self, model: &Logistic, x: &[f64], width: usize) -> Result<Vec<f64>> {
        model.predict(x, width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both learners, through the trait alone, rank a feature that decides the label above
    /// chance on rows they were not fitted on.
    #[test]
    fn both_learners_fit_and_score_through_the_trait() {
        fn auc_of<L: Learner>(learner: &L) -> f64 {
            let rows = 600;
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for i in 0..rows {
                let signal = ((i * 7919) % 100) as f64 / 100.0;
                let noise = ((i * 104_729) % 13) as f64 / 13.0;
                x.extend_from_slice(&[signal, noise]);
                y.push(if signal + 0.2 * noise > 0.6 {
                    1.0f32
                } else {
                    0.0
                });
            }
            let cut = rows / 2 * 2;
            let train = Xy {
                x: &x[..cut],
                y: &y[..rows / 2],
                width: 2,
            };
            let valid = Xy {
                x: &x[cut..],
                y: &y[rows / 2..],
                width: 2,
            };
            let model = learner
                .fit(&train, Some(&valid))
                .unwrap_or_else(|e| panic!("fit: {e:#}"));
            let p = learner
                .predict(&model, &x[cut..], 2)
                .unwrap_or_else(|e| panic!("predict: {e:#}"));
            let labels: Vec<u8> = y[rows / 2..].iter().map(|&v| v as u8).collect();
            dars_shared::metrics::roc_auc(&p, &labels).unwrap_or(0.0)
        }
        let names = vec!["signal".to_owned(), "noise".to_owned()];
        let params = GbmParams::default();
        let gbm = LightGbm {
            names: &names,
            params: &params,
            rounds: None,
        };
        assert!(auc_of(&gbm) > 0.9);
        assert!(auc_of(&LogisticBaseline) > 0.9);
    }
}
