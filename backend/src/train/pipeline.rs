//! The model pipeline shared by `dars train` and `dars backtest`: purged walk-forward CV of
//! LightGBM beside the logistic baseline and the rules, calibration and threshold on the
//! out-of-fold predictions, a final fit, and the self-describing artifact. A backtest runs it
//! on the rows known before each retrain date, so its predictions come from exactly the
//! procedure that produces the published model.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dars_shared::DailyRow;
use dars_shared::artifact::{
    ARTIFACT_FORMAT, FeatureImportance, FeatureSpec, FoldReport, MetricsReport, ModelArtifact,
    Scores, ShortHistory, ThresholdChoice, ThresholdMethod, TrainingInfo,
};
use dars_shared::calibration::Calibration;
use dars_shared::features::{self, FeatureMatrix};
use dars_shared::metrics::{self, CostMatrix};
use dars_shared::policy::{self, Policy, ThresholdRule};
use dars_shared::rules::{self, RulesDecision, Thresholds, Tier, TierConfig};
use sha2::{Digest, Sha256};

use super::folds::{Fold, FoldPlan};
use super::gbm::{self, GbmParams, Xy};
use super::learner::{Learner, LightGbm, LogisticBaseline};

/// Everything computed once from the daily table, whatever subset of it a fit uses.
pub struct TrainData {
    pub m: FeatureMatrix,
    /// The rules' verdict for each feature-matrix row, from that account's history up to the
    /// row (what the rules would have said that evening).
    pub rules: Vec<RulesDecision>,
    /// The rules' cut for each row (`rules[i].cut`), the baseline's score.
    pub rules_cut: Vec<f64>,
    /// Simulator oracle probabilities by (account, label date), when known.
    pub oracle: Option<HashMap<(String, NaiveDate), f64>>,
    /// For each feature-matrix row, how many trading days its account has up to and
    /// including it.
    pub trading_days: Vec<usize>,
    /// `rules.min_history_days`: fewer trading days than this is a short history.
    pub min_history_days: usize,
    /// The lake's market series the matrix was built with; its name is recorded in the
    /// artifact, and the backtest, like the morning run, leaves to the rules the days it does
    /// not cover. `None` without one.
    pub market: Option<dars_shared::features::MarketSeries>,
}

impl TrainData {
    pub fn new(
        daily: &[DailyRow],
        m: FeatureMatrix,
        oracle: Option<HashMap<(String, NaiveDate), f64>>,
        policy: &Policy,
    ) -> TrainData {
        let rules = rules_history(daily, &m, policy);
        TrainData {
            trading_days: trading_days_so_far(&m),
            min_history_days: policy.rules.min_history_days,
            m,
            rules_cut: rules.iter().map(|d| d.cut).collect(),
            rules,
            oracle,
            market: None,
        }
    }

    /// Feature-matrix rows with a label, in matrix order.
    pub fn labelled(&self) -> Vec<usize> {
        (0..self.m.len())
            .filter(|&i| self.m.labels[i].is_some())
            .collect()
    }
}

/// How to validate and fit.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Folds, first training span and embargo (derived from the history where unset).
    pub plan: FoldPlan,
    /// How the threshold is chosen on the out-of-fold predictions.
    pub threshold: ThresholdRule,
    pub params: GbmParams,
    /// Show a progress bar over the folds and the final fit on the terminal (a large firm's
    /// CV takes tens of seconds; the backtest prints its own progress per block instead).
    pub progress: bool,
}

/// A validated, fitted model and the folds it was validated on.
pub struct Fitted {
    pub artifact: ModelArtifact,
    pub folds: Vec<Fold>,
    /// The out-of-fold predictions everything above was measured on.
    pub oof: OutOfFold,
}

