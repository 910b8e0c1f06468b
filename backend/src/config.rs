//! `config.yaml`: what a risk desk tunes, with the key names users of the original design know
//! (`risk.prob_threshold`, `risk.lookback_days`, `risk.loss_cap`, `alerts.channels`,
//! `alerts.email_recipients`, `training.retrain_freq`, `training.model_type`) plus this
//! product's own. Secrets never live here: SMTP credentials and the Slack webhook come from the
//! environment or a `.env` file (see `.env.example`). Unknown keys and invalid values are errors
//! that name the key, so a typo cannot silently fall back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use dars_shared::features;
use dars_shared::policy::{Policy, ThresholdRule};
use dars_shared::rules::{RulesConfig, Tier, TierConfig};
use serde::{Deserialize, Serialize};

/// The whole file. Every section and key is optional; what is left out takes the default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub paths: Paths,
    pub risk: Risk,
    pub rules: RulesConfig,
    pub alerts: Alerts,
    pub email: Email,
    pub training: Training,
    pub schedule: Schedule,
    pub propreports: PropReports,
    pub ingest: Ingest,
    /// Futures roots and their multipliers and ticks: what a futures fill is worth
    /// ([`dars_shared::instrument::Instruments`]). Empty: every future is refused at ingest.
    pub instruments: dars_shared::instrument::Instruments,
}

/// `dars pull`'s source: the firm's PropReports API. The login comes from the environment
/// (`DARS_PROPREPORTS_USER`, `DARS_PROPREPORTS_PASSWORD`), never from this file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PropReports {
    /// The firm's API address, `https://<firm>.propreports.com/api.php` (`http://` only to this
    /// machine).
    pub url: Option<String>,
    /// Pull only this group's accounts (`groupId`); unset: every account the login sees.
    /// Written as a number or a string.
    #[serde(deserialize_with = "optional_id")]
    pub group_id: Option<String>,
    /// Pull these accounts one by one (`accountId`); empty: one request for all of them.
    /// Written as numbers or strings.
    #[serde(deserialize_with = "ids")]
    pub accounts: Vec<String>,
    /// The morning run (`dars predict`, the scheduler) pulls before it scores.
    pub pull_before_predict: bool,
    /// Calendar days, ending today, that the morning pull asks for (overlaps are free: fills
    /// already in the lake are skipped by fill id).
    pub morning_days: u32,
}

/// An identifier written in YAML as a string or as a number (`7`, `"NET001"`): PropReports' group
/// and account ids are often numeric.
#[derive(Deserialize)]
#[serde(untagged)]
enum Id {
    Text(String),
    Number(u64),
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        match id {
            Id::Text(s) => s,
            Id::Number(n) => n.to_string(),
        }
    }
}

fn optional_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Id>::deserialize(d)?.map(String::from))
}

fn ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Vec::<Id>::deserialize(d)?
        .into_iter()
        .map(String::from)
        .collect())
}

impl Default for PropReports {
    fn default() -> Self {
        PropReports {
            url: None,
            group_id: None,
            accounts: Vec::new(),
            pull_before_predict: false,
            morning_days: 5,
        }
    }
}

/// How `dars ingest` uses memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ingest {
    /// Parsed fills held in memory at once (≈ 60 bytes each; the merge of a month builds lake
    /// rows of ≈ 300 bytes each): a file with more is merged a group of months at a time, each
    /// read again from the file, and a lake with more rebuilds its daily table a group of
    /// accounts at a time. The default, 4 million, keeps a multi-gigabyte backfill under 1 GB.
    pub fills_in_memory: u64,
}

