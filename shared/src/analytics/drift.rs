//! Win rate over 5 against 20 trading days, day by day: a falling short-term rate under a steady
//! long-term one is the drift the model's `win_rate_drift` column measures on the latest day.

use std::ops::Range;

use chrono::NaiveDate;

use crate::features::{FeatureMatrix, index_of};

/// The matrix rows of `account` (rows are sorted by account, then date, so they are contiguous);
/// empty when the account is absent.
pub fn account_rows(m: &FeatureMatrix, account: &str) -> Range<usize> {
    let start = m.rows.partition_point(|k| k.account_id.as_str() < account);
    let end = m.rows.partition_point(|k| k.account_id.as_str() <= account);
    start..end
}

/// One column of `m` over `rows`, NaN where the column is unknown to this build.
pub(super) fn column(m: &FeatureMatrix, rows: &Range<usize>, name: &str) -> Vec<f64> {
    let c = index_of(name);
    rows.clone()
        .map(|i| c.and_then(|c| m.row(i).get(c).copied()).unwrap_or(f64::NAN))
        .collect()
}

/// A trader's 5- and 20-day win rates (percent, NaN before enough history) per trading day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WinRateDrift {
    pub dates: Vec<NaiveDate>,
    pub win_5d: Vec<f64>,
    pub win_20d: Vec<f64>,
}

impl WinRateDrift {
    pub fn of(m: &FeatureMatrix, account: &str) -> WinRateDrift {
        let rows = account_rows(m, account);
        WinRateDrift {
            dates: m.rows[rows.clone()].iter().map(|k| k.date).collect(),
            win_5d: column(m, &rows, "win_rate_5d"),
            win_20d: column(m, &rows, "win_rate_20d"),
        }
    }

    /// The latest day with both rates known: (5-day, 20-day).
    pub fn latest(&self) -> Option<(f64, f64)> {
        self.win_5d
            .iter()
            .zip(&self.win_20d)
            .rev()
            .find(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(a, b)| (*a, *b))
    }

    /// Of the last `n` days with both rates known, how many had the 5-day rate under the 20-day
    /// one — a single bad week is normal, most of a month is a trend worth a conversation.
    pub fn days_below(&self, n: usize) -> (usize, usize) {
        let known: Vec<bool> = self
            .win_5d
            .iter()
            .zip(&self.win_20d)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(a, b)| a < b)
            .collect();
        let tail = &known[known.len().saturating_sub(n)..];
        (tail.iter().filter(|b| **b).count(), tail.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixture::{firm, matrix};

    #[test]
    fn series_follow_the_matrix_columns_of_one_trader() {
        let m = matrix(&firm());
        let rows = account_rows(&m, "B2");
        assert_eq!(rows.len(), 80);
        assert!(m.rows[rows.clone()].iter().all(|k| k.account_id == "B2"));
        assert!(account_rows(&m, "ZZ").is_empty());
        let d = WinRateDrift::of(&m, "B2");
        assert_eq!(d.dates.len(), 80);
        let c5 = index_of("win_rate_5d").unwrap_or(usize::MAX);
        assert_eq!(d.win_5d[79].to_bits(), m.row(rows.end - 1)[c5].to_bits());
        // The first days lack history: missing, never 0.
        assert!(d.win_20d[0].is_nan());
        let (w5, w20) = d.latest().unwrap_or((f64::NAN, f64::NAN));
        assert!((0.0..=100.0).contains(&w5) && (0.0..=100.0).contains(&w20));
        let (below, of) = d.days_below(20);
        assert_eq!(of, 20);
        assert!(below <= of);
    }
}