/// Out-of-fold predictions, one entry per labelled row that fell into a test block.
#[derive(Debug, Clone, Default)]
pub struct OutOfFold {
    /// Feature-matrix rows.
    pub rows: Vec<usize>,
    /// Calibrated probability of a negative next day, 0–1.
    pub p_calibrated: Vec<f64>,
    /// The model's cut at the artifact's thresholds (fraction of the limit, 0 = none).
    pub model_cut: Vec<f64>,
    /// The rules' cut (fraction of the limit, 0 = none).
    pub rules_cut: Vec<f64>,
    /// 1 when the next day closed negative.
    pub labels: Vec<u8>,
}

/// For each feature-matrix row, how many trading days its account has up to and including it.
fn trading_days_so_far(m: &FeatureMatrix) -> Vec<usize> {
    let mut order: Vec<usize> = (0..m.len()).collect();
    order.sort_by_key(|&i| m.rows[i].date);
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut out = vec![0; m.len()];
    for i in order {
        let n = seen.entry(m.rows[i].account_id.as_str()).or_default();
        *n += 1;
        out[i] = *n;
    }
    out
}

/// The model against the rules on the out-of-fold trader-days whose trader had fewer than
/// `min_history_days` of their own ([`ShortHistory`]).
fn short_history(data: &TrainData, oof_rows: &[usize], p_cal: &[f64], y: &[u8]) -> ShortHistory {
    let below = data.min_history_days;
    let ks: Vec<usize> = (0..oof_rows.len())
        .filter(|&k| data.trading_days[oof_rows[k]] < below)
        .collect();
    let traders: std::collections::HashSet<&str> = ks
        .iter()
        .map(|&k| data.m.rows[oof_rows[k]].account_id.as_str())
        .collect();
    let ys: Vec<u8> = ks.iter().map(|&k| y[k]).collect();
    // `None` when the trader-days are all one class.
    let auc = |score: &dyn Fn(usize) -> f64| {
        let s: Vec<f64> = ks.iter().map(|&k| score(k)).collect();
        metrics::roc_auc(&s, &ys)
    };
    let auc_model = auc(&|k| p_cal[k]);
    let auc_rules = auc(&|k| data.rules_cut[oof_rows[k]]);
    ShortHistory::judge(below, ks.len(), traders.len(), auc_model, auc_rules)
}

/// Out-of-fold predictions for the labelled rows that fell into a test block.
#[derive(Default)]
struct Oof {
    rows: Vec<usize>,
    fold: Vec<usize>,
    p_raw: Vec<f64>,
    p_logistic: Vec<f64>,
    rules_cut: Vec<f64>,
    oracle: Vec<Option<f64>>,
}

/// What one fold's LightGBM fit came to, for its report line.
struct FoldFit {
    trees: u32,
    train_rows: usize,
    fit_seconds: f64,
}

/// Validates and fits on `rows` (labelled feature-matrix rows); the artifact is complete
/// except that nobody has published it. The steps: [`folds_for`], [`cross_validate`],
/// calibration and [`choose_threshold`] on the out-of-fold predictions, [`metrics_report`],
/// [`final_fit`], [`importance`], [`assemble`].
pub fn fit(data: &TrainData, rows: &[usize], opts: &FitOptions) -> Result<Fitted> {
    let m = &data.m;
    let names: Vec<String> = m.names.iter().map(|s| s.to_string()).collect();
    let dates = distinct_dates(m, rows);
    let folds = folds_for(&dates, opts)?;
    let bar = if opts.progress {
        fold_progress(folds.len())
    } else {
        indicatif::ProgressBar::hidden()
    };
    let gbm = LightGbm {
        names: &names,
        params: &opts.params,
        rounds: None,
    };
    let (oof, fits) = cross_validate(data, rows, &folds, &gbm, &bar)?;

    // Calibration and threshold from out-of-fold predictions only.
    let y_oof: Vec<u8> = oof.rows.iter().map(|&i| m.labels[i].unwrap_or(0)).collect();
    let calibration = Calibration::fit(&oof.p_raw, &y_oof);
    let p_cal: Vec<f64> = oof.p_raw.iter().map(|&p| calibration.apply(p)).collect();
    let threshold = choose_threshold(&p_cal, &y_oof, &opts.threshold)?;
    let model_cuts = cuts_at(&p_cal, &threshold);
    let report = metrics_report(m, &folds, &fits, &oof, &p_cal, &model_cuts);

    // Final model on every row, with the median fold's number of trees.
    let mut trees: Vec<u32> = fits.iter().map(|f| f.trees).collect();
    trees.sort_unstable();
    let num_trees = trees[trees.len() / 2].max(1);
    bar.set_message(format!("final fit on {} trader-days", rows.len()));
    let (final_model, final_fit_seconds) = final_fit(m, rows, &names, &opts.params, num_trees)?;
    bar.finish_and_clear();
    let feature_importance = importance(&final_model, m, rows, &names)?;
    let short = short_history(data, &oof.rows, &p_cal, &y_oof);
    let artifact = assemble(Assembly {
        m,
        rows,
        dates: &dates,
        model: &final_model,
        num_trees,
        fit_seconds: final_fit_seconds,
        opts,
        calibration,
        threshold,
        report,
        reliability: metrics::reliability(&p_cal, &y_oof, 10),
        feature_importance,
        short_history: short,
    })?;
    let oof = OutOfFold {
        rows: oof.rows,
        p_calibrated: p_cal,
        model_cut: model_cuts,
        rules_cut: oof.rules_cut,
        labels: y_oof,
    };
    Ok(Fitted {
        artifact,
        folds,
        oof,
    })
}

