//! `dars predict`: the morning run. Scores every active trader as of a date with the published
//! model (the rules decide per trader where the model cannot), reports stale traders instead of
//! scoring them as if nothing had happened, checks the data's freshness and the active-trader
//! count against the previous run, and writes the run to `data/predictions/<date>.json`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dars_shared::DailyRow;
pub use dars_shared::decision::business_days_between;
use dars_shared::decision::{DecidedBy, Decision};
use dars_shared::features::FeatureContext;
use dars_shared::rules::{Thresholds, Tier};
use dars_shared::score::{self, Explanation, Factor, Scorer, TraderRisk};
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::atomic::write_atomic;
use crate::audit::{Audit, Kind};
use crate::config::{Config, Secrets};
use crate::lake::Lake;
use crate::registry::Registry;

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

/// Whether a trader was scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scored,
    /// No trade for more than `risk.stale_after_days` business days: not scored.
    Stale,
}

/// One trader in a morning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraderPrediction {
    pub account_id: String,
    pub status: Status,
    pub last_trading_day: NaiveDate,
    /// Business days between the last trade and the run's date.
    pub business_days_since_trade: u32,
    /// The model version that scored, or `None` when it did not.
    pub model_version: Option<String>,
    /// Who decided: `model`, `guard`, `rules`, `new_trader` or `stale` (the decision's).
    pub system: String,
    pub probability: Option<f64>,
    /// The probabilities where the tiers begin, when the model scored.
    pub thresholds: Option<Thresholds>,
    /// The one decision, exactly as the shared crate made it.
    pub decision: Decision,
    pub going_well: Vec<String>,
    /// The largest SHAP contributions towards a loss.
    pub top_factors: Vec<Factor>,
    /// The full SHAP explanation (kept in the lake; left out of the printed JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

impl TraderPrediction {
    /// The decision's tier for a scored trader; `None` for a stale one.
    pub fn tier(&self) -> Option<Tier> {
        (self.status == Status::Scored).then_some(self.decision.tier)
    }

    fn from_risk(risk: TraderRisk, idle: u32) -> TraderPrediction {
        let status = if matches!(risk.decision.decided_by, DecidedBy::Stale { .. }) {
            Status::Stale
        } else {
            Status::Scored
        };
        TraderPrediction {
            account_id: risk.account_id,
            status,
            last_trading_day: risk.as_of,
            business_days_since_trade: idle,
            model_version: risk.decision.decided_by.model_version().map(str::to_owned),
            system: risk.decision.decided_by.system().to_owned(),
            probability: risk.probability,
            thresholds: risk.thresholds,
            decision: risk.decision,
            going_well: risk.going_well.iter().map(|f| f.sentence.clone()).collect(),
            top_factors: risk.risk_factors,
            explanation: risk.explanation,
        }
    }
}

/// A whole morning run, as written to the lake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRun {
    pub run_at: String,
    /// The trading day whose close the predictions start from.
    pub as_of: NaiveDate,
    pub model_version: Option<String>,
    pub active_traders: usize,
    pub stale_traders: usize,
    pub warnings: Vec<String>,
    pub traders: Vec<TraderPrediction>,
}

impl PredictionRun {
    /// Scored traders at or above `min` tier, highest risk first.
    pub fn at_risk(&self, min: Tier) -> Vec<&TraderPrediction> {
        let mut v: Vec<&TraderPrediction> = self
            .traders
            .iter()
            .filter(|t| t.tier().is_some_and(|x| x >= min))
            .collect();
        v.sort_by(|a, b| {
            b.tier()
                .cmp(&a.tier())
                .then(
                    b.probability
                        .unwrap_or(0.0)
                        .total_cmp(&a.probability.unwrap_or(0.0)),
                )
                .then(a.account_id.cmp(&b.account_id))
        });
        v
    }

    /// The run without explanations: what `dars predict` prints.
    pub fn compact(&self) -> PredictionRun {
        let mut c = self.clone();
        for t in &mut c.traders {
            t.explanation = None;
        }
        c
    }
}

/// Where the run for `as_of` lives.
pub fn run_path(data: &Path, as_of: NaiveDate) -> PathBuf {
    data.join("predictions").join(format!("{as_of}.json"))
}

/// The latest run written before `as_of`, if any.
pub fn previous_run(data: &Path, as_of: NaiveDate) -> Result<Option<PredictionRun>> {
    latest_run_where(data, |d| d < as_of)
}

/// The newest run in the lake.
pub fn latest_run(data: &Path) -> Result<Option<PredictionRun>> {
    latest_run_where(data, |_| true)
}

