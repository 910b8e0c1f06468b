//! The alert channels against real receivers on loopback: an `aiosmtpd` SMTP server (Debian's
//! python3-aiosmtpd, installed by `scripts/setup`) and a one-request HTTP server standing in
//! for Slack. Assertions are on what arrived, parsed by the receiver, not on what was meant.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::render::tests::{date, run};
use super::*;
use crate::config::Tls;

const WAIT: Duration = Duration::from_secs(15);

// The integration tests' choice of interpreter, shared with them.
#[path = "../../tests/common/python.rs"]
mod python;
use python::python;

/// The aiosmtpd process and the directory it writes messages to; killed and reaped on drop.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(args: &[&str]) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {} {script}: {e}", python()));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the SMTP sink did not start (is python3-aiosmtpd installed? run scripts/setup); \
                 it printed {line:?}"
            )
        });
        SmtpSink { child, port, dir }
    }

    /// Waits for `n` messages, then a moment longer to catch any extra one.
    fn messages(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let files = self.files();
            if files.len() >= n || Instant::now() > deadline {
                std::thread::sleep(Duration::from_millis(200));
                return self
                    .files()
                    .iter()
                    .map(|p| {
                        let text = std::fs::read_to_string(p)
                            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                        serde_json::from_str(&text)
                            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                    })
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        v.sort();
        v
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the webhook receiver saw.
struct Request {
    head: String,
    body: Value,
}

/// Serves one HTTP request on loopback with `status` and `reply`, returning the URL to post
/// to and the request, once it came. Gives up after `WAIT`, so a test that never posts does not
/// leave a thread blocked in `accept`.
fn webhook(status: u16, reply: &'static str) -> (String, JoinHandle<Option<Request>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("{e}"));
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + WAIT;
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return None,
            }
        };
        Some(answer(stream, status, reply))
    });
    (
        format!("http://127.0.0.1:{port}/services/T0000/B0000/s3cr3t"),
        handle,
    )
}

fn answer(mut stream: TcpStream, status: u16, reply: &str) -> Request {
    stream
        .set_nonblocking(false)
        .unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(WAIT))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("reading the request: {e}"));
        if n == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("no Content-Length in:\n{head}"));
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .unwrap_or_else(|e| panic!("reading the body: {e}"));
    let reason = if status == 200 { "OK" } else { "Error" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    stream
        .write_all(response.as_bytes())
        .unwrap_or_else(|e| panic!("answering: {e}"));
    Request {
        head,
        body: serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON: {e}")),
    }
}

fn received(handle: JoinHandle<Option<Request>>) -> Request {
    handle
        .join()
        .unwrap_or_else(|_| panic!("webhook thread panicked"))
        .unwrap_or_else(|| panic!("nothing was posted to the webhook"))
}

