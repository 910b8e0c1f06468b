//! Manual overrides of a recommended limit: a manager's decision recorded in the audit trail
//! beside the run it overrides (`dars override`, `POST /api/overrides`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;
use dars_shared::Account;
use serde::{Deserialize, Serialize};

use crate::audit::{Audit, Kind};
use crate::runs::{RunStore, Status};

/// What `dars override` records.
#[derive(Debug, Clone)]
pub struct OverrideRequest {
    /// The trader's account.
    pub account: String,
    /// The limit the manager sets, in dollars.
    pub limit: f64,
    /// Why, for the record.
    pub why: String,
    /// Who decided.
    pub by: String,
    /// The run whose recommendation is overridden (`None`: the latest).
    pub date: Option<NaiveDate>,
    pub data: PathBuf,
}

/// A manager's override, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Override {
    pub account_id: Account,
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
    let store = RunStore::new(data);
    let run = match date {
        Some(d) => Some(
            store
                .read(d)
                .map_err(OverrideError::Storage)?
                .ok_or_else(|| OverrideError::NoRun(format!("no prediction run for {d}")))?,
        ),
        None => store.latest().map_err(OverrideError::Storage)?,
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
pub fn override_cli(args: &OverrideRequest) -> Result<()> {
    let (id, o) = record_override(
        &args.data,
        &args.account,
        args.limit,
        &args.why,
        &args.by,
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
