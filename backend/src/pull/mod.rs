//! `dars pull --from DATE --to DATE`: the firm's fills from its PropReports API into the lake.
//!
//! For each account configured (`propreports.accounts`; none: one request for every account the
//! login sees, within `propreports.group_id` when set) the `fills` action is asked for the dates,
//! page by page (`page` is always sent, so every page ends with its `Page k/n` trailer and a page
//! cut short is detected, asked again once, then refused). The pages of one request are joined
//! into one export ([`pages::Joined`]) and handed to the ingest as if read from a file named
//! `propreports fills FROM..TO [account]`: the same parsing, rejections, raw-by-hash store,
//! fill-id dedup and daily table as `dars ingest`. Pulling the same days again changes nothing.
//!
//! Nothing is ingested unless every request succeeded and every export's header names a known
//! format: an API failure leaves the lake as it was. The ingest itself then behaves as `dars
//! ingest` of several files (rows it rejects are reported; under `--strict` a bad row stops it,
//! and the lake's marker sends the next run to re-ingest).

mod client;
mod pages;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use client::Client;
pub use client::ClientSettings;

use crate::lake::{Fetched, IngestOutcome, IngestRequest};

/// What `dars pull` (and the morning job) runs: settings resolved. (Its `Debug` leaves the
/// password out.)
#[derive(Clone)]
pub struct PullRequest {
    /// The firm's `api.php`.
    pub url: String,
    pub user: String,
    pub password: String,
    /// First and last trading day asked for, inclusive (the API's `startDate`, `endDate`).
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `groupId`, when only a group's accounts are wanted.
    pub group_id: Option<String>,
    /// `accountId`s, one request series each; empty: one series for all accounts.
    pub accounts: Vec<String>,
    /// Where and how the answers are ingested (its `files` and `closes` are ignored).
    pub ingest: IngestRequest,
    pub client: ClientSettings,
}

impl std::fmt::Debug for PullRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullRequest")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &"(not shown)")
            .field("from", &self.from)
            .field("to", &self.to)
            .field("group_id", &self.group_id)
            .field("accounts", &self.accounts)
            .field("ingest", &self.ingest)
            .field("client", &self.client)
            .finish()
    }
}

/// What a pull did.
#[derive(Debug)]
pub struct PullOutcome {
    /// Exports received (one per account asked for, or one for all), with their record counts.
    pub exports: Vec<(String, usize)>,
    /// Requests series that answered no records.
    pub empty: usize,
    /// The ingest of what was received (`None` when nothing was).
    pub ingest: Option<IngestOutcome>,
}

/// Pulls the fills of `req.from..=req.to` and ingests them.
///
/// # Errors
/// An API error, a page cut short twice, pages that do not belong together, or the ingest's
/// errors; the lake is untouched unless the ingest ran.
pub fn pull(req: &PullRequest) -> Result<PullOutcome> {
    if req.to < req.from {
        bail!("--to {} is before --from {}", req.to, req.from);
    }
    let mut client = Client::new(&req.url, &req.user, &req.password, req.client);
    let result = fetch_all(&mut client, req);
    client.logout();
    let (fetched, exports, empty) = result?;
    // Every export's format, before the first write.
    for f in &fetched {
        dars_shared::ingest::detect_file(&f.name, &f.bytes)
            .with_context(|| format!("{}: not an export DARS can read", f.name))?;
    }
    let stats = client.stats();
    eprintln!(
        "pulled {} export(s) ({} fills) in {} request(s): {} login(s), {} retried, {} paced \
         under the rate limit",
        exports.len(),
        exports.iter().map(|(_, n)| n).sum::<usize>(),
        stats.requests,
        stats.logins,
        stats.retries,
        stats.paced
    );
    let ingest = if fetched.is_empty() {
        eprintln!(
            "no fills between {} and {}: the lake is unchanged",
            req.from, req.to
        );
        None
    } else {
        Some(crate::lake::ingest_files(&IngestRequest {
            files: Vec::new(),
            closes: Vec::new(),
            fetched,
            ..req.ingest.clone()
        })?)
    };
    Ok(PullOutcome {
        exports,
        empty,
        ingest,
    })
}

