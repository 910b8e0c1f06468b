//! Scoring the lake into a prediction run: every active trader as of a date with the published
//! model (the rules decide per trader where the model cannot), stale traders reported instead
//! of scored as if nothing had happened, the data's freshness and the active-trader count
//! checked against the previous run. Saving, auditing and alerting are the morning job's
//! (`schedule::morning`); runs are stored by `runs::RunStore`.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use dars_shared::DailyRow;
use dars_shared::decision::DecidedBy;
pub use dars_shared::decision::business_days_between;
use dars_shared::features::FeatureContext;
use dars_shared::score::{self, Scorer};

use crate::config::Config;
use crate::lake::Lake;
use crate::registry::Registry;
use crate::runs::{PredictionRun, RunStore, Status, TraderPrediction};

/// Scores the lake as of `date` (default: its latest day). `today` is the run's calendar date,
/// for the freshness check. The caller holds the lake's read lock (`crate::lake::lock::read`)
/// until the run is written.
pub fn predict(cfg: &Config, date: Option<NaiveDate>, today: NaiveDate) -> Result<PredictionRun> {
    let data = &cfg.paths.data;
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
    // The lake's market series: a model trained with one scores only the days it covers.
    let ctx = FeatureContext {
        market: Lake::open(data).market()?,
    };
    if let Some(gap) = scorer.as_ref().and_then(|s| s.market_gap(&ctx, as_of)) {
        warnings.push(format!(
            "{gap}: the rules decide for every trader whose latest day it does not cover; \
             ingest the series up to {as_of} (`dars ingest FILE`) and run again"
        ));
    }
    let risks = score::score(scorer.as_ref(), &known, &ctx, &policy, Some(as_of));
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
    if let Some(prev) = RunStore::new(data).previous(as_of)? {
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
