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
use dars_shared::features::{self, FeatureContext, MarketSeries};

use super::folds::{DEFAULT_EMBARGO_DAYS, FoldPlan};
use super::gate::{self, Verdict};
use dars_shared::metrics::CostMatrix;
use dars_shared::policy::{Policy, ThresholdRule};
use dars_shared::rules;

use super::folds::Fold;
use super::gbm::GbmParams;
use super::pipeline::{self, FitOptions, Fitted, TrainData};
use crate::config::Config;
use crate::lake::Lake;
use crate::registry::Registry;

/// What `dars train` and `dars backtest` both need: the lake and the validation settings.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Data directory holding the lake.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Walk-forward folds [default: `training.folds`, else one per 10 trading days left after
    /// the first training span and the embargo, 1 to 4].
    #[arg(long)]
    pub folds: Option<usize>,
    /// Trading days between the last training label and the first test date [default:
    /// `training.embargo_days`, else 5].
    #[arg(long)]
    pub embargo: Option<usize>,
    /// Trading days the first fold trains on [default: `training.min_train_days`, else half
    /// the history, 20 to 120].
    #[arg(long)]
    pub min_train_days: Option<usize>,
    /// The simulator's oracle.csv (`date,account_id,p_negative`), to report the best achievable AUC.
    #[arg(long)]
    pub oracle: Option<PathBuf>,
    /// Market context series (`date,value`, e.g. VIX closes).
    #[arg(long)]
    pub market: Option<PathBuf>,
    /// Choose the threshold by minimal cost instead of maximal F1: false-positive and
    /// false-negative costs, e.g. `--cost 1,3`.
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<CostMatrix>,
    /// Configuration whose policy (`risk.*`, `rules.*`) chooses the threshold and the rules'
    /// settings (a missing file means the defaults: a restriction budget of 25%).
    #[arg(long, default_value = "config.yaml")]
    pub config: Option<PathBuf>,
    /// A policy already resolved by the caller (the scheduler's retrain), used instead of
    /// reading `config`.
    #[arg(skip)]
    pub policy: Option<Policy>,
    /// Rolling-statistic windows already resolved by the caller (`risk.lookback_days`), used
    /// instead of reading `config`.
    #[arg(skip)]
    pub lookback_days: Option<Vec<u32>>,
    /// `config` as read once (policy, validation plan and windows all come from it).
    #[arg(skip)]
    pub file: std::sync::OnceLock<Option<Config>>,
}

impl ModelArgs {
    /// What a configuration already loaded trains with (the scheduled retrain, the demo): its
    /// data directory, validation plan (`training.*`), policy and windows; no oracle, market
    /// series or cost matrix, and nothing more to read from a file.
    pub fn from_config(cfg: &Config) -> Result<ModelArgs> {
        Ok(ModelArgs {
            data: cfg.paths.data.clone(),
            folds: cfg.training.folds,
            embargo: cfg.training.embargo_days,
            min_train_days: cfg.training.min_train_days,
            oracle: None,
            market: None,
            cost: None,
            config: None,
            policy: Some(cfg.policy()),
            lookback_days: Some(cfg.risk.lookback_days.windows()?),
            file: Default::default(),
        })
    }

    /// The configuration file, read once: `None` when the caller resolved the policy itself,
    /// when no file is named, or when the named file does not exist (the defaults apply).
    fn file(&self) -> Result<Option<&Config>> {
        if let Some(read) = self.file.get() {
            return Ok(read.as_ref());
        }
        let read = match (&self.policy, &self.config) {
            // A missing file means the defaults, under the environment's `DARS__…` settings
            // like every other command.
            (None, Some(path)) => Some(Config::load(path, false)?),
            _ => None,
        };
        Ok(self.file.get_or_init(|| read).as_ref())
    }

    /// The validation plan: these flags, else the configuration's `training.*` (when the
    /// policy is read from the file), else derived from the history.
    pub fn plan(&self) -> Result<FoldPlan> {
        let file = self.file()?.map(|c| &c.training);
        Ok(FoldPlan {
            folds: self.folds.or(file.and_then(|t| t.folds)),
            min_train_days: self.min_train_days.or(file.and_then(|t| t.min_train_days)),
            embargo: self
                .embargo
                .or(file.and_then(|t| t.embargo_days))
                .unwrap_or(DEFAULT_EMBARGO_DAYS),
        })
    }

