//! Output files that appear whole or not at all.
//!
//! Readers (the ingest job, a browser upload, a user's spreadsheet) must never see a half-written
//! export, and a failed or interrupted run must leave the previous files in place. Each file is
//! written to a hidden temporary in the target directory (same filesystem, so the final rename is
//! atomic) and renamed only once every file of the run is complete; a temporary that was never
//! committed is removed when dropped.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Large enough that the fills file is written in few system calls.
const BUFFER: usize = 1 << 20;

pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dir: &Path, name: &str) -> Result<AtomicFile> {
        let target = dir.join(name);
        let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
        Ok(AtomicFile {
            temp,
            target,
            out: Some(BufWriter::with_capacity(BUFFER, file)),
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self.out.as_mut().context("write after commit")?;
        out.write_all(bytes)
            .with_context(|| format!("writing {}", self.temp.display()))
    }

    /// Flushes the temporary to disk and moves it into place; returns the final path. On failure
    /// the temporary is removed and the previous file, if any, stays untouched.
    pub fn commit(mut self) -> Result<PathBuf> {
        let out = self.out.take().context("committed twice")?;
        let finished = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| file.sync_all())
            .with_context(|| format!("flushing {}", self.temp.display()))
            .and_then(|()| {
                fs::rename(&self.temp, &self.target).with_context(|| {
                    format!(
                        "renaming {} to {}",
                        self.temp.display(),
                        self.target.display()
                    )
                })
            });
        if let Err(e) = finished {
            let _ = fs::remove_file(&self.temp);
            return Err(e);
        }
        Ok(std::mem::take(&mut self.target))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() {
            // Best effort: the run is already failing with the error that matters.
            let _ = fs::remove_file(&self.temp);
        }
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
        assert_eq!(fs::read(&path).expect("read"), b"x\n");

        let g = AtomicFile::create(dir.path(), "b.csv").expect("create");
        drop(g);
        assert_eq!(fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
