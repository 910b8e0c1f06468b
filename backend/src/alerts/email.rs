//! Email delivery: lettre builds the MIME and speaks SMTP; without a relay the same bytes go to
//! `<data>/outbox/` so a demo (or a desk that has no relay yet) sees exactly what would be sent.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls as SmtpTls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::render::Email;
use super::{Delivery, Outcome};
use crate::atomic::write_atomic;
use crate::config::{Channel, Config, Secrets, Tls};

/// A relay that does not answer within this long is reported as failed rather than holding up
/// the morning run (lettre's default is a minute per command).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends (or writes) every email and reports each one; a failure stays with its own message.
pub fn deliver(
    cfg: &Config,
    secrets: &Secrets,
    date: NaiveDate,
    emails: Vec<Email>,
) -> Vec<Delivery> {
    // Built once: one bad setting fails every message with the same reason.
    let transport = cfg
        .email
        .smtp_host
        .as_deref()
        .map(|host| transport(cfg, secrets, host).map_err(|e| format!("{e:#}")));
    emails
        .into_iter()
        .map(|email| {
            let outcome = if email.to.is_empty() {
                Outcome::Skipped {
                    reason: match email.kind {
                        super::Kind::Failure => {
                            "no recipients: set alerts.ops_recipients or alerts.email_recipients"
                        }
                        _ => "no recipients: alerts.email_recipients is empty",
                    }
                    .into(),
                }
            } else {
                match (message(&cfg.email.from, &email), &transport) {
                    (Err(e), _) => Outcome::Failed {
                        error: format!("{e:#}"),
                    },
                    (Ok(msg), None) => {
                        let path = outbox_path(&cfg.paths.data, date, &email.slug);
                        match write_atomic(&path, &msg.formatted()) {
                            Ok(()) => Outcome::Written { path },
                            Err(e) => Outcome::Failed {
                                error: format!("{e:#}"),
                            },
                        }
                    }
                    (Ok(_), Some(Err(e))) => Outcome::Failed { error: e.clone() },
                    (Ok(msg), Some(Ok((t, via)))) => match t.send(&msg) {
                        Ok(r) => Outcome::Sent {
                            via: via.clone(),
                            response: format!(
                                "{} {}",
                                r.code(),
                                r.message().collect::<Vec<_>>().join(" ")
                            ),
                        },
                        Err(e) => Outcome::Failed {
                            error: format!("SMTP {via}: {}", error_text(&e)),
                        },
                    },
                }
            };
            Delivery {
                channel: Channel::Email,
                kind: email.kind,
                recipients: email.to,
                accounts: email.accounts,
                subject: email.subject,
                outcome,
            }
        })
        .collect()
}

/// Where an email for `date` lands without a relay: one file per message and day, so a re-run
/// replaces its own messages instead of piling up copies.
pub fn outbox_path(data: &Path, date: NaiveDate, slug: &str) -> PathBuf {
    data.join("outbox").join(format!("{date}-{slug}.eml"))
}

/// multipart/alternative: clients that render HTML show it, the rest (and filters, and phones'
/// previews) use the plain text.
pub fn message(from: &str, email: &Email) -> Result<Message> {
    let from: Mailbox = from
        .parse()
        .with_context(|| format!("email.from: {from:?} is not an email address"))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(email.subject.clone())
        .message_id(None);
    for to in &email.to {
        let mailbox: Mailbox = to
            .parse()
            .with_context(|| format!("recipient {to:?} is not an email address"))?;
        builder = builder.to(mailbox);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .with_context(|| format!("building the email {:?}", email.subject))
}

/// The relay per `email.tls`, with credentials when both are set, and a label for reports.
pub(crate) fn transport(
    cfg: &Config,
    secrets: &Secrets,
    host: &str,
) -> Result<(SmtpTransport, String)> {
    let e = &cfg.email;
    // Certificates are verified against the public web roots, plus `email.ca_file` when a
    // relay's certificate comes from a private CA; there is no way to turn verification off.
    let parameters = || -> Result<TlsParameters> {
        let mut p = TlsParameters::builder(host.to_owned());
        if let Some(file) = &e.ca_file {
            let pem = std::fs::read(file)
                .with_context(|| format!("email.ca_file: reading {}", file.display()))?;
            let ca = Certificate::from_pem(&pem).with_context(|| {
                format!("email.ca_file: {} is not a PEM certificate", file.display())
            })?;
            p = p.add_root_certificate(ca);
        }
        p.build()
            .with_context(|| format!("email.smtp_host: TLS setup for {host:?}"))
    };
    let builder = match e.tls {
        Tls::None => SmtpTransport::builder_dangerous(host),
        Tls::Starttls => {
            SmtpTransport::builder_dangerous(host).tls(SmtpTls::Required(parameters()?))
        }
        Tls::Tls => SmtpTransport::builder_dangerous(host).tls(SmtpTls::Wrapper(parameters()?)),
    };
    let mut builder = builder.port(e.smtp_port).timeout(Some(SMTP_TIMEOUT));
    match (&secrets.smtp_username, &secrets.smtp_password) {
        (Some(_), Some(_)) if e.tls == Tls::None && !crate::config::is_loopback_host(host) => {
            bail!(
                "email.tls: none would send the SMTP password in the clear to {host}: use starttls \
             or tls (a plain connection is allowed only to a relay on this machine)"
            )
        }
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        (None, None) => {}
        _ => bail!(
            "DARS_SMTP_USERNAME and DARS_SMTP_PASSWORD must be set together (only one is set)"
        ),
    }
    let tls = match e.tls {
        Tls::None => "plain",
        Tls::Starttls => "starttls",
        Tls::Tls => "tls",
    };
    Ok((
        builder.build(),
        format!("smtp {host}:{} ({tls})", e.smtp_port),
    ))
}

/// lettre's `Display` says "permanent error (550)"; the source carries the server's own words,
/// which is what someone fixing a rejected address needs.
fn error_text(e: &lettre::transport::smtp::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}
