//! Alerts of the morning run: the desk email (and each opted-in trader's own), the Slack message,
//! and the error alert when the run itself fails.
//!
//! Every channel is attempted and reported on its own: a Slack outage must not keep the desk
//! from its email, and the caller (who records each [`Delivery`] in the audit trail) decides
//! what a failed one means for the exit code, usually via [`ensure_delivered`].

// Until `dars predict --alert` and the scheduler call in, only the tests use this module.

pub(crate) mod email;
pub(crate) mod render;
mod slack;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::{Channel, Config, Secrets};
use crate::runs::PredictionRun;

pub use render::{
    Kind, desk_email, failure_email, failure_slack, slack_message, subject, trader_emails,
};

/// One message on one channel and what became of it: what the audit trail records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: Channel,
    pub kind: Kind,
    /// Email addresses, or the webhook's host (its path is a secret and never recorded).
    pub recipients: Vec<String>,
    /// Whose predictions the message carried.
    pub accounts: Vec<String>,
    pub subject: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted by the SMTP relay or the webhook; `response` is what it answered.
    Sent {
        via: String,
        response: String,
    },
    /// No SMTP relay is configured: the message was written here instead.
    Written {
        path: PathBuf,
    },
    /// Nothing to deliver to (e.g. no desk recipients); not an error.
    Skipped {
        reason: String,
    },
    Failed {
        error: String,
    },
}

impl Delivery {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }
}

impl fmt::Display for Delivery {
    /// "email (desk) to a@firm.com, b@firm.com: sent via smtp relay:587 (starttls)", one line
    /// for the terminal and the demo.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let channel = match self.channel {
            Channel::Email => "email",
            Channel::Slack => "slack",
        };
        let kind = match self.kind {
            Kind::Desk => "desk",
            Kind::Trader => "trader",
            Kind::Failure => "failure",
        };
        let to = if self.recipients.is_empty() {
            "nobody".to_string()
        } else {
            self.recipients.join(", ")
        };
        write!(f, "{channel} ({kind}) to {to}: ")?;
        match &self.outcome {
            Outcome::Sent { via, response } => write!(f, "sent via {via} ({response})"),
            Outcome::Written { path } => {
                write!(f, "no SMTP relay set, written to {}", path.display())
            }
            Outcome::Skipped { reason } => write!(f, "skipped, {reason}"),
            Outcome::Failed { error } => write!(f, "FAILED: {error}"),
        }
    }
}

/// Sends the run's alerts on every channel in `alerts.channels`: the desk email and each
/// opted-in trader's email, and the Slack message. Returns every outcome, failed ones included;
/// the error case is reserved for the run not being alertable at all.
pub fn send_run_alerts(
    cfg: &Config,
    secrets: &Secrets,
    run: &PredictionRun,
    checkpoint: Option<&crate::audit::Checkpoint>,
) -> Result<Vec<Delivery>> {
    let mut out = Vec::new();
    for channel in channels(cfg) {
        match channel {
            Channel::Email => {
                let mut desk = desk_email(run, cfg);
                if let Some(c) = checkpoint {
                    render::add_checkpoint(&mut desk, c);
                }
                let mut emails = vec![desk];
                emails.extend(trader_emails(run, cfg));
                out.extend(email::deliver(cfg, secrets, run.as_of, emails));
            }
            Channel::Slack => {
                let accounts = run
                    .at_risk(cfg.alerts.min_tier)
                    .iter()
                    .map(|t| t.account_id.to_string())
                    .collect();
                out.push(slack::deliver(
                    secrets,
                    Kind::Desk,
                    &subject(run),
                    accounts,
                    &slack_message(run, cfg),
                ));
            }
        }
    }
    Ok(out)
}

/// Tells ops (email) and the channel (Slack) that the run for `date` failed, with the whole
/// error chain.
pub fn send_failure_alert(
    cfg: &Config,
    secrets: &Secrets,
    date: NaiveDate,
    error: &anyhow::Error,
) -> Result<Vec<Delivery>> {
    let mut out = Vec::new();
    for channel in channels(cfg) {
        match channel {
            Channel::Email => {
                let email = failure_email(cfg, date, error);
                out.extend(email::deliver(cfg, secrets, date, vec![email]));
            }
            Channel::Slack => out.push(slack::deliver(
                secrets,
                Kind::Failure,
                &render::failure_subject(date),
                Vec::new(),
                &failure_slack(date, error),
            )),
        }
    }
    Ok(out)
}

/// An error naming every failed delivery, for a caller that turns failures into a non-zero exit
/// after recording them all.
pub fn ensure_delivered(deliveries: &[Delivery]) -> Result<()> {
    let failed: Vec<String> = deliveries
        .iter()
        .filter(|d| d.failed())
        .map(|d| d.to_string())
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} of {} alert deliveries failed:\n  {}",
            failed.len(),
            deliveries.len(),
            failed.join("\n  ")
        );
    }
    Ok(())
}

/// `alerts.channels` in order, each once: a duplicated entry must not send everything twice.
pub(crate) fn channels(cfg: &Config) -> Vec<Channel> {
    let mut seen = Vec::new();
    for c in &cfg.alerts.channels {
        if !seen.contains(c) {
            seen.push(*c);
        }
    }
    seen
}
