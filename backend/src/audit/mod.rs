//! The audit trail: an embedded SQLite file (`data/audit.sqlite`, created on first use) where
//! every prediction, model move, manual override, alert and refused API request is appended.
//!
//! Rows are hash-chained: each stores the previous row's hash and its own hash over its content
//! and that previous hash, so editing or deleting any row breaks the chain at that row. The head
//! (last id and hash) is written in the same transaction as the row (table `head`), so a crash
//! never leaves the two apart; `dars audit verify` checks the chain against it.
//!
//! **Keyed chain** (issue #15 item 7). Anyone who can write `data/` can recompute plain SHA-256
//! hashes, so with a key configured (`DARS_AUDIT_KEY`, or `DARS_AUDIT_KEY_FILE` naming a file
//! outside `data/`; at least 32 characters) each row's hash is an HMAC-SHA256 under that key
//! (RFC 2104, RustCrypto `hmac`) and the head carries a MAC too. Without the key, edited rows
//! cannot be re-chained and forged rows cannot be appended. Rows written before a key was set
//! stay plain; after the first keyed row every row must be keyed.
//!
//! **Checkpoints.** Cutting the tail and rewriting the head inside the database cannot be seen
//! from the database alone, so the head is published outside it: `dars audit checkpoint` prints
//! it, each morning's desk email carries it, and `dars audit verify --against FILE` checks that
//! every checkpoint saved in a file is still in the chain with the same hash (and, keyed, that
//! its MAC is the key's).
//!
//! **Bounded refusals.** A refused API request stores at most [`MAX_DENIED_PATH`] characters of
//! its path, and at most [`DENIED_ROWS_PER_MINUTE`] refusals per token and minute are written;
//! the rest are counted into the next row written for that token.
//!
//! API tokens live in the same file (hashed; the token itself is shown once and never stored).
//!
//! **Encrypted at rest** with a data key: the whole file under SQLCipher ([`file`]).

use std::path::Path;

pub mod file;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    /// Whether `hash` is an HMAC under the audit key (else a plain SHA-256).
    #[serde(default)]
    pub keyed: bool,
}

