//! What the alerts say, as pure functions of a run and the configuration, so the wording, the
//! order and the per-trader isolation are tested without a network. Sending lives in
//! `email.rs` and `slack.rs`.
//!
//! HTML bodies are `maud` templates: every value interpolated into them is escaped by the
//! template engine, so an account id, a reason or a warning from a user's file can never become
//! markup in a mail client. The recommendation itself is the decision's own sentence
//! (`Decision::text`, made once in the shared crate), the same words every surface shows.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use dars_shared::rules::Tier;
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::Config;
use crate::runs::{PredictionRun, Status, TraderPrediction};

/// Which message a delivery carried; the audit log keeps it beside the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The firm-wide alert to the risk desk.
    Desk,
    /// One opted-in trader's own outlook.
    Trader,
    /// The run itself failed.
    Failure,
}

/// One email before it becomes MIME: tests and the outbox look at the same thing the SMTP relay
/// receives.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub kind: Kind,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Whose data the message carries, for the audit log.
    pub accounts: Vec<String>,
    /// File-name-safe name of the message in the outbox.
    pub slug: String,
}

/// Slack allows 50 blocks per message; past this many traders the rest are counted, not listed,
/// and the desk email (which has no such limit) carries them.
const SLACK_MAX_TRADERS: usize = 40;
/// Slack rejects section texts over 3,000 characters.
const SLACK_MAX_SECTION: usize = 2900;
/// Slack is the compact channel: the email has every reason.
const SLACK_MAX_REASONS: usize = 3;

/// "RISK ALERT - 3 High Risk Traders - 2025-08-29"; the desk reads the subject line first, so a
/// quiet day says so ("RISK SUMMARY - 0 High Risk Traders") instead of sounding an alarm.
pub fn subject(run: &PredictionRun) -> String {
    let high = count(run, Tier::High);
    let prefix = if high > 0 {
        "RISK ALERT"
    } else {
        "RISK SUMMARY"
    };
    let noun = if high == 1 { "Trader" } else { "Traders" };
    format!("{prefix} - {high} High Risk {noun} - {}", run.as_of)
}

/// The firm-wide email to `alerts.email_recipients`: traders at or above `alerts.min_tier`,
/// high risk first, then the summary line.
pub fn desk_email(run: &PredictionRun, cfg: &Config) -> Email {
    let subject = subject(run);
    let listed = run.at_risk(cfg.alerts.min_tier);
    let groups = by_tier(&listed);

    let none = listed.is_empty().then(|| {
        format!(
            "No trader is at {} risk or above.",
            cfg.alerts.min_tier.label()
        )
    });
    let title = |tier: &Tier, n: usize| format!("{} RISK ({n})", tier.label().to_uppercase());
    let summary = summary_lines(run);

    let mut text = format!("{subject}\n\n{}\n", intro(run));
    if let Some(none) = &none {
        let _ = write!(text, "\n{none}\n");
    }
    for (tier, traders) in &groups {
        let _ = write!(text, "\n{}\n", title(tier, traders.len()));
        for t in traders {
            text.push('\n');
            text.push_str(&trader_text(t, false));
        }
    }
    text.push('\n');
    for line in &summary {
        let _ = writeln!(text, "{line}");
    }

    let html = page(
        &subject,
        None,
        html! {
            p { (intro(run)) }
            @if let Some(none) = &none { p { (none) } }
            @for (tier, traders) in &groups {
                h3 style={ "color: " (colour(*tier)) } { (title(tier, traders.len())) }
                @for t in traders { (trader_html(t, false)) }
            }
            hr;
            @for (i, line) in summary.iter().enumerate() {
                @if i == 0 { p { strong { (line) } } } @else { p { (line) } }
            }
        },
    );
    Email {
        kind: Kind::Desk,
        to: cfg.alerts.email_recipients.clone(),
        subject,
        text,
        html,
        accounts: listed.iter().map(|t| t.account_id.to_string()).collect(),
        slug: "desk".into(),
    }
}

