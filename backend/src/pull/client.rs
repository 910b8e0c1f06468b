//! A PropReports API client: form POSTs to the firm's `api.php`, the login token and its
//! renewal, pacing under the documented rate limit, retries of what is transient and none of
//! what the API reports.
//!
//! The API, as PropReports documents it (propreports.atlassian.net, page "API"): every request
//! is a POST of form fields to `https://<firm>.propreports.com/api.php`; `action=login` with
//! `user` and `password` answers a 32-character token, valid for about 2 hours, sent as `token`
//! with every other action; at most 40 requests every 4 seconds; a problem comes back as HTTP 500
//! with the message as the body. What the documentation leaves open is decided here and named:
//! a refusal for the rate (HTTP 429, or a 500 whose message speaks of the rate) and gateway
//! errors (502, 503, 504) are retried after a pause, as are connections that fail or time out;
//! a 500 whose message speaks of the token (expired, invalid) logs in again once; every other
//! 500 is the API's answer and is reported as it is, never retried.
//!
//! Pacing is a sliding window over the instants of the requests sent (hand-written: the client
//! is blocking, one request at a time, and the window is ten lines; a rate-limiting crate would
//! bring an async clock for nothing).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use thiserror::Error;

/// How the client paces and retries (the production settings are the defaults).
#[derive(Debug, Clone, Copy)]
pub struct ClientSettings {
    /// At most this many requests in any [`ClientSettings::window`]: 30 against the
    /// documented 40 per 4 seconds, leaving room for clock skew and for other users of the
    /// same login.
    pub max_requests: usize,
    pub window: Duration,
    /// Attempts of one request, the first included.
    pub attempts: u32,
    /// The pause before the second attempt; doubled before each next one (unless the server
    /// says `Retry-After`).
    pub backoff: Duration,
    /// A token older than this is renewed before the next request (the API's tokens last
    /// about 2 hours).
    pub renew_after: Duration,
    /// Time allowed for one request, answer read included.
    pub timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            max_requests: 30,
            window: Duration::from_secs(4),
            attempts: 5,
            backoff: Duration::from_millis(500),
            renew_after: Duration::from_secs(100 * 60),
            // A 50,000-fill page is about 8 MB: two minutes is slow but plausible; the morning
            // run should not wait longer for one answer.
            timeout: Duration::from_secs(120),
        }
    }
}

/// A page may hold 50,000 fills (about 8 MB); answers above this are refused.
const MAX_ANSWER_BYTES: u64 = 256 << 20;
/// The longest message of an error answer shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// What went wrong talking to the API.
#[derive(Debug, Error)]
pub enum ApiError {
    /// The API answered with an error message (HTTP 500 and others): not retried.
    #[error("PropReports answered `{action}` with HTTP {status}: {message}")]
    Reported {
        action: String,
        status: u16,
        message: String,
    },
    /// The login was refused.
    #[error("PropReports refused the login of user {user} (HTTP {status}): {message}")]
    Login {
        user: String,
        status: u16,
        message: String,
    },
    /// The login answered something that is not a token (its text is not repeated: it may
    /// hold a credential).
    #[error(
        "PropReports' login answered {chars} character(s) that are not a 32-character token \
         (is propreports.url the firm's api.php?)"
    )]
    NotAToken { chars: usize },
    /// The request could not be made or its answer not read, for a reason another attempt
    /// would not change (a TLS certificate, an answer over the size limit, a bad address).
    #[error("`{action}`: {message} (not retried)")]
    Transport { action: String, message: String },
    /// Still failing after every attempt.
    #[error("`{action}` failed {attempts} times; the last time: {last}")]
    GaveUp {
        action: String,
        attempts: u32,
        last: String,
    },
}

/// Counts for the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests sent, logins included.
    pub requests: usize,
    /// Of which retries of a transient failure.
    pub retries: usize,
    /// Login requests (the first login, every renewal, and their retries).
    pub logins: usize,
    /// Pauses taken to stay under the rate limit.
    pub paced: usize,
}

/// A sliding window of the instants of the last requests.
#[derive(Debug)]
struct Pacer {
    sent: VecDeque<Instant>,
    max: usize,
    window: Duration,
}

impl Pacer {
    /// Waits until one more request keeps at most `max` in any `window`; true when it waited.
    fn wait(&mut self) -> bool {
        let mut waited = false;
        loop {
            let now = Instant::now();
            while self
                .sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                self.sent.pop_front();
            }
            if self.sent.len() < self.max {
                self.sent.push_back(now);
                return waited;
            }
            let oldest = self.sent.front().copied().unwrap_or(now);
            std::thread::sleep(self.window.saturating_sub(now.duration_since(oldest)));
            waited = true;
        }
    }
}

/// One answer, read whole.
struct Answer {
    status: u16,
    body: String,
    retry_after: Option<Duration>,
}

