//! Every command's flags (clap), and how each becomes the plain request its module runs. This
//! is the one place that knows about clap and about which settings a flag overrides: a request
//! leaves here with the configuration file, the environment (`DARS__SECTION__KEY`) and the flags
//! already resolved (file < environment < flags), so the modules never read a setting
//! themselves and the scheduler and the demo build the same request types. (The data and model
//! directories of `ingest`, `train`, `backtest` and `export` are their `--data` and `--models`
//! flags, `data` and `models` by default, not `paths.*`: as before this layer existed.)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
use dars_shared::metrics::CostMatrix;
use dars_shared::policy::ThresholdRule;

use crate::config::Config;
use crate::demo::DemoRequest;
use crate::export::{ExportDailyRequest, Format};
use crate::lake::IngestRequest;
use crate::overrides::OverrideRequest;
use crate::pull::PullRequest;
use crate::schedule::PredictRequest;
use crate::serve::ServeRequest;
use crate::train::{
    BacktestRequest, DEFAULT_EMBARGO_DAYS, ExportFeaturesRequest, FoldPlan, ModelRequest, Retrain,
    TrainRequest,
};
use crate::{audit, simulate};

/// `dars ingest`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Fills, daily-totals or closing-price CSV files; each file's kind and dialect is detected
    /// from its header.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Closing prices (`date,symbol,close`) for marking overnight positions.
    #[arg(long)]
    pub closes: Vec<PathBuf>,
    /// The trading day (YYYY-MM-DD) of files whose rows hold times only (a DAS Trader trade
    /// log) [default: the date in each such file's name, e.g. trades_2025-01-02.csv].
    #[arg(long)]
    pub date: Option<NaiveDate>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Where and how exports are loaded: what `dars ingest` and `dars pull` share.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Data directory holding `raw/` and `lake/`.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Reject a whole export at its first bad row instead of keeping the good rows.
    #[arg(long)]
    pub strict: bool,
    /// Accounts whose id ends with this suffix are legacy accounts, excluded and counted.
    #[arg(long, default_value = crate::lake::LEGACY_SUFFIX)]
    pub legacy_suffix: String,
    /// Keep legacy accounts.
    #[arg(long)]
    pub include_legacy: bool,
    /// Configuration file: `instruments.futures` (and, for `dars pull`, `propreports.*`).
    #[arg(long, default_value = "config.yaml")]
    pub config: PathBuf,
}

impl LoadArgs {
    /// The ingest of `files` and `closes` with these settings and `cfg`'s futures table and
    /// memory budget.
    pub fn request(self, cfg: &Config, files: Vec<PathBuf>, closes: Vec<PathBuf>) -> IngestRequest {
        IngestRequest {
            files,
            closes,
            strict: self.strict,
            legacy_suffix: (!self.include_legacy).then_some(self.legacy_suffix),
            ..IngestRequest::configured(self.data, cfg)
        }
    }
}

impl IngestArgs {
    /// Loads the configuration (optional: an absent file means the defaults).
    pub fn request(self) -> Result<IngestRequest> {
        let cfg = Config::load(&self.load.config, false)?;
        Ok(IngestRequest {
            trading_day: self.date,
            ..self.load.request(&cfg, self.files, self.closes)
        })
    }
}

/// `dars pull`.
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    /// First trading day to pull (YYYY-MM-DD).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last trading day to pull [default: today].
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Pull only this account (repeatable) [default: `propreports.accounts`, else every
    /// account the login sees].
    #[arg(long = "account")]
    pub accounts: Vec<String>,
    #[command(flatten)]
    pub load: LoadArgs,
}

impl PullArgs {
    pub fn request(self) -> Result<PullRequest> {
        let cfg = Config::load(&self.load.config, false)?;
        let to = self.to.unwrap_or_else(|| chrono::Local::now().date_naive());
        PullRequest::configured(
            &cfg,
            &crate::config::Secrets::from_env(),
            self.from,
            to,
            self.accounts,
            self.load.request(&cfg, Vec::new(), Vec::new()),
        )
    }
}