impl PullRequest {
    /// The request of a pull of `from..=to` with `cfg.propreports`' API and accounts (unless
    /// `accounts` names others) and the login in `secrets`, ingesting into `ingest.data`.
    ///
    /// # Errors
    /// No `propreports.url`, an address that would carry the login in the clear, or no login in
    /// the environment.
    pub fn configured(
        cfg: &crate::config::Config,
        secrets: &crate::config::Secrets,
        from: NaiveDate,
        to: NaiveDate,
        accounts: Vec<String>,
        ingest: IngestRequest,
    ) -> Result<PullRequest> {
        let p = &cfg.propreports;
        let Some(url) = p.url.clone() else {
            bail!(
                "propreports.url is not set: put the firm's API address \
                 (`https://<firm>.propreports.com/api.php`) in config.yaml, or set \
                 DARS__PROPREPORTS__URL"
            );
        };
        if !crate::config::is_private_transport(&url) {
            bail!(
                "propreports.url: expected an https:// address; the login would travel in the \
                 clear to {url}"
            );
        }
        let (Some(user), Some(password)) = (
            secrets.propreports_user.clone(),
            secrets.propreports_password.clone(),
        ) else {
            bail!(
                "the PropReports login is not set: DARS_PROPREPORTS_USER and \
                 DARS_PROPREPORTS_PASSWORD (in the environment or .env, see .env.example)"
            );
        };
        Ok(PullRequest {
            url,
            user,
            password,
            from,
            to,
            group_id: p.group_id.clone(),
            accounts: if accounts.is_empty() {
                p.accounts.clone()
            } else {
                accounts
            },
            ingest,
            client: ClientSettings::default(),
        })
    }
}

type Fetches = (Vec<Fetched>, Vec<(String, usize)>, usize);

fn fetch_all(client: &mut Client, req: &PullRequest) -> Result<Fetches> {
    let series: Vec<Option<&str>> = if req.accounts.is_empty() {
        vec![None]
    } else {
        req.accounts.iter().map(|a| Some(a.as_str())).collect()
    };
    let (mut fetched, mut exports, mut empty) = (Vec::new(), Vec::new(), 0);
    for account in series {
        let mut name = format!("propreports fills {}..{}", req.from, req.to);
        let mut fields = vec![
            ("startDate", req.from.format("%Y-%m-%d").to_string()),
            ("endDate", req.to.format("%Y-%m-%d").to_string()),
        ];
        if let Some(g) = &req.group_id {
            fields.push(("groupId", g.clone()));
            name.push_str(&format!(" group {g}"));
        }
        if let Some(a) = account {
            fields.push(("accountId", a.to_owned()));
            name.push_str(&format!(" account {a}"));
        }
        let (text, rows) = fetch_pages(client, "fills", &fields).with_context(|| name.clone())?;
        match text {
            Some(text) => {
                exports.push((name.clone(), rows));
                fetched.push(Fetched {
                    name,
                    bytes: text.into_bytes(),
                });
            }
            None => empty += 1,
        }
    }
    Ok((fetched, exports, empty))
}

/// Every page of `action`, joined; `None` without records.
fn fetch_pages(
    client: &mut Client,
    action: &str,
    fields: &[(&str, String)],
) -> Result<(Option<String>, usize)> {
    let mut joined = pages::Joined::default();
    let mut page = 1u32;
    loop {
        let mut form = fields.to_vec();
        form.push(("page", page.to_string()));
        let mut tries = 0;
        loop {
            tries += 1;
            let body = client.call(action, &form)?;
            match pages::split(&body, page) {
                Ok(p) => {
                    joined.push(&p)?;
                    break;
                }
                // Cut short: ask once more, then give up rather than ingest half a page.
                Err(e @ pages::PageError::Truncated { .. }) if tries < 2 => {
                    tracing::warn!("{action}: {e}; asking again");
                }
                Err(e) => {
                    // A 200 whose body is a message, not a page, says so here.
                    let start: String = body.trim().chars().take(120).collect();
                    return Err(
                        anyhow::Error::new(e).context(format!("the answer began: `{start}`"))
                    );
                }
            }
        }
        let pages = joined.pages().unwrap_or(0);
        if pages > 1 {
            eprintln!(
                "  {action}: page {page} of {pages} ({} records so far)",
                joined.rows()
            );
        }
        if page >= pages {
            break;
        }
        page += 1;
    }
    let rows = joined.rows();
    Ok((joined.finish(), rows))
}
