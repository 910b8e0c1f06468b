//! The registry's promotion history (`models/history.jsonl`, one JSON object a line, appended by
//! `dars model promote|rollback`). One type for the backend that writes it and the model page that
//! reads it. `parse_history` is lenient on purpose — unknown fields are ignored and an unreadable line is counted,
//! not fatal — because a page that refuses to show lineage over one bad line helps no one.

use serde::{Deserialize, Serialize};

/// One move of the `current` pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionEntry {
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub who: String,
    /// `promote` or `rollback`.
    #[serde(default)]
    pub action: String,
    pub version: String,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub why: String,
}

/// Entries newest first, and the 1-based numbers of lines that could not be read.
pub fn parse_history(text: &str) -> (Vec<PromotionEntry>, Vec<usize>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<PromotionEntry>(line) {
            Ok(e) => entries.push(e),
            Err(_) => bad.push(i + 1),
        }
    }
    entries.reverse();
    (entries, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_newest_first_and_counts_bad_ones() {
        let text = "{\"at\":\"2026-11-22T05:13:36Z\",\"who\":\"ci\",\"action\":\"promote\",\
                    \"version\":\"v1\",\"previous\":null,\"why\":\"trained\"}\n\
                    not json\n\n\
                    {\"version\":\"v2\",\"action\":\"promote\",\"previous\":\"v1\",\"extra\":1}\n";
        let (e, bad) = parse_history(text);
        assert_eq!(bad, [2]);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].version, "v2");
        assert_eq!(e[0].previous.as_deref(), Some("v1"));
        assert_eq!((e[1].who.as_str(), e[1].why.as_str()), ("ci", "trained"));
        assert_eq!(parse_history(""), (Vec::new(), Vec::new()));
    }
}