/// Desk of two, NET001 and NET003 opted in (NET404 too, but it is not in the run).
fn config(data: &Path, channels: &[Channel], smtp_port: Option<u16>) -> Config {
    let mut cfg = Config::default();
    cfg.paths.data = data.to_path_buf();
    cfg.alerts.channels = channels.to_vec();
    cfg.alerts.email_recipients = vec!["desk@firm.com".into(), "cro@firm.com".into()];
    cfg.alerts.ops_recipients = vec!["ops@firm.com".into()];
    cfg.alerts.trader_emails = [
        ("NET001", "ann@firm.com"),
        ("NET003", "cy@firm.com"),
        ("NET404", "gone@firm.com"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    if let Some(port) = smtp_port {
        cfg.email.smtp_host = Some("127.0.0.1".into());
        cfg.email.smtp_port = port;
        cfg.email.tls = Tls::None;
    }
    cfg
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"))
}

fn send(cfg: &Config, secrets: &Secrets) -> Vec<Delivery> {
    send_run_alerts(cfg, secrets, &run(), None).unwrap_or_else(|e| panic!("{e:#}"))
}

fn by_subject(messages: &[Value]) -> BTreeMap<String, Value> {
    messages
        .iter()
        .map(|m| {
            (
                m["subject"].as_str().unwrap_or_default().to_string(),
                m.clone(),
            )
        })
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// A port nothing listens on: bound by the OS, then released.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr().unwrap_or_else(|e| panic!("{e}")).port()
}

#[test]
fn desk_and_trader_emails_arrive_over_smtp() {
    let sink = SmtpSink::start(&[]);
    let data = tmp();
    let cfg = config(data.path(), &[Channel::Email], Some(sink.port));
    let deliveries = send(&cfg, &Secrets::default());
    ensure_delivered(&deliveries).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(deliveries.len(), 3, "{deliveries:#?}");
    for d in &deliveries {
        assert!(
            matches!(&d.outcome, Outcome::Sent { via, response }
                if via.contains(&format!("127.0.0.1:{}", sink.port)) && response.starts_with("250")),
            "{d}"
        );
    }

    let messages = sink.messages(3);
    assert_eq!(messages.len(), 3);
    let by = by_subject(&messages);
    let desk = &by["RISK ALERT - 2 High Risk Traders - 2025-08-29"];
    assert_eq!(
        desk["rcpt_tos"],
        serde_json::json!(["desk@firm.com", "cro@firm.com"])
    );
    assert_eq!(s(desk, "mail_from"), "risk@localhost");
    assert_eq!(s(desk, "content_type"), "multipart/alternative");
    let text = s(&desk["parts"], "text/plain");
    let html = s(&desk["parts"], "text/html");
    for body in [text, html] {
        let at = |needle: &str| {
            body.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing from:\n{body}"))
        };
        assert!(at("NET003") < at("NET005") && at("NET005") < at("NET001"));
        assert!(at("NET001") < at("Summary: 2 high, 1 moderate, 1 low risk, 1 stale"));
        assert!(body.contains("Reduce limit by 60%: $2,000 (was $5,000)"));
        assert!(body.contains("NET003 reason: 3-day loss streak (+9 pts)"));
    }
    assert!(html.contains("drawdown &lt;b&gt;big&lt;/b&gt;") && !html.contains("<b>big"));

    // Each trader got their own, and nothing of anyone else's.
    for (subject, to, own) in [
        (
            "RISK SUMMARY - NET001 - 2025-08-29",
            "ann@firm.com",
            "NET001",
        ),
        ("RISK ALERT - NET003 - 2025-08-29", "cy@firm.com", "NET003"),
    ] {
        let m = by
            .get(subject)
            .unwrap_or_else(|| panic!("no {subject:?} among {:?}", by.keys()));
        assert_eq!(m["rcpt_tos"], serde_json::json!([to]));
        assert_eq!(s(m, "content_type"), "multipart/alternative");
        let (text, html) = (s(&m["parts"], "text/plain"), s(&m["parts"], "text/html"));
        assert!(text.contains(&format!("{own} going well")) && html.contains(own));
        for other in ["NET001", "NET002", "NET003", "NET005", "NET009", "NET404"] {
            if other != own {
                assert!(!s(m, "raw").contains(other), "{other} in {own}'s email");
                assert!(!text.contains(other) && !html.contains(other));
            }
        }
    }
    assert!(!data.path().join("outbox").exists(), "a relay was set");
}

#[test]
fn smtp_credentials_come_from_secrets() {
    let sink = SmtpSink::start(&["--auth", "dars:hunter2"]);
    let data = tmp();
    let mut cfg = config(data.path(), &[Channel::Email], Some(sink.port));
    cfg.alerts.trader_emails.clear();
    let secrets = Secrets {
        smtp_username: Some("dars".into()),
        smtp_password: Some("hunter2".into()),
        slack_webhook_url: None,
        ..Secrets::default()
    };
    let deliveries = send(&cfg, &secrets);
    ensure_delivered(&deliveries).unwrap_or_else(|e| panic!("{e:#}"));
    let messages = sink.messages(1);
    assert_eq!(messages.len(), 1);
    assert_eq!(s(&messages[0], "login"), "dars");

    // Wrong password: the relay refuses, and the delivery says so.
    let wrong = Secrets {
        smtp_password: Some("nope".into()),
        ..secrets
    };
    let deliveries = send(&cfg, &wrong);
    assert!(deliveries[0].failed(), "{}", deliveries[0]);
    assert!(
        deliveries[0].to_string().contains("535"),
        "{}",
        deliveries[0]
    );
}

#[test]
fn a_rejected_recipient_fails_only_its_own_message() {
    let sink = SmtpSink::start(&["--reject", "ann@firm.com"]);
    let data = tmp();
    let cfg = config(data.path(), &[Channel::Email], Some(sink.port));
    let deliveries = send(&cfg, &Secrets::default());
    let failed: Vec<&Delivery> = deliveries.iter().filter(|d| d.failed()).collect();
    assert_eq!(failed.len(), 1, "{deliveries:#?}");
    assert_eq!(failed[0].recipients, vec!["ann@firm.com".to_string()]);
    assert!(failed[0].to_string().contains("550"), "{}", failed[0]);
    let err = ensure_delivered(&deliveries)
        .err()
        .unwrap_or_else(|| panic!("a failure must be an error"));
    assert!(
        format!("{err:#}").contains("1 of 3 alert deliveries failed"),
        "{err:#}"
    );
    assert_eq!(
        sink.messages(2).len(),
        2,
        "the desk and NET003 still got theirs"
    );
}

#[test]
fn slack_webhook_receives_the_block_message() {
    let (url, handle) = webhook(200, "ok");
    let data = tmp();
    let cfg = config(data.path(), &[Channel::Slack], None);
    let secrets = Secrets {
        slack_webhook_url: Some(url),
        ..Secrets::default()
    };
    let deliveries = send(&cfg, &secrets);
    let req = received(handle);
    ensure_delivered(&deliveries).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(deliveries.len(), 1, "slack only: no email, no outbox");
    assert!(!data.path().join("outbox").exists());

    assert!(
        req.head
            .starts_with("POST /services/T0000/B0000/s3cr3t HTTP/1.1\r\n"),
        "{}",
        req.head
    );
    assert!(
        req.head
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    let p = &req.body;
    assert!(s(p, "text").starts_with("RISK ALERT - 2 High Risk Traders - 2025-08-29"));
    let blocks = p["blocks"].as_array().cloned().unwrap_or_default();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    let texts: Vec<String> = blocks
        .iter()
        .filter(|b| b["type"] == "section")
        .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_string())
        .collect();
    let at = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not in {texts:#?}"))
    };
    assert!(at("*NET003*") < at("*NET005*") && at("*NET005*") < at("Moderate risk"));
    assert!(at("Moderate risk") < at("*NET001*"));
    assert!(
        !p.to_string().contains("NET002"),
        "low risk is below min_tier"
    );
    let context = blocks.last().cloned().unwrap_or_default();
    assert_eq!(context["type"], "context");
    assert!(context.to_string().contains("Summary: 2 high, 1 moderate"));

    let d = &deliveries[0];
    assert_eq!(d.channel, Channel::Slack);
    assert_eq!(d.accounts, vec!["NET003", "NET005", "NET001"]);
    assert!(matches!(&d.outcome, Outcome::Sent { response, .. } if response == "HTTP 200 ok"));
    let recorded = serde_json::to_string(d).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !recorded.contains("s3cr3t"),
        "the webhook token leaked: {recorded}"
    );
}

#[test]
fn slack_error_fails_slack_only_and_the_outbox_still_gets_the_email() {
    let (url, handle) = webhook(500, "invalid_payload");
    let data = tmp();
    let cfg = config(data.path(), &[Channel::Slack, Channel::Email], None);
    let secrets = Secrets {
        slack_webhook_url: Some(url),
        ..Secrets::default()
    };
    let deliveries = send(&cfg, &secrets);
    received(handle);
    assert_eq!(deliveries.len(), 4, "{deliveries:#?}");
    let slack = &deliveries[0];
    assert!(slack.failed());
    let msg = slack.to_string();
    assert!(
        msg.contains("HTTP 500") && msg.contains("invalid_payload"),
        "{msg}"
    );
    assert!(!msg.contains("s3cr3t"), "{msg}");

    // No relay configured: every email is written to the outbox, whole and named by date.
    let outbox = data.path().join("outbox");
    for d in &deliveries[1..] {
        let Outcome::Written { path } = &d.outcome else {
            panic!("expected the outbox: {d}")
        };
        assert_eq!(path.parent(), Some(outbox.as_path()));
        let eml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(eml.contains(&format!("Subject: {}", d.subject)), "{eml}");
        assert!(eml.contains("multipart/alternative") && eml.contains("text/html"));
        assert!(d.to_string().contains("written to"), "{d}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "2025-08-29-desk.eml",
            "2025-08-29-trader-NET001.eml",
            "2025-08-29-trader-NET003.eml"
        ],
        "no temp files left behind"
    );
    let err = ensure_delivered(&deliveries)
        .err()
        .unwrap_or_else(|| panic!("the Slack failure must be an error"));
    assert!(format!("{err:#}").contains("1 of 4"), "{err:#}");
}

#[test]
fn smtp_down_does_not_stop_slack() {
    let (url, handle) = webhook(200, "ok");
    let data = tmp();
    let mut cfg = config(
        data.path(),
        &[Channel::Email, Channel::Slack],
        Some(closed_port()),
    );
    cfg.alerts.trader_emails.clear();
    let secrets = Secrets {
        slack_webhook_url: Some(url),
        ..Secrets::default()
    };
    let deliveries = send(&cfg, &secrets);
    let req = received(handle);
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    assert!(deliveries[0].failed() && deliveries[0].channel == Channel::Email);
    assert!(!deliveries[1].failed(), "{}", deliveries[1]);
    assert!(s(&req.body, "text").starts_with("RISK ALERT"));
}

#[test]
fn failure_alert_reaches_ops_by_email_and_slack() {
    let sink = SmtpSink::start(&[]);
    let (url, handle) = webhook(200, "ok");
    let data = tmp();
    let cfg = config(
        data.path(),
        &[Channel::Email, Channel::Slack],
        Some(sink.port),
    );
    let secrets = Secrets {
        slack_webhook_url: Some(url),
        ..Secrets::default()
    };
    let error = anyhow::anyhow!("No space left on device")
        .context("writing data/predictions/2025-08-29.json");
    let deliveries =
        send_failure_alert(&cfg, &secrets, date(), &error).unwrap_or_else(|e| panic!("{e:#}"));
    let req = received(handle);
    ensure_delivered(&deliveries).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(deliveries.iter().all(|d| d.kind == Kind::Failure));

    let messages = sink.messages(1);
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(s(m, "subject"), "DARS RUN FAILED - 2025-08-29");
    assert_eq!(m["rcpt_tos"], serde_json::json!(["ops@firm.com"]));
    let text = s(&m["parts"], "text/plain");
    assert!(
        text.contains("writing data/predictions/2025-08-29.json"),
        "{text}"
    );
    assert!(
        text.contains("caused by: No space left on device"),
        "{text}"
    );
    assert!(s(&m["parts"], "text/html").contains("No space left on device"));

    let slack = req.body.to_string();
    assert!(slack.contains("DARS RUN FAILED - 2025-08-29") && slack.contains("No space left"));
}

#[test]
fn only_listed_channels_are_used() {
    let data = tmp();
    let cfg = config(data.path(), &[], None);
    assert!(send(&cfg, &Secrets::default()).is_empty());

    // Slack listed without a webhook URL: a failed delivery that says what to set.
    let cfg = config(data.path(), &[Channel::Slack, Channel::Slack], None);
    let deliveries = send(&cfg, &Secrets::default());
    assert_eq!(deliveries.len(), 1, "a repeated channel sends once");
    assert!(deliveries[0].to_string().contains("DARS_SLACK_WEBHOOK_URL"));
    assert!(!data.path().join("outbox").exists());

    // No desk recipients: skipped, not failed; opted-in traders still get theirs.
    let mut cfg = config(data.path(), &[Channel::Email], None);
    cfg.alerts.email_recipients.clear();
    let deliveries = send(&cfg, &Secrets::default());
    assert!(
        matches!(deliveries[0].outcome, Outcome::Skipped { .. }),
        "{}",
        deliveries[0]
    );
    assert_eq!(deliveries.len(), 3);
    ensure_delivered(&deliveries).unwrap_or_else(|e| panic!("{e:#}"));
}

/// A private CA and a server certificate it signed for 127.0.0.1 and localhost (Debian's
/// `openssl`), as (ca.pem, cert.pem, key.pem) in `dir`.
fn private_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("running openssl: {e}"));
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=DARS test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    (p("ca.pem"), p("cert.pem"), p("key.pem"))
}

