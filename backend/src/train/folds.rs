//! Purged, rolling walk-forward folds over trading dates.
//!
//! Each fold tests on a block of consecutive dates and trains only on dates before it, leaving an
//! embargo of at least the longest feature window in between, so no test row's features share a
//! day of history with a training row's label. Training rows whose label day (the next trading
//! day) falls on or after the test block are purged as well: a trader who skipped days could
//! otherwise carry a label from inside the test block across the embargo.

use anyhow::{Result, bail};
use chrono::NaiveDate;

/// One fold as date bounds (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    pub index: usize,
    pub train_from: NaiveDate,
    pub train_to: NaiveDate,
    pub test_from: NaiveDate,
    pub test_to: NaiveDate,
}

impl Fold {
    /// Whether a labelled row belongs to this fold's training set.
    pub fn trains_on(&self, date: NaiveDate, label_date: Option<NaiveDate>) -> bool {
        date <= self.train_to && label_date.is_some_and(|l| l < self.test_from)
    }

    pub fn tests_on(&self, date: NaiveDate) -> bool {
        self.test_from <= date && date <= self.test_to
    }
}

/// Splits `dates` (sorted, distinct) into `n_folds` test blocks covering everything after
/// `min_train + embargo` dates; fold k trains on dates up to `embargo` dates before its block.
pub fn walk_forward(
    dates: &[NaiveDate],
    n_folds: usize,
    embargo: usize,
    min_train: usize,
) -> Result<Vec<Fold>> {
    if n_folds == 0 {
        bail!("at least one fold is needed");
    }
    let first_test = min_train + embargo;
    let test_days = dates.len().saturating_sub(first_test);
    if test_days < n_folds {
        bail!(
            "not enough history for walk-forward validation: {} trading days, but {} folds need at \
             least {} ({} to train on, an embargo of {}, then one per fold); use fewer folds, a \
             shorter --embargo or --min-train-days, or more data",
            dates.len(),
            n_folds,
            first_test + n_folds,
            min_train,
            embargo
        );
    }
    let mut folds = Vec::with_capacity(n_folds);
    for k in 0..n_folds {
        let start = first_test + test_days * k / n_folds;
        let end = first_test + test_days * (k + 1) / n_folds; // exclusive
        let train_end = start - embargo; // exclusive, >= min_train
        folds.push(Fold {
            index: k + 1,
            train_from: dates[0],
            train_to: dates[train_end - 1],
            test_from: dates[start],
            test_to: dates[end - 1],
        });
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<NaiveDate> {
        let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        (0..n)
            .map(|i| start + chrono::Days::new(i as u64))
            .collect()
    }

    #[test]
    fn folds_cover_the_tail_in_order_with_the_embargo() {
        let d = days(100);
        let folds = walk_forward(&d, 4, 10, 30).unwrap_or_default();
        assert_eq!(folds.len(), 4);
        assert_eq!(folds[0].test_from, d[40]);
        assert_eq!(folds[3].test_to, d[99]);
        for w in folds.windows(2) {
            assert_eq!(w[0].test_to + chrono::Days::new(1), w[1].test_from);
        }
        for f in &folds {
            let train_end = d.iter().position(|x| *x == f.train_to).unwrap_or(0);
            let test_start = d.iter().position(|x| *x == f.test_from).unwrap_or(0);
            // No train date within the embargo of a test date.
            assert_eq!(test_start - train_end - 1, 10, "fold {}", f.index);
        }
    }

    #[test]
    fn rows_whose_label_lands_in_the_test_block_are_purged() {
        let d = days(100);
        let f = &walk_forward(&d, 2, 5, 40).unwrap_or_default()[0];
        // A row before the embargo whose next trading day is inside the test block.
        assert!(!f.trains_on(d[10], Some(f.test_from)));
        assert!(f.trains_on(d[10], Some(d[11])));
        // Unlabelled rows never train.
        assert!(!f.trains_on(d[10], None));
        // Rows inside the embargo never train.
        assert!(!f.trains_on(d[42], Some(d[43])));
    }

    #[test]
    fn too_little_history_is_a_clear_error() {
        let err = walk_forward(&days(20), 4, 10, 30)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not enough history"), "{err}");
    }
}
