//! Caller's choices for reading a file.

use serde::{Deserialize, Serialize};

/// How to read a file. `IngestOptions::default()` is what the product uses: keep good rows,
/// report bad ones, exclude `_OLD` accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestOptions {
    /// Reject the whole file at the first bad row instead of skipping and reporting it.
    #[serde(default)]
    pub strict: bool,
    /// Accounts whose id ends with this suffix (ASCII case-insensitive) are legacy accounts:
    /// excluded and counted per account. `None` keeps every account.
    #[serde(default = "default_legacy_suffix")]
    pub legacy_suffix: Option<String>,
    /// List at most this many rejections (all are still counted); `None` lists every one.
    #[serde(default)]
    pub max_rejections_listed: Option<usize>,
}

fn default_legacy_suffix() -> Option<String> {
    Some("_OLD".to_owned())
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            strict: false,
            legacy_suffix: default_legacy_suffix(),
            max_rejections_listed: None,
        }
    }
}

impl IngestOptions {
    /// The defaults with strict mode on.
    pub fn strict() -> Self {
        Self {
            strict: true,
            ..Self::default()
        }
    }

    /// True when `account` ends with the legacy suffix.
    pub fn is_legacy(&self, account: &[u8]) -> bool {
        match &self.legacy_suffix {
            Some(suffix) if !suffix.is_empty() => {
                let s = suffix.as_bytes();
                account.len() >= s.len()
                    && account[account.len() - s.len()..].eq_ignore_ascii_case(s)
            }
            _ => false,
        }
    }
}