fn latest_run_where(
    data: &Path,
    keep: impl Fn(NaiveDate) -> bool,
) -> Result<Option<PredictionRun>> {
    let dir = data.join("predictions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    let best = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let date: NaiveDate = name.strip_suffix(".json")?.parse().ok()?;
            keep(date).then_some(date)
        })
        .max();
    match best {
        None => Ok(None),
        Some(d) => {
            let path = run_path(data, d);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(Some(serde_json::from_str(&text).with_context(|| {
                format!("{} is not a prediction run", path.display())
            })?))
        }
    }
}

/// Scores the lake as of `date` (default: its latest day). `today` is the run's calendar date,
/// for the freshness check.
pub fn predict(cfg: &Config, date: Option<NaiveDate>, today: NaiveDate) -> Result<PredictionRun> {
    let data = &cfg.paths.data;
    // Waits for a running ingest; refuses a lake an interrupted one left half-written.
    let _lake = crate::lake::lock::read(data)?;
    let daily = Lake::open(data).daily()?;
    let latest = daily.iter().map(|r| r.date).max().with_context(|| {
        format!(
            "the lake at {} is empty: ingest the latest exports first (`dars ingest FILE...`)",
            data.display()
        )
    })?;
    let as_of = date.unwrap_or(latest);
    if as_of > latest {
        bail!("--date {as_of} is after the newest data in the lake ({latest})");
    }
    let mut warnings = Vec::new();
    if date.is_none() {
        let age = business_days_between(latest, today);
        if age > 1 {
            warnings.push(format!(
                "the newest data is from {latest}, {age} business days before {today}: has the \
                 latest export been ingested?"
            ));
        }
    }
    let known: Vec<DailyRow> = daily.into_iter().filter(|r| r.date <= as_of).collect();
    let registry = Registry::open(&cfg.paths.models).audited(data);
    // The policy travels with the model: a configuration change publishes a new version that
    // pairs the current model with it, so the page decides as this run does.
    if let Some(version) = registry.publish_policy(
        &cfg.policy(),
        "the configuration's policy changed: published with the current model",
    )? {
        warnings.push(format!(
            "the configuration's policy changed since the model was published: version {version} \
             pairs the current model with it"
        ));
    }
    let windows = cfg.risk.lookback_days.windows()?;
    let scorer = match registry.current()? {
        Some(version) => match registry
            .load(&version)
            .and_then(|a| same_windows(a, &windows))
            .and_then(|a| Scorer::new(a).map_err(anyhow::Error::from))
        {
            Ok(s) => Some(s),
            Err(e) => {
                warnings.push(format!(
                    "the published model {version} cannot be used ({e:#}); the rules decide for \
                     everyone"
                ));
                None
            }
        },
        None => {
            warnings.push("no model is published; the rules decide for everyone".into());
            None
        }
    };
    let policy = cfg.policy();
    let risks = score::score(
        scorer.as_ref(),
        &known,
        &FeatureContext::default(),
        &policy,
        Some(as_of),
    );
    let mut traders = Vec::new();
    for risk in risks {
        // Departed traders (past the active window) are not part of the desk's morning.
        if matches!(
            risk.decision.decided_by,
            DecidedBy::Stale { departed: true, .. }
        ) {
            continue;
        }
        let idle = business_days_between(risk.as_of, as_of);
        traders.push(TraderPrediction::from_risk(risk, idle));
    }
    let stale_traders = traders.iter().filter(|t| t.status == Status::Stale).count();
    if let Some(prev) = previous_run(data, as_of)? {
        let (before, now) = (prev.active_traders as f64, traders.len() as f64);
        if before > 0.0 && ((now - before) / before).abs() > cfg.risk.active_change_warn {
            warnings.push(format!(
                "{} active traders, against {} in the run for {}: check that every account's \
                 export arrived",
                traders.len(),
                prev.active_traders,
                prev.as_of
            ));
        }
    }
    if stale_traders > 0 {
        warnings.push(format!(
            "{stale_traders} trader(s) have not traded for more than {} business days and were \
             not scored",
            cfg.risk.stale_after_days
        ));
    }
    Ok(PredictionRun {
        run_at: chrono::Utc::now().to_rfc3339(),
        as_of,
        model_version: scorer.map(|s| s.artifact().version.clone()),
        active_traders: traders.len(),
        stale_traders,
        warnings,
        traders,
    })
}

