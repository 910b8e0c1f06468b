//! Behavioural flags over a trader's history — revenge trading, overtrading bursts and the
//! disposition effect (losers held longer than winners) — read from the feature columns the model
//! uses, so the timeline shows exactly the habits the model saw.

use chrono::NaiveDate;

use super::drift::{account_rows, column};
use crate::features::FeatureMatrix;

/// Losers held at least this many times as long as winners counts as a disposition day. Exactly
/// 1x is no habit and a ratio just above it is the noise of a few round trips; half as long
/// again is a pattern a coach can point at.
pub const DISPOSITION_RATIO: f64 = 1.5;

/// One trader's flags per trading day; `None` where the day has no behaviour data (totals-only
/// files, too little history, or no losing and winning trips to compare).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BehaviourFlags {
    pub dates: Vec<NaiveDate>,
    pub revenge: Vec<Option<bool>>,
    pub overtrading: Vec<Option<bool>>,
    pub disposition: Vec<Option<bool>>,
    /// Hold time of losers / winners (NaN when unknown), behind `disposition`.
    pub hold_ratio: Vec<f64>,
}

/// Flagged days out of days with data, per flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlagCounts {
    pub revenge: (usize, usize),
    pub overtrading: (usize, usize),
    pub disposition: (usize, usize),
}

fn flag(v: f64) -> Option<bool> {
    v.is_finite().then_some(v >= 0.5)
}

impl BehaviourFlags {
    pub fn of(m: &FeatureMatrix, account: &str) -> BehaviourFlags {
        let rows = account_rows(m, account);
        let hold_ratio = column(m, &rows, "hold_losers_vs_winners");
        BehaviourFlags {
            dates: m.rows[rows.clone()].iter().map(|k| k.date).collect(),
            revenge: column(m, &rows, "revenge_flag")
                .into_iter()
                .map(flag)
                .collect(),
            overtrading: column(m, &rows, "overtrading_flag")
                .into_iter()
                .map(flag)
                .collect(),
            disposition: hold_ratio
                .iter()
                .map(|r| r.is_finite().then_some(*r >= DISPOSITION_RATIO))
                .collect(),
            hold_ratio,
        }
    }

    /// Counts over the last `n` trading days (all of them with `None`).
    pub fn counts(&self, n: Option<usize>) -> FlagCounts {
        let from = n.map_or(0, |n| self.dates.len().saturating_sub(n));
        let count = |v: &[Option<bool>]| {
            let tail = &v[from.min(v.len())..];
            (
                tail.iter().filter(|f| **f == Some(true)).count(),
                tail.iter().filter(|f| f.is_some()).count(),
            )
        };
        FlagCounts {
            revenge: count(&self.revenge),
            overtrading: count(&self.overtrading),
            disposition: count(&self.disposition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixture::{firm, matrix, row};
    use chrono::Days;

    #[test]
    fn flags_mirror_the_feature_columns() {
        let m = matrix(&firm());
        let f = BehaviourFlags::of(&m, "C3");
        assert_eq!(f.dates.len(), 80);
        // Revenge needs 7 prior days: the first days are unknown, not "no".
        assert_eq!(f.revenge[0], None);
        assert!(f.revenge[79].is_some() && f.overtrading[79].is_some());
        // The fixture holds losers 3x as long on days whose fill count is a multiple of 3.
        let slow = f.hold_ratio.iter().filter(|r| **r > 2.0).count();
        let c = f.counts(None);
        assert_eq!(c.disposition, (slow, 80));
        let recent = f.counts(Some(20));
        assert!(recent.revenge.1 <= 20 && recent.disposition.1 == 20);
    }

    #[test]
    fn a_revenge_day_is_counted() {
        // Calm days, a loss, then three times the usual fills.
        let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap_or_default();
        let mut daily = Vec::new();
        for i in 0..12u64 {
            let d = start.checked_add_days(Days::new(i)).unwrap_or(start);
            let (total, fills) = match i {
                10 => (-500.0, 20),
                11 => (100.0, 60),
                _ => (50.0, 20),
            };
            daily.push(row("R1", d, total, fills));
        }
        let f = BehaviourFlags::of(&matrix(&daily), "R1");
        assert_eq!(f.revenge[11], Some(true));
        assert_eq!(f.counts(Some(1)).revenge, (1, 1));
    }
}