/// What `dars train`, `dars backtest` and `dars export features` share: the lake and the
/// validation settings.
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
    /// Choose the threshold by minimal cost instead of the configured rule: false-positive and
    /// false-negative costs, e.g. `--cost 1,3`.
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<CostMatrix>,
    /// Configuration whose policy (`risk.*`, `rules.*`), validation plan (`training.*`) and
    /// windows (`risk.lookback_days`) apply under these flags (a missing file means the
    /// defaults: a restriction budget of 25%).
    #[arg(long, default_value = "config.yaml")]
    pub config: PathBuf,
}

impl ModelArgs {
    /// The configuration file (missing: the defaults), under the environment, under these
    /// flags.
    pub fn request(self) -> Result<ModelRequest> {
        let file = Config::load(&self.config, false)?;
        let mut policy = file.policy();
        let threshold_source = match &self.cost {
            Some(c) => {
                policy.threshold = ThresholdRule::MinCost {
                    false_positive: c.false_positive,
                    false_negative: c.false_negative,
                };
                format!("{} from --cost", policy.threshold.describe())
            }
            None if self.config.exists() => format!(
                "{} from {}",
                policy.threshold.describe(),
                self.config.display()
            ),
            None => format!(
                "{} from the defaults ({} not found)",
                policy.threshold.describe(),
                self.config.display()
            ),
        };
        let training = &file.training;
        Ok(ModelRequest {
            plan: FoldPlan {
                folds: self.folds.or(training.folds),
                min_train_days: self.min_train_days.or(training.min_train_days),
                embargo: self
                    .embargo
                    .or(training.embargo_days)
                    .unwrap_or(DEFAULT_EMBARGO_DAYS),
            },
            windows: file.risk.lookback_days.windows()?,
            policy,
            threshold_source,
            data: self.data,
            oracle: self.oracle,
        })
    }
}

/// `--cost FP,FN`.
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

/// `dars train`.
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
}

impl TrainArgs {
    pub fn request(self) -> Result<TrainRequest> {
        Ok(TrainRequest {
            model: self.model.request()?,
            models: self.models,
            promote: self.promote,
            quiet: false,
        })
    }
}

/// `--retrain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetrainArg {
    Weekly,
    Monthly,
    /// One model, trained on what was known before `--from`.
    Never,
}

impl From<RetrainArg> for Retrain {
    fn from(r: RetrainArg) -> Retrain {
        match r {
            RetrainArg::Weekly => Retrain::Weekly,
            RetrainArg::Monthly => Retrain::Monthly,
            RetrainArg::Never => Retrain::Never,
        }
    }
}

/// `dars backtest`.
#[derive(Debug, Clone, clap::Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// First predicted trading day [default: the first day with a known outcome].
    #[arg(long, conflicts_with = "last_days")]
    pub from: Option<NaiveDate>,
    /// Instead of `--from`: the last N trading days with a known outcome.
    #[arg(long)]
    pub last_days: Option<usize>,
    /// Last predicted trading day [default: the last day with a known outcome].
    #[arg(long)]
    pub to: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = RetrainArg::Monthly)]
    pub retrain: RetrainArg,
    /// Where to write the predictions CSV; the metrics go beside it as `.json` and `.txt`
    /// [default: DATA/backtests/backtest_FROM_TO_RETRAIN.csv].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl BacktestArgs {
    pub fn request(self) -> Result<BacktestRequest> {
        Ok(BacktestRequest {
            model: self.model.request()?,
            from: self.from,
            last_days: self.last_days,
            to: self.to,
            retrain: self.retrain.into(),
            out: self.out,
        })
    }
}

/// `dars export features`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportFeaturesArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Directory to write `features.csv`, `folds.json` and `params.json` into.
    #[arg(long)]
    pub out: PathBuf,
}

impl ExportFeaturesArgs {
    pub fn request(self) -> Result<ExportFeaturesRequest> {
        Ok(ExportFeaturesRequest {
            model: self.model.request()?,
            out: self.out,
        })
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Json,
}

/// `dars export daily`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportDailyArgs {
    /// Data directory holding the lake.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub format: FormatArg,
    /// Output file; standard output when omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl ExportDailyArgs {
    pub fn request(self) -> ExportDailyRequest {
        ExportDailyRequest {
            data: self.data,
            format: match self.format {
                FormatArg::Csv => Format::Csv,
                FormatArg::Json => Format::Json,
            },
            out: self.out,
        }
    }
}