    /// The options with a given threshold rule.
    pub(super) fn options_with(&self, threshold: ThresholdRule) -> Result<FitOptions> {
        Ok(FitOptions {
            plan: self.plan()?,
            threshold,
            params: GbmParams::default(),
            progress: false,
        })
    }

    /// The policy — the caller's, else the configuration's (defaults without a file) — with
    /// `--cost` replacing its threshold rule, and in words which rule chooses the threshold
    /// and where it came from.
    pub fn policy(&self) -> Result<(Policy, String)> {
        let (mut policy, source) = match (&self.policy, &self.config, self.file()?) {
            (Some(p), _, _) => (p.clone(), "the configuration".to_owned()),
            (None, Some(path), Some(file)) if path.exists() => {
                (file.policy(), path.display().to_string())
            }
            (None, Some(path), Some(file)) => (
                file.policy(),
                format!("the defaults ({} not found)", path.display()),
            ),
            (None, Some(path), None) => (
                Policy::default(),
                format!("the defaults ({} not found)", path.display()),
            ),
            (None, None, _) => (Policy::default(), "the defaults".to_owned()),
        };
        if let Some(c) = &self.cost {
            policy.threshold = ThresholdRule::MinCost {
                false_positive: c.false_positive,
                false_negative: c.false_negative,
            };
            return Ok((
                policy.clone(),
                format!("{} from --cost", policy.threshold.describe()),
            ));
        }
        let words = format!("{} from {source}", policy.threshold.describe());
        Ok((policy, words))
    }

    /// The rolling-statistic windows the model learns from: the caller's, else the
    /// configuration's `risk.lookback_days`, else every window this build computes.
    pub fn windows(&self) -> Result<Vec<u32>> {
        if let Some(w) = &self.lookback_days {
            return Ok(w.clone());
        }
        match self.file()? {
            Some(file) => file.risk.lookback_days.windows(),
            None => Ok(features::ROLLING_WINDOWS.to_vec()),
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
        let market = match &self.market {
            Some(p) => {
                let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
                Some(
                    MarketSeries::parse(&bytes)
                        .with_context(|| format!("reading market series {}", p.display()))?,
                )
            }
            None => None,
        };
        let windows = self.windows()?;
        let m = features::build(&daily, &FeatureContext { market }).select_columns(|name| {
            features::rolling_window(name).is_none_or(|w| windows.contains(&w))
        });
        let oracle = match &self.oracle {
            Some(p) => Some(load_oracle(p)?),
            None => None,
        };
        let data = TrainData::new(&daily, m, oracle, policy);
        Ok((daily, data))
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Model registry directory.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Point `models/current` at the new version.
    #[arg(long)]
    pub promote: bool,
    /// The report goes to the log at debug level instead of the terminal (the scheduled
    /// retrain inside `dars serve`, whose log says the outcome at info).
    #[arg(skip)]
    pub quiet: bool,
}

fn parse_cost(s: &str) -> Result<CostMatrix, String> {
    let (fp, fn_) = s
        .split_once(',')
        .ok_or("expected FP_COST,FN_COST, e.g. 1,3")?;
    let fp: f64 = fp
        .trim()
        .parse()
        .map_err(|_| format!("bad false-positive cost {fp:?}"))?;
    let fn_: f64 = fn_
        .trim()
        .parse()
        .map_err(|_| format!("bad false-negative cost {fn_:?}"))?;
    Ok(CostMatrix {
        false_positive: fp,
        false_negative: fn_,
        ..CostMatrix::default()
    })
}

pub struct TrainOutcome {
    pub version: String,
    /// Whether the model beat the rules out of fold ([`super::gate`]), and the sentence why.
    pub verdict: Verdict,
    /// Whether it was published (`--promote` and a winning verdict).
    pub promoted: bool,
}

pub fn train(args: &TrainArgs) -> Result<TrainOutcome> {
    let started = std::time::Instant::now();
    // Held while the lake is read (features, then the gate's replay of the fills).
    let _lake = crate::lake::lock::read(&args.model.data)?;
    let (policy, threshold_rule) = args.model.policy()?;
    let opts = FitOptions {
        progress: true,
        ..args.model.options_with(policy.threshold.clone())?
    };
    let (_, data) = args.model.load(&policy)?;
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
    let comparison = gate::compare(&Lake::open(&args.model.data), &data.m, &oof, &policy)?;
    let verdict = comparison.verdict();
    artifact.against_rules = Some(comparison.figures(&verdict));
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