/// `dars predict`: run, save, audit, alert when asked, print the JSON; warnings and a summary
/// go to stderr.
pub fn run(args: &PredictArgs) -> Result<()> {
    let cfg = Config::load(&args.config, false)?;
    let today = chrono::Utc::now()
        .with_timezone(&cfg.schedule.tz()?)
        .date_naive();
    let (run, path) = morning(&cfg, args.date, today, args.alert)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&run.compact()).context("serialising the run")?
    );
    eprint!("{}", summary(&run));
    eprintln!("written to {}", path.display());
    Ok(())
}

/// The whole morning job, as `dars predict` and the scheduler run it: predict, save, audit
/// every prediction, then alert. A failure is audited and sent to the ops recipients before
/// it is returned.
pub fn morning(
    cfg: &Config,
    date: Option<NaiveDate>,
    today: NaiveDate,
    send_alerts: bool,
) -> Result<(PredictionRun, PathBuf)> {
    let secrets = Secrets::from_env();
    let result = (|| -> Result<(PredictionRun, PathBuf)> {
        let run = predict(cfg, date, today)?;
        let path = save(&cfg.paths.data, &run)?;
        audit_run(&cfg.paths.data, &run)?;
        if send_alerts {
            let checkpoint = Audit::open(&cfg.paths.data)?.checkpoint()?;
            let deliveries = alerts::send_run_alerts(cfg, &secrets, &run, checkpoint.as_ref())?;
            let mut audit = Audit::open(&cfg.paths.data)?;
            for d in &deliveries {
                audit.append(Kind::Alert, "morning run", None, &serde_json::to_value(d)?)?;
                eprintln!("alert: {d}");
            }
            alerts::ensure_delivered(&deliveries)?;
        }
        Ok((run, path))
    })();
    if let Err(e) = &result {
        report_failure(cfg, "morning run", date.unwrap_or(today), e, send_alerts);
    }
    result
}

/// Audits a failed run and, when alerts are on, tells the ops recipients. Never fails itself:
/// it runs when something already has.
pub fn report_failure(cfg: &Config, actor: &str, day: NaiveDate, e: &anyhow::Error, alert: bool) {
    if let Ok(mut audit) = Audit::open(&cfg.paths.data) {
        let _ = audit.append(
            Kind::RunFailed,
            actor,
            None,
            &serde_json::json!({ "date": day, "error": format!("{e:#}") }),
        );
    }
    if alert {
        match alerts::send_failure_alert(cfg, &Secrets::from_env(), day, e) {
            Ok(ds) => ds.iter().for_each(|d| eprintln!("failure alert: {d}")),
            Err(alert_err) => eprintln!("the failure alert could not be sent: {alert_err:#}"),
        }
    }
}

/// One audit row per trader.
fn audit_run(data: &Path, run: &PredictionRun) -> Result<()> {
    let mut audit = Audit::open(data)?;
    for t in &run.traders {
        audit.append(
            Kind::Prediction,
            "morning run",
            Some(&t.account_id),
            &serde_json::json!({
                "as_of": run.as_of,
                "status": t.status,
                "model_version": t.model_version,
                "system": t.system,
                "probability": t.probability,
                "decision": t.decision,
                "top_factors": t.top_factors.iter().map(|f| &f.sentence).collect::<Vec<_>>(),
            }),
        )?;
    }
    Ok(())
}

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

/// A manager's override, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub account_id: String,
    pub new_limit: f64,
    pub reason: String,
    pub by: String,
    /// The run overridden and what it had recommended, when there was one.
    pub as_of: Option<NaiveDate>,
    pub recommended_limit: Option<f64>,
}

/// Validates and audits an override against the run it overrides.
/// Why an override was not recorded: the caller's mistake, a run that does not exist, or a
/// failure to read or write (the API answers 400, 404 and 500 respectively).
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// A bad limit, an empty reason, or an account the run does not hold.
    #[error("{0}")]
    Invalid(String),
    /// No prediction run for the date asked.
    #[error("{0}")]
    NoRun(String),
    /// Reading the run or writing the audit trail failed.
    #[error("{0:#}")]
    Storage(anyhow::Error),
}

