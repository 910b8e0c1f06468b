//! History coverage: whether the data at hand holds enough history for each of a model's
//! features to equal the morning run's value, and the notice a page shows when it does not.
//!
//! Every feature reads a bounded window of trading days (the registry's [`Lookback`], recorded
//! in the artifact's [`FeatureSpec`]). The morning run reads the whole lake; a page scoring
//! dropped files sees only the history in them, so a feature whose window is longer than that
//! history is computed from fewer days and may differ. [`History::per_account`] measures the
//! history each trader has in a daily table, [`short_features`] lists the features it does not
//! cover, and [`trader_notice`] / [`firm_notice`] say so in a sentence.
//!
//! Guarantees:
//! - A feature whose window is at most the history is never listed; such a feature is
//!   bit-identical to the morning run's (`tests/features_history.rs`).
//! - A feature reading the whole history ([`Window::All`]), or of unknown lookback (an artifact
//!   from before lookbacks were recorded naming a feature this build does not know), is always
//!   listed: nothing short of the whole history is known to reproduce it.
//! - Windows are compared on their own calendar: the trader's trading days for trader
//!   features, firm trading days (dates on which anyone in the data traded) for firm features.
//!
//! Pure computation: no clock, no I/O; the same code runs in the browser.

use std::collections::BTreeMap;

use crate::artifact::FeatureSpec;
use crate::features::history::group;
use crate::features::{Calendar, Lookback, Window};
use crate::schema::DailyRow;

/// Trading days of history the data holds for one trader, up to and including the trader's
/// latest trading day (the day that gets scored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct History {
    /// The trader's own trading days.
    pub trader_days: u32,
    /// Firm trading days (dates on which anyone in the data traded) up to the trader's latest.
    pub firm_days: u32,
}

impl History {
    /// The days available on `calendar`.
    pub fn days_on(&self, calendar: Calendar) -> u32 {
        match calendar {
            Calendar::Trader => self.trader_days,
            Calendar::Firm => self.firm_days,
        }
    }

    /// True when this history reproduces a value with `lookback`.
    pub fn covers(&self, lookback: Lookback) -> bool {
        lookback.window.covered_by(self.days_on(lookback.calendar))
    }

    /// The history of every account that has a trading day in `daily`, by account; duplicates
    /// and non-trading days are treated as the feature build treats them.
    pub fn per_account(daily: &[DailyRow]) -> BTreeMap<String, History> {
        let traders = group(daily, None);
        let mut firm: Vec<chrono::NaiveDate> = traders
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| r.date))
            .collect();
        firm.sort_unstable();
        firm.dedup();
        traders
            .iter()
            .filter_map(|t| {
                let last = t.rows.last()?.date;
                // Dates up to and including `last` (it is one of them).
                let firm_days = firm.partition_point(|d| *d <= last);
                Some((
                    t.account.to_owned(),
                    History {
                        trader_days: saturate(t.rows.len()),
                        firm_days: saturate(firm_days),
                    },
                ))
            })
            .collect()
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A model feature whose window is longer than the history at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortFeature {
    /// Column name, e.g. `firm_vol_pct_6m`.
    pub name: String,
    /// The label traders read (the name when the artifact has none).
    pub label: String,
    /// What the value reads; `None` when unknown.
    pub lookback: Option<Lookback>,
    /// Trading days available on the feature's calendar (the trader's when unknown).
    pub available: u32,
}

impl ShortFeature {
    /// "Firm volatility rank (145 firm trading days)".
    fn describe(&self) -> String {
        let reach = match self.lookback {
            Some(Lookback {
                window: Window::Days(n),
                calendar,
            }) => {
                let firm = if calendar == Calendar::Firm {
                    "firm "
                } else {
                    ""
                };
                format!("{n} {firm}trading day{}", if n == 1 { "" } else { "s" })
            }
            Some(Lookback {
                window: Window::All,
                ..
            }) => "the whole history".to_owned(),
            None => "an unknown window".to_owned(),
        };
        format!("{} ({reach})", self.label)
    }
}

/// The features of `features` (an artifact's, in its column order) that `history` does not
/// cover, in that order.
pub fn short_features(features: &[FeatureSpec], history: History) -> Vec<ShortFeature> {
    features
        .iter()
        .filter_map(|spec| {
            let lookback = spec.lookback();
            let covered = lookback.is_some_and(|l| history.covers(l));
            (!covered).then(|| ShortFeature {
                name: spec.name.clone(),
                label: if spec.label.is_empty() {
                    spec.name.clone()
                } else {
                    spec.label.clone()
                },
                lookback,
                available: history.days_on(lookback.map_or(Calendar::Trader, |l| l.calendar)),
            })
        })
        .collect()
}

