//! Files that appear whole or not at all, owner-only: the one atomic-write helper every module
//! uses (the lake, the registry, the audit trail's directory, predictions, alerts' outbox, the
//! simulator's exports).
//!
//! A file is written to a temporary beside its target (same directory, so the same filesystem
//! and an atomic rename), synced, then renamed over the target: a reader sees the old file or
//! the new one, never a part, and a crash or a failed write leaves no temporary behind
//! (`tempfile` removes it when dropped). The temporary is created 0600 and the rename keeps
//! it; new directories are 0700 (issue #15 item 9: everything written here is trading data,
//! predictions, identities or a model of them).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

/// Creates `dir` and any missing parents owner-only (0700 on Unix; existing directories keep
/// their mode).
pub fn create_private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    let made = {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    };
    #[cfg(not(unix))]
    let made = std::fs::create_dir_all(dir);
    made.with_context(|| format!("creating {}", dir.display()))
}

/// A temporary beside `path`, in its (created, owner-only) directory.
pub fn temp_beside(path: &Path) -> Result<NamedTempFile> {
    let dir = path.parent().context("path has no parent directory")?;
    create_private_dir(dir)?;
    NamedTempFile::new_in(dir).with_context(|| format!("creating a temp file in {}", dir.display()))
}

/// Syncs the temporary and renames it over `path`.
pub fn persist(tmp: NamedTempFile, path: &Path) -> Result<()> {
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("flushing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

/// Syncs the directory holding `path`, so a rename into it survives a power loss (a rotation
/// calls it before the old key may be retired).
pub fn sync_parent(path: &Path) -> Result<()> {
    let dir = path.parent().context("path has no parent directory")?;
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))?;
    Ok(())
}

/// Writes a whole file or nothing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    with_atomic_file(path, |f| f.write_all(bytes).map_err(Into::into))
}

/// Runs `write` on a temporary beside `path`, then syncs it and renames it over `path`. A
/// failed write leaves the previous file and no temporary.
pub fn with_atomic_file(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    write(tmp.as_file_mut()).with_context(|| format!("writing {}", path.display()))?;
    persist(tmp, path)
}

/// Large enough that the simulator's fills file is written in few system calls.
const BUFFER: usize = 1 << 20;

/// A file written in pieces (the simulator's exports) that appears only on [`AtomicFile::commit`];
/// dropped uncommitted, its temporary is removed and the previous file stays.
pub struct AtomicFile {
    target: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts `dir/name`.
    pub fn create(dir: &Path, name: &str) -> Result<AtomicFile> {
        let target = dir.join(name);
        Ok(AtomicFile {
            out: BufWriter::with_capacity(BUFFER, temp_beside(&target)?),
            target,
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .with_context(|| format!("writing {}", self.target.display()))
    }

    /// Flushes, syncs and moves the file into place; returns its path.
    pub fn commit(self) -> Result<PathBuf> {
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("flushing {}", self.target.display()))?;
        persist(tmp, &self.target)?;
        Ok(self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_abandoned_temporaries_vanish() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut f = AtomicFile::create(dir.path(), "a.csv").expect("create");
        f.write(b"x\n").expect("write");
        assert!(!dir.path().join("a.csv").exists());
        let path = f.commit().expect("commit");
        assert_eq!(std::fs::read(&path).expect("read"), b"x\n");

        let g = AtomicFile::create(dir.path(), "b.csv").expect("create");
        drop(g);
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);

        // A failed whole-file write leaves the previous file and no temporary.
        let failed = with_atomic_file(&path, |f| {
            f.write_all(b"half")?;
            anyhow::bail!("disk full")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"x\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    /// Issue #15 item 9: data files are owner-only whatever the umask, and the directories
    /// created for them are 0700.
    #[cfg(unix)]
    #[test]
    fn atomic_files_and_their_new_directories_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.permissions().mode() & 0o777);
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = tmp.path().join("data/lake/fills/x.parquet");
        write_atomic(&file, b"rows").unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&tmp.path().join("data/lake/fills")), 0o700);
        assert_eq!(mode(&tmp.path().join("data")), 0o700);
        let sim = AtomicFile::create(&tmp.path().join("data"), "fills.csv")
            .and_then(AtomicFile::commit)
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(mode(&sim), 0o600);
        let audit = crate::audit::Audit::open(&tmp.path().join("data"));
        assert!(audit.is_ok());
        assert_eq!(mode(&tmp.path().join("data/audit.sqlite")), 0o600);
    }
}