/// Ends the desk email with the audit trail's head (issue #15 item 7): kept in the desk's
/// mailboxes, outside `data/`, it lets `dars audit verify --against` detect a trail that was cut
/// and re-headed.
pub fn add_checkpoint(email: &mut Email, checkpoint: &crate::audit::Checkpoint) {
    let line = format!("Audit checkpoint (keep this line): {checkpoint}");
    let _ = writeln!(email.text, "\n{line}");
    if let Some(end) = email.html.rfind("</body>") {
        let p = html! {
            p style="color: #666; font-size: 11px; font-family: monospace" { (line) }
        };
        email.html.insert_str(end, &p.into_string());
    }
}

/// One email per opted-in address, carrying only the accounts mapped to that address. Every
/// opted-in trader in the run gets one whatever their tier: it is their daily outlook, and a
/// missing email must not be read as "no change". Firm-wide counts and the run's warnings name
/// other accounts, so they stay out.
pub fn trader_emails(run: &PredictionRun, cfg: &Config) -> Vec<Email> {
    let mut by_address: BTreeMap<&str, Vec<&TraderPrediction>> = BTreeMap::new();
    for (account, address) in &cfg.alerts.trader_emails {
        if let Some(t) = run.traders.iter().find(|t| &t.account_id == account) {
            by_address.entry(address.as_str()).or_default().push(t);
        }
    }
    by_address
        .into_iter()
        .map(|(address, mut traders)| {
            traders.sort_by(|a, b| {
                b.tier()
                    .cmp(&a.tier())
                    .then(a.account_id.cmp(&b.account_id))
            });
            let accounts: Vec<String> = traders.iter().map(|t| t.account_id.to_string()).collect();
            let names = accounts.join(", ");
            let high = traders.iter().any(|t| t.tier() == Some(Tier::High));
            let prefix = if high { "RISK ALERT" } else { "RISK SUMMARY" };
            let subject = format!("{prefix} - {names} - {}", run.as_of);
            let intro = format!(
                "Your risk outlook for the session after {}, from {}.",
                run.as_of,
                system(run)
            );
            let mut text = format!("{subject}\n\n{intro}\n");
            for t in &traders {
                text.push('\n');
                text.push_str(&trader_text(t, true));
            }
            let html = page(
                &subject,
                None,
                html! {
                    p { (intro) }
                    @for t in &traders { (trader_html(t, true)) }
                },
            );
            Email {
                kind: Kind::Trader,
                to: vec![address.to_string()],
                subject,
                text,
                html,
                slug: format!("trader-{}", slug(&accounts.join("-"))),
                accounts,
            }
        })
        .collect()
}

/// The error alert for a run that did not finish: the whole error chain, because whoever reads
/// it at 06:30 has to act on it without a terminal. Goes to `alerts.ops_recipients`, or to the
/// desk when no ops address is configured, so a failure is never silent.
pub fn failure_email(cfg: &Config, date: NaiveDate, error: &anyhow::Error) -> Email {
    let subject = failure_subject(date);
    let chain = error_chain(error);
    let intro = format!(
        "The DARS morning run for {date} failed; no risk alert was sent for it. Fix the cause \
         and re-run `dars predict --alert`."
    );
    let mut text = format!("{subject}\n\n{intro}\n\nError:\n");
    for (i, cause) in chain.iter().enumerate() {
        let _ = writeln!(
            text,
            "{}{cause}",
            if i == 0 { "  " } else { "  caused by: " }
        );
    }
    let html = page(
        &subject,
        Some(colour(Tier::High)),
        html! {
            p { (intro) }
            pre {
                @for (i, cause) in chain.iter().enumerate() {
                    @if i > 0 { "caused by: " }
                    (cause) "\n"
                }
            }
        },
    );
    let to = if cfg.alerts.ops_recipients.is_empty() {
        cfg.alerts.email_recipients.clone()
    } else {
        cfg.alerts.ops_recipients.clone()
    };
    Email {
        kind: Kind::Failure,
        to,
        subject,
        text,
        html,
        accounts: Vec::new(),
        slug: "failure".into(),
    }
}

