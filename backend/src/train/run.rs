//! `dars train`: features from the lake's daily table, purged walk-forward CV of LightGBM beside
//! the logistic baseline and the rules, calibration and threshold on the out-of-fold
//! predictions, a final fit on everything, and a new version in the model registry.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dars_shared::DailyRow;
use dars_shared::analytics::PromotionAction;
use dars_shared::artifact::ModelArtifact;
use dars_shared::features::{self, FeatureContext};

use super::folds::{DEFAULT_EMBARGO_DAYS, FoldPlan};
use super::gate::{self, Verdict};
use dars_shared::policy::{Policy, ThresholdRule};
use dars_shared::rules;

use super::folds::Fold;
use super::gbm::GbmParams;
use super::pipeline::{self, FitOptions, Fitted, TrainData};
use crate::config::Config;
use crate::lake::Lake;
use crate::registry::Registry;

/// What `dars train`, `dars backtest` and `dars export features` need, resolved: the lake, the
/// validation plan, the policy and the feature windows. The command line builds it from
/// `config.yaml` under its flags (`cli`); the scheduled retrain and the demo from a loaded
/// configuration ([`ModelRequest::from_config`]). Nothing in it is read from a file later.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    /// Data directory holding the lake.
    pub data: PathBuf,
    /// Walk-forward folds, first training span and embargo.
    pub plan: FoldPlan,
    /// The policy the threshold and the rules' baseline come from.
    pub policy: Policy,
    /// In words, which rule chooses the threshold and where it came from ("a restriction
    /// budget of 25% of trader-days (10% high) from config.yaml").
    pub threshold_source: String,
    /// Rolling-statistic windows the model learns from (`risk.lookback_days`), in trading days.
    pub windows: Vec<u32>,
    /// The simulator's oracle.csv (`date,account_id,p_negative`), to report the best achievable
    /// AUC.
    pub oracle: Option<PathBuf>,
}

impl ModelRequest {
    /// What a configuration already loaded trains with (the scheduled retrain, the demo): its
    /// data directory, validation plan (`training.*`, the embargo 5 trading days when unset),
    /// policy and windows; no oracle or market series.
    pub fn from_config(cfg: &Config) -> Result<ModelRequest> {
        let policy = cfg.policy();
        Ok(ModelRequest {
            data: cfg.paths.data.clone(),
            plan: FoldPlan {
                folds: cfg.training.folds,
                min_train_days: cfg.training.min_train_days,
                embargo: cfg.training.embargo_days.unwrap_or(DEFAULT_EMBARGO_DAYS),
            },
            threshold_source: format!("{} from the configuration", policy.threshold.describe()),
            policy,
            windows: cfg.risk.lookback_days.windows()?,
            oracle: None,
        })
    }

    /// The options with a given threshold rule.
    pub(super) fn options_with(&self, threshold: ThresholdRule) -> FitOptions {
        FitOptions {
            plan: self.plan,
            threshold,
            params: GbmParams::default(),
            progress: false,
        }
    }

    /// The lake's daily table, its feature matrix and the rules' cuts, read once.
    pub fn load(&self, policy: &Policy) -> Result<(Vec<DailyRow>, TrainData)> {
        let daily = Lake::open(&self.data).daily()?;
        if daily.is_empty() {
            bail!(
                "the lake at {} has no daily table: run `dars ingest FILE...` first",
                self.data.display()
            );
        }
        // The lake's market series (`dars ingest vix.csv`), when it has one.
        let market = Lake::open(&self.data).market()?;
        let windows = &self.windows;
        let ctx = FeatureContext { market };
        let m = features::build(&daily, &ctx).select_columns(|name| {
            features::rolling_window(name).is_none_or(|w| windows.contains(&w))
        });
        let oracle = match &self.oracle {
            Some(p) => Some(load_oracle(p)?),
            None => None,
        };
        // A series that covers none of the history gave the model nothing to learn from: the
        // model is then recorded without one, so that scoring never waits for it.
        let informative = m
            .names
            .iter()
            .position(|n| *n == "market_value")
            .is_some_and(|c| (0..m.len()).any(|i| m.row(i)[c].is_finite()));
        let data = TrainData {
            market: ctx.market.filter(|_| informative),
            ..TrainData::new(&daily, m, oracle, policy)
        };
        Ok((daily, data))
    }
}

