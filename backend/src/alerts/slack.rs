//! Slack incoming webhooks: one JSON POST per message.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::render::Kind;
use super::{Delivery, Outcome};
use crate::config::{Channel, Secrets};

/// The morning run must not hang on a slow Slack.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Enough of an error body to see Slack's reason (`invalid_payload`, `no_service`…).
const MAX_BODY: usize = 500;

/// Posts `payload` to the webhook in `secrets` and reports the outcome.
pub fn deliver(
    secrets: &Secrets,
    kind: Kind,
    subject: &str,
    accounts: Vec<String>,
    payload: &Value,
) -> Delivery {
    let (recipients, outcome) = match &secrets.slack_webhook_url {
        None => (
            Vec::new(),
            Outcome::Failed {
                error: "alerts.channels lists slack but DARS_SLACK_WEBHOOK_URL is not set".into(),
            },
        ),
        Some(url) => {
            let shown = redact(url);
            let sent = secrets.check_webhook().and_then(|()| post(url, payload));
            let outcome = match sent {
                Ok(response) => Outcome::Sent {
                    via: format!("webhook {shown}"),
                    response,
                },
                // An HTTP library's error may quote the URL, whose path is the credential.
                Err(e) => Outcome::Failed {
                    error: format!("webhook {shown}: {}", scrub(&format!("{e:#}"), url, &shown)),
                },
            };
            (vec![shown], outcome)
        }
    };
    Delivery {
        channel: Channel::Slack,
        kind,
        recipients,
        accounts,
        subject: subject.to_string(),
        outcome,
    }
}

fn post(url: &str, payload: &Value) -> Result<String> {
    // Statuses are not errors here so that a non-2xx keeps its body: Slack explains itself there.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let mut response = agent
        .post(url)
        .send_json(payload)
        .context("posting to the Slack webhook")?;
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_else(|e| format!("(unreadable body: {e})"));
    let body = shorten(body.trim());
    if !status.is_success() {
        bail!("Slack answered HTTP {}: {body}", status.as_u16());
    }
    Ok(format!("HTTP {} {body}", status.as_u16()))
}

/// `text` with every appearance of the webhook `url` (and of its path alone) replaced by `shown`.
fn scrub(text: &str, url: &str, shown: &str) -> String {
    let mut out = text.replace(url, shown);
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split_once('/')
        .map(|(_, p)| p)
        .unwrap_or_default();
    if path.len() >= 8 {
        out = out.replace(path, "…");
    }
    out
}

/// A webhook URL is a credential (its path is the token): reports and the audit log keep only
/// scheme, host and port.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Userinfo is a credential too.
    let host = host.rsplit('@').next().unwrap_or(host);
    if scheme.is_empty() {
        format!("{host}/…")
    } else {
        format!("{scheme}://{host}/…")
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_BODY {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_BODY).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_quoting_the_url_is_scrubbed() {
        let url = "https://hooks.slack.com/services/T0/B0/SECRETPATH";
        let text = format!("bad request to {url}: services/T0/B0/SECRETPATH refused");
        let out = scrub(&text, url, &redact(url));
        assert!(!out.contains("SECRETPATH"), "{out}");
        assert!(out.contains("https://hooks.slack.com/…"), "{out}");
    }

    #[test]
    fn redact_keeps_only_the_host() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact("http://u:p@127.0.0.1:8080/x?y"),
            "http://127.0.0.1:8080/…"
        );
    }
}