pub fn failure_subject(date: NaiveDate) -> String {
    format!("DARS RUN FAILED - {date}")
}

/// The desk alert as an incoming-webhook payload: Block Kit for the channel, `text` for
/// notifications and clients that do not render blocks.
pub fn slack_message(run: &PredictionRun, cfg: &Config) -> Value {
    let subject = subject(run);
    let listed = run.at_risk(cfg.alerts.min_tier);
    let summary = summary_lines(run);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": subject, "emoji": true}
    })];
    if listed.is_empty() {
        blocks.push(section(&format!(
            "No trader is at {} risk or above.",
            cfg.alerts.min_tier.label()
        )));
    }
    let mut shown = 0;
    for (tier, traders) in by_tier(&listed) {
        blocks.push(section(&format!(
            "{} *{} risk ({})*",
            emoji(tier),
            capitalise(tier.label()),
            traders.len()
        )));
        let room = SLACK_MAX_TRADERS.saturating_sub(shown);
        for t in traders.iter().take(room) {
            blocks.push(section(&trader_mrkdwn(t)));
        }
        shown += traders.len().min(room);
        if traders.len() > room {
            blocks.push(section(&format!(
                "…and {} more {} risk trader(s): see the desk email.",
                traders.len() - room,
                tier.label()
            )));
        }
    }
    blocks.push(json!({"type": "divider"}));
    blocks.push(json!({
        "type": "context",
        "elements": summary
            .iter()
            .take(10) // Slack's limit of context elements
            .map(|l| json!({"type": "mrkdwn", "text": truncate(&mrkdwn(l), SLACK_MAX_SECTION)}))
            .collect::<Vec<_>>()
    }));
    let fallback = format!("{subject}. {}", summary.first().map_or("", String::as_str));
    json!({"text": fallback, "blocks": blocks})
}

/// The failure alert for Slack: same subject, the error chain in a code block.
pub fn failure_slack(date: NaiveDate, error: &anyhow::Error) -> Value {
    let subject = failure_subject(date);
    let chain = error_chain(error).join("\ncaused by: ");
    json!({
        "text": format!("{subject}: {}", error_chain(error).first().map_or("", String::as_str)),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": subject, "emoji": true}},
            section(&format!(
                ":rotating_light: The morning run for {date} failed; no risk alert was sent for it.\n```{}```",
                mrkdwn(&chain)
            )),
        ]
    })
}

/// Summary line first (counts by tier, stale, what scored), then stale traders and warnings.
pub fn summary_lines(run: &PredictionRun) -> Vec<String> {
    let mut lines = vec![format!(
        "Summary: {} high, {} moderate, {} low risk, {} stale of {} active trader(s); {}.",
        count(run, Tier::High),
        count(run, Tier::Moderate),
        count(run, Tier::Low),
        run.stale_traders,
        run.active_traders,
        system(run)
    )];
    let stale: Vec<String> = run
        .traders
        .iter()
        .filter(|t| t.status == Status::Stale)
        .map(|t| {
            format!(
                "{} ({} business days without a trade, last on {})",
                t.account_id, t.business_days_since_trade, t.last_trading_day
            )
        })
        .collect();
    if !stale.is_empty() {
        lines.push(format!("Stale, not scored: {}.", stale.join(", ")));
    }
    lines.extend(run.warnings.iter().map(|w| format!("Warning: {w}")));
    lines
}

fn intro(run: &PredictionRun) -> String {
    format!(
        "Predictions for the session after {} (run at {}), from {}.",
        run.as_of,
        run.run_at,
        system(run)
    )
}

fn system(run: &PredictionRun) -> String {
    run.model_version
        .as_deref()
        .map_or("the rules only".into(), |v| format!("model {v}"))
}

fn count(run: &PredictionRun, tier: Tier) -> usize {
    run.traders
        .iter()
        .filter(|t| t.tier() == Some(tier))
        .count()
}