/// What `dars train` does: fit on `model`, write a version to `models`, publish it when asked
/// and it beats the rules.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    pub model: ModelRequest,
    /// Model registry directory.
    pub models: PathBuf,
    /// Point `models/current` at the new version (when it beats the rules).
    pub promote: bool,
    /// The report goes to the log at debug level instead of the terminal (the scheduled
    /// retrain inside `dars serve`, whose log says the outcome at info).
    pub quiet: bool,
}

pub struct TrainOutcome {
    pub version: String,
    /// Whether the model beat the rules out of fold ([`super::gate`]), and the sentence why.
    pub verdict: Verdict,
    /// Whether it was published (`--promote` and a winning verdict).
    pub promoted: bool,
}

pub fn train(args: &TrainRequest) -> Result<TrainOutcome> {
    let started = std::time::Instant::now();
    // Held while the lake is read (features, then the gate's replay of the fills).
    let _lake = crate::lake::lock::read(&args.model.data)?;
    let (policy, threshold_rule) = (&args.model.policy, &args.model.threshold_source);
    let opts = FitOptions {
        progress: true,
        ..args.model.options_with(policy.threshold.clone())
    };
    let (_, data) = args.model.load(policy)?;
    let labelled = data.labelled();
    let m = &data.m;
    let dates = pipeline::distinct_dates(m, &labelled);
    // The terminal for `dars train`; the log, at debug, for the scheduled retrain.
    let say = |text: String| {
        if args.quiet {
            tracing::debug!("{}", text.trim_end());
        } else {
            println!("{}", text.trim_end());
        }
    };
    say(format!(
        "features: {} rows x {} columns for {} accounts ({} labelled, {} trading days) in {:.0} ms",
        m.len(),
        m.width(),
        m.latest_rows().len(),
        labelled.len(),
        dates.len(),
        started.elapsed().as_secs_f64() * 1e3
    ));
    let (n_folds, min_train) = opts.plan.resolve(dates.len());
    say(format!(
        "walk-forward CV: {} folds, embargo {} trading days, first fold trains on {} days; \
         threshold by {}",
        n_folds, opts.plan.embargo, min_train, threshold_rule
    ));
    let Fitted {
        mut artifact,
        folds,
        oof,
    } = pipeline::fit(&data, &labelled, &opts)?;
    let version = artifact.version.clone();
    let comparison = gate::compare(&Lake::open(&args.model.data), &data.m, &oof, policy)?;
    let verdict = comparison.verdict();
    artifact.against_rules = Some(comparison.figures(&verdict));
    artifact.market = data.market.as_ref().map(|m| m.name().to_owned());
    let mut text = report_text(&artifact, &folds, started.elapsed().as_secs_f64());
    let _ = writeln!(text, "against the rules: {}", verdict.sentence);
    if let Some(short) = &artifact.short_history {
        let _ = writeln!(text, "new traders: {}", short.sentence);
    }
    say(text.clone());
    let registry = Registry::open(&args.models).audited(&args.model.data);
    let dir = registry.write_version(&artifact, &policy.public(), &text)?;
    say(format!("model {version} written to {}", dir.display()));
    let promoted = args.promote && verdict.publish;
    if promoted {
        registry.move_current(
            &version,
            PromotionAction::Promote,
            "trained and promoted by `dars train --promote`",
        )?;
        say(format!(
            "promoted: models/current -> {version} (the web app now scores with it)"
        ));
    } else if args.promote {
        say(format!(
            "not promoted, the rules stay in charge; `dars model promote {version}` publishes it \
             anyway (audited)"
        ));
    }
    Ok(TrainOutcome {
        version,
        verdict,
        promoted,
    })
}