/// The longest window among `features` on each calendar, in trading days: (trader, firm).
/// `None` on a calendar when some feature there reads the whole history or its lookback is
/// unknown (no finite history suffices); `Some(0)` when no feature uses that calendar.
pub fn longest_windows(features: &[FeatureSpec]) -> (Option<u32>, Option<u32>) {
    let mut trader = Some(0u32);
    let mut firm = Some(0u32);
    for spec in features {
        match spec.lookback() {
            Some(l) => {
                let slot = match l.calendar {
                    Calendar::Trader => &mut trader,
                    Calendar::Firm => &mut firm,
                };
                *slot = slot.zip(l.window.days()).map(|(a, b)| a.max(b));
            }
            None => {
                trader = None;
                firm = None;
            }
        }
    }
    (trader, firm)
}

/// Features named one by one in a notice; the rest are counted.
const NAMED: usize = 4;

/// The trader page's notice, or `None` when the history covers every feature: "Your files hold
/// 120 trading days of NET004's history (120 firm trading days). Firm volatility rank (145 firm
/// trading days) looks back further, so it may differ from the morning run, which reads the
/// whole history."
pub fn trader_notice(account: &str, history: History, short: &[ShortFeature]) -> Option<String> {
    let (first, rest) = short.split_first()?;
    let mut names: Vec<String> = std::iter::once(first)
        .chain(rest)
        .take(NAMED)
        .map(ShortFeature::describe)
        .collect();
    let more = short.len().saturating_sub(NAMED);
    if more > 0 {
        names.push(format!(
            "{more} more feature{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    let list = join(&names);
    let (verb, pronoun) = if short.len() == 1 {
        ("looks", "it")
    } else {
        ("look", "they")
    };
    Some(format!(
        "Your files hold {} of {account}'s history ({} firm trading day{}). {list} {verb} back \
         further, so {pronoun} may differ from the morning run, which reads the whole history.",
        days(history.trader_days),
        history.firm_days,
        if history.firm_days == 1 { "" } else { "s" },
    ))
}

/// The dashboard's notice, or `None` when every trader's history covers every feature: how many
/// traders' files hold less history than the model reads, and the history that would suffice.
pub fn firm_notice(
    features: &[FeatureSpec],
    traders: &BTreeMap<String, History>,
) -> Option<String> {
    let short = traders
        .values()
        .filter(|h| !short_features(features, **h).is_empty())
        .count();
    if short == 0 {
        return None;
    }
    let need = match longest_windows(features) {
        (Some(t), Some(f)) => {
            let mut parts = Vec::new();
            if t > 0 {
                parts.push(days(t));
            }
            if f > 0 {
                parts.push(format!(
                    "{f} firm trading day{}",
                    if f == 1 { "" } else { "s" }
                ));
            }
            format!(" (the model reads up to {})", join(&parts))
        }
        _ => " (some of the model's features read the whole history)".to_owned(),
    };
    Some(format!(
        "For {short} of {} trader{} your files hold less history than the model reads{need}: \
         some of their numbers may differ from the morning run's; each trader's page says which.",
        traders.len(),
        if traders.len() == 1 { "" } else { "s" },
    ))
}

fn days(n: u32) -> String {
    format!("{n} trading day{}", if n == 1 { "" } else { "s" })
}

/// "a", "a and b", "a, b and c".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FEATURES, max_window};

    fn specs() -> Vec<FeatureSpec> {
        FEATURES.iter().map(FeatureSpec::from_def).collect()
    }

    fn history(trader_days: u32, firm_days: u32) -> History {
        History {
            trader_days,
            firm_days,
        }
    }

    #[test]
    fn the_longest_window_covers_everything() {
        let w = max_window();
        assert!(short_features(&specs(), history(w, w)).is_empty());
        assert_eq!(trader_notice("A", history(w, w), &[]), None);
        let short = short_features(&specs(), history(w - 1, w - 1));
        assert!(!short.is_empty());
        assert!(
            short
                .iter()
                .all(|s| s.lookback.and_then(|l| l.window.days()) == Some(w))
        );
    }

    #[test]
    fn a_year_of_files_names_what_looks_further_back() {
        let (trader, firm) = longest_windows(&specs());
        let trader = trader.unwrap_or_else(|| panic!("a trader feature reads the whole history"));
        let firm = firm.unwrap_or_else(|| panic!("a firm feature reads the whole history"));
        assert_eq!(trader.max(firm), max_window());
        // One trading day short on each calendar: exactly the longest windows are listed.
        let short = short_features(&specs(), history(trader - 1, firm - 1));
        for s in &short {
            let l = s
                .lookback
                .unwrap_or_else(|| panic!("{} has a lookback", s.name));
            let want = match l.calendar {
                Calendar::Trader => trader,
                Calendar::Firm => firm,
            };
            assert_eq!(l.window.days(), Some(want), "{}", s.name);
        }
        let text = trader_notice("NET004", history(trader - 1, firm - 1), &short)
            .unwrap_or_else(|| panic!("a notice"));
        assert!(text.starts_with(&format!(
            "Your files hold {} trading days of NET004's history",
            trader - 1
        )));
        assert!(text.contains("may differ from the morning run"), "{text}");
    }

    #[test]
    fn unknown_and_whole_history_features_are_always_short() {
        let mut old = specs();
        // An artifact from before lookbacks were recorded, naming a feature this build lacks.
        old.push(FeatureSpec {
            name: "pnl_drawdown".into(),
            label: "Drawdown from peak".into(),
            description: String::new(),
            unit: Some(crate::features::Unit::Dollars),
            declared_lookback: None,
        });
        let mut all = FeatureSpec::from_def(&FEATURES[0]);
        all.name = "lifetime_thing".into();
        all.label = String::new();
        all.declared_lookback = Some(Lookback {
            window: Window::All,
            calendar: Calendar::Trader,
        });
        old.push(all);
        let short = short_features(&old, history(10_000, 10_000));
        let names: Vec<&str> = short.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pnl_drawdown", "lifetime_thing"]);
        let text =
            trader_notice("A1", history(10_000, 10_000), &short).unwrap_or_else(|| panic!("text"));
        assert!(
            text.contains("Drawdown from peak (an unknown window) and lifetime_thing (the whole history) look back"),
            "{text}"
        );
        assert_eq!(longest_windows(&old), (None, None));
        // Old specs without a recorded lookback fall back to the registry by name.
        let mut known = FeatureSpec::from_def(&FEATURES[0]);
        known.declared_lookback = None;
        assert_eq!(known.lookback(), Some(FEATURES[0].lookback));
    }

    #[test]
    fn many_short_features_are_counted_not_listed() {
        let short = short_features(&specs(), history(2, 2));
        assert!(short.len() > NAMED + 1);
        let text = trader_notice("B2", history(2, 2), &short).unwrap_or_else(|| panic!("text"));
        assert!(
            text.contains(&format!(
                "and {} more features look back",
                short.len() - NAMED
            )),
            "{text}"
        );
        assert!(text.contains("(2 firm trading days)"), "{text}");
    }

    #[test]
    fn per_account_counts_each_calendar_up_to_the_traders_last_day() {
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2025, 3, d).unwrap_or_default();
        let row = |account: &str, d: u32, fills: u64| {
            let json = serde_json::json!({
                "date": day(d), "account_id": account, "fills_cnt": fills, "gross": 1.0,
                "net_pnl": 1.0, "unrealized_delta": 0.0, "total_delta": 1.0,
            });
            serde_json::from_value::<DailyRow>(json).unwrap_or_else(|e| panic!("row: {e}"))
        };
        let daily = vec![
            row("A", 3, 5),
            row("B", 4, 5),
            row("A", 5, 5),
            row("A", 6, 0), // not a trading day
            row("B", 7, 5),
            row("B", 7, 9), // duplicate: the later row wins, still one day
        ];
        let h = History::per_account(&daily);
        assert_eq!(h.get("A"), Some(&history(2, 3)));
        assert_eq!(h.get("B"), Some(&history(2, 4)));
        let text = firm_notice(&specs(), &h).unwrap_or_else(|| panic!("text"));
        assert!(text.starts_with("For 2 of 2 traders"), "{text}");
        assert!(
            text.contains(&format!("{} firm trading days", max_window())),
            "{text}"
        );
        assert_eq!(firm_notice(&specs(), &BTreeMap::new()), None);
    }
}
