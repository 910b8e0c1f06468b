//! The model registry under `models/`: one directory per trained version, a `current` symlink
//! the web server publishes (`/models/current/model.json`), and an append-only history of every
//! move of that pointer with who, when and why.
//!
//! The pointer moves atomically (a new symlink is renamed over the old one), so a browser never
//! fetches a half-switched model.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use dars_shared::analytics::{PromotionAction, PromotionEntry};
use dars_shared::artifact::ModelArtifact;
use dars_shared::policy::Policy;
use sha2::{Digest, Sha256};

use crate::audit::{Audit, Kind};

/// The policy file beside each version's `model.json` (public: no per-account limits).
pub const POLICY: &str = "policy.json";

pub struct Registry {
    root: PathBuf,
    /// Data directory of the audit trail that records promotions and rollbacks.
    audit: Option<PathBuf>,
}

impl Registry {
    pub fn open(root: impl Into<PathBuf>) -> Registry {
        Registry {
            root: root.into(),
            audit: None,
        }
    }

    /// Also records every move in the audit trail under `data`.
    pub fn audited(mut self, data: impl Into<PathBuf>) -> Registry {
        self.audit = Some(data.into());
        self
    }

    pub fn version_dir(&self, version: &str) -> PathBuf {
        self.root.join(version)
    }

    fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    fn history_path(&self) -> PathBuf {
        self.root.join("history.jsonl")
    }