fn load_oracle(path: &std::path::Path) -> Result<HashMap<(String, NaiveDate), f64>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{} line {}", path.display(), i + 2))?;
        let bad = || {
            format!(
                "{} line {}: expected date,account_id,p_negative",
                path.display(),
                i + 2
            )
        };
        let date: NaiveDate = rec.get(0).and_then(|d| d.parse().ok()).with_context(bad)?;
        let account = rec.get(1).with_context(bad)?.to_owned();
        let p: f64 = rec.get(2).and_then(|p| p.parse().ok()).with_context(bad)?;
        out.insert((account, date), p);
    }
    Ok(out)
}

fn f3(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.3}"))
}

fn money(v: Option<f64>) -> String {
    v.map_or("-".into(), rules::dollars)
}

/// The human-readable report printed by `dars train` and kept as `metrics.txt`.
fn report_text(a: &ModelArtifact, folds: &[Fold], secs: f64) -> String {
    let r = &a.metrics;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nfold  test dates               train  test  trees  fit s  AUC gbm  AUC logit  AUC rules  AUC oracle  Brier"
    );
    for f in &r.folds {
        let _ = writeln!(
            s,
            "{:>4}  {} .. {}  {:>5}  {:>4}  {:>5}  {:>5}  {:>7}  {:>9}  {:>9}  {:>10}  {:>5}",
            f.fold,
            f.test_from,
            f.test_to,
            f.train_rows,
            f.model.rows,
            f.num_trees,
            f.fit_seconds.map_or("-".into(), |v| format!("{v:.1}")),
            f3(f.model.roc_auc),
            f3(f.logistic.roc_auc),
            f3(f.rules.roc_auc),
            f3(f.oracle_auc),
            f3(f.model.brier)
        );
    }
    let _ = writeln!(
        s,
        "\nout of fold ({} trader-days, {:.1}% closed negative):",
        r.calibrated.rows,
        100.0 * r.calibrated.positives as f64 / r.calibrated.rows.max(1) as f64
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>7} {:>7} {:>9} {:>7} {:>7} {:>12}",
        "", "ROC AUC", "PR AUC", "R@70%P", "Brier", "ECE", "EV lift"
    );
    for (name, sc) in [
        ("LightGBM (raw)", &r.uncalibrated),
        ("LightGBM (calibrated)", &r.calibrated),
        ("logistic baseline", &r.logistic),
        ("rules baseline", &r.rules),
    ] {
        let _ = writeln!(
            s,
            "  {:<24} {:>7} {:>7} {:>9} {:>7} {:>7} {:>12}",
            name,
            f3(sc.roc_auc),
            f3(sc.pr_auc),
            f3(sc.recall_at_70_precision),
            f3(sc.brier),
            f3(sc.ece),
            money(sc.ev_lift)
        );
    }
    if let Some(o) = r.oracle_auc {
        let _ = writeln!(
            s,
            "  simulator oracle AUC (best achievable on this data): {o:.3}"
        );
    }
    let _ = writeln!(
        s,
        "calibration: {} (ECE {} -> {}); cuts from {:.3}, high risk from {:.3}, by {} (out of fold at the first cut: precision {:.3}, recall {:.3}, F1 {:.3})",
        a.calibration.method(),
        f3(r.uncalibrated.ece),
        f3(r.calibrated.ece),
        a.threshold.restrict_from.unwrap_or(a.threshold.value),
        a.threshold.value,
        a.threshold.method,
        a.threshold.precision,
        a.threshold.recall,
        a.threshold.f1
    );
    let top: Vec<String> = a
        .feature_importance
        .iter()
        .take(5)
        .map(|f| format!("{} {:.3}", f.name, f.mean_abs_shap))
        .collect();
    let _ = writeln!(s, "top features (mean |SHAP|): {}", top.join(", "));
    let _ = writeln!(
        s,
        "final model: {} trees on {} trader-days (fit {}); features, CV + fit took {:.1} s ({} folds)",
        a.training.num_trees,
        a.training.rows,
        a.training
            .fit_seconds
            .map_or("-".into(), |v| format!("{v:.1} s")),
        secs,
        folds.len()
    );
    s
}
