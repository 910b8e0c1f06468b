//! Prediction runs: the morning run's output as written to `data/predictions/<as_of>.json`, and
//! the one place that reads and writes them ([`RunStore`]). `predict` scores and hands a run
//! here; the API, alerts and overrides read runs from here (alerts depend on runs, never on
//! predict).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use dars_shared::Account;
use dars_shared::decision::{DecidedBy, Decision, System};
use dars_shared::rules::{Thresholds, Tier};
use dars_shared::score::{Explanation, Factor, TraderRisk};
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::crypto::Sealer;

/// Whether a trader was scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scored,
    /// No trade for more than `risk.stale_after_days` business days: not scored.
    Stale,
}

/// One trader in a morning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TraderPrediction {
    pub account_id: Account,
    pub status: Status,
    pub last_trading_day: NaiveDate,
    /// Business days between the last trade and the run's date.
    pub business_days_since_trade: u32,
    /// The model version that scored, or `None` when it did not.
    pub model_version: Option<String>,
    /// Who decided: `model`, `guard`, `rules`, `new_trader` or `stale` (the decision's).
    pub system: System,
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

    pub(crate) fn from_risk(risk: TraderRisk, idle: u32) -> TraderPrediction {
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
            system: risk.decision.decided_by.system(),
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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

/// The runs under a data directory. Files named `YYYY-MM-DD.json` are runs; anything else in
/// the folder is not one of ours and is ignored. With a data key (`crate::crypto`) runs are
/// written sealed, and in an encrypted data directory a run in the clear is refused.
#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
    /// How runs are sealed (`crate::crypto`).
    sealer: Sealer,
}

impl RunStore {
    /// The runs of the lake under `data`, sealed with the keys the environment configures.
    pub fn new(data: &Path) -> RunStore {
        RunStore {
            dir: data.join("predictions"),
            sealer: Sealer::configured(data),
        }
    }

    /// Rewrites every run sealed under the current key (reading runs under the previous key,
    /// and in the clear only with `from_clear`), one atomic file at a time. Returns how many.
    pub fn reseal(&self, from_clear: bool) -> Result<usize> {
        let reader = RunStore {
            sealer: self.sealer.reading_clear(from_clear),
            ..self.clone()
        };
        let mut n = 0;
        for date in self.dates() {
            if let Some(run) = reader.read(date)? {
                let path = self.write(&run)?;
                crate::atomic::sync_parent(&path)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The folder (`data/predictions`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the run for `as_of` lives.
    pub fn path(&self, as_of: NaiveDate) -> PathBuf {
        self.dir.join(format!("{as_of}.json"))
    }

    /// The dates that have a run, oldest first.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        NaiveDate::parse_from_str(name.strip_suffix(".json")?, "%Y-%m-%d").ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        dates.sort_unstable();
        dates
    }

    /// The run for `as_of`: `None` when there is none, an error when it cannot be read.
    pub fn read(&self, as_of: NaiveDate) -> Result<Option<PredictionRun>> {
        let path = self.path(as_of);
        let bytes = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", path.display()));
            }
        };
        let json = self.sealer.open_file(&path, bytes)?;
        serde_json::from_slice(&json)
            .map(Some)
            .with_context(|| format!("{} is not a prediction run", path.display()))
    }

    /// The newest run whose date `keep` accepts.
    pub fn latest_where(&self, keep: impl Fn(NaiveDate) -> bool) -> Result<Option<PredictionRun>> {
        match self.dates().into_iter().rev().find(|d| keep(*d)) {
            Some(d) => self.read(d),
            None => Ok(None),
        }
    }

    /// The newest run.
    pub fn latest(&self) -> Result<Option<PredictionRun>> {
        self.latest_where(|_| true)
    }

    /// The latest run written before `as_of`, if any.
    pub fn previous(&self, as_of: NaiveDate) -> Result<Option<PredictionRun>> {
        self.latest_where(|d| d < as_of)
    }

    /// Every run, oldest first, each read or the reason it could not be.
    pub fn all(&self) -> Vec<Result<PredictionRun>> {
        self.dates()
            .into_iter()
            .filter_map(|d| self.read(d).transpose())
            .collect()
    }

    /// Writes the run (atomically, owner-only) and returns where.
    pub fn write(&self, run: &PredictionRun) -> Result<PathBuf> {
        let path = self.path(run.as_of);
        let json = serde_json::to_string(run).context("serialising the run")?;
        write_atomic(&path, &self.sealer.seal_file(&path, json.into_bytes())?)?;
        Ok(path)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The runs checked in under `tests/fixtures/lake/predictions` (written by `dars predict`
    /// before the run's fields were typed; see the fixtures' README) load through the store and
    /// are written back with the same JSON values.
    #[test]
    fn checked_in_runs_load_and_write_back_the_same_values() {
        let lake = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/lake");
        let store = RunStore::new(&lake);
        let dates = store.dates();
        assert!(!dates.is_empty(), "no runs under {}", store.dir().display());
        let mut systems = std::collections::BTreeSet::new();
        for date in dates {
            let path = store.path(date);
            let run = store
                .read(date)
                .unwrap_or_else(|e| panic!("{e:#}"))
                .unwrap_or_else(|| panic!("{} vanished", path.display()));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let original: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let written =
                serde_json::to_value(&run).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let diffs = dars_shared::compat::round_trip_differences(&original, &written);
            assert!(
                diffs.is_empty(),
                "{} changes when read and written back:\n{}",
                path.display(),
                diffs.join("\n")
            );
            for t in &run.traders {
                assert_eq!(t.system, t.decision.decided_by.system(), "{}", t.account_id);
                systems.insert(t.system);
            }
        }
        // Between them, the fixtures hold every system.
        assert_eq!(
            systems.into_iter().collect::<Vec<_>>(),
            System::ALL.to_vec()
        );
    }
}