    /// Versions present, oldest first (names sort by time).
    pub fn versions(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).with_context(|| format!("listing {}", self.root.display())),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "current"
                && entry.file_type()?.is_dir()
                && entry.path().join("model.json").is_file()
            {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    pub fn current(&self) -> Result<Option<String>> {
        match std::fs::read_link(self.current_link()) {
            Ok(target) => Ok(target.file_name().map(|n| n.to_string_lossy().into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).context("reading models/current"),
        }
    }

    pub fn load(&self, version: &str) -> Result<ModelArtifact> {
        let path = self.version_dir(version).join("model.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        ModelArtifact::from_json(&text).with_context(|| format!("loading {}", path.display()))
    }

    /// The policy published with `version` (`policy.json`); `None` for versions written before
    /// policies travelled with the model.
    pub fn load_policy(&self, version: &str) -> Result<Option<Policy>> {
        let path = self.version_dir(version).join(POLICY);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("loading {}", path.display()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Makes `policy` (its public copy) the published one. When the current version already
    /// carries it, nothing happens (`None`); otherwise a new version is written that reuses the
    /// current model with this policy and is promoted ([`PromotionAction::Policy`]), so the history
    /// records the change and a rollback restores the model and policy that ran together.
    pub fn publish_policy(&self, policy: &Policy, why: &str) -> Result<Option<String>> {
        let public = policy.public();
        let Some(current) = self.current()? else {
            return Ok(None);
        };
        if self.load_policy(&current)?.as_ref() == Some(&public) {
            return Ok(None);
        }
        let json = serde_json::to_string_pretty(&public)?;
        let hash: String = Sha256::digest(json.as_bytes())
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        let version = format!("{}-policy-{hash}", Utc::now().format("%Y%m%d-%H%M%S"));
        let (from, to) = (self.version_dir(&current), self.version_dir(&version));
        std::fs::create_dir_all(&to).with_context(|| format!("creating {}", to.display()))?;
        for file in ["metrics.json", "metrics.txt"] {
            if from.join(file).is_file() {
                std::fs::copy(from.join(file), to.join(file))
                    .with_context(|| format!("copying {file} into {}", to.display()))?;
            }
        }
        crate::atomic::write_atomic(&to.join(POLICY), json.as_bytes())?;
        let model = std::fs::read(from.join("model.json"))
            .with_context(|| format!("reading {}", from.join("model.json").display()))?;
        crate::atomic::write_atomic(&to.join("model.json"), &model)?;
        self.move_current(&version, PromotionAction::Policy, why)?;
        Ok(Some(version))
    }

    /// Writes a new version's files (artifact, its public policy, metrics JSON and text report).
    pub fn write_version(
        &self,
        artifact: &ModelArtifact,
        policy: &Policy,
        report_text: &str,
    ) -> Result<PathBuf> {
        let dir = self.version_dir(&artifact.version);
        if dir.exists() {
            bail!(
                "model version {} already exists in {}",
                artifact.version,
                self.root.display()
            );
        }
        crate::atomic::write_atomic(
            &dir.join("metrics.json"),
            serde_json::to_string_pretty(&artifact.metrics)?.as_bytes(),
        )?;
        crate::atomic::write_atomic(&dir.join("metrics.txt"), report_text.as_bytes())?;
        crate::atomic::write_atomic(
            &dir.join(POLICY),
            serde_json::to_string_pretty(&policy.public())?.as_bytes(),
        )?;
        // The artifact goes last: a directory without model.json is not a version.
        crate::atomic::write_atomic(&dir.join("model.json"), artifact.to_json().as_bytes())?;
        Ok(dir)
    }

    pub fn history(&self) -> Result<Vec<PromotionEntry>> {
        let text = match std::fs::read_to_string(self.history_path()) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).context("reading models/history.jsonl"),
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .with_context(|| format!("models/history.jsonl line {}", i + 1))
            })
            .collect()
    }

    /// Points `current` at `version` and records the move.
    pub fn move_current(
        &self,
        version: &str,
        action: PromotionAction,
        why: &str,
    ) -> Result<PromotionEntry> {
        if !self.version_dir(version).join("model.json").is_file() {
            bail!(
                "no model version {version} in {} (see `dars model list`)",
                self.root.display()
            );
        }
        // Refuse to publish an artifact that does not load.
        self.load(version)?;
        let previous = self.current()?;
        let tmp = self.root.join(format!(".current-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        symlink(Path::new(version), &tmp)?;
        std::fs::rename(&tmp, self.current_link()).context("moving models/current")?;
        let entry = PromotionEntry {
            at: Utc::now().to_rfc3339(),
            who: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "unknown".into()),
            action,
            version: version.into(),
            previous,
            why: why.into(),
        };
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.history_path())
            .context("opening models/history.jsonl")?;
        writeln!(f, "{}", serde_json::to_string(&entry)?)?;
        f.sync_all()?;
        if let Some(data) = &self.audit {
            let kind = match action {
                PromotionAction::Rollback => Kind::Rollback,
                PromotionAction::Promote | PromotionAction::Policy => Kind::Promotion,
            };
            Audit::open(data)?.append(kind, &entry.who, None, &serde_json::to_value(&entry)?)?;
        }
        Ok(entry)
    }

    /// Moves `current` back to the version it pointed at before the last move.
    pub fn rollback(&self, why: &str) -> Result<PromotionEntry> {
        let history = self.history()?;
        let last = history
            .last()
            .context("nothing to roll back: the registry has no history")?;
        let Some(previous) = &last.previous else {
            bail!(
                "nothing to roll back to: {} was the first published model",
                last.version
            );
        };
        self.move_current(previous, PromotionAction::Rollback, why)
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link).with_context(|| format!("creating {}", link.display()))
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> Result<()> {
    bail!("the model registry needs symlinks (Unix)")
}

/// `dars model list`.
pub fn list(models: &Path) -> Result<()> {
    let reg = Registry::open(models);
    let current = reg.current()?;
    let versions = reg.versions()?;
    if versions.is_empty() {
        println!("no models in {} yet: run `dars train`", models.display());
        return Ok(());
    }
    println!(
        "{:<2} {:<26} {:<21} {:>8} {:>7} {:>9}",
        "", "version", "trained on", "rows", "AUC", "threshold"
    );
    for v in versions {
        let a = reg.load(&v)?;
        let mark = if current.as_deref() == Some(v.as_str()) {
            "*"
        } else {
            ""
        };
        println!(
            "{:<2} {:<26} {:<21} {:>8} {:>7} {:>9.3}",
            mark,
            v,
            format!("{}..{}", a.training.from, a.training.to),
            a.training.rows,
            a.metrics
                .calibrated
                .roc_auc
                .map_or("-".into(), |x| format!("{x:.3}")),
            a.threshold.value
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(version: &str) -> ModelArtifact {
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/artifact/model-v1.json"
        ))
        .unwrap_or_default();
        let mut a =
            ModelArtifact::from_json(&json).unwrap_or_else(|e| panic!("fixture artifact: {e}"));
        a.version = version.into();
        a
    }

    #[test]
    fn promote_and_rollback_move_current_and_record_history() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let reg = Registry::open(dir.path());
        for v in ["20260101-0000-a", "20260102-0000-b"] {
            reg.write_version(&artifact(v), &Policy::default(), "report")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(reg.current().ok().flatten(), None);
        reg.move_current("20260101-0000-a", PromotionAction::Promote, "first")
            .unwrap_or_else(|e| panic!("{e}"));
        reg.move_current("20260102-0000-b", PromotionAction::Promote, "better")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            reg.current().ok().flatten().as_deref(),
            Some("20260102-0000-b")
        );
        assert!(dir.path().join("current/model.json").is_file());
        let back = reg
            .rollback("bad numbers")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.version, "20260101-0000-a");
        assert_eq!(back.previous.as_deref(), Some("20260102-0000-b"));
        let h = reg.history().unwrap_or_default();
        assert_eq!(h.len(), 3);
        assert_eq!(h[2].action, "rollback");
        assert_eq!(h[2].why, "bad numbers");
        assert!(
            reg.move_current("nope", PromotionAction::Promote, "")
                .is_err()
        );
    }

    /// The promotion history checked in under `tests/fixtures/registry` (written by `dars model
    /// promote`, the morning run's policy publish and `dars model rollback` before the action was
    /// typed) reads, oldest first, with every action.
    #[test]
    fn the_checked_in_history_reads() {
        let reg = Registry::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/registry"
        ));
        let h = reg.history().unwrap_or_else(|e| panic!("{e:#}"));
        use PromotionAction::{Policy, Promote, Rollback};
        let actions: Vec<PromotionAction> = h.iter().map(|e| e.action).collect();
        assert_eq!(actions, [Promote, Policy, Rollback]);
        assert_eq!(h[2].previous.as_deref(), Some(h[1].version.as_str()));
    }
}