/// Why a request got no answer.
enum Failure {
    /// Worth another attempt: the connection failed, timed out or was cut.
    Transient(String),
    /// Not worth one.
    Fatal(String),
}

impl From<ureq::Error> for Failure {
    fn from(e: ureq::Error) -> Failure {
        match e {
            ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::BodyStalled
            | ureq::Error::Protocol(_) => Failure::Transient(e.to_string()),
            other => Failure::Fatal(other.to_string()),
        }
    }
}

/// The outcome of one attempt.
enum Attempt {
    Done(String),
    /// Worth another attempt after a pause.
    Transient(String, Option<Duration>),
    /// The token was refused: log in again.
    TokenRefused(String),
    Failed(ApiError),
}

/// A logged-in (or about to log in) API client.
pub struct Client {
    agent: ureq::Agent,
    url: String,
    user: String,
    password: String,
    token: Option<(String, Instant)>,
    pacer: Pacer,
    settings: ClientSettings,
    stats: ClientStats,
}

impl Client {
    /// A client of the API at `url` (the firm's `api.php`) for `user`; nothing is sent yet.
    pub fn new(url: &str, user: &str, password: &str, settings: ClientSettings) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // Statuses are not errors: the API's messages are in the bodies of its 500s.
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .build()
            .into();
        Client {
            agent,
            url: url.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            token: None,
            pacer: Pacer {
                sent: VecDeque::new(),
                max: settings.max_requests.max(1),
                window: settings.window,
            },
            settings,
            stats: ClientStats::default(),
        }
    }

    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    /// Calls `action` with `fields` (the token is added) and returns the answer's body.
    ///
    /// # Errors
    /// [`ApiError::Reported`] for an error the API reports, [`ApiError::Login`] when the login
    /// is refused, [`ApiError::GaveUp`] when a transient failure outlasts every attempt.
    pub fn call(&mut self, action: &str, fields: &[(&str, String)]) -> Result<String, ApiError> {
        let mut relogged = false;
        let mut pause = self.settings.backoff;
        let mut last = String::new();
        for attempt in 1..=self.settings.attempts {
            if attempt > 1 {
                self.stats.retries += 1;
            }
            let token = self.token()?;
            let mut form: Vec<(&str, String)> = vec![("action", action.to_owned())];
            form.extend(fields.iter().cloned());
            form.push(("token", token));
            match self.attempt(action, &form) {
                Attempt::Done(body) => return Ok(body),
                Attempt::Failed(e) => return Err(e),
                Attempt::TokenRefused(message) if !relogged => {
                    tracing::info!("the token was refused ({message}); logging in again");
                    self.token = None;
                    relogged = true;
                    last = message;
                }
                Attempt::TokenRefused(message) => {
                    return Err(ApiError::Reported {
                        action: action.to_owned(),
                        status: 500,
                        message: format!("{message} (again after a new login)"),
                    });
                }
                Attempt::Transient(why, retry_after) => {
                    last = why;
                    if attempt < self.settings.attempts {
                        let wait = retry_after.unwrap_or(pause).min(Duration::from_secs(60));
                        tracing::warn!(
                            "{action}: {last}; attempt {} of {} in {:.1} s",
                            attempt + 1,
                            self.settings.attempts,
                            wait.as_secs_f64()
                        );
                        std::thread::sleep(wait);
                        pause = pause.saturating_mul(2);
                    }
                }
            }
        }
        Err(ApiError::GaveUp {
            action: action.to_owned(),
            attempts: self.settings.attempts,
            last,
        })
    }

    /// Says goodbye: expires the token (best effort; a failure changes nothing pulled).
    pub fn logout(&mut self) {
        if let Some((token, _)) = self.token.take() {
            let form = [("action", "logout".to_owned()), ("token", token)];
            match self.send(&form) {
                Ok(a) if a.status == 200 => {}
                Ok(a) => tracing::info!("logout: HTTP {}: {}", a.status, message(&a.body)),
                Err(Failure::Transient(e) | Failure::Fatal(e)) => tracing::info!("logout: {e}"),
            }
        }
    }

    /// The current token, logging in first when there is none or it is due for renewal.
    fn token(&mut self) -> Result<String, ApiError> {
        if let Some((token, issued)) = &self.token
            && issued.elapsed() < self.settings.renew_after
        {
            return Ok(token.clone());
        }
        let form = [
            ("action", "login".to_owned()),
            ("user", self.user.clone()),
            ("password", self.password.clone()),
        ];
        let mut pause = self.settings.backoff;
        let mut last = String::new();
        for attempt in 1..=self.settings.attempts {
            if attempt > 1 {
                self.stats.retries += 1;
            }
            self.stats.logins += 1;
            match self.send(&form) {
                Ok(a) if a.status == 200 => {
                    let token = parse_token(&a.body)?;
                    self.token = Some((token.clone(), Instant::now()));
                    return Ok(token);
                }
                Ok(a) if transient_status(a.status, &a.body) => {
                    last = format!("HTTP {}: {}", a.status, message(&a.body));
                }
                Ok(a) => {
                    return Err(ApiError::Login {
                        user: self.user.clone(),
                        status: a.status,
                        message: message(&a.body),
                    });
                }
                Err(Failure::Transient(e)) => last = e,
                Err(Failure::Fatal(message)) => {
                    return Err(ApiError::Transport {
                        action: "login".into(),
                        message,
                    });
                }
            }
            if attempt < self.settings.attempts {
                std::thread::sleep(pause);
                pause = pause.saturating_mul(2);
            }
        }
        Err(ApiError::GaveUp {
            action: "login".into(),
            attempts: self.settings.attempts,
            last,
        })
    }

    fn attempt(&mut self, action: &str, form: &[(&str, String)]) -> Attempt {
        match self.send(form) {
            Err(Failure::Transient(e)) => Attempt::Transient(e, None),
            Err(Failure::Fatal(message)) => Attempt::Failed(ApiError::Transport {
                action: action.to_owned(),
                message,
            }),
            Ok(a) if a.status == 200 => Attempt::Done(a.body),
            Ok(a) if transient_status(a.status, &a.body) => Attempt::Transient(
                format!("HTTP {}: {}", a.status, message(&a.body)),
                a.retry_after,
            ),
            Ok(a) if a.status == 500 && speaks_of_token(&a.body) => {
                Attempt::TokenRefused(message(&a.body))
            }
            Ok(a) => Attempt::Failed(ApiError::Reported {
                action: action.to_owned(),
                status: a.status,
                message: message(&a.body),
            }),
        }
    }

    /// One POST, paced. The answer is read as UTF-8, any invalid byte replaced (as the ingest
    /// reads a file).
    fn send(&mut self, form: &[(&str, String)]) -> Result<Answer, Failure> {
        if self.pacer.wait() {
            self.stats.paced += 1;
        }
        self.stats.requests += 1;
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut response = self
            .agent
            .post(&self.url)
            .send_form(fields)
            .map_err(Failure::from)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            // A connection cut mid-answer is worth another attempt; an answer over the limit
            // is not.
            .map_err(|e| match Failure::from(e) {
                Failure::Transient(m) => Failure::Transient(format!("reading the answer: {m}")),
                Failure::Fatal(m) => Failure::Fatal(format!("reading the answer: {m}")),
            })?;
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            retry_after,
        })
    }
}

