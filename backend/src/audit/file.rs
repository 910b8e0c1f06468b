//! The audit database's file: opened in the clear or, with a data key, encrypted whole with
//! SQLCipher (issue #15 item 13; rusqlite's `bundled-sqlcipher`: AES-256-CBC pages with an
//! HMAC-SHA512 each, SQLCipher 4's defaults), and rewritten under a new key by `dars keys
//! rotate`.
//!
//! **Its key** is derived from the master data key for the name `audit.sqlite`
//! ([`crate::crypto::MasterKey::derived_key`], HKDF-SHA256) and given to SQLCipher raw (`x'…'`,
//! no passphrase stretching: the master key is already 256 random bits). SQLCipher keeps no key
//! material in the file, so unlike the other files it carries no wrapped data key: during a
//! rotation it is opened under the current key, else the previous one.
//!
//! **One mode.** With a key, a database in the clear is refused (`dars keys rotate --from-clear`
//! encrypts it); without one, an encrypted database is a clear error, never "file is not a
//! database".
//!
//! **Rotation** exports the whole database into `audit.sqlite.rekey` under the new key
//! (`sqlcipher_export`), syncs it and renames it over the database: a rotation killed at any
//! point leaves the database whole under the old key or the new one. Every process that opens
//! the database holds `audit.lock` shared for as long as it has it open, and the rotation
//! takes it exclusively: it refuses to run beside a `dars serve` (whose open connection would
//! go on writing into the replaced file).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rusqlite::Connection;

use crate::crypto::{DataKeys, MasterKey, Sealer};

/// The database's file name inside the data directory, and the name its key is derived for.
pub const DATABASE: &str = "audit.sqlite";

/// The lock every holder of the database takes shared.
const LOCK: &str = "audit.lock";

/// Where a rotation writes the database under the new key before the rename.
const REKEYED: &str = "audit.sqlite.rekey";

/// The first bytes of a SQLite database in the clear.
const CLEAR_HEADER: &[u8] = b"SQLite format 3\0";

/// A shared hold on the database's lock, for as long as a connection is open.
pub struct Held {
    _file: File,
}

/// An open database and the hold on its lock.
pub struct Opened {
    pub conn: Connection,
    pub held: Held,
}

fn lock_file(data: &Path) -> Result<File> {
    crate::lake::lock::open_lock_file(data, LOCK)
}

/// Whether the file at `path` is a SQLite database in the clear (`false` for an empty or
/// missing file, which SQLite creates in whichever mode it is keyed in).
fn is_clear(path: &Path) -> Result<bool> {
    let mut head = [0u8; CLEAR_HEADER.len()];
    match File::open(path) {
        Ok(mut f) => {
            let n = crate::crypto::read_full(&mut f, &mut head)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(n == head.len() && head == CLEAR_HEADER)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("opening {}", path.display())),
    }
}

fn is_empty(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.len() == 0)
}

/// SQLCipher's raw-key literal for the database's key under `master`.
fn key_literal(master: &MasterKey) -> Result<String> {
    let key = master.derived_key(DATABASE)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("\"x'{hex}'\""))
}

