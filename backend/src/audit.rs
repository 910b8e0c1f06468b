//! The audit trail: an embedded SQLite file (`data/audit.sqlite`, created on first use) where
//! every prediction, model move, manual override, alert and refused API request is appended.
//!
//! Rows are hash-chained: each stores the previous row's hash and its own hash over its content
//! and that previous hash, so editing or deleting any row breaks the chain at that row. Removing
//! rows from the end leaves a valid but shorter chain, so the head (last id and hash) is also
//! written to `audit.head` beside the database; `dars audit verify` checks both.
//!
//! API tokens live in the same file (hashed; the token itself is shown once and never stored).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lake::write_atomic;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Prediction,
    Promotion,
    Rollback,
    Override,
    Alert,
    AccessDenied,
    TokenCreated,
    TokenRevoked,
    Retrain,
    RunFailed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Prediction => "prediction",
            Kind::Promotion => "promotion",
            Kind::Rollback => "rollback",
            Kind::Override => "override",
            Kind::Alert => "alert",
            Kind::AccessDenied => "access_denied",
            Kind::TokenCreated => "token_created",
            Kind::TokenRevoked => "token_revoked",
            Kind::Retrain => "retrain",
            Kind::RunFailed => "run_failed",
        }
    }
}

/// One row as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub account_id: Option<String>,
    /// JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    fn compute_hash(&self) -> String {
        row_hash(
            &self.prev_hash,
            self.id,
            &self.at,
            &self.kind,
            &self.actor,
            self.account_id.as_deref(),
            &self.detail,
        )
    }
}

/// SHA-256 over the row's fields, each length-prefixed so no two rows can collide by moving
/// text between fields.
fn row_hash(
    prev: &str,
    id: i64,
    at: &str,
    kind: &str,
    actor: &str,
    account: Option<&str>,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    for part in [
        prev,
        &id,
        at,
        kind,
        actor,
        account.unwrap_or("\u{0}"),
        detail,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Role of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees every trader.
    Manager,
    /// Sees only their own account(s).
    Trader,
}

/// A token's rights (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub name: String,
    pub role: Role,
    pub accounts: Vec<String>,
}

/// A token as `dars token list` shows it (never the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    /// The first 12 hex digits of the token's SHA-256.
    pub id: String,
    pub name: String,
    pub role: String,
    pub accounts: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// "active", "expired" or "revoked".
    pub status: &'static str,
}

impl TokenInfo {
    pub fn may_see(&self, account: &str) -> bool {
        self.role == Role::Manager || self.accounts.iter().any(|a| a == account)
    }
}

/// The outcome of `verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub rows: usize,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

pub struct Audit {
    conn: Connection,
    head: PathBuf,
}