/// `at_risk` already sorts highest tier first; this only splits it for the section headings.
fn by_tier<'a>(traders: &[&'a TraderPrediction]) -> Vec<(Tier, Vec<&'a TraderPrediction>)> {
    let mut groups: Vec<(Tier, Vec<&TraderPrediction>)> = Vec::new();
    for tier in [Tier::High, Tier::Moderate, Tier::Low] {
        let of: Vec<&TraderPrediction> = traders
            .iter()
            .copied()
            .filter(|t| t.tier() == Some(tier))
            .collect();
        if !of.is_empty() {
            groups.push((tier, of));
        }
    }
    groups
}

/// "high risk, P(loss) 81%, decided by model v7", or why nobody scored.
fn risk_phrase(t: &TraderPrediction) -> String {
    let d = &t.decision;
    if t.status == Status::Stale {
        return format!("not scored: {}", d.reasons.join("; "));
    }
    let p = t
        .probability
        .map_or(String::new(), |p| format!("P(loss) {:.0}%, ", p * 100.0));
    format!(
        "{} risk, {p}decided by {}",
        d.tier.label(),
        d.decided_by.label()
    )
}

/// The recommendation: the one sentence every surface shows.
fn limit_phrase(t: &TraderPrediction) -> String {
    t.decision.text.clone()
}

fn trader_text(t: &TraderPrediction, own: bool) -> String {
    let mut s = format!(
        "{}: {} - {}\n",
        t.account_id,
        risk_phrase(t),
        limit_phrase(t)
    );
    for r in &t.decision.reasons {
        let _ = writeln!(s, "  - {r}");
    }
    if own && !t.going_well.is_empty() {
        s.push_str("  Going well:\n");
        for g in &t.going_well {
            let _ = writeln!(s, "  + {g}");
        }
    }
    s
}

/// An email's HTML document: the subject as its heading (in `colour` when given), then `body`.
fn page(subject: &str, colour: Option<&str>, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html {
            body style="font-family: sans-serif" {
                h2 style=[colour.map(|c| format!("color: {c}"))] { (subject) }
                (body)
            }
        }
    }
    .into_string()
}

fn trader_html(t: &TraderPrediction, own: bool) -> Markup {
    html! {
        p {
            strong { (t.account_id) } ": " (risk_phrase(t)) " \u{2014} " strong { (limit_phrase(t)) }
        }
        @if !t.decision.reasons.is_empty() {
            ul { @for r in &t.decision.reasons { li { (r) } } }
        }
        @if own && !t.going_well.is_empty() {
            p { "Going well:" }
            ul { @for g in &t.going_well { li { (g) } } }
        }
    }
}

fn trader_mrkdwn(t: &TraderPrediction) -> String {
    let mut s = format!(
        "*{}* · {} · *{}*",
        mrkdwn(&t.account_id),
        mrkdwn(&risk_phrase(t)),
        mrkdwn(&limit_phrase(t))
    );
    for r in t.decision.reasons.iter().take(SLACK_MAX_REASONS) {
        let _ = write!(s, "\n• {}", mrkdwn(r));
    }
    if t.decision.reasons.len() > SLACK_MAX_REASONS {
        let _ = write!(
            s,
            "\n• …{} more",
            t.decision.reasons.len() - SLACK_MAX_REASONS
        );
    }
    truncate(&s, SLACK_MAX_SECTION)
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn emoji(tier: Tier) -> &'static str {
    match tier {
        Tier::High => ":red_circle:",
        Tier::Moderate => ":large_orange_circle:",
        Tier::Low => ":large_green_circle:",
    }
}