/// Fits LightGBM (early-stopping on each fold's [`inner_split`]) and the logistic baseline on
/// every fold's training rows and scores its test rows: the out-of-fold predictions, beside the
/// rules' cut and the oracle's probability for the same rows.
fn cross_validate(
    data: &TrainData,
    rows: &[usize],
    folds: &[Fold],
    gbm: &LightGbm<'_>,
    bar: &indicatif::ProgressBar,
) -> Result<(Oof, Vec<FoldFit>)> {
    let m = &data.m;
    let width = m.width();
    let mut oof = Oof::default();
    let mut fits = Vec::with_capacity(folds.len());
    for fold in folds {
        bar.set_message(format!(
            "fold {}/{}: LightGBM and the logistic baseline",
            fold.index,
            folds.len()
        ));
        let FoldRows { train, test } = fold_rows(m, rows, fold);
        let InnerSplit { fit: inner, valid } = inner_split(m, &train)?;
        let started = Instant::now();
        let booster = fit_on(gbm, m, &inner, Some(&valid))?;
        let fit_seconds = started.elapsed().as_secs_f64();
        let (x_test, _) = gather(m, &test);
        let p = gbm.predict(&booster, &x_test, width)?;
        let logistic = fit_on(&LogisticBaseline, m, &train, None)?;
        let p_log = LogisticBaseline.predict(&logistic, &x_test, width)?;
        for (k, &i) in test.iter().enumerate() {
            oof.rows.push(i);
            oof.fold.push(fold.index);
            oof.p_raw.push(p[k]);
            oof.p_logistic.push(p_log[k]);
            oof.rules_cut.push(data.rules_cut[i]);
            oof.oracle.push(data.oracle.as_ref().and_then(|o| {
                m.next_date[i].and_then(|d| o.get(&(m.rows[i].account_id.to_string(), d)).copied())
            }));
        }
        fits.push(FoldFit {
            trees: u32::try_from(booster.num_iterations()).unwrap_or(0),
            train_rows: train.len(),
            fit_seconds,
        });
        bar.inc(1);
    }
    if oof.rows.is_empty() {
        bail!("the folds produced no out-of-fold predictions");
    }
    Ok((oof, fits))
}

/// Fits `learner` on the feature-matrix rows `train`, early-stopping on `valid` when given.
fn fit_on<L: Learner>(
    learner: &L,
    m: &FeatureMatrix,
    train: &[usize],
    valid: Option<&[usize]>,
) -> Result<L::Model> {
    let width = m.width();
    let (x, y) = gather(m, train);
    let held = valid.map(|rows| gather(m, rows));
    learner.fit(
        &Xy {
            x: &x,
            y: &y,
            width,
        },
        held.as_ref().map(|(x, y)| Xy { x, y, width }).as_ref(),
    )
}