impl Audit {
    /// The database under `data`, created with its tables on first use.
    pub fn open(data: &Path) -> Result<Audit> {
        crate::lake::create_private_dir(data)?;
        let path = data.join("audit.sqlite");
        // Owner-only from the start (0600): SQLite gives its WAL and shared-memory files the
        // database file's mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("creating {}", path.display()))?;
        }
        let conn =
            Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS audit (
                 id INTEGER PRIMARY KEY,
                 at TEXT NOT NULL,
                 kind TEXT NOT NULL,
                 actor TEXT NOT NULL,
                 account_id TEXT,
                 detail TEXT NOT NULL,
                 prev_hash TEXT NOT NULL,
                 hash TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS audit_account ON audit (account_id, kind);
             CREATE TABLE IF NOT EXISTS tokens (
                 hash TEXT PRIMARY KEY,
                 name TEXT NOT NULL,
                 role TEXT NOT NULL,
                 accounts TEXT NOT NULL,
                 created_at TEXT NOT NULL
             );",
        )
        .with_context(|| format!("creating the audit tables in {}", path.display()))?;
        // Expiry and revocation (issue #15 item 6), added to databases made before them.
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('tokens')")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        for column in ["expires_at", "revoked_at"] {
            if !columns.iter().any(|c| c == column) {
                conn.execute_batch(&format!("ALTER TABLE tokens ADD COLUMN {column} TEXT"))
                    .with_context(|| format!("adding tokens.{column} in {}", path.display()))?;
            }
        }
        Ok(Audit {
            conn,
            head: data.join("audit.head"),
        })
    }

    /// Appends a row and returns its id. The read of the last hash and the insert happen in
    /// one immediate transaction, so concurrent writers cannot fork the chain.
    pub fn append(
        &mut self,
        kind: Kind,
        actor: &str,
        account: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, prev) = match last {
            Some((id, hash)) => (id + 1, hash),
            None => (1, GENESIS.to_owned()),
        };
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let detail = detail.to_string();
        let hash = row_hash(&prev, id, &at, kind.as_str(), actor, account, &detail);
        tx.execute(
            "INSERT INTO audit (id, at, kind, actor, account_id, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, at, kind.as_str(), actor, account, detail, prev, hash],
        )?;
        tx.commit()?;
        write_atomic(&self.head, format!("{id} {hash}\n").as_bytes())?;
        Ok(id)
    }

    /// Rows in id order, optionally of one kind and/or account.
    pub fn entries(&self, kind: Option<Kind>, account: Option<&str>) -> Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, kind, actor, account_id, detail, prev_hash, hash FROM audit
             WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR account_id = ?2) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![kind.map(Kind::as_str), account], |r| {
            Ok(Entry {
                id: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                actor: r.get(3)?,
                account_id: r.get(4)?,
                detail: r.get(5)?,
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>().map_err(Into::into)
    }

    /// Walks the chain: ids contiguous from 1, each row's `prev_hash` the previous row's hash,
    /// each hash recomputed, and the last row matching `audit.head`.
    pub fn verify(&self) -> Result<Verification> {
        let rows = self.entries(None, None)?;
        let mut prev = GENESIS.to_owned();
        let problem = |p: String| Verification {
            rows: rows.len(),
            problem: Some(p),
        };
        for (k, e) in rows.iter().enumerate() {
            let expected_id = k as i64 + 1;
            if e.id != expected_id {
                return Ok(problem(format!(
                    "row {expected_id} is missing (the next row is {}): rows were deleted",
                    e.id
                )));
            }
            if e.prev_hash != prev {
                return Ok(problem(format!(
                    "row {} does not follow row {}: the chain was broken there",
                    e.id,
                    e.id - 1
                )));
            }
            if e.compute_hash() != e.hash {
                return Ok(problem(format!(
                    "row {} ({} at {}) was modified after it was written",
                    e.id, e.kind, e.at
                )));
            }
            prev = e.hash.clone();
        }
        if let Ok(head) = std::fs::read_to_string(&self.head) {
            let expected = match rows.last() {
                Some(e) => format!("{} {}", e.id, e.hash),
                None => String::new(),
            };
            if head.trim() != expected {
                return Ok(problem(format!(
                    "the chain ends at {:?} but audit.head records {:?}: rows were removed from \
                     the end",
                    expected,
                    head.trim()
                )));
            }
        } else if !rows.is_empty() {
            return Ok(problem("audit.head is missing".into()));
        }
        if let Some(p) = self.tokens_problem(&rows)? {
            return Ok(problem(p));
        }
        Ok(Verification {
            rows: rows.len(),
            problem: None,
        })
    }

    /// The tokens table against the chain (issue #15 item 6): each token must have been created
    /// by an audited `token_created` row with the same rights (matched by its id; tokens created
    /// before ids were audited, by name, role and accounts), and a revoked one must have its
    /// `token_revoked` row. A token added or given more rights by editing the database is named.
    fn tokens_problem(&self, rows: &[Entry]) -> Result<Option<String>> {
        let detail = |e: &Entry| serde_json::from_str::<serde_json::Value>(&e.detail).ok();
        let created: Vec<serde_json::Value> = rows
            .iter()
            .filter(|e| e.kind == Kind::TokenCreated.as_str())
            .filter_map(detail)
            .collect();
        let revoked: Vec<String> = rows
            .iter()
            .filter(|e| e.kind == Kind::TokenRevoked.as_str())
            .filter_map(detail)
            .filter_map(|d| d["id"].as_str().map(str::to_owned))
            .collect();
        for t in self.tokens()? {
            let rights = |d: &serde_json::Value| {
                d["name"].as_str() == Some(t.name.as_str())
                    && d["role"].as_str() == Some(t.role.as_str())
                    && d["accounts"] == serde_json::json!(t.accounts)
            };
            let audited = created.iter().any(|d| match d["id"].as_str() {
                Some(id) => {
                    id == t.id && rights(d) && d["expires_at"].as_str() == t.expires_at.as_deref()
                }
                None => rights(d),
            });
            if !audited {
                return Ok(Some(format!(
                    "token {} ({}, {}) has no matching creation in the audit trail: it was added \
                     or given other rights outside dars",
                    t.id, t.name, t.role
                )));
            }
            if t.revoked_at.is_some() != revoked.contains(&t.id) {
                return Ok(Some(format!(
                    "token {} ({}) is {} in the tokens table but the audit trail says otherwise",
                    t.id,
                    t.name,
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                )));
            }
        }
        Ok(None)
    }

    /// Creates a token valid for `days` days (`None`: until revoked), stores its hash and audits
    /// the creation. Returns the token: the only time it is ever shown.
    pub fn create_token(&mut self, info: &TokenInfo, days: Option<u32>) -> Result<String> {
        if info.role == Role::Trader && info.accounts.is_empty() {
            bail!("a trader token needs at least one --account");
        }
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let token = format!("dars_{}", hex(&bytes));
        let accounts = serde_json::to_string(&info.accounts)?;
        let now = chrono::Utc::now();
        let expires = days.map(|d| stamp(now + chrono::Duration::days(i64::from(d))));
        self.conn.execute(
            "INSERT INTO tokens (hash, name, role, accounts, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                token_hash(&token),
                info.name,
                serde_json::to_value(info.role)?
                    .as_str()
                    .unwrap_or("trader"),
                accounts,
                now.to_rfc3339(),
                expires
            ],
        )?;
        self.append(
            Kind::TokenCreated,
            "cli",
            None,
            &serde_json::json!({
                "id": token_hash(&token).chars().take(12).collect::<String>(),
                "name": info.name,
                "role": info.role,
                "accounts": info.accounts,
                "expires_at": expires,
            }),
        )?;
        Ok(token)
    }

    /// Every token (never the token itself): its id (the first 12 hex digits of its hash),
    /// rights, dates and whether it still works.
    pub fn tokens(&self) -> Result<Vec<TokenRow>> {
        let now = stamp(chrono::Utc::now());
        let mut stmt = self.conn.prepare(
            "SELECT hash, name, role, accounts, created_at, expires_at, revoked_at FROM tokens \
             ORDER BY created_at",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(hash, name, role, accounts, created, expires, revoked)| {
                let status = match (&revoked, &expires) {
                    (Some(_), _) => "revoked",
                    (None, Some(e)) if *e <= now => "expired",
                    _ => "active",
                };
                Ok(TokenRow {
                    id: hash.chars().take(12).collect(),
                    name,
                    role,
                    accounts: serde_json::from_str(&accounts)?,
                    created_at: created,
                    expires_at: expires,
                    revoked_at: revoked,
                    status,
                })
            })
            .collect()
    }

    /// Revokes the token whose id (hash prefix, at least 8 hex digits, as `dars token list`
    /// shows) is `id`; effective from the next request, also in a running server. Audited.
    pub fn revoke_token(&mut self, id: &str, by: &str) -> Result<TokenRow> {
        if id.len() < 8 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            bail!("token id {id:?}: expected at least 8 hex digits, as `dars token list` shows");
        }
        let id = id.to_ascii_lowercase();
        let matches: Vec<TokenRow> = self
            .tokens()?
            .into_iter()
            .filter(|t| t.id.starts_with(&id) || id.starts_with(&t.id))
            .collect();
        let row = match matches.as_slice() {
            [one] => one.clone(),
            [] => bail!("no token with id {id} (see `dars token list`)"),
            _ => bail!("{} tokens start with {id}: give more digits", matches.len()),
        };
        if row.revoked_at.is_some() {
            bail!("token {} ({}) is already revoked", row.id, row.name);
        }
        self.conn.execute(
            "UPDATE tokens SET revoked_at = ?1 WHERE substr(hash, 1, 12) = ?2",
            params![stamp(chrono::Utc::now()), row.id],
        )?;
        self.append(
            Kind::TokenRevoked,
            by,
            None,
            &serde_json::json!({ "id": row.id, "name": row.name, "role": row.role }),
        )?;
        Ok(row)
    }

    /// The rights of a presented token, if it is known.
    pub fn token(&self, token: &str) -> Result<Option<TokenInfo>> {
        self.conn
            .query_row(
                "SELECT name, role, accounts FROM tokens WHERE hash = ?1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > ?2)",
                params![token_hash(token), stamp(chrono::Utc::now())],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?
            .map(|(name, role, accounts)| {
                Ok(TokenInfo {
                    name,
                    role: serde_json::from_value(serde_json::Value::String(role))?,
                    accounts: serde_json::from_str(&accounts)?,
                })
            })
            .transpose()
    }
}