/// `dars override`.
#[derive(Debug, Clone, clap::Args)]
pub struct OverrideArgs {
    /// The trader's account.
    #[arg(long)]
    pub account: String,
    /// The limit the manager sets, in dollars.
    #[arg(long)]
    pub limit: f64,
    /// Why, for the record.
    #[arg(long)]
    pub why: String,
    /// Who decided [default: $USER].
    #[arg(long)]
    pub by: Option<String>,
    /// The run whose recommendation is overridden [default: the latest].
    #[arg(long)]
    pub date: Option<NaiveDate>,
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

impl OverrideArgs {
    pub fn request(self) -> OverrideRequest {
        OverrideRequest {
            by: self
                .by
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".into()),
            account: self.account,
            limit: self.limit,
            why: self.why,
            date: self.date,
            data: self.data,
        }
    }
}

/// `dars predict`.
#[derive(Debug, Clone, clap::Args)]
pub struct PredictArgs {
    /// Score as of this trading day's close [default: the latest day in the lake].
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Configuration file.
    #[arg(long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Also send the alerts configured in `alerts.*`.
    #[arg(long)]
    pub alert: bool,
}

impl PredictArgs {
    pub fn request(self) -> Result<PredictRequest> {
        Ok(PredictRequest {
            config: Config::load(&self.config, false)?,
            date: self.date,
            alert: self.alert,
        })
    }
}

/// Where the model registry and its audit trail are.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryArgs {
    /// The registry directory.
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Data directory whose audit trail records every move.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
}

/// `--role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Sees every trader.
    Manager,
    /// Sees only their own account(s).
    Trader,
}

impl From<RoleArg> for audit::Role {
    fn from(r: RoleArg) -> audit::Role {
        match r {
            RoleArg::Manager => audit::Role::Manager,
            RoleArg::Trader => audit::Role::Trader,
        }
    }
}

/// Flags of `dars serve` (and of `dars demo`'s last step).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the URL is printed either way).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The built web app (Trunk's output).
    #[arg(long, default_value = "target/site")]
    pub web_dir: PathBuf,
    /// Model registry; `current/model.json` inside it is what the browser loads [default: the
    /// configuration's `paths.models`, else `models`]. The morning job, the weekly retrain, the
    /// API and the static files all use this one directory.
    #[arg(long)]
    pub models_dir: Option<PathBuf>,
    /// Demo firm files offered to the page's "load demo data" button, served at `/demo` only
    /// when this is given (and by `dars demo`, from `data/demo`): a firm's own server never
    /// hands out a folder of fills to whoever asks.
    #[arg(long)]
    pub demo_dir: Option<PathBuf>,
    /// Configuration (data directory for the API and audit trail, alerts, schedule).
    #[arg(long, default_value = "config.yaml")]
    pub config: PathBuf,
    /// Do not run the scheduled morning prediction and weekly retrain in this process.
    #[arg(long)]
    pub no_schedule: bool,
}

impl ServeArgs {
    /// What to serve, and the configuration with `--models-dir` over its `paths.models`.
    pub fn request(self) -> Result<(ServeRequest, Config)> {
        let cfg = settings(&self.config, self.models_dir.as_deref())?;
        Ok((
            ServeRequest {
                addr: self.addr,
                web_dir: self.web_dir,
                demo_dir: self.demo_dir,
                no_schedule: self.no_schedule,
            },
            cfg,
        ))
    }
}

/// The configuration file (under the environment) with a `--models-dir` flag over its
/// `paths.models`: one models directory per process, which the morning job, the retrain, the
/// API and the static files then share.
fn settings(config: &Path, models_dir: Option<&Path>) -> Result<Config> {
    let mut cfg = Config::load(config, false)?;
    if let Some(models) = models_dir {
        cfg.paths.models = models.to_owned();
    }
    Ok(cfg)
}