/// The model's cut for each calibrated probability at the chosen thresholds (the default tier
/// cuts: the artifact's figures do not depend on a desk's policy).
fn cuts_at(p_cal: &[f64], threshold: &ThresholdChoice) -> Vec<f64> {
    let tiers = TierConfig::default();
    let thresholds = Thresholds {
        high: threshold.value,
        restrict: threshold
            .restrict_from
            .unwrap_or(threshold.value - tiers.moderate_band),
    };
    p_cal
        .iter()
        .map(|&p| Tier::of(p, thresholds).cut(&tiers))
        .collect()
}

/// The out-of-fold predictions seen through a subset of their positions (one fold, or all).
struct OofView<'a> {
    ks: Vec<usize>,
    y: &'a [u8],
    next: &'a [Option<f64>],
}

impl OofView<'_> {
    fn pick(&self, v: &[f64]) -> Vec<f64> {
        self.ks.iter().map(|&k| v[k]).collect()
    }

    fn labels(&self) -> Vec<u8> {
        self.ks.iter().map(|&k| self.y[k]).collect()
    }

    fn next(&self) -> Vec<Option<f64>> {
        self.ks.iter().map(|&k| self.next[k]).collect()
    }

    /// The oracle's AUC on these rows, when it knows at least half of them.
    fn oracle_auc(&self, oracle: &[Option<f64>]) -> Option<f64> {
        let with: Vec<usize> = self
            .ks
            .iter()
            .copied()
            .filter(|&k| oracle[k].is_some())
            .collect();
        if with.len() * 2 < self.ks.len() {
            return None;
        }
        let p: Vec<f64> = with
            .iter()
            .map(|&k| oracle[k].unwrap_or(f64::NAN))
            .collect();
        let y: Vec<u8> = with.iter().map(|&k| self.y[k]).collect();
        metrics::roc_auc(&p, &y)
    }
}

/// Scores per fold and pooled: the calibrated model (with its cuts), the raw model, the
/// logistic baseline, the rules and, when known, the oracle.
fn metrics_report(
    m: &FeatureMatrix,
    folds: &[Fold],
    fits: &[FoldFit],
    oof: &Oof,
    p_cal: &[f64],
    model_cuts: &[f64],
) -> MetricsReport {
    let y: Vec<u8> = oof.rows.iter().map(|&i| m.labels[i].unwrap_or(0)).collect();
    let next: Vec<Option<f64>> = oof.rows.iter().map(|&i| m.next_total[i]).collect();
    let view = |fold: Option<usize>| OofView {
        ks: (0..oof.rows.len())
            .filter(|&k| fold.is_none_or(|f| oof.fold[k] == f))
            .collect(),
        y: &y,
        next: &next,
    };
    let fold_reports = folds
        .iter()
        .zip(fits)
        .map(|(fold, fit)| {
            let v = view(Some(fold.index));
            let (y, next) = (v.labels(), v.next());
            FoldReport {
                fold: fold.index as u32,
                train_from: fold.train_from,
                train_to: fold.train_to,
                test_from: fold.test_from,
                test_to: fold.test_to,
                train_rows: fit.train_rows as u64,
                model: scores(&v.pick(p_cal), &y, Some((&v.pick(model_cuts), &next))),
                logistic: scores(&v.pick(&oof.p_logistic), &y, None),
                rules: rule_scores(&v.pick(&oof.rules_cut), &y, &next),
                oracle_auc: v.oracle_auc(&oof.oracle),
                num_trees: fit.trees,
                raw_auc: metrics::roc_auc(&v.pick(&oof.p_raw), &y),
                fit_seconds: Some(fit.fit_seconds),
            }
        })
        .collect();
    MetricsReport {
        folds: fold_reports,
        uncalibrated: scores(&oof.p_raw, &y, None),
        calibrated: scores(p_cal, &y, Some((model_cuts, &next))),
        logistic: scores(&oof.p_logistic, &y, None),
        rules: rule_scores(&oof.rules_cut, &y, &next),
        oracle_auc: view(None).oracle_auc(&oof.oracle),
    }
}

