//! One writer at a time, and no reader of a half-written lake (issue #15 item 4).
//!
//! `dars ingest` takes an exclusive lock on `data/lake.lock` (an OS file lock, released when
//! the process ends, however it ends), so a second ingest waits for the first instead of both
//! rewriting the manifest and losing one's entry. Before its first write to the lake it leaves
//! a marker, `data/INGEST_INCOMPLETE`, naming what it is doing; the marker is removed only after
//! the daily table and the manifest, the last writes, are saved (an ingest that fails before
//! writing anything leaves none). A run that reads the lake (`dars predict`, `train`,
//! `backtest`) holds the lock shared for as long as it reads, so it waits for a running ingest,
//! and refuses to score when a marker is left over from an ingest that was killed: the daily
//! table may then mix old and new account-days. The next ingest removes the temp files a killed
//! writer left and rebuilds the daily table from the (each atomically written) partitions.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::atomic::create_private_dir;

/// The lock file, under the data directory.
const LOCK: &str = "lake.lock";
/// The marker of an ingest under way (or killed).
const MARKER: &str = "INGEST_INCOMPLETE";

/// An exclusive hold on the lake, with the incomplete-ingest marker written; dropping it
/// without [`WriteLock::finish`] leaves the marker (the ingest did not complete).
pub struct WriteLock {
    _file: File,
    marker: PathBuf,
    /// What this ingest does, for its marker.
    what: String,
    /// The marker an earlier, killed ingest left, if any.
    leftover: Option<String>,
    /// Whether this ingest wrote its marker.
    begun: bool,
}

/// A shared hold on the lake for a reader.
pub struct ReadLock {
    _file: File,
}

fn open_lock(data: &Path) -> Result<File> {
    open_lock_file(data, LOCK)
}

/// Opens (creating it owner-only, with its directory) the lock file `name` under `data`, for
/// an OS file lock (`File::lock`, `lock_shared`, `try_lock`): the lake's and the audit
/// database's.
pub fn open_lock_file(data: &Path, name: &str) -> Result<File> {
    create_private_dir(data)?;
    let path = data.join(name);
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(&path)
        .with_context(|| format!("opening the lock {}", path.display()))
}

/// Opens the lock file and takes it, exclusive for a writer or shared for a reader, saying
/// `waiting` while someone else holds it.
fn acquire(data: &Path, shared: bool, waiting: &str) -> Result<File> {
    let file = open_lock(data)?;
    let free = if shared {
        file.try_lock_shared().is_ok()
    } else {
        file.try_lock().is_ok()
    };
    if !free {
        eprintln!(
            "{waiting} the lake at {}; waiting for it to finish",
            data.display()
        );
        if shared {
            file.lock_shared()
        } else {
            file.lock()
        }
        .with_context(|| format!("waiting for the lake lock in {}", data.display()))?;
    }
    Ok(file)
}

/// Takes the lake for writing: waits (saying so) while another writer holds it, then removes
/// temp files a killed writer left. The marker is written by [`WriteLock::begin`].
pub fn write(data: &Path, what: &str) -> Result<WriteLock> {
    let file = acquire(data, false, "another dars ingest is writing")?;
    // Every folder whose writers hold the lake's lock (predict and backtest hold it shared, so
    // none of them is writing now).
    let mut removed = 0;
    for dir in ["lake", "raw", "predictions", "backtests"] {
        removed += remove_stale_temp_files(&data.join(dir))?;
    }
    if removed > 0 {
        eprintln!("removed {removed} temp file(s) left by an interrupted write");
    }
    let marker = data.join(MARKER);
    let leftover = std::fs::read_to_string(&marker)
        .ok()
        .map(|t| t.trim().to_owned());
    if let Some(text) = &leftover {
        eprintln!(
            "an earlier ingest did not complete ({text}): the next ingest that completes \
             rebuilds the daily table"
        );
    }
    Ok(WriteLock {
        _file: file,
        marker,
        what: what.to_owned(),
        leftover,
        begun: false,
    })
}

