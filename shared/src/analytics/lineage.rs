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
    /// Why it moved; a line without one reads as `promote`.
    #[serde(default)]
    pub action: PromotionAction,
    pub version: String,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub why: String,
}

/// Why `current` moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PromotionAction {
    /// A version was published (`dars model promote`, `dars train --promote`, a scheduled
    /// retrain). A line that names no action reads as one.
    #[default]
    Promote,
    /// Back to the version before the last move (`dars model rollback`).
    Rollback,
    /// The current model republished with the configuration's changed policy (the morning
    /// run's `Registry::publish_policy`).
    Policy,
}

impl PromotionAction {
    pub const ALL: [PromotionAction; 3] = [
        PromotionAction::Promote,
        PromotionAction::Rollback,
        PromotionAction::Policy,
    ];

    /// The name as serialized: `promote`, `rollback` or `policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            PromotionAction::Promote => "promote",
            PromotionAction::Rollback => "rollback",
            PromotionAction::Policy => "policy",
        }
    }

    /// The action of that name ([`PromotionAction::as_str`]), if there is one.
    pub fn parse(name: &str) -> Option<PromotionAction> {
        PromotionAction::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for PromotionAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for PromotionAction {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
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

    #[test]
    fn actions_are_written_by_name_and_default_to_promote() {
        for a in PromotionAction::ALL {
            let json = serde_json::to_value(a).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(json, a.as_str());
            assert_eq!(PromotionAction::parse(a.as_str()), Some(a));
        }
        let text = "{\"version\":\"v1\"}\n\
                    {\"version\":\"v2\",\"action\":\"policy\"}\n\
                    {\"version\":\"v1\",\"action\":\"rollback\"}\n\
                    {\"version\":\"v3\",\"action\":\"demote\"}\n";
        let (e, bad) = parse_history(text);
        assert_eq!(bad, [4]);
        let actions: Vec<PromotionAction> = e.iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            [
                PromotionAction::Rollback,
                PromotionAction::Policy,
                PromotionAction::Promote
            ]
        );
        assert_eq!(e[0].action, "rollback");
    }
}