fn colour(tier: Tier) -> &'static str {
    match tier {
        Tier::High => "#b00020",
        Tier::Moderate => "#b26a00",
        Tier::Low => "#2e7d32",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The top error and every cause, one per entry.
pub fn error_chain(error: &anyhow::Error) -> Vec<String> {
    error.chain().map(|e| e.to_string()).collect()
}

/// Slack's mrkdwn reserves `&`, `<` and `>` (links and mentions): a data value must not ping
/// `<!channel>` or render as a link.
fn mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Keeps outbox file names portable whatever an account id contains.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runs::{PredictionRun, Status, TraderPrediction};
    use dars_shared::decision::{DecidedBy, Decision, System, recommendation_text, stale};

    pub(crate) fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, 29).unwrap_or_else(|| panic!("valid date"))
    }

    pub(crate) fn decision(tier: Tier, cut: f64, reasons: Vec<String>) -> Decision {
        let base = 5000.0;
        let mut d = Decision {
            decided_by: DecidedBy::Model {
                version: "v7".into(),
                own_history: None,
            },
            tier,
            base_limit: base,
            cut,
            new_limit: (base * (1.0 - cut)).round(),
            reasons,
            text: String::new(),
        };
        d.text = recommendation_text(&d);
        d
    }

    pub(crate) fn trader(account: &str, tier: Tier, p: f64, cut: f64) -> TraderPrediction {
        TraderPrediction {
            account_id: account.into(),
            status: Status::Scored,
            last_trading_day: date(),
            business_days_since_trade: 0,
            model_version: Some("v7".into()),
            system: System::Model,
            probability: Some(p),
            thresholds: None,
            decision: decision(
                tier,
                cut,
                vec![format!("{account} reason: 3-day loss streak (+9 pts)")],
            ),
            going_well: vec![format!("{account} going well: win rate 60%")],
            top_factors: Vec::new(),
            explanation: None,
        }
    }

    pub(crate) fn stale_trader(account: &str) -> TraderPrediction {
        TraderPrediction {
            status: Status::Stale,
            system: System::Stale,
            probability: None,
            model_version: None,
            business_days_since_trade: 7,
            decision: stale(date(), 7, false, 5000.0),
            going_well: Vec::new(),
            ..trader(account, Tier::Low, 0.0, 0.0)
        }
    }

    /// NET003 high, NET005 high (lower probability), NET001 moderate, NET002 low, NET009 stale;
    /// listed out of order so the rendering has to sort.
    pub(crate) fn run() -> PredictionRun {
        let mut hostile = trader("NET005", Tier::High, 0.7, 0.6);
        hostile.decision.reasons = vec!["drawdown <b>big</b> & \"deep\"".into()];
        PredictionRun {
            run_at: "2025-08-30T10:30:00+00:00".into(),
            as_of: date(),
            model_version: Some("v7".into()),
            active_traders: 5,
            stale_traders: 1,
            warnings: vec!["the newest data is from 2025-08-29".into()],
            traders: vec![
                trader("NET002", Tier::Low, 0.2, 0.0),
                trader("NET001", Tier::Moderate, 0.55, 0.25),
                hostile,
                trader("NET003", Tier::High, 0.81, 0.6),
                stale_trader("NET009"),
            ],
        }
    }

    fn pos(hay: &str, needle: &str) -> usize {
        hay.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in:\n{hay}"))
    }

    #[test]
    fn subject_counts_high_risk_traders_and_pluralises() {
        let mut r = run();
        assert_eq!(subject(&r), "RISK ALERT - 2 High Risk Traders - 2025-08-29");
        r.traders.retain(|t| t.account_id != "NET005");
        assert_eq!(subject(&r), "RISK ALERT - 1 High Risk Trader - 2025-08-29");
        r.traders.retain(|t| t.tier() != Some(Tier::High));
        assert_eq!(
            subject(&r),
            "RISK SUMMARY - 0 High Risk Traders - 2025-08-29"
        );
    }

    #[test]
    fn desk_email_lists_high_then_moderate_then_summary() {
        let mut cfg = Config::default();
        cfg.alerts.email_recipients = vec!["desk@firm.com".into()];
        let e = desk_email(&run(), &cfg);
        assert_eq!(e.to, vec!["desk@firm.com".to_string()]);
        assert_eq!(e.accounts, vec!["NET003", "NET005", "NET001"]);
        for body in [&e.text, &e.html] {
            let (n3, n5, n1) = (
                pos(body, "NET003"),
                pos(body, "NET005"),
                pos(body, "NET001"),
            );
            let summary = pos(
                body,
                "Summary: 2 high, 1 moderate, 1 low risk, 1 stale of 5",
            );
            assert!(n3 < n5 && n5 < n1 && n1 < summary, "order in:\n{body}");
            assert!(
                body.contains("Reduce limit by 60%: $2,000 (was $5,000)"),
                "{body}"
            );
            assert!(
                body.contains("Reduce limit by 25%: $3,750 (was $5,000)"),
                "{body}"
            );
            assert!(body.contains("NET003 reason: 3-day loss streak (+9 pts)"));
            assert!(body.contains("model v7"));
            assert!(body.contains("NET009 (7 business days without a trade, last on 2025-08-29)"));
            assert!(body.contains("Warning: the newest data is from 2025-08-29"));
            // Low risk is below the default min tier; going-well items are for the trader.
            assert!(!body.contains("NET002"), "{body}");
            assert!(!body.contains("going well"), "{body}");
        }
        assert!(e.text.contains("HIGH RISK (2)") && e.text.contains("MODERATE RISK (1)"));
    }

    #[test]
    fn html_escapes_every_data_value() {
        let mut r = run();
        r.traders[0].account_id = "<script>alert(1)</script>".into();
        r.traders[0].decision = decision(Tier::High, 0.4, vec!["x".into()]);
        r.warnings.push("a <i>warning</i>".into());
        let e = desk_email(&r, &Config::default());
        assert!(!e.html.contains("<b>big</b>"), "{}", e.html);
        assert!(
            e.html
                .contains("drawdown &lt;b&gt;big&lt;/b&gt; &amp; &quot;deep&quot;")
        );
        assert!(!e.html.contains("<script>") && e.html.contains("&lt;script&gt;"));
        assert!(!e.html.contains("<i>warning") && e.html.contains("&lt;i&gt;warning"));
        // Plain text carries the value as it is.
        assert!(e.text.contains("drawdown <b>big</b> & \"deep\""));
    }

    #[test]
    fn min_tier_high_leaves_moderate_out_and_a_quiet_day_says_so() {
        let mut cfg = Config::default();
        cfg.alerts.min_tier = Tier::High;
        let e = desk_email(&run(), &cfg);
        assert!(e.text.contains("NET003") && !e.text.contains("NET001:"));
        let mut quiet = run();
        quiet.traders.retain(|t| t.tier() != Some(Tier::High));
        let e = desk_email(&quiet, &cfg);
        assert!(e.subject.starts_with("RISK SUMMARY - 0 High Risk Traders"));
        assert!(e.text.contains("No trader is at high risk or above."));
        assert!(e.text.contains("Summary: 0 high, 1 moderate"));
    }

    #[test]
    fn rules_only_run_says_rules() {
        let mut r = run();
        r.model_version = None;
        r.traders[1].probability = None;
        r.traders[1].decision.decided_by = DecidedBy::NewTrader {
            rule: Some(dars_shared::rules::Rule::LossStreak),
            trading_days: 6,
            needed: 10,
        };
        let e = desk_email(&r, &Config::default());
        assert!(e.text.contains("the rules only"));
        assert!(
            e.text.contains(
                "NET001: moderate risk, decided by loss streak rule: new trader, 6 of the 10 \
                 trading days the model needs"
            ),
            "{}",
            e.text
        );
    }

    #[test]
    fn trader_emails_carry_only_their_own_accounts() {
        let mut cfg = Config::default();
        cfg.alerts.trader_emails = [
            ("NET001", "ann@firm.com"),
            ("NET002", "bob@firm.com"),
            ("NET003", "bob@firm.com"),
            ("NET404", "gone@firm.com"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let emails = trader_emails(&run(), &cfg);
        assert_eq!(
            emails.len(),
            2,
            "no email for an account missing from the run"
        );
        let ann = &emails[0];
        assert_eq!(ann.to, vec!["ann@firm.com".to_string()]);
        assert_eq!(ann.accounts, vec!["NET001"]);
        assert_eq!(ann.subject, "RISK SUMMARY - NET001 - 2025-08-29");
        let bob = &emails[1];
        assert_eq!(bob.accounts, vec!["NET003", "NET002"]);
        assert_eq!(bob.subject, "RISK ALERT - NET003, NET002 - 2025-08-29");
        assert_eq!(bob.slug, "trader-NET003-NET002");
        for (e, foreign) in [
            (ann, &["NET002", "NET003", "NET005", "NET009"][..]),
            (bob, &["NET001", "NET005", "NET009"][..]),
        ] {
            for body in [&e.subject, &e.text, &e.html] {
                for f in foreign {
                    assert!(!body.contains(f), "{f} leaked into {:?}:\n{body}", e.to);
                }
                assert!(!body.contains("Summary:") && !body.contains("Warning:"));
            }
            for own in &e.accounts {
                assert!(e.text.contains(&format!("{own} going well")), "{}", e.text);
            }
        }
    }

    #[test]
    fn slack_message_is_block_kit_high_first() {
        let v = slack_message(&run(), &Config::default());
        let text = v["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("RISK ALERT - 2 High Risk Traders - 2025-08-29. Summary:"));
        let blocks = v["blocks"].as_array().cloned().unwrap_or_default();
        assert_eq!(blocks[0]["type"], "header");
        assert_eq!(
            blocks[0]["text"]["text"],
            "RISK ALERT - 2 High Risk Traders - 2025-08-29"
        );
        let sections: Vec<String> = blocks
            .iter()
            .filter(|b| b["type"] == "section")
            .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(sections[0].contains("High risk (2)"));
        assert!(
            sections[1].starts_with("*NET003*")
                && sections[1].contains("Reduce limit by 60%: $2,000 (was $5,000)")
        );
        assert!(sections[2].starts_with("*NET005*"));
        assert!(sections[2].contains("drawdown &lt;b&gt;big&lt;/b&gt; &amp;"));
        assert!(sections[3].contains("Moderate risk (1)"));
        assert!(sections[4].starts_with("*NET001*"));
        let last = blocks.last().cloned().unwrap_or_default();
        assert_eq!(last["type"], "context");
        assert!(
            last["elements"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Summary:")
        );
    }

    #[test]
    fn slack_message_stays_within_block_limits() {
        let mut r = run();
        r.traders = (0..120)
            .map(|i| trader(&format!("T{i:03}"), Tier::High, 0.9, 0.6))
            .collect();
        let v = slack_message(&r, &Config::default());
        let blocks = v["blocks"].as_array().cloned().unwrap_or_default();
        assert!(blocks.len() <= 50, "{} blocks", blocks.len());
        let all = v.to_string();
        assert!(all.contains("and 80 more high risk trader(s)"));
    }

    #[test]
    fn failure_alert_has_the_whole_chain_and_goes_to_ops() {
        let err = anyhow::anyhow!("disk full").context("writing data/predictions/2025-08-29.json");
        let mut cfg = Config::default();
        cfg.alerts.email_recipients = vec!["desk@firm.com".into()];
        let e = failure_email(&cfg, date(), &err);
        assert_eq!(e.subject, "DARS RUN FAILED - 2025-08-29");
        assert_eq!(e.to, vec!["desk@firm.com".to_string()], "desk when no ops");
        assert!(
            e.text
                .contains("writing data/predictions/2025-08-29.json\n  caused by: disk full")
        );
        cfg.alerts.ops_recipients = vec!["ops@firm.com".into()];
        assert_eq!(
            failure_email(&cfg, date(), &err).to,
            vec!["ops@firm.com".to_string()]
        );
        let s = failure_slack(date(), &err).to_string();
        assert!(s.contains("DARS RUN FAILED - 2025-08-29") && s.contains("caused by: disk full"));
    }
}