impl Entry {
    fn compute_hash(&self, key: Option<&AuditKey>) -> String {
        row_hash(
            key,
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

/// The row's fields, each length-prefixed so no two rows can collide by moving text between
/// fields, hashed with SHA-256 or, keyed, HMAC-SHA256.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    key: Option<&AuditKey>,
    prev: &str,
    id: i64,
    at: &str,
    kind: &str,
    actor: &str,
    account: Option<&str>,
    detail: &str,
) -> String {
    let id = id.to_string();
    let parts = [
        prev,
        &id,
        at,
        kind,
        actor,
        account.unwrap_or("\u{0}"),
        detail,
    ];
    digest(key, &parts)
}

/// SHA-256 (no key) or HMAC-SHA256 (key) over length-prefixed parts, as hex.
fn digest(key: Option<&AuditKey>, parts: &[&str]) -> String {
    match key {
        None => {
            let mut h = Sha256::new();
            for part in parts {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
            hex(&h.finalize())
        }
        Some(k) => {
            let mut m = k.mac();
            for part in parts {
                m.update(&(part.len() as u64).to_le_bytes());
                m.update(part.as_bytes());
            }
            hex(&m.finalize().into_bytes())
        }
    }
}

/// The MAC of the head stored in the database (`id`, `hash`) under the key.
fn head_mac(key: &AuditKey, id: i64, hash: &str) -> String {
    digest(Some(key), &["dars audit head", &id.to_string(), hash])
}

/// The MAC of a published checkpoint: under another label than the head's, so that a
/// checkpoint read from an email cannot be written back as the head of a trail cut to it.
fn checkpoint_mac(key: &AuditKey, id: i64, hash: &str) -> String {
    digest(Some(key), &["dars audit checkpoint", &id.to_string(), hash])
}

/// Longest path a refused request stores, in characters.
pub const MAX_DENIED_PATH: usize = 200;
/// Refusals written per token and minute; the rest are counted into the next row.
pub const DENIED_ROWS_PER_MINUTE: u32 = 20;

/// The key of the audit chain, from `DARS_AUDIT_KEY` or the file `DARS_AUDIT_KEY_FILE` names.
/// Never stored under `data/`; at least 32 characters (e.g. `openssl rand -hex 32`).
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// Minimum key length, characters.
    pub const MIN_LEN: usize = 32;

    /// A key from its text (surrounding whitespace ignored).
    pub fn new(text: &str) -> Result<AuditKey> {
        let t = text.trim();
        if t.len() < Self::MIN_LEN {
            bail!(
                "the audit key must be at least {} characters (it has {}); make one with \
                 `openssl rand -hex 32`",
                Self::MIN_LEN,
                t.len()
            );
        }
        Ok(AuditKey(t.as_bytes().to_vec()))
    }

    /// The configured key: `DARS_AUDIT_KEY`, else the file `DARS_AUDIT_KEY_FILE` names (which
    /// must not lie under `data`); `None` when neither is set.
    pub fn from_env(data: &Path) -> Result<Option<AuditKey>> {
        match crate::crypto::secret_from_env("DARS_AUDIT_KEY", data)? {
            Some((text, from)) => AuditKey::new(&text).map(Some).context(from),
            None => Ok(None),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"))
    }
}

/// The head of the chain published outside the database: `dars-audit-checkpoint v1 <id>
/// <hash> <mac>` (`mac` is `-` for an unkeyed chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: i64,
    pub hash: String,
    pub mac: Option<String>,
}

impl Checkpoint {
    const PREFIX: &'static str = "dars-audit-checkpoint v1";

    /// Every checkpoint line in `text` (other text, such as the rest of an email, is skipped).
    /// A saved `.eml` file works too: quoted-printable soft line breaks (`=` at a line's end,
    /// RFC 2045 §6.7), which split a line this long, are undone first.
    pub fn parse_all(text: &str) -> Vec<Checkpoint> {
        let text = text.replace("=\r\n", "").replace("=\n", "");
        text.lines()
            .filter_map(|line| {
                let rest = line.trim().split(Self::PREFIX).nth(1)?;
                // Hex digits only: the HTML part of an email follows the line with `</p>`.
                let hex_part =
                    |t: &str| -> String { t.chars().take_while(char::is_ascii_hexdigit).collect() };
                let mut f = rest.split_whitespace();
                let id = f.next()?.parse().ok()?;
                let hash = hex_part(f.next()?);
                let mac = f.next().map(hex_part).filter(|m| !m.is_empty());
                (hash.len() == 64).then_some(Checkpoint { id, hash, mac })
            })
            .fold(Vec::new(), |mut all, c| {
                // An email carries the line twice (text and HTML parts).
                if !all.contains(&c) {
                    all.push(c);
                }
                all
            })
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            Self::PREFIX,
            self.id,
            self.hash,
            self.mac.as_deref().unwrap_or("-")
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Role of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Rows whose hash is keyed (HMAC).
    pub keyed: usize,
    /// Checkpoints checked (`verify_against`).
    pub checkpoints: usize,
}

pub struct Audit {
    conn: Connection,
    /// The shared hold on the database's lock ([`file`]), for as long as it is open.
    _held: file::Held,
    key: Option<AuditKey>,
    /// Refusals per token in the current minute: (minute, written, suppressed).
    denied: std::collections::HashMap<String, (i64, u32, u64)>,
}

impl Audit {
    /// The database under `data`, created with its tables on first use, keyed as the
    /// environment says ([`AuditKey::from_env`]).
    pub fn open(data: &Path) -> Result<Audit> {
        let key = AuditKey::from_env(data)?;
        Audit::open_with_key(data, key)
    }

    /// [`Audit::open`] with the key given.
    pub fn open_with_key(data: &Path, key: Option<AuditKey>) -> Result<Audit> {
        let path = data.join(file::DATABASE);
        let file::Opened { conn, held } = file::open(data)?;
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
             CREATE TABLE IF NOT EXISTS head (
                 one INTEGER PRIMARY KEY CHECK (one = 1),
                 id INTEGER NOT NULL,
                 hash TEXT NOT NULL,
                 mac TEXT
             );
             CREATE TABLE IF NOT EXISTS tokens (
                 hash TEXT PRIMARY KEY,
                 name TEXT NOT NULL,
                 role TEXT NOT NULL,
                 accounts TEXT NOT NULL,
                 created_at TEXT NOT NULL
             );",
        )
        .with_context(|| format!("creating the audit tables in {}", path.display()))?;
        // Columns added to databases made before them: expiry and revocation (issue #15
        // item 6), keyed rows (item 7).
        for (table, column, decl) in [
            ("tokens", "expires_at", "TEXT"),
            ("tokens", "revoked_at", "TEXT"),
            ("audit", "keyed", "INTEGER NOT NULL DEFAULT 0"),
        ] {
            let present: bool = conn.query_row(
                "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
                params![table, column],
                |r| r.get(0),
            )?;
            if !present {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))
                    .with_context(|| format!("adding {table}.{column} in {}", path.display()))?;
            }
        }
        // A database made when the head lived in `audit.head` beside it: carry that head over
        // once (verification then checks the chain against it as before).
        let has_head: bool = conn.query_row("SELECT COUNT(*) FROM head", [], |r| r.get(0))?;
        let legacy = data.join("audit.head");
        if !has_head && let Ok(text) = std::fs::read_to_string(&legacy) {
            let mut f = text.split_whitespace();
            if let (Some(id), Some(hash)) = (f.next().and_then(|v| v.parse::<i64>().ok()), f.next())
            {
                conn.execute(
                    "INSERT INTO head (one, id, hash, mac) VALUES (1, ?1, ?2, NULL)",
                    params![id, hash],
                )?;
            }
            // Carried over once: left in place, an old head could be re-imported later by
            // deleting the head row.
            std::fs::remove_file(&legacy)
                .with_context(|| format!("removing {} after carrying it over", legacy.display()))?;
        }
        Ok(Audit {
            conn,
            _held: held,
            key,
            denied: std::collections::HashMap::new(),
        })
    }