pub fn record_override(
    data: &Path,
    account: &str,
    new_limit: f64,
    reason: &str,
    by: &str,
    date: Option<NaiveDate>,
) -> Result<(i64, Override), OverrideError> {
    if !(new_limit.is_finite() && new_limit >= 0.0) {
        return Err(OverrideError::Invalid(format!(
            "the new limit must be a dollar amount of at least 0, found {new_limit}"
        )));
    }
    if reason.trim().is_empty() {
        return Err(OverrideError::Invalid("an override needs a reason".into()));
    }
    let run = match date {
        Some(d) => {
            let path = run_path(data, d);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(OverrideError::NoRun(format!("no prediction run for {d}")));
                }
                Err(e) => {
                    return Err(OverrideError::Storage(
                        anyhow::Error::new(e).context(format!("reading {}", path.display())),
                    ));
                }
            };
            Some(
                serde_json::from_str::<PredictionRun>(&text)
                    .with_context(|| format!("reading {}", path.display()))
                    .map_err(OverrideError::Storage)?,
            )
        }
        None => latest_run(data).map_err(OverrideError::Storage)?,
    };
    let recommended = run.as_ref().and_then(|r| {
        r.traders
            .iter()
            .find(|t| t.account_id == account)
            .filter(|t| t.status == Status::Scored)
            .map(|t| t.decision.new_limit)
    });
    if let Some(r) = &run
        && !r.traders.iter().any(|t| t.account_id == account)
    {
        return Err(OverrideError::Invalid(format!(
            "account {account} is not in the run for {} (active traders: {})",
            r.as_of,
            r.traders
                .iter()
                .map(|t| t.account_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let o = Override {
        account_id: account.into(),
        new_limit,
        reason: reason.trim().into(),
        by: by.into(),
        as_of: run.as_ref().map(|r| r.as_of),
        recommended_limit: recommended,
    };
    let id = serde_json::to_value(&o)
        .map_err(anyhow::Error::from)
        .and_then(|detail| Audit::open(data)?.append(Kind::Override, by, Some(account), &detail))
        .map_err(OverrideError::Storage)?;
    Ok((id, o))
}

/// `dars override`.
pub fn override_cli(args: &OverrideArgs) -> Result<()> {
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    let (id, o) = record_override(
        &args.data,
        &args.account,
        args.limit,
        &args.why,
        &by,
        args.date,
    )?;
    println!(
        "override recorded (audit row {id}): {} limit {} (recommended {}) by {}: {}",
        o.account_id,
        dars_shared::rules::dollars(o.new_limit),
        o.recommended_limit
            .map_or("-".into(), dars_shared::rules::dollars),
        o.by,
        o.reason
    );
    Ok(())
}

/// Writes the run to the lake (atomically) and returns where.
pub fn save(data: &Path, run: &PredictionRun) -> Result<PathBuf> {
    let path = run_path(data, run.as_of);
    if let Some(dir) = path.parent() {
        crate::atomic::create_private_dir(dir)?;
    }
    let json = serde_json::to_string(run).context("serialising the run")?;
    write_atomic(&path, json.as_bytes())?;
    Ok(path)
}

/// A few lines for a person reading the terminal (stderr; stdout is the JSON).
pub fn summary(run: &PredictionRun) -> String {
    let count = |t: Tier| run.traders.iter().filter(|x| x.tier() == Some(t)).count();
    let mut s = format!(
        "predictions as of {} with {}: {} active trader(s): {} high, {} moderate, {} low risk, {} stale\n",
        run.as_of,
        run.model_version
            .as_deref()
            .map_or("the rules only".into(), |v| format!("model {v}")),
        run.active_traders,
        count(Tier::High),
        count(Tier::Moderate),
        count(Tier::Low),
        run.stale_traders
    );
    for w in &run.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

/// The artifact, if it learned from the rolling-statistic windows the configuration names
/// (`risk.lookback_days`); a model trained with other windows is refused until retrained.
fn same_windows(
    artifact: dars_shared::artifact::ModelArtifact,
    windows: &[u32],
) -> Result<dars_shared::artifact::ModelArtifact> {
    let trained = dars_shared::features::rolling_windows_of(
        artifact.features.iter().map(|f| f.name.as_str()),
    );
    if trained != windows {
        let list = |w: &[u32]| w.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        anyhow::bail!(
            "it learned rolling statistics over [{}] trading days but risk.lookback_days is \
             [{}]; retrain (`dars train --promote`) after changing the windows",
            list(&trained),
            list(windows)
        );
    }
    Ok(artifact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn business_days_skip_weekends() {
        // Friday to Monday is one business day; Friday to Friday is five.
        assert_eq!(business_days_between(d(2025, 8, 29), d(2025, 9, 1)), 1);
        assert_eq!(business_days_between(d(2025, 8, 29), d(2025, 9, 5)), 5);
        assert_eq!(business_days_between(d(2025, 8, 29), d(2025, 8, 29)), 0);
        assert_eq!(business_days_between(d(2025, 8, 30), d(2025, 8, 31)), 0);
    }
}