/// A token date as stored: RFC 3339 in UTC to the second (`2026-12-01T06:30:00Z`), one fixed
/// width so that SQLite compares them as text in time order.
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Tokens are looked up by their SHA-256: they are long random strings, so a plain hash (no
/// salt, no slow KDF) is enough to make a stolen database useless for calling the API.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// `dars audit verify`.
pub fn verify_cli(data: &Path) -> Result<()> {
    let v = Audit::open(data)?.verify()?;
    match v.problem {
        None => {
            println!(
                "audit trail intact: {} row(s), every hash and link checks out",
                v.rows
            );
            Ok(())
        }
        Some(p) => bail!("audit trail TAMPERED ({} rows read): {p}", v.rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit() -> (tempfile::TempDir, Audit) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = Audit::open(dir.path()).unwrap_or_else(|e| panic!("{e:#}"));
        (dir, a)
    }

    fn fill(a: &mut Audit, n: usize) {
        for i in 0..n {
            a.append(
                Kind::Prediction,
                "test",
                Some("NET001"),
                &serde_json::json!({ "i": i, "probability": 0.5 }),
            )
            .unwrap_or_else(|e| panic!("{e:#}"));
        }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_d, mut a) = audit();
        assert_eq!(a.verify().ok().and_then(|v| v.problem), None);
        fill(&mut a, 5);
        let v = a.verify().unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!((v.rows, v.problem), (5, None));
    }

    #[test]
    fn edits_deletions_and_truncation_are_detected() {
        let (_d, mut a) = audit();
        fill(&mut a, 5);
        a.conn
            .execute(
                "UPDATE audit SET detail = '{\"i\":2,\"probability\":0.1}' WHERE id = 3",
                [],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let p = a.verify().ok().and_then(|v| v.problem).unwrap_or_default();
        assert!(p.contains("row 3") && p.contains("modified"), "{p}");

        let (_d, mut a) = audit();
        fill(&mut a, 5);
        a.conn
            .execute("DELETE FROM audit WHERE id = 2", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let p = a.verify().ok().and_then(|v| v.problem).unwrap_or_default();
        assert!(p.contains("row 2 is missing"), "{p}");

        let (_d, mut a) = audit();
        fill(&mut a, 5);
        a.conn
            .execute("DELETE FROM audit WHERE id = 5", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let p = a.verify().ok().and_then(|v| v.problem).unwrap_or_default();
        assert!(p.contains("removed from the end"), "{p}");

        // Rewriting a row and its hash still breaks the link to the next row.
        let (_d, mut a) = audit();
        fill(&mut a, 5);
        let e = &a.entries(None, None).unwrap_or_default()[1];
        let forged = Entry {
            detail: "{}".into(),
            ..e.clone()
        };
        a.conn
            .execute(
                "UPDATE audit SET detail = '{}', hash = ?1 WHERE id = 2",
                params![forged.compute_hash()],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let p = a.verify().ok().and_then(|v| v.problem).unwrap_or_default();
        assert!(p.contains("row 3 does not follow row 2"), "{p}");
    }

    #[test]
    fn tokens_are_stored_hashed_and_resolve_to_their_rights() {
        let (dir, mut a) = audit();
        let info = TokenInfo {
            name: "alice".into(),
            role: Role::Trader,
            accounts: vec!["NET001".into()],
        };
        let t = a
            .create_token(&info, Some(90))
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(t.starts_with("dars_") && t.len() == 69);
        assert_eq!(a.token(&t).ok().flatten(), Some(info.clone()));
        assert_eq!(a.token("dars_nope").ok().flatten(), None);
        assert!(info.may_see("NET001") && !info.may_see("NET002"));
        let raw = std::fs::read(dir.path().join("audit.sqlite")).unwrap_or_default();
        assert!(
            !raw.windows(t.len()).any(|w| w == t.as_bytes()),
            "the token itself must never be stored"
        );
        assert_eq!(
            a.entries(Some(Kind::TokenCreated), None)
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
        let no_accounts = TokenInfo {
            accounts: vec![],
            ..info
        };
        assert!(a.create_token(&no_accounts, None).is_err());
    }

    /// Issue #15 item 6: a token stops working once revoked or expired; `tokens()` lists it
    /// with its status, and the revocation is audited.
    #[test]
    fn tokens_expire_and_can_be_revoked() {
        let (_dir, mut a) = audit();
        let info = TokenInfo {
            name: "desk".into(),
            role: Role::Manager,
            accounts: vec![],
        };
        let t = a
            .create_token(&info, Some(90))
            .unwrap_or_else(|e| panic!("{e:#}"));
        let forever = a
            .create_token(&info, None)
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(a.token(&t).ok().flatten().is_some());
        let id = a
            .tokens()
            .unwrap_or_default()
            .iter()
            .find(|r| token_hash(&t).starts_with(&r.id))
            .map(|r| r.id.clone())
            .unwrap_or_default();
        assert!(a.revoke_token("abc", "test").is_err(), "too short an id");
        let row = a
            .revoke_token(&id, "test")
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(row.name, "desk");
        assert_eq!(a.token(&t).ok().flatten(), None, "revoked");
        assert!(a.revoke_token(&id, "test").is_err(), "already revoked");
        assert!(a.token(&forever).ok().flatten().is_some());
        assert_eq!(
            a.entries(Some(Kind::TokenRevoked), None)
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
        // Expired yesterday.
        a.conn
            .execute(
                "UPDATE tokens SET expires_at = ?1 WHERE revoked_at IS NULL",
                params![stamp(chrono::Utc::now() - chrono::Duration::days(1))],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.token(&forever).ok().flatten(), None, "expired");
        let statuses: Vec<&str> = a
            .tokens()
            .unwrap_or_default()
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, ["revoked", "expired"]);
    }

    /// Issue #15 item 6: a token promoted to manager, or added, by editing the database is
    /// caught by `verify`.
    #[test]
    fn a_token_edited_in_the_database_fails_verification() {
        let (_dir, mut a) = audit();
        let info = TokenInfo {
            name: "bob".into(),
            role: Role::Trader,
            accounts: vec!["NET002".into()],
        };
        a.create_token(&info, Some(90))
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(a.verify().ok().and_then(|v| v.problem), None);
        a.conn
            .execute("UPDATE tokens SET role = 'manager', accounts = '[]'", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let p = a.verify().ok().and_then(|v| v.problem).unwrap_or_default();
        assert!(
            p.contains("no matching creation") && p.contains("manager"),
            "{p}"
        );
    }
}