impl Default for Ingest {
    fn default() -> Self {
        Ingest {
            fills_in_memory: crate::lake::FILLS_IN_MEMORY,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Paths {
    /// The lake, predictions and the audit database.
    pub data: PathBuf,
    /// The model registry.
    pub models: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            data: "data".into(),
            models: "models".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Risk {
    /// Overrides the model's own validated threshold when set (a probability).
    pub prob_threshold: Option<f64>,
    /// The windows, in trading days, of the rolling statistics the model learns from (the
    /// design's meaning: `[3, 5, 10]` = 3-, 5- and 10-day mean, volatility, sum, worst day and
    /// maximum drawdown), among [`features::ROLLING_WINDOWS`]. A model trained with other
    /// windows is refused until it is retrained.
    pub lookback_days: LookbackDays,
    /// Calendar days without a trade after which a trader no longer counts as active.
    pub active_days: u32,
    /// Business days without a trade after which a trader is reported stale, not scored.
    pub stale_after_days: u32,
    /// A day's loss level in dollars (negative: -500 = a $500 loss) for the magnitude model;
    /// validated and stored, not used until that model lands. (The ceiling on cuts, which this
    /// key once held, is `rules.max_cut`.)
    pub loss_cap: Option<f64>,
    /// Daily loss limit, in dollars, of a trader without an entry in `loss_limits`.
    pub base_loss_limit: f64,
    pub loss_limits: BTreeMap<String, f64>,
    /// Tier band and cuts.
    pub tiers: TierConfig,
    /// Threshold by cost when training (instead of the restriction budget).
    pub cost_matrix: Option<CostConfig>,
    /// The restriction budget: the model cuts the limits of at most this share of active
    /// trader-days (used unless `prob_threshold` or `cost_matrix` is set).
    pub restrict_share: f64,
    /// The share of trader-days in the high tier, within the budget.
    pub high_share: f64,
    /// Risk factors and "going well" items put into words per trader.
    pub top_factors: usize,
    /// Warn when the active-trader count moves by more than this share between runs.
    pub active_change_warn: f64,
}

impl Default for Risk {
    fn default() -> Self {
        let s = Policy::default();
        Risk {
            prob_threshold: None,
            lookback_days: LookbackDays::Windows(features::ROLLING_WINDOWS.to_vec()),
            active_days: 30,
            stale_after_days: 5,
            loss_cap: None,
            base_loss_limit: s.base_loss_limit,
            loss_limits: BTreeMap::new(),
            tiers: s.tiers,
            cost_matrix: None,
            restrict_share: 0.25,
            high_share: 0.10,
            top_factors: s.top_factors,
            active_change_warn: 0.2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostConfig {
    pub false_positive: f64,
    pub false_negative: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Slack,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Alerts {
    pub channels: Vec<Channel>,
    /// The risk desk: receives the firm-wide alert.
    pub email_recipients: Vec<String>,
    /// Receives an error alert when a run itself fails.
    pub ops_recipients: Vec<String>,
    /// Traders who opted in to their own daily email (account id → address). Each gets only
    /// their own accounts.
    pub trader_emails: BTreeMap<String, String>,
    /// Lowest tier that appears in an alert.
    pub min_tier: Tier,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            channels: vec![Channel::Email],
            email_recipients: Vec::new(),
            ops_recipients: Vec::new(),
            trader_emails: BTreeMap::new(),
            min_tier: Tier::Moderate,
        }
    }
}

// `tls: tls` is the key's documented value, so the variant keeps the enum's name.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tls {
    /// Plain SMTP (loopback relays and tests only).
    None,
    /// Upgrade with STARTTLS (port 587).
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Email {
    /// SMTP relay; when unset, alerts are written to `data/outbox/` instead of sent.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub tls: Tls,
    /// A PEM file of the certificate authority that signed the relay's certificate (a relay
    /// with a private CA); unset: the public web roots only. Certificates are always verified.
    pub ca_file: Option<PathBuf>,
    pub from: String,
}

impl Default for Email {
    fn default() -> Self {
        Email {
            smtp_host: None,
            smtp_port: 587,
            tls: Tls::Starttls,
            ca_file: None,
            from: "DARS Risk <risk@localhost>".into(),
        }
    }
}

/// `risk.lookback_days` as written: the design's list of windows, or a single number (the key's
/// old meaning, now `risk.active_days`), which is refused by name rather than reinterpreted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LookbackDays {
    Windows(Vec<u32>),
    Scalar(u32),
}

impl LookbackDays {
    /// The windows, ascending, each one this build computes; or why not.
    pub fn windows(&self) -> Result<Vec<u32>> {
        let list = match self {
            LookbackDays::Windows(w) => w,
            LookbackDays::Scalar(n) => bail!(
                "risk.lookback_days: expected a list of rolling-statistic windows in trading \
                 days, e.g. [3, 5, 10], found {n}; the days without a trade after which a \
                 trader is inactive are now risk.active_days"
            ),
        };
        if list.is_empty() {
            bail!("risk.lookback_days: expected at least one window, e.g. [3, 5, 10]");
        }
        let known = features::ROLLING_WINDOWS
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(w) = list.iter().find(|w| !features::ROLLING_WINDOWS.contains(w)) {
            bail!(
                "risk.lookback_days: this build computes rolling statistics over {known} \
                 trading days, found {w}"
            );
        }
        let mut w = list.clone();
        w.sort_unstable();
        w.dedup();
        Ok(w)
    }
}

/// How often the scheduler retrains: a word, or the design's durations `1d`, `7d`, `30d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrainFreq {
    #[serde(alias = "1d")]
    Daily,
    #[serde(alias = "7d")]
    Weekly,
    #[serde(alias = "30d")]
    Monthly,
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Training {
    pub retrain_freq: RetrainFreq,
    /// `lightgbm` (the only learner that publishes; logistic regression is its baseline).
    pub model_type: String,
    /// Walk-forward folds; unset = derived from the history (1 to 4).
    pub folds: Option<usize>,
    /// Trading days between the last training label and the first test date; unset = 5.
    pub embargo_days: Option<usize>,
    /// Trading days the first fold trains on; unset = half the history, 20 to 120.
    pub min_train_days: Option<usize>,
    /// Publish a scheduled retrain when its out-of-fold AUC is at least the current model's.
    pub auto_promote: bool,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            retrain_freq: RetrainFreq::Weekly,
            model_type: "lightgbm".into(),
            folds: None,
            embargo_days: None,
            min_train_days: None,
            auto_promote: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Schedule {
    /// Daily prediction and alerts, `HH:MM`, every weekday.
    pub daily: String,
    /// Weekly retrain, `Sun 20:00`.
    pub weekly: String,
    /// IANA time zone of both, e.g. `America/New_York`.
    pub timezone: String,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            daily: "06:30".into(),
            weekly: "Sun 20:00".into(),
            timezone: "America/New_York".into(),
        }
    }
}

/// A parsed schedule entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daily(pub NaiveTime);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekly(pub Weekday, pub NaiveTime);

impl Schedule {
    pub fn daily_time(&self) -> Result<Daily> {
        parse_time(&self.daily)
            .map(Daily)
            .with_context(|| format!("schedule.daily: expected HH:MM, found {:?}", self.daily))
    }

    pub fn weekly_time(&self) -> Result<Weekly> {
        let bad = || {
            format!(
                "schedule.weekly: expected a weekday and HH:MM like \"Sun 20:00\", found {:?}",
                self.weekly
            )
        };
        let (day, time) = self.weekly.trim().split_once(' ').with_context(bad)?;
        let day: Weekday = day.parse().ok().with_context(bad)?;
        Ok(Weekly(day, parse_time(time).with_context(bad)?))
    }

    pub fn tz(&self) -> Result<Tz> {
        self.timezone.parse().ok().with_context(|| {
            format!(
                "schedule.timezone: expected an IANA time zone like \"America/New_York\", found {:?}",
                self.timezone
            )
        })
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// Environment variables that set a configuration key: `DARS__RISK__RESTRICT_SHARE=0.3` sets
/// `risk.restrict_share` (each `__` is one level; names are matched in lower case), the value
/// read as YAML (`0.3`, `[3, 5, 10]`, `null`, `Sun 20:00`). The double underscore keeps them
/// apart from the secrets (`DARS_SMTP_PASSWORD`), which never live in the configuration.
pub const ENV_PREFIX: &str = "DARS__";

/// One key set by the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSetting {
    /// The variable, e.g. `DARS__RISK__RESTRICT_SHARE`.
    pub var: String,
    /// The key it sets as written in the variable, e.g. `RISK.RESTRICT_SHARE` (matched to
    /// `risk.restrict_share`; a map key such as an account id keeps its case).
    pub key: String,
    /// The value as written.
    pub value: String,
}

/// The `DARS__…` variables among `vars`, sorted by key.
pub fn env_settings(vars: impl IntoIterator<Item = (String, String)>) -> Vec<EnvSetting> {
    let mut out: Vec<EnvSetting> = vars
        .into_iter()
        .filter_map(|(var, value)| {
            let rest = var.strip_prefix(ENV_PREFIX)?;
            // Sections and keys are matched in lower case when set ([`set_key`]); the segments
            // are kept as written so that a map key such as an account id (`LOSS_LIMITS__NET001`)
            // keeps its case.
            let key = rest.split("__").collect::<Vec<_>>().join(".");
            Some(EnvSetting { var, key, value })
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

impl Config {
    /// The settings every command uses: the file (a missing file is an error only when
    /// `required`; an absent one means the defaults) under the environment's `DARS__…`
    /// variables ([`ENV_PREFIX`]). Flags are applied on top by each command's arguments.
    pub fn load(path: &Path, required: bool) -> Result<Config> {
        Config::load_with_env(path, required, &env_settings(std::env::vars()))
    }

    /// [`Config::load`] with the environment given (tests pass their own).
    pub fn load_with_env(path: &Path, required: bool, env: &[EnvSetting]) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        // The file alone first, so its mistakes are reported with their line and column.
        let from_file = Config::parse(&text)
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        if env.is_empty() {
            return Ok(from_file);
        }
        let mut tree = serde_yaml_ng::to_value(&from_file)?;
        for s in env {
            set_key(&mut tree, &s.key, &s.value).with_context(|| s.var.clone())?;
        }
        let cfg: Config = serde_yaml_ng::from_value(tree).map_err(|e| {
            anyhow::anyhow!(
                "{e} (with the environment's {})",
                env.iter()
                    .map(|s| s.var.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        cfg.validate().map_err(|e| {
            anyhow::anyhow!(
                "{e:#} (with the environment's {})",
                env.iter()
                    .map(|s| format!("{}={}", s.var, s.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        Ok(cfg)
    }

    pub fn parse(text: &str) -> Result<Config> {
        let cfg: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            // serde_yaml_ng names the key path and position: "risk: unknown field `los_cap`,
            // expected one of … at line 3 column 3".
            serde_yaml_ng::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Range and consistency checks serde cannot express; each error names its key.
    pub fn validate(&self) -> Result<()> {
        let frac = |key: &str, v: f64| -> Result<()> {
            if !(0.0..=1.0).contains(&v) {
                bail!("{key}: expected a fraction between 0 and 1, found {v}");
            }
            Ok(())
        };
        if let Some(p) = self.risk.prob_threshold
            && !(p > 0.0 && p < 1.0)
        {
            bail!("risk.prob_threshold: expected a probability between 0 and 1, found {p}");
        }
        if let Some(cap) = self.risk.loss_cap
            && !(cap < 0.0 && cap.is_finite())
        {
            bail!(
                "risk.loss_cap: expected a negative dollar loss level for the magnitude model \
                 (e.g. -500), found {cap}; the ceiling on cuts it once held is rules.max_cut"
            );
        }
        self.risk.lookback_days.windows()?;
        if let Some(url) = &self.propreports.url
            && !is_private_transport(url)
        {
            bail!(
                "propreports.url: expected an https:// address (`https://<firm>.propreports.com/\
                 api.php`); the login would travel in the clear to {url} (http:// is allowed \
                 only to this machine)"
            );
        }
        if self.propreports.morning_days == 0 {
            bail!("propreports.morning_days: expected at least 1 day");
        }
        if let Err(e) = self.instruments.validate() {
            bail!("instruments.futures: {e}");
        }
        frac("risk.tiers.high_cut", self.risk.tiers.high_cut)?;
        frac("risk.tiers.moderate_cut", self.risk.tiers.moderate_cut)?;
        frac("risk.tiers.moderate_band", self.risk.tiers.moderate_band)?;
        frac("risk.active_change_warn", self.risk.active_change_warn)?;
        if self.risk.active_days == 0 {
            bail!("risk.active_days: expected at least 1 day");
        }
        if self.risk.stale_after_days == 0 {
            bail!("risk.stale_after_days: expected at least 1 day");
        }
        if self.risk.base_loss_limit.is_nan() || self.risk.base_loss_limit <= 0.0 {
            bail!(
                "risk.base_loss_limit: expected a positive dollar amount, found {}",
                self.risk.base_loss_limit
            );
        }
        for (account, limit) in &self.risk.loss_limits {
            if limit.is_nan() || *limit <= 0.0 {
                bail!(
                    "risk.loss_limits.{account}: expected a positive dollar amount, found {limit}"
                );
            }
        }
        if let Some(c) = &self.risk.cost_matrix
            && !(c.false_positive > 0.0 && c.false_negative > 0.0)
        {
            bail!("risk.cost_matrix: both costs must be positive");
        }
        if self.risk.prob_threshold.is_some() && self.risk.cost_matrix.is_some() {
            bail!(
                "risk.prob_threshold and risk.cost_matrix: set at most one (a fixed threshold, a \
                 cost matrix, or neither for the restriction budget risk.restrict_share)"
            );
        }
        self.policy().validate().map_err(|e| anyhow::anyhow!(e))?;
        for (key, v) in [
            ("rules.loss_streak_cut", self.rules.loss_streak_cut),
            (
                "rules.loss_streak_severe_cut",
                self.rules.loss_streak_severe_cut,
            ),
            ("rules.drawdown_cut", self.rules.drawdown_cut),
            ("rules.drawdown_severe_cut", self.rules.drawdown_severe_cut),
            ("rules.vol_spike_cut", self.rules.vol_spike_cut),
            ("rules.tail_loss_cut", self.rules.tail_loss_cut),
            ("rules.max_cut", self.rules.max_cut),
        ] {
            frac(key, v)?;
        }
        if !(self.rules.drawdown_limits > 0.0
            && self.rules.drawdown_severe_limits >= self.rules.drawdown_limits)
        {
            bail!(
                "rules.drawdown_limits / rules.drawdown_severe_limits: expected positive multiples \
                 of the loss limit, the severe one at least the first, found {} and {}",
                self.rules.drawdown_limits,
                self.rules.drawdown_severe_limits
            );
        }
        if self.rules.drawdown_window_days < 2 {
            bail!("rules.drawdown_window_days: expected at least 2 trading days");
        }
        if self.rules.tail_loss_window_days < self.rules.tail_loss_min_days {
            bail!(
                "rules.tail_loss_window_days: expected at least rules.tail_loss_min_days ({}), \
                 found {}",
                self.rules.tail_loss_min_days,
                self.rules.tail_loss_window_days
            );
        }
        if !(0.0..=100.0).contains(&self.rules.tail_loss_percentile) {
            bail!(
                "rules.tail_loss_percentile: expected a percentile between 0 and 100, found {}",
                self.rules.tail_loss_percentile
            );
        }
        let email = |key: &str, v: &str| -> Result<()> {
            let ok = v.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') || host == "localhost"
            });
            if !ok {
                bail!("{key}: expected an email address, found {v:?}");
            }
            Ok(())
        };
        for (i, r) in self.alerts.email_recipients.iter().enumerate() {
            email(&format!("alerts.email_recipients[{i}]"), r)?;
        }
        for (i, r) in self.alerts.ops_recipients.iter().enumerate() {
            email(&format!("alerts.ops_recipients[{i}]"), r)?;
        }
        for (account, r) in &self.alerts.trader_emails {
            email(&format!("alerts.trader_emails.{account}"), r)?;
        }
        if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            bail!(
                "email.from: expected an address like \"DARS Risk <risk@firm.com>\", found {:?}",
                self.email.from
            );
        }
        if !matches!(
            self.training.model_type.to_ascii_lowercase().as_str(),
            "lightgbm" | "lgbm"
        ) {
            bail!(
                "training.model_type: only \"lightgbm\" (or \"lgbm\") is supported (logistic regression is \
                 its baseline, reported beside it), found {:?}",
                self.training.model_type
            );
        }
        if self.training.folds == Some(0) {
            bail!("training.folds: expected at least 1");
        }
        if self.training.min_train_days == Some(0) {
            bail!("training.min_train_days: expected at least 1 trading day");
        }
        self.schedule.daily_time()?;
        self.schedule.weekly_time()?;
        self.schedule.tz()?;
        Ok(())
    }

    /// How the threshold is chosen: a fixed `risk.prob_threshold`, else `risk.cost_matrix`,
    /// else the restriction budget `risk.restrict_share`.
    pub fn threshold_rule(&self) -> ThresholdRule {
        match (&self.risk.prob_threshold, &self.risk.cost_matrix) {
            (Some(p), _) => ThresholdRule::Fixed { probability: *p },
            (None, Some(c)) => ThresholdRule::MinCost {
                false_positive: c.false_positive,
                false_negative: c.false_negative,
            },
            (None, None) => ThresholdRule::RestrictShare {
                share: self.risk.restrict_share,
                high_share: self.risk.high_share,
            },
        }
    }

    /// The policy the shared crate decides with (published with each model version).
    pub fn policy(&self) -> Policy {
        Policy {
            threshold: self.threshold_rule(),
            tiers: self.risk.tiers.clone(),
            rules: self.rules.clone(),
            base_loss_limit: self.risk.base_loss_limit,
            loss_limits: self.risk.loss_limits.clone(),
            max_cut: self.rules.max_cut,
            top_factors: self.risk.top_factors,
            stale_after_days: self.risk.stale_after_days,
            active_days: self.risk.active_days,
            ..Policy::default()
        }
    }
}

/// Secrets, from the environment (a `.env` file in the working directory is read first and
/// never overrides variables already set). `Debug` says which are set, never their values.
#[derive(Clone, Default)]
pub struct Secrets {
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub slack_webhook_url: Option<String>,
    /// The PropReports API login of `dars pull`.
    pub propreports_user: Option<String>,
    pub propreports_password: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "(set)" } else { "(not set)" };
        f.debug_struct("Secrets")
            .field("smtp_username", &set(&self.smtp_username))
            .field("smtp_password", &set(&self.smtp_password))
            .field("slack_webhook_url", &set(&self.slack_webhook_url))
            .field("propreports_user", &set(&self.propreports_user))
            .field("propreports_password", &set(&self.propreports_password))
            .finish()
    }
}

impl Secrets {
    pub fn from_env() -> Secrets {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Secrets {
            smtp_username: get("DARS_SMTP_USERNAME"),
            smtp_password: get("DARS_SMTP_PASSWORD"),
            slack_webhook_url: get("DARS_SLACK_WEBHOOK_URL"),
            propreports_user: get("DARS_PROPREPORTS_USER"),
            propreports_password: get("DARS_PROPREPORTS_PASSWORD"),
        }
    }
}

/// Loads `.env` from the working directory, if there is one.
pub fn load_dotenv() -> Result<()> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(dotenv_error(e)),
    }
}

/// A `.env` error that never repeats the line: it may hold a secret (issue #15 item 8).
fn dotenv_error(e: dotenvy::Error) -> anyhow::Error {
    match e {
        dotenvy::Error::LineParse(line, at) => {
            let n = line.chars().take(at).filter(|&c| c == '\n').count() + 1;
            anyhow::anyhow!(
                ".env: a line could not be read (line {n} of the unparsed text, character {}); \
                 expected KEY=VALUE, with quotes around a value that has spaces or # (the line \
                 is not shown: it may hold a secret)",
                at + 1
            )
        }
        other => anyhow::Error::new(other).context("reading .env"),
    }
}

/// Whether SMTP to `host` may carry a password without TLS: only to this machine.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a URL that carries a credential (a webhook's path, a login in the form) may be used:
/// `https://`, or plain `http://` to this machine only (a local relay, a test server). The
/// authority runs to the first '/', '?' or '#'; one with user-info is refused over http
/// (`http://localhost@evil.example` goes to evil.example).
pub fn is_private_transport(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let local = lower.strip_prefix("http://").is_some_and(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !authority.contains('@')
            && is_loopback_host(authority.rsplit_once(':').map_or(authority, |(h, _)| h))
    });
    lower.starts_with("https://") || local
}

impl Secrets {
    /// Refuses settings that would send a secret in the clear: an SMTP password over `tls:
    /// none` to a host other than this machine, a Slack webhook that is not `https://` (or
    /// `http://` to this machine, for a local relay). Messages never repeat the secret.
    pub fn check(&self, cfg: &Config) -> Result<()> {
        if let (Some(host), Tls::None, Some(_)) =
            (&cfg.email.smtp_host, cfg.email.tls, &self.smtp_password)
            && !is_loopback_host(host)
        {
            bail!(
                "email.tls: none would send the SMTP password in the clear to {host}: use \
                 starttls or tls (a plain connection is allowed only to a relay on this machine)"
            );
        }
        self.check_webhook()
    }

    /// The Slack part of [`Secrets::check`].
    pub fn check_webhook(&self) -> Result<()> {
        if let Some(url) = &self.slack_webhook_url
            && !is_private_transport(url)
        {
            bail!(
                "DARS_SLACK_WEBHOOK_URL: expected an https:// URL (as Slack gives it); the value \
                 is not shown, it is a credential"
            );
        }
        Ok(())
    }
}

/// Sets `key` (dotted) in a YAML tree to `raw` read as YAML; the sections on the way must be
/// mappings (they are: every section of [`Config`] serializes as one).
fn set_key(tree: &mut serde_yaml_ng::Value, key: &str, raw: &str) -> Result<()> {
    use serde_yaml_ng::Value;
    let value: Value = serde_yaml_ng::from_str(raw)
        .with_context(|| format!("{key}: '{raw}' is not a value (write it as in config.yaml)"))?;
    let mut node = tree;
    let parts: Vec<&str> = key.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Value::Mapping(map) = node else {
            bail!("{key}: {} is not a section", parts[..i].join("."));
        };
        // A field of the configuration (every field is present in the serialized tree) is
        // named in lower case; anything else (an account id in a map, or a typo, which the
        // configuration then names) keeps the case it was written in.
        let lower = part.to_ascii_lowercase();
        let name = if map.contains_key(Value::String(lower.clone())) {
            lower
        } else {
            (*part).to_owned()
        };
        let k = Value::String(name);
        if i + 1 == parts.len() {
            map.insert(k, value);
            return Ok(());
        }
        node = map
            .entry(k)
            .or_insert_with(|| Value::Mapping(serde_yaml_ng::Mapping::new()));
    }
    bail!("{key}: an empty key")
}

/// `dars config check`: a one-screen summary of what the file sets.
pub fn check(path: &Path) -> Result<()> {
    let env = env_settings(std::env::vars());
    let cfg = Config::load_with_env(path, true, &env)?;
    let secrets = Secrets::from_env();
    secrets.check(&cfg)?;
    println!("{}: valid", path.display());
    for s in &env {
        println!("  {} = {} (from the environment)", s.var, s.value);
    }
    println!(
        "  risk: base limit {}, cuts at most {:.0}% (rules.max_cut), tiers high {:.0}% / \
         moderate {:.0}%, threshold {}",
        dars_shared::rules::dollars(cfg.risk.base_loss_limit),
        cfg.rules.max_cut * 100.0,
        cfg.risk.tiers.high_cut * 100.0,
        cfg.risk.tiers.moderate_cut * 100.0,
        cfg.risk
            .prob_threshold
            .map_or("from the model".into(), |p| format!("{p:.3} (override)"))
    );
    let windows = cfg.risk.lookback_days.windows()?;
    println!(
        "  features: rolling statistics over {} trading days (risk.lookback_days)",
        windows
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(cap) = cfg.risk.loss_cap {
        println!(
            "  risk.loss_cap {}: stored for the magnitude model, not yet used",
            dars_shared::rules::dollars(cap)
        );
    }
    println!(
        "  alerts: {:?} to {} desk recipient(s), {} opted-in trader(s); SMTP {}; Slack webhook {}",
        cfg.alerts.channels,
        cfg.alerts.email_recipients.len(),
        cfg.alerts.trader_emails.len(),
        cfg.email.smtp_host.as_deref().map_or(
            "not set (emails go to data/outbox/)".into(),
            |h| format!("{h}:{}", cfg.email.smtp_port)
        ),
        if secrets.slack_webhook_url.is_some() {
            "set"
        } else {
            "not set (DARS_SLACK_WEBHOOK_URL)"
        }
    );
    println!(
        "  schedule: daily {} and weekly retrain {} ({}); retrain {:?}",
        cfg.schedule.daily, cfg.schedule.weekly, cfg.schedule.timezone, cfg.training.retrain_freq
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        format!(
            "{:#}",
            Config::parse(text)
                .err()
                .map_or(anyhow::anyhow!("no error"), |e| e)
        )
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(Config::parse("").ok(), Some(Config::default()));
        assert!(Config::default().validate().is_ok());
    }

    #[test]
    fn the_repository_config_is_valid() {
        let text = include_str!("../../config.yaml");
        let cfg = Config::parse(text).unwrap_or_else(|e| panic!("{e:#}"));
        assert!(cfg.alerts.channels.contains(&Channel::Email));
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = err("risk:\n  los_cap: 0.5\n");
        assert!(e.contains("los_cap"), "{e}");
        assert!(e.contains("risk"), "{e}");
        let e = err("riks: {}\n");
        assert!(e.contains("riks"), "{e}");
    }

    #[test]
    fn invalid_values_are_named() {
        assert!(err("risk:\n  loss_cap: 1.5\n").contains("risk.loss_cap"));
        assert!(err("risk:\n  prob_threshold: 0\n").contains("risk.prob_threshold"));
        assert!(err("schedule:\n  daily: '6.30'\n").contains("schedule.daily"));
        assert!(err("schedule:\n  weekly: 'Sunday'\n").contains("schedule.weekly"));
        assert!(err("schedule:\n  timezone: Mars/Base\n").contains("schedule.timezone"));
        assert!(err("training:\n  model_type: xgboost\n").contains("training.model_type"));
        assert!(
            err("alerts:\n  email_recipients: [risk-desk]\n")
                .contains("alerts.email_recipients[0]")
        );
        let e = err("alerts:\n  channels: [pager]\n");
        assert!(e.contains("pager") && e.contains("channels"), "{e}");
        let e = err("risk:\n  loss_cap: lots\n");
        assert!(e.contains("loss_cap") && e.contains("line 2"), "{e}");
        let e = err("instruments:\n  futures:\n    ES: {multiplier: 50, tick: -0.25}\n");
        assert!(e.contains("instruments.futures: ES: tick -0.25"), "{e}");
        let e = err("instruments:\n  futures:\n    ES: {multiplier: 50}\n");
        assert!(e.contains("tick"), "{e}");
    }

    /// The configuration printed in the product's design loads unchanged, with its meanings.
    #[test]
    fn the_designs_file_loads_with_the_designs_meanings() {
        let text = include_str!("../../tests/fixtures/config/design.yaml");
        let cfg = Config::parse(text).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(cfg.risk.lookback_days.windows().ok(), Some(vec![3, 5, 10]));
        assert_eq!(cfg.risk.loss_cap, Some(-500.0));
        assert_eq!(cfg.training.retrain_freq, RetrainFreq::Weekly);
        assert_eq!(cfg.risk.prob_threshold, Some(0.70));
        // The ceiling on cuts is the rules' (the key loss_cap once held it).
        assert_eq!(cfg.policy().max_cut, cfg.rules.max_cut);
        for (freq, want) in [
            ("1d", RetrainFreq::Daily),
            ("30d", RetrainFreq::Monthly),
            ("monthly", RetrainFreq::Monthly),
        ] {
            let cfg = Config::parse(&format!("training:\n  retrain_freq: {freq}\n"))
                .unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(cfg.training.retrain_freq, want, "{freq}");
        }
    }

    /// A value in a key's old meaning is an error naming the key that now holds it, never
    /// silently reinterpreted.
    #[test]
    fn old_meanings_name_their_new_keys() {
        let e = err("risk:\n  lookback_days: 30\n");
        assert!(
            e.contains("risk.lookback_days") && e.contains("risk.active_days"),
            "{e}"
        );
        let e = err("risk:\n  loss_cap: 0.8\n");
        assert!(
            e.contains("risk.loss_cap") && e.contains("rules.max_cut"),
            "{e}"
        );
        let e = err("risk:\n  lookback_days: [3, 7]\n");
        assert!(
            e.contains("found 7") && e.contains("3, 5, 10, 20, 60"),
            "{e}"
        );
        let e = err("training:\n  retrain_freq: 14d\n");
        assert!(e.contains("retrain_freq"), "{e}");
        assert!(err("training:\n  model_type: xgboost\n").contains("\"xgboost\""));
    }

    /// Issue #15 item 8: no message repeats a secret, and no setting sends one in the clear.
    #[test]
    fn secrets_are_never_echoed_nor_sent_in_the_clear() {
        let e = dotenv_error(dotenvy::Error::LineParse(
            "DARS_SMTP_PASSWORD=hunter2 with spaces".into(),
            27,
        ))
        .to_string();
        assert!(!e.contains("hunter2") && e.contains("character 28"), "{e}");
        let mut cfg = Config::default();
        cfg.email.smtp_host = Some("smtp.firm.com".into());
        cfg.email.tls = Tls::None;
        let secrets = Secrets {
            smtp_username: Some("risk".into()),
            smtp_password: Some("hunter2".into()),
            slack_webhook_url: None,
            ..Secrets::default()
        };
        let e = secrets
            .check(&cfg)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("in the clear to smtp.firm.com") && !e.contains("hunter2"),
            "{e}"
        );
        cfg.email.smtp_host = Some("127.0.0.1".into());
        assert!(secrets.check(&cfg).is_ok(), "a relay on this machine");
        cfg.email.tls = Tls::Starttls;
        cfg.email.smtp_host = Some("smtp.firm.com".into());
        assert!(secrets.check(&cfg).is_ok());
        let hook = |url: &str| Secrets {
            slack_webhook_url: Some(url.into()),
            ..Secrets::default()
        };
        let e = hook("hooks.slack.com/services/T0/B0/SECRETPATH")
            .check(&cfg)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("https://") && !e.contains("SECRETPATH"), "{e}");
        assert!(
            hook("http://hooks.slack.com/services/T0/B0/x")
                .check(&cfg)
                .is_err()
        );
        assert!(
            hook("https://hooks.slack.com/services/T0/B0/x")
                .check(&cfg)
                .is_ok()
        );
        assert!(hook("http://127.0.0.1:8080/hook").check(&cfg).is_ok());
        assert!(
            hook("http://localhost:1@evil.example/hook")
                .check(&cfg)
                .is_err(),
            "user-info hides the real host"
        );
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<EnvSetting> {
        env_settings(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    /// file < environment: a `DARS__…` variable sets its key over the file, is validated like
    /// the file, and is named when it is wrong; secrets' variables are not settings.
    #[test]
    fn the_environment_sets_keys_over_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.yaml");
        std::fs::write(
            &path,
            "risk:\n  restrict_share: 0.25\n  lookback_days: [3, 5, 10]\nalerts:\n  channels: [email]\n",
        )
        .expect("write");
        let cfg = Config::load_with_env(
            &path,
            true,
            &env(&[
                ("DARS__RISK__RESTRICT_SHARE", "0.3"),
                ("DARS__RISK__LOOKBACK_DAYS", "[5, 20]"),
                ("DARS__SCHEDULE__WEEKLY", "Sat 18:00"),
                ("DARS__RULES__MIN_HISTORY_DAYS", "15"),
                ("DARS__EMAIL__SMTP_HOST", "mail.example.com"),
                ("DARS_SMTP_PASSWORD", "not a setting"),
                ("HOME", "/root"),
            ]),
        )
        .expect("load");
        assert_eq!(cfg.risk.restrict_share, 0.3);
        assert_eq!(cfg.risk.lookback_days.windows().expect("windows"), [5, 20]);
        assert_eq!(cfg.schedule.weekly, "Sat 18:00");
        assert_eq!(cfg.rules.min_history_days, 15);
        assert_eq!(cfg.email.smtp_host.as_deref(), Some("mail.example.com"));
        // Untouched keys keep the file's value; the policy sees the environment's.
        assert_eq!(cfg.alerts.channels.len(), 1);
        assert_eq!(cfg.policy().rules.min_history_days, 15);
        // Without the file (not required): the defaults under the environment.
        let cfg = Config::load_with_env(
            &dir.path().join("absent.yaml"),
            false,
            &env(&[("DARS__RISK__BASE_LOSS_LIMIT", "8000")]),
        )
        .expect("load");
        assert_eq!(cfg.risk.base_loss_limit, 8000.0);

        // Every key of the repository's and the design's files survives the layering unchanged.
        for file in ["../config.yaml", "../tests/fixtures/config/design.yaml"] {
            let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let plain = Config::load_with_env(&file, true, &[]).expect("plain");
            let layered =
                Config::load_with_env(&file, true, &env(&[("DARS__PATHS__DATA", "elsewhere")]))
                    .expect("layered");
            assert_eq!(layered.paths.data, Path::new("elsewhere"));
            assert_eq!(
                Config {
                    paths: plain.paths.clone(),
                    ..layered
                },
                plain,
                "{}",
                file.display()
            );
        }

        let wrong = |var: &str, value: &str| {
            format!(
                "{:#}",
                Config::load_with_env(&path, true, &env(&[(var, value)]))
                    .expect_err("an invalid setting")
            )
        };
        let e = wrong("DARS__RISK__RESTRICT_SHARE", "2");
        assert!(
            e.contains("restrict_share") && e.contains("DARS__RISK__RESTRICT_SHARE=2"),
            "{e}"
        );
        let e = wrong("DARS__RISK__RESTRICT_SHAER", "0.3");
        assert!(
            e.contains("unknown field `RESTRICT_SHAER`")
                && e.contains("DARS__RISK__RESTRICT_SHAER"),
            "{e}"
        );
        // A map key keeps its case: the account id as the firm writes it.
        let cfg = Config::load_with_env(
            &path,
            true,
            &env(&[("DARS__RISK__LOSS_LIMITS__NET001", "2000")]),
        )
        .expect("a per-account limit");
        assert_eq!(cfg.policy().loss_limit("NET001"), 2000.0);
        let e = wrong("DARS__RISK__BASE_LOSS_LIMIT__X", "1");
        assert!(e.contains("DARS__RISK__BASE_LOSS_LIMIT__X"), "{e}");
        let e = wrong("DARS__RISK__LOOKBACK_DAYS", "[3, 7]");
        assert!(e.contains("lookback_days"), "{e}");
    }

    #[test]
    fn schedule_parses() {
        let s = Schedule::default();
        assert_eq!(
            s.weekly_time().ok(),
            Some(Weekly(
                Weekday::Sun,
                NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default()
            ))
        );
        assert_eq!(s.tz().ok(), Some(chrono_tz::America::New_York));
    }

    /// Issue #13 item 5: every key of the repository's `config.yaml` changes what its comment
    /// says it does, read through the function that uses it (the policy the decisions use, the
    /// alerts as rendered, the SMTP transport, the retrain's validation plan, the schedule). A
    /// key added to the file without an entry here fails the test.
    #[test]
    fn every_key_of_the_file_changes_what_it_should() {
        use crate::alerts::render::tests::{date, run};
        use crate::alerts::{self, desk_email, failure_email, trader_emails};
        type Probe = fn(&Config) -> String;
        fn policy(c: &Config) -> String {
            format!("{:?}", c.policy())
        }
        fn transport(c: &Config) -> String {
            format!(
                "{:?}",
                crate::alerts::email::transport(c, &Secrets::default(), "relay.example.com")
                    .map(|(_, label)| label)
                    .map_err(|e| format!("{e:#}"))
            )
        }
        fn plan(c: &Config) -> String {
            format!(
                "{:?}",
                crate::schedule::retrain_args(c, Path::new("models"))
                    .map(|a| a.model.plan)
                    .map_err(|e| format!("{e:#}"))
            )
        }
        fn login() -> Secrets {
            Secrets {
                propreports_user: Some("jdoe".into()),
                propreports_password: Some("aardvark123".into()),
                ..Secrets::default()
            }
        }
        fn pull(c: &Config) -> String {
            let ingest = crate::lake::IngestRequest::into_lake("data".into(), &c.instruments);
            // With an address, so that the group and the accounts are read.
            let mut c = c.clone();
            c.propreports
                .url
                .get_or_insert_with(|| "https://default.propreports.com/api.php".into());
            format!(
                "{:?}",
                crate::pull::PullRequest::configured(
                    &c,
                    &login(),
                    date(),
                    date(),
                    Vec::new(),
                    ingest
                )
                .map(|r| (r.url, r.group_id, r.accounts))
                .map_err(|e| format!("{e:#}"))
            )
        }
        let keys: Vec<(&str, &str, Probe)> = vec![
            ("paths.data", "elsewhere", |c| {
                format!(
                    "{:?}",
                    crate::schedule::retrain_args(c, Path::new("m"))
                        .map(|a| a.model.data)
                        .ok()
                )
            }),
            ("paths.models", "registry", |c| {
                format!("{:?}", c.paths.models)
            }),
            ("risk.restrict_share", "0.3", policy),
            ("risk.high_share", "0.05", policy),
            ("risk.prob_threshold", "0.65", policy),
            (
                "risk.cost_matrix",
                "{false_positive: 1, false_negative: 3}",
                policy,
            ),
            ("risk.lookback_days", "[3, 5, 10]", |c| {
                format!("{:?}", c.risk.lookback_days.windows().ok())
            }),
            ("risk.active_days", "60", policy),
            ("risk.stale_after_days", "3", policy),
            // Stored for the magnitude model, not yet used (the file says so).
            ("risk.loss_cap", "-500", |c| {
                format!("{:?}", c.risk.loss_cap)
            }),
            ("risk.base_loss_limit", "8000", policy),
            ("risk.loss_limits", "{NET001: 9000}", policy),
            ("risk.tiers.moderate_band", "0.05", policy),
            ("risk.tiers.high_cut", "0.5", policy),
            ("risk.tiers.moderate_cut", "0.1", policy),
            ("risk.top_factors", "5", policy),
            // Read by the morning run's swing warning (`predict::predict`).
            ("risk.active_change_warn", "0.5", |c| {
                format!("{}", c.risk.active_change_warn)
            }),
            ("rules.guard", "any", policy),
            ("rules.loss_streak_days", "4", policy),
            ("rules.loss_streak_cut", "0.2", policy),
            ("rules.loss_streak_severe_days", "9", policy),
            ("rules.loss_streak_severe_cut", "0.6", policy),
            ("rules.drawdown_window_days", "30", policy),
            ("rules.drawdown_limits", "3.0", policy),
            ("rules.drawdown_cut", "0.3", policy),
            ("rules.drawdown_severe_limits", "8.0", policy),
            ("rules.drawdown_severe_cut", "0.7", policy),
            ("rules.vol_spike_ratio", "3.0", policy),
            ("rules.vol_spike_cut", "0.3", policy),
            ("rules.tail_loss_percentile", "10", policy),
            ("rules.tail_loss_cut", "0.3", policy),
            ("rules.tail_loss_min_days", "30", policy),
            ("rules.tail_loss_window_days", "60", policy),
            ("rules.max_cut", "0.6", policy),
            ("rules.min_history_days", "15", policy),
            ("alerts.channels", "[email, slack]", |c| {
                format!("{:?}", alerts::channels(c))
            }),
            ("alerts.email_recipients", "[cro@example.com]", |c| {
                format!("{:?}", desk_email(&run(), c).to)
            }),
            ("alerts.ops_recipients", "[night@example.com]", |c| {
                format!("{:?}", failure_email(c, date(), &anyhow::anyhow!("x")).to)
            }),
            ("alerts.trader_emails", "{NET001: ann@example.com}", |c| {
                format!(
                    "{:?}",
                    trader_emails(&run(), c)
                        .iter()
                        .map(|e| e.to.clone())
                        .collect::<Vec<_>>()
                )
            }),
            ("alerts.min_tier", "high", |c| {
                format!("{:?}", desk_email(&run(), c).accounts)
            }),
            ("email.smtp_host", "mail.example.com", |c| {
                format!(
                    "{:?}",
                    c.email.smtp_host.as_deref().map(|h| {
                        crate::alerts::email::transport(c, &Secrets::default(), h)
                            .map(|(_, label)| label)
                            .ok()
                    })
                )
            }),
            ("email.smtp_port", "465", transport),
            ("email.tls", "tls", transport),
            ("email.ca_file", "/nonexistent/ca.pem", transport),
            ("email.from", "Desk <desk@example.com>", |c| {
                crate::alerts::email::message(&c.email.from, &desk_email(&run(), c))
                    .map(|m| {
                        String::from_utf8_lossy(&m.formatted())
                            .lines()
                            .find(|l| l.starts_with("From:"))
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .unwrap_or_else(|e| format!("{e:#}"))
            }),
            ("training.retrain_freq", "never", |c| {
                let now = chrono::NaiveDate::from_ymd_opt(2026, 6, 1)
                    .and_then(|d| d.and_hms_opt(12, 0, 0))
                    .map(|t| chrono::TimeZone::from_utc_datetime(&chrono_tz::UTC, &t));
                let (Some(now), Ok(tz), Ok(weekly)) =
                    (now, c.schedule.tz(), c.schedule.weekly_time())
                else {
                    return "invalid".into();
                };
                format!(
                    "{:?}",
                    crate::schedule::next_retrain(
                        now.with_timezone(&tz),
                        c.training.retrain_freq,
                        weekly
                    )
                )
            }),
            ("training.folds", "2", plan),
            ("training.embargo_days", "10", plan),
            ("training.min_train_days", "40", plan),
            // Read by the scheduled retrain's publish decision (`schedule::retrain`).
            ("training.auto_promote", "false", |c| {
                format!("{}", c.training.auto_promote)
            }),
            ("schedule.daily", "07:15", |c| {
                format!("{:?}", c.schedule.daily_time().ok())
            }),
            ("schedule.weekly", "Sat 18:00", |c| {
                format!("{:?}", c.schedule.weekly_time().ok())
            }),
            ("schedule.timezone", "Europe/London", |c| {
                format!("{:?}", c.schedule.tz().ok())
            }),
            (
                "propreports.url",
                "https://firm.propreports.com/api.php",
                pull,
            ),
            ("propreports.group_id", "7", pull),
            ("propreports.accounts", "[NET001, 40512]", pull),
            ("propreports.pull_before_predict", "true", |c| {
                format!(
                    "{:?}",
                    crate::schedule::morning_pull(c, &login(), date())
                        .map(|r| r.map(|r| (r.from, r.to)))
                        .map_err(|e| format!("{e:#}"))
                )
            }),
            // Read by the morning pull (`schedule::morning_pull`), which the key above turns on.
            ("propreports.morning_days", "3", |c| {
                format!("{}", c.propreports.morning_days)
            }),
            // What `dars ingest` holds in memory before it reads a file by month groups.
            ("ingest.fills_in_memory", "1000", |c| {
                let req = crate::lake::IngestRequest::configured("data".into(), c);
                format!("{}", req.fills_in_memory)
            }),
            // What ingest makes of an E-mini fill: refused without the root, kept with it.
            (
                "instruments.futures",
                "{ES: {multiplier: 50, tick: 0.25}}",
                |c| {
                    let bytes = b"Date/Time,Account,B/S,Qty,Symbol,Price\n\
                              03/03/2025 09:31:05,FUT01,B,1,ESH5,5900.25\n";
                    let req = crate::lake::IngestRequest::into_lake("data".into(), &c.instruments);
                    dars_shared::ingest::read_fills("es.csv", bytes, &req.options())
                        .map(|b| b.report.summary())
                        .unwrap_or_else(|e| e.to_string())
                },
            ),
        ];

        // Every leaf of the file has an entry (training.model_type names the one learner there
        // is: its only effect is to refuse others, checked below).
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config.yaml");
        let tree: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).expect("config.yaml"))
                .expect("yaml");
        fn leaves(v: &serde_yaml_ng::Value, prefix: &str, out: &mut Vec<String>) {
            match v {
                serde_yaml_ng::Value::Mapping(m) if !m.is_empty() => {
                    for (k, v) in m {
                        let k = k.as_str().unwrap_or_default();
                        let path = if prefix.is_empty() {
                            k.to_owned()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        leaves(v, &path, out);
                    }
                }
                _ => out.push(prefix.to_owned()),
            }
        }
        let mut all = Vec::new();
        leaves(&tree, "", &mut all);
        for key in &all {
            assert!(
                key == "training.model_type" || keys.iter().any(|(k, _, _)| k == key),
                "config.yaml key {key} has no behaviour test"
            );
        }
        assert_eq!(all.len(), keys.len() + 1, "{all:?}");

        let base = Config::load_with_env(&file, true, &[]).expect("base");
        for (key, value, probe) in &keys {
            let var = format!("DARS__{}", key.replace('.', "__").to_uppercase());
            let changed = Config::load_with_env(&file, true, &env(&[(&var, value)]))
                .unwrap_or_else(|e| panic!("{key} = {value}: {e:#}"));
            assert_ne!(
                probe(&base),
                probe(&changed),
                "{key} = {value} changed nothing that reads it"
            );
        }
        let e = Config::load_with_env(
            &file,
            true,
            &env(&[("DARS__TRAINING__MODEL_TYPE", "xgboost")]),
        )
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
        assert!(e.contains("model_type") || e.contains("xgboost"), "{e}");
    }
}