/// `dars demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Serving flags; `--demo-dir` is also where the demo firm's raw exports are written.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Data directory of the lake.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Traders in the demo firm.
    #[arg(long, default_value_t = 12)]
    pub traders: usize,
    /// Trading days simulated.
    #[arg(long, default_value_t = 625)]
    pub days: usize,
    /// Simulation seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The demo firm's maximum drawdown in dollars (a trader who reaches it is let go and
    /// replaced), as `dars simulate --max-drawdown`.
    #[arg(long, default_value_t = simulate::DEFAULT_MAX_DRAWDOWN)]
    pub max_drawdown: f64,
    /// Trading days in the slice the web page's "Load demo data" button fetches: a year of
    /// fills, the size a manager would drop in practice.
    #[arg(long, default_value_t = 250)]
    pub web_days: usize,
    /// Training embargo in trading days [default: 5].
    #[arg(long)]
    pub embargo: Option<usize>,
    /// Trading days the first validation fold trains on [default: half the history, 20 to
    /// 120].
    #[arg(long)]
    pub min_train_days: Option<usize>,
    /// Trading days the demo backtest replays (monthly retraining), shown on the trader
    /// pages as past predictions against what happened.
    #[arg(long, default_value_t = 120)]
    pub backtest_days: usize,
    /// Stop after preparing everything instead of serving (used by tests and scripts).
    #[arg(long)]
    pub no_serve: bool,
}

impl DemoArgs {
    pub fn request(self) -> Result<DemoRequest> {
        let (serve, config) = self.serve.request()?;
        Ok(DemoRequest {
            serve,
            config,
            data: self.data,
            traders: self.traders,
            days: self.days,
            seed: self.seed,
            max_drawdown: self.max_drawdown,
            web_days: self.web_days,
            embargo: self.embargo,
            min_train_days: self.min_train_days,
            backtest_days: self.backtest_days,
            no_serve: self.no_serve,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One models directory per process: the flag over the file's `paths.models`, which the
    /// morning job, the retrain, the API and the static files then share.
    #[test]
    fn the_models_flag_overrides_the_configuration_once() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = tmp.path().join("config.yaml");
        std::fs::write(&config, "paths:\n  models: from-file\n").unwrap_or_else(|e| panic!("{e}"));
        let mut args = ServeArgs {
            addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
            web_dir: "site".into(),
            models_dir: None,
            demo_dir: Some("demo".into()),
            config,
            no_schedule: true,
        };
        let from_file = args.clone().request().map(|(_, c)| c.paths.models);
        assert_eq!(from_file.ok(), Some(PathBuf::from("from-file")));
        args.models_dir = Some("from-flag".into());
        let from_flag = args.request().map(|(_, c)| c.paths.models);
        assert_eq!(from_flag.ok(), Some(PathBuf::from("from-flag")));
    }

    /// Flags over the file over the defaults, for the validation plan; `--cost` replaces the
    /// file's threshold rule and says so.
    #[test]
    fn model_flags_override_the_file() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = tmp.path().join("config.yaml");
        std::fs::write(&config, "training:\n  folds: 3\n  embargo_days: 7\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let args = |extra: &[&str]| {
            use clap::Parser;
            #[derive(clap::Parser)]
            struct Probe {
                #[command(flatten)]
                model: ModelArgs,
            }
            let mut argv = vec![
                "probe".to_owned(),
                "--config".to_owned(),
                config.display().to_string(),
            ];
            argv.extend(extra.iter().map(|s| s.to_string()));
            Probe::parse_from(argv)
                .model
                .request()
                .unwrap_or_else(|e| panic!("{e:#}"))
        };
        let from_file = args(&[]);
        assert_eq!((from_file.plan.folds, from_file.plan.embargo), (Some(3), 7));
        assert!(from_file.threshold_source.contains("config.yaml"));
        let from_flags = args(&["--folds", "2", "--embargo", "4", "--cost", "1,3"]);
        assert_eq!(
            (from_flags.plan.folds, from_flags.plan.embargo),
            (Some(2), 4)
        );
        assert!(matches!(
            from_flags.policy.threshold,
            ThresholdRule::MinCost { .. }
        ));
        assert!(from_flags.threshold_source.ends_with("from --cost"));
    }
}
