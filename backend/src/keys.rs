//! `dars keys rotate` and `dars cat`: the data directory's private files as a whole, under the
//! data key (`crate::crypto`).
//!
//! What a data directory holds and how each kind is sealed under a key:
//!
//! | files | sealed as | by |
//! |---|---|---|
//! | `lake/{fills,totals,daily}/…/part.parquet` | Parquet modular encryption | `lake` |
//! | `lake/manifest.json`, `lake/reconciliation.csv`, `lake/rejections/*.txt` | whole file | `lake` |
//! | `raw/*.csv` (the exports as received) | stream | `lake` |
//! | `predictions/*.json` (the morning runs) | whole file | `runs` |
//! | `backtests/*.{csv,json,txt}` | whole file | `train::backtest` |
//! | `audit.sqlite` | SQLCipher | `audit::file` |
//!
//! Left in the clear: the alerts' outbox (mail as sent), the lock files and markers.

use std::fmt;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::crypto::{DataKeys, Sealer};

/// What a rotation rewrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub data: std::path::PathBuf,
    pub key_id: String,
    /// Lake files: partitions, manifest, raw exports, reconciliation, rejections.
    pub lake_files: usize,
    pub runs: usize,
    pub backtest_files: usize,
    /// Whether the audit database was rewritten (it is not when it is already under the key).
    pub audit: bool,
}

impl fmt::Display for Rotated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lake file(s), {} prediction run(s), {} backtest file(s) and {} in {} rewritten \
             under data key {}",
            self.lake_files,
            self.runs,
            self.backtest_files,
            if self.audit {
                "the audit database"
            } else {
                "no audit database (none, or already under the key)"
            },
            self.data.display(),
            self.key_id
        )
    }
}

/// Rewrites every private file of the data directory `data` under `DARS_DATA_KEY`, reading
/// each under `DARS_DATA_KEY_PREVIOUS` (or in the clear with `from_clear`), one file at a time
/// and each atomically: killed at any point, every file reads under the old key or the new
/// one, and running it again finishes. Holds the lake's write lock, and refuses while another
/// process has the audit database open.
pub fn rotate(data: &Path, from_clear: bool) -> Result<Rotated> {
    let keys = DataKeys::from_env(data)?.context(
        "no data key is configured: set DARS_DATA_KEY (64 hex digits, e.g. from `openssl rand \
         -hex 32`) or DARS_DATA_KEY_FILE to the key to rotate to",
    )?;
    let _lock = crate::lake::lock::write(data, "rewriting the data directory under the data key")?;
    // No other process has the audit database open (a server would go on writing runs,
    // overrides and audit rows while files are rewritten): refused before anything is.
    let held = crate::audit::file::lock_exclusive(data)?;
    let audit = crate::audit::file::reseal(data, from_clear, &held)?;
    let lake_files = crate::lake::Lake::open(data).reseal(from_clear)?;
    let runs = crate::runs::RunStore::new(data).reseal(from_clear)?;
    let sealer = Sealer::configured(data);
    let mut backtest_files = 0;
    for ext in ["csv", "json", "txt"] {
        for path in crate::lake::files_in(&data.join("backtests"), ext)? {
            sealer.reseal_file(&path, from_clear)?;
            backtest_files += 1;
        }
    }
    drop(held);
    Ok(Rotated {
        data: data.to_owned(),
        key_id: keys.current.id().to_owned(),
        lake_files,
        runs,
        backtest_files,
        audit,
    })
}

/// Writes the content of the file at `path`, inside the data directory `data`, to `out`:
/// opened under the data key when it is sealed, as it is when in the clear. A lake partition
/// (Parquet) or the audit database is refused with the command that reads it.
pub fn cat(data: &Path, path: &Path, out: &mut impl Write) -> Result<()> {
    let sealer = Sealer::configured(data);
    if !path.is_file() {
        bail!("{}: no such file", path.display());
    }
    if !sealer.holds(path) {
        bail!(
            "{} is not under the data directory {} (give it with --data)",
            path.display(),
            data.display()
        );
    }
    if path.extension().is_some_and(|x| x == "parquet") {
        bail!(
            "{} is a lake partition (Parquet): read the lake with `dars export daily` or \
             `dars export features`",
            path.display()
        );
    }
    if path.file_name().is_some_and(|n| {
        n.to_string_lossy()
            .starts_with(crate::audit::file::DATABASE)
    }) {
        bail!(
            "{} is the audit database: read it with `dars audit verify`, `dars audit \
             checkpoint` and `dars token list`",
            path.display()
        );
    }
    // The outbox is kept in the clear on purpose (mail as sent).
    let mut reader: Box<dyn std::io::Read> = if sealer
        .relative(path)
        .is_some_and(|rel| rel.starts_with("outbox"))
    {
        Box::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?)
    } else {
        sealer.reader(path)?
    };
    std::io::copy(&mut reader, out).with_context(|| format!("reading {}", path.display()))?;
    out.flush()?;
    Ok(())
}