/// Whether `conn` reads its database: `false` when SQLCipher finds it is not a database under
/// the key given (the wrong key); any other failure (busy, I/O) is that error.
fn reads(conn: &Connection, path: &Path) -> Result<bool> {
    match conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(true),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Ok(false)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// A connection to the database at `path` under `master`, if that is its key.
fn open_under(path: &Path, master: &MasterKey) -> Result<Option<Connection>> {
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(&format!("PRAGMA key = {};", key_literal(master)?))
        .with_context(|| format!("keying {}", path.display()))?;
    Ok(reads(&conn, path)?.then_some(conn))
}

/// A connection to the database at `path` under the current key or, during a rotation, the
/// previous one; which one opened it (`true`: the current).
fn open_keyed(path: &Path, keys: &DataKeys) -> Result<(Connection, bool)> {
    if let Some(conn) = open_under(path, &keys.current)? {
        return Ok((conn, true));
    }
    if let Some(previous) = &keys.previous
        && let Some(conn) = open_under(path, previous)?
    {
        return Ok((conn, false));
    }
    bail!(
        "{} does not open under data key {}{}: set DARS_DATA_KEY to the key it was written \
         with (or DARS_DATA_KEY_PREVIOUS while `dars keys rotate` moves the data to a new key)",
        path.display(),
        keys.current.id(),
        keys.previous
            .as_ref()
            .map(|p| format!(" nor the previous {}", p.id()))
            .unwrap_or_default()
    )
}

/// Opens (creating it on first use, owner-only) the audit database under `data`, keyed as
/// the environment says, holding its lock shared.
pub fn open(data: &Path) -> Result<Opened> {
    let lock = lock_file(data)?;
    lock.lock_shared()
        .with_context(|| format!("waiting for {}", data.join(LOCK).display()))?;
    let held = Held { _file: lock };
    let path = data.join(DATABASE);
    // Owner-only from the start (0600): SQLite gives its WAL and shared-memory files the
    // database file's mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
    }
    let sealer = Sealer::configured(data);
    let conn = match sealer.keys_for_use()? {
        Some(keys) => {
            if is_clear(&path)? {
                bail!(
                    "{} is not encrypted, but a data key is configured: `dars keys rotate \
                     --from-clear` encrypts it",
                    path.display()
                );
            }
            open_keyed(&path, keys)?.0
        }
        None => {
            if !is_empty(&path) && !is_clear(&path)? {
                return Err(crate::crypto::key_needed(&path));
            }
            Connection::open(&path).with_context(|| format!("opening {}", path.display()))?
        }
    };
    Ok(Opened { conn, held })
}

/// The exclusive hold a rotation keeps on the database's lock from its first file to its
/// last, so that no process opens the database (nor, like `dars serve`, writes runs and
/// overrides) while files are being rewritten.
pub struct Exclusive {
    _file: File,
}

/// Takes the database's lock exclusively; refused while another process has it open.
pub fn lock_exclusive(data: &Path) -> Result<Exclusive> {
    let lock = lock_file(data)?;
    if lock.try_lock().is_err() {
        bail!(
            "{} is open in another process (a running `dars serve`?): stop it, then rotate",
            data.join(DATABASE).display()
        );
    }
    Ok(Exclusive { _file: lock })
}

/// Rewrites the audit database under the current data key (read under the previous key, or
/// in the clear with `from_clear`): exported whole into a new file, synced, renamed over the
/// database. `false` when there is no database or it is already under the current key. The
/// caller holds the lock exclusively ([`lock_exclusive`]).
pub fn reseal(data: &Path, from_clear: bool, _held: &Exclusive) -> Result<bool> {
    let path = data.join(DATABASE);
    let tmp = data.join(REKEYED);
    // What a rotation killed before its rename left.
    remove_if_present(&tmp)?;
    remove_if_present(&sibling(&tmp, "-journal"))?;
    if is_empty(&path) {
        return Ok(false);
    }
    let sealer = Sealer::configured(data);
    let keys = sealer
        .keys()?
        .context("no data key is configured: set DARS_DATA_KEY to rotate to")?;
    let conn = if is_clear(&path)? {
        if !from_clear {
            bail!(
                "{} is not encrypted: `dars keys rotate --from-clear` encrypts it (only if you \
                 trust it)",
                path.display()
            );
        }
        Connection::open(&path).with_context(|| format!("opening {}", path.display()))?
    } else {
        let (conn, current) = open_keyed(&path, keys)?;
        if current {
            return Ok(false);
        }
        conn
    };
    // Everything in the main file, nothing left in the write-ahead log of the file replaced.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .with_context(|| format!("checkpointing {}", path.display()))?;
    let tmp_name = tmp
        .to_str()
        .with_context(|| format!("{} is not UTF-8", tmp.display()))?;
    conn.execute(
        &format!(
            "ATTACH DATABASE ?1 AS rekeyed KEY {}",
            key_literal(&keys.current)?
        ),
        [tmp_name],
    )
    .with_context(|| format!("creating {}", tmp.display()))?;
    conn.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
        .with_context(|| format!("exporting {} under the new key", path.display()))?;
    conn.execute_batch("DETACH DATABASE rekeyed")?;
    conn.close()
        .map_err(|(_, e)| e)
        .with_context(|| format!("closing {}", path.display()))?;
    for leftover in ["-wal", "-shm"] {
        remove_if_present(&sibling(&path, leftover))?;
    }
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    crate::atomic::sync_parent(&path)?;
    Ok(true)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}