/// The published model: LightGBM on every row with `num_trees` trees, and the seconds it took.
fn final_fit(
    m: &FeatureMatrix,
    rows: &[usize],
    names: &[String],
    params: &GbmParams,
    num_trees: u32,
) -> Result<(lightgbm3::Booster, f64)> {
    let learner = LightGbm {
        names,
        params,
        rounds: Some(num_trees),
    };
    let started = Instant::now();
    let model = fit_on(&learner, m, rows, None)?;
    Ok((model, started.elapsed().as_secs_f64()))
}

/// Mean |SHAP| per feature (LightGBM's `pred_contrib`) over the latest 5,000 rows, largest
/// first.
fn importance(
    model: &lightgbm3::Booster,
    m: &FeatureMatrix,
    rows: &[usize],
    names: &[String],
) -> Result<Vec<FeatureImportance>> {
    let sample: Vec<usize> = rows.iter().copied().rev().take(5000).collect();
    let (x_sample, _) = gather(m, &sample);
    let mean_abs = gbm::mean_abs_shap(model, &x_sample, m.width())?;
    let mut out: Vec<FeatureImportance> = names
        .iter()
        .zip(&mean_abs)
        .map(|(n, &v)| FeatureImportance {
            name: n.clone(),
            mean_abs_shap: v,
        })
        .collect();
    out.sort_by(|a, b| b.mean_abs_shap.total_cmp(&a.mean_abs_shap));
    Ok(out)
}

/// What [`assemble`] builds the artifact from.
struct Assembly<'a> {
    m: &'a FeatureMatrix,
    rows: &'a [usize],
    dates: &'a [NaiveDate],
    model: &'a lightgbm3::Booster,
    num_trees: u32,
    fit_seconds: f64,
    opts: &'a FitOptions,
    calibration: Calibration,
    threshold: ThresholdChoice,
    report: MetricsReport,
    reliability: Vec<metrics::ReliabilityBin>,
    feature_importance: Vec<FeatureImportance>,
    short_history: ShortHistory,
}

/// The self-describing artifact: version (time and data hash), the model text, the features it
/// reads, calibration, threshold, the training window and every validation figure.
fn assemble(a: Assembly<'_>) -> Result<ModelArtifact> {
    let Assembly { m, rows, .. } = a;
    let (Some(&from), Some(&to)) = (a.dates.first(), a.dates.last()) else {
        bail!("no training dates: nothing to assemble a model from");
    };
    let created = chrono::Utc::now();
    let data_hash = hash_matrix(m, rows);
    let version = format!("{}-{}", created.format("%Y%m%d-%H%M%S"), &data_hash[..8]);
    let positives = rows
        .iter()
        .filter(|&&i| m.labels[i].unwrap_or(0) == 1)
        .count();
    let mut accounts: Vec<&str> = rows
        .iter()
        .map(|&i| m.rows[i].account_id.as_str())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    Ok(ModelArtifact {
        format: ARTIFACT_FORMAT,
        version,
        created_at: created.to_rfc3339(),
        code_version: dars_shared::VERSION.into(),
        learner: "lightgbm".into(),
        lightgbm_model: a.model.save_string().context("saving the LightGBM model")?,
        // The matrix's columns: every feature, or those `risk.lookback_days` kept.
        features: m
            .names
            .iter()
            .filter_map(|n| features::def(n))
            .map(FeatureSpec::from_def)
            .collect(),
        calibration: a.calibration,
        threshold: a.threshold,
        training: TrainingInfo {
            from,
            to,
            rows: rows.len() as u64,
            accounts: accounts.len() as u64,
            positive_rate: positives as f64 / rows.len().max(1) as f64,
            data_hash,
            embargo_days: a.opts.plan.embargo as u32,
            num_trees: a.num_trees,
            params: a.opts.params.to_json(a.num_trees, false),
            fit_seconds: Some(a.fit_seconds),
        },
        metrics: a.report,
        reliability: a.reliability,
        feature_importance: a.feature_importance,
        // Filled in by `dars train`, which has the lake's fills to replay.
        against_rules: None,
        short_history: Some(a.short_history),
        // Filled in by `dars train` from the matrix's market series.
        market: None,
    })
}