    /// Whether rows are written keyed.
    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// The current head as a checkpoint to publish; `None` before the first row.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        let head: Option<(i64, String)> = self
            .conn
            .query_row("SELECT id, hash FROM head WHERE one = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(head.map(|(id, hash)| Checkpoint {
            mac: self.key.as_ref().map(|k| checkpoint_mac(k, id, &hash)),
            id,
            hash,
        }))
    }

    /// Records a refused request, bounded: the path cut to [`MAX_DENIED_PATH`] characters and
    /// at most [`DENIED_ROWS_PER_MINUTE`] rows per token and minute; refusals beyond that are
    /// counted and reported as `suppressed_before` in the token's next row. Returns whether a
    /// row was written.
    pub fn append_denied(
        &mut self,
        who: &TokenInfo,
        account: Option<&str>,
        method: &str,
        path: &str,
    ) -> Result<bool> {
        let minute = chrono::Utc::now().timestamp() / 60;
        // Other tokens' refusals suppressed in a minute that has passed are written now, so a
        // burst followed by silence is still counted (a restart loses at most a minute's).
        let stale: Vec<(String, u64)> = self
            .denied
            .iter_mut()
            .filter(|(name, slot)| **name != who.name && slot.0 != minute && slot.2 > 0)
            .map(|(name, slot)| (name.clone(), std::mem::take(&mut slot.2)))
            .collect();
        for (name, n) in stale {
            self.append(
                Kind::AccessDenied,
                &name,
                None,
                &serde_json::json!({ "suppressed_before": n }),
            )?;
        }
        let slot = self
            .denied
            .entry(who.name.clone())
            .or_insert((minute, 0, 0));
        if slot.0 != minute {
            slot.0 = minute;
            slot.1 = 0;
        }
        if slot.1 >= DENIED_ROWS_PER_MINUTE {
            slot.2 += 1;
            return Ok(false);
        }
        slot.1 += 1;
        let suppressed = std::mem::take(&mut slot.2);
        let path: String = path.chars().take(MAX_DENIED_PATH).collect();
        let account: Option<String> = account.map(|a| a.chars().take(64).collect());
        let mut detail = serde_json::json!({
            "method": method.chars().take(16).collect::<String>(),
            "path": path,
            "role": who.role,
        });
        if suppressed > 0 {
            detail["suppressed_before"] = serde_json::json!(suppressed);
        }
        self.append(Kind::AccessDenied, &who.name, account.as_deref(), &detail)?;
        Ok(true)
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
        if self.key.is_none() {
            let keyed: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM audit WHERE keyed = 1)",
                [],
                |r| r.get(0),
            )?;
            if keyed {
                bail!(
                    "the audit trail is keyed: set DARS_AUDIT_KEY (or DARS_AUDIT_KEY_FILE) to \
                     write to it; a row written without the key would break its chain"
                );
            }
        }
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let detail = detail.to_string();
        let key = self.key.as_ref();
        let hash = row_hash(key, &prev, id, &at, kind.as_str(), actor, account, &detail);
        tx.execute(
            "INSERT INTO audit (id, at, kind, actor, account_id, detail, prev_hash, hash, keyed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                at,
                kind.as_str(),
                actor,
                account,
                detail,
                prev,
                hash,
                key.is_some()
            ],
        )?;
        // The head moves in the same transaction: a crash leaves both or neither.
        tx.execute(
            "INSERT INTO head (one, id, hash, mac) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (one) DO UPDATE SET id = excluded.id, hash = excluded.hash,
             mac = excluded.mac",
            params![id, hash, key.map(|k| head_mac(k, id, &hash))],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Rows in id order, optionally of one kind and/or account.
    pub fn entries(&self, kind: Option<Kind>, account: Option<&str>) -> Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, kind, actor, account_id, detail, prev_hash, hash, keyed FROM audit
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
                keyed: r.get(8)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>().map_err(Into::into)
    }

    /// [`Audit::verify_against`] without checkpoints.
    #[cfg(test)]
    pub fn verify(&self) -> Result<Verification> {
        self.verify_against(&[])
    }

    /// Walks the chain: ids contiguous from 1, each row's `prev_hash` the previous row's hash,
    /// each hash recomputed (keyed rows with the key; once a row is keyed every later one must
    /// be), and the last row matching the head (its MAC too when keyed); then the tokens table.
    fn verify_rows(&self, rows: &[Entry]) -> Result<Verification> {
        let keyed = rows.iter().filter(|e| e.keyed).count();
        let problem = |p: String| Verification {
            rows: rows.len(),
            problem: Some(p),
            keyed,
            checkpoints: 0,
        };
        let mut prev = GENESIS.to_owned();
        let mut seen_keyed = false;
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
            if seen_keyed && !e.keyed {
                return Ok(problem(format!(
                    "row {} is not keyed although earlier rows are: it was written or rewritten \
                     without the audit key",
                    e.id
                )));
            }
            seen_keyed |= e.keyed;
            let key = match (e.keyed, &self.key) {
                (false, _) => None,
                (true, Some(k)) => Some(k),
                (true, None) => bail!(
                    "row {} and later are keyed: set DARS_AUDIT_KEY (or DARS_AUDIT_KEY_FILE) to \
                     the audit key to verify them",
                    e.id
                ),
            };
            if e.compute_hash(key) != e.hash {
                return Ok(problem(format!(
                    "row {} ({} at {}) was modified after it was written",
                    e.id, e.kind, e.at
                )));
            }
            prev = e.hash.clone();
        }
        let head: Option<(i64, String, Option<String>)> = self
            .conn
            .query_row("SELECT id, hash, mac FROM head WHERE one = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match (rows.last(), head) {
            (None, None) => {}
            (Some(_), None) => return Ok(problem("the head of the chain is missing".into())),
            (None, Some((id, _, _))) => {
                return Ok(problem(format!(
                    "the head records row {id} but the trail is empty: rows were removed"
                )));
            }
            (Some(last), Some((id, hash, mac))) => {
                if (last.id, &last.hash) != (id, &hash) {
                    return Ok(problem(format!(
                        "the chain ends at row {} but the head records row {id}: rows were \
                         removed from the end",
                        last.id
                    )));
                }
                if let (true, Some(k)) = (last.keyed, &self.key)
                    && mac.as_deref() != Some(head_mac(k, id, &hash).as_str())
                {
                    return Ok(problem(
                        "the head's MAC does not match the key: the head was rewritten".into(),
                    ));
                }
            }
        }
        if self.key.is_some() && keyed == 0 && !rows.is_empty() {
            return Ok(problem(
                "an audit key is set but no row is keyed: either nothing was written since the \
                 key was set (the next morning run or any audited command signs the trail), or \
                 the keyed rows were removed and the rest rewritten; compare with a checkpoint \
                 (`--against`)"
                    .into(),
            ));
        }
        if let Some(p) = self.tokens_problem(rows)? {
            return Ok(problem(p));
        }
        Ok(Verification {
            rows: rows.len(),
            problem: None,
            keyed,
            checkpoints: 0,
        })
    }

    /// The chain walk ([`Audit::verify_rows`]), then every checkpoint: its row must still be in the chain with the
    /// same hash, and a keyed checkpoint's MAC must be the key's (a checkpoint made without the
    /// key proves nothing about a keyed chain and is refused).
    pub fn verify_against(&self, checkpoints: &[Checkpoint]) -> Result<Verification> {
        let rows = self.entries(None, None)?;
        let mut v = self.verify_rows(&rows)?;
        if v.problem.is_some() {
            return Ok(v);
        }
        for c in checkpoints {
            let found = rows.iter().find(|e| e.id == c.id);
            let problem = match found {
                None => Some(format!(
                    "checkpoint row {} is no longer in the trail (it has {} rows): rows were \
                     removed from the end and the head rewritten",
                    c.id,
                    rows.len()
                )),
                Some(e) if e.hash != c.hash => Some(format!(
                    "row {} differs from its checkpoint: the trail was rewritten from there on",
                    c.id
                )),
                Some(e) => match (&c.mac, &self.key) {
                    (Some(mac), Some(k)) if *mac != checkpoint_mac(k, c.id, &c.hash) => {
                        Some(format!(
                            "checkpoint row {} carries a MAC the audit key did not make",
                            c.id
                        ))
                    }
                    (None, Some(_)) if e.keyed => Some(format!(
                        "checkpoint row {} has no MAC although the row is keyed",
                        c.id
                    )),
                    _ => None,
                },
            };
            if let Some(p) = problem {
                v.problem = Some(p);
                return Ok(v);
            }
            v.checkpoints += 1;
        }
        Ok(v)
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
pub fn verify_cli(data: &Path, against: Option<&Path>) -> Result<()> {
    let audit = Audit::open(data)?;
    let checkpoints = match against {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading checkpoints from {}", file.display()))?;
            let found = Checkpoint::parse_all(&text);
            if found.is_empty() {
                bail!(
                    "{} holds no checkpoint line (`dars-audit-checkpoint v1 …`, printed by `dars \
                     audit checkpoint` and carried by each morning's desk email)",
                    file.display()
                );
            }
            found
        }
        None => Vec::new(),
    };
    let v = audit.verify_against(&checkpoints)?;
    match v.problem {
        None => {
            println!(
                "audit trail intact: {} row(s), every hash and link checks out; {}{}",
                v.rows,
                if v.keyed == v.rows && v.rows > 0 {
                    "every row keyed".to_owned()
                } else if v.keyed > 0 {
                    format!(
                        "{} row(s) keyed (the earlier ones predate the key)",
                        v.keyed
                    )
                } else if audit.is_keyed() {
                    "no row is keyed yet (the trail predates the key)".to_owned()
                } else {
                    "not keyed: set DARS_AUDIT_KEY so that whoever can write data/ cannot \
                     re-chain it"
                        .to_owned()
                },
                if v.checkpoints > 0 {
                    format!("; {} checkpoint(s) found in the chain", v.checkpoints)
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        Some(p) => bail!("audit trail TAMPERED ({} rows read): {p}", v.rows),
    }
}

/// `dars audit checkpoint`: the head to keep outside `data/`.
pub fn checkpoint_cli(data: &Path) -> Result<()> {
    match Audit::open(data)?.checkpoint()? {
        Some(c) => {
            println!("{c}");
            Ok(())
        }
        None => bail!("the audit trail is empty: nothing to checkpoint yet"),
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
                params![forged.compute_hash(None)],
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

    fn key() -> AuditKey {
        AuditKey::new("0123456789abcdef0123456789abcdef-test-key")
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    fn keyed_audit() -> (tempfile::TempDir, Audit) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = Audit::open_with_key(dir.path(), Some(key())).unwrap_or_else(|e| panic!("{e:#}"));
        (dir, a)
    }

    fn problem(a: &Audit, checkpoints: &[Checkpoint]) -> String {
        a.verify_against(checkpoints)
            .ok()
            .and_then(|v| v.problem)
            .unwrap_or_default()
    }

    /// Issue #15 item 7: with a key, someone who can write data/ but does not hold the key can
    /// neither re-chain an edited trail nor forge rows; cutting the tail and rewriting the
    /// head is caught by a checkpoint kept outside.
    #[test]
    fn a_keyed_chain_cannot_be_rechained_without_the_key() {
        let (dir, mut a) = keyed_audit();
        fill(&mut a, 5);
        let v = a.verify().unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!((v.rows, v.keyed, v.problem), (5, 5, None));
        let cp = a
            .checkpoint()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a head"));
        assert_eq!(
            Checkpoint::parse_all(&format!("Subject: x\n{cp}\n")),
            vec![cp.clone()]
        );
        assert!(cp.mac.is_some());
        assert_eq!(problem(&a, std::slice::from_ref(&cp)), "");

        // Rewrite row 3 and re-chain 3..5 with plain SHA-256 (all an attacker can compute).
        let rechain = |a: &mut Audit, from: i64| {
            let rows = a.entries(None, None).unwrap_or_default();
            let mut prev = rows
                .iter()
                .find(|e| e.id == from - 1)
                .map_or(GENESIS.to_owned(), |e| e.hash.clone());
            for e in rows.iter().filter(|e| e.id >= from) {
                let forged = Entry {
                    detail: if e.id == from {
                        "{\"forged\":true}".into()
                    } else {
                        e.detail.clone()
                    },
                    prev_hash: prev.clone(),
                    keyed: false,
                    ..e.clone()
                };
                let hash = forged.compute_hash(None);
                a.conn
                    .execute(
                        "UPDATE audit SET detail = ?1, prev_hash = ?2, hash = ?3, keyed = 0 WHERE id = ?4",
                        params![forged.detail, forged.prev_hash, hash, e.id],
                    )
                    .unwrap_or_else(|e| panic!("{e}"));
                a.conn
                    .execute(
                        "UPDATE head SET hash = ?1, mac = NULL WHERE one = 1",
                        params![hash],
                    )
                    .unwrap_or_else(|e| panic!("{e}"));
                prev = hash;
            }
        };
        rechain(&mut a, 3);
        let p = problem(&a, &[]);
        assert!(
            p.contains("row 3 is not keyed although earlier rows are"),
            "{p}"
        );
        // Re-chaining the whole trail as unkeyed leaves no keyed row under a set key, and the
        // checkpoint no longer matches either.
        rechain(&mut a, 1);
        let p = problem(&a, &[]);
        assert!(p.contains("an audit key is set but no row is keyed"), "{p}");
        let p = problem(&a, std::slice::from_ref(&cp));
        assert!(p.contains("no row is keyed"), "{p}");

        // Without the key a keyed trail cannot be verified at all (and says why).
        let (dir2, mut b) = keyed_audit();
        fill(&mut b, 2);
        drop(b);
        let unkeyed = Audit::open_with_key(dir2.path(), None).unwrap_or_else(|e| panic!("{e:#}"));
        let e = unkeyed
            .verify()
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(e.contains("set DARS_AUDIT_KEY"), "{e}");
        // Nor does a process without the key append to it (its row would break the chain).
        let mut unkeyed = unkeyed;
        let e = unkeyed
            .append(Kind::Prediction, "test", None, &serde_json::json!({}))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(e.contains("the audit trail is keyed"), "{e}");
        let keyed_again =
            Audit::open_with_key(dir2.path(), Some(key())).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(problem(&keyed_again, &[]), "");
        // A checkpoint from an email cannot stand in for the head: its MAC is another one.
        let c = keyed_again
            .checkpoint()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a head"));
        assert_ne!(c.mac, Some(head_mac(&key(), c.id, &c.hash)));
        drop(dir);
    }

    #[test]
    fn cutting_the_tail_is_caught_by_the_head_or_a_checkpoint() {
        let (_d, mut a) = keyed_audit();
        fill(&mut a, 6);
        let cp = a
            .checkpoint()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("a head"));
        a.conn
            .execute("DELETE FROM audit WHERE id > 4", [])
            .unwrap_or_else(|e| panic!("{e}"));
        let p = problem(&a, &[]);
        assert!(p.contains("removed from the end"), "{p}");
        // Re-heading to the new last row needs the key for its MAC...
        let last = a
            .entries(None, None)
            .unwrap_or_default()
            .pop()
            .unwrap_or_else(|| panic!("rows"));
        a.conn
            .execute(
                "UPDATE head SET id = ?1, hash = ?2, mac = 'forged' WHERE one = 1",
                params![last.id, last.hash],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let p = problem(&a, &[]);
        assert!(p.contains("head's MAC"), "{p}");
        // ...and even with an old valid head replayed, the checkpoint still catches it.
        a.conn
            .execute(
                "UPDATE head SET mac = ?1 WHERE one = 1",
                params![head_mac(&key(), last.id, &last.hash)],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(problem(&a, &[]), "");
        let p = problem(&a, &[cp]);
        assert!(
            p.contains("checkpoint row 6 is no longer in the trail"),
            "{p}"
        );
    }

    #[test]
    fn a_flood_of_refusals_writes_bounded_rows() {
        let (_d, mut a) = audit();
        let who = TokenInfo {
            name: "mallory".into(),
            role: Role::Trader,
            accounts: vec!["NET001".into()],
        };
        let long = format!("/api/traders/{}", "X".repeat(50_000));
        let mut written = 0;
        for _ in 0..2_000 {
            if a.append_denied(&who, Some("NET002"), "GET", &long)
                .unwrap_or_else(|e| panic!("{e:#}"))
            {
                written += 1;
            }
        }
        // At most two minutes' allowance even if the minute turned during the loop.
        assert!(written <= 2 * DENIED_ROWS_PER_MINUTE, "{written}");
        let rows = a
            .entries(Some(Kind::AccessDenied), None)
            .unwrap_or_default();
        assert_eq!(rows.len() as u32, written);
        assert!(
            rows.iter().all(|e| e.detail.len() < MAX_DENIED_PATH + 200),
            "{}",
            rows[0].detail
        );
        let raw = std::fs::metadata(_d.path().join("audit.sqlite"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(raw < 1_000_000, "audit.sqlite is {raw} bytes");
        // Another token has its own allowance.
        let other = TokenInfo {
            name: "eve".into(),
            ..who
        };
        assert!(
            a.append_denied(&other, None, "GET", "/api/models")
                .unwrap_or(false)
        );
    }

    #[test]
    fn a_database_from_before_the_head_table_keeps_its_head() {
        let (d, mut a) = audit();
        fill(&mut a, 3);
        let head = a
            .checkpoint()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("head"));
        // As an older build left it: no head row, the head in audit.head.
        a.conn
            .execute("DELETE FROM head", [])
            .unwrap_or_else(|e| panic!("{e}"));
        drop(a);
        std::fs::write(
            d.path().join("audit.head"),
            format!("{} {}\n", head.id, head.hash),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let a = Audit::open_with_key(d.path(), None).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(problem(&a, &[]), "");
        assert_eq!(a.checkpoint().ok().flatten().map(|c| c.id), Some(3));
    }

    /// A trail keyed only from row 4 on, cut back to its last plain row with the head rewritten
    /// to it: the set key finds no keyed row left.
    #[test]
    fn cutting_back_to_the_rows_before_the_key_is_caught() {
        let (d, mut a) = audit();
        fill(&mut a, 3);
        drop(a);
        let mut a = Audit::open_with_key(d.path(), Some(key())).unwrap_or_else(|e| panic!("{e:#}"));
        fill(&mut a, 3);
        assert_eq!(problem(&a, &[]), "");
        let third = a.entries(None, None).unwrap_or_default()[2].clone();
        a.conn
            .execute("DELETE FROM audit WHERE id > 3", [])
            .unwrap_or_else(|e| panic!("{e}"));
        a.conn
            .execute(
                "UPDATE head SET id = 3, hash = ?1, mac = NULL WHERE one = 1",
                params![third.hash],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let p = problem(&a, &[]);
        assert!(p.contains("no row is keyed"), "{p}");
    }
}