/// Statuses worth another attempt: a rate-limit refusal and gateway errors; a 500 whose message
/// speaks of the rate limit is one too.
fn transient_status(status: u16, body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    matches!(status, 429 | 502 | 503 | 504)
        || (status == 500 && (lower.contains("rate limit") || lower.contains("too many requests")))
}

fn speaks_of_token(body: &str) -> bool {
    body.to_ascii_lowercase().contains("token")
}

/// An error answer's message, on one line and bounded.
fn message(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(no message)".into();
    }
    if one_line.chars().count() > MAX_MESSAGE_CHARS {
        let mut s: String = one_line.chars().take(MAX_MESSAGE_CHARS).collect();
        s.push('…');
        s
    } else {
        one_line
    }
}

/// The token in a login answer: its first 32 characters, letters and digits (the documented
/// example answer carries more after them).
fn parse_token(body: &str) -> Result<String, ApiError> {
    let t = body.trim();
    let token: String = t.chars().take(32).collect();
    if token.len() == 32 && token.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(token)
    } else {
        Err(ApiError::NotAToken {
            chars: t.chars().count(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_as_documented() {
        // The documentation's example answer.
        assert_eq!(
            parse_token("3ea08bac153a4c572e1d8814878293011e:485\n").expect("token"),
            "3ea08bac153a4c572e1d881487829301"
        );
        assert!(matches!(
            parse_token("<html>Login page</html>"),
            Err(ApiError::NotAToken { .. })
        ));
        assert!(parse_token("").is_err());
    }

    #[test]
    fn what_is_retried_and_what_is_not() {
        assert!(transient_status(429, ""));
        assert!(transient_status(503, "busy"));
        assert!(transient_status(500, "Rate limit exceeded."));
        assert!(!transient_status(500, "Invalid date range."));
        assert!(!transient_status(404, ""));
        assert!(speaks_of_token("Invalid token."));
    }

    #[test]
    fn the_pacer_keeps_the_window() {
        let mut p = Pacer {
            sent: VecDeque::new(),
            max: 3,
            window: Duration::from_millis(200),
        };
        let start = Instant::now();
        for _ in 0..3 {
            assert!(!p.wait());
        }
        assert!(p.wait(), "the 4th request within the window waits");
        // ... until the 1st has left the window.
        assert!(start.elapsed() >= Duration::from_millis(200));
    }
}