/// One step per fold plus the final fit, on standard error (hidden when that is not a terminal).
fn fold_progress(folds: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(folds as u64 + 1);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {bar:30} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// A fold's labelled rows: what it trains on (after the embargo and purge) and what it tests on.
pub struct FoldRows {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits labelled `rows` by `fold`'s date bounds.
pub fn fold_rows(m: &FeatureMatrix, rows: &[usize], fold: &Fold) -> FoldRows {
    FoldRows {
        train: rows
            .iter()
            .copied()
            .filter(|&i| fold.trains_on(m.rows[i].date, m.next_date[i]))
            .collect(),
        test: rows
            .iter()
            .copied()
            .filter(|&i| fold.tests_on(m.rows[i].date))
            .collect(),
    }
}

/// A fold's training rows split for early stopping: the model fits on `fit` and stops when the
/// loss on `valid` (the last sixth of the training dates) stops improving. Rows whose label lands
/// in the validation slice are purged from `fit`.
pub struct InnerSplit {
    pub fit: Vec<usize>,
    pub valid: Vec<usize>,
}

pub fn inner_split(m: &FeatureMatrix, train_rows: &[usize]) -> Result<InnerSplit> {
    let dates = distinct_dates(m, train_rows);
    let split = dates.get(dates.len() * 5 / 6).map(|&split| InnerSplit {
        fit: train_rows
            .iter()
            .copied()
            .filter(|&i| m.rows[i].date < split && m.next_date[i].is_some_and(|d| d < split))
            .collect(),
        valid: train_rows
            .iter()
            .copied()
            .filter(|&i| m.rows[i].date >= split)
            .collect(),
    });
    match split {
        Some(s) if !s.fit.is_empty() && !s.valid.is_empty() => Ok(s),
        _ => bail!(
            "a fold has too little training history to hold out a validation slice \
             ({} training rows); use fewer folds or a larger --min-train-days",
            train_rows.len()
        ),
    }
}

/// The sorted, distinct feature dates of `rows`.
pub fn distinct_dates(m: &FeatureMatrix, rows: &[usize]) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = rows.iter().map(|&i| m.rows[i].date).collect();
    dates.sort_unstable();
    dates.dedup();
    dates
}

/// The walk-forward folds `fit` validates on, over the [`distinct_dates`] of its rows.
pub fn folds_for(dates: &[NaiveDate], opts: &FitOptions) -> Result<Vec<Fold>> {
    opts.plan.folds(dates)
}

/// Row-major features and labels of `rows`.
pub fn gather(m: &FeatureMatrix, rows: &[usize]) -> (Vec<f64>, Vec<f32>) {
    let mut x = Vec::with_capacity(rows.len() * m.width());
    let mut y = Vec::with_capacity(rows.len());
    for &i in rows {
        x.extend_from_slice(m.row(i));
        y.push(f32::from(m.labels[i].unwrap_or(0)));
    }
    (x, y)
}

/// The report's metrics of probabilities `p` against labels `y`; with cuts and next-day totals,
/// also the expected-value lift.
pub fn scores(p: &[f64], y: &[u8], cuts: Option<(&[f64], &[Option<f64>])>) -> Scores {
    Scores {
        rows: y.len() as u64,
        positives: y.iter().filter(|&&v| v == 1).count() as u64,
        roc_auc: metrics::roc_auc(p, y),
        pr_auc: metrics::pr_auc(p, y),
        recall_at_70_precision: metrics::recall_at_precision(p, y, 0.7),
        brier: metrics::brier(p, y),
        ece: metrics::expected_calibration_error(p, y, 10),
        ev_lift: cuts.map(|(c, n)| metrics::ev_lift(c, n)),
    }
}

/// Quantile steps stored in the artifact for re-budgeting without a retrain (every 0.5%).
const QUANTILE_STEPS: usize = 200;

/// The thresholds by `rule` on calibrated out-of-fold probabilities `p_cal` and outcomes
/// `y_oof`. A budget restricts the top `share` of validation trader-days (`high_share` of them
/// high risk); its precision and recall are reported where the cuts begin.
fn choose_threshold(p_cal: &[f64], y_oof: &[u8], rule: &ThresholdRule) -> Result<ThresholdChoice> {
    let quantiles = policy::quantiles(p_cal, QUANTILE_STEPS);
    let (value, restrict_from, method) = match rule {
        ThresholdRule::RestrictShare { share, high_share } => (
            policy::quantile_of(&quantiles, 1.0 - high_share),
            Some(policy::quantile_of(&quantiles, 1.0 - share)),
            ThresholdMethod::RestrictShare,
        ),
        ThresholdRule::Fixed { probability } => (*probability, None, ThresholdMethod::Fixed),
        ThresholdRule::MinCost {
            false_positive,
            false_negative,
        } => {
            let c = CostMatrix {
                false_positive: *false_positive,
                false_negative: *false_negative,
                ..CostMatrix::default()
            };
            let chosen = metrics::threshold_min_cost(p_cal, y_oof, &c)
                .context("no threshold could be chosen (no out-of-fold positives?)")?;
            (chosen.threshold, None, ThresholdMethod::MinCost)
        }
        ThresholdRule::MaxF1 => {
            let chosen = metrics::threshold_max_f1(p_cal, y_oof)
                .context("no threshold could be chosen (no out-of-fold positives?)")?;
            (chosen.threshold, None, ThresholdMethod::MaxF1)
        }
    };
    if !value.is_finite() {
        bail!("no threshold could be chosen: no out-of-fold predictions");
    }
    let at = metrics::confusion_at(p_cal, y_oof, restrict_from.unwrap_or(value));
    Ok(ThresholdChoice {
        value,
        restrict_from,
        method,
        quantiles,
        precision: at.precision().unwrap_or(0.0),
        recall: at.recall().unwrap_or(0.0),
        f1: at.f1().unwrap_or(0.0),
    })
}

/// The rules give cuts, not probabilities: rank metrics use the cut as the score.
pub fn rule_scores(cuts: &[f64], y: &[u8], next: &[Option<f64>]) -> Scores {
    Scores {
        brier: None,
        ece: None,
        ..scores(cuts, y, Some((cuts, next)))
    }
}

/// The rules' verdict for every feature-matrix row, one pass per account over its daily
/// totals, each account against its own loss limit.
fn rules_history(daily: &[DailyRow], m: &FeatureMatrix, policy: &Policy) -> Vec<RulesDecision> {
    let mut by_account: HashMap<&str, Vec<(NaiveDate, f64)>> = HashMap::new();
    for r in daily {
        by_account
            .entry(r.account_id.as_str())
            .or_default()
            .push((r.date, r.total_delta));
    }
    let mut on: HashMap<(&str, NaiveDate), RulesDecision> = HashMap::new();
    for (account, hist) in &mut by_account {
        hist.sort_by_key(|x| x.0);
        let totals: Vec<f64> = hist.iter().map(|x| x.1).collect();
        let verdicts = rules::evaluate_history(&totals, &policy.rules, policy.loss_limit(account));
        for (d, (date, _)) in verdicts.into_iter().zip(hist.iter()) {
            on.insert((account, *date), d);
        }
    }
    m.rows
        .iter()
        .map(|k| {
            on.remove(&(k.account_id.as_str(), k.date))
                .unwrap_or_default()
        })
        .collect()
}

fn hash_matrix(m: &FeatureMatrix, rows: &[usize]) -> String {
    let mut h = Sha256::new();
    for &i in rows {
        h.update(m.rows[i].account_id.as_bytes());
        h.update(m.rows[i].date.to_string().as_bytes());
        for v in m.row(i) {
            h.update(v.to_bits().to_le_bytes());
        }
        h.update([m.labels[i].unwrap_or(2)]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