/// Issue #15 item 11: both encrypted paths meet a real TLS server. Its certificate
/// comes from a private CA, so it is refused (verification fails closed: nothing is sent, the
/// password never leaves) until `email.ca_file` names that CA; then the mail arrives, with the
/// login, over TLS.
#[test]
fn starttls_and_implicit_tls_verify_the_relay_certificate() {
    let certs = tmp();
    let (ca, cert, key) = private_ca(certs.path());
    let pair = format!("{}:{}", cert.display(), key.display());
    let secrets = Secrets {
        smtp_username: Some("dars".into()),
        smtp_password: Some("s3cret".into()),
        ..Secrets::default()
    };
    for (flag, tls) in [("--starttls", Tls::Starttls), ("--implicit-tls", Tls::Tls)] {
        let sink = SmtpSink::start(&[flag, &pair, "--auth", "dars:s3cret"]);
        let data = tmp();
        let mut cfg = config(data.path(), &[Channel::Email], Some(sink.port));
        cfg.email.tls = tls;

        let refused = send(&cfg, &secrets);
        assert!(
            refused
                .iter()
                .all(|d| matches!(d.outcome, Outcome::Failed { .. })),
            "{flag}: {refused:#?}"
        );
        let why = format!("{:?}", refused[0].outcome);
        assert!(why.to_lowercase().contains("certificate"), "{flag}: {why}");
        assert!(sink.messages(0).is_empty(), "{flag}: a message got through");

        cfg.email.ca_file = Some(ca.clone());
        let sent = send(&cfg, &secrets);
        ensure_delivered(&sent).unwrap_or_else(|e| panic!("{flag}: {e:#}"));
        let messages = sink.messages(sent.len());
        assert_eq!(messages.len(), sent.len(), "{flag}");
        assert!(messages.iter().all(|m| s(m, "login") == "dars"), "{flag}");
    }
}