impl WriteLock {
    /// Writes the marker before the first change to the lake (once).
    pub fn begin(&mut self) -> Result<()> {
        if self.begun {
            return Ok(());
        }
        let mut text = format!(
            "dars ingest started {} (pid {}): {}",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            std::process::id(),
            self.what
        );
        if let Some(earlier) = &self.leftover {
            text.push_str(&format!("; before it: {earlier}"));
        }
        text.push('\n');
        crate::atomic::write_atomic(&self.marker, text.as_bytes())?;
        self.begun = true;
        Ok(())
    }

    /// Whether an earlier ingest was killed before it completed (its marker was found).
    pub fn interrupted(&self) -> bool {
        self.leftover.is_some()
    }

    /// The ingest completed, the daily table rebuilt when anything changed or an earlier ingest
    /// was interrupted: remove the marker (the lock is released on drop).
    pub fn finish(self) -> Result<()> {
        if !(self.begun || self.leftover.is_some()) {
            return Ok(());
        }
        std::fs::remove_file(&self.marker)
            .with_context(|| format!("removing {}", self.marker.display()))
    }
}

/// Takes the lake for reading: waits for a running ingest, then refuses a lake an interrupted
/// ingest left half-written.
pub fn read(data: &Path) -> Result<ReadLock> {
    let file = acquire(data, true, "dars ingest is writing")?;
    let marker = data.join(MARKER);
    if let Ok(text) = std::fs::read_to_string(&marker) {
        bail!(
            "the lake at {} may be half-written: an ingest did not complete ({}); run `dars \
             ingest` again with the same files (it is idempotent) before scoring",
            data.display(),
            text.trim()
        );
    }
    Ok(ReadLock { _file: file })
}

/// Removes the temp files (`.tmp*`, as `tempfile` names them) under `dir`; returns how many.
fn remove_stale_temp_files(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            removed += remove_stale_temp_files(&path)?;
        } else if kind.is_file() && entry.file_name().to_string_lossy().starts_with(".tmp") {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A killed ingest (its lock dropped without `finish`) leaves the lake refused to readers
    /// with the reason; the next ingest clears stale temp files, and finishing clears the
    /// marker.
    #[test]
    fn an_interrupted_ingest_is_refused_until_an_ingest_completes() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = tmp.path();
        assert!(read(data).is_ok(), "a fresh lake reads");
        // An ingest that fails before writing leaves no marker.
        drop(write(data, "nothing").unwrap_or_else(|e| panic!("{e:#}")));
        assert!(read(data).is_ok(), "nothing was written");
        let mut w = write(data, "ingesting fills.csv").unwrap_or_else(|e| panic!("{e:#}"));
        w.begin().unwrap_or_else(|e| panic!("{e:#}"));
        drop(w); // killed: no finish
        let e = read(data).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            e.contains("an ingest did not complete") && e.contains("fills.csv"),
            "{e}"
        );
        let stale = data.join("lake/fills/.tmpAbC123");
        std::fs::create_dir_all(data.join("lake/fills")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&stale, b"half").unwrap_or_else(|e| panic!("{e}"));
        let w = write(data, "again").unwrap_or_else(|e| panic!("{e:#}"));
        assert!(!stale.exists(), "stale temp file removed");
        assert!(w.interrupted());
        w.finish().unwrap_or_else(|e| panic!("{e:#}"));
        assert!(read(data).is_ok());
    }

    /// A second writer waits while the first holds the lock.
    #[test]
    fn a_second_writer_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = tmp.path().to_owned();
        let first = write(&data, "first").unwrap_or_else(|e| panic!("{e:#}"));
        let (tx, rx) = std::sync::mpsc::channel();
        let d = data.clone();
        let second = std::thread::spawn(move || {
            let w = write(&d, "second");
            let _ = tx.send(());
            w.and_then(WriteLock::finish)
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(rx.try_recv().is_err(), "the second writer did not wait");
        first.finish().unwrap_or_else(|e| panic!("{e:#}"));
        assert!(rx.recv_timeout(std::time::Duration::from_secs(10)).is_ok());
        assert!(second.join().is_ok_and(|r| r.is_ok()));
    }
}
